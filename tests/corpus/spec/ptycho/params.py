"""Legacy global configuration (``params.cfg``), kept for the TensorFlow code paths."""

from __future__ import annotations

cfg: dict[str, object] = {
    "N": 64,
    "offset": 4,
    "gridsize": 2,
    "outer_offset_train": None,
    "outer_offset_test": None,
    "batch_size": 16,
    "nepochs": 60,
    "n_filters_scale": 2,
    "output_prefix": "outputs",
    "big_gridsize": 10,
    "max_position_jitter": 10,
    "sim_jitter_scale": 0.0,
    "default_probe_scale": 0.7,
    "mae_weight": 0.0,
    "nll_weight": 1.0,
    "tv_weight": 0.0,
    "realspace_mae_weight": 0.0,
    "realspace_weight": 0.0,
    "nphotons": 1e9,
    "nimgs_train": 9,
    "nimgs_test": 3,
    "data_source": "generic",
    "probe.trainable": False,
    "intensity_scale.trainable": False,
    "positions.provided": False,
    "object.big": True,
    "probe.big": False,
    "probe_scale": 10.0,
    "probe.mask": True,
    "pad_object": True,
    "model_type": "pinn",
    "label": "",
    "size": 392,
    "amp_activation": "sigmoid",
    "h5_path": "wts.h5",
    "npseed": 42,
    "debug": True,
    "gaussian_smoothing_sigma": 0.0,
    "use_xla_translate": True,
}


def get(key: str) -> object:
    """Read one legacy parameter."""
    if key == "bigN":
        return get_bigN()
    return cfg[key]


def set(key: str, value: object) -> None:  # noqa: A001 - legacy name
    """Write one legacy parameter."""
    cfg[key] = value


def get_bigN() -> int:
    """Size of the padded object for the current gridsize."""
    n = int(str(cfg["N"]))
    gridsize = int(str(cfg["gridsize"]))
    offset = int(str(cfg["offset"]))
    return n + (gridsize - 1) * offset


def get_padding_size() -> int:
    """Padding applied around the object."""
    buffer = int(str(cfg["max_position_jitter"]))
    gridsize = int(str(cfg["gridsize"]))
    offset = int(str(cfg["offset"]))
    return (gridsize - 1) * offset + buffer


def get_padded_size() -> int:
    """Object size plus padding."""
    return get_bigN() + get_padding_size()


def params() -> dict[str, object]:
    """A copy of the legacy parameters."""
    return dict(cfg)
