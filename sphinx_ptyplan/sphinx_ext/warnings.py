"""One warning type (``ptyplan``) with the FindingKind values as subtypes, always located.

Sphinx >= 8 prints the ``[ptyplan.<subtype>]`` suffix itself (``show_warning_types``).
"""

from __future__ import annotations

from typing import Any

from sphinx.util import logging

from sphinx_ptyplan.core.models import Finding, FindingKind

WARNING_TYPE = "ptyplan"
logger = logging.getLogger("sphinx_ptyplan")


def warn(kind: FindingKind, message: str, location: Any, *, once: bool = False) -> None:
    if "\n" in message or "\r" in message:
        # One warning, one line: a message carrying git's or a parser's multi-line output
        # would otherwise print its [ptyplan.<subtype>] tag on a line of its own.
        message = " ".join(part.strip() for part in message.splitlines() if part.strip())
    logger.warning(
        message,
        type=WARNING_TYPE,
        subtype=kind.value,
        location=location,
        once=once,
    )


def warn_finding(finding: Finding, location: Any) -> None:
    warn(finding.kind, finding.message, location)
