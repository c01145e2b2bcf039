"""Plan coverage: the one judge's verdicts on a plan's references, mapped to inventory rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sphinx_ptyplan.core.models import (
    EntryKind,
    Finding,
    Inventory,
    ModuleEntry,
    PathStory,
    Reference,
    RefKind,
    Resolution,
    Status,
)

if TYPE_CHECKING:
    from sphinx_ptyplan.core.checks.citations import CitationCheck

__all__ = [
    "BY_PACKAGE",
    "COUNTED_KINDS",
    "COVERED",
    "MISSING",
    "Coverage",
    "CoverageRow",
    "StaleRef",
    "coverage",
]

COVERED = "covered"
BY_PACKAGE = "covered-by-package"
MISSING = "missing"

#: Entry kinds counted in :attr:`Coverage.percent` (notebooks, assets, namespaces are not).
COUNTED_KINDS = (EntryKind.PACKAGE, EntryKind.MODULE)


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """One inventory row and how the plan covers it.

    ``status`` is ``covered`` (the plan names the module, its path, or a symbol in it),
    ``covered-by-package`` (only an enclosing package/folder is named) or ``missing``.
    ``sections`` lists ``(section title, anchor, plan line)`` of the covering mentions,
    one per section in source order (the line of the first mention in that section).
    """

    entry: ModuleEntry
    status: str
    sections: tuple[tuple[str, str | None, int], ...] = ()
    refs: tuple[Reference, ...] = ()


@dataclass(frozen=True, slots=True)
class StaleRef:
    """A plan reference into the tree that the judge found stale.

    ``story`` is what git says happened to the path (``None`` when git tells nothing);
    ``replacement`` the exact new text of the reference, when known; ``finding`` the one
    verdict every front end reports for it.
    """

    ref: Reference
    story: PathStory | None
    replacement: str | None
    finding: Finding


@dataclass(frozen=True, slots=True)
class Coverage:
    """How a plan covers an inventory (covered / missing tags, stale references)."""

    plan: str
    tree: str
    rows: tuple[CoverageRow, ...]
    stale: tuple[StaleRef, ...]
    covered: int
    by_package: int
    missing: int
    problems: tuple[Finding, ...] = ()  # e.g. git could not tell the stories

    @property
    def percent(self) -> float:
        """Share of package and module rows the plan covers, directly or by package."""
        total = self.covered + self.by_package + self.missing
        return 100.0 * (self.covered + self.by_package) / total if total else 0.0

    def row(self, path: str) -> CoverageRow | None:
        for r in self.rows:
            if r.entry.path == path:
                return r
        return None

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Stale-reference findings, then problems met while judging."""
        return (*(s.finding for s in self.stale), *self.problems)


def _norm(path: str) -> str:
    return "/".join(p for p in path.strip().replace("\\", "/").split("/") if p and p != ".")


def _under(path: str, folder: str) -> bool:
    """``path`` is ``folder`` or inside it ("" is the root and holds everything)."""
    return not folder or path == folder or path.startswith(folder + "/")


def _parents(path: str) -> Iterable[str]:
    """Ancestor folders of a POSIX path, nearest first (not including "")."""
    parts = path.split("/")
    for i in range(len(parts) - 1, 0, -1):
        yield "/".join(parts[:i])


def _sections(refs: Sequence[Reference]) -> tuple[tuple[str, str | None, int], ...]:
    seen: dict[tuple[str, str | None], int] = {}
    for r in refs:
        seen.setdefault((r.section or "", r.anchor), r.doc_line)
    return tuple((title, anchor, line) for (title, anchor), line in seen.items())


class _Rows:
    """Inventory rows by path (a package also by its ``__init__.py``) and the tree's folders."""

    def __init__(self, inventory: Inventory) -> None:
        self.tree = _norm(inventory.tree)
        self.by_path: dict[str, ModuleEntry] = {}
        self.folders: set[str] = set()
        for e in inventory.entries:
            self.by_path.setdefault(e.path, e)
            if e.kind is EntryKind.PACKAGE:
                self.by_path.setdefault(e.source_path, e)
            if e.kind in (EntryKind.PACKAGE, EntryKind.NAMESPACE):
                self.folders.add(e.path)
            self.folders.update(_parents(e.path))


