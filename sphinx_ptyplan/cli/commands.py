"""The subcommands: inventory, check, fix, delta, spec-hits and report."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from sphinx_ptyplan.cli.checking import _documents, _repo_or_none, run_baseline, run_check
from sphinx_ptyplan.cli.context import Command, Context, Result, register
from sphinx_ptyplan.cli.options import add_option, typed
from sphinx_ptyplan.cli.settings import UsageError
from sphinx_ptyplan.core.models import Finding, FindingCode, FindingKind
from sphinx_ptyplan.core.oneline import json_text
from sphinx_ptyplan.core.outputs.tables import INVENTORY_COLUMNS
from sphinx_ptyplan.core.requests import (
    LAYOUT,
    NOTEBOOKS,
    SHOW,
    DeltaRequest,
    InventoryRequest,
    SpecHitsRequest,
    parse_columns,
    parse_count,
    parse_globs,
    parse_revision,
)

if TYPE_CHECKING:
    from sphinx_ptyplan.core.results import Job


_typed = typed
_revision = _typed(parse_revision)
_depth = _typed(parse_count)
_globs = _typed(parse_globs)
_columns = _typed(parse_columns)


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
        choices=NOTEBOOKS,
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
    add_option(p, LAYOUT, default="table")
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


def inventory_request(ctx: Context, args: argparse.Namespace) -> InventoryRequest:
    """The request ``ptyplan-inventory`` builds from the same options."""
    return InventoryRequest(
        ctx.path(args.tree, "tree"),
        since=args.since,
        highlight=args.highlight,
        notebooks=args.notebooks,
        assets=args.assets,
        maxdepth=args.maxdepth,
        include=args.include,
        exclude=args.exclude,
        columns=args.columns,
        format=args.layout,
    )


def run_inventory(ctx: Context, args: argparse.Namespace) -> Result:
    """``ptyplan inventory TREE``: the same table as the ``ptyplan-inventory`` directive."""
    from sphinx_ptyplan.core.jobs import CLI_OPTION, inventory_job
    from sphinx_ptyplan.core.sources.snapshot import inventory_to_dict

    request = inventory_request(ctx, args)
    tree = request.tree
    job = inventory_job(
        ctx,
        request,
        config_exclude=ctx.settings.exclude,
        max_file_bytes=ctx.settings.max_file_bytes,
        option=CLI_OPTION,
    )
    text = None
    if args.json and job.inventory is not None:
        text = json_text(inventory_to_dict(job.inventory))
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
    from sphinx_ptyplan.core.checks.fix import DocumentChanged, fix_document, write_fix
    from sphinx_ptyplan.core.sources.documents import load_document

    index = ctx.index(())
    repo = _repo_or_none(ctx)
    diffs: list[str] = []
    changed: list[str] = []
    problems: list[Finding] = []
    rewrites: list[Finding] = []
    refused: list[str] = []
    held: list[str] = []
    for doc_path in _documents(ctx, args.paths):
        unusable = load_document(ctx.root, doc_path).problems  # binary, not UTF-8, ...
        if unusable:  # the same finding `check` reports; the file is left alone
            problems.extend(unusable)
            continue
        if not args.pinned and _status(ctx, doc_path) != "live":
            held.append(doc_path)  # a record of its day (pinned) or not checked (archived)
            continue
        try:
            result = fix_document(
                ctx.root,
                doc_path,
                index=index,
                repo=repo,
                renames=args.renames,
                qualify=args.qualify,
            )
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise UsageError(f"cannot fix {doc_path}: {exc}") from None
        if result.changed:
            changed.append(doc_path)
            diffs.append(result.diff)
            rewrites.extend(result.rewrites)
        if not args.check:
            try:
                write_fix(ctx.root, result)  # also removes temp files of a killed run
            except DocumentChanged as exc:
                refused.append(str(exc))
    if refused:
        raise UsageError("; ".join(refused))
    findings: tuple[Finding, ...] = tuple(problems)
    if args.check and changed:
        findings += tuple(rewrites)  # the judge's finding behind each rewrite
        findings += tuple(
            Finding(
                FindingKind.DRIFT,
                f"{p}: citations would be rewritten by `ptyplan fix`",
                path=p,
                code=FindingCode.FIXABLE,
            )
            for p in changed
        )
    if held:
        print(
            f"ptyplan fix: {len(held)} pinned or archived document(s) left as written "
            "(--pinned rewrites them too)",
            file=sys.stderr,
        )
    diff = "".join(diffs)
    meta = {"changed": changed, "held": held}
    if ctx.format in ("json", "sarif"):  # a machine-readable document; the diff goes in meta
        return Result("fix", (), findings, meta={**meta, "diff": diff})
    return Result("fix", (), findings, text=diff, meta=meta)


def _status(ctx: Context, doc_path: str) -> str:
    """The status value (live, pinned, archived) of a document for ``fix``."""
    from sphinx_ptyplan.core.checks.status import status_of
    from sphinx_ptyplan.core.sources.documents import read_document

    text, _problem = read_document(ctx.root, doc_path)
    return status_of(doc_path, text, ctx.settings.status)[0].value


def _fix_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 when a file would change (the diff is printed)",
    )
    p.add_argument(
        "--renames",
        action="store_true",
        help="also rewrite citations of renamed files to the new name (off by default: a "
        "table mapping old names to new ones, or a record of what a file was called, "
        "must keep the old name)",
    )
    p.add_argument(
        "--qualify",
        action="store_true",
        help="write a bare or partial file name that resolves to one file with its path "
        "from the root (model.py:12 -> pkg/model.py:12)",
    )
    p.add_argument(
        "--pinned",
        action="store_true",
        help="also rewrite pinned and archived documents (by default they are records of "
        "their day and left as written)",
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


def delta_request(ctx: Context, args: argparse.Namespace) -> DeltaRequest:
    """The request ``ptyplan-delta`` builds from the same options."""
    tree = ctx.path(args.tree, "tree")
    plan = ctx.path(args.plan, "plan")
    return DeltaRequest(tree, plan, base=_snapshot_option(ctx, args.base), head=args.head)


def run_delta(ctx: Context, args: argparse.Namespace) -> Result:
    """``ptyplan delta``: the tables of the ``ptyplan-delta`` directive."""
    from sphinx_ptyplan.core.jobs import CLI_OPTION, delta_job

    request = delta_request(ctx, args)
    tree, plan, base = request.tree, request.plan, request.base
    job = delta_job(
        ctx,
        request,
        config_exclude=ctx.settings.exclude,
        max_file_bytes=ctx.settings.max_file_bytes,
        option=CLI_OPTION,
        drift=ctx.settings.drift,
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
        choices=SHOW,
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
    p.add_argument(
        "--prefer",
        "--module",
        metavar="MODULES",
        type=_globs,
        default=(),
        help="modules or folders that decide which of several definitions a bare name "
        "means, for the whole spec (like the directive's :prefer: / :module:)",
    )


def spec_hits_request(ctx: Context, args: argparse.Namespace) -> SpecHitsRequest:
    """The request ``ptyplan-spec-hits`` builds from the same options."""
    spec = ctx.path(args.spec, "spec")
    trees = tuple(ctx.path(t, "tree") for t in args.tree)
    return SpecHitsRequest(
        spec,
        trees=trees,
        show=args.show,
        since=args.since,
        strict=args.strict,
        prefer=tuple(args.prefer),
    )


def run_spec_hits(ctx: Context, args: argparse.Namespace) -> Result:
    """``ptyplan spec-hits SPEC``: the tables of the ``ptyplan-spec-hits`` directive."""
    from sphinx_ptyplan.core.jobs import CLI_OPTION, spec_hits_job

    request = spec_hits_request(ctx, args)
    spec, trees = request.spec, request.trees
    job = spec_hits_job(
        ctx,
        request,
        config_exclude=ctx.settings.exclude,
        option=CLI_OPTION,
        drift=ctx.settings.drift,
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
