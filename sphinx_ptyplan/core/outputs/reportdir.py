"""Timestamped evidence folders: compose, write atomically, and read them back as a ledger.

A report folder is ``plans/active/<INITIATIVE>/reports/<UTC timestamp>/`` (the timestamp
written like ``2025-10-17T030000Z``, so name order is time order) holding
``module_inventory.md``, ``delta_log.md``, ``spec_hits.md``, ``summary.md`` and
``inventory.json``. The headline counts of ``summary.md`` are also written, machine-readable,
to ``counts.json`` (``{"schema": "ptyplan-counts/1", "counts": {name: number}}``), which
:func:`read_counts` reads for the ``ptyplan-reports`` directive; nothing reads a rendered
``summary.md`` back. Hand-written folders of the same shape are listed too (their counts
are simply blank).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shlex
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx_ptyplan.core.models import EntryKind
from sphinx_ptyplan.core.oneline import json_text
from sphinx_ptyplan.core.outputs.tables import Cell, Table

if TYPE_CHECKING:
    from sphinx_ptyplan.core.checks.coverage import Coverage, StaleRef
    from sphinx_ptyplan.core.checks.delta import DeltaRow
    from sphinx_ptyplan.core.checks.spechits import SchemaCheck, SpecHits
    from sphinx_ptyplan.core.models import Finding, ModuleEntry, Resolution
    from sphinx_ptyplan.core.results import Job

__all__ = [
    "ARTEFACTS",
    "COUNTS",
    "COUNTS_SCHEMA",
    "ReportEntry",
    "ReportError",
    "ReportExists",
    "ReportRequest",
    "check_initiative",
    "check_timestamp",
    "compose_report",
    "is_report_folder",
    "list_reports",
    "reports_dir",
    "reports_table",
    "read_counts",
    "timestamp",
    "write_report",
]

#: The artefacts of a report folder, in the order the ledger lists them.
ARTEFACTS = (
    "summary.md",
    "module_inventory.md",
    "delta_log.md",
    "spec_hits.md",
    "plan_redline.md",
    "inventory.json",
    "counts.json",
)

#: The ``schema`` value of ``counts.json``.
COUNTS_SCHEMA = "ptyplan-counts/1"

#: The headline counts of ``summary.md`` (machine-readable names) and their ledger columns.
COUNTS: tuple[tuple[str, str], ...] = (
    ("modules", "modules"),
    ("new modules", "new"),
    ("missing from plan", "not in plan"),
    ("stale plan references", "stale refs"),
    ("changed, not in plan", "changed, unplanned"),
    ("spec problems", "spec problems"),
    ("findings", "findings"),
)

_TIMESTAMP = "%Y-%m-%dT%H%M%SZ"
_TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d{6}Z$")
_INITIATIVE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class ReportError(Exception):
    """A report cannot be written (bad name, unwritable folder): one line for the user."""


class ReportExists(ReportError):
    """The report folder already exists (a timestamp collision): nothing was written."""


def timestamp(now: datetime | None = None) -> str:
    """``now`` (default: the current time) in UTC, written like ``2025-10-17T030000Z``."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("timestamp needs an aware datetime")
    return now.astimezone(UTC).strftime(_TIMESTAMP)


def check_timestamp(value: str) -> str:
    """``value`` when it is a real UTC time written like ``2025-10-17T030000Z``.

    :raises ReportError: otherwise.
    """
    if _TIMESTAMP_RE.match(value):
        try:
            datetime.strptime(value, _TIMESTAMP)
            return value
        except ValueError:
            pass
    raise ReportError(f"bad timestamp {value!r} (want UTC like 2025-10-17T030000Z)")


def is_report_folder(name: str) -> bool:
    """Whether a folder name is a report timestamp (temporary ``.…`` folders are not)."""
    return _TIMESTAMP_RE.match(name) is not None


