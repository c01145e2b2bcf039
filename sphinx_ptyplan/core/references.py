"""Documents -> code references: paths, file:line citations, dotted names and field lists."""

from __future__ import annotations

import io
import posixpath
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sphinx_ptyplan.core.models import Finding, FindingKind, Reference, RefKind
from sphinx_ptyplan.core.paths import PathRefused, confine

__all__ = [
    "ARTEFACT_SUFFIXES",
    "ClassifiedRef",
    "FieldList",
    "ParsedDocument",
    "SOURCE_SUFFIXES",
    "Section",
    "Span",
    "classify",
    "is_artefact",
    "is_citation_candidate",
    "is_external_path",
    "ignored_lines",
    "load_document",
    "parse_document",
    "read_document",
    "spans_of_text",
    "references_in",
    "slugify",
]

#: Suffixes of files that hold code or documentation: such names are references even
#: without a folder part (``model.py``).
SOURCE_SUFFIXES = frozenset(
    {
        ".py",
        ".pyi",
        ".md",
        ".markdown",
        ".rst",
        ".toml",
        ".yaml",
        ".yml",
        ".json",
        ".cfg",
        ".ini",
        ".txt",
        ".ipynb",
        ".sh",
    }
)

#: Suffixes of data/output artefacts (``recon.npz``, ``wts.h5.zip``): they are references
#: that are only reported when they exist; a missing artefact is never a warning (it is
#: usually an output a run will create).
ARTEFACT_SUFFIXES = frozenset(
    {
        ".npz",
        ".npy",
        ".h5",
        ".hdf5",
        ".ckpt",
        ".pt",
        ".pth",
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".svg",
        ".pdf",
        ".log",
        ".csv",
        ".tsv",
        ".pkl",
        ".pickle",
        ".zip",
        ".tar",
        ".gz",
        ".tgz",
        ".bz2",
        ".xz",
        ".mat",
        ".tif",
        ".tiff",
        ".onnx",
        ".keras",
        ".safetensors",
        ".parquet",
        ".dat",
        ".bin",
        ".out",
        ".html",
        ".mp4",
        ".lock",
        ".dill",
        ".joblib",
        ".nc",
        ".zarr",
    }
)

_PY_SUFFIXES = (".py", ".pyi")
_ALWAYS_FILE_SUFFIXES = frozenset({".py", ".pyi", ".ipynb", ".md", ".rst", ".markdown"})

# Roles whose content is a code reference (MyST ``{name}`...``` and reST ``:name:`...```).
_CODE_ROLES = frozenset(
    {"ptyref", "mod", "class", "func", "meth", "attr", "obj", "data", "const", "exc", "file", "any"}
)


def _is_code_role(name: str) -> bool:
    return name in _CODE_ROLES or name.startswith("py:")


@dataclass(frozen=True, slots=True)
class Section:
    """A heading of a document; ``anchor`` is its docutils/MyST id."""

    title: str
    anchor: str
    line: int
    level: int


@dataclass(frozen=True, slots=True)
class Span:
    """One inline code span, link target or code role of a document, as written."""

    text: str
    line: int
    context: str  # "code" | "link" | "role"
    section: Section | None = None


@dataclass(frozen=True, slots=True)
class FieldList:
    """A spec's list of fields of a class: a bullet naming the class with nested field bullets,
    or a table whose first column holds field names under a heading/paragraph naming it.

    ``owner`` is a :class:`RefKind.DOTTED` reference whose ``name`` is the class as written
    (``ModelConfig`` or ``ptycho.config.config.TrainingConfig``) and whose ``path`` is the
    file named next to it (``(ptycho/config/config.py)``), if any.
    """

    owner: Reference
    line: int
    fields: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    path: str
    sections: tuple[Section, ...] = ()
    spans: tuple[Span, ...] = ()
    references: tuple[Reference, ...] = ()
    field_lists: tuple[FieldList, ...] = ()
    problems: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class ClassifiedRef:
    """What one item of a code span means, without its place in a document.

    ``external`` marks absolute/home paths (``/home/user/x.py``): they are returned so a
    caller can show them, but never resolved or warned about. ``artefact`` marks data/output
    files (``recon.npz``): resolved only when they exist, never a warning otherwise.
    """

    text: str
    kind: RefKind
    path: str | None = None
    start: int | None = None
    end: int | None = None
    name: str | None = None

    @property
    def external(self) -> bool:
        return self.path is not None and is_external_path(self.path)

    @property
    def artefact(self) -> bool:
        return self.path is not None and is_artefact(self.path)


