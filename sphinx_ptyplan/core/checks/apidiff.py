"""API deltas between two static parses of one module: symbols, signatures, bases, fields."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sphinx_ptyplan.core.models import ModuleInfo, Param, Symbol, SymbolKind

__all__ = ["CHANGE_KINDS", "ApiChange", "api_diff", "format_params", "format_symbol"]

#: Every value :attr:`ApiChange.kind` can take.
CHANGE_KINDS = (
    "added",
    "removed",
    "signature",
    "bases",
    "field-added",
    "field-removed",
    "field-changed",
    "kind-changed",
)

_CALLABLE = (SymbolKind.FUNCTION, SymbolKind.METHOD)


@dataclass(frozen=True, slots=True)
class ApiChange:
    """One API difference between two versions of a module.

    ``symbol`` is the top-level name, ``Class.method`` for methods or ``Class.field`` for
    dataclass fields. ``old``/``new`` are the source text of the thing that changed (a whole
    signature for added/removed symbols, one default, annotation or parameter otherwise);
    ``detail`` is the human sentence about the change itself; :attr:`summary` is the same
    sentence naming what changed ("`train_model`: parameter `trainer` added"), which is
    what tables and reports show.
    """

    kind: str
    symbol: str
    old: str | None
    new: str | None
    detail: str

    @property
    def owner(self) -> str:
        """The function or class the change belongs to (``Class`` for ``Class.field``)."""
        if self.kind.startswith("field-"):
            return self.symbol.rpartition(".")[0] or self.symbol
        return self.symbol

    @property
    def summary(self) -> str:
        """``detail`` prefixed with the changed function or class unless it names it already."""
        if f"`{self.symbol}`" in self.detail:
            return self.detail
        return f"`{self.owner}`: {self.detail}"


def _is_async(sym: Symbol) -> bool:
    return sym.is_async


def format_params(params: Sequence[Param]) -> str:
    """Render parameters as source: ``a, /, b: int = 1, *args, c, **kw``."""
    parts: list[str] = []
    star_written = False
    posonly_open = False
    for p in params:
        if p.kind != "posonly" and posonly_open:
            parts.append("/")
            posonly_open = False
        if p.kind == "kwonly" and not star_written:
            parts.append("*")
        star_written = star_written or p.kind in ("vararg", "kwonly")
        parts.append(_param_text(p))
        posonly_open = p.kind == "posonly"
    if posonly_open:
        parts.append("/")
    return ", ".join(parts)


def _param_text(p: Param) -> str:
    text = {"vararg": "*", "varkw": "**"}.get(p.kind, "") + p.name
    if p.annotation is not None:
        text += f": {p.annotation}"
    if p.default is not None:
        text += f" = {p.default}" if p.annotation is not None else f"={p.default}"
    return text


def format_symbol(sym: Symbol) -> str:
    """One-line source-like summary: ``def f(a, b=1) -> int``, ``class C(Base)``."""
    if sym.kind is SymbolKind.CLASS:
        bases = f"({', '.join(sym.bases)})" if sym.bases else ""
        prefix = "@dataclass class" if sym.is_dataclass else "class"
        return f"{prefix} {sym.name}{bases}"
    if sym.kind in _CALLABLE:
        ret = f" -> {sym.returns}" if sym.returns is not None else ""
        prefix = "async def" if _is_async(sym) else "def"
        return f"{prefix} {sym.name}({format_params(sym.params)}){ret}"
    return _field_text(sym) if sym.annotation or sym.default else sym.name


def _field_text(sym: Symbol) -> str:
    text = sym.annotation or ""
    if sym.default is not None:
        text = f"{text} = {sym.default}" if text else f"= {sym.default}"
    return text


def _is_public_member(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _ordered_union(old: Sequence[Symbol], new: Sequence[Symbol]) -> list[str]:
    names = [s.name for s in new]
    seen = set(names)
    names.extend(s.name for s in old if s.name not in seen)
    return list(dict.fromkeys(names))


def _by_name(symbols: Sequence[Symbol]) -> dict[str, Symbol]:
    # Redefinitions (``if TYPE_CHECKING: def f ... else: def f``): the last one wins,
    # as it does at import time.
    return {s.name: s for s in symbols}


def _signature_changes(name: str, old: Symbol, new: Symbol) -> Iterator[ApiChange]:
    def change(old_text: str | None, new_text: str | None, detail: str) -> ApiChange:
        return ApiChange("signature", name, old_text, new_text, detail)

    if _is_async(old) != _is_async(new):
        yield change(
            format_symbol(old),
            format_symbol(new),
            "now async" if _is_async(new) else "no longer async",
        )
    if old.decorators != new.decorators:
        od, nd = _decorators(old), _decorators(new)
        yield change(od, nd, f"decorators {od} -> {nd}")

    old_params = list(old.params)
    new_params = list(new.params)
    old_names = {p.name for p in old_params}
    new_names = {p.name for p in new_params}
    # A parameter renamed in place: same position and kind, old name gone, new name new.
    renamed: dict[str, str] = {}
    for op, np_ in zip(old_params, new_params, strict=False):
        if (
            op.name != np_.name
            and op.kind == np_.kind
            and op.name not in new_names
            and np_.name not in old_names
        ):
            renamed[op.name] = np_.name
    new_by_name = {p.name: p for p in new_params}
    for o in old_params:
        target = renamed.get(o.name, o.name)
        n_param = new_by_name.get(target)
        if n_param is None:
            yield change(_param_text(o), None, f"parameter `{o.name}` removed")
            continue
        label = f"`{target}`"
        if target != o.name:
            yield change(o.name, target, f"parameter `{o.name}` renamed to `{target}`")
        if o.kind != n_param.kind:
            yield change(o.kind, n_param.kind, f"kind of {label} {o.kind} -> {n_param.kind}")
        if o.default != n_param.default:
            if o.default is None:
                detail = f"{label} now has default {n_param.default}"
            elif n_param.default is None:
                detail = f"default of {label} ({o.default}) removed"
            else:
                detail = f"default of {label} {o.default} -> {n_param.default}"
            yield change(o.default, n_param.default, detail)
        if o.annotation != n_param.annotation:
            detail = (
                f"annotation of {label} {o.annotation or 'none'} -> {n_param.annotation or 'none'}"
            )
            yield change(o.annotation, n_param.annotation, detail)
    renamed_targets = set(renamed.values())
    for n_param in new_params:
        if n_param.name not in old_names and n_param.name not in renamed_targets:
            yield change(None, _param_text(n_param), f"parameter `{n_param.name}` added")
    # Reordering of the parameters both versions share (positional callers break).
    old_order = [renamed.get(p.name, p.name) for p in old_params]
    common = set(old_order) & {p.name for p in new_params}
    old_seq = [x for x in old_order if x in common]
    new_seq = [p.name for p in new_params if p.name in common]
    if old_seq != new_seq:
        os_, ns_ = ", ".join(old_seq), ", ".join(new_seq)
        yield change(os_, ns_, f"parameters reordered ({os_}) -> ({ns_})")
    if old.returns != new.returns:
        detail = f"return annotation {old.returns or 'none'} -> {new.returns or 'none'}"
        yield change(old.returns, new.returns, detail)


def _decorators(sym: Symbol) -> str:
    return ", ".join(f"@{d}" for d in sym.decorators) or "none"


def _class_changes(name: str, old: Symbol, new: Symbol) -> Iterator[ApiChange]:
    if old.decorators != new.decorators:  # @dataclass -> @dataclass(frozen=True) matters
        od, nd = _decorators(old), _decorators(new)
        yield ApiChange("signature", name, od, nd, f"decorators {od} -> {nd}")
    if old.bases != new.bases:
        o, n = f"({', '.join(old.bases)})", f"({', '.join(new.bases)})"
        yield ApiChange("bases", name, o, n, f"bases {o} -> {n}")
    if old.is_dataclass != new.is_dataclass:
        detail = "now a dataclass" if new.is_dataclass else "no longer a dataclass"
        yield ApiChange("kind-changed", name, format_symbol(old), format_symbol(new), detail)

    old_fields = _by_name(old.fields)
    new_fields = _by_name(new.fields)
    for fname in _ordered_union(old.fields, new.fields):
        qual = f"{name}.{fname}"
        of, nf = old_fields.get(fname), new_fields.get(fname)
        if of is None and nf is not None:
            yield ApiChange(
                "field-added",
                qual,
                None,
                _field_text(nf),
                f"field `{fname}: {_field_text(nf)}` added",
            )
        elif nf is None and of is not None:
            yield ApiChange(
                "field-removed", qual, _field_text(of), None, f"field `{fname}` removed"
            )
        elif of is not None and nf is not None:
            ot, nt = _field_text(of), _field_text(nf)
            if ot != nt:
                yield ApiChange("field-changed", qual, ot, nt, f"field `{fname}`: {ot} -> {nt}")

    def methods(sym: Symbol) -> list[Symbol]:
        return [m for m in sym.members if m.kind in _CALLABLE and _is_public_member(m.name)]

    old_methods, new_methods = methods(old), methods(new)
    yield from _symbols_changes(old_methods, new_methods, prefix=f"{name}.")


def _symbols_changes(
    old_syms: Sequence[Symbol], new_syms: Sequence[Symbol], *, prefix: str = ""
) -> Iterator[ApiChange]:
    old_map, new_map = _by_name(old_syms), _by_name(new_syms)
    for sname in _ordered_union(old_syms, new_syms):
        qual = prefix + sname
        o, n = old_map.get(sname), new_map.get(sname)
        if o is None and n is not None:
            yield ApiChange("added", qual, None, format_symbol(n), f"{_noun(n)} `{qual}` added")
        elif n is None and o is not None:
            yield ApiChange("removed", qual, format_symbol(o), None, f"{_noun(o)} `{qual}` removed")
        elif o is not None and n is not None:
            if (o.kind is SymbolKind.CLASS) != (n.kind is SymbolKind.CLASS):
                yield ApiChange(
                    "kind-changed",
                    qual,
                    format_symbol(o),
                    format_symbol(n),
                    f"`{qual}` changed from {_noun(o)} to {_noun(n)}",
                )
            elif n.kind is SymbolKind.CLASS:
                yield from _class_changes(qual, o, n)
            else:
                yield from _signature_changes(qual, o, n)


def _noun(sym: Symbol) -> str:
    return sym.kind.value


def api_diff(old: ModuleInfo, new: ModuleInfo) -> tuple[ApiChange, ...]:
    """Compare the public API of two parses of the same module.

    Public top-level classes and functions (names without a leading underscore, plus any
    name in ``__all__``) are compared: added/removed, class<->function (``kind-changed``),
    function signatures (parameters added, removed, renamed in place, kind, default,
    annotation, order; return annotation; async; decorators), class bases, dataclass fields
    and public methods (``Class.method``, dunders such as ``__init__`` included).
    When either side could not be parsed there is nothing reliable to compare: ``()``.
    """
    if old.problem is not None or new.problem is not None:
        return ()

    def top(info: ModuleInfo) -> list[Symbol]:
        exported = set(info.all_names or ())
        return [
            s
            for s in info.symbols
            if s.kind in (SymbolKind.CLASS, SymbolKind.FUNCTION)
            and (s.is_public or s.name in exported)
        ]

    return tuple(_symbols_changes(top(old), top(new)))
