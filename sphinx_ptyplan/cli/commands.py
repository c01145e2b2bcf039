"""The subcommands: inventory, check, fix, delta, spec-hits and report."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx_ptyplan.cli.checking import _documents, _repo_or_none, run_baseline, run_check
from sphinx_ptyplan.cli.context import Command, Context, Result, register
from sphinx_ptyplan.cli.settings import UsageError
from sphinx_ptyplan.core.models import Finding, FindingKind
from sphinx_ptyplan.core.outputs.tables import INVENTORY_COLUMNS, split_list

if TYPE_CHECKING:
    from sphinx_ptyplan.core.results import Job


def _revision(value: str) -> str:
    """A revision option, validated before it can reach git (``-x`` is refused)."""
    from sphinx_ptyplan.core.sources.gitrepo import GitError, validate_revision

    try:
        return validate_revision(value)
    except GitError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _depth(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, not {value!r}")
    return number


def _globs(value: str) -> tuple[str, ...]:
    return split_list(value)


def _kinds(value: str) -> frozenset[str]:
    kinds = frozenset(k.removeprefix("ptyplan.") for k in split_list(value))
    known = {k.value for k in FindingKind}
    unknown = sorted(kinds - known)
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown finding kind {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )
    return kinds


def _columns(value: str) -> tuple[str, ...]:
    cols = split_list(value)
    for c in cols:
        if c not in INVENTORY_COLUMNS:
            raise argparse.ArgumentTypeError(
                f"unknown column {c!r} (known: {', '.join(INVENTORY_COLUMNS)})"
            )
    return cols


# --------------------------------------------------------------------------- inventory


def _row_arguments(p: argparse.ArgumentParser) -> None:
    """Inventory row options shared by ``inventory`` and ``report``."""
    p.add_argument(
        "--highlight",
        metavar="GLOBS",
        type=_globs,
        default=(),
        help="comma-separated globs marking high-impact rows (e.g. 'api/,reassembly_*')",
    )
    p.add_argument(
        "--notebooks",
        choices=("informational", "exclude"),
        default="informational",
        help="list notebooks (path and first heading) or leave them out",
    )
    p.add_argument(
        "--assets",
        metavar="GLOBS",
        type=_globs,
        default=(),
        help="also list other files matching these globs",
    )


def _inventory_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("tree", metavar="TREE", help="folder (or file) to inventory")
    p.add_argument(
        "--since",
        metavar="REV",
        type=_revision,
        help="mark rows added since this git revision (a 'new' column)",
    )
    _row_arguments(p)
    p.add_argument("--maxdepth", metavar="N", type=_depth, help="list rows at most N folders deep")
    p.add_argument(
        "--include", metavar="GLOBS", type=_globs, default=(), help="only list matching paths"
    )
    p.add_argument(
        "--exclude",
        metavar="GLOBS",
        type=_globs,
        default=(),
        help="leave out matching paths (on top of [tool.ptyplan] exclude and the defaults)",
    )
    p.add_argument(
        "--columns",
        metavar="COLS",
        type=_columns,
        default=(),
        help=f"columns to show, of: {', '.join(INVENTORY_COLUMNS)}",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="write the inventory snapshot (JSON, usable later as a delta base) instead",
    )


def _job_result(kind: str, job: Job, meta: dict[str, Any], text: str | None = None) -> Result:
    """A job as a command result; a git failure on a named revision is exit code 2."""
    if job.git_error is not None:
        from sphinx_ptyplan.core.sources.gitrepo import GitError

        raise GitError(job.git_error.code, job.git_error.message)
    return Result(kind, job.tables, tuple(job.findings), text=text, meta=meta)


def run_inventory(ctx: Context, args: argparse.Namespace) -> Result:
    """``ptyplan inventory TREE``: the same table as the ``ptyplan-inventory`` directive."""
    from sphinx_ptyplan.core.jobs import CLI_OPTION, inventory_job
    from sphinx_ptyplan.core.sources.snapshot import inventory_to_dict

    tree = ctx.path(args.tree, "tree")
    job = inventory_job(
        ctx,
        tree,
        since=args.since,
        highlight=args.highlight,
        notebooks=args.notebooks,
        assets=args.assets,
        maxdepth=args.maxdepth,
        include=args.include,
        exclude=args.exclude,
        columns=args.columns,
        config_exclude=ctx.settings.exclude,
        max_file_bytes=ctx.settings.max_file_bytes,
        option=CLI_OPTION,
    )
    text = None
    if args.json and job.inventory is not None:
        text = json.dumps(inventory_to_dict(job.inventory), indent=2, ensure_ascii=False) + "\n"
    return _job_result("inventory", job, {"tree": tree, "since": args.since}, text)


register(
    Command(
        "inventory",
        "module inventory of a tree (packages, modules, notebooks, symbols)",
        _inventory_arguments,
        run_inventory,
        description="Print the module inventory of TREE, the table of the ptyplan-inventory "
        "directive. Options mean the same as the directive's.",
    )
)


def _baseline_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--prune",
        action="store_true",
        help="only drop the entries that match nothing any more (never adds one)",
    )
    p.add_argument(
        "--file",
        metavar="FILE",
        default=None,
        help="the baseline file (default: [tool.ptyplan] baseline, else "
        "ROOT/ptyplan-baseline.json)",
    )
    _check_arguments(p)


def _check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="Markdown/reST documents, or folders to search for them",
    )


def run_fix(ctx: Context, args: argparse.Namespace) -> Result:
    """``ptyplan fix [--check] PATHS``: rewrite citations whose lines moved unchanged."""
    from sphinx_ptyplan.core.checks.fix import fix_document, write_fix
    from sphinx_ptyplan.core.sources.documents import load_document

    index = ctx.index(())
    repo = _repo_or_none(ctx)
    diffs: list[str] = []
    changed: list[str] = []
    problems: list[Finding] = []
    for doc_path in _documents(ctx, args.paths):
        unusable = load_document(ctx.root, doc_path).problems  # binary, not UTF-8, ...
        if unusable:  # the same finding `check` reports; the file is left alone
            problems.extend(unusable)
            continue
        try:
            result = fix_document(ctx.root, doc_path, index=index, repo=repo)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise UsageError(f"cannot fix {doc_path}: {exc}") from None
        if result.changed:
            changed.append(doc_path)
            diffs.append(result.diff)
            if not args.check:
                write_fix(ctx.root, result)
    findings: tuple[Finding, ...] = tuple(problems)
    if args.check and changed:
        findings += tuple(
            Finding(
                FindingKind.DRIFT,
                f"{p}: citations would be rewritten by `ptyplan fix`",
                path=p,
                code="fixable",
            )
            for p in changed
        )
    return Result("fix", (), findings, text="".join(diffs), meta={"changed": changed})


def _fix_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 when a file would change (the diff is printed)",
    )
    _check_arguments(p)


register(
    Command(
        "check",
        "check every citation and reference in documents (exit 1 on findings)",
        _check_arguments,
        run_check,
        description="Run the checks of the docs build (existence, line ranges, symbols, "
        "drift through git) on the inline code of Markdown and reST documents.",
    )
)
register(
    Command(
        "baseline",
        "write today's findings to the baseline file, so check reports only new ones",
        _baseline_arguments,
        run_baseline,
        description="Run the checks of `ptyplan check` and write every finding to the "
        "baseline file (stable order, keyed by document, reference and the cited content, "
        "not by line). With [tool.ptyplan] baseline (or ptyplan_baseline) set, `ptyplan "
        "check` and the docs build report only findings not in it. --prune drops entries "
        "that match nothing any more.",
    )
)
register(
    Command(
        "fix",
        "rewrite drifted citations whose cited lines moved unchanged",
        _fix_arguments,
        run_fix,
        description="Rewrite, in place and atomically, only citations whose lines moved "
        "unchanged (the exact replacements of ptyplan.drift 'moved' findings); print a "
        "unified diff. Everything else in the file stays byte-identical.",
    )
)


# --------------------------------------------------------------------------- delta


def _base(value: str) -> str:
    """``--base``: an inventory snapshot (``*.json``) or a revision (validated)."""
    return value if value.endswith(".json") else _revision(value)


def _base_head_arguments(p: argparse.ArgumentParser, default: str) -> None:
    """``--base`` and ``--head``, shared by ``delta`` and ``report``."""
    p.add_argument(
        "--base",
        metavar="REV|FILE.json",
        type=_base,
        help="a git revision, or an inventory snapshot written by 'ptyplan inventory --json'; "
        + default,
    )
    p.add_argument("--head", metavar="REV", type=_revision, help="default: the working tree")


def _delta_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tree", metavar="PATH", required=True, help="the tree to compare")
    p.add_argument(
        "--plan", metavar="PATH", required=True, help="the plan (Markdown or reST document)"
    )
    _base_head_arguments(p, "without it only the coverage is shown")


def _snapshot_option(ctx: Context, base: str | None) -> str | None:
    if base is not None and base.endswith(".json"):
        return ctx.path(base, "--base snapshot")
    return base


def run_delta(ctx: Context, args: argparse.Namespace) -> Result:
    """``ptyplan delta``: the tables of the ``ptyplan-delta`` directive."""
    from sphinx_ptyplan.core.jobs import CLI_OPTION, delta_job

    tree = ctx.path(args.tree, "tree")
    plan = ctx.path(args.plan, "plan")
    base = _snapshot_option(ctx, args.base)
    job = delta_job(
        ctx,
        tree,
        plan,
        base=base,
        head=args.head,
        config_exclude=ctx.settings.exclude,
        max_file_bytes=ctx.settings.max_file_bytes,
        option=CLI_OPTION,
    )
    meta = {"tree": tree, "plan": plan, "base": base, "head": args.head}
    return _job_result("delta", job, meta)


register(
    Command(
        "delta",
        "plan coverage of a tree, stale plan references, revision delta",
        _delta_arguments,
        run_delta,
        description="Compare TREE with the scope of PLAN (covered / covered by package / "
        "missing, stale plan references with their git story) and, with --base, list the "
        "modules added, removed, renamed and modified since then, with their API changes: the "
        "tables of the ptyplan-delta directive. A git error on --base/--head exits 2.",
    )
)


# --------------------------------------------------------------------------- spec-hits


def _spec_hits_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", metavar="SPEC", help="the spec (Markdown or reST document)")
    p.add_argument(
        "--tree",
        metavar="PATHS",
        type=_globs,
        default=(),
        help="comma-separated code roots the spec describes (default: every package)",
    )
    p.add_argument(
        "--show",
        choices=("all", "problems"),
        default="all",
        help="all rows, or only stale and ambiguous ones",
    )
    p.add_argument(
        "--since", metavar="REV", type=_revision, help="mark touchpoints changed since REV"
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="also report dataclass fields the spec does not list",
    )


def run_spec_hits(ctx: Context, args: argparse.Namespace) -> Result:
    """``ptyplan spec-hits SPEC``: the tables of the ``ptyplan-spec-hits`` directive."""
    from sphinx_ptyplan.core.jobs import CLI_OPTION, spec_hits_job

    spec = ctx.path(args.spec, "spec")
    trees = tuple(ctx.path(t, "tree") for t in args.tree)
    job = spec_hits_job(
        ctx,
        spec,
        trees=trees,
        show=args.show,
        since=args.since,
        strict=args.strict,
        config_exclude=ctx.settings.exclude,
        option=CLI_OPTION,
    )
    return _job_result("spec-hits", job, {"spec": spec, "trees": list(trees), "since": args.since})


register(
    Command(
        "spec-hits",
        "resolve a spec's code references against the tree",
        _spec_hits_arguments,
        run_spec_hits,
        description="Resolve every code reference of SPEC (paths, file:line citations, "
        "dotted names, dataclass field lists) against the code: the tables of the "
        "ptyplan-spec-hits directive. A git error on --since exits 2.",
    )
)


# --------------------------------------------------------------------------- report


def _report_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--initiative",
        metavar="NAME",
        required=True,
        help="initiative name (e.g. INTEGRATE-PYTORCH-000): the report goes to "
        "plans/active/NAME/reports/<UTC timestamp>/",
    )
    p.add_argument("--tree", metavar="PATH", required=True, help="the tree to inventory")
    p.add_argument("--plan", metavar="PATH", required=True, help="the plan to compare with")
    p.add_argument("--spec", metavar="PATH", help="a spec whose code references to resolve")
    p.add_argument(
        "--spec-tree",
        metavar="PATHS",
        type=_globs,
        default=(),
        help="code roots of the spec, like spec-hits --tree (default: every package)",
    )
    p.add_argument(
        "--since",
        metavar="REV",
        type=_revision,
        help="mark modules new since REV; also the default --base",
    )
    _base_head_arguments(p, "default: --since")
    _row_arguments(p)
    p.add_argument(
        "--out",
        metavar="FOLDER",
        help="write the report to FOLDER instead (it must not exist)",
    )
    p.add_argument(
        "--timestamp",
        metavar="TS",
        help="the report's UTC timestamp, like 2025-10-17T030000Z (default: now)",
    )


def run_report(ctx: Context, args: argparse.Namespace) -> Result:
    """``ptyplan report``: a timestamped evidence folder (inventory, delta log, spec hits,
    summary, snapshot), written atomically and never over an existing one."""
    from sphinx_ptyplan.core.jobs import CLI_OPTION, delta_job, inventory_job, spec_hits_job
    from sphinx_ptyplan.core.outputs import reportdir

    try:
        initiative = reportdir.check_initiative(args.initiative)
        stamp = (
            reportdir.check_timestamp(args.timestamp) if args.timestamp else reportdir.timestamp()
        )
    except reportdir.ReportError as exc:
        raise UsageError(str(exc)) from None
    if args.out:
        folder = Path(os.path.abspath(args.out))
    else:
        folder = ctx.root / reportdir.reports_dir(initiative) / stamp
    if os.path.lexists(folder):
        raise UsageError(f"report folder {folder} already exists; nothing written")
    tree = ctx.path(args.tree, "tree")
    plan = ctx.path(args.plan, "plan")
    spec = ctx.path(args.spec, "spec") if args.spec else None
    spec_trees = tuple(ctx.path(t, "tree") for t in args.spec_tree)
    base = _snapshot_option(ctx, args.base or args.since)
    common: dict[str, Any] = {"config_exclude": ctx.settings.exclude, "option": CLI_OPTION}
    size: dict[str, Any] = {"max_file_bytes": ctx.settings.max_file_bytes}
    inv_job = inventory_job(
        ctx,
        tree,
        since=args.since,
        highlight=args.highlight,
        notebooks=args.notebooks,
        assets=args.assets,
        **common,
        **size,
    )
    d_job = delta_job(ctx, tree, plan, base=base, head=args.head, **common, **size)
    s_job = spec_hits_job(ctx, spec, trees=spec_trees, since=args.since, **common) if spec else None
    for job in (inv_job, d_job, s_job):
        if job is not None:
            _job_result("report", job, {})  # a git error on a named revision: exit 2
    options = (
        ("highlight", ",".join(args.highlight)),
        ("notebooks", args.notebooks if args.notebooks != "informational" else ""),
        ("assets", ",".join(args.assets)),
    )
    request = reportdir.ReportRequest(
        initiative,
        stamp,
        tuple(ctx.argv),
        tree,
        plan,
        spec,
        spec_trees,
        args.since,
        base,
        args.head,
        options,
    )
    files = reportdir.compose_report(request, inventory=inv_job, delta=d_job, spec=s_job)
    try:
        reportdir.write_report(folder, files)
    except reportdir.ReportError as exc:
        raise UsageError(str(exc)) from None
    counts = reportdir.summary_counts(files["summary.md"])
    meta = {"folder": folder.as_posix(), "files": list(files), "counts": counts}
    text = None if ctx.format == "json" else f"{folder}\n"
    return Result("report", (), (), text=text, meta=meta)


register(
    Command(
        "report",
        "write a timestamped evidence folder (inventory, delta log, spec hits, summary)",
        _report_arguments,
        run_report,
        description="Write plans/active/INITIATIVE/reports/<UTC timestamp>/ with "
        "module_inventory.md, delta_log.md, spec_hits.md (with --spec), summary.md (headline "
        "counts, new modules, stale plan references, changed-but-unplanned modules) and "
        "inventory.json (a snapshot usable as --base / :base: later); print its path. The "
        "folder is written atomically and never over an existing one (exit 2). Findings are "
        "recorded in the report, not reported: exit 0 once the folder is written.",
    )
)
