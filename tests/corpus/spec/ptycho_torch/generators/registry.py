"""Registry of generator architectures (``ModelConfig.architecture`` -> builder)."""

from __future__ import annotations

from collections.abc import Callable

GENERATORS: dict[str, Callable[..., object]] = {}


def register(name: str) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Register a generator builder under ``name``."""

    def wrap(fn: Callable[..., object]) -> Callable[..., object]:
        GENERATORS[name] = fn
        return fn

    return wrap


def resolve_generator(architecture: str) -> Callable[..., object]:
    """Return the builder registered for ``architecture``."""
    try:
        return GENERATORS[architecture]
    except KeyError:
        raise ValueError(f"unknown architecture {architecture!r}") from None


@register("cnn")
def build_cnn(**kwargs: object) -> object:
    """The default U-Net style generator."""
    return kwargs
