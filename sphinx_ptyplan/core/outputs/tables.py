"""Neutral tables: what every directive and CLI command shows, built once, formatted twice.

The Sphinx layer turns a :class:`Table` into docutils nodes, the CLI into Markdown/JSON, so a
directive's table and ``ptyplan <command>``'s table can never disagree on content.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sphinx_ptyplan.core.models import EntryKind, Inventory, ModuleEntry, Symbol, SymbolKind

if TYPE_CHECKING:
    from sphinx_ptyplan.core.checks.coverage import Coverage
    from sphinx_ptyplan.core.checks.delta import RevisionDelta
    from sphinx_ptyplan.core.checks.spechits import SpecHits

__all__ = [
    "INVENTORY_COLUMNS",
    "Cell",
    "Table",
    "coverage_tables",
    "delta_table",
    "inventory_table",
    "spechits_tables",
    "matches_any",
    "count",
    "split_list",
    "symbol_summary",
]


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: plain text, shown literally (``code``) or not, optionally linked.

    ``path``/``line`` link to code (through ``ptyplan_source_url``); ``doc``/``anchor`` link
    to a documentation page section; ``status`` tags a cell for styling (``new``, ``stale``…).
    """

    text: str
    code: bool = False
    path: str | None = None
    line: int | None = None
    doc: str | None = None
    anchor: str | None = None
    status: str | None = None
    parts: tuple[Cell, ...] = ()  # a cell made of several linked pieces, joined by ", "
    rich: bool = False  # ``backticked`` spans of ``text`` are code (API change details)

    def plain(self) -> str:
        if self.parts:
            return ", ".join(p.plain() for p in self.parts)
        return self.text


@dataclass(frozen=True, slots=True)
class Table:
    """A titled table with a one-line summary above it."""

    title: str
    summary: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...] = ()
    classes: tuple[str, ...] = field(default=())
    empty: str = "nothing to show"


INVENTORY_COLUMNS = ("path", "kind", "lines", "symbols", "docstring", "new", "high-impact")


