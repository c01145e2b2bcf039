"""Static scanner: a source tree becomes an :class:`Inventory`; code is parsed, never imported."""

from __future__ import annotations

import ast
import contextlib
import fnmatch
import gc
import hashlib
import io
import itertools
import json
import keyword
import os
import pickle
import posixpath
import re
import stat
import sys
import tempfile
import threading
import tokenize
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .models import (
    EntryKind,
    Finding,
    FindingKind,
    Inventory,
    ModuleEntry,
    ModuleInfo,
    Param,
    ParseProblem,
    Symbol,
    SymbolKind,
)
from .paths import PathRefused, confine

__all__ = [
    "DEFAULT_EXCLUDES",
    "DEFAULT_MAX_FILE_BYTES",
    "INVENTORY_SCHEMA",
    "ParseCache",
    "cyclic_gc_paused",
    "digest",
    "fingerprint_tree",
    "inventory_from_dict",
    "inventory_to_dict",
    "parse_module",
    "problem_code",
    "scan_tree",
]

#: Globs matched against every single path component (file or folder name); always applied.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    "__pycache__",
    ".git",
    ".hg",
    ".svn",
    "build",
    "dist",
    "*.egg-info",
    ".eggs",
    ".tox",
    ".nox",
    ".venv",
    "node_modules",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "*.pyc",
)
DEFAULT_MAX_FILE_BYTES = 5_000_000
INVENTORY_SCHEMA = "ptyplan-inventory/1"

#: Bump when the extraction changes: old cache files and fingerprints become invalid.
_SCAN_VERSION = 3
#: Cache misses needed before a process pool pays for its start-up (measured, see scan_tree).
_PARALLEL_MIN = 200
#: Source text kept for annotations/defaults is cut at this many characters.
_MAX_TEXT = 300

# Problem messages start with one of these labels; ``problem_code`` maps them back.
_LABELS = {
    "syntax error": "syntax-error",
    "encoding error": "encoding",
    "binary file": "binary",
    "too large": "too-large",
    "too complex": "too-complex",
}


