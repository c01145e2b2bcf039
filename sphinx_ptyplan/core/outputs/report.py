"""Neutral tables and findings -> Markdown, JSON, GitHub annotations and SARIF (for the CLI)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from sphinx_ptyplan.core.models import Finding, FindingCode, FindingKind, PathStory
from sphinx_ptyplan.core.oneline import json_text, visible
from sphinx_ptyplan.core.outputs.tables import Cell, Table

__all__ = [
    "REPORT_SCHEMA",
    "REPORT_SCHEMA_ID",
    "SARIF_SCHEMA_URI",
    "Payload",
    "cell_markdown",
    "finding_line",
    "findings_github",
    "source_link",
    "table_to_dict",
    "to_json",
    "to_markdown",
    "to_sarif",
]

REPORT_SCHEMA_ID = "ptyplan-report/1"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)


# --------------------------------------------------------------------------- links


def source_link(template: str | None, revision: str, path: str, line: int | None) -> str | None:
    """URL of ``path`` (at ``line``) from a ``ptyplan_source_url`` template, or None.

    ``{path}``, ``{revision}`` and ``{line}`` are substituted; without a line a trailing
    line anchor such as ``#L{line}`` is dropped and the file link kept. The path is
    percent-encoded segment by segment (``odd #1.py`` -> ``odd%20%231.py``, ``pct%41.py`` ->
    ``pct%2541.py``), so every file name gives a working link; so is the revision.
    """
    if not template:
        return None
    encoded = "/".join(quote(seg, safe="") for seg in path.split("/"))
    url = template.replace("{path}", encoded).replace("{revision}", quote(revision, safe="/"))
    if "{line}" in url:
        if line is None:
            head, _, _ = url.partition("{line}")
            url = head.removesuffix("#L").removesuffix("#")
        else:
            url = url.replace("{line}", str(line))
    return url


# --------------------------------------------------------------------------- Markdown

# Backslash-escaping these keeps plain text plain: no emphasis, no links, no HTML, no
# entity decoding, and ``|`` never splits a table cell (GFM). An underscore inside a word
# (``snake_case``) cannot start or end emphasis and is left alone, so the raw Markdown stays
# readable; ``__init__`` is escaped. ``&`` only matters before an entity name.
_MD_SPECIAL = re.compile(r"[\\`*\[\]<|~]|&(?=#?\w+;)|(?<!\w)_+|_+(?!\w)")
# Characters that would end or break a link destination, or split a table row.
_URL_UNSAFE = re.compile(r"[\s()<>|\\`]")


def _md_text(text: str) -> str:
    # A lone ``~`` (``HEAD~1``) cannot pair into a strikethrough: leave it readable.
    tildes = text.count("~") > 1

    def escape(m: re.Match[str]) -> str:
        found = m.group(0)
        if found == "~" and not tildes:
            return found
        return "".join("\\" + ch for ch in found)

    return _MD_SPECIAL.sub(escape, visible(text))


def _md_code(text: str) -> str:
    """A GFM code span holding ``text`` exactly (as far as code spans can)."""
    text = visible(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = text.startswith("`") or text.endswith("`")
    pad = pad or (text.startswith(" ") and text.endswith(" ") and text.strip(" ") != "")
    if pad:
        text = f" {text} "
    # Inside a table, GFM splits rows at ``|`` before code spans are parsed; ``\|`` is the
    # escape that survives as a plain ``|`` inside the span.
    return fence + text.replace("|", "\\|") + fence


def _md_url(url: str) -> str:
    return _URL_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), url)


def cell_markdown(cell: Cell, *, source_url: str | None = None, revision: str = "HEAD") -> str:
    """One cell as GFM inline Markdown, safe inside a pipe table.

    Code cells become code spans; a cell with a code location becomes a link only when a
    ``source_url`` template is given; cells made of parts are joined with ``", "``.
    """
    if cell.parts:
        return ", ".join(
            cell_markdown(p, source_url=source_url, revision=revision) for p in cell.parts
        )
    if not cell.text:
        return ""
    if cell.rich and not cell.code:
        from .tables import code_spans

        inner = "".join(_md_code(t) if c else _md_text(t) for t, c in code_spans(cell.text))
    else:
        inner = _md_code(cell.text) if cell.code else _md_text(cell.text)
    if cell.path is not None:
        url = source_link(source_url, revision, cell.path, cell.line)
        if url:
            return f"[{inner}]({_md_url(url)})"
    return inner


def _table_markdown(table: Table, source_url: str | None, revision: str) -> str:
    lines: list[str] = []
    if table.title:
        lines += [f"### {_md_text(table.title)}", ""]
    if table.summary:
        lines += [_md_text(table.summary), ""]
    if not table.rows or not table.columns:
        lines.append(f"*{_md_text(table.empty)}*")
        return "\n".join(lines)
    if "ptyplan-tree" in table.classes:  # ``:format: tree`` / ``--layout tree``
        lines += _tree_markdown(table, source_url, revision)
        return "\n".join(lines)
    lines.append("| " + " | ".join(_md_text(c) for c in table.columns) + " |")
    lines.append("|" + "|".join(" --- " for _ in table.columns) + "|")
    for row in table.rows:
        cells = [cell_markdown(c, source_url=source_url, revision=revision) for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _tree_markdown(table: Table, source_url: str | None, revision: str) -> list[str]:
    """Rows as a list nested by folder (the first column is the path; a folder ends with
    ``/``), the other non-empty cells after a dash: the directive's tree, in Markdown."""
    lines: list[str] = []
    folders: list[str] = []  # the open folders, outermost first
    for row in table.rows:
        path = row[0].text.rstrip("/")
        while folders and not path.startswith(folders[-1] + "/"):
            folders.pop()
        cells = [cell_markdown(c, source_url=source_url, revision=revision) for c in row]
        shown = [cells[0], *(text for text, c in zip(cells[1:], row[1:], strict=True) if c.plain())]
        lines.append("  " * len(folders) + "- " + " — ".join(shown))
        if row[0].text.endswith("/"):
            folders.append(path)
    return lines


