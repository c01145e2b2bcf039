"""What a job produced (tables, findings, dependency keys, data): shared by both front ends
and by the report folders, so none of them needs the job runners to name it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from sphinx_ptyplan.core.models import Finding, Inventory
from sphinx_ptyplan.core.outputs.tables import Table

if TYPE_CHECKING:
    from sphinx_ptyplan.core.checks.coverage import Coverage
    from sphinx_ptyplan.core.checks.delta import RevisionDelta
    from sphinx_ptyplan.core.checks.spechits import SpecHits
    from sphinx_ptyplan.core.outputs.redline import Redline

__all__ = ["Dep", "DepKind", "Job"]

DepKind = Literal["tree", "file", "rev"]


@dataclass(frozen=True, slots=True, order=True)
class Dep:
    """One thing a result depends on, declared once for every writer and reader.

    The jobs write them, the Sphinx layer stores them per page and compares their
    fingerprints (``env-get-outdated``), and ``ptyplan serve`` reads the stored ones back to
    know which folders to watch. ``kind`` is ``"tree"`` (a folder scanned with ``exclude``),
    ``"file"`` (a root-relative file or folder) or ``"rev"`` (a git revision, ``value``);
    ``root`` names the root it is in (``""``: ``ptyplan_root``; a name of ``ptyplan_roots``).
    """

    kind: DepKind
    value: str
    exclude: tuple[str, ...] = ()
    root: str = ""

    @classmethod
    def tree(cls, path: str, exclude: tuple[str, ...] = ()) -> Dep:
        return cls("tree", path, tuple(exclude))

    @classmethod
    def file(cls, path: str) -> Dep:
        return cls("file", path)

    @classmethod
    def rev(cls, revision: str) -> Dep:
        return cls("rev", revision)

    def in_root(self, name: str) -> Dep:
        """The same dependency, in the named root."""
        return replace(self, root=name)


@dataclass
class Job:
    """What one job produced: tables, findings in report order, dependency keys, data."""

    tables: tuple[Table, ...] = ()
    findings: list[Finding] = field(default_factory=list)
    deps: set[Dep] = field(default_factory=set)
    #: the first failure of git on a revision the user named (also in ``findings``)
    git_error: Finding | None = None
    inventory: Inventory | None = None
    new: frozenset[str] | None = None
    coverage: Coverage | None = None
    delta: RevisionDelta | None = None
    hits: SpecHits | None = None
    redline: Redline | None = None

    def git_failed(self, finding: Finding) -> None:
        self.findings.append(finding)
        if self.git_error is None:
            self.git_error = finding