def check_initiative(name: str) -> str:
    """An initiative name usable as one folder (``INTEGRATE-PYTORCH-000``).

    :raises ReportError: empty, a path, or other characters than letters, digits, ``._-``.
    """
    if not _INITIATIVE_RE.match(name) or name in (".", ".."):
        raise ReportError(
            f"bad initiative name {name!r} (letters, digits, '.', '_' and '-'; no '/')"
        )
    return name


def reports_dir(initiative: str) -> str:
    """The root-relative folder holding an initiative's reports."""
    return f"plans/active/{check_initiative(initiative)}/reports"


# --------------------------------------------------------------------------- writing


def write_report(folder: Path, files: Mapping[str, str]) -> Path:
    """Create ``folder`` holding ``files`` (name -> text), all at once or not at all.

    The files are written into a temporary folder next to ``folder`` which is then renamed
    into place, so a reader never sees a half-written report and a failure leaves nothing
    behind (parent folders created for it are removed again). An existing ``folder`` is
    never replaced.

    :raises ReportExists: ``folder`` exists (e.g. two reports in the same second).
    :raises ReportError: the folder cannot be created or written.
    """
    if os.path.lexists(folder):
        raise ReportExists(f"report folder {folder} already exists; nothing written")
    created = _make_parents(folder.parent)
    tmp: str | None = None
    try:
        tmp = tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent)
        for name, text in files.items():
            if "/" in name or name.startswith("."):
                raise ReportError(f"bad artefact name {name!r}")
            with open(os.path.join(tmp, name), "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        os.chmod(tmp, 0o755 & ~_umask())
        if os.path.lexists(folder):
            raise ReportExists(f"report folder {folder} already exists; nothing written")
        os.rename(tmp, folder)
        tmp = None
    except ReportError:
        _undo(tmp, created)
        raise
    except OSError as exc:
        _undo(tmp, created)
        if folder.exists() and exc.errno in (
            errno.ENOTEMPTY,
            errno.EEXIST,
        ):  # ENOTEMPTY, EEXIST: lost a race
            raise ReportExists(f"report folder {folder} already exists; nothing written") from None
        raise ReportError(f"cannot write report {folder}: {exc.strerror or exc}") from None
    return folder


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _make_parents(folder: Path) -> list[Path]:
    """``mkdir -p folder``; return the folders created (innermost last)."""
    missing: list[Path] = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    created: list[Path] = []
    try:
        for path in reversed(missing):
            path.mkdir()
            created.append(path)
    except OSError as exc:
        _undo(None, created)
        raise ReportError(f"cannot create folder {folder}: {exc.strerror or exc}") from None
    return created


def _undo(tmp: str | None, created: Sequence[Path]) -> None:
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    for path in reversed(created):
        with contextlib.suppress(OSError):
            path.rmdir()  # only if still empty


# --------------------------------------------------------------------------- composing


def _md(text: str) -> str:
    """A code span for a path or command (backticks in it get a longer fence)."""
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}"


def _command(argv: Sequence[str]) -> str:
    return "ptyplan " + shlex.join(argv)


def _inventory_command(tree: str, since: str | None, options: Mapping[str, str]) -> list[str]:
    argv = ["inventory", tree]
    if since:
        argv += ["--since", since]
    for name, value in options.items():
        if value:
            argv += [f"--{name}", value]
    return argv


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """What a report was asked for: the ``ptyplan report`` options, as root-relative paths.

    ``argv`` is the ``ptyplan`` command line that produced it (quoted in every artefact);
    ``inventory_options`` the inventory options worth repeating (``highlight``, ...).
    """

    initiative: str
    stamp: str
    argv: tuple[str, ...]
    tree: str
    plan: str
    spec: str | None = None
    spec_trees: tuple[str, ...] = ()
    since: str | None = None
    base: str | None = None
    head: str | None = None
    inventory_options: tuple[tuple[str, str], ...] = ()


