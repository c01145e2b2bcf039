"""Reassemble a full object from per-patch predictions of a Lightning checkpoint."""

from pathlib import Path

import numpy as np
import torch

from ptycho_torch.config_params import DataConfig


def place_patches(patches: np.ndarray, offsets: np.ndarray, canvas: int) -> np.ndarray:
    """Average overlapping complex patches onto a ``canvas x canvas`` grid."""
    total = np.zeros((canvas, canvas), dtype=np.complex64)
    weight = np.zeros((canvas, canvas), dtype=np.float32)
    size = patches.shape[-1]
    for patch, (x, y) in zip(patches, offsets.astype(int)):
        total[y : y + size, x : x + size] += patch
        weight[y : y + size, x : x + size] += 1.0
    return total / np.maximum(weight, 1.0)


def reassemble_lightning(checkpoint: Path, ptycho_dir: Path, data: DataConfig) -> Path:
    """Run the checkpoint over ``ptycho_dir`` and write ``reconstruction.npz`` next to it."""
    state = torch.load(checkpoint, map_location="cpu")
    patches = np.asarray(state["predictions"])
    offsets = np.asarray(state["offsets"])
    obj = place_patches(patches, offsets, canvas=int(offsets.max()) + data.N)
    out = Path(ptycho_dir) / "reconstruction.npz"
    np.savez(out, obj=obj)
    return out