def digest(data: bytes) -> str:
    """Content digest used for caching and change detection (BLAKE2b, 128 bits, hex)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def problem_code(problem: ParseProblem) -> str:
    """Stable finding code of a parse problem: ``syntax-error``, ``encoding``, ``binary``,
    ``too-large`` or ``too-complex``."""
    label = problem.message.split(":", 1)[0]
    return _LABELS.get(label, "syntax-error")


# --------------------------------------------------------------------------- parsing


class _Problem(Exception):
    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _too_large(size: int, max_bytes: int) -> ModuleInfo:
    msg = f"too large: {size} bytes (limit {max_bytes}); not parsed"
    return ModuleInfo(total_lines=0, code_lines=0, problem=ParseProblem(msg, 0))


def _count_lines(text: str) -> tuple[int, int]:
    """(total lines, lines that are neither blank nor only a comment), numbered like ``ast``."""
    if not text:
        return 0, 0
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    code = 0
    for line in lines:
        s = line.strip()
        if s and s[0] != "#":
            code += 1
    return len(lines), code


_CONTROL = frozenset(range(32)) - {9, 10, 12, 13} | {127}


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" not in sample:
        return False
    ctrl = sum(1 for b in sample if b in _CONTROL)
    return ctrl * 10 > len(sample) * 3  # more than 30 % control bytes


def _decode(data: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # bad coding cookie, BOM + non-UTF-8 cookie, undecodable line 1/2
        if b"\x00" in data:
            raise _Problem("binary file: contains NUL bytes and is not text") from None
        line = exc.lineno or 0
        if not line:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as bad:
                line = data.count(b"\n", 0, bad.start) + 1
        raise _Problem(f"encoding error: {exc.msg}", line) from None
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        if b"\x00" in data:
            raise _Problem("binary file: contains NUL bytes and is not text") from None
        line = data.count(b"\n", 0, exc.start) + 1 if isinstance(exc, UnicodeDecodeError) else 0
        raise _Problem(f"encoding error: not valid {encoding}: {exc}", line) from None


_PLAIN_STR = re.compile(r"[ -&(-\[\]-~]*")  # printable ASCII without ' and \\


def _simple(node: ast.AST, depth: int = 0) -> str | None:
    """The exact ``ast.unparse`` text of the commonest annotation and default nodes —
    names, ``a.b``, ``None``/bools/ints/finite floats, plain short strings, ``...``,
    subscripts of those (``list[float]``, ``tuple[int, ...]``, ``dict[str, Any]``) and
    ``|`` unions (``X | None``) — or None for anything else."""
    cls = type(node)
    if cls is ast.Name:
        return node.id  # type: ignore[attr-defined,no-any-return]
    if cls is ast.Constant:
        value = node.value  # type: ignore[attr-defined]
        vcls = type(value)
        if value is None or vcls is bool or vcls is int:
            return repr(value)
        if vcls is float:
            return repr(value) if value - value == 0 else None  # not inf/nan
        if value is Ellipsis:
            return "..."
        if (  # not u'' and nothing to escape
            vcls is str
            and len(value) < 60
            and node.kind is None  # type: ignore[attr-defined]
            and _PLAIN_STR.fullmatch(value)
        ):
            return f"'{value}'"
        return None
    if depth > 8:
        return None
    if cls is ast.Attribute:
        base = node.value  # type: ignore[attr-defined]
        if type(base) is ast.Name or type(base) is ast.Attribute:
            inner = _simple(base, depth + 1)
            return None if inner is None else f"{inner}.{node.attr}"  # type: ignore[attr-defined]
        return None
    if cls is ast.Subscript:
        base = node.value  # type: ignore[attr-defined]
        if type(base) is not ast.Name and type(base) is not ast.Attribute:
            return None
        head = _simple(base, depth + 1)
        index = node.slice  # type: ignore[attr-defined]
        if type(index) is ast.Tuple:
            if len(index.elts) < 2:  # x[()] and x[0,] keep their own spelling
                return None
            parts = [_simple(e, depth + 1) for e in index.elts]
            if head is None or None in parts:
                return None
            return f"{head}[{', '.join(parts)}]"  # type: ignore[arg-type]
        inner = _simple(index, depth + 1)
        return None if head is None or inner is None else f"{head}[{inner}]"
    if cls is ast.BinOp and type(node.op) is ast.BitOr:  # type: ignore[attr-defined]
        right = node.right  # type: ignore[attr-defined]
        if type(right) is ast.BinOp or type(right) is ast.Tuple:
            return None  # would need parentheses
        left = _simple(node.left, depth + 1)  # type: ignore[attr-defined]
        other = _simple(right, depth + 1)
        return None if left is None or other is None else f"{left} | {other}"
    return None


def _text(node: ast.AST | None) -> str | None:
    """Source text of an annotation or default (``ast.unparse``, shortened).

    The commonest nodes are written directly by :func:`_simple`, with the exact text
    ``ast.unparse`` gives (checked on the stdlib and Sphinx sources): unparsing was most
    of the cost of the symbol extraction otherwise (measured in bench/)."""
    if node is None:
        return None
    text = _simple(node)
    if text is None:
        try:
            text = ast.unparse(node)
        except RecursionError:  # e.g. ``x = 1+1+1…`` with 100k terms: parses, cannot unparse
            return "\u2026"
    if len(text) > _MAX_TEXT:
        text = text[: _MAX_TEXT - 1] + "\u2026"
    return text


def _first_line(doc: str | None) -> str | None:
    if not doc:
        return None
    for line in doc.splitlines():
        if line.strip():
            return line.strip()
    return None


def _docstring(node: ast.AST) -> str | None:
    """First non-blank line of the docstring, as ``ast.get_docstring(clean=True)`` would
    give it (tabs expanded, stripped), without cleaning the whole docstring first."""
    if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    body = node.body
    if not body or type(body[0]) is not ast.Expr:
        return None
    value = body[0].value
    if type(value) is not ast.Constant or type(value.value) is not str:
        return None
    for line in value.value.split("\n"):
        if line.strip():
            return _first_line(line.expandtabs())
    return None


#: Parameters and parameter lists repeat endlessly (``self``, ``(self,)``, ``x: int = 0``);
#: frozen and hashable, they are shared instead of duplicated: on 2,000 generated modules,
#: 74,000 parameters are 23 distinct objects. Bounded: cleared when it grows too large.
_SHARED: dict[Any, Any] = {}
_SHARED_MAX = 200_000


def _shared(value: Any) -> Any:
    got = _SHARED.get(value)
    if got is None:
        if len(_SHARED) >= _SHARED_MAX:
            _SHARED.clear()
        _SHARED[value] = got = value
    return got


def _params(args: ast.arguments) -> tuple[Param, ...]:
    if not (args.posonlyargs or args.args or args.vararg or args.kwonlyargs or args.kwarg):
        return ()
    return _shared(tuple(_shared(p) for p in _param_list(args)))  # type: ignore[no-any-return]


def _param_list(args: ast.arguments) -> list[Param]:
    out: list[Param] = []
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults.extend(args.defaults)
    n_posonly = len(args.posonlyargs)
    for i, arg in enumerate(positional):
        kind = "posonly" if i < n_posonly else "arg"
        out.append(Param(arg.arg, kind, _text(arg.annotation), _text(defaults[i])))
    if args.vararg is not None:
        out.append(Param(args.vararg.arg, "vararg", _text(args.vararg.annotation)))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        out.append(Param(arg.arg, "kwonly", _text(arg.annotation), _text(default)))
    if args.kwarg is not None:
        out.append(Param(args.kwarg.arg, "varkw", _text(args.kwarg.annotation)))
    return out


def _function(node: ast.FunctionDef | ast.AsyncFunctionDef, kind: SymbolKind) -> Symbol:
    return Symbol(
        name=node.name,
        kind=kind,
        line=node.lineno,
        end_line=node.end_lineno or node.lineno,
        params=_params(node.args),
        returns=_text(node.returns),
        decorators=tuple(ast.unparse(d) for d in node.decorator_list),
        docstring=_docstring(node),
        is_async=isinstance(node, ast.AsyncFunctionDef),
    )


def _is_dataclass_decorator(node: ast.expr) -> bool:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id == "dataclass"
    return isinstance(node, ast.Attribute) and node.attr == "dataclass"


def _annotation_head(node: ast.expr) -> str:
    """``ClassVar`` for ``ClassVar[int]``, ``typing.ClassVar``, ``"ClassVar[int]"`` …"""
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        head = node.value.strip().split("[", 1)[0]
        return head.rsplit(".", 1)[-1].strip()
    return ""


def _target_names(target: ast.expr) -> Iterable[ast.Name]:
    if isinstance(target, ast.Name):
        yield target
    elif isinstance(target, ast.Tuple | ast.List):
        for elt in target.elts:
            yield from _target_names(elt)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _nested_bodies(node: ast.stmt) -> list[list[ast.stmt]] | None:
    """The statement lists under a top-level ``if``/``try`` (definitions there count too)."""
    if isinstance(node, ast.If):
        return [node.body, node.orelse]
    if isinstance(node, ast.Try | ast.TryStar):
        return [node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody]
    return None


def _self_attributes(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[Symbol]:
    """``self.x = …`` assignments in a method (``__init__``), in source order."""
    positional = [*func.args.posonlyargs, *func.args.args]
    if not positional:
        return []
    me = positional[0].arg
    found: list[tuple[int, int, Symbol]] = []
    for node in ast.walk(func):
        targets: list[ast.expr]
        value: ast.expr | None = None
        annotation: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets = node.targets
            value = node.value if len(targets) == 1 else None
        elif isinstance(node, ast.AnnAssign):
            targets, value, annotation = [node.target], node.value, node.annotation
        elif isinstance(node, ast.AugAssign):
            targets = [node.target]
        else:
            continue
        flat: list[ast.expr] = []
        for t in targets:
            flat.extend(t.elts if isinstance(t, ast.Tuple | ast.List) else [t])
        for t in flat:
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == me:
                sym = Symbol(
                    name=t.attr,
                    kind=SymbolKind.ATTRIBUTE,
                    line=t.lineno,
                    end_line=node.end_lineno or t.lineno,
                    annotation=_text(annotation),
                    default=_text(value) if len(flat) == 1 else None,
                )
                found.append((t.lineno, t.col_offset, sym))
    found.sort(key=lambda item: (item[0], item[1]))
    return [sym for _, _, sym in found]


_SELF_ATTR_METHODS = frozenset({"__init__", "__post_init__"})


def _class(node: ast.ClassDef) -> Symbol:
    is_dc = any(_is_dataclass_decorator(d) for d in node.decorator_list)
    members: list[Symbol] = []
    seen: set[str] = set()

    def add(sym: Symbol) -> None:
        if sym.name not in seen:
            seen.add(sym.name)
            members.append(sym)

    def visit(stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                add(_function(stmt, SymbolKind.METHOD))
                if stmt.name in _SELF_ATTR_METHODS:
                    for attr in _self_attributes(stmt):
                        add(attr)
            elif isinstance(stmt, ast.ClassDef):
                add(_class(stmt))
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                head = _annotation_head(stmt.annotation)
                if head == "KW_ONLY":
                    continue  # dataclasses.KW_ONLY sentinel, not a field
                is_field = is_dc and head not in ("ClassVar", "InitVar")
                add(
                    Symbol(
                        name=stmt.target.id,
                        kind=SymbolKind.FIELD if is_field else SymbolKind.ATTRIBUTE,
                        line=stmt.lineno,
                        end_line=stmt.end_lineno or stmt.lineno,
                        annotation=_text(stmt.annotation),
                        default=_text(stmt.value),
                    )
                )
            elif isinstance(stmt, ast.Assign):
                single = len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                for target in stmt.targets:
                    for name in _target_names(target):
                        add(
                            Symbol(
                                name=name.id,
                                kind=SymbolKind.ATTRIBUTE,
                                line=stmt.lineno,
                                end_line=stmt.end_lineno or stmt.lineno,
                                default=_text(stmt.value) if single else None,
                            )
                        )
            else:
                bodies = _nested_bodies(stmt)
                if bodies:
                    for body in bodies:
                        visit(body)

    visit(node.body)
    return Symbol(
        name=node.name,
        kind=SymbolKind.CLASS,
        line=node.lineno,
        end_line=node.end_lineno or node.lineno,
        bases=tuple(ast.unparse(b) for b in node.bases),
        decorators=tuple(ast.unparse(d) for d in node.decorator_list),
        is_dataclass=is_dc,
        members=tuple(members),
        docstring=_docstring(node),
    )


def _str_list(node: ast.expr | None) -> list[str] | None:
    if isinstance(node, ast.List | ast.Tuple):
        out = []
        for elt in node.elts:
            if not (isinstance(elt, ast.Constant) and isinstance(elt.value, str)):
                return None
            out.append(elt.value)
        return out
    return None


class _ModuleExtractor:
    def __init__(self) -> None:
        self.symbols: list[Symbol] = []
        self.seen: set[str] = set()
        self.all_names: list[str] | None = None
        self.all_dynamic = False

    def add(self, sym: Symbol) -> None:
        if sym.name not in self.seen:  # the first definition wins (source order)
            self.seen.add(sym.name)
            self.symbols.append(sym)

    def set_all(self, value: ast.expr | None, extend: bool) -> None:
        names = _str_list(value)
        if names is None:
            self.all_dynamic = True
        elif extend and self.all_names is not None:
            self.all_names.extend(names)
        elif extend:
            self.all_dynamic = True  # ``__all__ +=`` before any literal assignment
        else:
            self.all_names = names

    def constant(
        self, name: str, node: ast.stmt, annotation: ast.expr | None, value: ast.expr | None
    ) -> None:
        self.add(
            Symbol(
                name=name,
                kind=SymbolKind.CONSTANT,
                line=node.lineno,
                end_line=node.end_lineno or node.lineno,
                annotation=_text(annotation),
                default=_text(value),
            )
        )

    def visit(self, stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                self.add(_function(stmt, SymbolKind.FUNCTION))
            elif isinstance(stmt, ast.ClassDef):
                self.add(_class(stmt))
            elif isinstance(stmt, ast.Assign):
                single = len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                for target in stmt.targets:
                    for name in _target_names(target):
                        if name.id == "__all__":
                            self.set_all(stmt.value if single else None, extend=False)
                        self.constant(name.id, stmt, None, stmt.value if single else None)
            elif isinstance(stmt, ast.AnnAssign):
                if isinstance(stmt.target, ast.Name):
                    if stmt.target.id == "__all__" and stmt.value is not None:
                        self.set_all(stmt.value, extend=False)
                    self.constant(stmt.target.id, stmt, stmt.annotation, stmt.value)
            elif isinstance(stmt, ast.AugAssign):
                target = stmt.target
                if isinstance(target, ast.Name) and target.id == "__all__":
                    ok = isinstance(stmt.op, ast.Add)
                    self.set_all(stmt.value if ok else None, extend=True)
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                self.all_call(stmt.value)
            else:
                bodies = _nested_bodies(stmt)
                if bodies:
                    for body in bodies:
                        self.visit(body)

    def all_call(self, call: ast.Call) -> None:
        func = call.func
        if not (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "__all__"
        ):
            return
        arg = call.args[0] if len(call.args) == 1 and not call.keywords else None
        if func.attr == "extend":
            self.set_all(arg, extend=True)
        elif func.attr == "append":
            lit = ast.List(elts=[arg], ctx=ast.Load()) if arg is not None else None
            self.set_all(lit, extend=True)
        elif func.attr != "sort":
            self.all_dynamic = True


def parse_module(
    data: bytes, *, path: str = "<unknown>", max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> ModuleInfo:
    """Statically analyse one Python source (bytes); never compiles or executes it.

    The source is decoded as Python would (PEP 263 coding cookie, UTF-8 BOM; any newline
    convention) and parsed with :func:`ast.parse`. Top-level classes, functions and constants
    are collected, including those defined under a top-level ``if``/``try`` (``if
    TYPE_CHECKING``, ``try: import x except ImportError: …`` fallbacks); when a name is
    defined more than once, the first definition in source order is kept. Imports are not
    symbols. ``Symbol.line`` is the line of the ``def``/``class`` keyword (decorators, which
    come before it, are not counted) and ``end_line`` the last line of the body.

    Nothing raises: a file that cannot be parsed yields a :class:`ModuleInfo` whose
    ``problem`` says why (messages start with the labels that :func:`problem_code` maps).
    The result depends only on ``data`` (``path`` is used for nothing but diagnostics), so
    it is cacheable by content digest.
    """
    if len(data) > max_bytes:
        return _too_large(len(data), max_bytes)
    if _looks_binary(data):
        return ModuleInfo(0, 0, problem=ParseProblem("binary file: not Python source", 0))
    try:
        text = _decode(data)
    except _Problem as exc:
        if exc.message.startswith("binary"):
            return ModuleInfo(0, 0, problem=ParseProblem(exc.message, 0))
        total, code = _count_lines(data.decode("latin-1"))
        return ModuleInfo(total, code, problem=ParseProblem(exc.message, exc.line))
    total, code = _count_lines(text)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        problem = ParseProblem("syntax error: source contains a NUL byte", line)
        return ModuleInfo(total, code, problem=problem)
    try:
        tree = ast.parse(text, filename=path)
        extractor = _ModuleExtractor()
        extractor.visit(tree.body)
        docstring = _docstring(tree)
    except SyntaxError as exc:
        where = exc.lineno or 0
        return ModuleInfo(total, code, problem=ParseProblem(f"syntax error: {exc.msg}", where))
    except ValueError as exc:
        return ModuleInfo(total, code, problem=ParseProblem(f"syntax error: {exc}", 0))
    except (RecursionError, MemoryError):
        msg = "too complex: nesting too deep for the parser"
        return ModuleInfo(total, code, problem=ParseProblem(msg, 0))
    all_names = None
    if extractor.all_names is not None and not extractor.all_dynamic:
        all_names = tuple(extractor.all_names)
    return ModuleInfo(
        total_lines=total,
        code_lines=code,
        docstring=docstring,
        symbols=tuple(extractor.symbols),
        all_names=all_names,
    )


# --------------------------------------------------------------------------- cache

_CACHE_TAG = ("ptyplan-parsecache", _SCAN_VERSION, sys.version_info[:2])
_PICKLE_ALLOWED = {
    ("sphinx_ptyplan.core.models", name)
    for name in ("ModuleInfo", "Symbol", "SymbolKind", "Param", "ParseProblem")
}


class _SafeUnpickler(pickle.Unpickler):
    """Only our frozen models may be rebuilt: a tampered cache file cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _PICKLE_ALLOWED:
            raise pickle.UnpicklingError(f"forbidden class {module}.{name}")
        return super().find_class(module, name)