def compose_report(
    req: ReportRequest, *, inventory: Job, delta: Job, spec: Job | None
) -> dict[str, str]:
    """The files of one report folder (name -> text) from the jobs that computed them.

    Each artefact names the single command that reproduces its tables and the ``ptyplan
    report`` command that wrote it.
    """
    from sphinx_ptyplan.core.outputs.report import finding_line, to_markdown
    from sphinx_ptyplan.core.sources.snapshot import inventory_to_dict

    stamp, tree, plan = req.stamp, req.tree, req.plan
    produced = f"Written by {_md(_command(req.argv))}."
    files: dict[str, str] = {}

    inv_cmd = _inventory_command(tree, req.since, dict(req.inventory_options))
    files["module_inventory.md"] = (
        f"# Module inventory — {tree}/ ({stamp})\n\n"
        f"Initiative: {req.initiative}\n\n"
        f"Command: {_md(_command(inv_cmd))}\n\n{produced}\n\n" + to_markdown(inventory.tables)
    )

    delta_cmd = ["delta", "--tree", tree, "--plan", plan]
    if req.base:
        delta_cmd += ["--base", req.base]
    if req.head:
        delta_cmd += ["--head", req.head]
    in_table = {s.finding for s in delta.coverage.stale} if delta.coverage else set()
    delta_findings = "".join(f"- {finding_line(f)}\n" for f in delta.findings if f not in in_table)
    files["delta_log.md"] = (
        f"# Delta log — {tree}/ against {plan} ({stamp})\n\n"
        f"Command: {_md(_command(delta_cmd))}\n\n{produced}\n\n"
        + to_markdown(delta.tables)
        + ("\n## Other findings\n\n" + delta_findings if delta_findings else "")
    )

    if spec is not None and req.spec is not None:
        spec_cmd = ["spec-hits", req.spec]
        if req.spec_trees:
            spec_cmd += ["--tree", ",".join(req.spec_trees)]
        if req.since:
            spec_cmd += ["--since", req.since]
        spec_findings = "".join(f"- {finding_line(f)}\n" for f in spec.findings)
        files["spec_hits.md"] = (
            f"# Spec hits — {req.spec} ({stamp})\n\n"
            f"Command: {_md(_command(spec_cmd))}\n\n{produced}\n\n"
            + to_markdown(spec.tables)
            + ("\n## Findings\n\n" + spec_findings if spec_findings else "")
        )

    if delta.redline is not None:
        files["plan_redline.md"] = delta.redline.text
    facts = _Facts.of(inventory, delta, spec)
    counts = _counts(facts)
    files["summary.md"] = _summary(req, produced, facts, counts)
    known = {name: value for name, value in counts if value is not None}
    files["counts.json"] = json_text({"schema": COUNTS_SCHEMA, "counts": known})

    assert inventory.inventory is not None
    snapshot = inventory_to_dict(replace(inventory.inventory, root="."))
    files["inventory.json"] = json_text(snapshot)
    return {name: files[name] for name in ARTEFACTS if name in files}


def _unplanned(delta: Job) -> list[DeltaRow]:
    rows = delta.delta.rows if delta.delta is not None else ()
    return [r for r in rows if r.in_plan is False and r.status != "removed"]


def _spec_problems(spec: Job | None) -> tuple[list[Resolution], list[SchemaCheck]]:
    hits = spec.hits if spec is not None else None
    problems = [r for r in (hits.rows if hits else ()) if r.status.value in ("stale", "ambiguous")]
    return problems, [c for c in (hits.schema if hits else ()) if c.missing_in_code]


