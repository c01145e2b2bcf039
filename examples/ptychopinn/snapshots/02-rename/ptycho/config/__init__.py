"""Typed configuration for the TensorFlow implementation."""

from ptycho.config.config import InferenceConfig, ModelConfig, TrainingConfig

__all__ = ["InferenceConfig", "ModelConfig", "TrainingConfig"]
