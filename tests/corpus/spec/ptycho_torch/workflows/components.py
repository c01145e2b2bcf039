"""Ptychodus-facing workflow entry points of the PyTorch backend."""

from __future__ import annotations

from ptycho.config.config import TrainingConfig


def run_cdi_example_torch(
    train_data: object, test_data: object | None, config: TrainingConfig
) -> tuple[object, object, dict[str, object]]:
    """Mirror of ``ptycho.workflows.components.run_cdi_example`` on the PyTorch backend."""
    return train_data, test_data, {"config": config}
