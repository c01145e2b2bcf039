"""Ptychodus-facing workflow entry points of the PyTorch backend."""

from __future__ import annotations

from ptycho.config.config import TrainingConfig


def run_cdi_example_torch(
    train_data: object, test_data: object | None, config: TrainingConfig
) -> tuple[object, object, dict[str, object]]:
    """Mirror of ``ptycho.workflows.components.run_cdi_example`` on the PyTorch backend."""
    return train_data, test_data, {"config": config}


def lightning_dataset(container: object) -> object:
    """The dataset wrapper is a class made inside this function (nothing can import it)."""

    class LightningDataset:
        def __init__(self, source: object) -> None:
            self.source = source

        def __getitem__(self, index: int) -> object:
            return self.source

    return LightningDataset(container)
