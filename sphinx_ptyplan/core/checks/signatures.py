"""A signature written in a spec compared with the code's (names, order, defaults, return)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from sphinx_ptyplan.core.models import Param, Symbol
from sphinx_ptyplan.core.sources.codespans import (
    CodeSpan,
    WrittenParam,
    WrittenSignature,
    parse_code_span,
)

__all__ = [
    "CodeSpan",
    "WrittenSignature",
    "compare_signature",
    "parse_code_span",
    "signature_of",
]

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


#: annotations that accept (or stand for) anything: never a mismatch
_ANYTHING = frozenset({"Any", "object", "Literal", "TypeVar", "Self", "Callable", "callable"})
#: base names a spec may use for one another (numbers; path-likes)
_FAMILIES = (
    frozenset({"int", "float", "complex", "Number", "Real", "Integral"}),
    frozenset({"str", "Path", "PathLike", "PurePath", "PosixPath"}),
)


def _top_split(text: str, sep: str) -> list[str]:
    """``text`` split at ``sep`` outside brackets (one pass)."""
    out: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == sep and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return out


def _alternatives(text: str) -> set[str]:
    """The loose base names an annotation allows, ``None`` left out: ``Optional[X]``,
    ``X | None`` and ``Union[X, None]`` are all ``{X}``; ``Dict[str, Any]`` is ``{dict}``."""
    t = text.strip().strip("'\"").strip()
    m = re.match(r"^(?:typing\.)?(Optional|Union)\[(.*)\]$", t, re.S)
    parts = _top_split(m.group(2), ",") if m else _top_split(t, "|")
    out: set[str] = set()
    for part in parts:
        p = part.strip().strip("'\"").strip()
        if not p or p == "None":
            continue
        if p != t and (p.startswith(("Optional[", "Union[", "typing.")) or "|" in p):
            out |= _alternatives(p)
            continue
        base = p.split("[", 1)[0].strip().rsplit(".", 1)[-1]
        out.add(_LOOSE.get(base, base))
    return out


def _same_annotation(written: str, code: str) -> bool:
    """Whether a written parameter annotation can mean the code's, loosely: any shared base
    name (``list`` for ``List[int]``, ``X`` for ``Optional[X]``), an alias spelled with a
    prefix (``TFModelConfig`` for ``ModelConfig``), numbers for numbers, a path for a path;
    ``Any``, ``object``, ``Literal``, type variables and an empty side are never wrong."""
    ws, cs = _alternatives(written), _alternatives(code)
    if not ws or not cs or (ws | cs) & _ANYTHING:
        return True
    if any(len(n) == 1 and n.isupper() for n in ws | cs):
        return True  # a type variable
    for a in ws:
        for b in cs:
            if a == b or a.endswith(b) or b.endswith(a):
                return True
            if any(a in fam and b in fam for fam in _FAMILIES):
                return True
    return False


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

    Compared: parameter names, their order, defaults present/absent, and the parameter and
    return annotations when both the spec and the code write them, loosely (``dict`` for
    ``Dict[str, Any]``, ``list`` for ``List[int]``, ``Optional[X]`` for ``X | None``: see
    :func:`_same_annotation`). ``same_type(written, code)`` may accept more annotations as
    equal (import aliases). ``[]`` when they agree.
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
        if (
            p.annotation
            and c.annotation
            and not _same_annotation(p.annotation, c.annotation)
            and not (same_type is not None and same_type(p.annotation, c.annotation))
        ):
            problems.append(f"`{p.name}` is `{p.annotation}`, the code `{c.annotation}`")
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