_Notebook = tuple[str | None, int, str | None]  # (title, code lines, error message)


#: A cache entry not looked up by this many consecutive builds (that looked anything up)
#: is dropped: the file follows the tree without growing forever.
_CACHE_KEEP_BUILDS = 8


def _load_info(blob: bytes) -> ModuleInfo | None:
    try:
        info = _SafeUnpickler(io.BytesIO(blob)).load()
    except Exception:  # truncated or tampered entry: parse again
        return None
    return info if isinstance(info, ModuleInfo) else None


class ParseCache:
    """Content digest -> :class:`ModuleInfo`; can never serve stale results.

    Entries are keyed by the digest of the file bytes, so an edit is seen even when it keeps
    size and mtime. ``hits``/``misses`` count Python parses served from / added to the cache
    since creation. Notebook titles are cached alongside (not counted).

    The file keeps each entry pickled on its own: loading reads bytes only, an entry is
    unpickled when it is first looked up, and saving rewrites only entries parsed in this
    process (a no-change or one-file-change build touches almost nothing).
    """

    def __init__(self) -> None:
        self._modules: dict[str, ModuleInfo] = {}
        self._blobs: dict[str, bytes] = {}  # pickled entries read from the file
        self._notebooks: dict[str, _Notebook] = {}
        self._age: dict[str, int] = {}  # builds since an entry of the file was last used
        self._used: set[str] = set()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._modules.keys() | self._blobs.keys())

    def get(self, key: str) -> ModuleInfo | None:
        """The cached parse for a content digest (counts a hit), or ``None``."""
        info = self._modules.get(key)
        if info is None:
            blob = self._blobs.get(key)
            if blob is None:
                return None
            info = _load_info(blob)
            if info is None:
                del self._blobs[key]
                return None
            self._modules[key] = info
        self.hits += 1
        self._used.add(key)
        return info

    def put(self, key: str, info: ModuleInfo) -> None:
        """Store a fresh parse (counts a miss)."""
        self.misses += 1
        self._modules[key] = info
        self._blobs.pop(key, None)
        self._used.add(key)

    def get_or_parse(self, data: bytes, *, path: str, max_bytes: int) -> tuple[str, ModuleInfo]:
        """``(digest, info)`` for ``data``, parsing it only when its digest is unknown."""
        key = digest(data)
        if len(data) > max_bytes:  # depends on the limit: never cached
            return key, _too_large(len(data), max_bytes)
        info = self.get(key)
        if info is None:
            info = parse_module(data, path=path, max_bytes=max_bytes)
            self.put(key, info)
        return key, info

    def notebook(self, data: bytes) -> _Notebook:
        key = digest(data)
        found = self._notebooks.get(key)
        if found is None:
            found = _notebook_info(data)
            self._notebooks[key] = found
        self._used.add(key)
        return found

    @classmethod
    def load(cls, file: Path) -> ParseCache:
        """Read a cache saved by :meth:`save`; anything unusable gives an empty cache."""
        cache = cls()
        try:
            with open(file, "rb") as fh:
                payload = _SafeUnpickler(fh).load()  # str, int, bytes, tuples, dicts only
            if not (isinstance(payload, tuple) and len(payload) == 3):
                return cache
            tag, modules, notebooks = payload
            if tag != _CACHE_TAG or not isinstance(modules, dict):
                return cache
            if not isinstance(notebooks, dict):
                return cache
            if all(
                isinstance(v, tuple) and len(v) == 2 and type(v[0]) is int and type(v[1]) is bytes
                for v in modules.values()
            ) and all(
                isinstance(v, tuple)
                and len(v) == 2
                and type(v[0]) is int
                and isinstance(v[1], tuple)
                and len(v[1]) == 3
                for v in notebooks.values()
            ):
                cache._blobs = {k: blob for k, (_age, blob) in modules.items()}
                cache._notebooks = {k: nb for k, (_age, nb) in notebooks.items()}
                cache._age = {k: age for k, (age, _v) in (*modules.items(), *notebooks.items())}
        except Exception:  # missing, truncated, tampered, other python: start empty
            return cls()
        return cache

    def save(self, file: Path) -> None:
        """Write the cache atomically (temp file + replace).

        Entries used in this process are kept (fresh); the others age by one build and are
        dropped after ``_CACHE_KEEP_BUILDS`` builds without use, so the file follows the tree
        without growing forever. When nothing was looked up at all (a no-change rebuild
        re-reads no page) the file is left as it is. Write errors are ignored: the cache is
        only an optimisation.
        """
        used = self._used
        if not used:
            return

        def age(key: str) -> int:
            return 0 if key in used else self._age.get(key, 0) + 1

        modules: dict[str, tuple[int, bytes]] = {}
        for key in self._modules.keys() | self._blobs.keys():
            n = age(key)
            if n >= _CACHE_KEEP_BUILDS:
                continue
            blob = self._blobs.get(key)
            if blob is None:
                blob = pickle.dumps(self._modules[key], pickle.HIGHEST_PROTOCOL)
                self._blobs[key] = blob
            modules[key] = (n, blob)
        notebooks = {
            k: (age(k), v) for k, v in self._notebooks.items() if age(k) < _CACHE_KEEP_BUILDS
        }
        tmp: str | None = None
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", dir=file.parent)
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((_CACHE_TAG, modules, notebooks), fh, pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, file)
            tmp = None
        except OSError:
            pass
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


