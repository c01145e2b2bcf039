from dataclasses import dataclass


@dataclass
class ModelConfig:
    N: int = 64
    gridsize: int = 1
    n_filters_scale: int = 2
