"""Loading documents: a Markdown or reST file becomes a :class:`ParsedDocument`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from sphinx_ptyplan.core.models import Finding, FindingCode, FindingKind
from sphinx_ptyplan.core.paths import PathRefused, confine
from sphinx_ptyplan.core.sources.collect import _Collector
from sphinx_ptyplan.core.sources.docmodel import ParsedDocument, ParserFailure
from sphinx_ptyplan.core.sources.mdparse import _parse_markdown
from sphinx_ptyplan.core.sources.rstparse import _parse_rst

__all__ = [
    "git_lines",
    "load_document",
    "parse_document",
    "read_document",
]

# Characters a parser would take as a line break although git does not (git counts "\n"
# only): markdown-it takes a lone CR; docutils (str.splitlines) also VT, FF, FS, GS, RS,
# NEL, LINE and PARAGRAPH SEPARATOR.
_MD_BREAKS = re.compile(r"\r(?!\n)")
_RST_BREAKS = re.compile("\r(?!\n)|[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def git_lines(text: str, fmt: str) -> str:
    """``text`` with every character the ``fmt`` parser would split a line at, but git would
    not, replaced by a space (same length), so line N of the parse is line N of git blame."""
    pattern = _RST_BREAKS if fmt == "rst" else _MD_BREAKS
    return pattern.sub(" ", text) if pattern.search(text) else text


def parse_document(
    text: str, doc_path: str, fmt: str, *, names: bool = False, prefer: Sequence[str] = ()
) -> ParsedDocument:
    """Parse a Markdown (``fmt="md"``) or reST (``"rst"``) document into references.

    Fenced/indented code blocks, literal blocks and the content of unknown directives are
    never scanned. ``names``: also bare names and the names inside expressions and
    signatures (``classify.code_names``; specs only). A failure of the parser library becomes a
    ``PARSE`` problem; an error of our own code is raised.
    """
    col = _Collector(doc_path, names)
    text = git_lines(text, fmt)
    if names:
        text, front = _front_matter(text)
        col.prefer = (*front, *prefer)
    try:
        if fmt == "rst":
            _parse_rst(text, col)
        else:
            _parse_markdown(text, col)
    except ParserFailure as exc:  # the parser library's, never ours: a bug of ours raises
        return ParsedDocument(
            path=doc_path,
            problems=(
                Finding(
                    FindingKind.PARSE,
                    f"could not parse {doc_path} as {fmt}: {exc}",
                    path=doc_path,
                    code=FindingCode.PARSE_ERROR,
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

    def problem(kind: FindingKind, code: FindingCode, message: str) -> tuple[None, Finding]:
        return None, Finding(kind, message, path=doc_path, code=code)

    try:
        real = confine(root, doc_path)
    except PathRefused as exc:
        return problem(FindingKind.CONFIG, FindingCode.OUTSIDE_ROOT, str(exc))
    except OSError as exc:  # a symlink loop: nothing there to read
        return problem(FindingKind.IO, FindingCode.UNREADABLE, f"cannot read {doc_path}: {exc}")
    if not real.is_file():
        what = "is not a regular file" if real.exists() else "not found"
        return problem(
            FindingKind.CONFIG,
            FindingCode.MISSING_PATH,
            f"document {doc_path!r} {what} under {root}",
        )
    try:
        size = real.stat().st_size
        if size > max_bytes:
            return problem(
                FindingKind.PARSE,
                FindingCode.TOO_LARGE,
                f"document {doc_path} is {size} bytes, more than the limit of {max_bytes}",
            )
        data = real.read_bytes()
    except OSError as exc:
        return problem(FindingKind.IO, FindingCode.UNREADABLE, f"cannot read {doc_path}: {exc}")
    if b"\x00" in data:
        return problem(
            FindingKind.PARSE, FindingCode.BINARY, f"document {doc_path} is binary (NUL bytes)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return problem(
            FindingKind.PARSE, FindingCode.NOT_UTF8, f"document {doc_path} is not UTF-8: {exc}"
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, None


def load_document(
    root: Path,
    doc_path: str,
    *,
    max_bytes: int = 10_000_000,
    names: bool = False,
    prefer: Sequence[str] = (),
) -> ParsedDocument:
    """Read ``doc_path`` (relative to ``root``, confined to it) and parse it. Never raises."""
    text, problem = read_document(root, doc_path, max_bytes=max_bytes)
    if text is None:
        return ParsedDocument(path=doc_path, problems=(problem,) if problem else ())
    fmt = _FORMATS.get(Path(doc_path).suffix.lower(), "md")
    return parse_document(text, doc_path, fmt, names=names, prefer=prefer)


#: Front-matter keys that set the module a spec's bare names belong to (in the spirit of
#: Sphinx's ``currentmodule``).
_MODULE_KEYS = ("ptyplan-module", "ptyplan-prefer", "module", "currentmodule")


def _front_matter(text: str) -> tuple[str, tuple[str, ...]]:
    """``(text with the front matter blanked, modules it names)``. Only a leading
    ``---``/``---`` block of ``key: value`` lines counts; lines keep their numbers."""
    if not text.startswith("---\n"):
        return text, ()
    end = text.find("\n---\n", 3)
    if end < 0:
        return text, ()
    block = text[4:end]
    found: list[str] = []
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() in _MODULE_KEYS:
            found += [v.strip().strip("'\"") for v in value.strip(" []").split(",") if v.strip()]
    blank = "\n" * (block.count("\n") + 2)
    return blank + "\n" + text[end + 5 :], tuple(found)
