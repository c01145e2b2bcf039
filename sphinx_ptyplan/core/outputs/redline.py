"""Phase B1: the plan as the audit would redraft it (``plan_redline.md``), never the plan itself.

The draft is the plan, byte for byte, except where the audit says something:

- a stale reference is struck through and followed by its replacement (renamed) or by the
  story of its deletion (``deleted in <sha> (<date>)``);
- each module or package the plan misses is proposed at the end of the section that covers
  its nearest covered sibling (or parent); a new package (a subsystem such as ``api/``, none
  of whose modules the plan names) gets a new section titled by its package, listing its
  modules and their public symbols;
- each covered module whose API changed since the delta's base gets a note after the block
  that first names it, with the changes grouped per function (or class), as the delta names
  them.

Markdown plans get Markdown marks (``~~old~~ new``, blockquotes starting with
**Proposed**); reST plans the reST equivalent (``:del:``/``:ins:`` roles declared in the
draft's header, ``.. admonition:: Proposed`` blocks). A header names the plan, the tree and
the revisions the draft was drafted against. Everything here works on the typed results of
:func:`compare.coverage` and :func:`compare.revision_delta`; nothing is parsed back from
rendered text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from sphinx_ptyplan.core.models import EntryKind, FindingCode, ModuleEntry, Symbol, SymbolKind

if TYPE_CHECKING:
    from sphinx_ptyplan.core.checks.coverage import Coverage, CoverageRow, StaleRef
    from sphinx_ptyplan.core.checks.delta import DeltaRow, RevisionDelta
    from sphinx_ptyplan.core.sources.docmodel import ParsedDocument, Section

__all__ = [
    "REDLINE_FILE",
    "Drafted",
    "Redline",
    "RedlineEdit",
    "compose_redline",
    "plan_format",
    "undo_redline",
]

#: The artefact name of a report folder (the seed's Phase B1).
REDLINE_FILE = "plan_redline.md"

_RST_SUFFIXES = frozenset({".rst", ".rest", ".txt"})
_CONTAINERS = (EntryKind.PACKAGE, EntryKind.NAMESPACE)
_PROPOSABLE = (EntryKind.PACKAGE, EntryKind.NAMESPACE, EntryKind.MODULE)
#: reST section adornments not used by the plan are taken in this order for new levels.
_RST_ADORNMENTS = "=-~^\"'`+*#:."
#: Public symbols listed per proposed module; the rest are counted (the inventory lists all).
_MAX_SYMBOLS = 8
_SINGLE_TICKS = re.compile(r"(?<!`)`([^`]+)`(?!`)")


def plan_format(path: str) -> str:
    """``"rst"`` for reST plans (by suffix, as the document parsers decide), else ``"md"``."""
    return "rst" if PurePosixPath(path).suffix.lower() in _RST_SUFFIXES else "md"


@dataclass(frozen=True, slots=True)
class Drafted:
    """What a draft was drafted against (its header).

    ``head_sha`` is the commit checked out in the work tree (``None`` without git): the tree
    itself is read from the working tree. ``base``/``base_sha`` name the delta's base (API
    changes since then), ``head`` a delta head other than the working tree. ``by`` is the
    command (or directive) that drafted it.
    """

    tree: str
    head_sha: str | None = None
    base: str | None = None
    base_sha: str | None = None
    head: str | None = None
    by: str = ""


@dataclass(frozen=True, slots=True)
class RedlineEdit:
    """One thing the draft says that the plan does not.

    ``kind``: ``renamed``, ``deleted``, ``stale`` (no story), ``proposed`` (missing modules
    under an existing section), ``new-section`` (a new package), ``api`` (API changes of a
    covered module). ``plan_line`` is the plan line it is about (for insertions: the plan
    line the block follows; 0 before the first line); ``draft_lines`` the 1-based lines of
    the draft it occupies (first, last). ``paths`` are the tree paths it concerns.
    """

    kind: str
    plan_line: int
    draft_lines: tuple[int, int]
    paths: tuple[str, ...] = ()
    old: str | None = None
    new: str | None = None


@dataclass(frozen=True, slots=True)
class Redline:
    """The draft of a revised plan.

    ``text`` is the whole draft; ``header`` its first lines (1-based, inclusive) that are
    not plan lines; ``edits`` what it marks or inserts, in draft order. ``unplaced`` lists
    stale references that could not be marked inline (a span spread over lines): they are
    listed in a proposed block after their line instead.
    """

    plan: str
    fmt: str
    text: str
    header: tuple[int, int]
    edits: tuple[RedlineEdit, ...] = ()
    drafted: Drafted = field(default_factory=lambda: Drafted(""))

    @property
    def changed_lines(self) -> tuple[int, ...]:
        """1-based draft lines that are not the plan's (header, marks, insertions)."""
        lines: set[int] = set(range(self.header[0], self.header[1] + 1))
        for e in self.edits:
            lines.update(range(e.draft_lines[0], e.draft_lines[1] + 1))
        return tuple(sorted(lines))

    def count(self, *kinds: str) -> int:
        return sum(1 for e in self.edits if e.kind in kinds)

    @property
    def summary(self) -> str:
        """One line: what the draft changes."""
        parts = [
            f"{self.count('renamed')} renamed",
            f"{self.count('deleted')} deleted",
            f"{self.count('stale')} other stale references marked",
            f"{sum(len(e.paths) for e in self.edits if e.kind == 'proposed')} modules proposed "
            "under existing sections",
            f"{self.count('new-section')} new sections",
            f"{self.count('api')} API-change notes",
        ]
        return f"Redline of {self.plan}: " + ", ".join(parts)


