"""One warning type (``ptyplan``) with the FindingKind values as subtypes, always located.

Sphinx >= 8 prints the ``[ptyplan.<subtype>]`` suffix itself (``show_warning_types``).
"""

from __future__ import annotations

from typing import Any

from sphinx.util import logging

from sphinx_ptyplan.core.models import Finding, FindingKind
from sphinx_ptyplan.core.oneline import visible

WARNING_TYPE = "ptyplan"
logger = logging.getLogger("sphinx_ptyplan")


def warn(kind: FindingKind, message: str, location: Any, *, once: bool = False) -> None:
    # One warning, one line: a file name or git's multi-line output must not print a line
    # of its own (a forged warning) or carry terminal escapes.
    message = visible(message.strip())
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
