from dataclasses import dataclass


@dataclass
class ModelConfig:
    N: int = 64
    gridsize: int = 2
