"""One warning type (``ptyplan``) with the FindingKind values as subtypes, always located.

Sphinx >= 8 prints the ``[ptyplan.<subtype>]`` suffix itself (``show_warning_types``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sphinx.util import logging

from sphinx_ptyplan.core.models import Finding, FindingKind
from sphinx_ptyplan.core.oneline import visible

WARNING_TYPE = "ptyplan"
logger = logging.getLogger("sphinx_ptyplan")


@dataclass(frozen=True, slots=True)
class FileLine:
    """A warning's location in a file that is not a page of the docs (a module of the
    tree, a plan included into a page): the path as Sphinx should print it, and the line
    (``None``: the file as a whole)."""

    path: str
    line: int | None = None

    def sphinx(self) -> str:
        """The location string Sphinx prints. Sphinx reads a string without ``:`` as a
        docname (and appends ``.rst``); ``path:`` is what it prints itself for a node with
        a source and no line."""
        return f"{self.path}:{self.line}" if self.line else f"{self.path}:"


def warn(kind: FindingKind, message: str, location: Any, *, once: bool = False) -> None:
    # One warning, one line: a file name or git's multi-line output must not print a line
    # of its own (a forged warning) or carry terminal escapes.
    message = visible(message.strip())
    if isinstance(location, FileLine):
        location = location.sphinx()
    if isinstance(location, str):
        location = visible(location)
    elif isinstance(location, tuple) and location and isinstance(location[0], str):
        location = (visible(location[0]), *location[1:])
    logger.warning(
        message,
        type=WARNING_TYPE,
        subtype=kind.value,
        location=location,
        once=once,
    )


def warn_finding(finding: Finding, location: Any) -> None:
    warn(finding.kind, finding.message, location)
