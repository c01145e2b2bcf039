"""Placeholder nodes: replaced with standard docutils nodes in doctree-resolved, so no visitors."""

# docutils ships no type information: its node classes are Any to mypy (hence the ignores)

from __future__ import annotations

from docutils import nodes


class ptyplan_placeholder(nodes.General, nodes.Element):  # type: ignore[misc]  # noqa: N801 (docutils node naming)
    """Where a directive's output goes; ``request_id`` names its result in the domain."""


class ptyplan_ref(nodes.Inline, nodes.TextElement):  # type: ignore[misc]  # noqa: N801
    """A ``ptyref`` citation; becomes a literal, linked to the code when a source URL is set."""
