"""Stable entry points for callers such as Ptychodus."""

from ptycho_torch.api.base_api import BaseAPI, load_config

__all__ = ["BaseAPI", "load_config"]
