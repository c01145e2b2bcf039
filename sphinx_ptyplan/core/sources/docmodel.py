"""A parsed document: its sections, spans, references and field lists (plain frozen data)."""

from __future__ import annotations

from dataclasses import dataclass

from sphinx_ptyplan.core.models import Finding, Reference

__all__ = [
    "FieldList",
    "ParsedDocument",
    "ParserFailure",
    "Section",
    "Span",
]


class ParserFailure(Exception):
    """markdown-it-py or docutils failed on a document's text (their error, as text). Only
    the call into the parser library is wrapped: an error in our own walk of its tokens or
    nodes is a bug and stays one (issue 13: a bug is never a finding)."""

    @classmethod
    def of(cls, exc: Exception) -> ParserFailure:
        return cls(f"{type(exc).__name__}: {exc}")


@dataclass(frozen=True, slots=True)
class Section:
    """A heading of a document; ``anchor`` is its docutils/MyST id."""

    title: str
    anchor: str
    line: int
    level: int


@dataclass(frozen=True, slots=True)
class Span:
    """One inline code span, link target or code role of a document, as written."""

    text: str
    line: int
    context: str  # "code" | "link" | "role" | "text" (a path in plain text: context only)
    section: Section | None = None
    block: int = 0  # first line of the innermost list item, paragraph or table row
    items: tuple[int, ...] = ()  # first lines of the enclosing list items, innermost first


@dataclass(frozen=True, slots=True)
class FieldList:
    """A spec's list of fields of a class: a bullet naming the class with nested field bullets,
    or a table whose first column holds field names under a heading/paragraph naming it.

    ``owner`` is a :class:`RefKind.DOTTED` reference whose ``name`` is the class as written
    (``ModelConfig`` or ``ptycho.config.config.TrainingConfig``) and whose ``path`` is the
    file named next to it (``(ptycho/config/config.py)``), if any.
    """

    owner: Reference
    line: int
    fields: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    path: str
    sections: tuple[Section, ...] = ()
    spans: tuple[Span, ...] = ()
    references: tuple[Reference, ...] = ()
    field_lists: tuple[FieldList, ...] = ()
    problems: tuple[Finding, ...] = ()