# --------------------------------------------------------------------------- marks


class _Marks:
    """How one format writes strikes, insertions and proposed blocks."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt

    def code(self, text: str) -> str:
        if self.fmt == "rst":
            return f"``{text}``"
        fence = "``" if "`" in text else "`"
        pad = " " if text.startswith("`") or text.endswith("`") else ""
        return f"{fence}{pad}{text}{pad}{fence}"

    def strike(self, written: str, text: str) -> str:
        """``written`` (the span as it stands in the plan, delimiters included) struck."""
        if self.fmt == "rst":
            return f":del:`{_rst_role_text(text)}`"
        return f"~~{written}~~"

    def insert(self, text: str) -> str:
        if self.fmt == "rst":
            return f":ins:`{_rst_role_text(text)}`"
        return self.code(text)

    def note(self, text: str) -> str:
        return f"*({text})*"

    def prose(self, text: str) -> str:
        """A sentence written with Markdown code spans (``ApiChange.detail``), in this format."""
        if self.fmt == "rst":
            return _SINGLE_TICKS.sub(r"``\1``", text)
        return text

    def block(self, title: str, body: Sequence[str]) -> list[str]:
        """A proposed block: a blockquote (Markdown) or an admonition (reST)."""
        if self.fmt == "rst":
            out = [f".. admonition:: {title}", ""]
            body = [body[0][:1].upper() + body[0][1:], *body[1:]] if body else []
            out += [f"   {line}" if line else "" for line in body]
            return out
        first, *rest = body or ("",)
        out = [f"> **{title}:** {first}".rstrip()]
        out += [f"> {line}" if line else ">" for line in rest]
        return out

    def item(self, text: str) -> str:
        return f"- {text}"

    def heading(self, title: str, level: int, styles: dict[int, tuple[str, bool]]) -> list[str]:
        if self.fmt == "rst":
            char, over = styles.get(level) or _new_rst_style(level, styles)
            rule = char * max(len(title), 4)
            return [rule, title, rule] if over else [title, rule]
        return ["#" * max(1, min(level, 6)) + " " + title]


def _rst_role_text(text: str) -> str:
    """Text inside an interpreted-text role: backslash the characters that would end it."""
    return text.replace("\\", "\\\\").replace("`", "\\`")


def _new_rst_style(level: int, styles: dict[int, tuple[str, bool]]) -> tuple[str, bool]:
    used = {c for c, _ in styles.values()}
    for c in _RST_ADORNMENTS:
        if c not in used:
            styles[level] = (c, False)
            return styles[level]
    styles[level] = ("#", True)
    return styles[level]


# --------------------------------------------------------------------------- the plan text


class _Plan:
    """The plan's lines (newline style kept) and where its blocks and sections end."""

    def __init__(self, text: str, doc: ParsedDocument, fmt: str) -> None:
        self.bom = "\ufeff" if text.startswith("\ufeff") else ""
        body = text[len(self.bom) :]
        self.lines = body.split("\n")  # the last item is "" when the text ends with \n
        self.final_newline = body.endswith("\n")
        if self.final_newline:
            self.lines.pop()
        self.eol = "\r\n" if self.lines and self.lines[0].endswith("\r") else ""
        self.fmt = fmt
        self.sections: tuple[Section, ...] = doc.sections
        self._md_blocks: list[tuple[int, int]] | None = None
        self.body = body

    def plain(self, n: int) -> str:
        """Line ``n`` (1-based) without its ``\\r``."""
        return self.lines[n - 1].rstrip("\r") if 1 <= n <= len(self.lines) else ""

    def blank(self, n: int) -> bool:
        return not self.plain(n).strip()

    # -- sections ---------------------------------------------------------
    def section_at(self, line: int) -> Section | None:
        """The innermost section holding plan line ``line``."""
        found = None
        for sec in self.sections:
            if sec.line <= line:
                found = sec
        return found

    def section_start(self, sec: Section) -> int:
        """The first line of a section's heading (a reST overline included)."""
        if self.fmt == "rst" and sec.line > 1 and _is_adornment(self.plain(sec.line - 1)):
            return sec.line - 1
        return sec.line

    def section_end(self, sec: Section) -> int:
        """The last line of ``sec``'s own content (before its first subsection or the next
        section), before trailing blank lines and transitions (``---``) that separate it
        from the next heading."""
        end = len(self.lines)
        for other in self.sections:
            if other.line > sec.line:
                end = self.section_start(other) - 1
                break
        while end > sec.line and (self.blank(end) or _is_transition(self.plain(end), self.fmt)):
            end -= 1
        return end

    def front_matter_end(self) -> int:
        """The last line of Markdown front matter (``---`` ... ``---``), else 0."""
        if self.fmt != "md" or self.plain(1).strip() != "---":
            return 0
        for n in range(2, len(self.lines) + 1):
            if self.plain(n).strip() in ("---", "..."):
                return n
        return 0

    # -- blocks -----------------------------------------------------------
    def block_end(self, line: int) -> int:
        """The last line of the top-level block (paragraph, list, table) holding ``line``."""
        if self.fmt == "md":
            for start, end in self.md_blocks():
                if start <= line <= end:
                    while end > line and self.blank(end):  # lists may end with a blank line
                        end -= 1
                    return end
            return line
        n = line
        while n < len(self.lines):
            if self.blank(n + 1):
                nxt = n + 2
                while nxt <= len(self.lines) and self.blank(nxt):
                    nxt += 1
                if nxt > len(self.lines) or not self.plain(nxt)[:1].isspace():
                    return n
                n = nxt
                continue
            n += 1
        return n

    def md_blocks(self) -> list[tuple[int, int]]:
        if self._md_blocks is None:
            from sphinx_ptyplan.core.sources.mdparse import _markdown

            blocks: list[tuple[int, int]] = []
            for tok in _markdown().parse(self.body):
                if tok.level == 0 and tok.map and tok.nesting in (0, 1):
                    start, end = tok.map
                    blocks.append((start + 1, end))
            self._md_blocks = blocks
        return self._md_blocks

    def rst_styles(self) -> dict[int, tuple[str, bool]]:
        """Section level -> (adornment character, with overline) as the plan uses them."""
        styles: dict[int, tuple[str, bool]] = {}
        for sec in self.sections:
            under = self.plain(sec.line + 1)
            if not _is_adornment(under):
                continue
            over = sec.line > 1 and self.plain(sec.line - 1) == under
            styles.setdefault(sec.level, (under[0], over))
        return styles


