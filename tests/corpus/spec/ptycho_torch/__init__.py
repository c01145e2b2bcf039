"""PtychoPINN PyTorch port (Lightning)."""