# --------------------------------------------------------------------------- notebooks

_HEADING = re.compile(r"^\s{0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")


def _cell_text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _notebook_info(data: bytes) -> _Notebook:
    """(title, code lines, error) of a notebook; the error is set when it is not JSON."""
    try:
        nb = json.loads(data)
    except (ValueError, RecursionError) as exc:
        return None, 0, f"not valid notebook JSON: {exc}"
    if not isinstance(nb, dict):
        return None, 0, "not a notebook: the JSON document is not an object"
    cells = nb.get("cells")
    if cells is None and isinstance(nb.get("worksheets"), list) and nb["worksheets"]:
        sheet = nb["worksheets"][0]
        cells = sheet.get("cells") if isinstance(sheet, dict) else None
    if not isinstance(cells, list):
        return None, 0, "not a notebook: no list of cells"
    title: str | None = None
    lines = 0
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        kind = cell.get("cell_type")
        if kind == "code":
            lines += _count_lines(_cell_text(cell))[0]
        elif kind == "markdown" and title is None:
            for line in _cell_text(cell).splitlines():
                m = _HEADING.match(line)
                if m:
                    title = m.group(1).strip()
                    break
    return title, lines, None


# --------------------------------------------------------------------------- walking


def _compile_globs(patterns: Sequence[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))


class _Globs:
    """Globs on a tree-relative path; folders are also tried with a trailing ``/``; a
    pattern without ``/`` (besides a trailing one) also matches the bare name at any depth."""

    __slots__ = ("_base", "_base_dir", "_full", "empty")

    def __init__(self, patterns: Sequence[str]) -> None:
        full: list[str] = []
        base: list[str] = []
        base_dir: list[str] = []
        for raw in patterns:
            pat = raw.strip()
            while pat.startswith("./"):
                pat = pat[2:]
            if not pat:
                continue
            full.append(pat)
            core = pat.rstrip("/")
            if core and "/" not in core:
                (base_dir if pat.endswith("/") else base).append(core)
        self.empty = not full
        self._full = _compile_globs(full)
        self._base = _compile_globs(base)
        self._base_dir = _compile_globs(base_dir)

    def match(self, trel: str, name: str, is_dir: bool) -> bool:
        full = self._full
        if full is not None and (full.match(trel) or (is_dir and full.match(trel + "/"))):
            return True
        if self._base is not None and self._base.match(name):
            return True
        return is_dir and self._base_dir is not None and self._base_dir.match(name) is not None