def _is_adornment(line: str) -> bool:
    s = line.rstrip()
    return len(s) >= 2 and s[0] in "=-~^\"'`+*#:._<>!$%&(),/;?@[\\]{|}" and s == s[0] * len(s)


def _is_transition(line: str, fmt: str) -> bool:
    s = line.strip()
    if fmt == "rst":
        return len(s) >= 4 and _is_adornment(s)
    compact = s.replace(" ", "")
    return len(compact) >= 3 and compact[0] in "-*_" and compact == compact[0] * len(compact)


# --------------------------------------------------------------------------- stale marks


def _locate(line: str, span: str, start: int, fmt: str) -> tuple[int, int] | None:
    """``(begin, end)`` of ``span`` as written in ``line`` with its delimiters (a run of
    backticks on each side, and a role name before them), searching from ``start``;
    ``None`` when it is not there as a whole code span or role."""
    pos = line.find(span, start) if span else -1
    while pos >= 0:
        lo, hi = pos, pos + len(span)
        while lo > 0 and line[lo - 1] == " ":
            lo -= 1
        while hi < len(line) and line[hi] == " ":
            hi += 1
        a, b = lo, hi
        while a > 0 and line[a - 1] == "`":
            a -= 1
        while b < len(line) and line[b] == "`":
            b += 1
        if lo - a >= 1 and lo - a == b - hi:
            return _role_prefix(line, a, fmt), b
        pos = line.find(span, pos + 1)
    return None


