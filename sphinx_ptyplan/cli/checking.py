"""``ptyplan check`` and ``ptyplan baseline``: statuses, one read per document, batched
git, baseline keys (issue 16)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sphinx_ptyplan.cli.context import Context, Result
from sphinx_ptyplan.cli.output import write_atomic
from sphinx_ptyplan.cli.settings import UsageError
from sphinx_ptyplan.core.models import Finding

__all__ = ["run_baseline", "run_check"]


_DOC_SUFFIXES = (".md", ".markdown", ".rst", ".txt")


def _documents(ctx: Context, paths: Sequence[str]) -> list[str]:
    """Root-relative Markdown/reST documents named by PATHS (folders are searched)."""
    from sphinx_ptyplan.core.outputs.reportdir import is_report_folder
    from sphinx_ptyplan.core.outputs.tables import matches_any
    from sphinx_ptyplan.core.paths import confine
    from sphinx_ptyplan.core.sources.walk import DEFAULT_EXCLUDES

    found: list[str] = []
    for value in paths:
        rel = ctx.path(value, "document")
        target = confine(ctx.root, rel) if rel else ctx.root
        if target.is_file():
            found.append(rel)
            continue
        if not target.is_dir():  # a FIFO, socket or device: reading it could block
            raise UsageError(f"document {value!r} is not a regular file or folder")
        for dirpath, dirnames, filenames in os.walk(target):
            # Report folders (reports/<timestamp>/) are evidence of a past state: they are
            # checked only when named explicitly.
            in_reports = os.path.basename(dirpath) == "reports"
            dirnames[:] = sorted(
                d
                for d in dirnames
                if not matches_any(d, DEFAULT_EXCLUDES) and not (in_reports and is_report_folder(d))
            )
            base = Path(dirpath)
            for name in sorted(filenames):
                if name.endswith(_DOC_SUFFIXES[:3]):
                    found.append((base / name).relative_to(ctx.root).as_posix())
    return list(dict.fromkeys(found))


def _repo_or_none(ctx: Context) -> Any:
    from sphinx_ptyplan.core.sources.gitrepo import GitError

    try:
        return ctx.repo()
    except GitError:
        return None  # check_citations / fix_document say why drift could not run


def _check_keyed(
    ctx: Context, paths: Sequence[str], *, content: bool = True
) -> tuple[list[Any], dict[str, Any]]:
    """The checks of ``ptyplan check`` on the documents under PATHS, each finding with its
    baseline key (the cited content's digest only with ``content``); and the run's facts
    (documents, statuses)."""
    from sphinx_ptyplan.core.checks.baseline import key_of, keyed_findings
    from sphinx_ptyplan.core.checks.status import (
        DocStatus,
        apply_pinned,
        declared,
        page_suppressions,
        prefetch_pinned,
        start_pinned,
        status_of,
    )
    from sphinx_ptyplan.core.checks.stories import prefetch_ignored
    from sphinx_ptyplan.core.jobs import check_document, prefetch_drift
    from sphinx_ptyplan.core.sources.docspans import document_spans
    from sphinx_ptyplan.core.sources.documents import read_document

    keyed: list[Any] = []
    git_problem: Finding | None = None
    docs = _documents(ctx, paths)
    statuses: dict[str, int] = {s.value: 0 for s in DocStatus}
    loaded: list[tuple[str, list[tuple[str, int, str]], DocStatus]] = []
    # ``ptyplan-suppress`` of a page: as in the docs build, the findings located on it
    silenced: dict[str, frozenset[str]] = {}
    for doc_path in docs:  # each document read and parsed once
        text, problem = read_document(ctx.root, doc_path)
        if text is None:
            if problem is not None:
                keyed.append((problem, key_of(problem, doc_path)))
            continue
        silenced[doc_path] = page_suppressions(declared(text, "ptyplan-suppress"))
        status, _why = status_of(doc_path, text, ctx.settings.status)
        statuses[status.value] += 1
        if status is DocStatus.ARCHIVED:
            continue
        # the same spans at the same lines as the docs build: included files followed
        doc = document_spans(ctx.root, doc_path, text=text)
        keyed.extend((p, key_of(p, doc_path)) for p in doc.problems)
        loaded.extend((path, spans, status) for path, spans in doc.items())
    repo = _repo_or_none(ctx)
    live = [(d, sp) for d, sp, st in loaded if st is DocStatus.LIVE]
    # the names each module will be asked for: one parse of a module for all of them
    ctx.index(()).expect_symbols(text for _d, spans, _st in loaded for text, _l, _c in spans)
    if repo is not None and loaded:  # is a missing path ignored? one exchange for all
        prefetch_ignored(repo, ctx.index(()), (t for _d, sp, _s in loaded for t, _l, _c in sp))
    # one run: HEAD is read once for all documents
    with repo.one_run() if repo is not None else contextlib.nullcontext():
        if repo is not None and loaded:
            pinned = [(d, sp) for d, sp, st in loaded if st is DocStatus.PINNED]
            prefetch_drift(
                ctx, live if ctx.settings.drift else [], [d for d, _s, _t in loaded], pinned
            )
        reports = []
        for doc_path, spans, status in loaded:
            drift = ctx.settings.drift and status is DocStatus.LIVE
            report = check_document(ctx, doc_path, spans, drift=drift)
            if status is DocStatus.PINNED:
                start_pinned(report, repo, doc_path)  # git blames while the next are checked
            reports.append(report)
        pinned_reports = [
            (r, d)
            for r, (d, _sp, st) in zip(reports, loaded, strict=True)
            if st is DocStatus.PINNED
        ]
        prefetch_pinned(pinned_reports, repo, ctx.index(()))
        for (doc_path, _spans, status), report in zip(loaded, reports, strict=True):
            if status is DocStatus.PINNED:
                report = apply_pinned(report, repo, doc_path, ctx.index(()))
            keyed.extend(keyed_findings(ctx.root, report, doc_path, content=content))
            git_problem = git_problem or report.git_problem
    if git_problem is not None:
        keyed.append((git_problem, key_of(git_problem)))  # once per run, as in the docs build
    # one reference, one verdict: a line that cites the same thing twice gives one finding,
    # as the docs build reports it; a page's ptyplan-suppress drops the findings located on it
    seen: set[Finding] = set()
    once: list[Any] = []
    for f, k in keyed:
        if f in seen or (f.path is not None and f.kind.value in silenced.get(f.path, ())):
            continue
        seen.add(f)
        once.append((f, k))
    return once, {"documents": docs, "statuses": statuses}


def _baseline_path(ctx: Context, given: str | None = None) -> Path:
    from sphinx_ptyplan.core.checks.baseline import BASELINE_FILE

    value = given or ctx.settings.baseline or BASELINE_FILE
    path = Path(value)
    if not path.is_absolute():
        base = Path.cwd() if given else ctx.root
        path = base / path
    return path


def run_check(ctx: Context, args: argparse.Namespace) -> Result:
    """``ptyplan check PATHS``: the docs build's citation and drift checks on documents."""
    from sphinx_ptyplan.core.checks.baseline import Baseline

    keyed, meta = _check_keyed(ctx, args.paths, content=bool(ctx.settings.baseline))
    findings = [f for f, _k in keyed]
    if ctx.settings.baseline:
        path = _baseline_path(ctx)
        try:
            baseline = Baseline.load(path)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        got = baseline.filter(keyed)
        findings = got.new
        meta["baselined"] = got.baselined
        meta["prunable"] = len(got.prunable)
        note = f"ptyplan: {got.baselined} finding(s) baselined in {path.name}"
        if got.prunable:
            note += (
                f"; {len(got.prunable)} baseline entr{'y' if len(got.prunable) == 1 else 'ies'}"
                " match nothing any more (`ptyplan baseline --prune` drops them)"
            )
        print(note, file=sys.stderr)
    return Result("check", (), tuple(findings), meta=meta)


def run_baseline(ctx: Context, args: argparse.Namespace) -> Result:
    """``ptyplan baseline [--prune] PATHS``: write today's findings as the accepted ones."""
    from sphinx_ptyplan.core.checks.baseline import Baseline

    keyed, meta = _check_keyed(ctx, args.paths)
    path = _baseline_path(ctx, args.file)
    if args.prune:
        try:
            old = Baseline.load(path)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        new = old.pruned(keyed)
        what = f"pruned {len(old) - len(new)} entr{'y' if len(old) - len(new) == 1 else 'ies'}"
    else:
        new = Baseline.of(keyed)
        what = f"{len(new)} finding(s) written"
    write_atomic(path, new.dumps())
    meta.update({"baseline": str(path), "entries": len(new)})
    return Result("baseline", (), (), text=f"ptyplan baseline: {what} to {path}\n", meta=meta)


