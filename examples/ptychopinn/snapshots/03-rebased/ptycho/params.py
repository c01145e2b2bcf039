"""Legacy global parameter dictionary, still read by the model and the loader."""

from typing import Any

cfg: dict[str, Any] = {"N": 64, "gridsize": 1, "offset": 4, "nphotons": 1e9}
cfg.update({"object.big": True, "probe.big": True, "intensity_scale.trainable": True})


def get(key: str) -> Any:
    """Return one parameter; ``KeyError`` names the missing key."""
    return cfg[key]


def set(key: str, value: Any) -> None:
    """Set one parameter (the model reads it at construction time)."""
    cfg[key] = value


def params() -> dict[str, Any]:
    """A copy of every parameter, for logging."""
    return dict(cfg)
