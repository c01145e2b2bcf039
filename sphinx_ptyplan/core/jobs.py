"""The core-call sequence behind each directive and command: run once, shared by both.

A *job* takes plain option values (the directive's options or the command's arguments, same
names and meanings), calls the core (scan, compare, spec hits) and returns neutral tables,
findings and the dependency keys it read. The Sphinx layer locates and warns the findings
and stores the keys for ``env-get-outdated``; the command line formats the tables and sets
its exit code. A finding with ``path=None`` is about the request itself (the directive's
line, or the command line).

Git failures on an *explicitly named* revision (``since``, ``base``, ``head``) are both a
``GIT`` finding and :attr:`Job.git_error`: the docs build warns (``ptyplan.git``) and goes
on; the command line stops with exit code 2.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sphinx_ptyplan.core.models import (
    Finding,
    FindingCode,
    FindingKind,
    Inventory,
    PathStory,
    Reference,
)
from sphinx_ptyplan.core.outputs.tables import Table
from sphinx_ptyplan.core.requests import (
    DeltaRequest,
    InventoryRequest,
    ReportsRequest,
    SpecHitsRequest,
)
from sphinx_ptyplan.core.results import Dep, Job
from sphinx_ptyplan.core.sources.gitrepo import GitError

if TYPE_CHECKING:
    from sphinx_ptyplan.core.checks.citations import CitationReport
    from sphinx_ptyplan.core.checks.coverage import Coverage
    from sphinx_ptyplan.core.checks.resolve import CodeIndex
    from sphinx_ptyplan.core.outputs.redline import Redline
    from sphinx_ptyplan.core.sources.docmodel import Span
    from sphinx_ptyplan.core.sources.gitrepo import GitRepo
    from sphinx_ptyplan.core.sources.parsecache import ParseCache
    from sphinx_ptyplan.core.sources.walk import RootListing

__all__ = [
    "CLI_OPTION",
    "DIRECTIVE_OPTION",
    "Host",
    "check_document",
    "delta_job",
    "former_packages",
    "former_tops",
    "git_available",
    "git_finding",
    "inventory_job",
    "path_stories",
    "prefetch_drift",
    "reports_job",
    "spec_hits_job",
]

#: How option names are written in messages: ``:since:`` in documents, ``--since`` in a shell.
DIRECTIVE_OPTION = ":{}:"
CLI_OPTION = "--{}"


class Host(Protocol):
    """What a job needs from its caller (the Sphinx Session or the CLI Context)."""

    root: Path

    @property
    def cache(self) -> ParseCache: ...

    def repo(self) -> GitRepo: ...

    def git_available(self) -> bool: ...

    def ignored(self, tree: str) -> Callable[[str], bool] | None: ...

    @property
    def jobs(self) -> int: ...

    def index(self, code_roots: tuple[str, ...] = ()) -> CodeIndex: ...

    def listing(self) -> RootListing: ...


def git_finding(exc: GitError, what: str) -> Finding:
    """A ``GIT`` finding for a failed git call about ``what`` (e.g. ``delta :base: v1``)."""
    return Finding(FindingKind.GIT, f"{what}: {exc.message}", code=exc.code)


def missing_object_findings(host: Host) -> list[Finding]:
    """One ``GIT`` finding per object a git read had to skip (a partial or damaged clone):
    the rest of the history was read without it. Never opens git itself."""
    repo = getattr(host, "_repo", None)
    missing = getattr(repo, "missing_objects", None) or {}
    return [
        Finding(
            FindingKind.GIT,
            f"object {oid} is missing from this repository (a partial or damaged clone); "
            f"the history was read without it, so a move from or to {path or 'that file'} "
            "is not seen",
            code=FindingCode.MISSING_OBJECT,
            subject=path or oid,
        )
        for oid, path in sorted(missing.items())
    ]


def path_stories(host: Host, paths: Sequence[str]) -> dict[str, PathStory]:
    """``GitRepo.path_stories`` (one ``git log`` for all paths), ``never`` for paths never in
    the history (``stories.told_stories``), or ``{}`` without git."""
    from sphinx_ptyplan.core.checks.stories import told_stories

    try:
        return told_stories(host.repo(), host.root, paths)
    except GitError:
        return {}


#: At most this many commits are searched for the history of a spec's names.
MAX_HISTORY_COMMITS = 40


def name_history(
    host: Host, doc: str, asked: Sequence[tuple[int, str]], trees: Sequence[str] = ()
) -> dict[tuple[int, str], tuple[str, str, int]]:
    """Where each ``(line, name)`` of ``doc`` was defined in the commit that wrote the line
    (one blame of the document, one ``git grep`` per such commit, at most
    :data:`MAX_HISTORY_COMMITS`); ``{}`` without git."""
    try:
        repo = host.repo()
        shas = repo.blame(doc)
        by_sha: dict[str, list[tuple[int, str]]] = {}
        for line, name in asked:
            sha = shas[line - 1] if 0 < line <= len(shas) else None
            if sha:
                by_sha.setdefault(sha, []).append((line, name))
        out: dict[tuple[int, str], tuple[str, str, int]] = {}
        for sha in sorted(by_sha)[:MAX_HISTORY_COMMITS]:
            items = by_sha[sha]
            found = repo.defined_at(sha, [n for _l, n in items], trees)
            for line, name in items:
                if name in found:
                    out[(line, name)] = (sha, *found[name])
        return out
    except GitError:
        return {}


def former_tops(host: Host) -> frozenset[str]:
    """``GitRepo.former_top_folders`` (from the same cached log), or nothing without git."""
    try:
        return frozenset(host.repo().former_top_folders())
    except GitError:
        return frozenset()


def former_packages(host: Host) -> frozenset[str]:
    """``GitRepo.former_top_packages`` (the former folders that held modules), or nothing."""
    try:
        return frozenset(host.repo().former_top_packages())
    except GitError:
        return frozenset()


def git_available(host: Host) -> bool:
    """Whether the root is in a git work tree that can be opened."""
    return host.git_available()


def check_document(
    host: Host,
    doc_path: str,
    spans: Sequence[tuple[str, int, str] | Span],
    *,
    drift: bool,
    every_kind: bool = False,
    references: Sequence[Reference] | None = None,
) -> CitationReport:
    """The one judge on one document's inline spans ``(text, line, context)``, the same for
    ``ptyplan check``, the docs build and (with ``every_kind``, every reference of a plan)
    plan coverage: stories of vanished paths and former top-level folders come from git
    whenever there is git; line drift only when ``drift``.
    """
    from sphinx_ptyplan.core.checks.citations import check_citations

    repo = None
    if drift:
        try:
            repo = host.repo()
        except GitError:
            repo = None  # check_citations says once why drift could not run
    report = check_citations(
        host.root,
        doc_path,
        spans,
        index=host.index(()),
        repo=repo,
        drift=drift,
        story=lambda paths: path_stories(host, paths),
        former_tops=lambda: former_tops(host),
        former_packages=lambda: former_packages(host),
        every_kind=every_kind,
        references=references,
    )
    missing = missing_object_findings(host)
    if missing and report.git_problem is None:  # stories were read around a missing object
        report = replace(report, git_problem=missing[0])
    return report


def prefetch_drift(
    host: Host,
    live: Sequence[tuple[str, Sequence[tuple[str, int, str]]]],
    docs: Sequence[str],
    pinned: Sequence[tuple[str, Sequence[tuple[str, int, str]]]] = (),
) -> None:
    """Batch the git work of many documents before they are checked one by one: ONE
    ``git log`` tells which documents were written in a single commit (their blame needs
    no ``git blame``); the documents of ``live`` with line citations are blamed, and the
    line maps of every cited file are read with one ``git diff`` per blamed commit for
    all documents together. The per-document checks then find it all in the GitRepo's
    caches. ``pinned`` is accepted for the callers' sake: the pinned check
    (``status.apply_pinned``) reads only what its wrong references cited, at their commit,
    pipelined per document (reading every file any pinned plan cites was 16,744 blobs on
    the benchmark's corpus, for about 1,600 asked). Never raises: without git the checks
    say why drift was not run."""
    from .models import RefKind
    from .sources.classify import classify
    from .sources.gitrepo import GitError

    try:
        repo = host.repo()
    except GitError:
        return
    try:
        repo.prime_blames(list(docs))
        if repo.is_shallow:
            return  # the per-document check handles the boundary commits
        per_commit: dict[str, set[str]] = {}
        for doc, spans in live:
            cited: dict[int, set[str]] = {}
            for text, line, _context in spans:
                if ":" not in text and "#L" not in text:
                    continue
                for c in classify(text):
                    if c.kind is RefKind.CITATION and c.path and "/" in c.path and not c.external:
                        clean = "/".join(p for p in c.path.strip("/").split("/") if p != ".")
                        cited.setdefault(line, set()).add(clean)
            if not cited:
                continue
            blame = repo.blame(doc)
            for line, paths in cited.items():
                sha = blame[line - 1] if 0 < line <= len(blame) else None
                if sha is not None:
                    per_commit.setdefault(sha, set()).update(paths)
        for sha, paths in per_commit.items():
            repo.line_maps(sha, sorted(paths))
        # whether each cited file was there before the commit (asked of documents written
        # at once, whose citations may be older than that commit): one exchange for all
        repo.prefetch_existed([(sha, p) for sha, paths in per_commit.items() for p in paths])
    except GitError:
        return


def at_request_if_missing(f: Finding) -> Finding:
    """A missing plan/spec is the request's problem: report it at the directive/command."""
    if f.code in (FindingCode.MISSING_PATH, FindingCode.OUTSIDE_ROOT):
        return replace(f, path=None, line=None)
    return f


def scan(
    host: Host,
    job: Job,
    tree: str,
    *,
    config_exclude: Sequence[str] = (),
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    maxdepth: int | None = None,
    notebooks: str = "informational",
    assets: Sequence[str] = (),
    max_file_bytes: int = 5_000_000,
) -> Inventory:
    """Scan a tree for a job: note the dependency, keep the scan's findings."""
    from sphinx_ptyplan.core.sources.scan import scan_tree

    all_exclude = (*config_exclude, *exclude)
    job.deps.add(Dep.tree(tree, tuple(all_exclude)))
    inv = scan_tree(
        host.root,
        tree,
        include=include,
        exclude=all_exclude,
        maxdepth=maxdepth,
        notebooks=notebooks,
        assets=assets,
        max_file_bytes=max_file_bytes,
        cache=host.cache,
        jobs=host.jobs,
        listing=host.listing(),
    )
    job.findings.extend(inv.findings)
    job.inventory = inv
    return inv


def inventory_job(
    host: Host,
    request: InventoryRequest,
    *,
    config_exclude: Sequence[str] = (),
    max_file_bytes: int = 5_000_000,
    option: str = DIRECTIVE_OPTION,
) -> Job:
    """``ptyplan-inventory`` / ``ptyplan inventory``: the inventory table of a tree."""
    from sphinx_ptyplan.core.outputs.tables import inventory_table

    tree, since, highlight = request.tree, request.since, request.highlight
    notebooks, assets, maxdepth = request.notebooks, request.assets, request.maxdepth
    include, exclude, columns = request.include, request.exclude, request.columns
    tree_format = request.format
    job = Job()
    inv = scan(
        host,
        job,
        tree,
        config_exclude=config_exclude,
        include=include,
        exclude=exclude,
        maxdepth=maxdepth,
        notebooks=notebooks,
        assets=assets,
        max_file_bytes=max_file_bytes,
    )
    if since:
        job.deps.update({Dep.rev(since), Dep.rev("HEAD")})
        try:
            job.new = host.repo().added_since(since, [tree])
        except GitError as exc:
            job.git_failed(git_finding(exc, f"inventory {option.format('since')} {since}"))
        job.findings.extend(missing_object_findings(host))
    table = inventory_table(inv, new=job.new, highlight=highlight, columns=columns, since=since)
    if tree_format == "tree":
        table = replace(table, classes=(*table.classes, "ptyplan-tree"))
    job.tables = (table,)
    return job


def _load_snapshot(host: Host, base: str, job: Job, option: str) -> Inventory | None:
    from sphinx_ptyplan.core.paths import PathRefused, confine
    from sphinx_ptyplan.core.sources.snapshot import inventory_from_dict

    name = f"delta {option.format('base')}"
    try:
        path = confine(host.root, base)
        return inventory_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except PathRefused as exc:
        f = Finding(FindingKind.CONFIG, f"{name} {exc}", code=FindingCode.OUTSIDE_ROOT)
    except FileNotFoundError:
        f = Finding(
            FindingKind.CONFIG,
            f"{name} snapshot {base} does not exist "
            "(write one with `ptyplan inventory TREE --json > FILE`)",
            code=FindingCode.MISSING_PATH,
        )
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        f = Finding(
            FindingKind.PARSE,
            f"{name} snapshot {base} is not a usable inventory snapshot: {exc}",
            code=FindingCode.BAD_SNAPSHOT,
        )
    job.findings.append(f)
    return None


def delta_job(
    host: Host,
    request: DeltaRequest,
    *,
    config_exclude: Sequence[str] = (),
    max_file_bytes: int = 5_000_000,
    plan_doc: str | None = None,
    option: str = DIRECTIVE_OPTION,
    drafted_by: str = "",
    drift: bool = True,
) -> Job:
    """``ptyplan-delta`` / ``ptyplan delta``: plan coverage, stale plan references and,
    with ``base`` (a revision or an inventory snapshot ``*.json``), the revision delta.

    The plan's references are judged by :func:`check_document` (``every_kind``), so a
    reference gets the same verdict here as from ``ptyplan check`` and the docs build's
    literal check (``drift`` as there). ``plan_doc`` is the docname of the plan when it is
    a page of the docs (section links).
    With ``request.redline == "draft"``, :attr:`Job.redline` is the plan redrafted as the
    audit says
    (``core/outputs/redline.py``; ``drafted_by`` names the command or directive in its header).
    """
    from sphinx_ptyplan.core.checks.coverage import coverage
    from sphinx_ptyplan.core.checks.delta import revision_delta
    from sphinx_ptyplan.core.outputs.tables import coverage_tables, delta_table
    from sphinx_ptyplan.core.sources.documents import load_document

    tree, plan, base, head = request.tree, request.plan, request.base, request.head
    redline = request.redline == "draft"
    job = Job()
    inv = scan(host, job, tree, config_exclude=config_exclude, max_file_bytes=max_file_bytes)
    if any(f.code in (FindingCode.OUTSIDE_ROOT, FindingCode.MISSING_PATH) for f in inv.findings):
        return job
    job.deps.update({Dep.file(plan), Dep.rev("HEAD")})  # HEAD: the stories of stale refs
    doc = load_document(host.root, plan)
    job.findings.extend(at_request_if_missing(f) for f in doc.problems)
    cov: Coverage | None = None
    tables: tuple[Table, ...] = ()
    if not doc.problems:  # an unusable plan (missing, binary, ...) covers nothing: no table
        judged = check_document(
            host, plan, doc.spans, drift=drift, every_kind=True, references=doc.references
        )
        cov = coverage(inv, judged.checks, plan=plan)
        job.coverage = cov
        job.findings.extend(cov.findings)  # stale plan references, then problems
        tables = coverage_tables(cov, plan_doc=plan_doc)
    if base:
        snapshot = None
        if base.endswith(".json"):
            snapshot = _load_snapshot(host, base, job, option)
            if snapshot is None:
                job.tables = tables
                return job
            job.deps.add(Dep.file(base))
        else:
            job.deps.add(Dep.rev(base))
        if head:
            job.deps.add(Dep.rev(head))
        try:
            repo = host.repo() if snapshot is None else None
        except GitError:
            repo = None  # revision_delta reports why git is unavailable
        delta = revision_delta(
            host.root,
            tree,
            base,
            head,
            repo=repo,
            coverage=cov,
            cache=host.cache,
            snapshot=snapshot,
            inventory=inv,
            max_file_bytes=max_file_bytes,
        )
        job.delta = delta
        for f in delta.findings:
            # a missing object degrades one row's API column: a warning, not a failed call
            if f.kind is FindingKind.GIT and f.code is not FindingCode.MISSING_OBJECT:
                job.git_failed(f)
            else:
                job.findings.append(f)
        job.findings.extend(missing_object_findings(host))
        if not (delta.findings and not delta.rows):
            tables = (*tables, delta_table(delta))
    job.tables = tables
    if redline and cov is not None:
        job.redline = _redline(host, job, doc, tree, base, head, drafted_by)
    return job


def _redline(
    host: Host,
    job: Job,
    doc: Any,
    tree: str,
    base: str | None,
    head: str | None,
    by: str,
) -> Redline | None:
    """The redline of the delta job's plan (its text read again: the parse keeps none)."""
    from sphinx_ptyplan.core.outputs.redline import Drafted, compose_redline
    from sphinx_ptyplan.core.paths import PathRefused, confine

    assert job.coverage is not None
    try:
        text = confine(host.root, doc.path).read_bytes().decode("utf-8")
    except (PathRefused, OSError, UnicodeDecodeError):
        return None  # load_document could read it a moment ago; nothing to draft now
    head_sha = None
    try:
        head_sha = host.repo().resolve("HEAD")
    except GitError:
        head_sha = None  # no git: the header names the working tree only
    delta = job.delta
    drafted = Drafted(
        tree=tree,
        head_sha=head_sha,
        base=base,
        base_sha=delta.base_sha if delta is not None else None,
        head=head,
        by=by,
    )
    return compose_redline(text, doc, job.coverage, delta=delta, drafted=drafted)


def spec_hits_job(
    host: Host,
    request: SpecHitsRequest,
    *,
    config_exclude: Sequence[str] = (),
    option: str = DIRECTIVE_OPTION,
    drift: bool = True,
) -> Job:
    """``ptyplan-spec-hits`` / ``ptyplan spec-hits``: a spec's code references, judged as
    ``ptyplan check`` judges them (stories, former folders, and ``drift`` when git is there).

    ``prefer``: modules or folders that decide, for the whole page, which of several
    definitions a bare name means (``:module:``/``:prefer:``, ``--prefer``)."""
    from sphinx_ptyplan.core.checks.spechits import spec_hits
    from sphinx_ptyplan.core.outputs.tables import spechits_tables

    spec, trees, show = request.spec, request.trees, request.show
    since, strict = request.since, request.strict
    job = Job()
    job.deps.add(Dep.file(spec))
    for tree in trees or ("",):
        job.deps.add(Dep.tree(tree, tuple(config_exclude)))
    job.deps.add(Dep.rev("HEAD"))
    changed: frozenset[str] = frozenset()
    unread: str | None = None  # why the changes since ``since`` could not be read
    repo = None
    if drift:
        try:
            repo = host.repo()
        except GitError:
            repo = None  # no drift without git (the stories say nothing either)
    if since:
        job.deps.add(Dep.rev(since))
        try:
            changes = host.repo().changes(since, None, list(trees))
            changed = frozenset(c.path for c in changes if c.status != "D")
        except GitError as exc:
            failed = git_finding(exc, f"spec-hits {option.format('since')} {since}")
            unread = failed.message
            job.git_failed(failed)
        job.findings.extend(missing_object_findings(host))
    hits = spec_hits(
        host.root,
        spec,
        trees=trees,
        index=host.index(trees),
        changed=changed,
        strict=strict,
        story=lambda paths: path_stories(host, paths),
        repo=repo,
        drift=drift and repo is not None,
        former_tops=lambda: former_tops(host),
        former_packages=lambda: former_packages(host),
        prefer=request.prefer,
        history=lambda asked: name_history(host, spec, asked, trees),
    )
    job.hits = hits
    job.findings.extend(at_request_if_missing(f) for f in hits.findings)
    job.tables = spechits_tables(hits, show=show, since=since, unread=unread)
    return job


def latest_redline(host: Host, folder: str) -> tuple[str | None, Finding | None]:
    """The root-relative path of the newest ``plan_redline.md`` in the report folders under
    ``folder`` (newest first), or why there is none (a ``CONFIG`` finding)."""
    from sphinx_ptyplan.core.outputs.redline import REDLINE_FILE
    from sphinx_ptyplan.core.outputs.reportdir import list_reports
    from sphinx_ptyplan.core.paths import PathRefused

    try:
        entries = list_reports(host.root, folder)
    except PathRefused as exc:
        return None, Finding(
            FindingKind.CONFIG, f"redline: {folder}: {exc}", code=FindingCode.OUTSIDE_ROOT
        )
    for entry in entries:
        if REDLINE_FILE in entry.artefacts:
            return f"{entry.path}/{REDLINE_FILE}", None
    return None, Finding(
        FindingKind.CONFIG,
        f"redline: no report folder under {folder}/ holds a {REDLINE_FILE} "
        "(write one with `ptyplan report ... --redline`)",
        code=FindingCode.MISSING_PATH,
    )


def reports_job(
    host: Host,
    request: ReportsRequest,
    *,
    docs: Mapping[str, str] | None = None,
) -> Job:
    """``ptyplan-reports``: the ledger of the report folders under ``folder``, newest first.

    The whole folder is a dependency, so a new report folder makes the page outdated.
    ``docs`` maps root-relative paths of pages of the docs to their docnames (links).
    """
    from sphinx_ptyplan.core.outputs.reportdir import list_reports, reports_table
    from sphinx_ptyplan.core.paths import PathRefused

    folder, limit, initiative = request.folder, request.limit, request.initiative
    title = f"Reports of {initiative}" if initiative else f"Reports in {folder}/"
    job = Job()
    try:
        entries = list_reports(host.root, folder)
    except PathRefused as exc:
        job.findings.append(
            Finding(FindingKind.CONFIG, f"reports: {folder}: {exc}", code=FindingCode.OUTSIDE_ROOT)
        )
        return job
    job.deps.add(Dep.tree(folder))
    table = reports_table(entries, folder=folder, title=title, docs=docs)
    if limit and len(entries) > limit:
        table = replace(
            table, rows=table.rows[:limit], summary=f"{table.summary} (showing the newest {limit})"
        )
    job.tables = (table,)
    return job
