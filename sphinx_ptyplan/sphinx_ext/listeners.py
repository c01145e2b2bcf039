"""Event listeners: fingerprints decide re-reads, the core runs once in env-updated, and
every finding is reported on every build (so ``-W`` agrees between clean and incremental)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes

from sphinx_ptyplan.core.models import RefKind
from sphinx_ptyplan.sphinx_ext.config import get_config, root_path
from sphinx_ptyplan.sphinx_ext.domain import Cite, domain_of
from sphinx_ptyplan.sphinx_ext.engine import Session, dep_key
from sphinx_ptyplan.sphinx_ext.nodes import ptyplan_placeholder, ptyplan_ref
from sphinx_ptyplan.sphinx_ext.report import emit_all, page_rows

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

    from sphinx_ptyplan.sphinx_ext.render import Linker, Marker

__all__ = ["setup_listeners"]

_ATTR = "_ptyplan_session"
_MARKS = "marks:"  # results key prefix: the findings of one ptyref role


def session_of(app: Sphinx, name: str | None = None) -> Session:
    """The build's Session for ``ptyplan_root`` (name None) or a named ``ptyplan_roots`` entry."""
    sessions: dict[str, Session] | None = getattr(app, _ATTR, None)
    if sessions is None:
        sessions = {}
        setattr(app, _ATTR, sessions)
    key = name or ""
    if key not in sessions:
        cfg = get_config(app.config)
        sessions[key] = Session(
            root_path(cfg, key),
            cfg,
            Path(app.doctreedir),
            name=key,
            outputs=(Path(app.outdir), Path(app.doctreedir)),
        )
    return sessions[key]


def _read_docs(app: Sphinx) -> set[str]:
    return getattr(app, "_ptyplan_read_docs", set())


