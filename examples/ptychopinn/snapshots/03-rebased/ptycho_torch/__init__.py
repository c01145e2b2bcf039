"""PyTorch port of PtychoPINN (Lightning training, memory-mapped datasets)."""

__version__ = "0.1.0"