def is_external_path(path: str) -> bool:
    """True for absolute or home-relative paths: never inside the root, never checked."""
    return path.startswith(("/", "~"))


def is_artefact(path: str) -> bool:
    """True when ``path`` names a data/output artefact (by suffix)."""
    base = path.rstrip("/").rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return dot > 0 and base[dot:].lower() in ARTEFACT_SUFFIXES


def _suffix(path: str) -> str:
    base = path.rstrip("/").rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return base[dot:].lower() if dot > 0 else ""


# --------------------------------------------------------------------------------------
# classification

_SHELL_WORDS = frozenset(
    {
        "python",
        "python3",
        "pytest",
        "git",
        "pip",
        "pip3",
        "find",
        "ls",
        "cd",
        "export",
        "conda",
        "uv",
        "make",
        "bash",
        "sh",
        "cat",
        "grep",
        "rg",
        "mkdir",
        "rm",
        "cp",
        "mv",
        "echo",
        "sphinx-build",
        "ptyplan",
        "torchrun",
        "nvidia-smi",
        "sed",
        "awk",
        "wc",
        "head",
        "tail",
        "source",
        "sudo",
        "docker",
        "npm",
        "tree",
        "ruff",
        "mypy",
        "black",
    }
)
_SHELL_RE = re.compile(r"^\s*\$\s|\s\|\s|&&|\|\||\s>>?\s|\s-{1,2}[A-Za-z]|^\s*-{1,2}[A-Za-z]")
_PLACEHOLDER_RE = re.compile(r"[<>{}$*?\[\]`'\"=@\\]|\.\.\.|…|\s")
_PATH_CHARS = r"[\w.\-+]+"
_PATH_RE = re.compile(
    rf"""^(?P<path>(?:/|~/|\./)?{_PATH_CHARS}(?:/{_PATH_CHARS})*/?)
    (?:
        (?::L?|\#L)(?P<start>\d+)(?:[-–](?:L)?(?P<end>\d+))?:?
      | (?P<sep>::?)(?P<sym>[A-Za-z_]\w*(?:(?:\.|::)[A-Za-z_]\w*)*)(?:\(\))?:?
    )?$""",
    re.VERBOSE,
)
_DOTTED_RE = re.compile(r"^(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?:\((?P<sig>.*)\))?$")
_CAPWORD_RE = re.compile(r"^_?[A-Z]\w*[a-z]\w*$")
_NUMBERISH_RE = re.compile(r"^[vV]?\d")
_SEG_PLACEHOLDER_RE = re.compile(r"^(?:X{2,}|Y{2,}.*|[a-z]\w*_[A-Z])$")
_PYTEST_PARAM_RE = re.compile(r"\[[^\]]*\]$")
_GENERIC_FILES = frozenset({"__init__.py", "__main__.py"})


def _split_items(text: str) -> list[str]:
    """Split on commas/semicolons outside brackets (a signature's commas stay together)."""
    items: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        if ch in ",;" and depth == 0:
            items.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    items.append("".join(cur))
    return [i.strip() for i in items if i.strip()]


def _is_shell(text: str) -> bool:
    stripped = text.strip()
    if _SHELL_RE.search(stripped):
        return True
    if " " in stripped:
        first = stripped.split(None, 1)[0]
        if first in _SHELL_WORDS or first.startswith(("./", "python")):
            return True
    return False


