"""Rewrite drifted citations in place: only moved-and-unchanged targets, nothing else touched."""

from __future__ import annotations

import contextlib
import difflib
import os
import stat
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx_ptyplan.core.checks.citations import CitationCheck, check_citations
from sphinx_ptyplan.core.models import Finding
from sphinx_ptyplan.core.paths import confine
from sphinx_ptyplan.core.sources.documents import parse_document

if TYPE_CHECKING:
    from sphinx_ptyplan.core.checks.resolve import CodeIndex
    from sphinx_ptyplan.core.sources.gitrepo import GitRepo

__all__ = ["DocumentChanged", "FixResult", "clean_leftovers", "fix_document", "write_fix"]

_RST_SUFFIXES = frozenset({".rst", ".rest", ".txt"})


@dataclass(frozen=True)
class FixResult:
    """What :func:`fix_document` would write.

    ``new_bytes`` is the whole new file (equal to the old bytes when nothing changed);
    ``diff`` a unified diff (``a/path`` -> ``b/path``); ``applied`` one line per rewrite,
    ``path:line: old -> new``; ``rewrites`` the judge's finding behind each rewrite (its
    ``subject`` and ``replacement`` are what was replaced, and by what).
    """

    path: str
    changed: bool
    new_bytes: bytes
    diff: str
    applied: tuple[str, ...] = ()
    old_bytes: bytes | None = None  # what the rewrite was computed from
    rewrites: tuple[Finding, ...] = ()


