"""One build's core work, in the main process: run each request, fingerprint its inputs.

The runners (one per directive: a request -> a core job -> located findings and dependency
keys) and the citation check of a page live here too, next to the Session that calls them.

A :class:`Session` lives from ``builder-inited`` to ``build-finished``; it owns the parse
cache (persisted in the doctree folder), at most one GitRepo and one code index. Results
are plain data (neutral tables, findings with locations) stored in the domain.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx_ptyplan.core.models import Finding, FindingKind
from sphinx_ptyplan.core.outputs.tables import Table
from sphinx_ptyplan.core.workspace import Workspace
from sphinx_ptyplan.sphinx_ext.config import PtyplanConfig
from sphinx_ptyplan.sphinx_ext.domain import Cite, Request

if TYPE_CHECKING:
    from sphinx_ptyplan.core.results import Job

__all__ = ["RUNNERS", "Located", "Outcome", "Session", "run_cites"]

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
        from sphinx_ptyplan.core.sources.parsecache import ParseCache

        if self._cache is None:
            file = self.cache_file
            self._cache = ParseCache.load(file) if file is not None else ParseCache()
        return self._cache

    def index(self, code_roots: tuple[str, ...] = ()) -> Any:
        """The code index of the root for these code roots (one per build, parses on demand
        through the parse cache)."""
        if code_roots not in self._index:
            from sphinx_ptyplan.core.checks.resolve import CodeIndex

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
            from sphinx_ptyplan.core.sources.scan import fingerprint_tree

            value = fingerprint_tree(self.root, str(key[1]), exclude=tuple(key[2]))  # type: ignore[arg-type]
        elif kind == "file":
            try:
                st = os.stat(self.root / str(key[1]))
                value = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
            except OSError:
                value = None
        elif kind == "rev":
            from sphinx_ptyplan.core.sources.gitrepo import revision_fingerprints

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
            from sphinx_ptyplan.core.sources.gitrepo import revision_fingerprints

            shas = revision_fingerprints(self.root, [str(k[1]) for k in revs])
            self._fp.update(zip(revs, shas, strict=True))
        return {k: self.fingerprint(k) for k in keys}

    # -- running requests --------------------------------------------------
    def run(self, request: Request) -> Outcome:
        out = Outcome()
        here = (request.docname, request.lineno)
        for f in request.findings:
            out.findings.append(Located(f, here))
        runner = RUNNERS[request.directive]
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
        try:
            outcomes = run_cites(self, cites, status)
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


# -- runners ---------------------------------------------------------------


def _store(session: Session, request: Request, out: Outcome, job: Job) -> None:
    """A job's tables, located findings and dependency keys, into the request's Outcome."""
    here = (request.docname, request.lineno)
    out.tables = job.tables
    out.deps |= job.deps
    for f in job.findings:
        out.findings.append(Located(f, session.where(f, here)))


def run_inventory(session: Session, request: Request, out: Outcome) -> None:
    from sphinx_ptyplan.core.jobs import inventory_job

    tree = request.opt("tree")
    if tree is None:
        return
    job = inventory_job(
        session,
        tree,
        since=request.opt("since"),
        highlight=request.opt("highlight", ()),
        notebooks=request.opt("notebooks", "informational"),
        assets=request.opt("assets", ()),
        maxdepth=request.opt("maxdepth"),
        include=request.opt("include", ()),
        exclude=request.opt("exclude", ()),
        columns=request.opt("columns", ()),
        tree_format=request.opt("format", "table"),
        config_exclude=session.cfg.exclude,
        max_file_bytes=session.cfg.max_file_bytes,
    )
    _store(session, request, out, job)


def run_delta(session: Session, request: Request, out: Outcome) -> None:
    from sphinx_ptyplan.core.jobs import delta_job

    tree, plan = request.opt("tree"), request.opt("plan")
    if tree is None or plan is None:
        return
    redline = request.opt("redline")
    job = delta_job(
        session,
        tree,
        plan,
        base=request.opt("base"),
        head=request.opt("head"),
        config_exclude=session.cfg.exclude,
        max_file_bytes=session.cfg.max_file_bytes,
        plan_doc=session.doc_paths.get(plan),
        redline=redline == "draft",
        drafted_by=f"ptyplan-delta on {request.docname}",
    )
    _store(session, request, out, job)
    if redline == "draft":
        out.extra = job.redline
    elif redline:
        out.extra = _latest_redline(session, request, out, redline)


def _latest_redline(session: Session, request: Request, out: Outcome, folder: str) -> Any:
    """``:redline: FOLDER``: the newest report folder under FOLDER that holds a redline."""
    from sphinx_ptyplan.core.jobs import latest_redline

    link, finding = latest_redline(session, folder)
    out.deps.add(("tree", folder, ()))
    if finding is not None:
        out.findings.append(Located(finding, (request.docname, request.lineno)))
    if link is None:
        return None
    return (link, session.doc_paths.get(link))


def run_spec_hits(session: Session, request: Request, out: Outcome) -> None:
    from sphinx_ptyplan.core.jobs import spec_hits_job

    spec = request.opt("spec")
    if spec is None:
        return
    job = spec_hits_job(
        session,
        spec,
        trees=request.opt("trees", ()),
        show=request.opt("show", "all"),
        since=request.opt("since"),
        strict=request.opt("strict", False),
        config_exclude=session.cfg.exclude,
    )
    _store(session, request, out, job)


def run_reports(session: Session, request: Request, out: Outcome) -> None:
    from sphinx_ptyplan.core.jobs import reports_job

    folder = request.opt("folder")
    if folder is None:
        return
    initiative = request.opt("initiative")
    prefix = folder + "/"
    job = reports_job(
        session,
        folder,
        title=f"Reports of {initiative}" if initiative else f"Reports in {folder}/",
        limit=request.opt("limit"),
        docs={p: d for p, d in session.doc_paths.items() if p.startswith(prefix)},
    )
    _store(session, request, out, job)


RUNNERS: dict[str, Callable[[Session, Request, Outcome], None]] = {
    "inventory": run_inventory,
    "delta": run_delta,
    "spec-hits": run_spec_hits,
    "reports": run_reports,
}


def _at(docname: str, file: str | None, line: int) -> tuple[str, int] | str:
    """Where a citation finding is reported: the page's line, or ``file:line`` when the
    citing text is an included file (a plan included into the page)."""
    return (docname, line) if file is None else f"{file}:{line}"


def run_cites(session: Session, cites: list[Cite], status: Any = None) -> dict[str, Outcome]:
    """Check the citations of one page: ``ptyref`` roles and (by default) plain literals.

    The rules live in the core (``citations.check_citations``, shared with ``ptyplan
    check``). Returns one Outcome per role id (its ``extra`` is the resolved ``(path,
    line)`` used for the link) and one under ``""`` for the page's plain literals.
    """
    from sphinx_ptyplan.core.checks.baseline import key_of, keyed_findings
    from sphinx_ptyplan.core.checks.status import DocStatus, apply_pinned
    from sphinx_ptyplan.core.jobs import check_document, git_available
    from sphinx_ptyplan.core.models import RefKind, Status

    pinned = status is DocStatus.PINNED
    outcomes: dict[str, Outcome] = {"": Outcome()}
    by_source: dict[str, list[Cite]] = {}
    for cite in cites:
        by_source.setdefault(cite.source, []).append(cite)
        if cite.id:
            outcomes[cite.id] = Outcome()
    for source, group in by_source.items():
        docname = group[0].docname
        doc_rel = session.rel_source(source)
        inside = doc_rel is not None
        doc_path = doc_rel if doc_rel is not None else source
        own_page = inside and session.doc_paths.get(doc_path) == docname
        # the page's line, or for an included plan the plan file's own line
        file_of = None if own_page or not inside else str(session.root / doc_path)
        drift = bool(session.cfg.drift and inside and not pinned)
        spans = [(c.text, c.line, c.context) for c in group]
        report = check_document(session, doc_path, spans, drift=drift)
        if pinned and inside:
            try:
                repo = session.repo()
            except Exception:
                repo = None
            report = apply_pinned(report, repo, doc_path, session.index(()))
        keys = {id(f): k for f, k in keyed_findings(session.root, report, doc_path)}
        owner = {(c.line, c.text, c.context): c.id or "" for c in group}
        if git_available(session):  # stories, former folders and drift read the history
            outcomes[""].deps.add(("rev", "HEAD"))
            if drift:  # blame of the document: its own edits matter
                outcomes[""].deps.add(("file", doc_path))
        if report.git_problem is not None:
            outcomes[""].findings.append(
                Located(
                    report.git_problem,
                    (docname, group[0].line),
                    key_of(report.git_problem, doc_path),
                )
            )
        for check in report.checks:
            ref, res = check.ref, check.resolution
            key = owner.get((ref.doc_line, ref.span, ref.context), "")
            out = outcomes[key]
            if res.path:
                out.deps.add(("file", res.path))
            elif ref.path and "/" in ref.path.rstrip("/"):
                out.deps.add(("file", ref.path.rstrip("/")))
            else:
                out.deps.add(("tree", "", ()))  # a bare name: any new file may match
            if key and res.status is Status.RESOLVED and res.path:
                out.extra = (res.path, res.line if ref.kind is not RefKind.PATH else None)
            for f in check.findings:
                where = _at(docname, file_of, f.line or ref.doc_line)
                out.findings.append(Located(f, where, keys.get(id(f))))
        for k, f in report.unchecked_roles:
            where = _at(docname, file_of, f.line or group[k].line)
            outcomes[group[k].id or ""].findings.append(Located(f, where, keys.get(id(f))))
    return outcomes
