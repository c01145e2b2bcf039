"""Work in progress: a training facade with progress callbacks for Ptychodus (not committed yet)."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ptycho_torch.api.base_api import BaseAPI

ProgressCallback = Callable[[int, float], None]


@dataclass
class TrainerAPI:
    """Train through :class:`BaseAPI` and report ``(epoch, loss)`` to the host."""

    api: BaseAPI
    on_progress: ProgressCallback | None = None

    def fit(self, ptycho_dir: Path, output_dir: Path | None = None) -> Path:
        """Run training; the callback receives the final epoch when Lightning returns."""
        checkpoint_dir = self.api.train(ptycho_dir, output_dir)
        if self.on_progress is not None:
            self.on_progress(self.api.training.epochs, float("nan"))
        return checkpoint_dir
