"""Resolution of bare names, short module names and written signatures (issue 15).

Called by the resolver for :class:`RefKind.NAME` references, for dotted names whose first
part is not a package of the tree (``params.cfg``), and for references that carry a
written signature. Never raises; never reads outside the root.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sphinx_ptyplan.core.checks.names import Binding, Definition, NameIndex, bind
from sphinx_ptyplan.core.checks.signatures import compare_signature, signature_of
from sphinx_ptyplan.core.checks.verdict import resolution as _res
from sphinx_ptyplan.core.models import (
    Finding,
    FindingCode,
    FindingKind,
    Reference,
    RefKind,
    Resolution,
    Status,
    Symbol,
    SymbolKind,
)
from sphinx_ptyplan.core.sources.codespans import is_bare_name, parse_code_span

__all__ = ["NO_DEFINITION", "check_signature", "resolve_name", "short_module", "symbol_at"]

#: The reason of a bare name that names nothing of the tree now (spec hits then ask git
#: whether it was code when its line was written).
NO_DEFINITION = "no definition in the tree"

#: ``resolve_dotted(ref_with_name) -> Resolution``: the resolver's own dotted lookup.
DottedFn = Callable[[Reference], Resolution]


def _defined(ref: Reference, d: Definition, how: str, dotted: DottedFn) -> Resolution:
    if d.kind == "alias" and d.target:
        target = dotted(_with_name(ref, d.target))
        note = f"import alias of `{d.target}` ({d.where})"
        if target.status is Status.RESOLVED:
            return _res(
                ref,
                Status.RESOLVED,
                _join(note, how),
                target_kind=target.target_kind,
                path=target.path,
                line=target.line,
                end_line=target.end_line,
                owner_from_path=False,
            )
        return _res(
            ref,
            Status.RESOLVED,
            note,
            target_kind="import",
            path=d.path,
            line=d.line,
            owner_from_path=False,
        )
    if d.kind == "local":
        how = _join(f"local variable of `{d.owner}`", how)
    return _res(
        ref,
        Status.RESOLVED,
        how,
        target_kind="constant" if d.kind == "local" else d.kind,
        path=d.path,
        line=d.line,
        end_line=d.end_line,
        owner_from_path=False,
    )


def _join(a: str, b: str) -> str:
    return f"{a}, {b}" if a and b else a or b


def _with_name(ref: Reference, name: str) -> Reference:
    from dataclasses import replace

    return replace(ref, kind=RefKind.DOTTED, name=name)


def resolve_name(
    ref: Reference,
    names: NameIndex,
    dotted: DottedFn,
    *,
    index: Any,
) -> Resolution:
    """A bare name: one definition -> resolved; several -> bound by ``ref.hints``, else
    ambiguous (the caller reports one finding per section and name); none -> external
    (silent: prose is never warned about)."""
    raw = (ref.name or ref.text).strip()
    bare = raw[:-2] if raw.endswith("()") else raw
    kind = is_bare_name(raw)
    if kind is None and ref.text.strip().startswith(bare + "("):
        kind = is_bare_name(bare + "()")  # ``train()``, ``save(path)``: written as a call
    if kind is None:
        return _res(ref, Status.EXTERNAL, "not a name")
    defs = names.lookup(bare, kind)
    if kind == "function":
        # the class named next to it (or a qualified mention in the section) outranks a
        # top-level function of the same name elsewhere; an earlier section's does not
        method = _method_by_context(ref, bare, index, near=bool(defs))
        if method is not None:
            return method
    if not defs:
        return _res(ref, Status.EXTERNAL, NO_DEFINITION)
    targets = {d.target for d in defs if d.kind == "alias"}
    if all(d.kind == "alias" for d in defs) and len(targets) == 1:
        return _defined(ref, defs[0], "", dotted)
    if len(defs) == 1:
        return _defined(ref, defs[0], "", dotted)
    got = bind(bare, defs, ref.hints, index)
    if isinstance(got, Binding):
        return _defined(ref, got.definition, f"bound by {got.how}", dotted)
    if got == "outside":
        return _res(ref, Status.EXTERNAL, "a name of a module outside the tree")
    cands = tuple(f"{d.module or d.path}.{d.name} ({d.where})" for d in defs)
    return _res(
        ref,
        Status.AMBIGUOUS,
        f"{len(defs)} definitions ({'; '.join(cands)}) and nothing in the section "
        "says which; qualify it once in the section, name its file next to it, or set the "
        "page's module",
        candidates=cands,
        code=FindingCode.AMBIGUOUS_NAME,
    )


def _method_by_context(
    ref: Reference, name: str, index: Any, *, near: bool = False
) -> Resolution | None:
    """A lower-case name that no top-level function has, bound to a method by context: a
    qualified mention ``ModelManager.load_model`` earlier in the section, or the class
    named in the same list item or paragraph (or an enclosing item). The class must have
    that method and be one class of the tree (or one the rest of the context decides);
    otherwise the name stays prose (``None``). ``near``: only the section's own qualified
    mentions and the classes of the same block or enclosing items count."""
    for how, text in ref.hints:
        if near and "earlier section" in how:
            continue
        if how.startswith("qualified mention"):
            parts = [p for p in re.split(r"[.:]", text) if p]
            if len(parts) < 2 or parts[-1] != name or not parts[-2][:1].isupper():
                continue
            cls = parts[-2]
        elif how.startswith("class named"):
            cls = text
        else:
            continue
        found = [
            (path, c, m)
            for path, c in index.classes(cls)
            if (m := c.member(name)) is not None
            and m.kind in (SymbolKind.METHOD, SymbolKind.FUNCTION)
        ]
        if len(found) > 1:
            defs = [Definition(cls, p, c.line, c.end_line, "class") for p, c, _m in found]
            got = bind(cls, defs, ref.hints, index)
            if not isinstance(got, Binding):
                continue
            found = [f for f in found if f[0] == got.definition.path]
        if len(found) != 1:
            continue
        path, c, m = found[0]
        return _res(
            ref,
            Status.RESOLVED,
            f"method of `{c.name}`, bound by `{text}` ({how})",
            target_kind="method",
            path=path,
            line=m.line,
            end_line=m.end_line,
            owner_from_path=False,
        )
    return None


def short_module(ref: Reference, names: NameIndex, dotted: DottedFn, index: Any) -> Resolution:
    """``params.cfg`` where ``params`` is no package of the tree but the short name of
    exactly one module (``ptycho/params.py``): resolved as ``ptycho.params.cfg``, saying so.
    Several modules of that name: bound by context, else ambiguous. None: external."""
    name = ref.name or ref.text
    top, _, rest = name.partition(".")
    mods = names.modules(top)
    if not mods:
        return _res(ref, Status.EXTERNAL, f"`{top}` is not a package of the tree")
    how = ""
    if len(mods) > 1:
        defs = [Definition(top, m[1], 1, 1, "module", m[0]) for m in mods]
        got = bind(top, defs, ref.hints, index)
        if not isinstance(got, Binding):
            return _res(ref, Status.EXTERNAL, f"{len(mods)} modules named `{top}`")
        mods = [(got.definition.module or "", got.definition.path)]
        how = f"bound by {got.how}"
    full = f"{mods[0][0]}.{rest}" if rest else mods[0][0]
    res = dotted(_with_name(ref, full))
    note = _join(f"short module name of `{full}`", how)
    if res.status is not Status.RESOLVED:
        # ``config.backend``: a variable named like a module, not that module's name
        return _res(ref, Status.EXTERNAL, f"not a name of `{full}`")
    return _res(
        ref,
        Status.RESOLVED,
        note,
        target_kind=res.target_kind,
        path=res.path,
        line=res.line,
        end_line=res.end_line,
        owner_from_path=False,
    )


def symbol_at(index: Any, path: str, line: int | None) -> Symbol | None:
    """The function, method or class defined at ``path:line`` (``None`` otherwise)."""
    info = index.info(path) if path and path.endswith((".py", ".pyi")) else None
    if info is None or line is None:
        return None
    for s in info.symbols:
        if s.line == line:
            return s  # type: ignore[no-any-return]
        if s.kind is SymbolKind.CLASS and s.line <= line <= s.end_line:
            for m in s.members:
                if m.line == line:
                    return m  # type: ignore[no-any-return]
    return None


def check_signature(res: Resolution, index: Any) -> Finding | None:
    """``ptyplan.schema`` (``signature-mismatch``) when the reference's span is a written
    signature that differs from the code it resolved to; both signatures in the message."""
    ref = res.ref
    if res.status is not Status.RESOLVED or not ref.span:
        return None
    span = parse_code_span(ref.span)
    if span is None or span.signature is None:
        return None
    written = (ref.name or ref.text).strip().removesuffix("()")
    if written != span.signature.name:
        return None  # an argument of the span, not its function
    sym = symbol_at(index, res.path or "", res.line)
    if sym is None or sym.kind not in (SymbolKind.FUNCTION, SymbolKind.METHOD, SymbolKind.CLASS):
        return None
    problems = compare_signature(span.signature, sym)
    if not problems:
        return None
    return Finding(
        FindingKind.SCHEMA,
        f"`{span.signature.text()}` does not match the code `{signature_of(sym)}` "
        f"({res.path}:{res.line}): {'; '.join(problems)}",
        path=ref.doc_path,
        line=ref.doc_line or None,
        code=FindingCode.SIGNATURE_MISMATCH,
    )
