"""Runners: one request -> core calls -> neutral tables and located findings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sphinx_ptyplan.core.models import Finding, FindingKind
from sphinx_ptyplan.core.tables import inventory_table

if TYPE_CHECKING:
    from sphinx_ptyplan.core.models import Inventory
    from sphinx_ptyplan.sphinx_ext.domain import Cite, Request
    from sphinx_ptyplan.sphinx_ext.engine import Outcome, Session

__all__ = ["RUNNERS"]


def _git_finding(exc: Exception, what: str) -> Finding:
    code = getattr(exc, "code", "failed")
    message = getattr(exc, "message", None) or str(exc)
    return Finding(FindingKind.GIT, f"{what}: {message}", code=code)


def _scan(session: Session, request: Request, out: Outcome, tree: str) -> Inventory:
    """Scan a tree for a request; note the dependency and report the scan's findings."""
    from sphinx_ptyplan.core.scan import scan_tree
    from sphinx_ptyplan.sphinx_ext.engine import Located

    here = (request.docname, request.lineno)
    exclude = (*session.cfg.exclude, *request.opt("exclude", ()))
    out.deps.add(("tree", tree, tuple(exclude)))
    inv = scan_tree(
        session.root,
        tree,
        include=request.opt("include", ()),
        exclude=exclude,
        maxdepth=request.opt("maxdepth"),
        notebooks=request.opt("notebooks", "informational"),
        assets=request.opt("assets", ()),
        max_file_bytes=session.cfg.max_file_bytes,
        ignored=session.ignored(tree),
        cache=session.cache,
        jobs=session.jobs,
    )
    for f in inv.findings:
        out.findings.append(Located(f, session.where(f, here)))
    return inv


def run_inventory(session: Session, request: Request, out: Outcome) -> None:
    from sphinx_ptyplan.sphinx_ext.engine import Located

    here = (request.docname, request.lineno)
    tree = request.opt("tree")
    if tree is None:
        return
    inv = _scan(session, request, out, tree)
    since = request.opt("since")
    new = None
    if since:
        out.deps.add(("rev", since))
        out.deps.add(("rev", "HEAD"))
        try:
            new = session.repo().added_since(since, [tree])
        except Exception as exc:
            out.findings.append(Located(_git_finding(exc, f"inventory :since: {since}"), here))
    table = inventory_table(
        inv,
        new=new,
        highlight=request.opt("highlight", ()),
        columns=request.opt("columns", ()),
        since=since,
    )
    if request.opt("format") == "tree":
        from dataclasses import replace

        table = replace(table, classes=(*table.classes, "ptyplan-tree"))
    out.tables = (table,)


def run_delta(session: Session, request: Request, out: Outcome) -> None:
    from sphinx_ptyplan.core.compare import coverage, revision_delta
    from sphinx_ptyplan.core.references import load_document
    from sphinx_ptyplan.core.tables import coverage_tables, delta_table
    from sphinx_ptyplan.sphinx_ext.engine import Located

    here = (request.docname, request.lineno)
    tree, plan = request.opt("tree"), request.opt("plan")
    if tree is None or plan is None:
        return
    inv = _scan(session, request, out, tree)
    if any(f.code in ("outside-root", "missing-path") for f in inv.findings):
        return
    out.deps.add(("file", plan))
    out.deps.add(("rev", "HEAD"))  # the git stories of stale references
    doc = load_document(session.root, plan)
    for f in doc.problems:
        f = _at_directive_if_missing(f)
        out.findings.append(Located(f, session.where(f, here)))
    cov = coverage(inv, doc, story=session.raw_stories)
    for f in cov.findings:  # stale plan references, then problems (e.g. git failing)
        out.findings.append(Located(f, session.where(f, here)))
    tables = coverage_tables(cov, plan_doc=session.doc_paths.get(plan))
    base, head = request.opt("base"), request.opt("head")
    if base:
        snapshot = None
        if base.endswith(".json"):
            snapshot = _load_snapshot(session, base, out, here)
            if snapshot is None:
                out.tables = tables
                return
            out.deps.add(("file", base))
        else:
            out.deps.add(("rev", base))
        if head:
            out.deps.add(("rev", head))
        try:
            repo = session.repo() if snapshot is None else None
        except Exception:
            repo = None  # revision_delta reports why git is unavailable
        delta = revision_delta(
            session.root,
            tree,
            base,
            head,
            repo=repo,
            coverage=cov,
            cache=session.cache,
            snapshot=snapshot,
            inventory=inv,
            max_file_bytes=session.cfg.max_file_bytes,
        )
        for f in delta.findings:
            out.findings.append(Located(f, session.where(f, here)))
        if not (delta.findings and not delta.rows):
            tables = (*tables, delta_table(delta))
    out.tables = tables


