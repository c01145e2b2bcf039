"""Extraction: a Python file or notebook becomes a :class:`ModuleInfo` (ast, never imported)."""

from __future__ import annotations

import ast
import hashlib
import io
import re
import tokenize
from collections import deque
from collections.abc import Iterable
from typing import Any

from sphinx_ptyplan.core.models import (
    FindingCode,
    ImportedName,
    ModuleInfo,
    Param,
    ParseProblem,
    Symbol,
    SymbolKind,
)

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "defined_symbol",
    "digest",
    "parse_module",
]

DEFAULT_MAX_FILE_BYTES = 5_000_000


#: Bump when the extraction changes: old cache files and fingerprints become invalid.
_SCAN_VERSION = 5  # 4: ModuleInfo.imports; 5: ParseProblem.code


#: Source text kept for annotations/defaults is cut at this many characters.
_MAX_TEXT = 300


def digest(data: bytes) -> str:
    """Content digest used for caching and change detection (BLAKE2b, 128 bits, hex)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


# --------------------------------------------------------------------------- parsing


class _Problem(Exception):
    def __init__(self, code: FindingCode, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line

    def problem(self) -> ParseProblem:
        return ParseProblem(self.message, self.line, self.code)


def _too_large(size: int, max_bytes: int) -> ModuleInfo:
    msg = f"too large: {size} bytes (limit {max_bytes}); not parsed"
    return ModuleInfo(
        total_lines=0, code_lines=0, problem=ParseProblem(msg, 0, FindingCode.TOO_LARGE)
    )


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
            raise _Problem(
                FindingCode.BINARY, "binary file: contains NUL bytes and is not text"
            ) from None
        line = exc.lineno or 0
        if not line:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as bad:
                line = data.count(b"\n", 0, bad.start) + 1
        raise _Problem(FindingCode.ENCODING, f"encoding error: {exc.msg}", line) from None
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        if b"\x00" in data:
            raise _Problem(
                FindingCode.BINARY, "binary file: contains NUL bytes and is not text"
            ) from None
        line = data.count(b"\n", 0, exc.start) + 1 if isinstance(exc, UnicodeDecodeError) else 0
        raise _Problem(
            FindingCode.ENCODING, f"encoding error: not valid {encoding}: {exc}", line
        ) from None


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
    """Top-level symbols, first definition wins; with ``only``, those names' alone."""

    def __init__(self, only: frozenset[str] | None = None) -> None:
        self.symbols: list[Symbol] = []
        self.seen: set[str] = set()
        self.all_names: list[str] | None = None
        self.all_dynamic = False
        self.only = only

    def wants(self, name: str) -> bool:
        return self.only is None or (name in self.only and name not in self.seen)

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
        if not self.wants(name):
            return
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
                if self.wants(stmt.name):
                    self.add(_function(stmt, SymbolKind.FUNCTION))
            elif isinstance(stmt, ast.ClassDef):
                if self.wants(stmt.name):
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
    ``problem`` says why (its ``code`` is the finding code: ``syntax-error``, ``encoding``,
    ``binary``, ``too-large``, ``too-complex``).
    The result depends only on ``data`` (``path`` is used for nothing but diagnostics), so
    it is cacheable by content digest.
    """
    if len(data) > max_bytes:
        return _too_large(len(data), max_bytes)
    if _looks_binary(data):
        return ModuleInfo(
            0, 0, problem=ParseProblem("binary file: not Python source", 0, FindingCode.BINARY)
        )
    try:
        text = _decode(data)
    except _Problem as exc:
        if exc.code is FindingCode.BINARY:
            return ModuleInfo(0, 0, problem=ParseProblem(exc.message, 0, exc.code))
        total, code = _count_lines(data.decode("latin-1"))
        return ModuleInfo(total, code, problem=exc.problem())
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
        return ModuleInfo(total, code, problem=ParseProblem(msg, 0, FindingCode.TOO_COMPLEX))
    all_names = None
    if extractor.all_names is not None and not extractor.all_dynamic:
        all_names = tuple(extractor.all_names)
    return ModuleInfo(
        total_lines=total,
        code_lines=code,
        docstring=docstring,
        symbols=tuple(extractor.symbols),
        all_names=all_names,
        imports=_imports(tree),
    )


def defined_symbol(
    data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> Symbol | None:
    """``parse_module(data).symbol(name)`` when the source parses and defines ``name``:
    only that symbol is extracted, by the same code. None whenever that cannot be said
    (not defined, not parsed, not Python): then ask :func:`parse_module`."""
    if len(data) > max_bytes or _looks_binary(data):
        return None
    try:
        text = _decode(data)
    except _Problem:
        return None
    if "\x00" in text or name not in text:
        return None
    try:
        tree = ast.parse(text)
        extractor = _ModuleExtractor(only=frozenset((name,)))
        extractor.visit(tree.body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return extractor.symbols[0] if extractor.symbols else None


_STATEMENT_LIKE = (ast.stmt, ast.excepthandler, ast.match_case)


def _imports(tree: ast.Module) -> tuple[ImportedName, ...]:
    """Every import statement of a module, in :func:`ast.walk` order (breadth first).

    Only statements can be imports and statements only nest in statements, handlers and
    match cases, so the walk never descends into expressions (a fraction of the nodes).
    """
    out: list[ImportedName] = []
    queue: deque[ast.AST] = deque([tree])
    while queue:
        node = queue.popleft()
        if isinstance(node, ast.Import):
            for a in node.names:
                module = a.name if a.asname else a.name.split(".")[0]
                out.append(ImportedName(a.asname or module, module, None, 0, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                bound = "*" if a.name == "*" else a.asname or a.name
                out.append(
                    ImportedName(bound, node.module or "", a.name, node.level, node.lineno)
                )
        queue.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, _STATEMENT_LIKE))
    return tuple(out)
