"""Runners: one request -> core calls -> neutral tables and located findings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sphinx_ptyplan.core.jobs import Job
    from sphinx_ptyplan.sphinx_ext.domain import Cite, Request
    from sphinx_ptyplan.sphinx_ext.engine import Outcome, Session

__all__ = ["RUNNERS"]


def _store(session: Session, request: Request, out: Outcome, job: Job) -> None:
    """A job's tables, located findings and dependency keys, into the request's Outcome."""
    from sphinx_ptyplan.sphinx_ext.engine import Located

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
    job = delta_job(
        session,
        tree,
        plan,
        base=request.opt("base"),
        head=request.opt("head"),
        config_exclude=session.cfg.exclude,
        max_file_bytes=session.cfg.max_file_bytes,
        plan_doc=session.doc_paths.get(plan),
    )
    _store(session, request, out, job)


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
    from sphinx_ptyplan.core.baseline import key_of, keyed_findings
    from sphinx_ptyplan.core.jobs import check_document, git_available
    from sphinx_ptyplan.core.models import RefKind, Status
    from sphinx_ptyplan.core.status import DocStatus, apply_pinned
    from sphinx_ptyplan.sphinx_ext.engine import Located, Outcome

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
        spans = [(c.text, c.line, "role" if c.id else "code") for c in group]
        report = check_document(session, doc_path, spans, drift=drift)
        if pinned and inside:
            try:
                repo = session.repo()
            except Exception:
                repo = None
            report = apply_pinned(report, repo, doc_path, session.index(()))
        keys = {id(f): k for f, k in keyed_findings(session.root, report, doc_path)}
        owner = {(c.line, c.text, "role" if c.id else "code"): c.id or "" for c in group}
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
