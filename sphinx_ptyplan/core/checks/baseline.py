"""A baseline of accepted findings: write today's, then report only what is new.

An entry is keyed by the document, the finding's kind, the reference as written and a
digest of the content it cites today (the cited lines, else the cited file; ``absent``
when there is none), never by a line number: it survives edits elsewhere in the document
and fires again when the cited code changes. Entries are counted, so a second identical
reference in the same document is a new finding. The file is JSON in a stable order, one
entry per line-wrapped object, so its diffs are reviewable.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx_ptyplan.core.models import Finding
from sphinx_ptyplan.core.paths import PathRefused, confine

if TYPE_CHECKING:
    from sphinx_ptyplan.core.checks.citations import CitationReport

__all__ = [
    "BASELINE_FILE",
    "Baseline",
    "BaselineResult",
    "Key",
    "cited_digest",
    "key_of",
    "keyed_findings",
]

BASELINE_FILE = "ptyplan-baseline.json"
SCHEMA = 1

#: (document, kind, reference as written, digest of the cited content)
Key = tuple[str, str, str, str]


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def cited_digest(
    root: Path, path: str | None, start: int | None = None, end: int | None = None
) -> str:
    """What a reference cites today: the digest of lines ``start..end`` of ``path`` (the
    whole file without lines), ``folder`` for a folder, ``absent`` when nothing is there."""
    if not path:
        return "absent"
    try:
        real = confine(root, path.rstrip("/"))
        if real.is_dir():
            return "folder"
        data = real.read_bytes()
    except (OSError, PathRefused):
        return "absent"
    if start is not None:
        lines = data.split(b"\n")
        last = end if end is not None else start
        if 1 <= start <= last <= len(lines):
            return _digest(b"\n".join(lines[start - 1 : last]))
    return _digest(data)


def key_of(finding: Finding, document: str | None = None, content: str = "") -> Key:
    """The baseline key of a finding that cites nothing (parse, git, config problems...)."""
    return (
        document or finding.path or "",
        finding.kind.value,
        finding.subject or finding.message,
        content or str(finding.code),
    )


def keyed_findings(
    root: Path, report: CitationReport, doc_path: str, *, content: bool = True
) -> list[tuple[Finding, Key]]:
    """Every finding of a document's citation report with its baseline key. Without
    ``content`` (no baseline configured: the keys are never compared) the cited files are
    not read and the keys carry no digest."""
    out: list[tuple[Finding, Key]] = []
    cache: dict[tuple[str | None, int | None, int | None], str] = {}
    for check in report.checks:
        ref, res = check.ref, check.resolution
        path = res.path or (ref.path.rstrip("/") if ref.path else None)
        where = (path, ref.start, ref.end)
        if check.findings and where not in cache:
            cache[where] = cited_digest(root, path, ref.start, ref.end) if content else ""
        for f in check.findings:
            out.append((f, (doc_path, f.kind.value, ref.text, cache[where])))
    for _k, f in report.unchecked_roles:
        out.append((f, key_of(f, doc_path)))
    return out


@dataclass
class BaselineResult:
    """What filtering through a baseline left: the new findings, how many were baselined,
    and the entries that matched nothing (prunable)."""

    new: list[Finding] = field(default_factory=list)
    baselined: int = 0
    prunable: list[Key] = field(default_factory=list)


@dataclass
class Baseline:
    """Accepted findings, counted by key."""

    entries: Counter[Key] = field(default_factory=Counter)
    messages: dict[Key, str] = field(default_factory=dict)

    @classmethod
    def of(cls, keyed: Iterable[tuple[Finding, Key]]) -> Baseline:
        b = cls()
        for f, k in keyed:
            b.entries[k] += 1
            b.messages.setdefault(k, f.message)
        return b

    @classmethod
    def load(cls, path: Path) -> Baseline:
        """Read a baseline file.

        :raises ValueError: not a ptyplan baseline (the message says why).
        """
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
        return cls.load_text(text, str(path))

    @classmethod
    def load_text(cls, text: str, path: str = "baseline") -> Baseline:
        """:meth:`load` from the file's text."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"baseline {path} is not valid JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise ValueError(f"{path} is not a ptyplan baseline (schema {SCHEMA})")
        b = cls()
        for e in data.get("findings", ()):
            try:
                k: Key = (
                    str(e["document"]),
                    str(e["kind"]),
                    str(e["reference"]),
                    str(e["cited"]),
                )
                n = int(e.get("count", 1))
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"baseline {path}: malformed entry {e!r}") from None
            b.entries[k] += max(n, 1)
            b.messages.setdefault(k, str(e.get("message", "")))
        return b

    def dumps(self) -> str:
        rows: list[dict[str, Any]] = []
        for k in sorted(self.entries):
            row: dict[str, Any] = {
                "document": k[0],
                "kind": k[1],
                "reference": k[2],
                "cited": k[3],
            }
            if self.entries[k] > 1:
                row["count"] = self.entries[k]
            row["message"] = self.messages.get(k, "")
            rows.append(row)
        body = ",\n".join("    " + json.dumps(r, ensure_ascii=False, sort_keys=False) for r in rows)
        return (
            '{\n  "schema": 1,\n  "tool": "ptyplan",\n  "findings": [\n'
            + (body + "\n" if body else "")
            + "  ]\n}\n"
        )

    def filter(self, keyed: Sequence[tuple[Finding, Key]]) -> BaselineResult:
        """Split findings into new ones and baselined ones; never hides a finding whose key
        is not in the baseline, nor more findings of a key than the baseline counted."""
        left = Counter(self.entries)
        out = BaselineResult()
        for f, k in keyed:
            if left[k] > 0:
                left[k] -= 1
                out.baselined += 1
            else:
                out.new.append(f)
        out.prunable = sorted(k for k, n in left.items() if n > 0)
        return out

    def pruned(self, keyed: Sequence[tuple[Finding, Key]]) -> Baseline:
        """This baseline without the entries that match nothing today (never adds any)."""
        seen = Counter(k for _f, k in keyed)
        b = Baseline()
        for k, n in self.entries.items():
            keep = min(n, seen[k])
            if keep:
                b.entries[k] = keep
                b.messages[k] = self.messages.get(k, "")
        return b

    def __len__(self) -> int:
        return sum(self.entries.values())
