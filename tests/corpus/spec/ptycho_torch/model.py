"""The PyTorch PtychoPINN model as a Lightning module."""

from __future__ import annotations


class PtychoPINN_Lightning:
    """Lightning wrapper around the autoencoder and physics forward model."""

    def __init__(self, model_config: object, data_config: object) -> None:
        self.model_config = model_config
        self.data_config = data_config

    def forward(self, x: object) -> object:
        return x

    def training_step(self, batch: object, batch_idx: int) -> object:
        return batch

    def configure_optimizers(self) -> object:
        return None
