"""What a directive or a command asks for: one typed request per directive/command pair.

The ``ptyplan-inventory`` directive and ``ptyplan inventory`` build the same
:class:`InventoryRequest` (and so on for delta, spec-hits and reports); the job runners in
``core/jobs.py`` take it. Option values are parsed once, by the parsers here (each raises
:class:`OptionError` with what the value must be); a front end only says where a bad value
is reported (a ``ptyplan.config`` warning on the directive, exit code 2 on the command).
Requests are frozen plain data, so the Sphinx environment can pickle them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sphinx_ptyplan.core.models import FindingKind
from sphinx_ptyplan.core.outputs.tables import INVENTORY_COLUMNS, split_list

__all__ = [
    "COMMON_OPTIONS",
    "LAYOUT",
    "NOTEBOOKS",
    "REPORTS_OPTIONS",
    "ROOT",
    "SHOW",
    "SUPPRESS",
    "TREE_FORMATS",
    "DeltaRequest",
    "InventoryRequest",
    "JobRequest",
    "Option",
    "OptionError",
    "ReportsRequest",
    "SpecHitsRequest",
    "named_root",
    "parse_columns",
    "parse_count",
    "parse_globs",
    "parse_initiative",
    "parse_kind",
    "parse_kinds",
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


def parse_kind(value: str) -> str:
    """One warning subtype (a :class:`FindingKind` value; ``ptyplan.`` in front is allowed)."""
    kind = value.strip().removeprefix("ptyplan.")
    known = [k.value for k in FindingKind]
    if kind not in known:
        raise OptionError(f"unknown warning subtype {kind!r} (known: {', '.join(sorted(known))})")
    return kind


def parse_kinds(value: str | None) -> frozenset[str]:
    """Comma-separated warning subtypes (``suppress``)."""
    return frozenset(parse_kind(k) for k in split_list(value))


def parse_initiative(value: str) -> str:
    """An initiative name usable as one folder (``INTEGRATE-PYTORCH-000``)."""
    from sphinx_ptyplan.core.outputs.reportdir import ReportError, check_initiative

    try:
        return check_initiative(value.strip())
    except ReportError as exc:
        raise OptionError(str(exc)) from None


def named_root(roots: Mapping[str, str], name: str) -> str:
    """The folder of a named root (``ptyplan_roots`` / ``roots`` of ``[tool.ptyplan]``)."""
    if name not in roots:
        known = ", ".join(sorted(roots)) or "none configured"
        raise OptionError(f"{name!r} is not a name of the configured roots ({known})")
    return roots[name]


@dataclass(frozen=True, slots=True)
class Option:
    """An option declared once for both front ends: ``:name:`` on the directive and
    ``--name`` (``cli`` when the command line needs another word) on the command, with
    its help, its one parser and its choices. The command's arguments, and so ``ptyplan
    CMD --help`` and the CLI page of the docs, are generated from it; the directive's
    ``option_spec`` takes its names from it."""

    name: str
    help: str
    metavar: str | None = None
    parse: Callable[[str], Any] | None = None
    choices: tuple[str, ...] = ()
    cli: str | None = None

    @property
    def flag(self) -> str:
        """The command-line flag (``--name``)."""
        return f"--{self.cli or self.name}"

    @property
    def dest(self) -> str:
        """The attribute argparse stores the value under."""
        return (self.cli or self.name).replace("-", "_")


#: ``:suppress:`` / ``--suppress``: drop findings of these kinds (every directive/command).
SUPPRESS = Option(
    "suppress",
    "warning subtypes to drop for this directive or command only, like suppress_warnings "
    f"(of: {', '.join(k.value for k in FindingKind)})",
    metavar="KINDS",
    parse=parse_kinds,
)
#: ``:root: NAME`` / ``--root-name NAME`` (``--root`` is the folder itself on the command line).
ROOT = Option(
    "root",
    "run on the root of this name in ptyplan_roots / [tool.ptyplan] roots instead of the "
    "main root",
    metavar="NAME",
    cli="root-name",
)
#: The options every directive and command has.
COMMON_OPTIONS = (SUPPRESS, ROOT)
#: ``:format: tree`` / ``--layout tree`` (``--format`` is the output format on the command
#: line): the inventory as a table or as a list nested by folder.
LAYOUT = Option(
    "format",
    "draw the inventory as a table, or as a list nested by folder",
    choices=TREE_FORMATS,
    cli="layout",
)
#: The options of ``ptyplan-reports`` / ``ptyplan reports``.
REPORTS_OPTIONS = (
    Option(
        "initiative",
        "the initiative whose reports to list (plans/active/NAME/reports/)",
        metavar="NAME",
        parse=parse_initiative,
    ),
    Option("folder", "the reports folder to list (instead of --initiative)", metavar="PATH"),
    Option("limit", "show only the newest N reports", metavar="N", parse=parse_count),
)


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
    """``ptyplan-spec-hits SPEC`` / ``ptyplan spec-hits SPEC``.

    ``prefer``: modules or folders that decide, for the whole page, which of several
    definitions a bare name means (``:module:``/``:prefer:``, ``--prefer``)."""

    spec: str
    trees: tuple[str, ...] = ()
    show: str = "all"
    since: str | None = None
    strict: bool = False
    prefer: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReportsRequest:
    """``ptyplan-reports``: the report folders under ``folder`` (of ``initiative``)."""

    folder: str
    initiative: str | None = None
    limit: int | None = None


#: Any of the typed requests (what a directive stores on its page, what a job takes).
JobRequest = InventoryRequest | DeltaRequest | SpecHitsRequest | ReportsRequest
