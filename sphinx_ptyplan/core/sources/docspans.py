"""A document's checked spans with their exact file and line, included files followed.

``ptyplan check`` and the docs build both take a page's citations from here, so the two
cannot disagree about which spans a page holds or on which line each one stands: every
span comes from the same parse (:func:`~sphinx_ptyplan.core.sources.documents.parse_document`),
and the lines of an included file are its own lines (a ``start-line`` or ``start-after``
option shifts them by exactly the text it skips).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sphinx_ptyplan.core.models import Finding
from sphinx_ptyplan.core.paths import PathRefused, confine

__all__ = [
    "DocumentSpans",
    "Include",
    "document_spans",
    "find_includes",
    "ignored_lines",
    "included_region",
    "sphinx_srcdir",
    "text_spans",
]

_IGNORE_RE = re.compile(r"ptyplan-ignore(-start|-end)?(?![\w-])")


def ignored_lines(text: str) -> frozenset[int]:
    """Lines of an explicit example region: from a line holding ``ptyplan-ignore-start``
    to one holding ``ptyplan-ignore-end`` (both included; to the end when not closed), and
    any line holding ``ptyplan-ignore`` itself (in a comment: ``<!-- ptyplan-ignore -->``,
    ``.. ptyplan-ignore``, ``% ptyplan-ignore``). Placeholders and example paths written
    there are never checked."""
    if "ptyplan-ignore" not in text:
        return frozenset()
    out: set[int] = set()
    start: int | None = None
    for n, line in enumerate(text.splitlines(), 1):
        m = _IGNORE_RE.search(line)
        if m is None:
            if start is not None:
                out.add(n)
            continue
        out.add(n)
        if m.group(1) == "-start":
            start = n
        elif m.group(1) == "-end":
            start = None
    return frozenset(out)


def text_spans(text: str, doc_path: str) -> tuple[list[tuple[str, int, str]], tuple[Finding, ...]]:
    """``(text, line, context)`` of a document's inline code, code roles and file links,
    outside example regions (:func:`ignored_lines`), and its parse problems.

    Markdown goes through the one-pass scanner (``mdspans``), which gives exactly what the
    full parse gives or declines; then (and for reST) the full parse is used.
    """
    from .classify import _is_code_role, _role_target
    from .collect import _Collector
    from .documents import git_lines, parse_document
    from .mdspans import md_spans

    fmt = _fmt(doc_path)
    events = md_spans(git_lines(text, fmt)) if fmt == "md" else None
    problems: tuple[Finding, ...] = ()
    if events is None:
        parsed = parse_document(text, doc_path, fmt)
        out = [(sp.text, sp.line, sp.context) for sp in parsed.spans]
        problems = parsed.problems
    else:
        col = _Collector(doc_path, refs=False)
        for code, line, role in events:
            if role == "":
                col.link(code, line)
            elif role is None:
                col.span(code, line, "code")
            elif _is_code_role(role):
                col.span(_role_target(code), line, "role")
        out = [(sp.text, sp.line, sp.context) for sp in col.spans]
    skip = ignored_lines(text)
    return ([sp for sp in out if sp[1] not in skip] if skip else out), problems

_MAX_DEPTH = 8
_FORMATS = {".md": "md", ".markdown": "md", ".rst": "rst", ".rest": "rst", ".txt": "rst"}
_MD_OPTION_RE = re.compile(r"^:(?P<name>[\w-]+):[ \t]*(?P<value>.*?)[ \t]*$")
#: include options that turn the included text into a literal or code block: not citations
_LITERAL_OPTIONS = frozenset({"literal", "code", "parser"})


@dataclass(frozen=True, slots=True)
class Include:
    """One include directive of a document: its argument as written, the line it stands
    on, and its options (``start-line``, ``end-line``, ``start-after``, ``end-before``)."""

    target: str
    line: int
    options: tuple[tuple[str, str], ...] = ()

    def opt(self, name: str) -> str | None:
        for k, v in self.options:
            if k == name:
                return v
        return None


@dataclass
class DocumentSpans:
    """The spans of a document and of the files it includes, each file's spans with their
    own lines: ``files`` maps a root-relative path (the document first) to its
    ``(text, line, context)`` spans; ``problems`` are the document's own parse problems."""

    doc_path: str
    files: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)
    problems: tuple[Finding, ...] = ()

    def items(self) -> Iterator[tuple[str, list[tuple[str, int, str]]]]:
        yield from self.files.items()


def _fmt(path: str) -> str:
    return _FORMATS.get(posixpath.splitext(path)[1].lower(), "md")


def find_includes(text: str, fmt: str) -> list[Include]:
    """The include directives of a document's text, in order (never inside code)."""
    return _md_includes(text) if fmt == "md" else _rst_includes(text)


