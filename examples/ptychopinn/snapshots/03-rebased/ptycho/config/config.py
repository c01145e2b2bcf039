"""Dataclass configuration for PtychoPINN (replaces the legacy ``params.cfg`` dictionary)."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Optional


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of the network and of the physics forward model."""

    N: Literal[64, 128, 256] = 64
    gridsize: int = 1
    n_filters_scale: int = 2
    model_type: Literal["pinn", "supervised"] = "pinn"
    amp_activation: Literal["sigmoid", "swish", "softplus", "relu"] = "sigmoid"
    object_big: bool = True
    probe_big: bool = True
    probe_mask: bool = False
    pad_object: bool = True
    probe_scale: float = 4.0
    gaussian_smoothing_sigma: float = 0.0


@dataclass(frozen=True)
class TrainingConfig:
    """Everything a training run needs besides the model architecture."""

    model: ModelConfig
    train_data_file: Path
    test_data_file: Optional[Path] = None
    batch_size: int = 16
    nepochs: int = 50
    mae_weight: float = 0.0
    nll_weight: float = 1.0
    nphotons: float = 1e9
    n_groups: int = 512
    positions_provided: bool = True
    probe_trainable: bool = False
    intensity_scale_trainable: bool = True
    output_dir: Path = field(default_factory=lambda: Path("training_outputs"))


@dataclass(frozen=True)
class InferenceConfig:
    """Settings for reconstructing a dataset with a trained model."""

    model: ModelConfig
    model_path: Path
    test_data_file: Path
    n_groups: Optional[int] = None
    debug: bool = False
    output_dir: Path = field(default_factory=lambda: Path("inference_outputs"))


def update_legacy_dict(cfg: dict, config: TrainingConfig | InferenceConfig) -> None:
    """Copy a dataclass config into the legacy ``params.cfg`` dictionary (one-way bridge)."""
    cfg.update({k: v for k, v in vars(config.model).items()})
    for key, value in vars(config).items():
        if key != "model":
            cfg[key] = str(value) if isinstance(value, Path) else value