def to_markdown(
    tables: Sequence[Table], *, source_url: str | None = None, revision: str = "HEAD"
) -> str:
    """Tables as GitHub-flavoured Markdown: ``### title``, the summary line, a pipe table.

    The text of every cell is the same as in the directive's table (a Markdown parser gives
    back :meth:`Cell.plain`). Code links need ``source_url`` (``ptyplan_source_url``).
    """
    return "\n\n".join(_table_markdown(t, source_url, revision) for t in tables) + "\n"


def finding_line(finding: Finding) -> str:
    """``path:line: ptyplan.kind: message`` (the compiler-style line for terminals)."""
    head = f"ptyplan.{finding.kind.subtype}: {visible(finding.message)}"
    where = finding.location
    return f"{visible(where)}: {head}" if where else head


# --------------------------------------------------------------------------- JSON


@dataclass(frozen=True)
class Payload:
    """What a command produced: tables, findings and the root their paths are relative to."""

    tables: tuple[Table, ...] = ()
    findings: tuple[Finding, ...] = ()
    root: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)


def _cell_to_dict(cell: Cell) -> dict[str, Any]:
    out: dict[str, Any] = {"text": cell.plain() if cell.parts else cell.text}
    if cell.code:
        out["code"] = True
    for key in ("path", "line", "doc", "anchor", "status"):
        value = getattr(cell, key)
        if value is not None:
            out[key] = value
    if cell.parts:
        out["parts"] = [_cell_to_dict(p) for p in cell.parts]
    return out


def table_to_dict(table: Table) -> dict[str, Any]:
    """A JSON-able table: ``rows`` are lists of cell objects in ``columns`` order."""
    return {
        "title": table.title,
        "summary": table.summary,
        "columns": list(table.columns),
        "rows": [[_cell_to_dict(c) for c in row] for row in table.rows],
        "empty": table.empty,
    }