def _md_includes(text: str) -> list[Include]:
    from .mdparse import _markdown

    out: list[Include] = []
    if "{include}" not in text:
        return out  # no full parse for the (usual) document without includes
    for tok in _markdown().parse(text):
        if tok.type != "fence" or not tok.map:
            continue
        info = tok.info.strip()
        if not info.startswith("{include}"):
            continue
        target = info[len("{include}") :].strip()
        if not target:
            continue
        opts = []
        for raw in tok.content.split("\n"):
            m = _MD_OPTION_RE.match(raw.strip())
            if m is None:
                break
            opts.append((m.group("name"), m.group("value")))
        out.append(Include(target, tok.map[0] + 1, tuple(opts)))
    return out


def _rst_includes(text: str) -> list[Include]:
    """``.. include::`` directives as docutils parses them (options, nesting in other
    directives, literal blocks and comments all as the build sees them); a standard
    ``<name>`` include is not a file of the root."""
    from .rstparse import rst_includes

    return [
        Include(target, line, opts)
        for target, line, opts in rst_includes(text)
        if target and not target.startswith("<")
    ]


def included_region(text: str, inc: Include) -> tuple[str, int] | None:
    """The part of an included file's ``text`` that the directive takes, and the line of
    the file its first line is (docutils' ``start-line``/``end-line`` slice lines,
    ``start-after``/``end-before`` cut at the first match). None when a marker is missing
    (the build reports that itself)."""
    lines = text.split("\n")
    try:
        start = int(inc.opt("start-line") or 0)
        end_opt = inc.opt("end-line")
        end = int(end_opt) if end_opt is not None else None
    except ValueError:
        return None
    first = start + 1 if start >= 0 else max(1, len(lines) + start + 1)
    body = "\n".join(lines[start:end])
    after = inc.opt("start-after")
    if after:
        k = body.find(after)
        if k < 0:
            return None
        cut = k + len(after)
        first += body.count("\n", 0, cut)
        body = body[cut:]
    before = inc.opt("end-before")
    if before:
        k = body.find(before)
        if k < 0:
            return None
        body = body[:k]
    return body, first


def _resolve(doc_path: str, target: str, srcdir: Callable[[], str]) -> str:
    if target.startswith("/"):
        return posixpath.normpath(posixpath.join(srcdir(), target.lstrip("/")))
    return posixpath.normpath(posixpath.join(posixpath.dirname(doc_path), target))


def _read(root: Path, rel: str) -> str | None:
    try:
        data = confine(root, rel).read_bytes()
        text = data.decode("utf-8")
    except (OSError, PathRefused, UnicodeDecodeError, ValueError):
        return None
    if "\x00" in text:
        return None
    return text[1:] if text.startswith("\ufeff") else text


def sphinx_srcdir(root: Path, doc_path: str) -> str:
    """The Sphinx source folder a document most likely belongs to, root-relative: the
    nearest folder above it (within the root) that holds a ``conf.py``; else the root."""
    folder = posixpath.dirname(doc_path)
    while True:
        try:
            if confine(root, posixpath.join(folder, "conf.py") if folder else "conf.py").is_file():
                return folder
        except (PathRefused, OSError):
            pass
        if not folder:
            return ""
        folder = posixpath.dirname(folder)


def document_spans(
    root: Path, doc_path: str, *, srcdir: str | None = None, text: str | None = None
) -> DocumentSpans:
    """Every span of ``doc_path`` and of the files it includes (recursively), each at its own
    file and line. ``srcdir`` (root-relative) is what an absolute include path (``/x.md``)
    is relative to: the Sphinx source folder (the build passes its own); when not given,
    :func:`sphinx_srcdir` finds it as Sphinx users lay it out (the folder of ``conf.py``).

    Never raises: a document that cannot be read gives its ``load_document`` problem; an
    included file that cannot be read is skipped (the docs build warns about it itself).
    """
    from .documents import parse_document, read_document

    root = Path(root)
    found: list[str] = [] if srcdir is None else [srcdir]

    def source_folder() -> str:  # looked for only when an include path is absolute
        if not found:
            found.append(sphinx_srcdir(root, doc_path))
        return found[0]

    out = DocumentSpans(doc_path)
    if text is None:
        text, problem = read_document(root, doc_path)
        if text is None:
            out.problems = (problem,) if problem is not None else ()
            out.files[doc_path] = []
            return out
    spans, out.problems = text_spans(text, doc_path)
    out.files[doc_path] = spans

    def follow(path: str, body: str, depth: int, chain: tuple[str, ...]) -> None:
        if depth >= _MAX_DEPTH:
            return
        for inc in find_includes(body, _fmt(path)):
            if any(inc.opt(o) is not None for o in _LITERAL_OPTIONS):
                continue
            target = _resolve(path, inc.target, source_folder)
            if target in chain or target.startswith("../") or target == "..":
                continue
            whole = _read(root, target)
            if whole is None:
                continue
            region = included_region(whole, inc)
            if region is None:
                continue
            part, first = region
            sub = parse_document(part, target, _fmt(target))
            spans = out.files.setdefault(target, [])
            skip = ignored_lines(whole)
            for s in sub.spans:
                item = (s.text, s.line + first - 1, s.context)
                if item not in spans and item[1] not in skip:
                    spans.append(item)
            follow(target, part, depth + 1, (*chain, target))

    follow(doc_path, text, 0, (doc_path,))
    return out
