"""The collector the document readers share: spans and sections become a ParsedDocument."""

from __future__ import annotations

import re
from typing import Any

from sphinx_ptyplan.core.models import Finding, Reference, RefKind
from sphinx_ptyplan.core.sources.classify import (
    _PY_SUFFIXES,
    _link_target,
    classify,
    code_names,
    references_in,
)
from sphinx_ptyplan.core.sources.docmodel import FieldList, ParsedDocument, Section, Span

__all__ = [
    "slugify",
]


def slugify(title: str) -> str:
    """The docutils/MyST section id of a title (``nodes.make_id``)."""
    from docutils import nodes

    return str(nodes.make_id(title))


_IDENT_RE = re.compile(r"^[A-Za-z_]\w*$")
_OWNER_RE = re.compile(r"^(?:[A-Za-z_]\w*\.)*_?[A-Z]\w*$")
# Linear: a match may only start where a run of path characters starts (``-`` included, so
# ``a-a-a-...`` is tried once, not at every ``-``), and segments are bounded.
_PYPATH_IN_TEXT_RE = re.compile(
    r"(?<![\w/.\-])([\w.\-]{1,255}(?:/[\w.\-]{1,255}){0,64}\.pyi?)\b"
)


def _owner_from(codes: list[str], plain: str) -> tuple[str, str | None] | None:
    """The class named by a field-list heading: first code span that looks like a class,
    and the ``.py`` file named next to it (in a code span or in plain text)."""
    owner = next((c.strip() for c in codes if _OWNER_RE.match(c.strip())), None)
    if owner is None:
        return None
    hint: str | None = None
    for c in codes:
        for cr in classify(c):
            if cr.path and cr.path.endswith(_PY_SUFFIXES) and not cr.external:
                hint = cr.path
                break
        if hint:
            break
    if hint is None:
        m = _PYPATH_IN_TEXT_RE.search(plain)
        if m:
            hint = m.group(1)
    return owner, hint


_FIELD_SEP_RE = re.compile(r"^\s*(?:(?:[,/&]|and|or)\s*)?$")


def _leading_codes(children: list[tuple[bool, str]]) -> list[str]:
    """The code spans that open a list item (``a`` / ``b``, ``c`` and ``d``): field names."""
    out: list[str] = []
    for is_code, text in children:
        if is_code:
            out.append(text)
        elif out and _FIELD_SEP_RE.match(text.strip()):
            continue
        else:
            break
    return out


def _field_name(code: str, owner: str) -> str | None:
    t = code.strip()
    short = owner.rsplit(".", 1)[-1]
    for prefix in (owner + ".", short + "."):
        if t.startswith(prefix):
            t = t[len(prefix) :]
    if t in ("True", "False", "None") or not _IDENT_RE.match(t):
        return None  # a literal value in the cell, never a field
    return t


