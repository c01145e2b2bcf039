"""PtychoPINN: physics-informed ptychographic reconstruction (TensorFlow)."""
