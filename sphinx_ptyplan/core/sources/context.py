"""Which module or file a document's context says a bare name belongs to (hints, nearest
first): qualified mentions, files and modules named in the same list item, paragraph or
section introduction, the heading path, the page's settings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sphinx_ptyplan.core.sources.codespans import is_bare_name

__all__ = ["DocContext", "context_hints"]

_PY_IN_TEXT_RE = re.compile(r"(?<![\w/.])([\w.\-]+(?:/[\w.\-]+)*\.pyi?|[\w\-]+(?:/[\w\-]+)+/)")
_DOTTED_IN_TEXT_RE = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)")


def _place_of(text: str) -> tuple[str | None, str | None]:
    """``(qualified name, module-or-file hint)`` a code span gives: ``a.b.C`` is both a
    qualified name and the module ``a.b``; ``x/y.py:f`` the same; ``x/y.py`` or ``pkg/`` is
    a place; anything else nothing."""
    t = text.strip()
    if t.endswith("()"):
        t = t[:-2]
    m = re.match(r"^([\w.\-/]+\.pyi?)(?::([A-Za-z_][\w.]*))?$", t)
    if m:
        return (f"{m.group(1)}:{m.group(2)}" if m.group(2) else None), m.group(1)
    if re.match(r"^[\w.\-]+(?:/[\w.\-]+)*/$", t) or ("/" in t and re.match(r"^[\w.\-/]+$", t)):
        return None, t
    m = re.match(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?:\(.*\))?$", t)
    if m:
        return m.group(1), m.group(1)
    return None, None


class DocContext:
    """The context hints of one document, indexed once (:meth:`hints` is cheap per name).

    ``spans`` are the document's spans (``text``, ``line``, ``section``, ``block``,
    ``items``: list-item start lines, innermost first), ``sections`` its headings
    (``title``, ``line``, ``level``), ``prefer`` the page's module settings.
    """

    _CAP = 12  # hints per kind: the nearest ones decide, the rest are never reached

    def __init__(self, spans: Sequence[Any], sections: Sequence[Any], prefer: Sequence[str] = ()):
        self.sections = sections
        self.prefer = tuple(prefer)
        # name -> [(line, section line, qualified text)]
        self.qualified: dict[str, list[tuple[int, int, str]]] = {}
        self.blocks: dict[tuple[int, int], list[tuple[int, str]]] = {}
        self.intro: dict[int, list[tuple[int, str]]] = {}
        # classes named bare in a block (``ModelManager``): the owner of the methods named
        # next to it (``load_model()``); only method lookups read these hints
        self.classes: dict[tuple[int, int], list[tuple[int, str]]] = {}
        for sp in spans:
            sec = sp.section.line if sp.section is not None else 0
            if sp.context == "code" and is_bare_name(sp.text) == "class":
                self.classes.setdefault((sec, sp.block), []).append((sp.line, sp.text.strip()))
            qual, place = _place_of(sp.text)
            if qual:
                last = re.split(r"[.:]", qual)[-1]
                self.qualified.setdefault(last, []).append((sp.line, sec, qual))
            if place:
                self.blocks.setdefault((sec, sp.block), []).append((sp.line, place))
                if not sp.items:
                    self.intro.setdefault(sec, []).append((sp.line, place))

    def hints(self, at: Any, name: str) -> list[tuple[str, str]]:
        """Context a reader uses to decide which ``name`` the span ``at`` means, nearest
        first: a qualified mention of ``name`` earlier in the same section; files and
        modules named in the same list item or paragraph, then in the enclosing list items,
        then in the section's introduction (its text outside lists, before ``at``); the
        heading path (innermost first); the page's ``prefer`` settings; last, a qualified
        mention in an earlier section (once a spec has said which ``ModelConfig`` it means,
        it keeps meaning it)."""
        sec = at.section.line if at.section is not None else 0
        cap = self._CAP
        out: list[tuple[str, str]] = []
        quals = self.qualified.get(name, [])
        here = sorted((q for q in quals if q[1] == sec and q[0] <= at.line), reverse=True)
        out += [(f"qualified mention at line {ln}", q) for ln, _s, q in here[:cap]]
        items = tuple(at.items)
        what = "item" if items else "paragraph"
        near = sorted(
            (p for p in self.blocks.get((sec, at.block), []) if p[0] != at.line or p[1] != at.text),
            key=lambda p: (abs(p[0] - at.line), p[0]),
        )
        out += [(f"named in the same {what} (line {ln})", p) for ln, p in near[:cap]]
        for item in items[1:]:
            outer = self.blocks.get((sec, item), [])
            out += [(f"named in the enclosing item (line {ln})", p) for ln, p in outer[:cap]]
        if name[:1].islower():  # a method's class: in the same block, then enclosing items
            for k, block in enumerate((at.block, *items[1:])):
                where = f"the same {what}" if k == 0 else "the enclosing item"
                owners = self.classes.get((sec, block), [])
                out += [(f"class named in {where} (line {ln})", c) for ln, c in owners[:cap]]
        intro = sorted((p for p in self.intro.get(sec, []) if p[0] < at.line), reverse=True)
        out += [(f"named in the section's introduction (line {ln})", p) for ln, p in intro[:cap]]
        for h in _heading_path(self.sections, at.section):
            for m in _PY_IN_TEXT_RE.finditer(h.title):
                out.append((f"heading '{h.title}'", m.group(1)))
            for m in _DOTTED_IN_TEXT_RE.finditer(h.title):
                out.append((f"heading '{h.title}'", m.group(1)))
        out += [("page setting", p) for p in self.prefer]
        before = sorted((q for q in quals if q[0] < sec), reverse=True)
        out += [
            (f"qualified mention at line {ln} (an earlier section)", q)
            for ln, _s, q in before[:cap]
        ]
        return out


def context_hints(
    spans: Sequence[Any],
    sections: Sequence[Any],
    at: Any,
    name: str,
    prefer: Sequence[str] = (),
) -> list[tuple[str, str]]:
    """:meth:`DocContext.hints` for one span (builds the index: use a :class:`DocContext`
    for many)."""
    return DocContext(spans, sections, prefer).hints(at, name)


def _heading_path(sections: Sequence[Any], sec: Any) -> list[Any]:
    """``sec`` and its ancestors, innermost first."""
    if sec is None:
        return []
    out = [sec]
    level = sec.level
    for s in reversed([s for s in sections if s.line < sec.line]):
        if s.level < level:
            out.append(s)
            level = s.level
    return out