_DEFAULT_RE = _compile_globs(DEFAULT_EXCLUDES)


@dataclass(slots=True)
class _File:
    abspath: str
    rel: str  # root-relative POSIX
    trel: str  # tree-relative POSIX
    name: str
    depth: int
    included: bool
    st: os.stat_result


@dataclass(slots=True)
class _Dir:
    abspath: str
    rel: str
    trel: str
    depth: int
    included: bool
    has_init: bool = False


def _join(prefix: str, name: str) -> str:
    return f"{prefix}/{name}" if prefix else name


class _Walker:
    """Deterministic ``os.scandir`` walk confined to the root (see :func:`scan_tree`)."""

    def __init__(
        self,
        root_real: str,
        *,
        exclude: Sequence[str] = (),
        include: Sequence[str] = (),
        ignored: Callable[[str], bool] | None = None,
        report_depth: int | None = None,
    ) -> None:
        self.root_real = root_real
        self.root_prefix = root_real if root_real.endswith(os.sep) else root_real + os.sep
        self.exclude = _Globs(exclude)
        self.include = _Globs(include)
        self.ignored = ignored
        self.report_depth = report_depth
        self.findings: list[Finding] = []
        self.dirs: list[_Dir] = []
        self.files: list[_File] = []

    def _inside(self, real: str) -> bool:
        return real == self.root_real or real.startswith(self.root_prefix)

    def _report(self, depth: int, code: str, message: str, rel: str) -> None:
        if self.report_depth is None or depth <= self.report_depth:
            self.findings.append(Finding(FindingKind.IO, message, path=rel or None, code=code))

    def walk(self, top_abs: str, top_rel: str) -> None:
        try:
            st = os.stat(top_abs)
        except OSError as exc:
            self._report(0, "unreadable", f"cannot read folder: {exc.strerror or exc}", top_rel)
            return
        top_real = os.path.realpath(top_abs)
        top_prefix = top_real if top_real.endswith(os.sep) else top_real + os.sep
        top = _Dir(top_abs, top_rel, "", 0, self.include.empty)
        self.dirs.append(top)
        stack: list[tuple[_Dir, frozenset[tuple[int, int]]]] = [
            (top, frozenset({(st.st_dev, st.st_ino)}))
        ]
        exclude, include, ignored = self.exclude, self.include, self.ignored
        while stack:
            parent, ancestors = stack.pop()
            try:
                with os.scandir(parent.abspath) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self._report(
                    parent.depth,
                    "unreadable",
                    f"cannot read folder: {exc.strerror or exc}",
                    parent.rel,
                )
                continue
            depth = parent.depth + 1
            subdirs: list[tuple[_Dir, frozenset[tuple[int, int]]]] = []
            for entry in entries:
                name = entry.name
                if _DEFAULT_RE is not None and _DEFAULT_RE.match(name):
                    continue
                rel = _join(parent.rel, name)
                trel = _join(parent.trel, name)
                try:
                    if entry.is_symlink():
                        real = os.path.realpath(entry.path)
                        if not self._inside(real):
                            self._report(
                                depth,
                                "symlink-outside-root",
                                f"symlink points outside the root ({real}); skipped",
                                rel,
                            )
                            continue
                        if not os.path.exists(real):
                            self._report(depth, "unreadable", "broken symlink; skipped", rel)
                            continue
                        if entry.is_dir() and (real == top_real or real.startswith(top_prefix)):
                            # a folder of this very tree: it is listed under its real path,
                            # never a second time (duplicate rows, false ambiguities)
                            continue
                    is_dir = entry.is_dir()
                    is_file = not is_dir and entry.is_file()
                    if not (is_dir or is_file):
                        continue  # sockets, fifos, devices: never opened
                    if exclude.match(trel, name, is_dir):
                        continue
                    if ignored is not None and ignored(rel + "/" if is_dir else rel):
                        continue
                    st = entry.stat()
                except OSError as exc:
                    self._report(depth, "unreadable", f"cannot read: {exc.strerror or exc}", rel)
                    continue
                included = parent.included or include.match(trel, name, is_dir)
                if is_dir:
                    ident = (st.st_dev, st.st_ino)
                    if ident in ancestors:
                        self._report(
                            depth,
                            "symlink-loop",
                            "symlink loop: the folder contains itself; not followed",
                            rel,
                        )
                        continue
                    child = _Dir(entry.path, rel, trel, depth, included)
                    self.dirs.append(child)
                    subdirs.append((child, ancestors | {ident}))
                else:
                    if name == "__init__.py":
                        parent.has_init = True
                    self.files.append(_File(entry.path, rel, trel, name, depth, included, st))
            stack.extend(reversed(subdirs))


# --------------------------------------------------------------------------- scanning


def _norm_tree(tree: str) -> str:
    text = tree.strip().replace("\\", "/")
    if not text:
        return ""
    norm = posixpath.normpath(text)
    return "" if norm == "." else norm


def _dotted(rel: str) -> str | None:
    if rel.endswith(".py"):
        rel = rel[:-3]
    parts = rel.split("/")
    if parts and parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
        return None
    return ".".join(parts)


def _read(path: str, max_bytes: int) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(max_bytes + 1)


_Parsed = tuple[str, ModuleInfo]


def _parse_one(path: str, size: int, max_bytes: int, cache: ParseCache) -> _Parsed | OSError:
    if size > max_bytes:
        return "", _too_large(size, max_bytes)
    try:
        data = _read(path, max_bytes)
    except OSError as exc:
        return exc
    if len(data) > max_bytes:  # grew since stat
        return "", _too_large(len(data), max_bytes)
    return cache.get_or_parse(data, path=path, max_bytes=max_bytes)


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Parsing allocates bursts of tens of thousands of objects (AST nodes, then the frozen
    models), each burst triggering collections that scan the ever larger heap of kept
    results: about half the cost of a cold inventory (measured in bench/). Neither ASTs
    nor the models form reference cycles, so reference counting frees them all; the
    collector is switched back on (if it was on) afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse_batch(paths: list[str], max_bytes: int) -> list[_Parsed | None]:
    """Worker side of the process pool: read and parse; ``None`` for unreadable files."""
    with cyclic_gc_paused():
        return _parse_batch_now(paths, max_bytes)


