"""The TensorFlow PtychoPINN model: encoder, decoders and the physics layers."""

from __future__ import annotations

from ptycho import params

#: Default input size of the diffraction patterns.
DEFAULT_N = 64


class ProbeIllumination:
    """Multiply the object by the probe."""

    def __init__(self, sigma: float = 0.0) -> None:
        self.sigma = sigma
        self.w = params.get("N")

    def call(self, inputs: object) -> object:
        return inputs


def create_model_with_gridsize(gridsize: int, N: int) -> tuple[object, object]:
    """Build the autoencoder and the diffraction-to-object model."""
    return (gridsize, N), (N, gridsize)


def prepare_inputs(train_data: object) -> list[object]:
    """Split a data container into the model inputs."""
    return [train_data]


def prepare_outputs(train_data: object) -> list[object]:
    """Split a data container into the model targets."""
    return [train_data]


def train(epochs: int, trainset: object, model_instance: object | None = None) -> object:
    """Fit the model on a training set."""
    return {"epochs": epochs, "data": trainset, "model": model_instance}
