"""Translate PyTorch configuration objects into the TensorFlow dataclasses."""

from __future__ import annotations

from ptycho.config.config import ModelConfig as TFModelConfig
from ptycho.config.config import TrainingConfig as TFTrainingConfig

from ptycho_torch.config_params import DataConfig, ModelConfig, TrainingConfig


def to_model_config(data: DataConfig, model: ModelConfig) -> TFModelConfig:
    """Map the PyTorch model/data parameters onto ``ptycho.config.config.ModelConfig``."""
    return TFModelConfig(
        N=data.N,
        gridsize=data.grid_size[0],
        n_filters_scale=model.n_filters_scale,
        amp_activation=model.amp_activation,
        object_big=model.object_big,
        probe_big=model.probe_big,
    )


def to_training_config(
    model: TFModelConfig, data: DataConfig, training: TrainingConfig
) -> TFTrainingConfig:
    """Map the PyTorch training parameters onto ``TrainingConfig``."""
    return TFTrainingConfig(
        model=model,
        batch_size=training.batch_size,
        nepochs=training.epochs,
        nphotons=data.nphotons,
    )