def _parse_batch_now(paths: list[str], max_bytes: int) -> list[_Parsed | None]:
    out: list[_Parsed | None] = []
    for path in paths:
        try:
            data = _read(path, max_bytes)
        except OSError:
            out.append(None)
            continue
        if len(data) > max_bytes:
            out.append(("", _too_large(len(data), max_bytes)))
        else:
            out.append((digest(data), parse_module(data, path=path, max_bytes=max_bytes)))
    return out


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _parse_in_pool(paths: list[str], max_bytes: int, jobs: int) -> list[_Parsed | None]:
    import concurrent.futures
    import multiprocessing

    workers = min(jobs, _usable_cpus(), len(paths))
    if workers < 2:
        raise RuntimeError("no parallelism available")
    methods = multiprocessing.get_all_start_methods()
    # Measured on 2 cores, 2,000 distinct modules: serial 5.0 s; fork 2.9 s; forkserver 2.8 s;
    # spawn 2.9 s. fork needs no re-import of __main__ but is unsafe once other threads run
    # (locks held mid-fork), so it is used only in a single-threaded process.
    ctx: multiprocessing.context.BaseContext
    if "fork" in methods and threading.active_count() == 1:
        ctx = multiprocessing.get_context("fork")
    elif "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
    else:
        ctx = multiprocessing.get_context("spawn")
    size = max(8, -(-len(paths) // (workers * 4)))
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    out: list[_Parsed | None] = []
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        for part in pool.map(_parse_batch, chunks, itertools.repeat(max_bytes)):
            out.extend(part)
    return out


def _parse_files(
    files: list[_File], cache: ParseCache, jobs: int, max_bytes: int
) -> list[_Parsed | OSError]:
    """Parse every file (aligned results); only cache misses are parsed, maybe in a pool."""
    results: list[_Parsed | OSError | None] = [None] * len(files)
    if jobs <= 1 or len(files) <= _PARALLEL_MIN:
        return [_parse_one(f.abspath, f.st.st_size, max_bytes, cache) for f in files]
    pending: list[int] = []
    cached = len(cache) > 0
    for i, f in enumerate(files):
        if f.st.st_size > max_bytes:
            results[i] = ("", _too_large(f.st.st_size, max_bytes))
        elif cached:
            try:
                data = _read(f.abspath, max_bytes)
            except OSError as exc:
                results[i] = exc
                continue
            key = digest(data)
            info = cache.get(key) if len(data) <= max_bytes else None
            if info is None:
                pending.append(i)
            else:
                results[i] = (key, info)
        else:
            pending.append(i)
    parsed: list[_Parsed | None] | None = None
    if len(pending) > _PARALLEL_MIN:
        try:
            parsed = _parse_in_pool([files[i].abspath for i in pending], max_bytes, jobs)
        except Exception:  # no processes on this platform / sandbox: serial is fine
            parsed = None
    for n, i in enumerate(pending):
        f = files[i]
        got = parsed[n] if parsed is not None else None
        if got is None:
            results[i] = _parse_one(f.abspath, f.st.st_size, max_bytes, cache)
        else:
            if got[0]:
                cache.put(got[0], got[1])
            results[i] = got
    return [r if r is not None else OSError("not parsed") for r in results]


def _parse_finding(path: str, info: ModuleInfo) -> Finding | None:
    problem = info.problem
    if problem is None:
        return None
    return Finding(
        FindingKind.PARSE,
        problem.message,
        path=path,
        line=problem.line or None,
        code=problem_code(problem),
    )


def _io_finding(path: str | None, exc: OSError) -> Finding:
    msg = f"cannot read: {exc.strerror or exc}"
    return Finding(FindingKind.IO, msg, path=path, code="unreadable")


def _sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (f.path or "", f.line or 0, f.code, f.message)))


def scan_tree(
    root: Path,
    tree: str = "",
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    maxdepth: int | None = None,
    notebooks: str = "informational",
    assets: Sequence[str] = (),
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    ignored: Callable[[str], bool] | None = None,
    cache: ParseCache | None = None,
    jobs: int = 1,
) -> Inventory:
    """Scan ``tree`` (POSIX, relative to ``root``) into an :class:`Inventory`.

    Rows: ``PACKAGE`` (folder with ``__init__.py``; the tree folder itself included),
    ``NAMESPACE`` (folder without it holding listed modules), ``MODULE``, ``NOTEBOOK`` and
    ``ASSET`` (other files matching an ``assets`` glob). ``include``/``exclude`` globs match
    tree-relative paths (folders also with a trailing ``/``; a pattern without ``/`` matches
    the bare name at any depth); a folder matching ``include`` includes everything below it.
    ``maxdepth`` limits rows to that folder depth below the tree (1: direct children).
    Symlinks are followed only inside the root. Problems become findings, never exceptions.
    ``cache`` skips parsing unchanged contents; ``jobs > 1`` parses many cache misses in a
    process pool (same results as serial).
    """
    root_real_path = root.resolve()
    root_real = str(root_real_path)
    tree_rel = _norm_tree(tree)
    empty = Inventory(root=root_real_path.as_posix(), tree=tree_rel)
    try:
        if tree_rel:
            confine(root_real_path, tree_rel)  # walked below through its logical path
    except PathRefused as exc:
        return _with(empty, Finding(FindingKind.CONFIG, str(exc), code="outside-root"))
    top_abs = os.path.join(root_real, tree_rel) if tree_rel else root_real
    try:
        top_mode = os.stat(top_abs).st_mode
    except (FileNotFoundError, NotADirectoryError):
        msg = f"path {tree_rel or '.'!r} does not exist under the root ({root_real})"
        return _with(empty, Finding(FindingKind.CONFIG, msg, code="missing-path"))
    except OSError as exc:
        return _with(empty, _io_finding(tree_rel or None, exc))
    if cache is None:
        cache = ParseCache()
    if stat.S_ISREG(top_mode):
        return _scan_single(empty, top_abs, tree_rel, notebooks, max_file_bytes, cache)

    walker = _Walker(
        root_real,
        exclude=exclude,
        include=include,
        ignored=ignored,
        report_depth=maxdepth,
    )
    walker.walk(top_abs, tree_rel)
    findings = list(walker.findings)
    dirs = {d.trel: d for d in walker.dirs}
    asset_globs = _Globs(assets) if assets else None

    def in_depth(depth: int) -> bool:
        return maxdepth is None or depth <= maxdepth

    modules: list[_File] = []
    notebook_files: list[_File] = []
    asset_files: list[_File] = []
    has_code: set[str] = set()  # tree-relative folders holding modules (recursively)
    for f in walker.files:
        parent = posixpath.dirname(f.trel)
        if f.name.endswith(".py"):
            if f.name == "__init__.py" and (tree_rel or parent):
                continue  # folded into the package row
            if f.included:
                _mark_parents(parent, has_code)
                if in_depth(f.depth):
                    modules.append(f)
        elif not f.included or not in_depth(f.depth):
            continue
        elif f.name.endswith(".ipynb"):
            if notebooks != "exclude":
                notebook_files.append(f)
        elif asset_globs is not None and asset_globs.match(f.trel, f.name, False):
            asset_files.append(f)

    init_files = {posixpath.dirname(f.trel): f for f in walker.files if f.name == "__init__.py"}
    packages: list[tuple[_Dir, _File]] = []
    for d in dirs.values():
        init = init_files.get(d.trel) if d.has_init and (d.depth or tree_rel) else None
        if init is not None and (d.included or init.included):
            _mark_parents(d.trel, has_code)  # deeper packages make their parents namespaces
            if in_depth(d.depth):
                packages.append((d, init))
    namespaces = [
        d
        for d in dirs.values()
        if not d.has_init
        and d.included
        and d.trel in has_code
        and in_depth(d.depth)
        and (d.depth or tree_rel)
    ]

    to_parse = modules + [init for _, init in packages]
    with cyclic_gc_paused():
        parsed = _parse_files(to_parse, cache, jobs, max_file_bytes)
    results = dict(zip((f.rel for f in to_parse), parsed, strict=True))

    entries: list[ModuleEntry] = []
    for f in modules:
        entry = _module_entry(f.rel, EntryKind.MODULE, results[f.rel], f.rel, findings)
        if entry is not None:
            entries.append(entry)
    for d, init in packages:
        got = results[init.rel]
        entry = _module_entry(d.rel, EntryKind.PACKAGE, got, init.rel, findings)
        entries.append(entry or ModuleEntry(d.rel, EntryKind.PACKAGE, dotted=_dotted(d.rel)))
    for d in namespaces:
        entries.append(ModuleEntry(d.rel, EntryKind.NAMESPACE, dotted=_dotted(d.rel)))
    for f in notebook_files:
        entries.append(
            _notebook_entry(f.abspath, f.rel, f.st.st_size, max_file_bytes, cache, findings)
        )
    for f in asset_files:
        entries.append(ModuleEntry(f.rel, EntryKind.ASSET))
    entries.sort(key=lambda e: e.path)
    return Inventory(
        root=empty.root,
        tree=tree_rel,
        entries=tuple(entries),
        findings=_sort_findings(findings),
    )


