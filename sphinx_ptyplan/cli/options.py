"""Command-line arguments generated from the options declared once in ``core/requests.py``
(the directives read the same declarations)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TypeVar

from sphinx_ptyplan.core.requests import Option, OptionError

__all__ = ["add_option", "typed"]

T = TypeVar("T")


def typed(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse ``type=`` from an option's one parser (shared with the directives)."""

    def convert(value: str) -> T:
        try:
            return parse(value)
        except OptionError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__.removeprefix("parse_")
    return convert


def add_option(p: argparse.ArgumentParser, option: Option, **overrides: Any) -> None:
    """``--name`` for a declared option: its help, metavar, parser and choices
    (``overrides`` are argparse keywords of this command, such as ``default``)."""
    kwargs: dict[str, Any] = {"help": option.help, "dest": option.dest}
    if option.choices:
        kwargs["choices"] = option.choices
    elif option.metavar:
        kwargs["metavar"] = option.metavar
    if option.parse is not None:
        kwargs["type"] = typed(option.parse)
    kwargs.update(overrides)
    p.add_argument(option.flag, **kwargs)
