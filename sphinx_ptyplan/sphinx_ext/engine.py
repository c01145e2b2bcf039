"""One build's core work, in the main process: run each request, fingerprint its inputs.

A :class:`Session` lives from ``builder-inited`` to ``build-finished``; it owns the parse
cache (persisted in the doctree folder), at most one GitRepo and one code index. Results
are plain data (neutral tables, findings with locations) stored in the domain.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sphinx_ptyplan.core.models import Finding, FindingKind
from sphinx_ptyplan.core.tables import Table
from sphinx_ptyplan.core.workspace import Workspace
from sphinx_ptyplan.sphinx_ext.config import PtyplanConfig
from sphinx_ptyplan.sphinx_ext.domain import Cite, Request

__all__ = ["Located", "Outcome", "Session"]

CACHE_FILE = "ptyplan-parse-cache.pickle"

DepKey = tuple[Hashable, ...]


@dataclass(frozen=True, slots=True)
class Located:
    """A finding and where Sphinx should report it: ``(docname, line)`` or ``"path:line"``."""

    finding: Finding
    location: tuple[str, int] | str
    key: tuple[str, str, str, str] | None = None  # its baseline key (core/baseline.py)

    def sort_key(self) -> tuple[str, int, str, str]:
        loc = self.location
        if isinstance(loc, tuple):
            return (loc[0], loc[1], self.finding.kind.value, self.finding.message)
        path, _, line = loc.rpartition(":")
        return (
            path or loc,
            int(line) if line.isdigit() else 0,
            self.finding.kind.value,
            self.finding.message,
        )


@dataclass
class Outcome:
    """What one request or citation produced."""

    tables: tuple[Table, ...] = ()
    findings: list[Located] = field(default_factory=list)
    deps: set[DepKey] = field(default_factory=set)
    extra: Any = None  # renderer-specific plain data (e.g. a ptyref's resolved target)


class Session(Workspace):
    """Per-build state for the core: cache, git, index, fingerprints."""

    def __init__(
        self, root: Path, cfg: PtyplanConfig, cache_dir: Path | None, name: str = ""
    ) -> None:
        super().__init__(root, jobs=cfg.jobs, source_revision=cfg.source_revision)
        self.name = name
        self.cfg = cfg
        cache_name = f"ptyplan-parse-cache-{name}.pickle" if name else CACHE_FILE
        self.cache_file = cache_dir / cache_name if cache_dir is not None else None
        self._cache: Any = None  # a ParseCache once used
        self._index: dict[tuple[str, ...], Any] = {}
        self._fp: dict[DepKey, Any] = {}
        self.doc_paths: dict[str, str] = {}  # root-relative document path -> docname

    # -- resources ---------------------------------------------------------
    @property
    def cache(self) -> Any:
        """The parse cache, read from the doctree folder on first use: a build that
        parses nothing (a no-change rebuild) never reads it."""
        from sphinx_ptyplan.core.scan import ParseCache

        if self._cache is None:
            file = self.cache_file
            self._cache = ParseCache.load(file) if file is not None else ParseCache()
        return self._cache

    def index(self, code_roots: tuple[str, ...] = ()) -> Any:
        """The code index of the root for these code roots (one per build, parses on demand
        through the parse cache)."""
        if code_roots not in self._index:
            from sphinx_ptyplan.core.resolve import CodeIndex

            self._index[code_roots] = CodeIndex(
                self.root,
                code_roots=code_roots,
                cache=self.cache,
                ignored=self.ignored(""),
                external=self.cfg.external,
            )
        return self._index[code_roots]

    def rel_source(self, source: str) -> str | None:
        """Root-relative POSIX path of a document file, None when outside the root."""
        try:
            return Path(source).resolve().relative_to(self.root).as_posix()
        except (ValueError, OSError):
            return None

    def close(self) -> None:
        super().close()
        if self.cache_file is not None and self._cache is not None:  # never read: unchanged
            with contextlib.suppress(OSError):  # the cache is only an optimisation
                self._cache.save(self.cache_file)

    # -- fingerprints ------------------------------------------------------
    def fingerprint(self, key: DepKey) -> Any:
        """Cheap current state of one dependency (memoised for this build)."""
        if key in self._fp:
            return self._fp[key]
        kind = key[0]
        value: Any
        if kind == "tree":
            from sphinx_ptyplan.core.scan import fingerprint_tree

            value = fingerprint_tree(self.root, str(key[1]), exclude=tuple(key[2]))  # type: ignore[arg-type]
        elif kind == "file":
            try:
                st = os.stat(self.root / str(key[1]))
                value = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
            except OSError:
                value = None
        elif kind == "rev":
            from sphinx_ptyplan.core.gitrepo import revision_fingerprints

            value = revision_fingerprints(self.root, [str(key[1])])[0]
        else:
            value = None
        self._fp[key] = value
        return value

    def fingerprints(self, keys: set[DepKey]) -> dict[DepKey, Any]:
        """Fingerprints of dependency keys as stored in the domain: ``(root name, kind, …)``."""
        plain = {k[1:] for k in keys if k[0] == self.name}
        return {(self.name, *k): v for k, v in self._fingerprints(plain).items()}

    def _fingerprints(self, keys: set[DepKey]) -> dict[DepKey, Any]:
        revs = [k for k in keys if k[0] == "rev" and k not in self._fp]
        if revs:  # one git process, no GitPython: a no-change rebuild stays cheap
            from sphinx_ptyplan.core.gitrepo import revision_fingerprints

            shas = revision_fingerprints(self.root, [str(k[1]) for k in revs])
            self._fp.update(zip(revs, shas, strict=True))
        return {k: self.fingerprint(k) for k in keys}

    # -- running requests --------------------------------------------------
    def run(self, request: Request) -> Outcome:
        from sphinx_ptyplan.sphinx_ext import compute

        out = Outcome()
        here = (request.docname, request.lineno)
        for f in request.findings:
            out.findings.append(Located(f, here))
        runner = compute.RUNNERS[request.directive]
        try:
            runner(self, request, out)
        except Exception as exc:  # a bug must not take the page (or the build) down
            out.findings.append(
                Located(
                    Finding(
                        FindingKind.CONFIG,
                        f"{request.directive}: internal error {type(exc).__name__}: {exc} "
                        "(please report this)",
                        code="internal-error",
                    ),
                    here,
                )
            )
        out.findings = [
            loc for loc in out.findings if loc.finding.kind.value not in request.suppress
        ]
        out.deps = {(self.name, *k) for k in out.deps}
        return out

    def run_cites(self, cites: list[Cite], status: Any = None) -> dict[str, Outcome]:
        from sphinx_ptyplan.sphinx_ext import compute

        try:
            outcomes = compute.run_cites(self, cites, status)
        except Exception as exc:  # a bug must not take the build down
            first = cites[0]
            outcomes = {
                "": Outcome(
                    findings=[
                        Located(
                            Finding(
                                FindingKind.CONFIG,
                                "citation check failed: internal error "
                                f"{type(exc).__name__}: {exc} (please report this)",
                                code="internal-error",
                            ),
                            (first.docname, first.line),
                        )
                    ]
                )
            }
        for out in outcomes.values():
            out.deps = {(self.name, *k) for k in out.deps}
        return outcomes

    # -- locations ---------------------------------------------------------
    def where(self, finding: Finding, fallback: tuple[str, int]) -> tuple[str, int] | str:
        """Sphinx location of a core finding: a page line, a file line, or the directive."""
        if finding.path is None:
            return fallback
        docname = self.doc_paths.get(finding.path)
        if docname is not None:
            return (docname, finding.line or 0)
        path = self.root / finding.path
        # Sphinx reads a location string without ":" as a docname (and appends ".rst");
        # "path:" is what Sphinx itself prints for a node with a source and no line.
        return f"{path}:{finding.line}" if finding.line else f"{path}:"
