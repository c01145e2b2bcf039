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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx_ptyplan.core.models import Finding
from sphinx_ptyplan.core.outputs.tables import Table
from sphinx_ptyplan.core.requests import (
    DeltaRequest,
    InventoryRequest,
    ReportsRequest,
    SpecHitsRequest,
)
from sphinx_ptyplan.core.results import Dep
from sphinx_ptyplan.core.settings import Settings
from sphinx_ptyplan.core.workspace import Workspace
from sphinx_ptyplan.sphinx_ext.domain import Cite, Request
from sphinx_ptyplan.sphinx_ext.warnings import FileLine

if TYPE_CHECKING:
    from sphinx_ptyplan.core.results import Job
    from sphinx_ptyplan.core.sources.parsecache import ParseCache

__all__ = ["DepKey", "Located", "Outcome", "Session", "dep_key", "run_cites"]

CACHE_FILE = "ptyplan-parse-cache.pickle"

#: A dependency key as the environment stores it: ``Dep``'s fields as a plain tuple
#: (kind, value, exclude, root), in ``Dep``'s order. Every build loads the environment;
#: tuples of strings cost the garbage collector nothing, a ``Dep`` object each one.
DepKey = tuple[str, str, tuple[str, ...], str]


def dep_key(dep: Dep) -> DepKey:
    """The stored form of ``dep`` (``Dep(*key)`` is the dependency again)."""
    return (dep.kind, dep.value, dep.exclude, dep.root)


@dataclass(frozen=True, slots=True)
class Located:
    """A finding and where Sphinx should report it: ``(docname, line)`` or a file's line."""

    finding: Finding
    location: tuple[str, int] | FileLine
    #: findings with the same ``once`` key are reported once per build (drift git problems)
    once: tuple[str, ...] | None = None
    key: tuple[str, str, str, str] | None = None  # its baseline key (core/baseline.py)

    def sort_key(self) -> tuple[str, int, str, str]:
        loc = self.location
        where = (loc.path, loc.line or 0) if isinstance(loc, FileLine) else loc
        return (*where, self.finding.kind.value, self.finding.message)


@dataclass
class Outcome:
    """What one request or citation produced."""

    tables: tuple[Table, ...] = ()
    findings: list[Located] = field(default_factory=list)
    deps: set[Dep] = field(default_factory=set)
    extra: Any = None  # renderer-specific plain data (e.g. a ptyref's resolved target)