def _story_to_dict(story: PathStory | None) -> dict[str, Any] | None:
    if story is None or not story.told:
        return None
    commit = story.commit
    return {
        "status": story.status,
        "new_path": story.new_path,
        "via": list(story.via),
        "commit": (
            {"sha": commit.sha, "short": commit.short, "date": commit.date}
            if commit is not None
            else None
        ),
    }


def _finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "kind": f.kind.value,
        "subtype": f"ptyplan.{f.kind.subtype}",
        "message": f.message,
        "path": f.path,
        "line": f.line,
        "code": f.code.value,
        "replacement": f.replacement,
        "subject": f.subject,
        "candidates": list(f.candidates),
        "story": _story_to_dict(f.story),
    }


def to_json(payload: Payload, *, kind: str) -> str:
    """The machine-readable report: ``{"schema": "ptyplan-report/1", "kind", "root",
    "tables", "findings", "meta"}`` (see :data:`REPORT_SCHEMA`), pretty-printed."""
    doc: dict[str, Any] = {
        "schema": REPORT_SCHEMA_ID,
        "kind": kind,
        "root": payload.root,
        "tables": [table_to_dict(t) for t in payload.tables],
        "findings": [_finding_to_dict(f) for f in payload.findings],
        "meta": dict(payload.meta),
    }
    return json_text(doc)


_NULLABLE_STR: dict[str, Any] = {"type": ["string", "null"]}

#: JSON Schema (2020-12) of :func:`to_json` output; bump ``REPORT_SCHEMA_ID`` on any
#: incompatible change.
REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://sphinx-ptyplan.invalid/schemas/ptyplan-report-1.json",
    "title": "ptyplan report",
    "type": "object",
    "required": ["schema", "kind", "root", "tables", "findings", "meta"],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": REPORT_SCHEMA_ID},
        "kind": {"type": "string", "minLength": 1},
        "root": _NULLABLE_STR,
        "tables": {"type": "array", "items": {"$ref": "#/$defs/table"}},
        "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
        "meta": {"type": "object"},
    },
    "$defs": {
        "cell": {
            "type": "object",
            "required": ["text"],
            "additionalProperties": False,
            "properties": {
                "text": {"type": "string"},
                "code": {"const": True},
                "path": {"type": "string"},
                "line": {"type": "integer", "minimum": 0},
                "doc": {"type": "string"},
                "anchor": {"type": "string"},
                "status": {"type": "string"},
                "parts": {"type": "array", "items": {"$ref": "#/$defs/cell"}},
            },
        },
        "table": {
            "type": "object",
            "required": ["title", "summary", "columns", "rows", "empty"],
            "additionalProperties": False,
            "properties": {
                "title": {"type": "string"},
                "summary": {"type": "string"},
                "columns": {"type": "array", "items": {"type": "string"}},
                "rows": {
                    "type": "array",
                    "items": {"type": "array", "items": {"$ref": "#/$defs/cell"}},
                },
                "empty": {"type": "string"},
            },
        },
        "finding": {
            "type": "object",
            "required": ["kind", "subtype", "message", "path", "line", "code", "replacement"],
            "additionalProperties": False,
            "properties": {
                "kind": {"enum": [k.value for k in FindingKind]},
                "subtype": {"type": "string", "pattern": "^ptyplan\\."},
                "message": {"type": "string"},
                "path": _NULLABLE_STR,
                "line": {"type": ["integer", "null"]},
                "code": {"enum": [c.value for c in FindingCode]},
                "replacement": _NULLABLE_STR,
                "subject": _NULLABLE_STR,
                "candidates": {"type": "array", "items": {"type": "string"}},
                "story": {
                    "oneOf": [
                        {"type": "null"},
                        {
                            "type": "object",
                            "required": ["status", "new_path", "via", "commit"],
                            "additionalProperties": False,
                            "properties": {
                                "status": {"enum": ["renamed", "deleted"]},
                                "new_path": _NULLABLE_STR,
                                "via": {"type": "array", "items": {"type": "string"}},
                                "commit": {
                                    "oneOf": [
                                        {"type": "null"},
                                        {
                                            "type": "object",
                                            "required": ["sha", "short", "date"],
                                            "additionalProperties": False,
                                            "properties": {
                                                "sha": {"type": "string"},
                                                "short": {"type": "string"},
                                                "date": {"type": "string"},
                                            },
                                        },
                                    ]
                                },
                            },
                        },
                    ]
                },
            },
        },
    },
}