@dataclass(frozen=True)
class _Facts:
    """What ``summary.md`` and ``counts.json`` say, gathered once from the three jobs."""

    code_rows: list[ModuleEntry]
    new: frozenset[str] | None  # paths new since --since (None: not asked)
    new_rows: list[ModuleEntry]
    coverage: Coverage | None
    stale: tuple[StaleRef, ...]
    unplanned: list[DeltaRow]
    delta_done: bool
    hits: SpecHits | None
    spec_problems: list[Resolution]
    schema_bad: list[SchemaCheck]
    findings: list[Finding]

    @classmethod
    def of(cls, inventory: Job, delta: Job, spec: Job | None) -> _Facts:
        inv = inventory.inventory
        assert inv is not None
        new = inventory.new
        cov = delta.coverage
        spec_problems, schema_bad = _spec_problems(spec)
        return cls(
            code_rows=[e for e in inv.entries if e.kind in (EntryKind.PACKAGE, EntryKind.MODULE)],
            new=new,
            new_rows=[e for e in inv.entries if new is not None and e.source_path in new],
            coverage=cov,
            stale=tuple(cov.stale) if cov is not None else (),
            unplanned=_unplanned(delta),
            delta_done=delta.delta is not None,
            hits=spec.hits if spec is not None else None,
            spec_problems=spec_problems,
            schema_bad=schema_bad,
            findings=[*inventory.findings, *delta.findings, *(spec.findings if spec else ())],
        )


def _counts(facts: _Facts) -> list[tuple[str, int | None]]:
    """The headline counts (``None``: not computed), for ``summary.md`` and ``counts.json``."""
    cov = facts.coverage
    return [
        ("modules", len(facts.code_rows)),
        ("new modules", len(facts.new_rows) if facts.new is not None else None),
        ("missing from plan", cov.missing if cov is not None else None),
        ("stale plan references", len(facts.stale) if cov is not None else None),
        ("changed, not in plan", len(facts.unplanned) if facts.delta_done else None),
        (
            "spec problems",
            len(facts.spec_problems) + len(facts.schema_bad) if facts.hits is not None else None,
        ),
        ("findings", len(facts.findings)),
    ]


def _summary(
    req: ReportRequest,
    produced: str,
    facts: _Facts,
    counts: Sequence[tuple[str, int | None]],
) -> str:
    new, new_rows, stale, unplanned = facts.new, facts.new_rows, facts.stale, facts.unplanned
    hits, spec_problems, schema_bad = facts.hits, facts.spec_problems, facts.schema_bad
    head = req.head
    scope = [f"Tree {_md(req.tree + '/')}, plan {_md(req.plan)}"]
    if req.spec:
        scope.append(f"spec {_md(req.spec)}")
    if req.since:
        scope.append(f"new since {_md(req.since)}")
    if req.base:
        scope.append(f"delta from {_md(req.base)} to {_md(head) if head else 'the working tree'}")
    lines = [
        f"# Summary — {req.initiative} ({req.stamp})",
        "",
        "; ".join(scope) + ".",
        "",
        produced,
        "",
        "## Counts",
        "",
        "| count | number |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in counts if value is not None),
        "",
        "## New modules",
        "",
    ]
    lines += [f"- {_md(e.path + '/' if e.kind is EntryKind.PACKAGE else e.path)}" for e in new_rows]
    if not new_rows:
        lines.append("None." if new is not None else "Not computed (no `--since`).")
    lines += ["", "## Stale plan references", ""]
    for s in stale:
        text = f"- {req.plan} line {s.ref.doc_line}: {_md(s.ref.text)}"
        if s.story is not None and s.story.told:
            text += f" — {s.story.describe()}"
        if s.replacement:
            text += f" (now {_md(s.replacement)})"
        lines.append(text)
    if not stale:
        lines.append("None.")
    lines += ["", "## Changed but not in the plan", ""]
    lines += [f"- {r.status} {_md(r.path)}" for r in unplanned]
    if not unplanned:
        lines.append("None." if facts.delta_done else "Not computed (no `--base`).")
    if hits is not None:
        lines += ["", "## Spec problems", ""]
        lines += [
            f"- {hits.spec} line {r.ref.doc_line}: {_md(r.ref.text)} — {r.status.value}"
            for r in spec_problems
        ]
        lines += [
            f"- {hits.spec} line {c.doc_line}: {_md(c.owner)} — no field "
            + ", ".join(n for n, _ in c.missing_in_code)
            for c in schema_bad
        ]
        if not spec_problems and not schema_bad:
            lines.append("None.")
    kinds: dict[str, int] = {}
    for f in facts.findings:
        kinds[f.kind.value] = kinds.get(f.kind.value, 0) + 1
    if kinds:
        lines += ["", "## Findings by kind", ""]
        lines += [f"- ptyplan.{k}: {kinds[k]}" for k in sorted(kinds)]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- reading


