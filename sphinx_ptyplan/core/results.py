"""What a job produced (tables, findings, dependency keys, data): shared by both front ends
and by the report folders, so none of them needs the job runners to name it."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sphinx_ptyplan.core.models import Finding, Inventory
from sphinx_ptyplan.core.outputs.tables import Table

if TYPE_CHECKING:
    from sphinx_ptyplan.core.checks.spechits import SpecHits
    from sphinx_ptyplan.core.compare import Coverage, RevisionDelta
    from sphinx_ptyplan.core.outputs.redline import Redline

__all__ = ["DepKey", "Job"]

DepKey = tuple[Hashable, ...]


@dataclass
class Job:
    """What one job produced: tables, findings in report order, dependency keys, data."""

    tables: tuple[Table, ...] = ()
    findings: list[Finding] = field(default_factory=list)
    deps: set[DepKey] = field(default_factory=set)
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