def _role_prefix(line: str, begin: int, fmt: str) -> int:
    """Move ``begin`` back over a role name written before the backticks."""
    head = line[:begin]
    if fmt == "rst" and head.endswith(":"):
        colon = head.rfind(":", 0, len(head) - 1)
        name = head[colon + 1 : -1]
        if colon >= 0 and name and all(c.isalnum() or c in "-_.+:" for c in name):
            return colon
    if fmt == "md" and head.endswith("}"):
        brace = head.rfind("{")
        if brace >= 0 and head[brace + 1 : -1].replace(":", "").replace("-", "").isalnum():
            return brace
    return begin


def _what(s: StaleRef) -> str:
    if s.replacement is not None:
        return "renamed"
    if s.story is not None and s.story.status == "deleted":
        return "deleted"
    return "stale"


def _reason(s: StaleRef) -> str:
    if s.story is not None and s.story.told:
        return s.story.describe()
    code = s.finding.code
    if code in (FindingCode.STALE_SYMBOL, FindingCode.STALE_NAME, FindingCode.STALE_ATTR):
        return "not defined there any more; git tells nothing"
    if code is FindingCode.STALE_LINE:
        return "past the end of the file"
    return "not in the tree; git knows no rename or deletion"


def _stale_group_text(
    marks: _Marks, written: str, span: str, group: Sequence[StaleRef]
) -> tuple[str, str, str | None]:
    """The marked text replacing ``written`` (a span as written) and its old/new spans."""
    new_span = span
    cursor = 0
    for s in sorted(group, key=lambda s: span.find(s.ref.text)):
        if s.replacement is None:
            continue
        pos = new_span.find(s.ref.text, cursor)
        if pos < 0:
            continue
        new_span = new_span[:pos] + s.replacement + new_span[pos + len(s.ref.text) :]
        cursor = pos + len(s.replacement)
    out = marks.strike(written, span)
    changed = new_span != span
    if changed:
        out += " " + marks.insert(new_span)
    notes = []
    for s in group:
        if s.replacement is not None:
            continue
        reason = _reason(s)
        notes.append(reason if len(group) == 1 else f"{marks.code(s.ref.text)} {reason}")
    if notes:
        out += " " + marks.note("; ".join(notes))
    return out, span, new_span if changed else None


# --------------------------------------------------------------------------- proposals


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _display(entry: ModuleEntry) -> str:
    return entry.path + "/" if entry.kind in _CONTAINERS else entry.path


def _symbols(entry: ModuleEntry, marks: _Marks) -> str:
    info = entry.info
    if info is None:
        return ""
    if info.problem is not None:
        return f"not parsed: {info.problem.message}"
    names = [marks.code(_symbol_name(s)) for s in info.public_symbols]
    if len(names) > _MAX_SYMBOLS:
        names = [*names[:_MAX_SYMBOLS], f"… ({len(names) - _MAX_SYMBOLS} more)"]
    return ", ".join(names)