def _classify_item(item: str) -> ClassifiedRef | None:
    text = item.strip()
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]  # sentence punctuation that slipped into the span
    if not text or "://" in text or text.startswith(("mailto:", "self.", "cls.")):
        return None
    if _NUMBERISH_RE.match(text):
        return None
    # pytest node ids: strip one trailing parametrisation ``[case]``
    if "::" in text:
        text = _PYTEST_PARAM_RE.sub("", text)
    # dotted name with a call/signature: ``a.b.c()``, ``a.b(x: int, y=2)``
    m = _DOTTED_RE.match(text)
    if m and m.group("sig") is not None:
        text = m.group("name")
    elif text.endswith("()"):
        text = text[:-2]  # ``path.py:func()``
    if _PLACEHOLDER_RE.search(text) or "(" in text or ")" in text:
        return None
    pm = _PATH_RE.match(text)
    if pm is not None:
        path = pm.group("path")
        sfx = _suffix(path)
        pathlike = "/" in path or sfx in ARTEFACT_SUFFIXES or sfx in _ALWAYS_FILE_SUFFIXES
        if not pathlike and sfx in SOURCE_SUFFIXES:
            # ``setup.cfg`` is a file but ``ptycho.params.cfg`` is a dotted name
            pathlike = path.count(".") == 1 or not _DOTTED_RE.match(path)
        if pathlike:
            if path.startswith("./"):
                path = path[2:]
            if not path or path in ("/", "~/"):
                return None
            segs = [s for s in path.strip("/").split("/") if s]
            if not segs or any(_SEG_PLACEHOLDER_RE.match(s) or s == "..." for s in segs):
                return None
            if "/" not in path and path in _GENERIC_FILES:
                return None
            start = pm.group("start")
            if start is not None:
                end = pm.group("end")
                return ClassifiedRef(
                    text=item.strip(),
                    kind=RefKind.CITATION,
                    path=path,
                    start=int(start),
                    end=int(end) if end is not None else int(start),
                )
            sym = pm.group("sym")
            if sym is not None:
                if not path.endswith(_PY_SUFFIXES):
                    return None
                return ClassifiedRef(
                    text=item.strip(),
                    kind=RefKind.PATH_SYMBOL,
                    path=path,
                    name=sym.replace("::", "."),
                )
            return ClassifiedRef(text=item.strip(), kind=RefKind.PATH, path=path)
        if pm.group("start") is not None or pm.group("sym") is not None:
            return None  # ``foo:12`` / ``Foo:bar`` without a file: not a reference
    m = _DOTTED_RE.match(text)
    if m is None:
        return None  # single words, literals, anything else
    name = m.group("name")
    parts = name.split(".")
    if all(len(p) == 1 for p in parts):
        return None  # ``e.g``, ``i.e``
    if len(parts) == 2 and _CAPWORD_RE.match(parts[0]):
        return ClassifiedRef(text=item.strip(), kind=RefKind.ATTR, name=name)
    return ClassifiedRef(text=item.strip(), kind=RefKind.DOTTED, name=name)


def classify(text: str) -> list[ClassifiedRef]:
    """Decide what a code span's text refers to (a pure function of the text).

    The span is split on commas/semicolons; each item becomes at most one
    :class:`ClassifiedRef`. Literals, numbers, versions, shell lines, placeholders, globs,
    URLs, ``key=value`` text, environment variables and single words give nothing.
    Absolute paths come back with ``external`` set (never resolved); data artefacts with
    ``artefact`` set (never a warning when missing).
    """
    if not text or len(text) > 2000 or "\n" in text.strip():
        return []
    if _is_shell(text):
        return []
    out: list[ClassifiedRef] = []
    for item in _split_items(text):
        ref = _classify_item(item)
        if ref is not None:
            out.append(ref)
    return out


def is_citation_candidate(text: str) -> bool:
    """True when an inline literal's text holds at least one code reference worth resolving.

    A cheap filter for the Sphinx layer (absolute paths are not candidates).
    """
    return any(not c.external for c in classify(text))


def references_in(
    text: str,
    *,
    doc_path: str,
    doc_line: int,
    context: str = "code",
    section: Section | None = None,
) -> list[Reference]:
    """:func:`classify` ``text`` and place each result at ``doc_path:doc_line``."""
    return [
        Reference(
            text=c.text,
            kind=c.kind,
            doc_path=doc_path,
            doc_line=doc_line,
            path=c.path,
            start=c.start,
            end=c.end,
            name=c.name,
            section=section.title if section else None,
            anchor=section.anchor if section else None,
            context=context,
            span=text,
        )
        for c in classify(text)
    ]


def _role_target(text: str) -> str:
    """``Title <target>`` -> ``target``; ``~a.b.C`` / ``!x`` -> ``a.b.C`` (Sphinx role syntax)."""
    t = text.strip()
    if t.endswith(">") and "<" in t:
        t = t[t.rfind("<") + 1 : -1].strip()
    return t.lstrip("~!").lstrip(".")


