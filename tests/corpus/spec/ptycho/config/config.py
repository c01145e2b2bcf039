"""Modern dataclass configuration for the TensorFlow backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class ModelConfig:
    """Model architecture parameters."""

    N: int = 64
    gridsize: int = 2
    n_filters_scale: int = 2
    model_type: Literal["pinn", "supervised"] = "pinn"
    amp_activation: str = "sigmoid"
    object_big: bool = True
    probe_big: bool = True
    probe_mask: bool = False
    pad_object: bool = True
    probe_scale: float = 4.0
    gaussian_smoothing_sigma: float = 0.0


@dataclass(frozen=True)
class TrainingConfig:
    """Training parameters."""

    model: ModelConfig
    train_data_file: Path | None = None
    test_data_file: Path | None = None
    batch_size: int = 16
    nepochs: int = 50
    mae_weight: float = 0.0
    nll_weight: float = 1.0
    realspace_weight: float = 0.0
    nphotons: float = 1e9
    n_groups: int = 512
    positions_provided: bool = True
    probe_trainable: bool = False
    intensity_scale_trainable: bool = True
    output_dir: Path = field(default_factory=lambda: Path("training_outputs"))


@dataclass(frozen=True)
class InferenceConfig:
    """Inference parameters."""

    model: ModelConfig
    model_path: Path
    test_data_file: Path
    n_groups: int | None = None
    debug: bool = False
    output_dir: Path = field(default_factory=lambda: Path("inference_outputs"))


def validate_model_config(config: ModelConfig) -> None:
    """Check the architecture parameters."""
    if config.gridsize < 1:
        raise ValueError("gridsize must be positive")
    if config.N not in (64, 128, 256):
        raise ValueError("N must be 64, 128 or 256")


def validate_training_config(config: TrainingConfig) -> None:
    """Check the training parameters."""
    validate_model_config(config.model)
    if config.batch_size <= 0:
        raise ValueError("batch_size must be positive")


def update_legacy_dict(cfg: dict[str, object], dataclass_obj: object) -> None:
    """Copy dataclass values into the legacy ``params.cfg`` dictionary."""
    for key, value in vars(dataclass_obj).items():
        cfg[key] = value
