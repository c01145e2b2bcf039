"""Code spans that are signatures, expressions or bare names, parsed (never evaluated).

A spec writes ``update_legacy_dict(cfg: dict, dataclass_obj: Any)`` (a signature),
``to_training_config(model, data, ..., overrides=None) -> TFTrainingConfig`` (a signature
with a gap), ``update_legacy_dict(ptycho.params.cfg, config)`` (a call) or
``params.cfg['gridsize']`` (a subscript). :func:`parse_code_span` tells them apart and
returns the names they contain (``checks.signatures`` compares a written signature with the
code); :func:`is_bare_name` says which single words a spec may mean as code. Text is only
``ast.parse``d, never compiled or evaluated.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

__all__ = ["CodeSpan", "WrittenParam", "WrittenSignature", "is_bare_name", "parse_code_span"]

_HEAD_RE = re.compile(r"^\s*(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\(")
_MAX_TEXT = 600


@dataclass(frozen=True, slots=True)
class WrittenParam:
    """One parameter as the spec writes it (``default`` is the source text, if any)."""

    name: str
    kind: str  # "arg" | "vararg" | "kwonly" | "varkw" | "posonly"
    annotation: str | None = None
    default: str | None = None


@dataclass(frozen=True, slots=True)
class WrittenSignature:
    """A signature written in a spec.

    ``gap`` is set when the spec elides parameters with ``...``: then only the parameters it
    does write are compared (names, relative order, defaults). ``sketch`` is set for a bare
    ``f(a, b=None)`` (no annotation, star, gap or return): only its names and count are
    compared, since a sketch may also be a call with variables named otherwise.
    """

    name: str
    params: tuple[WrittenParam, ...]
    returns: str | None
    gap: bool = False
    sketch: bool = False

    def text(self) -> str:
        parts: list[str] = []
        for p in self.params:
            t = {"vararg": "*", "varkw": "**"}.get(p.kind, "") + p.name
            if p.annotation is not None:
                t += f": {p.annotation}"
            if p.default is not None:
                t += f" = {p.default}" if p.annotation is not None else f"={p.default}"
            parts.append(t)
        if self.gap:
            parts.append("...")
        ret = f" -> {self.returns}" if self.returns else ""
        return f"{self.name}({', '.join(parts)}){ret}"


@dataclass(frozen=True, slots=True)
class CodeSpan:
    """What a code span holding parentheses or brackets means.

    ``kind`` is ``signature`` (``signature`` is set), ``call`` or ``subscript``. ``names`` are
    the dotted names it contains, first the callee or subscripted name, in text order.
    """

    kind: str
    names: tuple[str, ...]
    signature: WrittenSignature | None = None


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _names_in(tree: ast.AST) -> tuple[str, ...]:
    """Dotted names (outermost ``a.b.c`` of each chain) in source order; string and number
    literals never count."""
    out: list[tuple[int, int, str]] = []

    def visit(node: ast.AST) -> None:
        name = _dotted(node)
        if name is not None:
            out.append((getattr(node, "lineno", 0), getattr(node, "col_offset", 0), name))
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.keyword):
                visit(child.value)  # a keyword's name is the callee's parameter, not a name
            else:
                visit(child)

    visit(tree)
    return tuple(dict.fromkeys(n for _l, _c, n in sorted(out)))


def _split_top(text: str) -> list[str]:
    items: list[str] = []
    depth = 0
    cur: list[str] = []
    quote: str | None = None
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            items.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    items.append("".join(cur).strip())
    return items


def _close_paren(text: str, start: int) -> int:
    depth = 0
    quote: str | None = None
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _as_signature(name: str, inner: str, returns: str | None) -> WrittenSignature | None:
    items = [i for i in _split_top(inner) if i]
    gap = any(i in ("...", "…") for i in items)
    kept = [i for i in items if i not in ("...", "…")]
    try:
        fn = ast.parse(f"def _f({', '.join(kept)}): pass", mode="exec").body[0]
    except (SyntaxError, ValueError, RecursionError):
        return None
    assert isinstance(fn, ast.FunctionDef)
    a = fn.args
    params: list[WrittenParam] = []

    def ann(node: ast.expr | None) -> str | None:
        return ast.unparse(node) if node is not None else None

    positional = [*a.posonlyargs, *a.args]
    first_default = len(positional) - len(a.defaults)
    for i, arg in enumerate(positional):
        default = ast.unparse(a.defaults[i - first_default]) if i >= first_default else None
        kind = "posonly" if i < len(a.posonlyargs) else "arg"
        params.append(WrittenParam(arg.arg, kind, ann(arg.annotation), default))
    if a.vararg is not None:
        params.append(WrittenParam(a.vararg.arg, "vararg", ann(a.vararg.annotation)))
    for arg, d in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        params.append(
            WrittenParam(arg.arg, "kwonly", ann(arg.annotation), ast.unparse(d) if d else None)
        )
    if a.kwarg is not None:
        params.append(WrittenParam(a.kwarg.arg, "varkw", ann(a.kwarg.annotation)))
    full = returns is not None or any(
        p.annotation is not None or p.kind not in ("arg", "kwonly") for p in params
    )
    return WrittenSignature(
        name=name, params=tuple(params), returns=returns, gap=gap, sketch=not full and not gap
    )


def parse_code_span(text: str) -> CodeSpan | None:
    """Parse a code span that holds a call, a subscript or a signature; ``None`` otherwise.

    ``f(a: int, b=1) -> T`` and ``f(a, ..., c=None)`` are signatures; ``f(a, b)`` with plain
    identifiers is a signature sketch; ``f(x.y, 'lit')``, ``f()`` and ``x['k']`` are
    expressions whose names are returned. Shell lines, prose and anything ``ast`` refuses give
    ``None``.
    """
    t = text.strip().rstrip(";").strip()
    if not t or len(t) > _MAX_TEXT or "\n" in t or ("(" not in t and "[" not in t):
        return None
    head = _HEAD_RE.match(t)
    if head is not None:
        open_at = head.end() - 1
        close = _close_paren(t, open_at)
        if close > 0:
            inner = t[open_at + 1 : close]
            rest = t[close + 1 :].strip()
            returns: str | None = None
            if rest.startswith("->"):
                returns = rest[2:].strip() or None
                rest = ""
            if not rest:
                items = [i for i in _split_top(inner) if i]
                sig_like = returns is not None or any(
                    i in ("...", "…") or re.match(r"^\*{0,2}[A-Za-z_]\w*\s*:", i) or i in ("*", "/")
                    for i in items
                )
                plain = bool(items) and all(
                    re.match(r"^[A-Za-z_]\w*(?:\s*=\s*[^=].*)?$", i) for i in items
                )
                if sig_like or plain:
                    sig = _as_signature(head.group("name"), inner, returns)
                    if sig is not None:
                        return CodeSpan("signature", (head.group("name"),), sig)
                    if sig_like:
                        return None
    try:
        tree = ast.parse(t, mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return None
    if isinstance(tree, ast.Call) and _dotted(tree.func) is not None:
        return CodeSpan("call", _names_in(tree))
    if isinstance(tree, ast.Subscript) and _dotted(tree.value) is not None:
        return CodeSpan("subscript", _names_in(tree))
    if isinstance(tree, ast.Call | ast.Subscript | ast.Attribute):
        names = _names_in(tree)
        return CodeSpan("call" if isinstance(tree, ast.Call) else "subscript", names)
    return None


_CAMEL_RE = re.compile(r"^_?[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9_]*$")
_UPPER_RE = re.compile(r"^_?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")
_SNAKE_RE = re.compile(r"^_?[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_WORD_RE = re.compile(r"^_?[a-z][a-z0-9]*$")


def is_bare_name(text: str) -> str | None:
    """The kind of a bare identifier a spec may mean as code, or ``None`` for a word.

    ``class`` for CamelCase (``RawData``; ``Simulator``), ``constant`` for UPPER names of at
    least three characters (``KEY_MAPPINGS``; never ``N`` or ``K``), ``function`` for
    snake_case (``update_legacy_dict``) or any lower-case name written with ``()``
    (``train()``). Plain lower-case words (``model``, ``cfg``) are prose: ``None``.
    """
    t = text.strip()
    call = t.endswith("()")
    if call:
        t = t[:-2]
    if not t.isidentifier():
        return None
    if _UPPER_RE.match(t):
        return "constant" if len(t.strip("_")) >= 3 else None
    if _CAMEL_RE.match(t):
        return "class"
    if _SNAKE_RE.match(t) or (call and _WORD_RE.match(t)):
        return "function"
    return None
