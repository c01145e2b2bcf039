"""A small facade over configuration, training and inference for host applications."""

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ptycho_torch.config_params import (
    DataConfig,
    ModelConfig,
    TrainingConfig,
    update_existing_config,
)


def load_config(path: Path) -> tuple[DataConfig, ModelConfig, TrainingConfig]:
    """Read a YAML file with ``data``, ``model`` and ``training`` sections."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    data = update_existing_config(DataConfig(), raw.get("data", {}))
    model = update_existing_config(ModelConfig(), raw.get("model", {}))
    training = update_existing_config(TrainingConfig(), raw.get("training", {}))
    return data, model, training


@dataclass
class BaseAPI:
    """Hold the three configs and run training or inference with them."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)

    @classmethod
    def from_yaml(cls, path: Path) -> "BaseAPI":
        """Build the facade from a YAML config file."""
        return cls(*load_config(path))

    def train(self, ptycho_dir: Path, output_dir: Path | None = None) -> Path:
        """Train and return the folder holding the checkpoints."""
        from ptycho_torch.train import main

        return main(str(ptycho_dir), None, str(output_dir) if output_dir else None)

    def reconstruct(self, checkpoint: Path, ptycho_dir: Path) -> Path:
        """Reassemble the object from a trained checkpoint; return the NPZ written."""
        from ptycho_torch.reassembly_lightning import reassemble_lightning

        return reassemble_lightning(checkpoint, ptycho_dir, self.data)
