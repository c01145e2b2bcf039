"""Several names of one module, from one parse: ``extract.defined_symbol`` for each of them
(the module is parsed once, not once per name cited from it)."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from sphinx_ptyplan.core.models import Symbol

from .extract import (
    DEFAULT_MAX_FILE_BYTES,
    _decode,
    _looks_binary,
    _ModuleExtractor,
    _Problem,
    defined_symbol,
)

__all__ = ["defined_symbols"]


def defined_symbols(
    data: bytes, names: Iterable[str], *, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> dict[str, Symbol | None]:
    """``{name: defined_symbol(data, name)}`` for ``names``, the source parsed once and the
    names extracted by the same extractor; when that parse or extraction fails, each name
    is asked alone (one name's failure is not the others')."""
    out: dict[str, Symbol | None] = dict.fromkeys(names)
    if len(data) > max_bytes or _looks_binary(data):
        return out
    try:
        text = _decode(data)
    except _Problem:
        return out
    wanted = frozenset(n for n in out if n in text) if "\x00" not in text else frozenset()
    if not wanted:
        return out
    try:
        extractor = _ModuleExtractor(only=wanted)
        extractor.visit(ast.parse(text).body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {n: defined_symbol(data, n, max_bytes=max_bytes) for n in out}
    out.update((s.name, s) for s in extractor.symbols)
    return out