# --------------------------------------------------------------------------- GitHub


def _gh_data(text: str) -> str:
    text = visible(text, keep="\r\n")  # CR and LF have the protocol's own escapes
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _display_path(path: str, root: Path | str, workspace: Path | str | None) -> str:
    if workspace is None:
        return path
    full = os.path.join(os.fspath(root), *PurePosixPath(path).parts)
    rel = os.path.relpath(full, os.fspath(workspace))
    if rel == ".." or rel.startswith(".." + os.sep):
        return PurePosixPath(Path(full)).as_posix()
    return PurePosixPath(Path(rel)).as_posix()


def findings_github(
    findings: Iterable[Finding], root: Path | str, *, workspace: Path | str | None = None
) -> str:
    """GitHub Actions workflow commands, one ``::warning file=…,line=…,title=…::msg`` a line.

    Paths are relative to ``root``, or to ``workspace`` (``$GITHUB_WORKSPACE``) when given,
    so annotations land on the right file when the root is a subfolder of the repository.
    Values are escaped the way ``@actions/core`` does (``%``, CR, LF; in properties also
    ``:`` and ``,``).
    """
    out = []
    for f in findings:
        props = []
        if f.path is not None:
            props.append(f"file={_gh_property(_display_path(f.path, root, workspace))}")
            if f.line:
                props.append(f"line={f.line}")
        props.append(f"title={_gh_property('ptyplan.' + f.kind.subtype)}")
        out.append(f"::warning {','.join(props)}::{_gh_data(f.message)}\n")
    return "".join(out)


# --------------------------------------------------------------------------- SARIF


def _artifact_uri(path: str) -> str:
    return quote(PurePosixPath(path).as_posix(), safe="/")


def to_sarif(findings: Iterable[Finding], *, root: Path | str, tool_version: str) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run (for GitHub code scanning and other SARIF viewers).

    Every :class:`FindingKind` is a rule ``ptyplan.<subtype>``; a finding with a path is a
    ``warning`` result located relative to the ``ROOT`` base URI; a finding about the
    request itself (no path: a git or configuration problem) is a tool execution
    notification, since it is not a result about any file.
    """
    kinds = list(FindingKind)
    rules = [
        {
            "id": f"ptyplan.{k.subtype}",
            "name": k.name.title(),
            "shortDescription": {"text": k.description.split(". ")[0].rstrip(".") + "."},
            "fullDescription": {"text": k.description},
            "defaultConfiguration": {"level": "warning"},
        }
        for k in kinds
    ]
    index = {k: i for i, k in enumerate(kinds)}
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for f in findings:
        rule_id = f"ptyplan.{f.kind.subtype}"
        if f.path is None:
            notifications.append(
                {
                    "level": "warning",
                    "message": {"text": f.message},
                    "associatedRule": {"id": rule_id, "index": index[f.kind]},
                }
            )
            continue
        physical: dict[str, Any] = {
            "artifactLocation": {"uri": _artifact_uri(f.path), "uriBaseId": "ROOT"}
        }
        if f.line and f.line > 0:
            physical["region"] = {"startLine": f.line}
        result: dict[str, Any] = {
            "ruleId": rule_id,
            "ruleIndex": index[f.kind],
            "level": "warning",
            "message": {"text": f.message},
            "locations": [{"physicalLocation": physical}],
        }
        result["properties"] = {"code": f.code.value}
        if f.subject is not None:
            result["properties"]["subject"] = f.subject
        if f.replacement is not None:
            result.setdefault("properties", {})["replacement"] = f.replacement
        results.append(result)
    root_uri = Path(os.fspath(root)).resolve().as_uri().rstrip("/") + "/"
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "ptyplan",
                "version": tool_version,
                "rules": rules,
            }
        },
        "originalUriBaseIds": {"ROOT": {"uri": root_uri}},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": [run]}