def on_before_read(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    app._ptyplan_read_docs = set(docnames)  # type: ignore[attr-defined]


def on_get_outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Re-read exactly the pages whose code, plan, spec or revisions changed."""
    domain = domain_of(env)
    stored: dict[Any, Any] = domain.data["fingerprints"]
    deps: dict[str, tuple[Any, ...]] = domain.data["deps"]
    candidates = {
        d: keys for d, keys in deps.items() if d not in changed and d not in removed and keys
    }
    if not candidates:
        return []
    wanted: set[Any] = set().union(*candidates.values())
    current: dict[Any, Any] = {}
    for name in {k[3] for k in wanted}:
        current.update(session_of(app, name).fingerprints(wanted))
    stale_keys = {k for k in wanted if current.get(k) != stored.get(k, object())}
    return sorted(d for d, keys in candidates.items() if stale_keys.intersection(keys))


def collect_literals(app: Sphinx, doctree: nodes.document) -> None:
    """Record the page's citations with their exact lines (read time, per page).

    The spans come from the same parse as ``ptyplan check`` (core ``document_spans`` of the
    page's source file, included files followed), so both report the same citations at the
    same lines; a ``ptyref`` role keeps its id and takes the line of its span there. A page
    outside the root is parsed the same way from its own source (without includes); pages
    in other formats fall back to the doctree's nodes.
    """
    if not app.config.ptyplan_check_literals:
        return
    env = app.env
    domain = domain_of(env)
    docname = env.docname
    roles = [c for c in domain.data["cites"].get(docname, ()) if c.id]
    literals = [
        node
        for node in doctree.findall(nodes.literal)
        if not _skip_literal(node) and is_literal_citation(node.astext())
    ]
    if not literals and not roles and not _has_file_links(doctree):
        return
    cfg = get_config(app.config)
    root = root_path(cfg)
    source = Path(env.doc2path(docname))
    spans = _core_spans(root, source, Path(env.srcdir))
    if spans is None:  # not Markdown/reST (or unreadable): the doctree's lines
        regions: dict[str, frozenset[int]] = {}
        for node in literals:
            where, line = _source_line(node, env)
            if where not in regions:
                regions[where] = _example_lines(where)
            if line not in regions[where]:  # an example region (ptyplan-ignore): unchecked
                domain.add_cite(Cite(None, docname, where, line, node.astext()))
        return
    pending: dict[tuple[str, str], list[Cite]] = {}  # (file, role text) -> role cites
    for cite in roles:
        pending.setdefault((str(Path(cite.source).resolve()), cite.text.strip()), []).append(cite)
    cites: list[Cite] = []
    for rel, items in spans.items():
        file = str((root / rel).resolve())
        for text, line, context in items:
            if context == "role":
                queue = pending.get((file, text), []) or _by_target(pending, file, text)
                if queue:
                    cite = queue.pop(0)
                    cites.append(Cite(cite.id, docname, file, line, text, "role"))
                continue  # a role that did not become a node (skipped by Sphinx)
            cites.append(Cite(None, docname, file, line, text, context))
    cites.extend(c for queue in pending.values() for c in queue)  # roles the parse missed
    cites.extend(_doctree_only(literals, spans.files, root, docname, env))
    domain.data["cites"][docname] = cites


def _doctree_only(
    literals: list[nodes.literal],
    files: dict[str, Any],
    root: Path,
    docname: str,
    env: BuildEnvironment,
) -> list[Cite]:
    """Literal citations that only the doctree holds: made by another extension (autodoc
    docstrings, generated tables, a directive of another package), not written in the page
    or its included files. Their text appears nowhere in those files, so no literal that
    ``ptyplan check`` sees is reported twice. They are located where docutils puts the node
    (its block or directive line) and never followed through git (context ``generated``)."""
    texts = []
    for rel in files:
        try:
            texts.append((root / rel).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    out = []
    for node in literals:
        text = node.astext()
        if any(text in t for t in texts):
            continue
        where, line = _source_line(node, env)
        out.append(Cite(None, docname, where, line, text, "generated"))
    return out


def _has_file_links(doctree: nodes.document) -> bool:
    """True when the page links somewhere that is neither a URL nor an anchor (a relative
    link to a file is checked like a citation)."""
    from sphinx import addnodes

    for node in doctree.findall(lambda n: isinstance(n, (nodes.reference, addnodes.pending_xref))):
        target = str(node.get("refuri") or node.get("reftarget") or "")
        if target and not target.startswith("#") and ":" not in target.split("/", 1)[0]:
            return True
    return False


def _by_target(pending: dict[tuple[str, str], list[Cite]], file: str, target: str) -> list[Cite]:
    """Role cites of ``file`` whose written text (``Title <target>``, ``~a.b``) has ``target``."""
    from sphinx_ptyplan.core.sources.classify import _role_target

    for (f, text), queue in pending.items():
        if f == file and queue and _role_target(text) == target:
            return queue
    return []


def _core_spans(root: Path, source: Path, srcdir: Path) -> Any:
    """The core's spans of a page (``DocumentSpans``), or None when the core cannot say."""
    from sphinx_ptyplan.core.sources.docspans import document_spans

    if source.suffix.lower() not in (".md", ".markdown", ".rst", ".rest", ".txt"):
        return None
    try:
        rel = source.resolve().relative_to(root).as_posix()
        src = srcdir.resolve().relative_to(root).as_posix()
    except (ValueError, OSError):
        return _outside_spans(source)
    return document_spans(root, rel, srcdir="" if src == "." else src)


def _outside_spans(source: Path) -> Any:
    """A page outside the root (docs of a tool whose ``ptyplan_root`` is an example): the
    same one parse of its own source gives its spans exact lines; includes are not
    followed (their nodes keep the doctree's lines). None when it cannot be read."""
    from sphinx_ptyplan.core.sources.docspans import DocumentSpans, text_spans

    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if "include}" in text or "include::" in text:
        return None  # included files' lines: the doctree's, as before
    spans, problems = text_spans(text, source.name)
    return DocumentSpans(str(source), {str(source.resolve()): spans}, problems)


def _example_lines(source: str) -> frozenset[int]:
    """Lines of ``ptyplan-ignore`` regions of a source file (read once per page)."""
    from sphinx_ptyplan.core.sources.docspans import ignored_lines

    try:
        text = Path(source).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    return ignored_lines(text)


_CITATION_KINDS = frozenset({RefKind.PATH, RefKind.CITATION, RefKind.PATH_SYMBOL})


def is_literal_citation(text: str) -> bool:
    """Plain literals are checked only when they cite a file (path, path:line, path:symbol);
    dotted names in running text are too often prose about other libraries."""
    from sphinx_ptyplan.core.sources.classify import classify

    return any(c.kind in _CITATION_KINDS and not c.external for c in classify(text))


def _skip_literal(node: nodes.Element) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, (nodes.literal_block, nodes.raw, ptyplan_ref, nodes.comment)):
            return True
        if isinstance(parent, nodes.reference) and parent.get("refuri", "").startswith(
            ("http://", "https://", "ftp://", "mailto:")
        ):
            return True
        parent = parent.parent
    return False


def _source_line(node: nodes.Node, env: BuildEnvironment) -> tuple[str, int]:
    """File and line of an inline node: the nearest ancestor-or-self that knows each
    (inline nodes often carry neither; an included file's nodes carry its own path)."""
    line = source = None
    n: nodes.Node | None = node
    while n is not None and (line is None or source is None):
        line = line if line is not None else n.line
        source = source or n.source
        n = n.parent
    return str(source or env.doc2path(env.docname)), int(line or 0)


def on_env_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Run the core for every page read in this build; report every page's findings."""
    domain = domain_of(env)
    read = sorted(_read_docs(app) & env.all_docs.keys())
    checked = [
        d for d in read if domain.data["requests"].get(d) or domain.data["cites"].get(d)
    ]
    for docname in read:
        if docname not in checked:  # nothing to check on it (any more)
            for name in ("results", "findings", "warnings", "deps"):
                domain.data[name].pop(docname, None)
    if checked:
        _check_pages(app, env, checked)
    # A page's citations are kept only until they are checked: a page is checked only
    # in the build that reads it, and the environment every build loads stays small.
    for docname in read:
        domain.data["cites"].pop(docname, None)
    # Every build reports every page's findings, read this time or not (Sphinx issue 725).
    emit_all(session_of(app), env, domain.data, _page_suppressions(env))
    if checked:  # the pages are written with the check's state gone
        for session in (getattr(app, _ATTR, None) or {}).values():
            session.release()
    return []


def _check_pages(app: Sphinx, env: BuildEnvironment, checked: list[str]) -> None:
    """Run the directives' jobs and the citation checks of the pages read in this build
    (``checked``: those with any), and store their results, findings and dependency keys."""
    from sphinx_ptyplan.core.checks.status import DocStatus

    domain = domain_of(env)
    session = session_of(app)
    session.doc_paths = _doc_paths(env, session.root)
    statuses = _statuses(env, session, checked)
    _prefetch(session, domain, checked, statuses)
    stored: dict[Any, Any] = domain.data["fingerprints"]
    canon: dict[Any, Any] = {k: k for k in stored}  # one object per key in the pickle
    for docname in checked:
        requests = domain.data["requests"].get(docname, ())
        cites = domain.data["cites"].get(docname, ())
        results: dict[str, Any] = {}
        findings: list[Any] = []
        deps: set[Any] = set()
        for request in requests:
            runner = session_of(app, request.root)
            if not runner.doc_paths:
                runner.doc_paths = _doc_paths(env, runner.root)
            outcome = runner.run(request)
            results[request.id] = (outcome.tables, outcome.extra)
            findings.extend(outcome.findings)
            deps |= outcome.deps
        status = statuses.get(docname, DocStatus.LIVE)
        if cites and status is not DocStatus.ARCHIVED:
            for cite_id, outcome in session.run_cites(list(cites), status).items():
                results[cite_id] = (outcome.tables, outcome.extra)
                if cite_id:  # a role's own findings, to mark it on the page
                    marks = tuple(located.finding for located in outcome.findings)
                    results[_MARKS + cite_id] = ((), marks)
                findings.extend(outcome.findings)
                deps |= outcome.deps
        # pickled on its own: the environment is loaded by every build, the tables of a page
        # are needed only when the page is written (a 2,000-row inventory is ~1 MB)
        domain.data["results"][docname] = pickle.dumps(results, pickle.HIGHEST_PROTOCOL)
        located = tuple(sorted(findings, key=lambda x: x.sort_key()))
        # the typed findings are read back only for a baseline; every build reports the rows
        domain.data["findings"][docname] = pickle.dumps(located, pickle.HIGHEST_PROTOCOL)
        domain.data["warnings"][docname] = page_rows(located)
        keys = [dep_key(k) for k in deps]
        domain.data["deps"][docname] = tuple(sorted(canon.setdefault(k, k) for k in keys))
        for name in {k.root for k in deps}:
            for k, v in session_of(app, name).fingerprints(keys).items():
                stored[canon.setdefault(k, k)] = v
    # fingerprints of keys no page depends on any more are dropped
    used = {k for keys in domain.data["deps"].values() for k in keys}
    if len(used) < len(stored):
        for k in [k for k in stored if k not in used]:
            del stored[k]


def _statuses(env: BuildEnvironment, session: Session, docnames: list[str]) -> dict[str, Any]:
    """The status of each of ``docnames``: its own ``ptyplan:`` metadata, else
    ``ptyplan_status``."""
    from sphinx_ptyplan.core.checks.status import status_of

    out: dict[str, Any] = {}
    rules = session.cfg.status
    for docname in docnames:
        meta = env.metadata.get(docname, {})
        declared = meta.get("ptyplan")
        try:
            rel = Path(env.doc2path(docname)).resolve().relative_to(session.root).as_posix()
        except ValueError:
            rel = docname
        out[docname] = status_of(rel, None, rules, None if declared is None else str(declared))[0]
    return out


def _prefetch(
    session: Session, domain: Any, read: list[str], statuses: dict[str, Any]
) -> None:
    """The git work of all pages read in this build, batched before they are checked."""
    from sphinx_ptyplan.core.checks.status import DocStatus
    from sphinx_ptyplan.core.jobs import prefetch_drift

    live: list[tuple[str, list[tuple[str, int, str]]]] = []
    pinned: list[tuple[str, list[tuple[str, int, str]]]] = []
    docs: list[str] = []
    for docname in sorted(read):
        cites = domain.data["cites"].get(docname, ())
        status = statuses.get(docname, DocStatus.LIVE)
        if not cites or status is DocStatus.ARCHIVED:
            continue
        by_source: dict[str, list[tuple[str, int, str]]] = {}
        for c in cites:
            by_source.setdefault(c.source, []).append((c.text, c.line, "role" if c.id else "code"))
        for source, spans in by_source.items():
            rel = session.rel_source(source)
            if rel is None:
                continue
            docs.append(rel)
            if status is DocStatus.LIVE:
                live.append((rel, spans))
            elif status is DocStatus.PINNED:
                pinned.append((rel, spans))
    if len(docs) > 1:
        prefetch_drift(session, live if session.cfg.drift else [], docs, pinned)


def _page_suppressions(env: BuildEnvironment) -> dict[str, frozenset[str]]:
    """``ptyplan-suppress: drift, stale`` in a page's metadata (MyST front matter or a reST
    field list at the top) silences those subtypes for findings located on that page."""
    from sphinx_ptyplan.core.checks.status import page_suppressions

    out = {}
    for docname, meta in env.metadata.items():
        value = meta.get("ptyplan-suppress")
        if value:
            out[docname] = page_suppressions(value)
    return out


def _doc_paths(env: BuildEnvironment, root: Path) -> dict[str, str]:
    """Root-relative POSIX source path -> docname, for locating findings on pages."""
    out = {}
    for docname in env.found_docs:
        try:
            rel = Path(env.doc2path(docname)).resolve().relative_to(root)
        except ValueError:
            continue
        out[rel.as_posix()] = docname
    return out


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    # imported when a page is written (a build that writes none never needs them)
    from sphinx_ptyplan.core.outputs.redline import Redline
    from sphinx_ptyplan.sphinx_ext.render import (
        Linker,
        Marker,
        add_notes,
        render_redline,
        render_redline_link,
        render_tables,
    )

    domain = domain_of(app.env)
    stored = domain.data["results"].get(docname)
    results: dict[str, Any] = pickle.loads(stored) if stored else {}  # written by us above
    session = session_of(app)
    linker = Linker(app.builder, docname, session.links())
    marker = Marker(linker.html) if session.cfg.mark_problems else None
    # One walk of the page finds the three kinds of nodes (each is replaced below; what
    # replaces them holds none of them)
    literal_nodes: list[nodes.literal] = []
    placeholders: list[ptyplan_placeholder] = []
    refs: list[ptyplan_ref] = []
    for node in doctree.findall():
        if isinstance(node, nodes.literal):
            literal_nodes.append(node)
        elif isinstance(node, ptyplan_placeholder):
            placeholders.append(node)
        elif isinstance(node, ptyplan_ref):
            refs.append(node)
    # Plain literals first: the tables rendered below hold literals of their own.
    _, literals = results.get("", ((), None))
    if literals:
        _link_and_mark_literals(app, literal_nodes, literals, linker, marker)
    for node in placeholders:
        tables, extra = results.get(node["request_id"], ((), None))
        root = node.get("root")
        node_linker = (
            Linker(app.builder, docname, session_of(app, root).links()) if root else linker
        )
        new = render_tables(tables, node_linker)
        if isinstance(extra, Redline):
            new.append(render_redline(extra))
        elif node["directive"] == "delta" and isinstance(extra, tuple):
            new.append(render_redline_link(extra[0], extra[1], node_linker))
        if not new:
            new = [
                nodes.paragraph(
                    "", f"(ptyplan-{node['directive']}: nothing to show; see the build warnings)"
                )
            ]
        node.replace_self(new)
    for node in refs:
        _tables, target = results.get(node["cite_id"], ((), None))
        text = node.astext()
        literal = linker.code(text)
        literal["classes"].append("ptyref")
        ref = linker.code_link(*target) if target else None
        new_node: nodes.Element = literal
        if ref is not None:
            ref += literal
            new_node = ref
        node.replace_self(new_node)
        _, found = results.get(_MARKS + node["cite_id"], ((), ()))
        if marker is not None and found:
            marker.mark(new_node, text, found)
    if marker is not None:
        add_notes(doctree, marker)


def _link_and_mark_literals(
    app: Sphinx,
    literal_nodes: list[nodes.literal],
    literals: dict[str, dict[tuple[str, int, str], Any]],
    linker: Linker,
    marker: Marker | None,
) -> None:
    """Link each plain literal citation that resolved; mark each one with a finding.

    Marks do not follow ``suppress_warnings`` or ``ptyplan-suppress``: like the tables,
    which show suppressed rows, the page shows what is wrong; suppression keeps the log
    (and ``-W``) quiet. ``ptyplan_mark_problems = False`` turns the marks off."""
    targets, marks = literals.get("targets", {}), literals.get("marks", {})
    if not targets and not marks:
        return
    # The checks know each citation's exact line (from the core's parse of the file); a
    # literal node knows only its paragraph's. So the citations of one file with one text
    # are matched to the literal nodes of that file and text in page order.
    queues: dict[tuple[str, str], list[tuple[str, int, str]]] = {}
    real: dict[str, str] = {}  # a page's literals share a few files: resolve each once
    for key in sorted({*targets, *marks}, key=lambda k: (k[0], k[1])):
        queues.setdefault((_resolved(key[0], real), key[2]), []).append(key)
    env = app.env
    for node in literal_nodes:  # the page's literals, in page order
        if _skip_literal(node) or isinstance(node.parent, nodes.reference):
            continue
        text = node.astext()
        queue = queues.get((_resolved(_source_line(node, env)[0], real), text))
        if not queue:
            continue
        key = queue.pop(0)
        found = marks.get(key, ())
        if found or key in targets:  # a checked citation: a long path may wrap after "/"
            linker.breakable(node, text)
        if marker is not None and found:
            marker.mark(node, text, found)
            continue
        got = targets.get(key)
        if marks.get(key) or not got or len(got) != 1 or got[0] is None:
            continue  # a problem, several references in one literal, or nothing resolved
        ref = linker.code_link(*got[0])
        if ref is not None:
            node.replace_self(ref)
            ref += node


def _resolved(path: str, memo: dict[str, str]) -> str:
    """``path`` with its symlinks resolved (``memo``: the answers of this page)."""
    got = memo.get(path)
    if got is None:
        try:
            got = str(Path(path).resolve())
        except (OSError, RuntimeError):
            got = path
        memo[path] = got
    return got


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    sessions: dict[str, Session] | None = getattr(app, _ATTR, None)
    for session in (sessions or {}).values():
        session.close()
    setattr(app, _ATTR, None)


def count_lines_as_git(app: Sphinx, docname: str, source: list[str]) -> None:
    """``source-read``/``include-read``: a lone CR (MyST), or NEL, U+2028 and the other
    breaks docutils splits at (reST), become spaces, so node lines are git's lines (drift
    is blamed and reported at the line git knows)."""
    from sphinx_ptyplan.core.sources.documents import git_lines

    path = str(app.env.doc2path(docname, False)) if docname in app.env.found_docs else docname
    fmt = "md" if path.endswith((".md", ".markdown")) else "rst"
    source[0] = git_lines(source[0], fmt)


def _count_included_lines_as_git(
    app: Sphinx, relative_path: Path, parent_docname: str, content: list[str]
) -> None:
    from sphinx_ptyplan.core.sources.documents import git_lines

    fmt = "md" if str(relative_path).endswith((".md", ".markdown")) else "rst"
    content[0] = git_lines(content[0], fmt)


def setup_listeners(app: Sphinx) -> None:
    app.connect("source-read", count_lines_as_git)
    if "include-read" in app.events.events:
        app.connect("include-read", _count_included_lines_as_git)
    app.connect("env-before-read-docs", on_before_read)
    app.connect("env-get-outdated", on_get_outdated)
    app.connect("doctree-read", collect_literals)
    app.connect("env-updated", on_env_updated)
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("build-finished", on_build_finished)