class Session(Workspace):
    """Per-build state for the core: cache, git, index, fingerprints."""

    def __init__(
        self,
        root: Path,
        cfg: Settings,
        cache_dir: Path | None,
        name: str = "",
        *,
        outputs: tuple[Path, ...] = (),
    ) -> None:
        super().__init__(
            root, jobs=cfg.jobs, source_revision=cfg.source_revision, external=cfg.external
        )
        self.name = name
        self._outputs = self._inside_root(outputs)
        self.cfg = cfg
        cache_name = f"ptyplan-parse-cache-{name}.pickle" if name else CACHE_FILE
        self.cache_file = cache_dir / cache_name if cache_dir is not None else None
        self._fp: dict[DepKey, Any] = {}
        self._root_str = str(root)
        self.doc_paths: dict[str, str] = {}  # root-relative document path -> docname
        self._links: Any = None

    # -- resources ---------------------------------------------------------
    def load_cache(self) -> ParseCache:
        """The parse cache, read from the doctree folder on first use: a build that
        parses nothing (a no-change rebuild) never reads it."""
        from sphinx_ptyplan.core.sources.parsecache import ParseCache

        file = self.cache_file
        return ParseCache.load(file) if file is not None else ParseCache()

    def avoid_suggestions(self) -> tuple[str, ...]:
        """Did-you-mean never offers the build's output (the docs' own pages it offers, as
        ``ptyplan check`` does: a page cited under an old name is a citation to mend)."""
        return self._outputs

    def links(self) -> Any:
        """The build's :class:`~sphinx_ptyplan.core.outputs.links.SourceLinks` for this root
        (git is asked once, when the first page is written). ``ptyplan_source_url`` describes
        ``ptyplan_root``; a named root links through its own git remote."""
        if self._links is None:
            from sphinx_ptyplan.core.outputs.links import SourceLinks

            setting = self.cfg.source_url
            if self.name and setting is not False:
                setting = None
            self._links = SourceLinks(setting, self)
        return self._links

    def _inside_root(self, outputs: tuple[Path, ...]) -> tuple[str, ...]:
        rels: list[str] = []
        root = Path(self.root).resolve()
        for out in outputs:
            try:
                rel = Path(out).resolve().relative_to(root).as_posix()
            except (ValueError, OSError):
                continue
            if rel and rel != ".":
                rels.append(rel)
        return tuple(rels)

    def ignored(self, tree: str) -> Any:
        """What a walk of ``tree`` leaves out (scans, the code index, fingerprints): what git
        ignores, and Sphinx's own output and doctree folders (a build writes them, so they
        must not make the next one re-read a page)."""
        git_ignored = super().ignored(tree)
        outs = self._outputs
        if not outs:
            return git_ignored

        def skip(rel: str) -> bool:
            bare = rel.rstrip("/")
            if any(bare == o or bare.startswith(o + "/") for o in outs):
                return True
            return git_ignored is not None and git_ignored(rel)

        return skip

    def _ignore_rules(self, tree: str) -> tuple[Any, ...]:
        """Stat of the files whose rules decide what is ignored in ``tree`` (outside it:
        the .gitignore files inside are part of the tree's own fingerprint)."""
        from sphinx_ptyplan.core.sources.gitrepo import GitError

        try:
            files = self.repo().ignore_files(tree)
        except GitError:  # no git: nothing is ignored, nothing to watch
            return ()
        out: list[Any] = []
        for f in files:
            try:
                st = os.stat(f)
                out.append((f, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
            except OSError:
                out.append((f, None))
        return tuple(out)

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

    def release(self) -> None:
        """Drop what only the check needed, once env-updated has stored every page's
        results: the code indexes, the root listing, the ignore predicates, the parse
        cache (saved first) and git (reopened if a page's code links need it). The pages
        are written after this, and every full garbage collection of the writing walks
        whatever is still alive: at 800 documents there are about 90 of them."""
        self.close()
        self._cache = None
        self._indexes = {}
        self._listing = None
        self._ignored = {}

    # -- fingerprints ------------------------------------------------------
    def fingerprint(self, key: DepKey) -> Any:
        """Cheap current state of one dependency of this root (memoised for this build;
        the memo is keyed by the key as given: its root does not change the state)."""
        if key in self._fp:
            return self._fp[key]
        kind, value, exclude, _root = key
        got: Any
        if kind == "file":
            try:
                st = os.stat(os.path.join(self._root_str, value))
                got = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
            except OSError:
                got = None
        elif kind == "tree":
            from sphinx_ptyplan.core.sources.scan import fingerprint_tree

            got = (
                fingerprint_tree(self.root, value, exclude=exclude, ignored=self.ignored(value)),
                self._ignore_rules(value),
            )
        else:
            from sphinx_ptyplan.core.sources.gitrepo import revision_fingerprints

            got = revision_fingerprints(self.root, [value])[0]
        self._fp[key] = got
        return got

    def fingerprints(self, keys: Iterable[DepKey]) -> dict[DepKey, Any]:
        """Fingerprints of the given stored dependency keys (:func:`dep_key`) that are in
        this root, keyed as given."""
        mine = [k for k in keys if k[3] == self.name]
        revs = [k for k in mine if k[0] == "rev" and k not in self._fp]
        if revs:  # one git process, no GitPython: a no-change rebuild stays cheap
            from sphinx_ptyplan.core.sources.gitrepo import revision_fingerprints

            shas = revision_fingerprints(self.root, [k[1] for k in revs])
            self._fp.update(zip(revs, shas, strict=True))
        return {k: self.fingerprint(k) for k in mine}

    # -- running requests --------------------------------------------------
    def run(self, request: Request) -> Outcome:
        out = Outcome()
        here = (request.docname, request.lineno)
        for f in request.findings:
            out.findings.append(Located(f, here))
        _run_request(self, request, out)
        out.findings = [
            loc for loc in out.findings if loc.finding.kind.value not in request.suppress
        ]
        out.deps = {k.in_root(self.name) for k in out.deps}
        return out

    def run_cites(self, cites: list[Cite], status: Any = None) -> dict[str, Outcome]:
        outcomes = run_cites(self, cites, status)
        for out in outcomes.values():
            out.deps = {k.in_root(self.name) for k in out.deps}
        return outcomes

    # -- locations ---------------------------------------------------------
    def where(self, finding: Finding, fallback: tuple[str, int]) -> tuple[str, int] | FileLine:
        """Sphinx location of a core finding: a page line, a file line, or the directive."""
        if finding.path is None:
            return fallback
        docname = self.doc_paths.get(finding.path)
        if docname is not None:
            return (docname, finding.line or 0)
        return FileLine(str(self.root / finding.path), finding.line)


# -- runners ---------------------------------------------------------------


def _store(session: Session, request: Request, out: Outcome, job: Job) -> None:
    """A job's tables, located findings and dependency keys, into the request's Outcome."""
    here = (request.docname, request.lineno)
    out.tables = job.tables
    out.deps |= job.deps
    for f in job.findings:
        out.findings.append(Located(f, session.where(f, here)))


def _run_request(session: Session, request: Request, out: Outcome) -> None:
    """Run the job of one directive's typed request (none when its options were unusable)."""
    from sphinx_ptyplan.core.jobs import delta_job, inventory_job, reports_job, spec_hits_job

    spec = request.spec
    cfg = session.cfg
    if isinstance(spec, InventoryRequest):
        job = inventory_job(
            session, spec, config_exclude=cfg.exclude, max_file_bytes=cfg.max_file_bytes
        )
    elif isinstance(spec, DeltaRequest):
        job = delta_job(
            session,
            spec,
            config_exclude=cfg.exclude,
            max_file_bytes=cfg.max_file_bytes,
            plan_doc=session.doc_paths.get(spec.plan),
            drafted_by=f"ptyplan-delta on {request.docname}",
            drift=cfg.drift,
        )
    elif isinstance(spec, SpecHitsRequest):
        job = spec_hits_job(session, spec, config_exclude=cfg.exclude, drift=cfg.drift)
    elif isinstance(spec, ReportsRequest):
        prefix = spec.folder + "/"
        docs = {p: d for p, d in session.doc_paths.items() if p.startswith(prefix)}
        job = reports_job(session, spec, docs=docs)
    else:
        return
    _store(session, request, out, job)
    if isinstance(spec, DeltaRequest) and spec.redline == "draft":
        out.extra = job.redline
    elif isinstance(spec, DeltaRequest) and spec.redline:
        out.extra = _latest_redline(session, request, out, spec.redline)


def _latest_redline(session: Session, request: Request, out: Outcome, folder: str) -> Any:
    """``:redline: FOLDER``: the newest report folder under FOLDER that holds a redline."""
    from sphinx_ptyplan.core.jobs import latest_redline

    link, finding = latest_redline(session, folder)
    out.deps.add(Dep.tree(folder))
    if finding is not None:
        out.findings.append(Located(finding, (request.docname, request.lineno)))
    if link is None:
        return None
    return (link, session.doc_paths.get(link))


def _at(docname: str, file: str | None, line: int) -> tuple[str, int] | FileLine:
    """Where a citation finding is reported: the page's line, or the file's line when the
    citing text is an included file (a plan included into the page)."""
    return (docname, line) if file is None else FileLine(file, line)


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
    # plain literals, keyed by (source file, line, text): the resolved (path, line) of each
    # reference in it, and the findings to mark on the page
    literals: dict[str, dict[tuple[str, int, str], Any]] = {"targets": {}, "marks": {}}
    outcomes[""].extra = literals
    by_source: dict[tuple[str, bool], list[Cite]] = {}
    for cite in cites:
        # literals only the doctree holds (another extension made them) are judged apart:
        # their line is a block's or a directive's, so git cannot follow them
        by_source.setdefault((cite.source, cite.context == "generated"), []).append(cite)
        if cite.id:
            outcomes[cite.id] = Outcome()
    for (source, generated), group in by_source.items():
        docname = group[0].docname
        doc_rel = session.rel_source(source)
        inside = doc_rel is not None
        doc_path = doc_rel if doc_rel is not None else source
        own_page = inside and session.doc_paths.get(doc_path) == docname
        # the page's line, or for an included plan the plan file's own line
        file_of = None if own_page or not inside else str(session.root / doc_path)
        drift = bool(session.cfg.drift and inside and not pinned and not generated)
        spans = [(c.text, c.line, "code" if generated else c.context) for c in group]
        report = check_document(session, doc_path, spans, drift=drift)
        if pinned and inside:
            from sphinx_ptyplan.core.sources.gitrepo import GitError

            try:
                repo = session.repo()
            except GitError:
                repo = None
            report = apply_pinned(report, repo, doc_path, session.index(()))
        keys = {  # compared only with a configured baseline (its setting re-reads pages)
            id(f): k
            for f, k in keyed_findings(
                session.root, report, doc_path, content=bool(session.cfg.baseline)
            )
        }
        owner = {(c.line, c.text, spans[k][2]): c.id or "" for k, c in enumerate(group)}
        if git_available(session):  # stories, former folders and drift read the history
            outcomes[""].deps.add(Dep.rev("HEAD"))
            if drift:  # blame of the document: its own edits matter
                outcomes[""].deps.add(Dep.file(doc_path))
        if report.git_problem is not None:
            problem = report.git_problem
            outcomes[""].findings.append(
                Located(
                    problem,
                    (docname, group[0].line),
                    key=key_of(problem, doc_path),
                    once=("drift", problem.code.value),
                )
            )
        for check in report.checks:
            ref, res = check.ref, check.resolution
            key = owner.get((ref.doc_line, ref.span, ref.context), "")
            out = outcomes[key]
            if res.path:
                out.deps.add(Dep.file(res.path))
            elif ref.path and "/" in ref.path.rstrip("/"):
                out.deps.add(Dep.file(ref.path.rstrip("/")))
            else:
                out.deps.add(Dep.tree(""))  # a bare name: any new file may match
            target = None
            if res.status is Status.RESOLVED and res.path:
                target = (res.path, res.line if ref.kind is not RefKind.PATH else None)
            if key:
                if target is not None:
                    out.extra = target
            else:  # a plain literal: remember its target and findings for the page
                spot = (source, ref.doc_line, ref.span)
                literals["targets"].setdefault(spot, []).append(target)
                if check.findings:
                    literals["marks"].setdefault(spot, []).extend(check.findings)
            for f in check.findings:
                where = _at(docname, file_of, f.line or ref.doc_line)
                out.findings.append(Located(f, where, key=keys.get(id(f))))
        for k, f in report.unchecked_roles:
            where = _at(docname, file_of, f.line or group[k].line)
            outcomes[group[k].id or ""].findings.append(
                Located(f, where, key=keys.get(id(f)))
            )
    return outcomes
