"""Name -> generator class registry used by training and by the API."""

from torch import nn

from ptycho_torch.model import PtychoPINN

GENERATORS: dict[str, type[nn.Module]] = {"pinn": PtychoPINN}


def register_generator(name: str, cls: type[nn.Module]) -> None:
    """Make ``cls`` available under ``name`` (names are case-insensitive)."""
    GENERATORS[name.lower()] = cls


def resolve_generator(name: str = "pinn") -> type[nn.Module]:
    """Return the generator class registered under ``name``; ``KeyError`` lists the choices."""
    try:
        return GENERATORS[name.lower()]
    except KeyError:
        raise KeyError(f"unknown generator {name!r}; choose from {sorted(GENERATORS)}") from None
