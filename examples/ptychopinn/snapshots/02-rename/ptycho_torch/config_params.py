"""Configuration dataclasses of the PyTorch port: data, model and training settings."""

from dataclasses import dataclass, field, fields
from typing import Any, Literal


@dataclass
class DataConfig:
    """Layout of the diffraction data and how patterns are grouped."""

    N: int = 64
    C: int = 4
    K: int = 6
    n_subsample: int = 10
    grid_size: tuple[int, int] = (2, 2)
    normalize: Literal["Group", "Batch"] = "Batch"
    probe_scale: float = 1.0


@dataclass
class ModelConfig:
    """Network architecture and physics switches (same name as the TensorFlow class)."""

    mode: Literal["Supervised", "Unsupervised"] = "Unsupervised"
    n_filters_scale: int = 2
    amp_activation: str = "silu"
    object_big: bool = True
    probe_big: bool = True
    intensity_scale_trainable: bool = True
    max_position_jitter: int = 10


@dataclass
class TrainingConfig:
    """Optimiser, schedule and logging settings."""

    nll: bool = True
    learning_rate: float = 1e-3
    epochs: int = 50
    batch_size: int = 16
    device: str = "cuda"
    experiment_name: str = "ptychopinn"
    notes: str = ""
    log_dir: str = field(default="lightning_logs")


def update_existing_config(config: Any, overrides: dict[str, Any]) -> Any:
    """Apply ``overrides`` to a config dataclass; unknown keys are ignored."""
    known = {f.name for f in fields(config)}
    for key, value in overrides.items():
        if key in known:
            setattr(config, key, value)
    return config
