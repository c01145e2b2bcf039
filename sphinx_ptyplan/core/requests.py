"""What a directive or a command asks for: one typed request per directive/command pair.

The ``ptyplan-inventory`` directive and ``ptyplan inventory`` build the same
:class:`InventoryRequest` (and so on for delta, spec-hits and reports); the job runners in
``core/jobs.py`` take it. Option values are parsed once, by the parsers here (each raises
:class:`OptionError` with what the value must be); a front end only says where a bad value
is reported (a ``ptyplan.config`` warning on the directive, exit code 2 on the command).
Requests are frozen plain data, so the Sphinx environment can pickle them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sphinx_ptyplan.core.outputs.tables import INVENTORY_COLUMNS, split_list

__all__ = [
    "NOTEBOOKS",
    "SHOW",
    "TREE_FORMATS",
    "DeltaRequest",
    "InventoryRequest",
    "OptionError",
    "ReportsRequest",
    "JobRequest",
    "SpecHitsRequest",
    "parse_columns",
    "parse_count",
    "parse_globs",
    "parse_revision",
]

#: ``notebooks`` values: list notebooks (path and first heading) or leave them out.
NOTEBOOKS = ("informational", "exclude")
#: ``format`` values of the inventory: a table, or a table drawn as a tree.
TREE_FORMATS = ("table", "tree")
#: ``show`` values of spec hits: every row, or only stale and ambiguous ones.
SHOW = ("all", "problems")


class OptionError(ValueError):
    """An option value that cannot be used; the text says what it must be."""


def parse_globs(value: str | None) -> tuple[str, ...]:
    """Comma/newline separated items (globs, paths, names)."""
    return split_list(value)


def parse_count(value: str) -> int:
    """A whole number >= 0 (``maxdepth``, ``limit``)."""
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise OptionError(f"must be a whole number >= 0, not {value!r}")
    return number


def parse_columns(value: str | None) -> tuple[str, ...]:
    """Inventory columns, each one of :data:`INVENTORY_COLUMNS`."""
    cols = split_list(value)
    for c in cols:
        if c not in INVENTORY_COLUMNS:
            raise OptionError(f"unknown column {c!r} (known: {', '.join(INVENTORY_COLUMNS)})")
    return cols


def parse_revision(value: str) -> str:
    """A git revision, checked before it can reach git (``-x`` is refused)."""
    from sphinx_ptyplan.core.sources.gitrepo import GitError, validate_revision

    try:
        return validate_revision(value)
    except GitError as exc:
        raise OptionError(exc.message) from None


@dataclass(frozen=True, slots=True)
class InventoryRequest:
    """``ptyplan-inventory TREE`` / ``ptyplan inventory TREE``."""

    tree: str
    since: str | None = None
    highlight: tuple[str, ...] = ()
    notebooks: str = "informational"
    assets: tuple[str, ...] = ()
    maxdepth: int | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    format: str = "table"


@dataclass(frozen=True, slots=True)
class DeltaRequest:
    """``ptyplan-delta`` / ``ptyplan delta``: ``base`` is a revision or a ``*.json``
    snapshot; ``redline`` is ``"draft"`` (draft it now) or a reports folder (link to the
    newest report's redline), ``None`` for none."""

    tree: str
    plan: str
    base: str | None = None
    head: str | None = None
    redline: str | None = None


@dataclass(frozen=True, slots=True)
class SpecHitsRequest:
    """``ptyplan-spec-hits SPEC`` / ``ptyplan spec-hits SPEC``."""

    spec: str
    trees: tuple[str, ...] = ()
    show: str = "all"
    since: str | None = None
    strict: bool = False


@dataclass(frozen=True, slots=True)
class ReportsRequest:
    """``ptyplan-reports``: the report folders under ``folder`` (of ``initiative``)."""

    folder: str
    initiative: str | None = None
    limit: int | None = None


#: Any of the typed requests (what a directive stores on its page, what a job takes).
JobRequest = InventoryRequest | DeltaRequest | SpecHitsRequest | ReportsRequest
