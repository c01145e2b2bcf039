"""One walker, one parse cache (issue 13 req 5): the inventory and the code index of one
workspace parse each file once, the index reads imports from that parse, and every index
of the workspace reads one walk of the root."""

from __future__ import annotations

import ast
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sphinx_ptyplan.core.checks.resolve import resolve
from sphinx_ptyplan.core.jobs import inventory_job
from sphinx_ptyplan.core.models import Status
from sphinx_ptyplan.core.requests import InventoryRequest
from sphinx_ptyplan.core.sources.classify import references_in
from sphinx_ptyplan.core.workspace import Workspace

FILES = {
    "pkg/__init__.py": "from .core import Engine\n",
    "pkg/core.py": "import torch\n\nclass Engine:\n    def run(self):\n        pass\n",
    "pkg/helpers.py": "def helper():\n    pass\n",
    "pkg/sub/__init__.py": "from ..helpers import *\n",
    "other/mod.py": "Y = 2\n",
}


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return tmp_path


def _resolve(ws: Workspace, text: str, code_roots: tuple[str, ...] = ()) -> tuple[str, str]:
    (ref,) = references_in(text, doc_path="plan.md", doc_line=1)
    res = resolve(ref, ws.index(code_roots))
    return res.status.value, res.target_kind


def test_each_file_is_parsed_once_and_the_root_walked_once(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: Counter[str] = Counter()
    real_parse = ast.parse

    def counting_parse(source: object, filename: str = "<unknown>", *a: object, **k: object):  # type: ignore[no-untyped-def]
        parsed[str(filename)] += 1
        return real_parse(source, filename, *a, **k)  # type: ignore[arg-type]

    scans: list[str] = []
    real_scandir = os.scandir

    def counting_scandir(path: object = ".") -> object:
        scans.append(os.fspath(path))  # type: ignore[arg-type]
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(ast, "parse", counting_parse)
    monkeypatch.setattr(os, "scandir", counting_scandir)
    ws = Workspace(root)
    try:
        job = inventory_job(ws, InventoryRequest("pkg"))
        assert job.inventory is not None and len(job.inventory.entries) >= 4
        inventory_parses = sum(parsed.values())
        assert inventory_parses == 4  # the four modules of pkg/
        scans_of_inventory = len(scans)
        # resolution that needs symbols, re-exports (imports) and a star import, through two
        # indexes of the same workspace
        assert _resolve(ws, "pkg.Engine") == ("resolved", "class")  # via pkg/__init__ import
        assert _resolve(ws, "pkg.core.torch") == ("resolved", "import")
        assert _resolve(ws, "pkg.sub.helper")[0] == Status.EXTERNAL.value  # star import
        assert _resolve(ws, "other.mod.Y", ("other",)) == ("resolved", "constant")
        assert _resolve(ws, "pkg.core.Engine.run()", ("pkg",)) == ("resolved", "method")
    finally:
        ws.close()
    # nothing in pkg/ was parsed again: imports came from the cached parse
    assert {name: n for name, n in parsed.items() if n > 1} == {}
    assert sum(parsed.values()) == inventory_parses + 1  # + other/mod.py, once
    # the two indexes read one walk of the root: each folder of the root listed once
    index_scans = Counter(scans[scans_of_inventory:])
    assert index_scans and max(index_scans.values()) == 1, index_scans
    assert ws.index(()).listing is ws.index(("pkg",)).listing
    assert ws.index(()).listing.walks == 1


def test_the_imports_are_part_of_the_parse(root: Path) -> None:
    from sphinx_ptyplan.core.sources.extract import parse_module

    info = parse_module(
        b"import a.b\nimport c.d as e\nfrom ..f import g as h\nfrom .i import *\n"
        b"def k():\n    import late\n"
    )
    got = [(i.bound, i.module, i.name, i.level, i.line) for i in info.imports]
    assert got == [
        ("a", "a", None, 0, 1),
        ("e", "c.d", None, 0, 2),
        ("h", "f", "g", 2, 3),
        ("*", "i", "*", 1, 4),
        ("late", "late", None, 0, 6),
    ]
    # imports are for the resolver: not part of equality, not in snapshots
    assert info == parse_module(
        b"import a.b\nimport c.d as e\nfrom ..f import g as h\n"
        b"from .i import *\ndef k():\n    import late\n"
    )


def _tree_with_links(tmp_path: Path) -> Path:
    """A git work tree whose ``pkg/`` has every kind of entry a walk must decide on."""
    from tests.gitutil import Repo

    repo = Repo(tmp_path / "root")
    for rel, text in {
        "pkg/__init__.py": "",
        "pkg/a.py": "A = 1\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/b.py": "B = 1\n",
        "pkg/gen/out.py": "GENERATED = 1\n",  # .gitignore'd
        "pkg/__pycache__/x.py": "X = 1\n",  # a default exclude
        "pkg/.gitignore": "gen/\n",
        "lib/c.py": "C = 1\n",
    }.items():
        repo.write(rel, text)
    (tmp_path / "outside.py").write_text("SECRET = 1\n", encoding="utf-8")
    pkg = repo.path / "pkg"
    (pkg / "alias.py").symlink_to(pkg / "a.py")  # a file link inside the root: listed
    (pkg / "linked").symlink_to(repo.path / "lib", target_is_directory=True)  # not followed
    (pkg / "sub" / "up").symlink_to(pkg, target_is_directory=True)  # would loop
    (pkg / "leak.py").symlink_to(tmp_path / "outside.py")  # out of the root: never read
    (pkg / "broken.py").symlink_to(pkg / "gone.py")
    return repo.path


def _parsed_files(inv: Any) -> set[str]:
    from sphinx_ptyplan.core.models import EntryKind

    out = set()
    for e in inv.entries:
        if e.kind is EntryKind.MODULE:
            out.add(e.path)
        elif e.kind is EntryKind.PACKAGE:
            out.add(f"{e.path}/__init__.py")
    return out


def test_inventory_and_index_list_the_same_files(tmp_path: Path) -> None:
    """One listing, one policy: the inventory's files of a tree are exactly the code
    index's files under that tree (symlinks, .gitignore, default excludes), and a scan's
    own excludes only take away."""
    root = _tree_with_links(tmp_path)
    ws = Workspace(root)
    try:
        job = inventory_job(ws, InventoryRequest("pkg"))
        assert job.inventory is not None
        index = ws.index(("pkg",))
        index_files = {f for f in index.module_files() if f.startswith("pkg/")}
        listed = {f for f in ws.listing().files if f.startswith("pkg/") and f.endswith(".py")}
        expected = {
            "pkg/__init__.py",
            "pkg/a.py",
            "pkg/alias.py",
            "pkg/sub/__init__.py",
            "pkg/sub/b.py",
        }
        assert _parsed_files(job.inventory) == expected
        assert index_files == expected
        assert listed == expected
        # the same problems are reported whoever meets them: the scan says what it skipped
        assert sorted((f.path, f.code.value) for f in job.inventory.findings) == [
            ("pkg/broken.py", "unreadable"),
            ("pkg/leak.py", "symlink-outside-root"),
        ]
        # the index never offers a link out of the root, nor a folder link's duplicate
        assert index.suffix_matches("leak.py") == []
        assert index.suffix_matches("c.py") == ["lib/c.py"]
        narrowed = inventory_job(ws, InventoryRequest("pkg", exclude=("sub/",)))
        assert narrowed.inventory is not None
        assert _parsed_files(narrowed.inventory) == expected - {
            "pkg/sub/__init__.py",
            "pkg/sub/b.py",
        }
    finally:
        ws.close()


def test_the_root_is_listed_once_for_scans_and_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree_with_links(tmp_path)
    scans: list[str] = []
    real_scandir = os.scandir

    def counting_scandir(path: object = ".") -> object:
        scans.append(os.path.relpath(os.fspath(path), root))  # type: ignore[arg-type]
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", counting_scandir)
    ws = Workspace(root)
    try:
        inventory_job(ws, InventoryRequest("pkg"))
        inventory_job(ws, InventoryRequest("pkg/sub"))  # a second tree: nothing read again
        after_scans = list(scans)
        assert sorted(after_scans) == ["pkg", "pkg/sub"]
        ws.index(()).top_level  # noqa: B018 - the index lists the whole root
        ws.index(("pkg",)).module_files()
        inventory_job(ws, InventoryRequest("lib"))
    finally:
        ws.close()
    counted = Counter(scans)
    assert counted["."] == 1
    assert max(counted.values()) == 1, counted
    assert sorted(counted) == [".", "lib", "pkg", "pkg/sub"]
    assert ws.listing().reads == len(scans)
