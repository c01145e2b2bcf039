"""Loading documents: a Markdown or reST file becomes a :class:`ParsedDocument`."""

from __future__ import annotations

from pathlib import Path

from sphinx_ptyplan.core.models import Finding, FindingKind
from sphinx_ptyplan.core.paths import PathRefused, confine
from sphinx_ptyplan.core.sources.collect import _Collector
from sphinx_ptyplan.core.sources.docmodel import ParsedDocument
from sphinx_ptyplan.core.sources.mdparse import _parse_markdown
from sphinx_ptyplan.core.sources.rstparse import _parse_rst

__all__ = [
    "load_document",
    "parse_document",
    "read_document",
]


def parse_document(text: str, doc_path: str, fmt: str) -> ParsedDocument:
    """Parse a Markdown (``fmt="md"``) or reST (``"rst"``) document into references.

    Fenced/indented code blocks, literal blocks and the content of unknown directives are
    never scanned. Never raises: a parser failure becomes a ``PARSE`` problem.
    """
    col = _Collector(doc_path)
    try:
        if fmt == "rst":
            _parse_rst(text, col)
        else:
            _parse_markdown(text, col)
    except Exception as exc:  # a parser bug must not stop a docs build
        return ParsedDocument(
            path=doc_path,
            problems=(
                Finding(
                    FindingKind.PARSE,
                    f"could not parse {doc_path} as {fmt}: {type(exc).__name__}: {exc}",
                    path=doc_path,
                    code="parse-error",
                ),
            ),
        )
    return col.result()


_FORMATS = {".md": "md", ".markdown": "md", ".rst": "rst", ".txt": "rst", ".rest": "rst"}


def read_document(
    root: Path, doc_path: str, *, max_bytes: int = 10_000_000
) -> tuple[str | None, Finding | None]:
    """The text of ``doc_path`` (relative to ``root``, confined to it), or the problem that
    stops it from being read (missing, too large, binary, not UTF-8). Never raises."""

    def problem(kind: FindingKind, code: str, message: str) -> tuple[None, Finding]:
        return None, Finding(kind, message, path=doc_path, code=code)

    try:
        real = confine(root, doc_path)
    except PathRefused as exc:
        return problem(FindingKind.CONFIG, "outside-root", str(exc))
    if not real.is_file():
        what = "is not a regular file" if real.exists() else "not found"
        return problem(
            FindingKind.CONFIG, "missing-path", f"document {doc_path!r} {what} under {root}"
        )
    try:
        size = real.stat().st_size
        if size > max_bytes:
            return problem(
                FindingKind.PARSE,
                "too-large",
                f"document {doc_path} is {size} bytes, more than the limit of {max_bytes}",
            )
        data = real.read_bytes()
    except OSError as exc:
        return problem(FindingKind.IO, "unreadable", f"cannot read {doc_path}: {exc}")
    if b"\x00" in data:
        return problem(FindingKind.PARSE, "binary", f"document {doc_path} is binary (NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return problem(FindingKind.PARSE, "not-utf8", f"document {doc_path} is not UTF-8: {exc}")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, None


def load_document(root: Path, doc_path: str, *, max_bytes: int = 10_000_000) -> ParsedDocument:
    """Read ``doc_path`` (relative to ``root``, confined to it) and parse it. Never raises."""
    text, problem = read_document(root, doc_path, max_bytes=max_bytes)
    if text is None:
        return ParsedDocument(path=doc_path, problems=(problem,) if problem else ())
    fmt = _FORMATS.get(Path(doc_path).suffix.lower(), "md")
    return parse_document(text, doc_path, fmt)