def _mark_parents(folder: str, has_code: set[str]) -> None:
    """Mark ``folder`` and its ancestors up to the tree ("") as holding code."""
    while True:
        if folder in has_code:
            return
        has_code.add(folder)
        if not folder:
            return
        folder = posixpath.dirname(folder)


def _with(inv: Inventory, finding: Finding) -> Inventory:
    return Inventory(root=inv.root, tree=inv.tree, entries=inv.entries, findings=(finding,))


def _module_entry(
    path: str,
    kind: EntryKind,
    got: _Parsed | OSError,
    source: str,
    findings: list[Finding],
) -> ModuleEntry | None:
    if isinstance(got, OSError):
        findings.append(_io_finding(source, got))
        return None
    key, info = got
    finding = _parse_finding(source, info)
    if finding is not None:
        findings.append(finding)
    return ModuleEntry(
        path, kind, dotted=_dotted(path), info=info, lines=info.total_lines, digest=key
    )


def _notebook_entry(
    abspath: str,
    rel: str,
    size: int,
    max_bytes: int,
    cache: ParseCache,
    findings: list[Finding],
) -> ModuleEntry:
    if size > max_bytes:  # big outputs are common in notebooks: list it, untitled, quietly
        return ModuleEntry(rel, EntryKind.NOTEBOOK)
    try:
        data = _read(abspath, max_bytes)
    except OSError as exc:
        findings.append(_io_finding(rel, exc))
        return ModuleEntry(rel, EntryKind.NOTEBOOK)
    title, lines, error = cache.notebook(data)
    if error is not None:
        findings.append(Finding(FindingKind.PARSE, error, path=rel, code="notebook-json"))
    return ModuleEntry(rel, EntryKind.NOTEBOOK, title=title, lines=lines, digest=digest(data))


def _scan_single(
    empty: Inventory,
    abspath: str,
    rel: str,
    notebooks: str,
    max_bytes: int,
    cache: ParseCache,
) -> Inventory:
    findings: list[Finding] = []
    entries: list[ModuleEntry] = []
    try:
        size = os.stat(abspath).st_size
    except OSError as exc:
        return _with(empty, _io_finding(rel, exc))
    if rel.endswith(".py"):
        got = _parse_one(abspath, size, max_bytes, cache)
        entry = _module_entry(rel, EntryKind.MODULE, got, rel, findings)
        if entry is not None:
            entries.append(entry)
    elif rel.endswith(".ipynb"):
        if notebooks != "exclude":
            entries.append(_notebook_entry(abspath, rel, size, max_bytes, cache, findings))
    else:
        entries.append(ModuleEntry(rel, EntryKind.ASSET))
    return Inventory(
        root=empty.root, tree=empty.tree, entries=tuple(entries), findings=tuple(findings)
    )


def fingerprint_tree(
    root: Path,
    tree: str,
    *,
    exclude: Sequence[str] = (),
    ignored: Callable[[str], bool] | None = None,
) -> str:
    """Cheap digest of a tree's state from ``stat`` only (same walk rules as :func:`scan_tree`).

    Covers every file's relative path, size, mtime, ctime and inode (ctime catches an edit
    that restores size and mtime) plus what could not be read. Never raises.
    """
    h = hashlib.blake2b(digest_size=16)
    h.update(f"ptyplan-fingerprint/{_SCAN_VERSION}\0".encode())
    try:
        root_real = root.resolve()
        tree_rel = _norm_tree(tree)
        h.update(f"{root_real.as_posix()}\0{tree_rel}\0".encode())
        try:
            target = confine(root_real, tree_rel) if tree_rel else root_real
        except PathRefused:
            h.update(b"refused")
            return h.hexdigest()
        top_abs = os.path.join(str(root_real), tree_rel) if tree_rel else str(root_real)
        if target.is_file():
            st = os.stat(top_abs)
            h.update(f"{tree_rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0".encode())
            h.update(f"{st.st_ino}\n".encode())
            return h.hexdigest()
        if not target.exists():
            h.update(b"missing")
            return h.hexdigest()
        walker = _Walker(str(root_real), exclude=exclude, ignored=ignored)
        walker.walk(top_abs, tree_rel)
        parts = []
        for f in walker.files:
            st = f.st
            parts.append(
                f"{f.rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\n"
            )
        for finding in walker.findings:
            parts.append(f"!{finding.code}\0{finding.path}\n")
        h.update("".join(parts).encode("utf-8", "surrogateescape"))
    except (OSError, ValueError, RuntimeError) as exc:
        h.update(f"unreadable\0{type(exc).__name__}".encode())
    return h.hexdigest()


# --------------------------------------------------------------------------- snapshots


def _param_to_dict(p: Param) -> dict[str, Any]:
    return {"name": p.name, "kind": p.kind, "annotation": p.annotation, "default": p.default}


def _symbol_to_dict(s: Symbol) -> dict[str, Any]:
    return {
        "name": s.name,
        "kind": s.kind.value,
        "line": s.line,
        "end_line": s.end_line,
        "bases": list(s.bases),
        "params": [_param_to_dict(p) for p in s.params],
        "returns": s.returns,
        "decorators": list(s.decorators),
        "is_dataclass": s.is_dataclass,
        "members": [_symbol_to_dict(m) for m in s.members],
        "annotation": s.annotation,
        "default": s.default,
        "docstring": s.docstring,
        "is_async": s.is_async,
    }


