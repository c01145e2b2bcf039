"""PtychoPINN: physics-informed neural network ptychographic reconstruction (TensorFlow)."""

__version__ = "0.9.0"