def _link_target(href: str, doc_path: str) -> str | None:
    """A relative link href, made root-relative; ``None`` for URLs and in-page anchors."""
    href = unquote(href.strip())
    if not href or href.startswith("#") or re.match(r"^[A-Za-z][\w+.-]*:", href):
        return None
    path, _, frag = href.partition("#")
    if not path or path.startswith("/"):
        return None
    trailing = path.endswith("/")
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(doc_path), path))
    if joined == ".":
        return None
    if trailing:
        joined += "/"
    fm = re.match(r"^L(\d+)(?:-L?(\d+))?$", frag)
    if fm:
        return f"{joined}:{fm.group(1)}" + (f"-{fm.group(2)}" if fm.group(2) else "")
    return joined


# --------------------------------------------------------------------------------------
# slugs and shared helpers


def slugify(title: str) -> str:
    """The docutils/MyST section id of a title (``nodes.make_id``)."""
    from docutils import nodes

    return str(nodes.make_id(title))


_IDENT_RE = re.compile(r"^[A-Za-z_]\w*$")
_OWNER_RE = re.compile(r"^(?:[A-Za-z_]\w*\.)*_?[A-Z]\w*$")
_PYPATH_IN_TEXT_RE = re.compile(r"(?<![\w/.])([\w.\-]+(?:/[\w.\-]+)*\.pyi?)\b")


def _owner_from(codes: list[str], plain: str) -> tuple[str, str | None] | None:
    """The class named by a field-list heading: first code span that looks like a class,
    and the ``.py`` file named next to it (in a code span or in plain text)."""
    owner = next((c.strip() for c in codes if _OWNER_RE.match(c.strip())), None)
    if owner is None:
        return None
    hint: str | None = None
    for c in codes:
        for cr in classify(c):
            if cr.path and cr.path.endswith(_PY_SUFFIXES) and not cr.external:
                hint = cr.path
                break
        if hint:
            break
    if hint is None:
        m = _PYPATH_IN_TEXT_RE.search(plain)
        if m:
            hint = m.group(1)
    return owner, hint


_FIELD_SEP_RE = re.compile(r"^\s*(?:[,/&]|and|or)?\s*$")


def _leading_codes(children: list[tuple[bool, str]]) -> list[str]:
    """The code spans that open a list item (``a`` / ``b``, ``c`` and ``d``): field names."""
    out: list[str] = []
    for is_code, text in children:
        if is_code:
            out.append(text)
        elif out and _FIELD_SEP_RE.match(text):
            continue
        else:
            break
    return out


def _field_name(code: str, owner: str) -> str | None:
    t = code.strip()
    short = owner.rsplit(".", 1)[-1]
    for prefix in (owner + ".", short + "."):
        if t.startswith(prefix):
            t = t[len(prefix) :]
    return t if _IDENT_RE.match(t) else None


class _Collector:
    """Accumulates sections, spans, references and field lists for one document."""

    def __init__(self, doc_path: str, *, refs: bool = True) -> None:
        self.doc_path = doc_path
        self.want_refs = refs
        self.sections: list[Section] = []
        self.spans: list[Span] = []
        self.refs: list[Reference] = []
        self.field_lists: list[FieldList] = []
        self.section: Section | None = None

    def heading(self, title: str, line: int, level: int) -> None:
        sec = Section(title=title, anchor=slugify(title), line=line, level=level)
        self.sections.append(sec)
        self.section = sec

    def span(self, text: str, line: int, context: str) -> None:
        self.spans.append(Span(text=text, line=line, context=context, section=self.section))
        if self.want_refs:
            self.refs.extend(
                references_in(
                    text,
                    doc_path=self.doc_path,
                    doc_line=line,
                    context=context,
                    section=self.section,
                )
            )

    def link(self, href: str, line: int) -> None:
        target = _link_target(href, self.doc_path)
        if target is None:
            return
        refs = [
            r
            for r in references_in(
                target, doc_path=self.doc_path, doc_line=line, context="link", section=self.section
            )
            if r.kind in (RefKind.PATH, RefKind.CITATION)
        ]
        if refs:
            self.spans.append(Span(text=target, line=line, context="link", section=self.section))
            self.refs.extend(refs)

    def field_list(
        self, owner: tuple[str, str | None], line: int, items: list[tuple[str, int]]
    ) -> None:
        name, hint = owner
        fields = []
        for code, fline in items:
            f = _field_name(code, name)
            if f is not None:
                fields.append((f, fline))
        if not fields:
            return
        ref = Reference(
            text=name,
            kind=RefKind.DOTTED,
            doc_path=self.doc_path,
            doc_line=line,
            path=hint,
            name=name,
            section=self.section.title if self.section else None,
            anchor=self.section.anchor if self.section else None,
            span=name,
        )
        self.field_lists.append(FieldList(owner=ref, line=line, fields=tuple(fields)))

    def result(self, problems: tuple[Finding, ...] = ()) -> ParsedDocument:
        return ParsedDocument(
            path=self.doc_path,
            sections=tuple(self.sections),
            spans=tuple(self.spans),
            references=tuple(self.refs),
            field_lists=tuple(self.field_lists),
            problems=problems,
        )