def _symbol_name(sym: Symbol) -> str:
    return f"{sym.name}()" if sym.kind is SymbolKind.FUNCTION else sym.name


@dataclass
class _Insertion:
    after: int  # plan line the block follows (0: before the first line)
    order: int  # among blocks at the same place: api notes, stale notes, proposals, sections
    kind: str
    lines: list[str]
    paths: tuple[str, ...] = ()


def _module_line(entry: ModuleEntry, marks: _Marks, added: dict[str, str]) -> str:
    text = marks.code(_display(entry))
    symbols = _symbols(entry, marks)
    if symbols:
        text += f" — {symbols}"
    status = added.get(entry.path) or added.get(entry.source_path)
    if status:
        text += f" ({status})"
    return marks.item(text)


def _covered(row: CoverageRow) -> bool:
    from sphinx_ptyplan.core.checks.coverage import MISSING

    return row.status != MISSING and bool(row.sections)


def _home(
    entry: ModuleEntry, rows: Sequence[CoverageRow], plan: _Plan
) -> tuple[Section, str] | None:
    """The section that covers most of ``entry``'s covered siblings (ties: the one naming
    the sibling nearest to it in path order, then the earlier section), else the first
    section covering its nearest covered parent; and the module it was placed next to."""
    parent = _parent(entry.path)
    siblings = [r for r in rows if _parent(r.entry.path) == parent]
    here = next((i for i, r in enumerate(siblings) if r.entry.path == entry.path), 0)
    scores: dict[int, tuple[Section, set[str], int, str]] = {}
    for i, r in enumerate(siblings):
        if r.entry.path == entry.path or not _covered(r):
            continue
        for _title, _anchor, line in r.sections:
            sec = plan.section_at(line)
            if sec is None:
                continue
            seen = scores.get(sec.line)
            distance = abs(i - here)
            if seen is None:
                scores[sec.line] = (sec, {r.entry.path}, distance, _display(r.entry))
            else:
                seen[1].add(r.entry.path)
                if distance < seen[2]:
                    scores[sec.line] = (sec, seen[1], distance, _display(r.entry))
    if scores:
        sec, _members, _distance, via = min(
            scores.values(), key=lambda v: (-len(v[1]), v[2], v[0].line)
        )
        return sec, via
    by_path = {r.entry.path: r for r in rows}
    probe = parent
    while probe:
        row = by_path.get(probe)
        if row is not None and _covered(row):
            found = plan.section_at(row.sections[0][2])
            if found is not None:
                return found, _display(row.entry)
        probe = _parent(probe)
    return None


