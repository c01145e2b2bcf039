"""Load diffraction datasets (NPZ) into grouped training containers."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class PtychoDataContainer:
    """Grouped diffraction patterns with their scan coordinates and probe."""

    X: np.ndarray
    Y: np.ndarray | None
    coords_nominal: np.ndarray
    probe: np.ndarray
    nn_indices: np.ndarray
    global_offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.X)


def load_data(path: Path, n_groups: int = 512, gridsize: int = 1) -> PtychoDataContainer:
    """Read ``diffraction``, ``xcoords``, ``ycoords`` and ``probeGuess`` from an NPZ file."""
    with np.load(path) as data:
        diffraction = data["diffraction"].astype(np.float32)
        coords = np.stack([data["xcoords"], data["ycoords"]], axis=1)
        probe = data["probeGuess"].astype(np.complex64)
    indices = np.arange(min(n_groups, len(diffraction)))
    return PtychoDataContainer(
        X=diffraction[indices],
        Y=None,
        coords_nominal=coords[indices],
        probe=probe,
        nn_indices=indices[:, None],
        global_offsets=coords[indices],
    )
