"""Helpers for the Lightning training loop (learning-rate search, MLflow logging)."""

import math
from typing import Iterable


def find_learning_rate(losses: Iterable[float], start: float = 1e-6, stop: float = 1.0) -> float:
    """Pick the learning rate of the steepest loss decrease from a range test."""
    values = list(losses)
    if len(values) < 2:
        return start
    ratio = (stop / start) ** (1 / (len(values) - 1))
    slopes = [values[i + 1] - values[i] for i in range(len(values) - 1)]
    best = min(range(len(slopes)), key=slopes.__getitem__)
    return start * ratio**best


def log_parameters_mlflow(params: dict, prefix: str = "") -> int:
    """Log flat parameters to the active MLflow run; return how many were logged."""
    import mlflow

    count = 0
    for key, value in params.items():
        if isinstance(value, (int, float, str, bool)) and not (
            isinstance(value, float) and math.isnan(value)
        ):
            mlflow.log_param(prefix + key, value)
            count += 1
    return count
