"""Memory-mapped diffraction dataset: NPZ files converted once to a TensorDict on disk."""

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from ptycho_torch.config_params import DataConfig


class PtychoDataset(Dataset):
    """Grouped diffraction patterns read lazily from a memory-mapped folder."""

    def __init__(self, ptycho_dir: Path, data_config: DataConfig, remake_map: bool = False):
        self.ptycho_dir = Path(ptycho_dir)
        self.data_config = data_config
        self.files = sorted(self.ptycho_dir.glob("*.npz"))
        if remake_map or not (self.ptycho_dir / "memmap").exists():
            self.memory_map_data(self.files)

    def memory_map_data(self, files: list[Path]) -> None:
        """Stack the diffraction arrays of ``files`` into one float32 memory map."""
        arrays = [np.load(f)["diffraction"].astype(np.float32) for f in files]
        np.save(self.ptycho_dir / "memmap.npy", np.concatenate(arrays))

    def __len__(self) -> int:
        return len(np.load(self.ptycho_dir / "memmap.npy", mmap_mode="r"))

    def __getitem__(self, index: int) -> torch.Tensor:
        data = np.load(self.ptycho_dir / "memmap.npy", mmap_mode="r")
        return torch.from_numpy(np.array(data[index]))