class _Collector:
    """Accumulates sections, spans, references and field lists for one document."""

    def __init__(self, doc_path: str, names: bool = False, *, refs: bool = True) -> None:
        self.doc_path = doc_path
        self.names = names
        self.want_refs = refs  # False: spans only (the citation checks classify them later)
        self.sections: list[Section] = []
        self.spans: list[Span] = []
        self.refs: list[Reference] = []
        self.field_lists: list[FieldList] = []
        self.section: Section | None = None
        self.offset = 0  # lines before the text being parsed (a directive's body)
        self.block = 0
        self.items: tuple[int, ...] = ()
        self.prefer: tuple[str, ...] = ()
        self._ctx: tuple[int, Any] | None = None
        self._own = 0  # page settings the page's own directives added (first in prefer)

    def heading(self, title: str, line: int, level: int) -> None:
        line += self.offset
        sec = Section(title=title, anchor=slugify(title), line=line, level=level)
        self.sections.append(sec)
        self.section = sec

    def page_setting(self, module: str) -> None:
        """A module the page itself names for its bare names (reST ``.. currentmodule::`` /
        ``.. module::``): a page setting, before the ones given from outside."""
        if module and module not in self.prefer:
            self.prefer = (*self.prefer[: self._own], module, *self.prefer[self._own :])
            self._own += 1
            self._ctx = None

    def span(self, text: str, line: int, context: str) -> None:
        line += self.offset
        self.spans.append(Span(text, line, context, self.section, self.block or line, self.items))
        if not self.want_refs:
            return
        refs = references_in(
            text, doc_path=self.doc_path, doc_line=line, context=context, section=self.section
        )
        if not refs and self.names and context != "link":
            refs = [
                Reference(
                    text=c.text,
                    kind=c.kind,
                    doc_path=self.doc_path,
                    doc_line=line,
                    name=c.name,
                    section=self.section.title if self.section else None,
                    anchor=self.section.anchor if self.section else None,
                    context=context,
                    span=text,
                )
                for c in code_names(text)
            ]
        self.refs.extend(refs)

    def plain_paths(self, plain: str, line: int) -> None:
        """Files named in plain text (``ModelConfig (ptycho/config/config.py)``): context
        for the names next to them, never references themselves."""
        if self.names:
            line += self.offset
            for m in _PYPATH_IN_TEXT_RE.finditer(plain):
                sp = Span(m.group(1), line, "text", self.section, self.block or line, self.items)
                self.spans.append(sp)

    def link(self, href: str, line: int) -> None:
        line += self.offset
        target = _link_target(href, self.doc_path)
        if target is None:
            return
        refs = [
            r
            for r in references_in(
                target, doc_path=self.doc_path, doc_line=line, context="link", section=self.section
            )
            if r.kind in (RefKind.PATH, RefKind.CITATION)
        ]
        if refs:
            self.spans.append(Span(text=target, line=line, context="link", section=self.section))
            self.refs.extend(refs)

    def field_list(
        self, owner: tuple[str, str | None], line: int, items: list[tuple[str, int]]
    ) -> None:
        name, hint = owner
        line += self.offset
        fields = []
        for code, fline in items:
            f = _field_name(code, name)
            if f is not None:
                fields.append((f, fline + self.offset))
        if not fields:
            return
        hints: tuple[tuple[str, str], ...] = ()
        if self.names and "." not in name:
            at = Span(name, line, "code", self.section, line - self.offset, ())  # raw block
            hints = tuple(self.context().hints(at, name))
        ref = Reference(
            text=name,
            kind=RefKind.DOTTED,
            doc_path=self.doc_path,
            doc_line=line,
            path=hint,
            name=name,
            section=self.section.title if self.section else None,
            anchor=self.section.anchor if self.section else None,
            span=name,
            hints=hints,
        )
        self.field_lists.append(FieldList(owner=ref, line=line, fields=tuple(fields)))

    def _with_hints(self) -> list[Reference]:
        """Names, and dotted names that may start with a short module name, get the context
        hints of their span (see ``names.context_hints``)."""
        if not self.names:
            return self.refs
        from dataclasses import replace

        by_place: dict[tuple[int, str], Span] = {}
        for sp in self.spans:
            by_place.setdefault((sp.line, sp.text), sp)
        ctx = self.context()
        out = []
        for r in self.refs:
            if r.kind is RefKind.NAME or (r.kind is RefKind.DOTTED and r.name):
                at = by_place.get((r.doc_line, r.span))
                if at is not None:
                    name = (r.name or "").split(".")[0] if r.kind is RefKind.DOTTED else r.name
                    r = replace(r, hints=tuple(ctx.hints(at, name or "")))
            out.append(r)
        return out

    def context(self) -> Any:
        """The document's context index (rebuilt when spans were added since)."""
        from sphinx_ptyplan.core.sources.context import DocContext

        if self._ctx is None or self._ctx[0] != len(self.spans):
            self._ctx = (len(self.spans), DocContext(self.spans, self.sections, self.prefer))
        return self._ctx[1]

    def result(self, problems: tuple[Finding, ...] = ()) -> ParsedDocument:
        return ParsedDocument(
            path=self.doc_path,
            sections=tuple(self.sections),
            spans=tuple(s for s in self.spans if s.context != "text"),
            references=tuple(self._with_hints()),
            field_lists=tuple(self.field_lists),
            problems=problems,
        )