def _info_to_dict(info: ModuleInfo) -> dict[str, Any]:
    problem = info.problem
    return {
        "total_lines": info.total_lines,
        "code_lines": info.code_lines,
        "docstring": info.docstring,
        "symbols": [_symbol_to_dict(s) for s in info.symbols],
        "all_names": list(info.all_names) if info.all_names is not None else None,
        "problem": {"message": problem.message, "line": problem.line} if problem else None,
    }


def inventory_to_dict(inv: Inventory) -> dict[str, Any]:
    """A JSON-able snapshot of an inventory (``"schema": "ptyplan-inventory/1"``)."""
    return {
        "schema": INVENTORY_SCHEMA,
        "root": inv.root,
        "tree": inv.tree,
        "entries": [
            {
                "path": e.path,
                "kind": e.kind.value,
                "dotted": e.dotted,
                "info": _info_to_dict(e.info) if e.info is not None else None,
                "title": e.title,
                "lines": e.lines,
                "digest": e.digest,
            }
            for e in inv.entries
        ],
        "findings": [
            {
                "kind": f.kind.value,
                "message": f.message,
                "path": f.path,
                "line": f.line,
                "code": f.code,
                "replacement": f.replacement,
            }
            for f in inv.findings
        ],
    }


class _Reader:
    """Typed field access on untrusted JSON; every mismatch is a ValueError with a path."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise ValueError(f"inventory snapshot: {where} must be an object")
        self.data: dict[str, Any] = data
        self.where = where

    def _get(self, key: str, types: tuple[type, ...], optional: bool) -> Any:
        if key not in self.data:
            raise ValueError(f"inventory snapshot: {self.where}.{key} is missing")
        value = self.data[key]
        if value is None and optional:
            return None
        if isinstance(value, bool) and bool not in types:
            raise ValueError(f"inventory snapshot: {self.where}.{key} has the wrong type")
        if not isinstance(value, types):
            raise ValueError(f"inventory snapshot: {self.where}.{key} has the wrong type")
        return value

    def get_str(self, key: str) -> str:
        value: str = self._get(key, (str,), False)
        return value

    def opt_str(self, key: str) -> str | None:
        value: str | None = self._get(key, (str,), True)
        return value

    def get_int(self, key: str) -> int:
        value: int = self._get(key, (int,), False)
        return value

    def opt_int(self, key: str) -> int | None:
        value: int | None = self._get(key, (int,), True)
        return value

    def get_bool(self, key: str) -> bool:
        value: bool = self._get(key, (bool,), False)
        return value

    def opt_bool(self, key: str) -> bool | None:
        """A bool that may be null or absent (a field added after the snapshot was written)."""
        if key not in self.data:
            return None
        value: bool | None = self._get(key, (bool,), True)
        return value

    def get_list(self, key: str, optional: bool = False) -> list[Any] | None:
        value: list[Any] | None = self._get(key, (list,), optional)
        return value

    def strs(self, key: str) -> tuple[str, ...]:
        items = self.get_list(key) or []
        if not all(isinstance(x, str) for x in items):
            raise ValueError(f"inventory snapshot: {self.where}.{key} must hold strings")
        return tuple(items)

    def enum(self, key: str, cls: Any) -> Any:
        value = self.get_str(key)
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"inventory snapshot: {self.where}.{key}: unknown {value!r}") from None

    def sub(self, key: str, where: str) -> _Reader | None:
        value = self._get(key, (dict,), True)
        return None if value is None else _Reader(value, where)


def _symbol_from(r: _Reader, depth: int = 0) -> Symbol:
    if depth > 50:
        raise ValueError("inventory snapshot: symbols nested too deeply")
    params = []
    for i, p in enumerate(r.get_list("params") or []):
        pr = _Reader(p, f"{r.where}.params[{i}]")
        params.append(
            Param(
                pr.get_str("name"),
                pr.get_str("kind"),
                pr.opt_str("annotation"),
                pr.opt_str("default"),
            )
        )
    members = [
        _symbol_from(_Reader(m, f"{r.where}.members[{i}]"), depth + 1)
        for i, m in enumerate(r.get_list("members") or [])
    ]
    return Symbol(
        name=r.get_str("name"),
        kind=r.enum("kind", SymbolKind),
        line=r.get_int("line"),
        end_line=r.get_int("end_line"),
        bases=r.strs("bases"),
        params=tuple(params),
        returns=r.opt_str("returns"),
        decorators=r.strs("decorators"),
        is_dataclass=r.get_bool("is_dataclass"),
        members=tuple(members),
        annotation=r.opt_str("annotation"),
        default=r.opt_str("default"),
        docstring=r.opt_str("docstring"),
        is_async=r.opt_bool("is_async") or False,  # absent in older snapshots
    )


def _info_from(r: _Reader) -> ModuleInfo:
    symbols = [
        _symbol_from(_Reader(s, f"{r.where}.symbols[{i}]"))
        for i, s in enumerate(r.get_list("symbols") or [])
    ]
    all_names = r.strs("all_names") if r.get_list("all_names", optional=True) is not None else None
    pr = r.sub("problem", f"{r.where}.problem")
    problem = ParseProblem(pr.get_str("message"), pr.get_int("line")) if pr is not None else None
    return ModuleInfo(
        total_lines=r.get_int("total_lines"),
        code_lines=r.get_int("code_lines"),
        docstring=r.opt_str("docstring"),
        symbols=tuple(symbols),
        all_names=all_names,
        problem=problem,
    )


def inventory_from_dict(d: Any) -> Inventory:
    """Rebuild an inventory from :func:`inventory_to_dict` output; ``ValueError`` when the
    schema, version or shape is wrong."""
    if not isinstance(d, dict):
        raise ValueError("inventory snapshot: not a JSON object")
    schema = d.get("schema")
    if schema != INVENTORY_SCHEMA:
        raise ValueError(
            f"inventory snapshot: unsupported schema {schema!r} (want {INVENTORY_SCHEMA!r})"
        )
    top = _Reader(d, "snapshot")
    entries = []
    for i, raw in enumerate(top.get_list("entries") or []):
        r = _Reader(raw, f"entries[{i}]")
        info = r.sub("info", f"entries[{i}].info")
        entries.append(
            ModuleEntry(
                path=r.get_str("path"),
                kind=r.enum("kind", EntryKind),
                dotted=r.opt_str("dotted"),
                info=_info_from(info) if info is not None else None,
                title=r.opt_str("title"),
                lines=r.get_int("lines"),
                digest=r.get_str("digest"),
            )
        )
    findings = []
    for i, raw in enumerate(top.get_list("findings") or []):
        r = _Reader(raw, f"findings[{i}]")
        findings.append(
            Finding(
                kind=r.enum("kind", FindingKind),
                message=r.get_str("message"),
                path=r.opt_str("path"),
                line=r.opt_int("line"),
                code=r.get_str("code"),
                replacement=r.opt_str("replacement"),
            )
        )
    return Inventory(
        root=top.get_str("root"),
        tree=top.get_str("tree"),
        entries=tuple(entries),
        findings=tuple(findings),
    )