class DocumentChanged(Exception):
    """The document changed on disk after :func:`fix_document` read it (an editor saved
    it meanwhile): writing would lose that edit, so nothing is written."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path

    def __str__(self) -> str:
        return (
            f"{self.path} changed while ptyplan fix was working on it; it was left as it "
            "is (run ptyplan fix again)"
        )


def _split_lines(text: str) -> list[str]:
    """Split on ``\\n`` only (as the document parsers count lines); ``\\r`` stays put."""
    return text.split("\n")


def _find_span(line: str, text: str, start: int) -> int:
    """Where ``text`` stands as a whole code span (or role target) in ``line``, from ``start``:
    after a backtick or ``<`` and before a backtick or ``>`` (spaces allowed), so the same
    words in plain text are never touched. -1 when not found."""
    if not text:
        return -1
    pos = line.find(text, start)
    while pos >= 0:
        # the characters next to it, spaces skipped, without copying the line (a paragraph
        # of 50,000 citations is one line: a slice per span would be quadratic)
        i = pos - 1
        while i >= 0 and line[i] == " ":
            i -= 1
        j = pos + len(text)
        while j < len(line) and line[j] == " ":
            j += 1
        if i >= 0 and line[i] in "`<" and j < len(line) and line[j] in "`>":
            return pos
        pos = line.find(text, pos + 1)
    return -1


def _rewrite_span(span: str, checks: list[CitationCheck]) -> tuple[str, list[CitationCheck]]:
    """Replace each reference of ``span`` that has a replacement, left to right."""
    out: list[str] = []
    done: list[CitationCheck] = []
    cursor = 0
    for check in checks:
        written = check.ref.written or check.ref.text  # a line-list element: as written
        pos = span.find(written, cursor)
        if pos < 0:
            continue
        out.append(span[cursor:pos])
        if check.replacement is not None:
            out.append(check.replacement)
            done.append(check)
        else:
            out.append(written)
        cursor = pos + len(written)
    out.append(span[cursor:])
    return "".join(out), done


def renames_path(check: CitationCheck) -> bool:
    """True when the check's replacement names another file than the one written (a
    renamed file): ``fix`` rewrites those only when asked (``renames=True``)."""
    if check.replacement is None or check.ref.written is not None:
        return False
    from sphinx_ptyplan.core.sources.classify import classify

    new = classify(check.replacement)
    return bool(new) and (new[0].path or "").rstrip("/") != (check.ref.path or "").rstrip("/")


def fix_document(
    root: Path,
    doc_path: str,
    *,
    index: CodeIndex,
    repo: GitRepo | None,
    renames: bool = False,
    qualify: bool = False,
) -> FixResult:
    """Compute the rewrite of one Markdown/reST document (chosen by suffix).

    Only citations whose cited lines moved unchanged are rewritten
    (``CitationCheck.replacement``), each inside its own code span on its own line; every
    other byte (line endings, BOM, encoding) is kept. A replacement that names another file
    (the file was renamed) is applied only with ``renames``: a table that maps old names to
    new ones, or a record of what a file was called then, must keep the old name. Running
    it again on its result changes nothing. With ``qualify``, a bare or partial file name
    that resolved to one file (``model.py:2290`` -> ``ptycho_torch/model.py:2290``) is
    written with its path from the root.

    :raises PathRefused: ``doc_path`` is outside ``root``.
    :raises OSError: the document cannot be read.
    :raises UnicodeDecodeError: the document is not UTF-8.
    """
    root = Path(root)
    data = confine(root, doc_path).read_bytes()
    text = data.decode("utf-8")
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    fmt = "rst" if Path(doc_path).suffix.lower() in _RST_SUFFIXES else "md"
    parsed = parse_document(body, doc_path, fmt)
    spans = [(s.text, s.line, s.context) for s in parsed.spans]
    report = check_citations(root, doc_path, spans, index=index, repo=repo)

    # Give each span its own checks (each check knows the index of its span).
    by_span: dict[int, list[CitationCheck]] = {}
    for check in report.checks:
        if not renames and renames_path(check):
            check = replace(check, replacement=None)
        if qualify and check.qualified is not None:
            check = replace(check, replacement=check.qualified)
        by_span.setdefault(check.span, []).append(check)
    per_line: dict[int, list[tuple[str, list[CitationCheck]]]] = {}
    for k, (span_text, line, _context) in enumerate(spans):
        per_line.setdefault(line, []).append((span_text, by_span.get(k, [])))

    lines = _split_lines(body)
    applied: list[str] = []
    rewrites: list[Finding] = []
    for line, entries in sorted(per_line.items()):
        if not any(c.replacement is not None for _t, cs in entries for c in cs):
            continue
        if not 1 <= line <= len(lines):
            continue
        old = lines[line - 1]
        out: list[str] = []
        cursor = 0
        for span_text, cs in entries:
            pos = _find_span(old, span_text, cursor)
            if pos < 0:
                continue  # a span spread over lines or rewritten by the parser: leave it
            new_span, done = _rewrite_span(span_text, cs)
            out.append(old[cursor:pos])
            out.append(new_span)
            cursor = pos + len(span_text)
            for c in done:
                written = c.ref.written or c.ref.text
                applied.append(f"{doc_path}:{line}: `{written}` -> `{c.replacement}`")
                rewrites.extend(f for f in c.findings[:1] if f.replacement == c.replacement)
        out.append(old[cursor:])
        lines[line - 1] = "".join(out)

    new_text = bom + "\n".join(lines)
    new_bytes = new_text.encode("utf-8")
    changed = new_bytes != data
    diff = ""
    if changed:
        diff = "\n".join(
            difflib.unified_diff(
                [ln.rstrip("\r") for ln in _split_lines(body)],
                [ln.rstrip("\r") for ln in lines],
                fromfile=f"a/{doc_path}",
                tofile=f"b/{doc_path}",
                lineterm="",
            )
        )
        diff += "\n"
    return FixResult(doc_path, changed, new_bytes, diff, tuple(applied), data, tuple(rewrites))


_TMP_SUFFIX = ".ptyplan-tmp"


def _tmp_prefix(name: str) -> str:
    return f".{name}.ptyplan-"


def clean_leftovers(root: Path, doc_path: str) -> list[str]:
    """Remove the temporary files a killed ``ptyplan fix`` left beside ``doc_path``
    (``.NAME.ptyplan-PID-XXXX.ptyplan-tmp``, only those whose process is gone); return
    their names."""
    target = confine(Path(root), doc_path)
    prefix = _tmp_prefix(target.name)
    removed: list[str] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(_TMP_SUFFIX)):
            continue
        pid_text = name[len(prefix) :].split("-", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(name)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True
    return True


def write_fix(root: Path, result: FixResult) -> None:
    """Write ``result.new_bytes`` atomically (temp file beside it, then ``os.replace``),
    keeping the file's permission bits. Does nothing when nothing changed. Leftover
    temporary files of a killed run are removed first.

    :raises DocumentChanged: the document is no longer what the rewrite was computed from
        (checked after the new text is on disk, just before the replace); it is not touched.
    """
    clean_leftovers(root, result.path)
    if not result.changed:
        return
    target = confine(Path(root), result.path)
    mode = stat.S_IMODE(target.stat().st_mode)
    fd, tmp = tempfile.mkstemp(
        prefix=f"{_tmp_prefix(target.name)}{os.getpid()}-", suffix=_TMP_SUFFIX, dir=target.parent
    )
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(result.new_bytes)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if result.old_bytes is not None and target.read_bytes() != result.old_bytes:
            raise DocumentChanged(result.path)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