# --------------------------------------------------------------------------------------
# Markdown

_MD_ROLE_RE = re.compile(r"\{([A-Za-z][\w:.+-]*)\}$")
_md_parser: Any = None


def _markdown() -> Any:
    global _md_parser
    if _md_parser is None:
        from markdown_it import MarkdownIt

        _md_parser = MarkdownIt("commonmark").enable("table")
    return _md_parser


def _order(event: tuple[int, int, int, str, str | None], order: list[tuple[int, int]]) -> int:
    return order.index((event[1], event[2]))


def _md_inline_codes(
    tok: Any,
) -> tuple[list[tuple[str, int, str | None]], str, list[tuple[str, int]], list[tuple[int, int]]]:
    """Code spans (text, exact line, role name), plain text and link hrefs (href, line) of an
    inline token; lines count the soft/hard breaks before each child."""
    base = tok.map[0] + 1 if tok.map else 1
    breaks = 0
    prev_text = ""
    out: list[tuple[str, int, str | None]] = []
    plain: list[str] = []
    links: list[tuple[str, int]] = []
    order: list[tuple[int, int]] = []  # (0 code | 1 link, index) in child order
    for child in tok.children or ():
        if child.type in ("softbreak", "hardbreak"):
            breaks += 1
            prev_text = ""
        elif child.type == "text":
            prev_text = child.content
            plain.append(child.content)
        elif child.type == "code_inline":
            rm = _MD_ROLE_RE.search(prev_text)
            order.append((0, len(out)))
            out.append((child.content, base + breaks, rm.group(1) if rm else None))
            prev_text = ""
        else:
            if child.type == "link_open":
                href = child.attrGet("href")
                if isinstance(href, str):
                    order.append((1, len(links)))
                    links.append((href, base + breaks))
            prev_text = ""
    return out, "".join(plain), links, order


def _parse_markdown(text: str, col: _Collector) -> None:
    tokens = _markdown().parse(text)
    # open list items: [first code span (text, line), owner named by the first paragraph]
    items: list[list[Any]] = []
    # open lists: [owner (name, hint) and its line, field candidates]
    lists: list[list[Any]] = []
    table: list[Any] | None = None  # [owner, line, rows]
    in_tbody = False
    col_index = 0
    for i, tok in enumerate(tokens):
        t = tok.type
        if t == "heading_open":
            inline = tokens[i + 1] if i + 1 < len(tokens) else None
            title = inline.content if inline is not None and inline.type == "inline" else ""
            plain_title = re.sub(r"`([^`]*)`", r"\1", title).strip()
            level = int(tok.tag[1:]) if tok.tag[1:].isdigit() else 1
            col.heading(plain_title, tok.map[0] + 1 if tok.map else 1, level)
        elif t in ("bullet_list_open", "ordered_list_open"):
            owner = items[-1][1] if items else None
            lists.append([owner, []])
        elif t in ("bullet_list_close", "ordered_list_close"):
            if lists:
                owner, fields = lists.pop()
                if owner is not None and fields:
                    col.field_list(owner[0], owner[1], fields)
        elif t == "list_item_open":
            items.append([None, None, False])
        elif t == "list_item_close":
            if items:
                first = items.pop()[0]
                if first and lists:
                    lists[-1][1].extend(first)
        elif t == "table_open":
            owner = None
            if i >= 2 and tokens[i - 2].type == "inline":
                codes, plain, _links, _order_ = _md_inline_codes(tokens[i - 2])
                found = _owner_from([c for c, _, r in codes if r is None], plain)
                if found is not None:
                    m = tokens[i - 2].map
                    owner = (found, m[0] + 1 if m else 1)
            table = [owner, []]
        elif t == "table_close":
            if table is not None and table[0] is not None and table[1]:
                col.field_list(table[0][0], table[0][1], table[1])
            table = None
        elif t == "tbody_open":
            in_tbody = True
        elif t == "tbody_close":
            in_tbody = False
        elif t == "tr_open":
            col_index = 0
        elif t in ("td_open", "th_open"):
            col_index += 1
        elif t == "inline":
            codes, plain, links, order = _md_inline_codes(tok)
            line0 = tok.map[0] + 1 if tok.map else 1
            # code spans and links in document order
            events = [(line, 0, n, code, role) for n, (code, line, role) in enumerate(codes)]
            events += [(line, 1, n, href, "") for n, (href, line) in enumerate(links)]
            for line, is_link, _n, text_, role in sorted(events, key=lambda e: _order(e, order)):
                if is_link:
                    col.link(text_, line)
                elif role is None:
                    col.span(text_, line, "code")
                elif _is_code_role(role):
                    col.span(_role_target(text_), line, "role")
            children = [c for c in (tok.children or ()) if c.type != "text" or c.content.strip()]
            lead = _leading_codes([(c.type == "code_inline", c.content) for c in children])
            first_code = lead[0] if lead else None
            if table is not None:
                if in_tbody and col_index == 1 and first_code is not None:
                    table[1].append((first_code, line0))
            elif items and not items[-1][2] and i > 0 and tokens[i - 1].type == "paragraph_open":
                items[-1][2] = True
                if first_code is not None:
                    items[-1][0] = [(c, line0) for c in lead]
                    owner = _owner_from([first_code], plain)
                    items[-1][1] = (owner, line0) if owner is not None else None


