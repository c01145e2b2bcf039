"""Inventory snapshots: an :class:`Inventory` to and from plain JSON-able data."""

from __future__ import annotations

from typing import Any

from sphinx_ptyplan.core.models import (
    EntryKind,
    Finding,
    FindingCode,
    FindingKind,
    Inventory,
    ModuleEntry,
    ModuleInfo,
    Param,
    ParseProblem,
    Symbol,
    SymbolKind,
)

__all__ = [
    "INVENTORY_SCHEMA",
    "inventory_from_dict",
    "inventory_to_dict",
]

INVENTORY_SCHEMA = "ptyplan-inventory/1"


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
        "problem": (
            {"message": problem.message, "line": problem.line, "code": problem.code.value}
            if problem
            else None
        ),
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
                "code": f.code.value,
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
    problem = None
    if pr is not None:
        code = (  # absent in older snapshots
            pr.enum("code", FindingCode)
            if pr.opt_str("code") is not None
            else FindingCode.SYNTAX_ERROR
        )
        problem = ParseProblem(pr.get_str("message"), pr.get_int("line"), code)
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
                detail=r.get_str("message"),  # inventory findings have no subject
                path=r.opt_str("path"),
                line=r.opt_int("line"),
                code=r.enum("code", FindingCode),
                replacement=r.opt_str("replacement"),
            )
        )
    return Inventory(
        root=top.get_str("root"),
        tree=top.get_str("tree"),
        entries=tuple(entries),
        findings=tuple(findings),
    )
