"""Definitions inside other definitions: a class made in a function's body, a helper
``def`` inside a function. They are not symbols of the module's inventory (nothing can
import them), but a document citing ``components.py::LightningDataset`` names a class
the file does define, and saying "defines no LightningDataset" would be a false finding.

Asked only when a name is not defined at the top of a module, so the extra parse is paid
for the few names that are missing; the symbol is built by the extractor's own code.
"""

from __future__ import annotations

import ast
from collections import deque

from sphinx_ptyplan.core.models import Symbol, SymbolKind
from sphinx_ptyplan.core.sources.extract import (
    DEFAULT_MAX_FILE_BYTES,
    _class,
    _decode,
    _function,
    _looks_binary,
    _Problem,
)

__all__ = ["nested_symbol"]

_DEFS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
_Def = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef


def nested_symbol(
    data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> Symbol | None:
    """The first class or function named ``name`` (source order) defined inside another
    definition of the module ``data``; None when there is none or the source does not
    parse. Definitions at the top of the module are not looked at (ask the extractor)."""
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
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    found: list[tuple[_Def, _Def | None]] = []  # (definition, the one it is made in)
    # statements only nest in statements, handlers and match cases: never walk expressions
    queue: deque[tuple[ast.AST, _Def | None]] = deque((n, None) for n in tree.body)
    while queue:
        node, owner = queue.popleft()
        if isinstance(node, _DEFS) and owner is not None and node.name == name:
            found.append((node, owner))
        inner = node if isinstance(node, _DEFS) else owner
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)):
                queue.append((child, inner))
    if not found:
        return None
    first, owner = min(found, key=lambda f: (f[0].lineno, f[0].col_offset))
    if isinstance(first, ast.ClassDef):
        return _class(first)
    kind = SymbolKind.METHOD if isinstance(owner, ast.ClassDef) else SymbolKind.FUNCTION
    return _function(first, kind)