# --------------------------------------------------------------------------------------
# reST

_RST_LOCK = threading.Lock()
_ROLE_ALIASES = {
    "": "title-reference",
    "t": "title-reference",
    "title": "title-reference",
    "sub": "subscript",
    "sup": "superscript",
    "ab": "abbreviation",
    "ac": "acronym",
}
_RST_SKIP_DIRECTIVES = frozenset(
    {"include", "raw", "code", "code-block", "sourcecode", "literalinclude", "highlight"}
)


@contextmanager
def _rst_lookups() -> Iterator[None]:
    """Make unknown roles/directives harmless while *this* parse runs, then restore docutils'
    (or Sphinx's patched) lookup functions: global docutils state is left as found."""
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives, roles

    saved_role = roles.role
    saved_directive = directives.directive

    def code_role(
        name: str,
        rawtext: str,
        text: str,
        lineno: int,
        inliner: Any,
        options: Any = None,
        content: Any = None,
    ) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        node = nodes.literal(rawtext, _role_target(text), classes=["ptyplan-role"])
        return [node], []

    def text_role(
        name: str,
        rawtext: str,
        text: str,
        lineno: int,
        inliner: Any,
        options: Any = None,
        content: Any = None,
    ) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        return [nodes.inline(rawtext, text)], []

    class SkipDirective(Directive):  # type: ignore[misc]
        has_content = True
        optional_arguments = 100
        final_argument_whitespace = True
        option_spec: Any = _AnyOptions()

        def run(self) -> list[nodes.Node]:
            return []

    builtin_roles = {
        "literal",
        "code",
        "emphasis",
        "strong",
        "subscript",
        "superscript",
        "sub",
        "sup",
        "title-reference",
        "title",
        "t",
        "abbreviation",
        "ab",
        "acronym",
        "ac",
    }

    def role(
        role_name: str, language_module: Any, lineno: int, reporter: Any
    ) -> tuple[Any, list[Any]]:
        name = role_name.lower()
        if _is_code_role(name):
            return code_role, []
        if name in builtin_roles or name == "":
            canonical = _ROLE_ALIASES.get(name, name)
            fn = roles._role_registry.get(canonical)
            if fn is not None:
                return fn, []
        return text_role, []

    def directive(type_name: str, language_module: Any, document: Any) -> tuple[Any, list[Any]]:
        name = type_name.lower()
        if name in _RST_SKIP_DIRECTIVES or name not in directives._directive_registry:
            return SkipDirective, []
        modname, clsname = directives._directive_registry[name]
        import importlib

        mod = importlib.import_module(f"docutils.parsers.rst.directives.{modname}")
        return getattr(mod, clsname), []

    with _RST_LOCK:
        roles.role = role
        directives.directive = directive
        try:
            yield
        finally:
            roles.role = saved_role
            directives.directive = saved_directive