_IRREGULAR = {"class": "classes", "is": "are", "has": "have", "was": "were"}


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 notebook``, ``2 notebooks``, ``0 classes``: a number and its noun in agreement.

    The last word of ``noun`` is inflected (``namespace folders``); pass ``plural`` when
    another word is (``lines of code``).
    """
    if n == 1:
        return f"{n} {noun}"
    if plural is None:
        rest, sep, last = noun.rpartition(" ")
        if last in _IRREGULAR:
            last = _IRREGULAR[last]
        elif last.endswith(("s", "x", "ch", "sh")):
            last += "es"
        else:
            last += "s"
        plural = rest + sep + last
    return f"{n} {plural}"


def code_spans(text: str) -> list[tuple[str, bool]]:
    """Split text at backticks: ``[(piece, is_code), ...]``; an unpaired backtick stays text."""
    out: list[tuple[str, bool]] = []
    pieces = text.split("`")
    if len(pieces) % 2 == 0:  # odd number of backticks: not markup
        return [(text, False)]
    for i, piece in enumerate(pieces):
        if piece:
            out.append((piece, i % 2 == 1))
    return out


def split_list(value: str | None) -> tuple[str, ...]:
    """Split a comma/whitespace separated option value into items."""
    if not value:
        return ()
    items = value.replace("\n", ",").split(",")
    return tuple(x.strip() for x in items if x.strip())


def matches_any(relpath: str, patterns: Iterable[str], *, is_dir: bool = False) -> bool:
    """Glob match of a tree-relative POSIX path against ``patterns``.

    A pattern matches the path, any of its parent folders (``api/`` marks everything under
    ``api``) or its base name (``reassembly_*``).
    """
    parts = relpath.split("/")
    candidates = {relpath, parts[-1]}
    if is_dir:
        candidates.add(relpath + "/")
    for i in range(1, len(parts)):
        prefix = "/".join(parts[:i])
        candidates.update((prefix, prefix + "/", parts[i - 1], parts[i - 1] + "/"))
    for pat in patterns:
        for c in candidates:
            if fnmatch.fnmatchcase(c, pat):
                return True
    return False


def _symbol_text(sym: Symbol) -> str:
    if sym.kind is SymbolKind.CLASS:
        if sym.is_dataclass:
            names = ", ".join(f.name for f in sym.fields)
            return f"{sym.name} (dataclass: {names})" if names else f"{sym.name} (dataclass)"
        return sym.name
    if sym.kind is SymbolKind.FUNCTION:
        return f"{sym.name}()"
    return sym.name


def symbol_summary(entry: ModuleEntry) -> str:
    """Public top-level symbols of a module or package, as one line."""
    info = entry.info
    if info is None:
        return ""
    if info.problem is not None:
        return f"(not parsed: {info.problem.message})"
    shown = [_symbol_text(s) for s in info.public_symbols]
    text = "; ".join(shown)
    if info.all_names is not None:
        text = f"__all__: {', '.join(info.all_names)}" + (f" — {text}" if text else "")
    return text


def _tree_rel(tree: str, path: str) -> str:
    if tree and path.startswith(tree + "/"):
        return path[len(tree) + 1 :]
    return path if path != tree else path.rsplit("/", 1)[-1]


def inventory_table(
    inv: Inventory,
    *,
    new: frozenset[str] | None = None,
    highlight: Sequence[str] = (),
    columns: Sequence[str] = (),
    since: str | None = None,
) -> Table:
    """The inventory table and its one-line summary.

    ``new`` is the set of root-relative paths added since ``since`` (``None``: no git
    answer, the ``new`` column is dropped). ``highlight`` globs mark high-impact rows.
    """
    cols = [c for c in (columns or INVENTORY_COLUMNS) if c in INVENTORY_COLUMNS]
    if new is None and "new" in cols:
        cols.remove("new")
    if not highlight and "high-impact" in cols and not columns:
        cols.remove("high-impact")
    counts = {k: 0 for k in EntryKind}
    lines = 0
    new_count = 0
    rows: list[tuple[Cell, ...]] = []
    for e in inv.entries:
        counts[e.kind] += 1
        lines += e.lines
        is_new = new is not None and _is_new(e, new)
        new_count += is_new
        rel = _tree_rel(inv.tree, e.path)
        hot = bool(highlight) and matches_any(
            rel, highlight, is_dir=e.kind in (EntryKind.PACKAGE, EntryKind.NAMESPACE)
        )
        problem = e.info.problem if e.info is not None else None
        status = "parse-error" if problem is not None else ("new" if is_new else None)
        line = problem.line if problem is not None and problem.line else None
        display = e.path + ("/" if e.kind in (EntryKind.PACKAGE, EntryKind.NAMESPACE) else "")
        cell_map = {
            "path": Cell(
                display,
                code=True,
                path=e.source_path if e.kind is not EntryKind.NAMESPACE else None,
                line=line,
                status=status,
            ),
            "kind": Cell(e.kind.value),
            "lines": Cell(str(e.lines) if e.kind is not EntryKind.NAMESPACE else ""),
            "symbols": Cell(symbol_summary(e) if e.kind is not EntryKind.NOTEBOOK else ""),
            "docstring": Cell(
                (e.title or "")
                if e.kind is EntryKind.NOTEBOOK
                else ((e.info.docstring or "") if e.info else "")
            ),
            "new": Cell("new" if is_new else "", status="new" if is_new else None),
            "high-impact": Cell(
                "high-impact" if hot else "", status="high-impact" if hot else None
            ),
        }
        rows.append(tuple(cell_map[c] for c in cols))
    parts = [
        count(counts[EntryKind.PACKAGE], "package"),
        count(counts[EntryKind.MODULE], "module"),
        count(counts[EntryKind.NOTEBOOK], "notebook"),
    ]
    if counts[EntryKind.NAMESPACE]:
        parts.insert(1, count(counts[EntryKind.NAMESPACE], "namespace folder"))
    if counts[EntryKind.ASSET]:
        parts.append(count(counts[EntryKind.ASSET], "other file"))
    parts.append(count(lines, "line of code", "lines of code"))
    if new is not None:
        parts.append(f"{new_count} new since {since}" if since else f"{new_count} new")
    title = f"Module inventory of {inv.tree or '.'}/"
    return Table(
        title=title,
        summary=", ".join(parts),
        columns=tuple(cols),
        rows=tuple(rows),
        classes=("ptyplan-inventory",),
        empty="no modules found",
    )


def _is_new(entry: ModuleEntry, new: frozenset[str]) -> bool:
    # A namespace folder has no file of its own to be new; its modules carry the mark.
    return entry.kind is not EntryKind.NAMESPACE and entry.source_path in new


# -- ptyplan-delta ----------------------------------------------------------------------


def _anchor(title: str) -> str:
    """The id docutils (and so Sphinx, for reST and MyST alike) gives a section title."""
    from docutils.nodes import make_id

    return str(make_id(title))


def coverage_tables(cov: Coverage, *, plan_doc: str | None = None) -> tuple[Table, ...]:
    """Coverage of a tree by a plan, and the plan's stale references into the tree.

    ``plan_doc`` is the docname of the plan when it is a page of the docs being built:
    section names then link to the sections.
    """
    rows = []
    for row in cov.rows:
        e = row.entry
        sections = tuple(
            Cell(title, doc=plan_doc, anchor=_anchor(title) if plan_doc else None)
            for title, _anchor_slug, _line in row.sections
        )
        display = e.path + ("/" if e.kind in (EntryKind.PACKAGE, EntryKind.NAMESPACE) else "")
        rows.append(
            (
                Cell(
                    display,
                    code=True,
                    path=e.source_path if e.kind is not EntryKind.NAMESPACE else None,
                ),
                Cell(e.kind.value),
                Cell(row.status, status=row.status),
                Cell("", parts=sections) if sections else Cell(""),
            )
        )
    total = cov.covered + cov.by_package + cov.missing
    summary = (
        f"{cov.percent:.0f}% of {count(total, 'package or module', 'packages and modules')} "
        f"covered by {cov.plan}: "
        f"{cov.covered} covered, {cov.by_package} covered by package, {cov.missing} missing; "
        f"{count(len(cov.stale), 'stale plan reference')}"
    )
    tables = [
        Table(
            title=f"Plan coverage of {cov.tree}/",
            summary=summary,
            columns=("module", "kind", "status", "plan sections"),
            rows=tuple(rows),
            classes=("ptyplan-coverage",),
            empty="no modules found",
        )
    ]
    stale_rows = tuple(
        (
            Cell(str(s.ref.doc_line)),
            Cell(s.ref.text, code=True, status="stale"),
            Cell(
                s.story.describe()
                if s.story is not None and s.story.told
                else "not found in the tree, and git knows no rename or deletion",
                rich=True,
            ),
            Cell(s.replacement or "", code=bool(s.replacement)),
        )
        for s in cov.stale
    )
    if stale_rows:
        tables.append(
            Table(
                title="Stale plan references",
                summary=f"{count(len(stale_rows), 'reference')} of {cov.plan} "
                + (
                    f"points into {cov.tree}/ but names nothing that exists now"
                    if len(stale_rows) == 1
                    else f"point into {cov.tree}/ but name nothing that exists now"
                ),
                columns=("plan line", "reference", "what happened", "replacement"),
                rows=stale_rows,
                classes=("ptyplan-stale-refs",),
            )
        )
    return tuple(tables)


def delta_table(delta: RevisionDelta) -> Table:
    """Modules added, removed, renamed and modified between two revisions, with API changes."""
    head = delta.head or "the working tree"
    rows = []
    counts: dict[str, int] = {}
    for r in delta.rows:
        counts[r.status] = counts.get(r.status, 0) + 1
        path = f"{r.old_path} → {r.path}" if r.old_path and r.old_path != r.path else r.path
        if r.similarity is not None and r.status == "renamed":
            path += f" ({r.similarity}% similar)"
        api = "; ".join(c.summary for c in r.api)
        if r.unread:  # never an empty cell that reads as "no API change"
            api = f"? ({r.unread})" + (f"; {api}" if api else "")
        in_plan = "" if r.in_plan is None else ("yes" if r.in_plan else "no")
        rows.append(
            (
                Cell(r.status, status=r.status),
                Cell(path, code=True, path=r.path if r.status != "removed" else None),
                Cell(r.kind),
                Cell(api, rich=True),
                Cell(in_plan, status=None if r.in_plan is not False else "missing"),
            )
        )
    parts = [f"{counts.get(s, 0)} {s}" for s in ("added", "removed", "renamed", "modified")]
    unplanned = sum(1 for r in delta.rows if r.in_plan is False and r.status != "removed")
    summary = f"{', '.join(parts)} between {delta.base} and {head}"
    if any(r.in_plan is not None for r in delta.rows):
        summary += f"; {unplanned} changed but not in the plan"
    return Table(
        title=f"Revision delta of {delta.tree}/ since {delta.base}",
        summary=summary,
        columns=("change", "path", "kind", "API changes", "in plan"),
        rows=tuple(rows),
        classes=("ptyplan-delta",),
        empty=f"no changes under {delta.tree}/ between {delta.base} and {head}",
    )


# -- ptyplan-spec-hits ------------------------------------------------------------------

_PROBLEMS = ("stale", "ambiguous")


def spechits_tables(
    hits: SpecHits, *, show: str = "all", since: str | None = None, unread: str | None = None
) -> tuple[Table, ...]:
    """The spec's references with their resolution, the schema checks, the touchpoints.

    ``unread`` says why the changes since ``since`` could not be read: the touchpoints
    then say so (``?``) instead of showing nothing changed."""
    counts: dict[str, int] = {}
    rows = []
    for res in hits.rows:
        status = res.status.value
        counts[status] = counts.get(status, 0) + 1
        if show == "problems" and status not in _PROBLEMS and res.finding is None:
            continue  # a resolved row with a finding is a signature that no longer matches
        if res.path and status == "resolved":
            where = f"{res.path}:{res.line}" if res.line else res.path
            target = Cell(where, code=True, path=res.path, line=res.line)
        elif res.candidates:
            label = "candidates" if status == "ambiguous" else "did you mean"
            target = Cell(f"{label}: {', '.join(res.candidates)}")
        else:
            # the reference is in its own column: what is said of it, without it
            target = Cell(res.verdict if status != "external" else "outside the tree", rich=True)
        how = ""  # how a resolved row was bound (alias, local, context), or its signature problem
        if status == "resolved":
            how = res.finding.message if res.finding is not None else res.reason
        rows.append(
            (
                Cell(str(res.ref.doc_line)),
                Cell(res.ref.text, code=True),
                Cell(res.target_kind or res.ref.kind.value),
                Cell(status, status=status),
                target,
                Cell(how),
            )
        )
    order = ("resolved", "external", "ambiguous", "stale")
    summary = f"{count(len(hits.rows), 'code reference')} in {hits.spec}: " + ", ".join(
        f"{counts.get(s, 0)} {s}" for s in order
    )
    tables = [
        Table(
            title=f"Spec hits of {hits.spec}",
            summary=summary + (" (showing problems only)" if show == "problems" else ""),
            columns=("spec line", "reference", "kind", "status", "resolves to", "how"),
            rows=tuple(rows),
            classes=("ptyplan-spec-hits",),
            empty="no stale or ambiguous references" if show == "problems" else "no references",
        )
    ]
    if hits.schema:
        schema_rows = tuple(
            (
                Cell(str(c.doc_line)),
                Cell(c.owner, code=True, path=c.owner_path, line=c.owner_line),
                Cell(
                    ", ".join(f"{n} (line {ln})" for n, ln in c.missing_in_code),
                    status="schema" if c.missing_in_code else None,
                ),
                Cell(", ".join(c.undocumented)),
            )
            for c in hits.schema
        )
        bad = sum(1 for c in hits.schema if c.missing_in_code)
        tables.append(
            Table(
                title="Schema check of the spec's field lists",
                summary=f"{count(len(hits.schema), 'field list')} compared with their "
                f"dataclasses; {count(bad, 'list', 'lists')} "
                f"{'names' if bad == 1 else 'name'} fields the code does not have",
                columns=(
                    "spec line",
                    "class",
                    "in the spec, not in the code",
                    "in the code, not in the spec",
                ),
                rows=schema_rows,
                classes=("ptyplan-schema",),
            )
        )
    touch_rows = tuple(
        (
            Cell(t.module_path, code=True, path=t.module_path),
            Cell(", ".join(sorted({str(r.ref.doc_line) for r in t.refs}, key=int))),
            Cell(str(len(t.refs))),
            Cell("?" if unread else "changed" if t.changed_since else "",
                 status="new" if t.changed_since else None),
        )
        for t in hits.touchpoints
    )  # fmt: skip
    changed = sum(1 for t in hits.touchpoints if t.changed_since)
    if since and unread:  # never "0 changed" when the history could not be read
        since_text = f"; what changed since {since} could not be read ({unread})"
    elif since:
        since_text = f"; {changed} changed since {since}"
    else:
        since_text = ""
    tables.append(
        Table(
            title="Spec touchpoints",
            summary=f"{count(len(touch_rows), 'module')} referenced by the spec" + since_text,
            columns=(
                "module",
                "spec lines",
                "references",
                f"changed since {since}" if since else "changed",
            ),
            rows=touch_rows,
            classes=("ptyplan-touchpoints",),
            empty="the spec references no module of the tree",
        )
    )
    return tuple(tables)
