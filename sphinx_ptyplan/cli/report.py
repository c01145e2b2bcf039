"""``ptyplan report``: the seed's evidence folder, its redline (``--redline``) and its ledger
entry (``--ledger``)."""

from __future__ import annotations

import argparse
import json
import os
import shlex
from pathlib import Path
from typing import Any

from sphinx_ptyplan.cli.commands import (
    _base_head_arguments,
    _globs,
    _job_result,
    _revision,
    _row_arguments,
    _snapshot_option,
)
from sphinx_ptyplan.cli.context import Command, Context, Result, register
from sphinx_ptyplan.cli.options import add_option
from sphinx_ptyplan.cli.settings import UsageError
from sphinx_ptyplan.core.requests import (
    REPORTS_OPTIONS,
    DeltaRequest,
    InventoryRequest,
    ReportsRequest,
    SpecHitsRequest,
)

__all__ = ["reports_request", "run_report", "run_reports"]


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
    p.add_argument(
        "--redline",
        action="store_true",
        help="also write plan_redline.md: the plan as the audit would revise it (stale "
        "references struck with their replacement, missing modules and new packages "
        "proposed, API changes noted); the plan itself is never edited",
    )
    p.add_argument(
        "--ledger",
        metavar="PATH",
        help="append one entry for this report (timestamp, initiative, artefact paths, "
        "counts) to the 'Attempts History' section of this ledger (e.g. docs/fix_plan.md), "
        "as a table row or list item like the others; never twice for one folder",
    )
    p.add_argument(
        "--note",
        metavar="TEXT",
        help="what the ledger entry says the attempt was (with --ledger)",
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
    inventory = InventoryRequest(
        tree,
        since=args.since,
        highlight=args.highlight,
        notebooks=args.notebooks,
        assets=args.assets,
    )
    inv_job = inventory_job(ctx, inventory, **common, **size)
    ledger = _ledger_target(ctx, args, folder)
    delta = DeltaRequest(
        tree, plan, base=base, head=args.head, redline="draft" if args.redline else None
    )
    d_job = delta_job(
        ctx,
        delta,
        drafted_by="ptyplan " + shlex.join(ctx.argv),
        drift=ctx.settings.drift,
        **common,
        **size,
    )
    s_job = None
    if spec:
        s_request = SpecHitsRequest(spec, trees=spec_trees, since=args.since)
        s_job = spec_hits_job(ctx, s_request, drift=ctx.settings.drift, **common)
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
    counts = json.loads(files["counts.json"])["counts"]  # the machine-readable artefact
    meta: dict[str, Any] = {"folder": folder.as_posix(), "files": list(files), "counts": counts}
    text = f"{folder}\n"
    if ledger is not None:
        ledger_path, folder_rel = ledger
        said = _append_ledger(ctx, args, ledger_path, folder_rel, stamp, initiative, files, counts)
        meta["ledger"] = said
        text += f"{ledger_path}: {said['message']}\n"
    return Result("report", (), (), text=None if ctx.format == "json" else text, meta=meta)


def _ledger_target(ctx: Context, args: argparse.Namespace, folder: Path) -> tuple[str, str] | None:
    """``--ledger``: the ledger path and the report folder, both root-relative, checked
    before anything is written (a ledger without an Attempts History section: exit 2)."""
    from sphinx_ptyplan.core.outputs import ledger

    if args.note is not None and not args.ledger:
        raise UsageError("--note needs --ledger (the note is the ledger entry's text)")
    if not args.ledger:
        return None
    path = ctx.path(args.ledger, "ledger")
    try:
        folder_rel = folder.resolve().relative_to(ctx.root).as_posix()
    except ValueError:
        raise UsageError(
            f"--ledger needs the report inside the root ({ctx.root}) so the entry's artefact "
            f"paths are root-relative; {folder} is not"
        ) from None
    probe = ledger.LedgerEntry("", args.initiative, folder_rel, ())
    try:
        ledger.plan_entry(ctx.root, path, probe)
    except ledger.LedgerError as exc:
        raise UsageError(f"{exc}; nothing written") from None
    return path, folder_rel


def _append_ledger(
    ctx: Context,
    args: argparse.Namespace,
    path: str,
    folder_rel: str,
    stamp: str,
    initiative: str,
    files: dict[str, str],
    counts: dict[str, int],
) -> dict[str, Any]:
    """Append the report's entry to the ledger (atomically; never twice for one folder)."""
    from sphinx_ptyplan.core.outputs import ledger, reportdir

    labels = [(label, counts[name]) for name, label in reportdir.COUNTS if name in counts]
    entry = ledger.entry_for_report(
        initiative=initiative,
        stamp=stamp,
        folder=folder_rel,
        artefacts=list(files),
        counts=labels,
        note=args.note,
    )
    try:
        update = ledger.plan_entry(ctx.root, path, entry)
        ledger.write_ledger(ctx.root, update)
    except ledger.LedgerError as exc:
        raise UsageError(f"report {folder_rel} written, but not the ledger entry: {exc}") from None
    if update.already:
        return {"path": path, "appended": False, "message": f"{folder_rel} already recorded"}
    first, last = update.lines
    return {
        "path": path,
        "appended": True,
        "shape": update.shape,
        "lines": [first, last],
        "message": f"entry appended to {update.section!r} ({update.shape}, lines {first}-{last})",
    }


register(
    Command(
        "report",
        "write a timestamped evidence folder (inventory, delta log, spec hits, summary)",
        _report_arguments,
        run_report,
        description="Write plans/active/INITIATIVE/reports/<UTC timestamp>/ with "
        "module_inventory.md, delta_log.md, spec_hits.md (with --spec), summary.md (headline "
        "counts, new modules, stale plan references, changed-but-unplanned modules) and "
        "inventory.json (a snapshot usable as --base / :base: later); with --redline also "
        "plan_redline.md (Phase B1: the plan as the audit would revise it); print its path. "
        "With --ledger, append one entry for the folder to the ledger's Attempts History "
        "(Phase C1; a ledger without that section is refused before anything is written, "
        "exit 2). The "
        "folder is written atomically and never over an existing one (exit 2). Findings are "
        "recorded in the report, not reported: exit 0 once the folder is written.",
    )
)


# --------------------------------------------------------------------------- reports


def _reports_arguments(p: argparse.ArgumentParser) -> None:
    for option in REPORTS_OPTIONS:
        add_option(p, option)


def reports_request(ctx: Context, args: argparse.Namespace) -> ReportsRequest:
    """The request ``ptyplan-reports`` builds from the same options."""
    from sphinx_ptyplan.core.outputs.reportdir import reports_dir

    initiative: str | None = args.initiative
    folder = None
    if args.folder is not None:
        folder = ctx.path(args.folder, "--folder", must_exist=False).strip("/") or None
    if folder is None and initiative is not None:
        folder = reports_dir(initiative)
    if folder is None:
        raise UsageError("give --initiative NAME or --folder PATH (the reports folder)")
    return ReportsRequest(folder, initiative=initiative, limit=args.limit or None)


def run_reports(ctx: Context, args: argparse.Namespace) -> Result:
    """``ptyplan reports``: the table of the ``ptyplan-reports`` directive."""
    from sphinx_ptyplan.core.jobs import reports_job

    request = reports_request(ctx, args)
    job = reports_job(ctx, request)
    meta = {"folder": request.folder, "initiative": request.initiative}
    return _job_result("reports", job, meta)


register(
    Command(
        "reports",
        "list the report folders of an initiative, newest first",
        _reports_arguments,
        run_reports,
        description="List the report folders written by 'ptyplan report' under "
        "plans/active/INITIATIVE/reports/ (or --folder), newest first, with their headline "
        "counts: the table of the ptyplan-reports directive.",
    )
)
