"""The package layout: no import cycles, and modules of one job each (issue 13)."""

from __future__ import annotations

import ast
from pathlib import Path

import sphinx_ptyplan

PACKAGE = Path(sphinx_ptyplan.__file__).parent
#: Modules allowed over ~600 lines because they do one job (the one git module, one resolver).
ONE_JOB_EXCEPTIONS = {
    "sphinx_ptyplan.core.sources.gitrepo",  # the one git module
    "sphinx_ptyplan.core.checks.resolve",  # the one resolver
    "sphinx_ptyplan.core.outputs.redline",  # composing one plan redline
}
MAX_LINES = 650
#: Still to split (none: compare.py became checks/coverage.py and checks/delta.py).
PENDING_SPLIT: set[str] = set()


def _modules() -> dict[str, Path]:
    mods = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports anywhere (top level, inside functions and
    under ``TYPE_CHECKING``: a cycle through any of them is a tangle of layers)."""
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for target in targets:
                # the longest package module the name belongs to (a submodule or the module)
                while target and target not in mods:
                    target = target.rpartition(".")[0]
                if target and target != mod:
                    graph[mod].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _parents(mod: str) -> set[str]:
    parts = mod.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def test_the_graph_sees_function_level_and_type_checking_imports() -> None:
    graph = import_graph()
    # cli.run imports gitrepo inside main(); checks.citations imports gitrepo under TYPE_CHECKING
    assert "sphinx_ptyplan.core.sources.gitrepo" in graph["sphinx_ptyplan.cli.run"]
    assert "sphinx_ptyplan.core.sources.gitrepo" in graph["sphinx_ptyplan.core.checks.citations"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    graph = import_graph()
    # a package importing its own submodules (``cli`` -> ``cli.run``) is not a cycle
    for mod in graph:
        graph[mod] = {t for t in graph[mod] if t not in _parents(mod)}
    assert cycles(graph) == []


def test_layers_point_one_way() -> None:
    """sources never import checks or outputs; checks never import outputs; the core never
    imports the front ends."""
    graph = import_graph()
    core = "sphinx_ptyplan.core."
    for mod, targets in graph.items():
        for t in targets:
            if mod.startswith(core + "sources"):
                assert not t.startswith((core + "checks", core + "outputs")), (mod, t)
            if mod.startswith(core + "checks"):
                assert not t.startswith(core + "outputs"), (mod, t)
            if mod.startswith("sphinx_ptyplan.core"):
                assert t.startswith("sphinx_ptyplan.core"), (mod, t)


def test_modules_have_one_job_in_size() -> None:
    long = {
        mod: n
        for mod, path in _modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
        and mod not in ONE_JOB_EXCEPTIONS | PENDING_SPLIT
    }
    assert long == {}