def _proposals(
    cov: Coverage, plan: _Plan, marks: _Marks, added: dict[str, str]
) -> list[_Insertion]:
    from sphinx_ptyplan.core.checks.coverage import MISSING

    tree = cov.tree.strip("/")
    # The tree's own row is what the whole plan is about: never proposed.
    rows = [r for r in cov.rows if r.entry.kind in _PROPOSABLE and r.entry.path != tree]
    missing = {r.entry.path for r in rows if r.status == MISSING}
    covered_paths = {r.entry.path for r in rows if r.status != MISSING}

    def subtree(folder: str) -> list[CoverageRow]:
        return [r for r in rows if r.entry.path.startswith(folder + "/")]

    # New subsystems: missing containers none of whose rows the plan covers; only the
    # outermost one gets a section.
    new_pkgs: list[ModuleEntry] = []
    for r in rows:
        e = r.entry
        if e.path not in missing or e.kind not in _CONTAINERS:
            continue
        if any(x.entry.path in covered_paths for x in subtree(e.path)):
            continue
        if not any(x.entry.kind is EntryKind.MODULE for x in subtree(e.path)) and (
            e.kind is EntryKind.NAMESPACE
        ):
            continue
        if any(e.path.startswith(p.path + "/") for p in new_pkgs):
            continue
        new_pkgs.append(e)

    def in_new(path: str) -> bool:
        return any(path == p.path or path.startswith(p.path + "/") for p in new_pkgs)

    out: list[_Insertion] = []
    by_section: dict[int, tuple[Section, list[tuple[ModuleEntry, str]]]] = {}
    homeless: list[ModuleEntry] = []
    for r in rows:
        e = r.entry
        if e.path not in missing or in_new(e.path) or e.kind is EntryKind.NAMESPACE:
            continue
        home = _home(e, rows, plan)
        if home is None:
            homeless.append(e)
            continue
        sec, via = home
        by_section.setdefault(sec.line, (sec, []))[1].append((e, via))
    for sec, entries in by_section.values():
        body = [
            f"not named by the plan; placed here next to {marks.code(entries[0][1])}, which "
            "this section covers:"
            if len({v for _, v in entries}) == 1
            else "not named by the plan; placed here next to the modules this section covers:",
            "",
            *(_module_line(e, marks, added) for e, _ in entries),
        ]
        out.append(
            _Insertion(
                plan.section_end(sec),
                2,
                "proposed",
                marks.block("Proposed", body),
                tuple(_display(e) for e, _ in entries),
            )
        )

    # New sections, at the end of the plan, at the level the plan covers modules in.
    level = _module_level(cov, plan)
    styles = plan.rst_styles()
    groups: list[tuple[str, list[ModuleEntry]]] = []
    for pkg in new_pkgs:
        members = [pkg, *(x.entry for x in subtree(pkg.path) if x.entry.kind in _PROPOSABLE)]
        groups.append((_display(pkg), members))
    by_folder: dict[str, list[ModuleEntry]] = {}
    for e in homeless:
        by_folder.setdefault(_parent(e.path) or cov.tree or ".", []).append(e)
    groups += [(folder + "/", entries) for folder, entries in by_folder.items()]
    for title_path, members in groups:
        intro = (
            "a new package the plan does not cover yet; its modules and public symbols:"
            if members and members[0].kind in _CONTAINERS and _display(members[0]) == title_path
            else "modules the plan does not cover yet, with no covered neighbour:"
        )
        lines = marks.heading(f"Proposed: {marks.code(title_path)}", level, styles)
        lines += [
            "",
            *marks.block(
                "Proposed", [intro, "", *(_module_line(e, marks, added) for e in members)]
            ),
        ]
        out.append(
            _Insertion(
                len(plan.lines), 3, "new-section", lines, tuple(_display(e) for e in members)
            )
        )
    return out


def _module_level(cov: Coverage, plan: _Plan) -> int:
    """The heading level most sections naming modules have (ties: the deeper one)."""
    counts: dict[int, int] = {}
    seen: set[int] = set()
    for r in cov.rows:
        for _t, _a, line in r.sections:
            sec = plan.section_at(line)
            if sec is not None and sec.line not in seen:
                seen.add(sec.line)
                counts[sec.level] = counts.get(sec.level, 0) + 1
    if counts:
        return max(counts, key=lambda lv: (counts[lv], lv))
    if plan.sections:
        return max(s.level for s in plan.sections)
    return 2


# --------------------------------------------------------------------------- API notes


def _api_items(row: DeltaRow, marks: _Marks) -> list[str]:
    """The row's API changes, one item per function or class (``ApiChange.owner``), as the
    delta names them."""
    groups: dict[str, list[str]] = {}
    for c in row.api:
        groups.setdefault(c.owner, []).append(c.detail)
    items = []
    for owner, details in groups.items():
        text = "; ".join(marks.prose(d) for d in details)
        if not (len(details) == 1 and f"`{owner}`" in details[0]):
            text = f"{marks.code(owner)}: {text}"
        items.append(marks.item(text))
    return items