def run_spec_hits(session: Session, request: Request, out: Outcome) -> None:
    from sphinx_ptyplan.core.spechits import spec_hits
    from sphinx_ptyplan.core.tables import spechits_tables
    from sphinx_ptyplan.sphinx_ext.engine import Located

    here = (request.docname, request.lineno)
    spec = request.opt("spec")
    if spec is None:
        return
    trees = tuple(request.opt("trees", ()))
    out.deps.add(("file", spec))
    for tree in trees or ("",):
        out.deps.add(("tree", tree, tuple(session.cfg.exclude)))
    out.deps.add(("rev", "HEAD"))
    changed: frozenset[str] = frozenset()
    since = request.opt("since")
    if since:
        out.deps.add(("rev", since))
        try:
            changes = session.repo().changes(since, None, list(trees))
            changed = frozenset(c.path for c in changes if c.status != "D")
        except Exception as exc:
            out.findings.append(Located(_git_finding(exc, f"spec-hits :since: {since}"), here))
    hits = spec_hits(
        session.root,
        spec,
        trees=trees,
        index=session.index(trees),
        changed=changed,
        strict=request.opt("strict", False),
        story=session.story,
    )
    for f in hits.findings:
        f = _at_directive_if_missing(f)
        out.findings.append(Located(f, session.where(f, here)))
    out.tables = spechits_tables(hits, show=request.opt("show", "all"), since=since)


def _at_directive_if_missing(f: Finding) -> Finding:
    """A missing plan/spec is the directive's problem: report it at the directive."""
    if f.code in ("missing-path", "outside-root"):
        from dataclasses import replace

        return replace(f, path=None, line=None)
    return f


def _load_snapshot(
    session: Session, base: str, out: Outcome, here: tuple[str, int]
) -> Inventory | None:
    import json

    from sphinx_ptyplan.core.paths import PathRefused, confine
    from sphinx_ptyplan.core.scan import inventory_from_dict
    from sphinx_ptyplan.sphinx_ext.engine import Located

    try:
        path = confine(session.root, base)
        return inventory_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except PathRefused as exc:
        f = Finding(FindingKind.CONFIG, f"delta :base: {exc}", code="outside-root")
    except FileNotFoundError:
        f = Finding(
            FindingKind.CONFIG,
            f"delta :base: snapshot {base} does not exist "
            "(write one with `ptyplan inventory TREE --json > FILE`)",
            code="missing-path",
        )
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        f = Finding(
            FindingKind.PARSE,
            f"delta :base: snapshot {base} is not a usable inventory snapshot: {exc}",
            code="bad-snapshot",
        )
    out.findings.append(Located(f, here))
    return None


RUNNERS: dict[str, Callable[[Session, Request, Outcome], None]] = {
    "inventory": run_inventory,
    "delta": run_delta,
    "spec-hits": run_spec_hits,
}


def run_cites(session: Session, cites: list[Cite]) -> dict[str, Outcome]:
    """Check the citations of one page: ``ptyref`` roles and (by default) plain literals.

    The rules live in the core (``citations.check_citations``, shared with ``ptyplan
    check``). Returns one Outcome per role id (its ``extra`` is the resolved ``(path,
    line)`` used for the link) and one under ``""`` for the page's plain literals.
    """
    from sphinx_ptyplan.core.citations import check_citations
    from sphinx_ptyplan.core.models import RefKind, Status
    from sphinx_ptyplan.sphinx_ext.engine import Located, Outcome

    index = session.index(())
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
        drift = bool(session.cfg.drift and inside)
        repo = None
        if drift:
            try:
                repo = session.repo()
            except Exception:
                repo = None  # check_citations says once why drift could not run
        spans = [(c.text, c.line, "role" if c.id else "code") for c in group]
        report = check_citations(
            session.root,
            doc_path,
            spans,
            index=index,
            repo=repo,
            drift=drift,
            story=session.story,
        )
        owner = {(c.line, c.text, "role" if c.id else "code"): c.id or "" for c in group}
        if repo is not None:
            outcomes[""].deps.add(("rev", "HEAD"))
            outcomes[""].deps.add(("file", doc_path))
        if report.git_problem is not None:
            outcomes[""].findings.append(Located(report.git_problem, (docname, group[0].line)))
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
                line = f.line or ref.doc_line
                here: tuple[str, int] | str = (
                    (docname, line)
                    if own_page or not inside
                    else f"{session.root / doc_path}:{line}"  # an included plan: its own line
                )
                out.findings.append(Located(f, here))
    return outcomes
