"""One root with its lazily opened git: shared by the Sphinx engine and the command line."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["Workspace"]


class Workspace:
    """A root folder, at most one :class:`~sphinx_ptyplan.core.sources.gitrepo.GitRepo` for it
    (opened on first use; a failure is remembered and raised again), and the .gitignore
    predicates of the trees scanned in it."""

    def __init__(self, root: Path, *, jobs: int = 0, source_revision: str = "HEAD") -> None:
        self.root = root
        self._jobs = jobs
        self._source_revision = source_revision
        self._repo: Any = None
        self._repo_error: Exception | None = None
        self._ignored: dict[str, Callable[[str], bool] | None] = {}
        self._resolved_source: str | None = None

    def repo(self) -> Any:
        """The GitRepo of the root, opened once.

        :raises GitError: when git cannot be used here (the same error on every call).
        """
        from sphinx_ptyplan.core.sources.gitrepo import GitRepo

        if self._repo is None and self._repo_error is None:
            try:
                self._repo = GitRepo.open(self.root)
            except Exception as exc:  # GitError, or GitPython surprises on odd clones
                self._repo_error = exc
        if self._repo is None:
            assert self._repo_error is not None
            raise self._repo_error
        return self._repo

    def ignored(self, tree: str) -> Callable[[str], bool] | None:
        """The .gitignore predicate for a tree (None outside git)."""
        if tree not in self._ignored:
            try:
                self._ignored[tree] = self.repo().ignored(tree)
            except Exception:
                self._ignored[tree] = None
        return self._ignored[tree]

    @property
    def jobs(self) -> int:
        """Processes for parsing large trees (0 configured: one per core)."""
        return self._jobs or (os.cpu_count() or 1)

    def source_revision(self) -> str:
        """The source-link revision as a sha when git knows it, else as written."""
        if self._resolved_source is None:
            rev = self._source_revision
            try:
                self._resolved_source = str(self.repo().fingerprint([rev])[0] or rev)
            except Exception:
                self._resolved_source = rev
        return self._resolved_source

    def close(self) -> None:
        if self._repo is not None:
            self._repo.close()
            self._repo = None