def _api_notes(
    cov: Coverage, delta: RevisionDelta | None, plan: _Plan, marks: _Marks
) -> list[_Insertion]:
    if delta is None:
        return []
    from sphinx_ptyplan.core.checks.coverage import MISSING

    since = marks.code(delta.base) + (f" ({delta.base_sha[:7]})" if delta.base_sha else "")
    upto = f" to {marks.code(delta.head)}" if delta.head else ""
    notes: dict[int, list[str]] = {}
    paths: dict[int, list[str]] = {}
    for r in delta.rows:
        if not r.api or r.status not in ("modified", "renamed"):
            continue
        key = r.path.removesuffix("/__init__.py") if r.path.endswith("/__init__.py") else r.path
        row = cov.row(key)
        if row is None or row.status == MISSING or not row.sections:
            continue
        line = min(line for _t, _a, line in row.sections)
        after = plan.block_end(line)
        body = [
            f"API of {marks.code(_display(row.entry))} changed since {since}{upto}:",
            "",
        ]
        body += _api_items(r, marks)
        notes.setdefault(after, []).extend(marks.block("Proposed", body) + [""])
        paths.setdefault(after, []).append(_display(row.entry))
    return [
        _Insertion(after, 0, "api", lines[:-1], tuple(paths[after]))
        for after, lines in sorted(notes.items())
    ]


# --------------------------------------------------------------------------- compose


def _header(plan_path: str, drafted: Drafted, marks: _Marks) -> list[str]:
    code = marks.code
    at = f"at {code(drafted.head_sha[:12])} (HEAD) " if drafted.head_sha else ""
    against = f"the working tree of {code((drafted.tree or '.') + '/')} {at}".rstrip()
    if drafted.base:
        base = drafted.base + (f" = {drafted.base_sha[:12]}" if drafted.base_sha else "")
        upto = f" to {code(drafted.head)}" if drafted.head else ""
        against += f", with the API changes since {code(base)}{upto}"
    if marks.fmt == "rst":
        how = (
            ":del:`struck` text is stale; :ins:`inserted` text replaces it; admonitions "
            "titled *Proposed* are additions"
        )
    else:
        how = (
            "~~struck~~ text is stale and the code span after it replaces it; blockquotes "
            "starting with **Proposed** are additions"
        )
    body = [
        f"{code(plan_path)} as the audit would revise it, drafted against {against}"
        + (f" by {code(drafted.by)}" if drafted.by else "")
        + ".",
        "",
        f"{how}. Every other line is the plan's own; the plan itself is not edited.",
    ]
    if marks.fmt == "rst":
        return [
            ".. role:: del",
            "   :class: ptyplan-del",
            "",
            ".. role:: ins",
            "   :class: ptyplan-ins",
            "",
            ".. admonition:: Redline draft (ptyplan, not the plan)",
            "",
            *(f"   {line}" if line else "" for line in body),
            "",
        ]
    first, *rest = body
    return [
        f"> **Redline draft (ptyplan, not the plan):** {first}",
        *(f"> {x}" if x else ">" for x in rest),
        "",
    ]


