"""Synthetic data generation for tests and studies."""
