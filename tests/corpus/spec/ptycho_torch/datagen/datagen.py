"""Synthetic data generation for the PyTorch backend."""

from __future__ import annotations


def simulate_from_npz(path: str, n_images: int = 1000) -> dict[str, object]:
    """Simulate diffraction patterns from an object/probe NPZ."""
    return {"path": path, "n_images": n_images}
