"""One warning type (``ptyplan``) with the FindingKind values as subtypes, always located.

Sphinx >= 8 prints the ``[ptyplan.<subtype>]`` suffix itself (``show_warning_types``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from docutils import nodes
from docutils.utils import get_source_line
from sphinx.util import logging

from sphinx_ptyplan.core.models import FindingKind
from sphinx_ptyplan.core.oneline import visible

if TYPE_CHECKING:
    from sphinx.environment import BuildEnvironment

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


def warn(
    kind: FindingKind,
    message: str,
    location: Any,
    *,
    once: bool = False,
    env: BuildEnvironment | None = None,
    paths: dict[str, str] | None = None,
) -> None:
    # One warning, one line: a file name or git's multi-line output must not print a line
    # of its own (a forged warning) or carry terminal escapes.
    message = visible(message.strip())
    if isinstance(location, FileLine):
        location = location.sphinx()
    logger.warning(
        message,
        type=WARNING_TYPE,
        subtype=kind.value,
        location=_visible_location(location, env, paths),
        once=once,
    )


def _visible_location(
    location: Any, env: BuildEnvironment | None, paths: dict[str, str] | None = None
) -> Any:
    """``location`` as Sphinx would print it, with the path's control characters escaped.

    A page location ``(docname, line)`` or a node is turned into its path here, where the
    page's own file (and suffix) is known, because Sphinx would print the path raw; it is
    left to Sphinx when the path needs no escape. ``paths`` (docname -> path) spares
    asking Sphinx for the path of a page again when many warnings are on it."""
    if isinstance(location, str):
        return visible(location)
    path: str | None = None
    line: int | None = None
    if isinstance(location, nodes.Node):
        source, line = get_source_line(location)
        path = os.path.abspath(source) if source else None
    elif isinstance(location, tuple) and location and isinstance(location[0], str):
        if env is None:  # Sphinx maps the docname to its path: keep that from forging
            return (visible(location[0]), *location[1:])
        docname = location[0]
        path = paths.get(docname) if paths is not None else None
        if path is None:
            path = str(env.doc2path(docname))
            if paths is not None:
                paths[docname] = path
        line = location[1]
    if path is None or visible(path) == path:
        return location
    # "path:" is what Sphinx prints for a source without a line (a string without ":"
    # would be read as a docname)
    return f"{visible(path)}:{line}" if line else f"{visible(path)}:"