class _AnyOptions(dict[str, Any]):
    """An option_spec that accepts every option (unknown directives take anything)."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> Any:
        return lambda value: value

    def get(self, key: str, default: Any = None) -> Any:
        return lambda value: value


def _rst_doctree(text: str) -> Any:
    from docutils.core import publish_doctree

    settings = {
        "file_insertion_enabled": False,
        "raw_enabled": False,
        "report_level": 5,
        "halt_level": 5,
        "warning_stream": io.StringIO(),
        "doctitle_xform": False,
        "sectsubtitle_xform": False,
        "input_encoding": "unicode",
        "embed_stylesheet": False,
        "_disable_config": True,
    }
    with _rst_lookups():
        return publish_doctree(text, source_path="<ptyplan>", settings_overrides=settings)


def _node_line(node: Any) -> int | None:
    while node is not None:
        line = getattr(node, "line", None)
        if line:
            return int(line)
        node = node.parent
    return None


class _RstWalker:
    def __init__(self, text: str, col: _Collector) -> None:
        self.lines = text.splitlines()
        self.col = col

    def title_line(self, node: Any) -> int:
        line = _node_line(node) or 1
        raw = node.astext().strip()
        for cand in (line - 1, line, line - 2):
            if 1 <= cand <= len(self.lines) and raw and raw in self.lines[cand - 1]:
                return cand
        return max(1, line - 1)

    def inline_lines(self, para: Any) -> list[tuple[Any, int]]:
        """(literal or reference node, exact line) inside a text element, in document order.

        Inline nodes carry no line: take the element's line and count the newlines of its
        rawsource before the node's own rawsource.
        """
        from docutils import nodes

        base = _node_line(para) or 1
        raw = para.rawsource or ""
        pos = 0
        out: list[tuple[Any, int]] = []
        for node in para.findall(lambda n: isinstance(n, (nodes.literal, nodes.reference))):
            rs = node.rawsource or ""
            found = raw.find(rs, pos) if rs else -1
            if found >= 0:
                out.append((node, base + raw.count("\n", 0, found)))
                # a reference may hold a literal: search inside it next
                pos = found + (1 if isinstance(node, nodes.reference) else len(rs))
            else:
                out.append((node, base))
        return out

    def walk(self, node: Any, level: int) -> None:
        from docutils import nodes

        for child in node.children:
            if isinstance(child, nodes.section):
                title = child.next_node(nodes.title)
                if title is not None:
                    self.col.heading(title.astext().strip(), self.title_line(title), level + 1)
                self.walk(child, level + 1)
            elif isinstance(
                child, (nodes.literal_block, nodes.doctest_block, nodes.comment, nodes.raw)
            ):
                continue
            elif isinstance(child, nodes.bullet_list):
                self.text_elements(child, skip_nested=True)
                self.bullet_fields(child)
                for item in child.children:
                    for sub in item.children:
                        if isinstance(sub, nodes.TextElement):
                            continue
                        self.walk_one(sub, level)
            elif isinstance(child, nodes.table):
                self.text_elements(child, skip_nested=False)
                self.table_fields(child)
            elif isinstance(child, nodes.TextElement):
                self.text_elements(child, skip_nested=False)
            else:
                self.walk(child, level)

    def walk_one(self, node: Any, level: int) -> None:
        from docutils import nodes

        holder = nodes.container()
        holder.children = [node]  # keep node.parent intact for line lookups
        self.walk(holder, level)

    def text_elements(self, node: Any, *, skip_nested: bool) -> None:
        """Spans of the text elements directly under ``node`` (list items: their paragraphs)."""
        from docutils import nodes

        elems: list[Any]
        if isinstance(node, nodes.TextElement):
            elems = [node]
        elif skip_nested:
            elems = [
                sub
                for item in node.children
                for sub in item.children
                if isinstance(sub, nodes.TextElement)
            ]
        else:
            elems = [
                e
                for e in node.findall(nodes.TextElement)
                if isinstance(e, (nodes.paragraph, nodes.line, nodes.term))
                and not any(isinstance(a, nodes.literal_block) for a in _ancestors(e))
            ]
        for el in elems:
            if isinstance(el, (nodes.literal_block, nodes.doctest_block, nodes.title)):
                continue
            for node, line in self.inline_lines(el):
                if isinstance(node, nodes.reference):
                    uri = node.get("refuri")
                    if isinstance(uri, str):
                        self.col.link(uri, line)
                    continue
                ctx = "role" if "ptyplan-role" in node.get("classes", ()) else "code"
                self.col.span(node.astext(), line, ctx)

    def _para_info(self, para: Any) -> tuple[list[str], str, bool, str | None, int]:
        from docutils import nodes

        codes = [lit.astext() for lit in para.findall(nodes.literal)]
        first = para.children[0] if para.children else None
        starts = isinstance(first, nodes.literal)
        return (
            codes,
            para.astext(),
            starts,
            first.astext() if starts and first is not None else None,
            (_node_line(para) or 1),
        )

    def bullet_fields(self, blist: Any) -> None:
        from docutils import nodes

        for item in blist.children:
            paras = [c for c in item.children if isinstance(c, nodes.paragraph)]
            nested = [c for c in item.children if isinstance(c, nodes.bullet_list)]
            if not paras or not nested:
                continue
            codes, plain, starts, _first, line = self._para_info(paras[0])
            if not starts:
                continue
            owner = _owner_from(codes[:1], plain)
            if owner is None:
                continue
            fields: list[tuple[str, int]] = []
            for sub in nested[0].children:
                sp = [c for c in sub.children if isinstance(c, nodes.paragraph)]
                if not sp:
                    continue
                s_line = _node_line(sp[0]) or 1
                lead = _leading_codes(
                    [(isinstance(c, nodes.literal), c.astext()) for c in sp[0].children]
                )
                fields.extend((c, s_line) for c in lead)
            self.col.field_list(owner, line, fields)

    def table_fields(self, table: Any) -> None:
        from docutils import nodes

        prev = table.previous_sibling() if hasattr(table, "previous_sibling") else None
        owner: tuple[str, str | None] | None = None
        oline = _node_line(table) or 1
        if isinstance(prev, nodes.paragraph):
            codes = [lit.astext() for lit in prev.findall(nodes.literal)]
            owner = _owner_from(codes, prev.astext())
            oline = _node_line(prev) or oline
        elif prev is None and isinstance(table.parent, nodes.section):
            title = table.parent.next_node(nodes.title)
            if title is not None:
                codes = [lit.astext() for lit in title.findall(nodes.literal)]
                owner = _owner_from(codes, title.astext())
                oline = self.title_line(title)
        elif isinstance(prev, nodes.title):
            codes = [lit.astext() for lit in prev.findall(nodes.literal)]
            owner = _owner_from(codes, prev.astext())
            oline = self.title_line(prev)
        if owner is None:
            return
        rows: list[tuple[str, int]] = []
        for tbody in table.findall(nodes.tbody):
            for row in tbody.children:
                entries = [e for e in row.children if isinstance(e, nodes.entry)]
                if not entries:
                    continue
                paras = [c for c in entries[0].children if isinstance(c, nodes.paragraph)]
                if not paras:
                    continue
                _c, _p, starts, first, line = self._para_info(paras[0])
                if starts and first is not None:
                    rows.append((first, line))
        if rows:
            self.col.field_list(owner, oline, rows)


def _ancestors(node: Any) -> Iterator[Any]:
    p = node.parent
    while p is not None:
        yield p
        p = p.parent


def _parse_rst(text: str, col: _Collector) -> None:
    doctree = _rst_doctree(text)
    _RstWalker(text, col).walk(doctree, 0)


# --------------------------------------------------------------------------------------
# entry points


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


def spans_of_text(text: str, doc_path: str) -> list[tuple[str, int, str]]:
    """``(text, line, context)`` of a document's inline code, code roles and file links,
    outside example regions (:func:`ignored_lines`): what the citation checks read.

    Markdown goes through the one-pass scanner (``core/mdspans``), falling back to the full
    parse for the constructs it leaves to markdown-it; reST through docutils.
    """
    from .mdspans import md_spans

    fmt = _FORMATS.get(Path(doc_path).suffix.lower(), "md")
    events = md_spans(text) if fmt == "md" else None
    out: list[tuple[str, int, str]] = []
    if events is None:
        parsed = parse_document(text, doc_path, fmt)
        out = [(sp.text, sp.line, sp.context) for sp in parsed.spans]
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
    return [sp for sp in out if sp[1] not in skip] if skip else out
