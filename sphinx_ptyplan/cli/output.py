"""Writing a command's result: Markdown, JSON, GitHub annotations or SARIF, atomically."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx_ptyplan import __version__
from sphinx_ptyplan.cli.context import Context, Result
from sphinx_ptyplan.cli.settings import UsageError
from sphinx_ptyplan.core.oneline import json_text
from sphinx_ptyplan.core.outputs.report import (
    Payload,
    finding_line,
    findings_github,
    to_json,
    to_markdown,
    to_sarif,
)

if TYPE_CHECKING:
    from sphinx_ptyplan.core.models import Finding

__all__ = [
    "findings_markdown",
    "write_atomic",
]


def _document(ctx: Context, result: Result) -> str:
    if result.text is not None:
        return result.text
    fmt = ctx.format
    if fmt == "json":
        payload = Payload(result.tables, result.findings, ctx.root.as_posix(), result.meta)
        return to_json(payload, kind=result.kind)
    if fmt == "sarif":
        log = to_sarif(result.findings, root=ctx.root, tool_version=__version__)
        return json_text(log)
    if fmt == "github":
        return findings_github(result.findings, ctx.root, workspace=_workspace())
    url = ctx.settings.source_url
    source_url = url if isinstance(url, str) else None  # False: no links; None: none known
    revision = ctx.source_revision() if source_url else "HEAD"
    return to_markdown(result.tables, source_url=source_url, revision=revision)


def findings_markdown(findings: tuple[Finding, ...] | list[Finding]) -> str:
    """Findings as a Markdown list (what ``check -o FILE`` writes with ``--format
    markdown``: the findings themselves, not an empty table document)."""
    if not findings:
        return "No findings.\n"
    head = f"{len(findings)} finding{'s' if len(findings) != 1 else ''}:\n\n"
    return head + "".join(f"- {finding_line(f)}\n" for f in findings)


def _workspace() -> str | None:
    return os.environ.get("GITHUB_WORKSPACE") or None


def _stderr_findings(ctx: Context, result: Result) -> str:
    """Findings for stderr: with Markdown output, or when stdout holds a raw ``text``."""
    if ctx.format == "github" and result.text is not None:
        return findings_github(result.findings, ctx.root, workspace=_workspace())
    if ctx.format == "markdown" or result.text is not None:
        return "".join(finding_line(f) + "\n" for f in result.findings)
    return ""


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (all or nothing).

    :raises UsageError: when the folder is missing or not writable.
    """
    folder = path.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _write_stdout(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `ptyplan ... | head`: the reader left; that is not an error
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
