"""PtychoPINN in PyTorch: encoder/decoder network and the differentiable forward model."""

import torch
from torch import nn

from ptycho_torch.config_params import DataConfig, ModelConfig


def combine_complex(amplitude: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
    """Combine amplitude and phase channels into one complex object patch."""
    return torch.polar(amplitude, phase).to(torch.complex64)


class ConvBlock(nn.Sequential):
    """Two 3x3 convolutions with an activation, then 2x2 pooling."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__(
            nn.Conv2d(c_in, c_out, 3, padding=1),
            nn.SiLU(),
            nn.Conv2d(c_out, c_out, 3, padding=1),
            nn.SiLU(),
            nn.MaxPool2d(2),
        )


class PtychoPINN(nn.Module):
    """Autoencoder whose decoder output passes through the ptychographic forward model."""

    def __init__(self, data: DataConfig, model: ModelConfig) -> None:
        super().__init__()
        width = 32 * model.n_filters_scale
        channels = data.C
        self.encoder = nn.Sequential(ConvBlock(channels, width), ConvBlock(width, 2 * width))
        self.amplitude = nn.ConvTranspose2d(2 * width, channels, 4, stride=4)
        self.phase = nn.ConvTranspose2d(2 * width, channels, 4, stride=4)
        self.probe = nn.Parameter(torch.ones(data.N, data.N, dtype=torch.complex64))

    def forward(self, diffraction: torch.Tensor) -> torch.Tensor:
        """Predict object patches and return simulated diffraction amplitudes."""
        features = self.encoder(diffraction)
        obj = combine_complex(torch.sigmoid(self.amplitude(features)), self.phase(features))
        wave = torch.fft.fft2(obj * self.probe)
        return torch.abs(wave)