def read_counts(folder: Path) -> dict[str, int]:
    """The headline counts of a report folder from its ``counts.json``; ``{}`` when there is
    none (a hand-written folder) or it is not a counts file."""
    try:
        data = json.loads((folder / "counts.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("schema") != COUNTS_SCHEMA:
        return {}
    counts = data.get("counts")
    if not isinstance(counts, dict):
        return {}
    return {
        k: v
        for k, v in counts.items()
        if isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
    }


@dataclass(frozen=True, slots=True)
class ReportEntry:
    """One report folder: its timestamp, root-relative path, artefacts and counts."""

    stamp: str
    path: str
    artefacts: tuple[str, ...]
    counts: tuple[tuple[str, int], ...] = ()


def list_reports(root: Path, folder: str) -> tuple[ReportEntry, ...]:
    """The report folders under ``folder`` (root-relative), newest first.

    Only folders named like a timestamp count; temporary folders of a report being written
    are skipped. Artefacts are the known names first, then any other visible file. A
    missing folder has no reports.

    :raises PathRefused: ``folder`` leaves the root.
    """
    from sphinx_ptyplan.core.paths import confine

    base = confine(root, folder)
    try:
        names = sorted((e.name for e in os.scandir(base) if e.is_dir()), reverse=True)
    except OSError:
        return ()
    entries = []
    for name in names:
        if not is_report_folder(name):
            continue
        try:
            files = sorted(
                e.name
                for e in os.scandir(base / name)
                if e.is_file() and not e.name.startswith(".")
            )
        except OSError:
            continue
        known = [a for a in ARTEFACTS if a in files]
        others = [f for f in files if f not in ARTEFACTS]
        counts = tuple(read_counts(base / name).items()) if "counts.json" in files else ()
        entries.append(ReportEntry(name, f"{folder.rstrip('/')}/{name}", (*known, *others), counts))
    return tuple(entries)


def reports_table(
    entries: Sequence[ReportEntry],
    *,
    folder: str,
    title: str,
    docs: Mapping[str, str] | None = None,
) -> Table:
    """The ledger of report folders: one row per folder, newest first.

    Artefact cells link to the file (through ``ptyplan_source_url``), or to the docs page
    when ``docs`` maps its root-relative path to a docname.
    """
    docs = docs or {}
    columns = ("report", "artefacts", *(label for _, label in COUNTS))
    rows = []
    for entry in entries:
        counts = dict(entry.counts)
        parts = tuple(
            Cell(
                name,
                code=True,
                path=f"{entry.path}/{name}" if f"{entry.path}/{name}" not in docs else None,
                doc=docs.get(f"{entry.path}/{name}"),
            )
            for name in entry.artefacts
        )
        rows.append(
            (
                Cell(entry.stamp, code=True, path=entry.path),
                Cell("", parts=parts) if parts else Cell(""),
                *(Cell(str(counts[key]) if key in counts else "") for key, _ in COUNTS),
            )
        )
    newest = f"; newest {entries[0].stamp}" if entries else ""
    return Table(
        title=title,
        summary=f"{len(entries)} report folders in {folder}/{newest}",
        columns=columns,
        rows=tuple(rows),
        classes=("ptyplan-reports",),
        empty=f"no report folders in {folder}/",
    )
