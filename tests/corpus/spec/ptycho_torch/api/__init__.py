"""Programmatic API of the PyTorch backend."""

from ptycho_torch.api.base_api import ConfigManager, PtychoModel

__all__ = ["ConfigManager", "PtychoModel"]
