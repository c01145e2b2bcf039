"""High-level training and inference workflows of the TensorFlow backend."""

from __future__ import annotations

from pathlib import Path

from ptycho.config.config import InferenceConfig, TrainingConfig


def run_cdi_example(
    train_data: object, test_data: object | None, config: TrainingConfig
) -> tuple[object, object, dict[str, object]]:
    """Train a model and reconstruct the test data."""
    return train_data, test_data, {"config": config}


def save_outputs(amplitude: object, phase: object, results: dict[str, object], out: Path) -> None:
    """Write reconstructions and metrics to ``out``."""
    out.mkdir(parents=True, exist_ok=True)


def load_inference_bundle(model_dir: Path) -> tuple[object, dict[str, object]]:
    """Load ``wts.h5.zip`` and the saved parameters."""
    return model_dir / "wts.h5.zip", {}


def setup_inference(config: InferenceConfig) -> object:
    """Prepare an inference run."""
    return config
