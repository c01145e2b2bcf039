"""Singleton-free dataclass configuration of the PyTorch backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class DataConfig:
    """Data-side parameters."""

    nphotons: float = 1e5
    N: int = 64
    C: int = 4
    K: int = 6
    n_subsample: int = 7
    grid_size: tuple[int, int] = (2, 2)
    probe_scale: float = 1.0
    normalize: Literal["Group", "Batch"] = "Batch"


@dataclass
class ModelConfig:
    """Architecture parameters (PyTorch)."""

    mode: Literal["Supervised", "Unsupervised"] = "Unsupervised"
    n_filters_scale: int = 2
    amp_activation: str = "silu"
    object_big: bool = True
    probe_big: bool = True
    intensity_scale_trainable: bool = False
    architecture: str = "cnn"
    C_model: int = 4


@dataclass
class TrainingConfig:
    """Training parameters (PyTorch)."""

    nll: bool = True
    device: str = "cuda"
    strategy: str | None = "ddp"
    n_devices: int = 1
    learning_rate: float = 1e-3
    epochs: int = 50
    batch_size: int = 16
    stage_1_epochs: int = 0
    experiment_name: str = "Synthetic_Runs"
    loss_weights: dict[str, float] = field(default_factory=dict)


@dataclass
class InferenceConfig:
    """Inference parameters (PyTorch)."""

    middle_trim: int = 32
    batch_size: int = 1000
    experiment_number: int = 0
    pad_eval: bool = True
