"""Code spans that are signatures or expressions: parsed with ``ast``, compared with the code.

A spec writes ``update_legacy_dict(cfg: dict, dataclass_obj: Any)`` (a signature),
``to_training_config(model, data, ..., overrides=None) -> TFTrainingConfig`` (a signature
with a gap), ``update_legacy_dict(ptycho.params.cfg, config)`` (a call) or
``params.cfg['gridsize']`` (a subscript). :func:`parse_code_span` tells them apart and
returns the names they contain; :func:`compare_signature` compares a written signature with
the parsed definition. Text is only ``ast.parse``d, never compiled or evaluated.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sphinx_ptyplan.core.models import Param, Symbol

__all__ = ["CodeSpan", "WrittenParam", "WrittenSignature", "compare_signature", "parse_code_span"]

_NAME_RE = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")
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


# ------------------------------------------------------------------------------- compare

_LOOSE = {
    "Dict": "dict",
    "List": "list",
    "Tuple": "tuple",
    "Set": "set",
    "FrozenSet": "frozenset",
    "Type": "type",
    "Mapping": "dict",
    "MutableMapping": "dict",
    "Sequence": "list",
}


def _loose_type(text: str | None) -> str | None:
    """The base name of an annotation, loosely: ``Dict[str, Any]`` -> ``dict``,
    ``Optional[pathlib.Path]`` -> ``Path``, ``'TrainingConfig'`` -> ``TrainingConfig``."""
    if text is None:
        return None
    t = text.strip().strip("'\"").strip()
    m = re.match(r"^(?:typing\.)?Optional\[(.*)\]$", t)
    if m:
        t = m.group(1)
    t = re.sub(r"\s*\|\s*None$", "", t)
    t = re.sub(r"^None\s*\|\s*", "", t)
    base = t.split("[", 1)[0].strip().rsplit(".", 1)[-1]
    return _LOOSE.get(base, base)


def _code_params(sym: Symbol, written: Sequence[WrittenParam]) -> list[Param]:
    params = list(sym.params)
    if (
        params
        and params[0].name in ("self", "cls")
        and not (written and written[0].name == params[0].name)
    ):
        params = params[1:]
    return params


def compare_signature(
    written: WrittenSignature,
    sym: Symbol,
    *,
    same_type: Callable[[str, str], bool] | None = None,
) -> list[str]:
    """Differences between a written signature and the definition ``sym`` (a function,
    method or class: a class is compared through its ``__init__`` or dataclass fields).

    Compared: parameter names, their order, defaults present/absent and the return annotation
    when the spec writes one. Parameter annotations are not compared (specs write them
    loosely). ``same_type(written, code)`` may accept more return annotations as equal
    (import aliases); the default compares base names loosely. ``[]`` when they agree.
    """
    code = _code_params(sym, written.params)
    if sym.kind.value == "class":
        init = sym.member("__init__")
        if init is not None:
            code = _code_params(init, written.params)
        elif sym.is_dataclass:
            code = [Param(f.name, "arg", f.annotation, f.default) for f in sym.fields]
        else:
            return []
    by_name = {p.name: p for p in code}
    has_varkw = any(p.kind == "varkw" for p in code)
    has_vararg = any(p.kind == "vararg" for p in code)
    problems: list[str] = []
    w_named = [p for p in written.params if p.kind not in ("vararg", "varkw")]
    for p in w_named:
        if p.name not in by_name and not has_varkw:
            problems.append(f"no parameter `{p.name}`")
    positional_cap = sum(1 for p in code if p.kind in ("posonly", "arg"))
    w_positional = sum(1 for p in w_named if p.kind in ("posonly", "arg"))
    if w_positional > positional_cap and not has_vararg and not problems:
        problems.append(
            f"{w_positional} positional parameters written, the code takes {positional_cap}"
        )
    if written.sketch:
        return problems
    shared = [p.name for p in w_named if p.name in by_name]
    code_order = [p.name for p in code if p.name in set(shared)]
    if shared != code_order:
        problems.append(
            f"order ({', '.join(shared)}) differs from the code ({', '.join(code_order)})"
        )
    for p in w_named:
        c = by_name.get(p.name)
        if c is None:
            continue
        if p.default is not None and c.default is None:
            problems.append(f"`{p.name}` has no default in the code")
        elif p.default is None and c.default is not None:
            problems.append(f"`{p.name}` has a default ({c.default}) in the code")
    if not written.gap:
        written_names = {p.name for p in written.params}
        for c in code:
            if c.kind in ("vararg", "varkw") or c.name in written_names:
                continue
            problems.append(f"parameter `{c.name}` of the code is not written")
    if written.returns is not None:
        code_ret = sym.returns if sym.kind.value != "class" else None
        if sym.kind.value != "class":
            w_t, c_t = _loose_type(written.returns), _loose_type(code_ret)
            if c_t is None:
                pass  # the code does not say: nothing to contradict
            elif w_t != c_t and not (
                same_type is not None and same_type(written.returns, code_ret or "")
            ):
                problems.append(f"returns `{written.returns}`, the code `{code_ret}`")
    return problems


def signature_of(sym: Symbol) -> str:
    """The code's signature as one line, for messages (``name(a, b=1) -> T``)."""
    from sphinx_ptyplan.core.checks.apidiff import format_params

    target = sym
    if sym.kind.value == "class":
        init = sym.member("__init__")
        if init is not None:
            target = init
        elif sym.is_dataclass:
            fields = ", ".join(
                f.name + (f"={f.default}" if f.default is not None else "") for f in sym.fields
            )
            return f"{sym.name}({fields})"
    params = [p for p in target.params]
    if target is not sym or (params and params[0].name in ("self", "cls")):
        params = params[1:] if params and params[0].name in ("self", "cls") else params
    ret = f" -> {target.returns}" if target.returns and target is sym else ""
    return f"{sym.name}({format_params(params)}){ret}"


def is_dotted_name(text: str) -> bool:
    return bool(_NAME_RE.match(text))
