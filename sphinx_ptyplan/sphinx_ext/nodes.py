"""Placeholder nodes (replaced with standard docutils nodes in doctree-resolved, so no
visitors) and the one node that reaches writers: a ``<wbr>`` in long paths."""

# docutils ships no type information: its node classes are Any to mypy (hence the ignores)

from __future__ import annotations

from docutils import nodes


class ptyplan_placeholder(nodes.General, nodes.Element):  # type: ignore[misc]  # noqa: N801 (docutils node naming)
    """Where a directive's output goes; ``request_id`` names its result in the domain."""


class ptyplan_ref(nodes.Inline, nodes.TextElement):  # type: ignore[misc]  # noqa: N801
    """A ``ptyref`` citation; becomes a literal, linked to the code when a source URL is set."""


class ptyplan_wbr(nodes.Inline, nodes.Element):  # type: ignore[misc]  # noqa: N801
    """A line-break opportunity inside a long path (``<wbr>``). Only put into doctrees
    written by HTML builders; its text is empty, so ``astext()`` keeps the path intact."""


def visit_wbr_html(translator: nodes.NodeVisitor, node: ptyplan_wbr) -> None:
    translator.body.append("<wbr>")
    raise nodes.SkipNode


def skip(translator: nodes.NodeVisitor, node: nodes.Node) -> None:
    raise nodes.SkipNode
