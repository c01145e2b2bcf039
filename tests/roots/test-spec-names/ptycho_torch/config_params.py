from dataclasses import dataclass


@dataclass
class ModelConfig:
    N: int = 64
    n_filters_scale: int = 2


@dataclass
class DataConfig:
    N: int = 64
    grid_size: tuple = (2, 2)
