"""Bare and short names of a spec (``RawData``, ``update_legacy_dict()``, ``KEY_MAPPINGS``,
``params.cfg``) looked up in the code roots, and bound by the context a reader would use.

:class:`NameIndex` knows every top-level class, function and constant of the code roots by
its short name, and (read only when a name is not found that way) the UPPER-case locals of
functions and the ``import X as Y`` aliases. :func:`bind` picks one of several definitions
from context hints, nearest first; the hints come from the document
(``sources.context``).
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sphinx_ptyplan.core.models import SymbolKind
from sphinx_ptyplan.core.sources.codespans import is_bare_name

_UPPER_RE = re.compile(r"^_?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")

#: The resolver's ``CodeIndex`` (not imported: the resolver imports this module).
CodeIndex = Any

__all__ = [
    "Binding",
    "Definition",
    "NameIndex",
    "bind",
    "is_bare_name",
]


@dataclass(frozen=True, slots=True)
class Definition:
    """One place that defines a short name.

    ``kind``: class, function, constant, local (assigned inside ``owner``), alias (an
    ``import ... as name``; ``target`` is the dotted name it imports).
    """

    name: str
    path: str
    line: int
    end_line: int
    kind: str
    module: str | None = None
    owner: str | None = None
    target: str | None = None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


class NameIndex:
    """Short name -> definitions in the code roots of a :class:`CodeIndex` (built lazily)."""

    def __init__(self, index: CodeIndex) -> None:
        self.index = index
        self._top: dict[str, list[Definition]] | None = None
        self._texts: dict[str, bytes] | None = None
        self._parsed: dict[str, list[Definition]] = {}
        self._deep_by_name: dict[str, list[Definition]] = {}
        self._mods: dict[str, list[tuple[str, str]]] | None = None

    def _build_top(self) -> dict[str, list[Definition]]:
        if self._top is None:
            top: dict[str, list[Definition]] = {}
            for rel in self.index.module_files():
                info = self.index.info(rel)
                if info is None:
                    continue
                mod = self.index.dotted_of(rel)
                for s in info.symbols:
                    kind = {
                        SymbolKind.CLASS: "class",
                        SymbolKind.FUNCTION: "function",
                        SymbolKind.CONSTANT: "constant",
                    }.get(s.kind)
                    if kind is None:
                        continue
                    top.setdefault(s.name, []).append(
                        Definition(s.name, rel, s.line, s.end_line, kind, mod)
                    )
            self._top = top
        return self._top

    def _deep(self, name: str) -> list[Definition]:
        """UPPER-case locals of functions and ``as`` import aliases called ``name``: only the
        files whose text contains the name are parsed (each at most once)."""
        if self._texts is None:
            from sphinx_ptyplan.core.paths import PathRefused, confine

            texts: dict[str, bytes] = {}
            for rel in self.index.module_files():
                try:
                    data = confine(self.index.root, rel).read_bytes()
                except (PathRefused, OSError):
                    continue
                if len(data) <= self.index.max_bytes:
                    texts[rel] = data
            self._texts = texts
        if name not in self._deep_by_name:
            key = name.encode()
            # only files where the name is bound (``NAME =``, ``NAME:``, ``as NAME``) parse
            alias = rb"\bas\s+" + key + rb"\b"
            assign = rb"|\b" + key + rb"\s*[:=][^=]" if _UPPER_RE.match(name) else b""
            bound = re.compile(alias + assign)
            found: list[Definition] = []
            for rel, data in self._texts.items():
                if key not in data or not bound.search(data):
                    continue
                if rel not in self._parsed:
                    self._parsed[rel] = _deep_definitions(self.index, rel, data)
                found.extend(d for d in self._parsed[rel] if d.name == name)
            self._deep_by_name[name] = found
        return self._deep_by_name[name]

    def modules(self, short: str) -> list[tuple[str, str]]:
        """``[(dotted, file)]`` of the modules and packages whose last name is ``short``
        (``params`` -> ``[("ptycho.params", "ptycho/params.py")]``)."""
        if self._mods is None:
            mods: dict[str, list[tuple[str, str]]] = {}
            for rel in self.index.module_files():
                dotted = self.index.dotted_of(rel)
                if dotted:
                    mods.setdefault(dotted.rsplit(".", 1)[-1], []).append((dotted, rel))
            self._mods = mods
        return list(self._mods.get(short, []))

    def lookup(self, name: str, kind: str) -> list[Definition]:
        """Definitions a bare name of ``kind`` (see :func:`is_bare_name`) may mean.

        Top-level definitions first; only when there is none, locals and import aliases.
        Lower-case names match only classes and functions (a module-level variable named
        like a config field is not what a spec's ``n_filters_scale`` means)."""
        found = self._build_top().get(name, [])
        if kind == "function":
            found = [d for d in found if d.kind in ("class", "function")]
        if found:
            return _unique(found)
        deep = self._deep(name)
        if kind != "constant":
            deep = [d for d in deep if d.kind == "alias"]
        return _unique(deep)


def _unique(defs: Iterable[Definition]) -> list[Definition]:
    """One definition per file (a name redefined under ``if``/``try`` is one thing)."""
    seen: dict[str, Definition] = {}
    for d in defs:
        seen.setdefault(d.path, d)
    return list(seen.values())


def _deep_definitions(index: CodeIndex, rel: str, data: bytes) -> list[Definition]:
    """UPPER-case locals (with their function) and ``as`` aliases of one file, one walk."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError):
        return []
    mod = index.dotted_of(rel)
    out: list[Definition] = []
    stack: list[tuple[ast.AST, str | None]] = [(tree, None)]
    while stack:
        node, fn = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.extend(_aliases(node, rel, mod, index))
            continue
        targets: list[ast.expr] = []
        if fn is not None and isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif fn is not None and isinstance(node, ast.AnnAssign):
            targets = [node.target]
        for t in targets:
            if isinstance(t, ast.Name) and _UPPER_RE.match(t.id) and len(t.id) >= 3:
                end = getattr(node, "end_lineno", None) or t.lineno
                out.append(Definition(t.id, rel, t.lineno, end, "local", mod, fn))
        inner = node.name if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else fn
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return out


def _aliases(
    node: ast.Import | ast.ImportFrom, rel: str, mod: str | None, index: CodeIndex
) -> list[Definition]:
    out = []
    if isinstance(node, ast.ImportFrom):
        src = node.module or ""
        if node.level:
            pkg = (mod or "") if rel.endswith("__init__.py") else (mod or "").rpartition(".")[0]
            up = pkg.split(".") if pkg else []
            up = up[: len(up) - (node.level - 1)] if node.level > 1 else up
            src = ".".join([*up, src] if src else up)
        for a in node.names:
            if a.asname and a.asname != a.name:
                out.append(
                    Definition(
                        a.asname,
                        rel,
                        node.lineno,
                        node.lineno,
                        "alias",
                        mod,
                        None,
                        f"{src}.{a.name}",
                    )
                )
    else:
        for a in node.names:
            if a.asname and a.asname != a.name.rsplit(".", 1)[-1]:
                out.append(
                    Definition(a.asname, rel, node.lineno, node.lineno, "alias", mod, None, a.name)
                )
    return out


# ------------------------------------------------------------------------------ binding


@dataclass(frozen=True, slots=True)
class Binding:
    """The definition context chose, and how (``"qualified mention at line 31"``)."""

    definition: Definition
    how: str


def _decides(
    hint: str, defs: Sequence[Definition], index: CodeIndex, name: str, imports: bool = True
) -> list[Definition] | None:
    """The candidates a hint (a dotted module/qualified name, or a path) points at;
    ``None`` when the hint says nothing about them; ``[]`` when it names something outside
    the tree (the name then means that thing, not ours)."""
    h = hint.strip().rstrip("/")
    if not h:
        return None
    if "/" in h or h.endswith((".py", ".pyi")):
        p = posixpath.normpath(h.split(":", 1)[0])
        hit = [d for d in defs if d.path == p or d.path.endswith("/" + p)]
        if not hit:
            hit = [d for d in defs if d.path.startswith(p + "/") or ("/" + p + "/") in d.path]
        if not hit and imports and p.endswith((".py", ".pyi")):
            hit = _via_imports(index, [c for c in index.suffix_matches(p)], name, defs)
        return hit or None
    parts = h.split(".")
    if parts[-1] == name and len(parts) > 1:
        parts = parts[:-1]
    if parts[0] not in index.packages:
        # a module outside the tree (``ptychodus.model...``): the name means that outside
        # thing when the hint is close enough (see :func:`bind`)
        return []
    for k in range(len(parts), 0, -1):
        mp = index.module_path(parts[:k])
        if mp is None:
            continue
        rel, mkind = mp
        if mkind == "namespace" or mkind == "package" and k == len(parts) and k == 1:
            prefix = rel if mkind == "namespace" else rel.rsplit("/", 1)[0]
            hit = [d for d in defs if d.path.startswith(prefix + "/")]
            return hit or None
        hit = [d for d in defs if d.path == rel]
        if not hit and imports:
            hit = _via_imports(index, [rel], name, defs)
        if not hit and mkind == "package":
            prefix = rel.rsplit("/", 1)[0]
            hit = [d for d in defs if d.path.startswith(prefix + "/")]
        return hit or None
    return None


def _via_imports(
    index: CodeIndex, files: Sequence[str], name: str, defs: Sequence[Definition]
) -> list[Definition]:
    out: list[Definition] = []
    for rel in files:
        names, _star = index.imports(rel)
        got = names.get(name)
        if got is None:
            continue
        target = got[0].rsplit(".", 1)[0]
        mp = (
            index.module_path(target.split("."))
            if target and target.split(".")[0] in index.packages
            else None
        )
        if mp is not None:
            out.extend(d for d in defs if d.path == mp[0])
    return out


def bind(
    name: str,
    defs: Sequence[Definition],
    hints: Sequence[tuple[str, str]],
    index: CodeIndex,
) -> Binding | None | str:
    """Choose among several ``defs`` of ``name`` with ``hints`` ``[(how, text)]``, nearest
    first. Returns a :class:`Binding`; ``"outside"`` when a qualified mention names it in a
    module outside the tree, or such a module is named in the same list item as a function
    (``train()`` next to ``ptychodus.model.ptychopinn.reconstructor`` is that module's, not
    one of ours); ``None`` when no hint decides."""
    for how, text in hints:
        # a module named in the text decides through what it imports too (``config_bridge``
        # imports the PyTorch ``ModelConfig``); the page setting only by what it defines
        near = not how.startswith("page")
        hit = _decides(text, defs, index, name, imports=near)
        if hit is None:
            continue
        if not hit:
            # a qualified mention outside the tree is that name; a module outside the tree
            # in the same item claims the functions next to it (``train()``), not classes
            # the tree defines (``ModelConfig`` built from ptychodus' settings is ours)
            if how.startswith("qualified") or (
                how.startswith("named in the same item") and name[:1].islower()
            ):
                return "outside"
            continue
        uniq = _unique(hit)
        if len(uniq) == 1:
            return Binding(uniq[0], f"`{text}` ({how})")
        defs = uniq  # narrowed: later hints choose among these
    return None