def compose_redline(
    plan_text: str,
    doc: ParsedDocument,
    cov: Coverage,
    *,
    delta: RevisionDelta | None = None,
    drafted: Drafted | None = None,
) -> Redline:
    """The draft of ``doc`` (whose text is ``plan_text``) revised as ``cov`` and ``delta`` say.

    ``doc`` is the parse of ``plan_text`` that ``cov`` was computed from. Stale references
    are marked inline; missing modules, new packages and API changes are inserted as
    blocks; the draft starts with a header (after Markdown front matter). Lines keep their
    line endings; the draft always ends with a newline.
    """
    fmt = plan_format(doc.path)
    drafted = drafted or Drafted(cov.tree)
    marks = _Marks(fmt)
    plan = _Plan(plan_text, doc, fmt)
    lines = list(plan.lines)
    marked: dict[int, tuple[str, list[tuple[str, str, str | None]]]] = {}
    insertions: list[_Insertion] = []

    # Stale references, grouped by their span on their line.
    groups: dict[tuple[int, str], list[StaleRef]] = {}
    for s in cov.stale:
        groups.setdefault((s.ref.doc_line, s.ref.span or s.ref.text), []).append(s)
    per_line: dict[int, list[tuple[str, list[StaleRef]]]] = {}
    for (line, span), group in groups.items():
        per_line.setdefault(line, []).append((span, group))
    for line, entries in sorted(per_line.items()):
        if not 1 <= line <= len(lines):
            continue
        old = lines[line - 1]
        found: list[tuple[int, int, str, list[StaleRef]]] = []
        cursor = 0
        unplaced: list[StaleRef] = []
        for span, group in sorted(entries, key=lambda e: (old.find(e[0]), e[0])):
            where = _locate(old, span, cursor, fmt) if group[0].ref.context != "link" else None
            if where is None:
                unplaced.extend(group)
                continue
            found.append((where[0], where[1], span, group))
            cursor = where[1]
        new = old
        spans: list[tuple[str, str, str | None]] = []
        for begin, end, span, group in sorted(found, reverse=True):
            text, old_span, new_span = _stale_group_text(marks, old[begin:end], span, group)
            new = new[:begin] + text + new[end:]
            spans.insert(0, (_group_kind(group), old_span, new_span))
        if found:
            marked[line] = (new, spans)
        if unplaced:
            body = [
                marks.item(
                    f"{marks.code(s.ref.text)}: "
                    + (f"now {marks.code(s.replacement)}" if s.replacement else _reason(s))
                )
                for s in unplaced
            ]
            insertions.append(
                _Insertion(
                    plan.block_end(line),
                    1,
                    _group_kind(unplaced),
                    marks.block(
                        "Proposed",
                        [f"stale references of line {line} that cannot be marked in place:", ""]
                        + body,
                    ),
                    tuple(s.ref.text for s in unplaced),
                )
            )

    added = {}
    if delta is not None:
        for r in delta.rows:
            if r.status == "added":
                added[r.path] = f"new since {delta.base}"
    insertions += _api_notes(cov, delta, plan, marks)
    insertions += _proposals(cov, plan, marks, added)

    # Assemble: header, then plan lines with their marks, blocks after their lines.
    inserted_eol = "\r\n" if plan.eol else "\n"
    by_after: dict[int, list[_Insertion]] = {}
    for ins in insertions:
        by_after.setdefault(ins.after, []).append(ins)
    out: list[str] = []
    edits: list[RedlineEdit] = []
    front = plan.front_matter_end()

    def emit(text: str) -> None:
        out.append(text + inserted_eol)

    def emit_plan(n: int, text: str) -> None:
        out.append(text + "\n")

    def blank_last() -> bool:
        return not out or not out[-1].strip()

    def emit_blocks(after: int) -> None:
        for ins in sorted(by_after.get(after, ()), key=lambda i: i.order):
            first = len(out) + 1
            if not blank_last():
                emit("")
            for text in ins.lines:
                emit(text)
            nxt = after + 1
            if nxt <= len(lines) and not plan.blank(nxt):
                emit("")
            edits.append(RedlineEdit(ins.kind, after, (first, len(out)), ins.paths))

    for n in range(1, front + 1):
        emit_plan(n, lines[n - 1])
    header_first = len(out) + 1
    for text in _header(doc.path, drafted, marks):
        emit(text)
    header = (header_first, len(out))
    emit_blocks(0)
    for n in range(front + 1, len(lines) + 1):
        if n in marked:
            new, spans = marked[n]
            emit_plan(n, new)
            for kind, o, nw in spans:
                edits.append(RedlineEdit(kind, n, (len(out), len(out)), (o,), o, nw))
        else:
            emit_plan(n, lines[n - 1])
        emit_blocks(n)
    return Redline(
        plan=doc.path,
        fmt=fmt,
        text=plan.bom + "".join(out),
        header=header,
        edits=tuple(sorted(edits, key=lambda e: e.draft_lines)),
        drafted=drafted,
    )


def _group_kind(group: Sequence[StaleRef]) -> str:
    kinds = {_what(s) for s in group}
    if "renamed" in kinds:
        return "renamed"
    return "deleted" if "deleted" in kinds else "stale"


def undo_redline(redline: Redline) -> str:
    """The draft without its header, inserted blocks and marked lines: the plan's own
    lines, unchanged (what tests and reviewers compare with the plan minus marked lines)."""
    drop = set(range(redline.header[0], redline.header[1] + 1))
    for e in redline.edits:
        drop.update(range(e.draft_lines[0], e.draft_lines[1] + 1))
    kept = [
        line
        for n, line in enumerate(redline.text.splitlines(keepends=True), start=1)
        if n not in drop
    ]
    return "".join(kept)
