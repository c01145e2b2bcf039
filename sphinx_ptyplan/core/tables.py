"""Neutral tables: what every directive and CLI command shows, built once, formatted twice.

The Sphinx layer turns a :class:`Table` into docutils nodes, the CLI into Markdown/JSON, so a
directive's table and ``ptyplan <command>``'s table can never disagree on content.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sphinx_ptyplan.core.models import EntryKind, Inventory, ModuleEntry, Symbol, SymbolKind

__all__ = [
    "INVENTORY_COLUMNS",
    "Cell",
    "Table",
    "inventory_table",
    "matches_any",
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
            "path": Cell(display, code=True, path=e.source_path if e.kind is not EntryKind.NAMESPACE
                         else None, line=line, status=status),
            "kind": Cell(e.kind.value),
            "lines": Cell(str(e.lines) if e.kind is not EntryKind.NAMESPACE else ""),
            "symbols": Cell(symbol_summary(e) if e.kind is not EntryKind.NOTEBOOK else ""),
            "docstring": Cell(
                (e.title or "") if e.kind is EntryKind.NOTEBOOK
                else ((e.info.docstring or "") if e.info else "")
            ),
            "new": Cell("new" if is_new else "", status="new" if is_new else None),
            "high-impact": Cell("high-impact" if hot else "", status="high-impact" if hot else None),
        }
        rows.append(tuple(cell_map[c] for c in cols))
    parts = [
        f"{counts[EntryKind.PACKAGE]} packages",
        f"{counts[EntryKind.MODULE]} modules",
        f"{counts[EntryKind.NOTEBOOK]} notebooks",
    ]
    if counts[EntryKind.NAMESPACE]:
        parts.insert(1, f"{counts[EntryKind.NAMESPACE]} namespace folders")
    if counts[EntryKind.ASSET]:
        parts.append(f"{counts[EntryKind.ASSET]} other files")
    parts.append(f"{lines} lines of code")
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
