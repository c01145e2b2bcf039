"""The classifier: what one code span, link target or role of a document refers to."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from sphinx_ptyplan.core.models import Reference, RefKind
from sphinx_ptyplan.core.sources.docmodel import Section

__all__ = [
    "ARTEFACT_SUFFIXES",
    "ClassifiedRef",
    "SOURCE_SUFFIXES",
    "classify",
    "is_artefact",
    "is_citation_candidate",
    "is_external_path",
    "references_in",
    "written_path",
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
    written: str | None = None  # a line-list element as written (``30`` of ``a.py:5,30``)

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
_PYTEST_PARAM_RE = re.compile(r"\[[^\[\]]*\]$")  # no "[" inside: linear
_GENERIC_FILES = frozenset({"__init__.py", "__main__.py"})


def _split_items(text: str) -> list[str]:
    """Split on commas/semicolons outside brackets (a signature's commas stay together)."""
    if "," not in text and ";" not in text:  # most spans: one item, no walk needed
        one = text.strip()
        return [one] if one else []
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
    # matched in Unicode NFC (a name written decomposed, as some macOS tools write it, is the
    # same citation); ``text`` keeps the form as written
    text = unicodedata.normalize("NFC", item.strip())
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

    Answers are memoised for the process (a corpus repeats its spans: 30,000 spans of
    the benchmark's corpus are 14,000 texts); the list returned is the caller's own.
    """
    return list(_classify(text))


@lru_cache(maxsize=1 << 16)
def _classify(text: str) -> tuple[ClassifiedRef, ...]:
    if not text or len(text) > 2000 or "\n" in text.strip():
        return ()
    if _is_shell(text):
        return ()
    out: list[ClassifiedRef] = []
    prev: ClassifiedRef | None = None
    for item in _split_items(text):
        ref = _classify_item(item)
        if ref is None and prev is not None and prev.kind is RefKind.CITATION:
            ref = _line_element(item, prev)
        if ref is not None:
            out.append(ref)
        prev = ref
    return tuple(out)


_LINES_ONLY_RE = re.compile(r"^(?P<l>L?)(?P<start>\d+)(?:[-–]L?(?P<end>\d+))?$")


def _line_element(item: str, prev: ClassifiedRef) -> ClassifiedRef | None:
    """``30`` or ``30-32`` after ``path:5`` in ``path:5,30``: a citation of the same file,
    checked (and rewritten) on its own; ``text`` names the file, ``written`` keeps the form."""
    written = item.strip()
    m = _LINES_ONLY_RE.match(written)
    if m is None or prev.path is None:
        return None
    start = int(m.group("start"))
    end = int(m.group("end")) if m.group("end") is not None else start
    return ClassifiedRef(
        text=f"{prev.path}:{written}",
        kind=RefKind.CITATION,
        path=prev.path,
        start=start,
        end=end,
        written=written,
    )


def code_names(text: str) -> list[ClassifiedRef]:
    """The names a spec's code span holds when :func:`classify` finds none in it: a bare
    name (``RawData``, ``update_legacy_dict()``, ``KEY_MAPPINGS``) or the names of a call,
    subscript or signature (``update_legacy_dict(ptycho.params.cfg, config)`` gives
    ``update_legacy_dict`` and ``ptycho.params.cfg``; plain words such as ``config`` are
    prose). The first name's ``text`` is the whole span (its signature is checked)."""
    from sphinx_ptyplan.core.sources.codespans import is_bare_name, parse_code_span

    t = text.strip()
    if not t or len(t) > 600:
        return []
    span = parse_code_span(t)
    if _is_shell(t) and (span is None or span.kind != "signature"):
        return []  # a signature may write ``x: list | None`` (no shell pipe)
    if span is None:
        if is_bare_name(t):
            return [ClassifiedRef(text=t, kind=RefKind.NAME, name=t.removesuffix("()"))]
        return []
    out: list[ClassifiedRef] = []
    for i, name in enumerate(span.names):
        shown = t if i == 0 else name
        if "." in name:
            # an attribute chain in an expression is a name, never a file (``params.cfg``)
            parts = name.split(".")
            kind = RefKind.ATTR if len(parts) == 2 and _CAPWORD_RE.match(parts[0]) else None
            out.append(ClassifiedRef(text=shown, kind=kind or RefKind.DOTTED, name=name))
        elif is_bare_name(name + "()" if i == 0 and span.kind != "subscript" else name):
            out.append(ClassifiedRef(text=shown, kind=RefKind.NAME, name=name))
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
            written=c.written,
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


def written_path(text: str, path: str) -> tuple[str, int]:
    """``path`` (a classified path, in NFC) as it stands in ``text`` (a reference as
    written, perhaps in NFD) and where it starts; ``("", -1)`` when it is not there."""
    i = text.find(path) if path else -1
    if i >= 0 or not path:
        return path, i
    nfc = unicodedata.normalize("NFC", text)
    j = nfc.find(path)
    tail = nfc[j + len(path) :]
    if j < 0 or not text.startswith(nfc[:j]) or not text.endswith(tail):
        return "", -1
    as_written = text[j : len(text) - len(tail)]
    return (as_written, j) if unicodedata.normalize("NFC", as_written) == path else ("", -1)
