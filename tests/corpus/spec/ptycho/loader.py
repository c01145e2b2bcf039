"""Containers that hold model-ready tensors."""

from __future__ import annotations


class PtychoDataContainer:
    """Model-ready arrays for training or inference."""

    def __init__(self, X: object, Y_I: object, Y_phi: object, norm_Y_I: object) -> None:
        self.X = X
        self.Y_I = Y_I
        self.Y_phi = Y_phi
        self.norm_Y_I = norm_Y_I

    @staticmethod
    def from_raw_data_without_pc(xcoords: object, ycoords: object) -> PtychoDataContainer:
        """Build a container without position correction."""
        raise NotImplementedError((xcoords, ycoords))


def load(cb: object, probeGuess: object, which: str) -> PtychoDataContainer:
    """Build a container from grouped data."""
    raise NotImplementedError((cb, probeGuess, which))
