"""Simulate diffraction patterns from a known object and probe."""

from pathlib import Path

import numpy as np


def make_scan_positions(n: int, step: float = 4.0, jitter: float = 0.0) -> np.ndarray:
    """Positions of an ``n x n`` raster scan, optionally jittered (pixels)."""
    grid = np.stack(np.meshgrid(np.arange(n), np.arange(n)), axis=-1).reshape(-1, 2) * step
    rng = np.random.default_rng(0)
    return grid + rng.uniform(-jitter, jitter, size=grid.shape)


def simulate_diffraction(obj: np.ndarray, probe: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Far-field intensities of the probe-illuminated object at each scan position."""
    size = probe.shape[0]
    patterns = []
    for x, y in positions.astype(int):
        patch = obj[y : y + size, x : x + size]
        patterns.append(np.abs(np.fft.fftshift(np.fft.fft2(patch * probe))) ** 2)
    return np.asarray(patterns, dtype=np.float32)


def write_npz(path: Path, obj: np.ndarray, probe: np.ndarray, positions: np.ndarray) -> Path:
    """Write a dataset in the layout expected by the loaders."""
    diffraction = simulate_diffraction(obj, probe, positions)
    np.savez(
        path,
        diffraction=diffraction,
        xcoords=positions[:, 0],
        ycoords=positions[:, 1],
        probeGuess=probe,
        objectGuess=obj,
    )
    return Path(path)