def _names_folder(res: Resolution) -> bool:
    """The reference names a folder or a package as a whole (its rows below are covered
    by package): a path to a folder, or the dotted name of a package."""
    if res.ref.kind is RefKind.PATH:
        return res.status is Status.RESOLVED and res.line is None
    return res.ref.kind is RefKind.DOTTED and res.target_kind == "package"


def _new_owner(res: Resolution) -> str | None:
    """Where a stale reference's target went, by git's story (``None``: deleted/unknown)."""
    story, owner = res.story, res.owner
    if story is None or story.new_path is None or owner is None:
        return None
    asked = _norm(story.path)
    if not _under(owner, asked):
        return _norm(story.new_path)
    return _norm(story.new_path) + owner[len(asked) :]


def coverage(
    inventory: Inventory,
    judged: Sequence[CitationCheck],
    *,
    plan: str,
    problems: Sequence[Finding] = (),
) -> Coverage:
    """Tag every inventory row covered / covered-by-package / missing; list stale references.

    ``judged`` are the checks of the plan's references by the one judge
    (``check_citations(..., every_kind=True)``). A row is ``covered`` when a reference
    resolves to it (by path, with or without ``:line``, by dotted module name, or by a
    symbol inside it, before imports are followed); ``covered-by-package`` when only an
    enclosing folder or package below the tree root is named (naming the tree itself covers
    only its own row). A stale reference whose target is in the tree (or that git says was
    renamed into it) is one of the plan's stale references, with the judge's finding; a
    module named by a name it had before a rename is still covered. ``Class.attr``
    references (no module named) cover nothing and are not reported here.
    """
    rows_of = _Rows(inventory)
    tree = rows_of.tree
    direct: dict[str, list[Reference]] = {}
    prefix: dict[str, list[Reference]] = {}
    stale: list[StaleRef] = []

    def cover(owner: str, ref: Reference, *, as_folder: bool) -> None:
        entry = rows_of.by_path.get(owner)
        if entry is not None:
            direct.setdefault(entry.path, []).append(ref)
            folder = entry.kind in (EntryKind.PACKAGE, EntryKind.NAMESPACE)
            # a path to ``pkg/__init__.py`` names the package's row, not its folder
            if as_folder and folder and (ref.kind is not RefKind.PATH or entry.path == owner):
                add_prefix(entry.path, ref)
        elif as_folder and owner in rows_of.folders:
            add_prefix(owner, ref)

    def add_prefix(folder: str, ref: Reference) -> None:
        if folder != tree:
            prefix.setdefault(folder, []).append(ref)

    for j in sorted(judged, key=lambda j: j.ref.doc_line):
        res, ref = j.resolution, j.ref
        if ref.kind is RefKind.ATTR or res.owner is None:
            continue
        owner = _norm(res.owner)
        if res.status is Status.RESOLVED:
            cover(owner, ref, as_folder=_names_folder(res))
            continue
        if res.status is not Status.STALE:
            continue
        moved_to = _new_owner(res)
        targets = [owner, *([moved_to] if moved_to else [])]
        if res.story is not None:
            targets += [_norm(v) for v in res.story.via]
        if not any(_under(t, tree) for t in targets):
            continue  # stale outside the tree: not this plan's business here
        finding = j.findings[0] if j.findings else res.finding
        if finding is None:
            continue
        stale.append(StaleRef(ref, res.story, j.replacement or finding.replacement, finding))
        if moved_to is not None:
            # a plan naming a module by the name it had before a rename still covers it
            cover(moved_to, ref, as_folder=ref.kind is RefKind.PATH)
        elif not owner.endswith("/__init__.py"):
            cover(owner, ref, as_folder=False)  # a wrong line or symbol of a real module

    rows: list[CoverageRow] = []
    counts = {COVERED: 0, BY_PACKAGE: 0, MISSING: 0}
    for entry in inventory.entries:
        refs = direct.get(entry.path)
        status = COVERED
        if not refs:
            refs = [r for folder in _parents(entry.path) for r in prefix.get(folder, ())]
            status = BY_PACKAGE if refs else MISSING
        refs = sorted(refs, key=lambda r: r.doc_line)
        if entry.kind in COUNTED_KINDS:
            counts[status] += 1
        rows.append(CoverageRow(entry, status, _sections(refs), tuple(refs)))
    return Coverage(
        plan=plan,
        tree=inventory.tree,
        rows=tuple(rows),
        stale=tuple(stale),
        covered=counts[COVERED],
        by_package=counts[BY_PACKAGE],
        missing=counts[MISSING],
        problems=tuple(problems),
    )
