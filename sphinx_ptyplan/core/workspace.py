"""One root with its lazily opened git, parse cache and code index: shared by the Sphinx
engine and the command line (both extend :class:`Workspace`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx_ptyplan.core.checks.resolve import CodeIndex
    from sphinx_ptyplan.core.sources.gitrepo import GitError, GitRepo
    from sphinx_ptyplan.core.sources.parsecache import ParseCache
    from sphinx_ptyplan.core.sources.walk import RootListing

__all__ = ["Workspace"]


class Workspace:
    """A root folder, at most one :class:`~sphinx_ptyplan.core.sources.gitrepo.GitRepo` for it
    (opened on first use; a failure is remembered and raised again), the .gitignore
    predicates of the trees scanned in it, one parse cache and one code index per set of
    code roots. The inventory scans and the index share the parse cache, so a file is
    parsed at most once per run."""

    def __init__(
        self,
        root: Path,
        *,
        jobs: int = 0,
        source_revision: str = "HEAD",
        external: Sequence[str] = (),
    ) -> None:
        self.root = root
        self.external = tuple(external)
        self._jobs = jobs
        self._source_revision = source_revision
        self._repo: GitRepo | None = None
        self._repo_error: GitError | None = None
        self._ignored: dict[str, Callable[[str], bool] | None] = {}
        self._resolved_source: str | None = None
        self._cache: ParseCache | None = None
        self._indexes: dict[tuple[str, ...], CodeIndex] = {}
        self._listing: RootListing | None = None

    def repo(self) -> GitRepo:
        """The GitRepo of the root, opened once.

        :raises GitError: when git cannot be used here (the same error on every call).
        """
        from sphinx_ptyplan.core.sources.gitrepo import GitError, GitRepo

        if self._repo is None and self._repo_error is None:
            try:
                self._repo = GitRepo.open(self.root)
            except GitError as exc:
                self._repo_error = exc
        if self._repo is None:
            assert self._repo_error is not None
            raise self._repo_error
        return self._repo

    def git_available(self) -> bool:
        """Whether the root is in a git work tree that can be opened."""
        from sphinx_ptyplan.core.sources.gitrepo import GitError

        try:
            self.repo()
        except GitError:
            return False
        return True

    def ignored(self, tree: str) -> Callable[[str], bool] | None:
        """The .gitignore predicate for a tree (None outside git)."""
        from sphinx_ptyplan.core.sources.gitrepo import GitError

        if tree not in self._ignored:
            try:
                self._ignored[tree] = self.repo().ignored(tree)
            except GitError:
                self._ignored[tree] = None
        return self._ignored[tree]

    @property
    def jobs(self) -> int:
        """Processes for parsing large trees (0 configured: one per core)."""
        return self._jobs or (os.cpu_count() or 1)

    def load_cache(self) -> ParseCache:
        """A new parse cache (the Sphinx engine reads its own from the doctree folder)."""
        from sphinx_ptyplan.core.sources.parsecache import ParseCache

        return ParseCache()

    @property
    def cache(self) -> ParseCache:
        """The parse cache of this run, made (or read) on first use."""
        if self._cache is None:
            self._cache = self.load_cache()
        return self._cache

    def listing(self) -> RootListing:
        """The one listing of the root (made on first use): every scan of a tree and every
        code index of the workspace read their folders from it, each folder once, with one
        symlink policy and what :meth:`ignored` leaves out of the root."""
        if self._listing is None:
            from sphinx_ptyplan.core.sources.walk import RootListing

            self._listing = RootListing(self.root.resolve(), ignored=self.ignored(""))
        return self._listing

    def index(self, code_roots: tuple[str, ...] = ()) -> CodeIndex:
        """The code index of the root for these code roots (built once per run). Every
        index of the workspace reads the same listing of the root (:meth:`listing`) and
        parses through the same cache as the inventory."""
        if code_roots not in self._indexes:
            from sphinx_ptyplan.core.checks.resolve import CodeIndex

            self._indexes[code_roots] = CodeIndex(
                self.root,
                code_roots=code_roots,
                cache=self.cache,
                ignored=self.ignored(""),
                external=self.external,
                listing=self.listing(),
                avoid=self.avoid_suggestions(),
            )
        return self._indexes[code_roots]

    def avoid_suggestions(self) -> tuple[str, ...]:
        """Root-relative paths that did-you-mean never offers (the Sphinx engine: its build
        output)."""
        return ()

    def source_revision(self) -> str:
        """The source-link revision as a sha when git knows it, else as written."""
        from sphinx_ptyplan.core.sources.gitrepo import GitError

        if self._resolved_source is None:
            rev = self._source_revision
            try:
                self._resolved_source = str(self.repo().fingerprint([rev])[0] or rev)
            except GitError:
                self._resolved_source = rev
        return self._resolved_source

    def close(self) -> None:
        if self._repo is not None:
            self._repo.close()
            self._repo = None
