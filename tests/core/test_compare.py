"""coverage(): covered / covered-by-package / missing rows and stale plan references."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sphinx_ptyplan.core.compare import Coverage, coverage, revision_delta
from sphinx_ptyplan.core.models import (
    EntryKind,
    FindingKind,
    Inventory,
    ModuleEntry,
    ModuleInfo,
    Reference,
    RefKind,
    Symbol,
    SymbolKind,
)
from sphinx_ptyplan.core.outputs.tables import delta_table
from sphinx_ptyplan.core.sources.documents import load_document
from sphinx_ptyplan.core.sources.gitrepo import GitError, GitRepo
from sphinx_ptyplan.core.sources.parsecache import ParseCache
from sphinx_ptyplan.core.sources.scan import scan_tree
from sphinx_ptyplan.core.sources.snapshot import inventory_from_dict, inventory_to_dict
from tests.gitutil import Repo, git

PLAN = "plans/ptychodus_pytorch_integration_plan.md"


@dataclass(frozen=True)
class Plan:
    path: str
    references: tuple[Reference, ...]


@dataclass(frozen=True)
class Story:
    new_path: str | None
    text: str

    def describe(self) -> str:
        return self.text


@dataclass
class Stories:
    """A story callback that records the questions it was asked."""

    known: dict[str, Story]
    calls: list[list[str]] = field(default_factory=list)

    def __call__(self, paths: Sequence[str]) -> Mapping[str, Story]:
        self.calls.append(list(paths))
        return {p: self.known[p] for p in paths if p in self.known}


def ref(
    text: str,
    kind: RefKind,
    line: int,
    *,
    path: str | None = None,
    name: str | None = None,
    start: int | None = None,
    section: str | None = "Scope",
    anchor: str | None = "scope",
) -> Reference:
    return Reference(
        text,
        kind,
        PLAN,
        line,
        path=path,
        name=name,
        start=start,
        end=start,
        section=section,
        anchor=anchor,
    )


def p(text: str, line: int, **kw: object) -> Reference:
    path, _, tail = text.partition(":")
    if tail.isdigit():
        return ref(text, RefKind.CITATION, line, path=path, start=int(tail), **kw)  # type: ignore[arg-type]
    if tail:
        return ref(text, RefKind.PATH_SYMBOL, line, path=path, name=tail, **kw)  # type: ignore[arg-type]
    return ref(text, RefKind.PATH, line, path=path, **kw)  # type: ignore[arg-type]


def d(text: str, line: int, **kw: object) -> Reference:
    return ref(text, RefKind.DOTTED, line, name=text, **kw)  # type: ignore[arg-type]


def info(*symbols: Symbol, lines: int = 40) -> ModuleInfo:
    return ModuleInfo(total_lines=lines, code_lines=lines, symbols=symbols)


CONFIG = Symbol(
    "ModelConfig",
    SymbolKind.CLASS,
    3,
    9,
    is_dataclass=True,
    members=(Symbol("n_filters_scale", SymbolKind.FIELD, 5, 5, annotation="int", default="2"),),
)
BASE_API = Symbol(
    "BaseAPI",
    SymbolKind.CLASS,
    1,
    9,
    members=(Symbol("run", SymbolKind.METHOD, 2, 3),),
)


@pytest.fixture
def inventory(tmp_path: Path) -> Inventory:
    files = {
        "ptycho_torch/__init__.py": "",
        "ptycho_torch/model.py": "class PtychoPINN: ...\n",
        "ptycho_torch/config_params.py": "",
        "ptycho_torch/api/__init__.py": "from .base_api import BaseAPI\n",
        "ptycho_torch/api/base_api.py": "",
        "ptycho_torch/datagen/__init__.py": "",
        "ptycho_torch/datagen/grid.py": "",
        "ptycho_torch/reassembly_beta.py": "",
        "ptycho_torch/notebooks/demo.ipynb": "{}",
        "ptycho_torch/README.md": "not an inventory row",
        "ptycho/model.py": "",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    pkg, mod = EntryKind.PACKAGE, EntryKind.MODULE
    entries = (
        ModuleEntry("ptycho_torch", pkg, "ptycho_torch", info()),
        ModuleEntry("ptycho_torch/api", pkg, "ptycho_torch.api", info()),
        ModuleEntry(
            "ptycho_torch/api/base_api.py", mod, "ptycho_torch.api.base_api", info(BASE_API)
        ),
        ModuleEntry(
            "ptycho_torch/config_params.py", mod, "ptycho_torch.config_params", info(CONFIG)
        ),
        ModuleEntry("ptycho_torch/datagen", pkg, "ptycho_torch.datagen", info()),
        ModuleEntry("ptycho_torch/datagen/grid.py", mod, "ptycho_torch.datagen.grid", info()),
        ModuleEntry(
            "ptycho_torch/model.py",
            mod,
            "ptycho_torch.model",
            info(Symbol("PtychoPINN", SymbolKind.CLASS, 1, 1)),
        ),
        ModuleEntry("ptycho_torch/notebooks/demo.ipynb", EntryKind.NOTEBOOK, title="Demo"),
        ModuleEntry("ptycho_torch/reassembly_beta.py", mod, "ptycho_torch.reassembly_beta", info()),
    )
    return Inventory(str(tmp_path), "ptycho_torch", entries)


def statuses(cov: Coverage) -> dict[str, str]:
    return {r.entry.path: r.status for r in cov.rows}


def test_path_and_citation_cover_a_module_with_sections(inventory: Inventory) -> None:
    plan = Plan(
        PLAN,
        (
            p("ptycho_torch/model.py", 5, section="Model", anchor="model"),
            p("ptycho_torch/model.py:1", 9, section="Model", anchor="model"),
            p("ptycho_torch/model.py", 30, section="Phase B", anchor="phase-b"),
        ),
    )
    cov = coverage(inventory, plan)
    row = cov.row("ptycho_torch/model.py")
    assert row is not None and row.status == "covered"
    assert row.sections == (("Model", "model", 5), ("Phase B", "phase-b", 30))
    assert [r.doc_line for r in row.refs] == [5, 9, 30]
    assert cov.stale == ()
    assert statuses(cov)["ptycho_torch/config_params.py"] == "missing"


def test_dotted_module_and_symbols_cover(inventory: Inventory) -> None:
    plan = Plan(
        PLAN,
        (
            d("ptycho_torch.config_params", 3),
            d("ptycho_torch.model.PtychoPINN()", 4),
            p("ptycho_torch/api/base_api.py:BaseAPI.run", 6),
            d("ptycho_torch.config_params.ModelConfig.n_filters_scale", 7),
        ),
    )
    cov = coverage(inventory, plan)
    st = statuses(cov)
    assert st["ptycho_torch/config_params.py"] == "covered"
    assert st["ptycho_torch/model.py"] == "covered"
    assert st["ptycho_torch/api/base_api.py"] == "covered"
    assert st["ptycho_torch/api"] == "missing"  # a file inside it is not the package
    assert cov.stale == ()


def test_package_prefix_by_path_and_by_dotted_name(inventory: Inventory) -> None:
    plan = Plan(
        PLAN,
        (
            p("ptycho_torch/datagen/", 10, section="Data", anchor="data"),
            d("ptycho_torch.api", 11, section="API", anchor="api"),
            p("ptycho_torch/", 12),
        ),
    )
    cov = coverage(inventory, plan)
    st = statuses(cov)
    assert st["ptycho_torch/datagen"] == "covered"
    assert st["ptycho_torch/datagen/grid.py"] == "covered-by-package"
    assert st["ptycho_torch/api"] == "covered"
    assert st["ptycho_torch/api/base_api.py"] == "covered-by-package"
    # Naming the tree itself covers its own row, not everything under it.
    assert st["ptycho_torch"] == "covered"
    assert st["ptycho_torch/model.py"] == "missing"
    assert st["ptycho_torch/notebooks/demo.ipynb"] == "missing"
    grid = cov.row("ptycho_torch/datagen/grid.py")
    assert grid is not None and grid.sections == (("Data", "data", 10),)
    # packages+modules: 8 rows; covered: ptycho_torch, api, datagen; by package: base_api, grid
    assert (cov.covered, cov.by_package, cov.missing) == (3, 2, 3)
    assert cov.percent == pytest.approx(62.5)


def test_folder_prefix_without_package_row_and_notebooks(inventory: Inventory) -> None:
    plan = Plan(PLAN, (p("ptycho_torch/notebooks/", 2),))
    cov = coverage(inventory, plan)
    assert statuses(cov)["ptycho_torch/notebooks/demo.ipynb"] == "covered-by-package"
    assert (cov.covered, cov.by_package, cov.missing) == (0, 0, 8)  # notebooks not counted
    assert cov.percent == 0.0


def test_package_init_path_covers_the_package_only(inventory: Inventory) -> None:
    cov = coverage(inventory, Plan(PLAN, (p("ptycho_torch/api/__init__.py", 2),)))
    st = statuses(cov)
    assert st["ptycho_torch/api"] == "covered"
    assert st["ptycho_torch/api/base_api.py"] == "missing"


def test_reexport_through_package_init_is_not_stale(inventory: Inventory) -> None:
    cov = coverage(inventory, Plan(PLAN, (d("ptycho_torch.api.BaseAPI", 2),)))
    assert cov.stale == ()
    assert statuses(cov)["ptycho_torch/api"] == "covered"


def test_stale_symbols_lines_and_names(inventory: Inventory) -> None:
    plan = Plan(
        PLAN,
        (
            p("ptycho_torch/config_params.py:999", 20),
            d("ptycho_torch.config_params.ModelConfig.gone_field", 21),
            p("ptycho_torch/model.py:NoSuchClass", 22),
            d("ptycho_torch.api.Missing", 23),
            d("ptycho_torch.nothing_here", 24),
        ),
    )
    cov = coverage(inventory, plan)
    found = [(s.finding.code, s.finding.line, s.finding.message) for s in cov.stale]
    assert found == [
        (
            "line-out-of-range",
            20,
            "`ptycho_torch/config_params.py:999`: line 999 is past the end of "
            "ptycho_torch/config_params.py (40 lines)",
        ),
        (
            "missing-symbol",
            21,
            "`ptycho_torch.config_params.ModelConfig.gone_field`: `ModelConfig.gone_field` "
            "is not defined in ptycho_torch/config_params.py",
        ),
        (
            "missing-symbol",
            22,
            "`ptycho_torch/model.py:NoSuchClass`: `NoSuchClass` is not defined in "
            "ptycho_torch/model.py",
        ),
        (
            "missing-path",
            23,
            "`ptycho_torch.api.Missing`: no module or name `ptycho_torch.api.Missing` in "
            "ptycho_torch",
        ),
        (
            "missing-path",
            24,
            "`ptycho_torch.nothing_here`: no module or name `ptycho_torch.nothing_here` in "
            "ptycho_torch",
        ),
    ]
    assert all(s.finding.kind is FindingKind.STALE and s.finding.path == PLAN for s in cov.stale)
    # A module named with a wrong symbol is still mentioned by the plan.
    assert statuses(cov)["ptycho_torch/model.py"] == "covered"


def test_stale_with_git_story_and_folder_rename(inventory: Inventory) -> None:
    stories = Stories(
        {
            "ptycho_torch/old_loader.py": Story(None, "deleted in 1234abc (2025-10-03)"),
            "ptychopinn_torch": Story(
                "ptycho_torch", "renamed to ptycho_torch in abc1234 (2025-10-02)"
            ),
        }
    )
    plan = Plan(
        PLAN,
        (
            p("ptycho_torch/old_loader.py", 40),
            p("ptychopinn_torch/model.py:12", 41),
            d("ptychopinn_torch.model.PtychoPINN", 42),
            p("ptychopinn_torch/", 43),
            p("ptycho/model.py", 44),  # another package that exists: ignored, not asked
            d("numpy.ndarray", 45),  # outside the tree, no story: ignored
            p("ptycho_torch/README.md", 46),  # on disk though not a row: fine
        ),
    )
    cov = coverage(inventory, plan, story=stories)
    assert len(stories.calls) == 1
    asked = stories.calls[0]
    assert "ptycho/model.py" not in asked and "ptycho_torch/README.md" not in asked
    assert "ptycho_torch" not in asked  # exists: never a question
    assert {"ptycho_torch/old_loader.py", "ptychopinn_torch/model.py", "ptychopinn_torch"} <= set(
        asked
    )
    got = [(s.ref.doc_line, s.finding.code, s.story, s.replacement) for s in cov.stale]
    assert got == [
        (40, "deleted", "deleted in 1234abc (2025-10-03)", None),
        (
            41,
            "renamed",
            "renamed to ptycho_torch in abc1234 (2025-10-02)",
            "ptycho_torch/model.py:12",
        ),
        (
            42,
            "renamed",
            "renamed to ptycho_torch in abc1234 (2025-10-02)",
            "ptycho_torch.model.PtychoPINN",
        ),
        (43, "renamed", "renamed to ptycho_torch in abc1234 (2025-10-02)", "ptycho_torch/"),
    ]
    first = cov.stale[0].finding
    assert first.message == (
        "`ptycho_torch/old_loader.py`: no file `ptycho_torch/old_loader.py` in ptycho_torch: "
        "deleted in 1234abc (2025-10-03)"
    )
    assert first.location == f"{PLAN}:40"
    assert cov.stale[1].finding.replacement == "ptycho_torch/model.py:12"
    assert "renamed to ptycho_torch in abc1234 (2025-10-02)" in cov.stale[1].finding.message


def test_file_level_story_preferred_over_folder(inventory: Inventory) -> None:
    stories = Stories(
        {
            "ptychopinn_torch/train.py": Story(
                "ptycho_torch/workflows/train.py",
                "renamed to ptycho_torch/workflows/train.py in f00d",
            ),
            "ptychopinn_torch": Story("ptycho_torch", "renamed to ptycho_torch in abc1234"),
        }
    )
    cov = coverage(inventory, Plan(PLAN, (p("ptychopinn_torch/train.py:7", 3),)), story=stories)
    (stale,) = cov.stale
    assert stale.replacement == "ptycho_torch/workflows/train.py:7"


def test_outside_rename_elsewhere_is_ignored(inventory: Inventory) -> None:
    stories = Stories({"legacy": Story("archive/legacy", "renamed to archive/legacy in 1")})
    cov = coverage(inventory, Plan(PLAN, (p("legacy/x.py", 3),)), story=stories)
    assert cov.stale == ()


def test_in_tree_stale_without_story_callback(inventory: Inventory) -> None:
    cov = coverage(inventory, Plan(PLAN, (p("ptycho_torch/gone/", 3),)))
    (stale,) = cov.stale
    assert stale.story is None and stale.replacement is None
    assert (
        stale.finding.message
        == "`ptycho_torch/gone/`: no folder `ptycho_torch/gone` in ptycho_torch"
    )


def test_story_failure_is_a_finding_not_an_exception(inventory: Inventory) -> None:
    def broken(paths: Sequence[str]) -> Mapping[str, Story]:
        raise GitError("shallow", "the clone is too shallow to tell what happened")

    plan = Plan(PLAN, (p("ptycho_torch/gone.py", 3), p("ptychopinn_torch/model.py", 4)))
    cov = coverage(inventory, plan, story=broken)
    (stale,) = cov.stale  # in-tree still reported; outside needs git's word
    assert stale.story is None and stale.finding.code == "missing-path"
    (problem,) = cov.problems
    assert (problem.kind, problem.code) == (FindingKind.GIT, "shallow")
    assert cov.findings == (stale.finding, problem)


def test_attr_references_and_empty_inventory(tmp_path: Path) -> None:
    attr = Reference("ModelConfig.n_filters_scale", RefKind.ATTR, PLAN, 3, name="ModelConfig")
    cov = coverage(Inventory(str(tmp_path), "ptycho_torch"), Plan(PLAN, (attr,)))
    assert cov.rows == () and cov.stale == () and cov.percent == 0.0
    assert cov.plan == PLAN and cov.tree == "ptycho_torch"


# --------------------------------------------------------------------------- real git history

LEGACY_MODEL = '''"""Legacy model."""


class PtychoPINN:
    def forward(self, x, probe):
        return x
'''
CONFIG_V1 = """from dataclasses import dataclass


@dataclass
class ModelConfig:
    n_filters_scale: int = 2
    object_big: bool = True
"""
CONFIG_V2 = """from dataclasses import dataclass


@dataclass
class ModelConfig:
    n_filters_scale: int = 4
    object_big: bool = True
    probe_mask: bool = False
"""
TRAIN_V1 = "def train(data, epochs=10):\n    return data\n"
TRAIN_V2 = "def train(data, epochs=10, *, n_groups=1):\n    return data\n"

MD_PLAN = """# PyTorch integration plan

## Scope

The port lives in `ptychopinn_torch/` (see `ptychopinn_torch/model.py:5`).
Data loading: `ptychopinn_torch/old_loader.py`.

## Configuration

`ptycho_torch.config_params.ModelConfig` mirrors the TF dataclass; see
`ptycho_torch/config_params.py:6` and `ptycho_torch/config_params.py:400`.

## API

The new `ptycho_torch/api/` package and `ptycho.model` (TensorFlow) stay separate.
"""

RST_PLAN = """PyTorch integration plan
========================

Scope
-----

The port lives in ``ptychopinn_torch/`` (see ``ptychopinn_torch/model.py:5``).
Data loading: ``ptychopinn_torch/old_loader.py``.

Configuration
-------------

``ptycho_torch.config_params.ModelConfig`` mirrors the TF dataclass; see
``ptycho_torch/config_params.py:6`` and ``ptycho_torch/config_params.py:400``.

API
---

The new ``ptycho_torch/api/`` package and ``ptycho.model`` (TensorFlow) stay separate.
"""


@dataclass
class History:
    repo: Repo
    legacy: str  # ptychopinn_torch/ with old_loader.py
    renamed: str  # ptychopinn_torch/ -> ptycho_torch/
    reworked: str  # api/ + datagen/ added, old_loader deleted, config/train changed


@pytest.fixture
def history(tmp_path: Path) -> History:
    repo = Repo(tmp_path / "r")
    repo.write("ptycho/__init__.py", "")
    repo.write("ptycho/model.py", "class Model: ...\n")
    repo.write("ptychopinn_torch/__init__.py", "")
    repo.write("ptychopinn_torch/model.py", LEGACY_MODEL)
    repo.write("ptychopinn_torch/config_params.py", CONFIG_V1)
    repo.write("ptychopinn_torch/old_loader.py", "def load(path):\n    return path\n")
    repo.write("ptychopinn_torch/train.py", TRAIN_V1)
    legacy = repo.commit("legacy port")
    repo.move("ptychopinn_torch", "ptycho_torch")
    renamed = repo.commit("rename the package")
    repo.remove("ptycho_torch/old_loader.py")
    repo.write("ptycho_torch/config_params.py", CONFIG_V2)
    repo.write("ptycho_torch/train.py", TRAIN_V2)
    repo.write("ptycho_torch/api/__init__.py", "from .base_api import BaseAPI\n")
    repo.write("ptycho_torch/api/base_api.py", "class BaseAPI:\n    def run(self): ...\n")
    repo.write("ptycho_torch/datagen/__init__.py", "")
    repo.write("ptycho_torch/datagen/grid.py", "def grid(n): ...\n")
    repo.write("ptycho_torch/demo.ipynb", '{"cells": [], "metadata": {}}')
    reworked = repo.commit("rework: api, datagen, config")
    repo.write("plans/plan.md", MD_PLAN)
    repo.write("plans/plan.rst", RST_PLAN)
    repo.commit("plans")
    return History(repo, legacy, renamed, reworked)


@pytest.mark.parametrize("doc", ["plans/plan.md", "plans/plan.rst"])
def test_coverage_on_real_history(history: History, doc: str) -> None:
    root = history.repo.path
    inventory = scan_tree(root, "ptycho_torch")
    plan = load_document(root, doc)
    assert plan.problems == ()
    with GitRepo.open(root) as repo:
        cov = coverage(inventory, plan, story=repo.path_stories)
    assert statuses(cov) == {
        "ptycho_torch": "covered",  # named by its old folder name
        "ptycho_torch/api": "covered",
        "ptycho_torch/api/base_api.py": "covered-by-package",
        "ptycho_torch/config_params.py": "covered",
        "ptycho_torch/datagen": "missing",
        "ptycho_torch/datagen/grid.py": "missing",
        "ptycho_torch/demo.ipynb": "missing",
        "ptycho_torch/model.py": "covered",  # named by its old path
        "ptycho_torch/train.py": "missing",
    }
    assert (cov.covered, cov.by_package, cov.missing) == (4, 1, 3)
    config = cov.row("ptycho_torch/config_params.py")
    assert config is not None
    line = 10 if doc.endswith(".md") else 13
    assert config.sections == (("Configuration", "configuration", line),)
    assert [r.text for r in config.refs] == [
        "ptycho_torch.config_params.ModelConfig",
        "ptycho_torch/config_params.py:6",
        "ptycho_torch/config_params.py:400",
    ]
    short_rename = history.repo.git("rev-parse", "--short", history.renamed)
    short_rework = history.repo.git("rev-parse", "--short", history.reworked)
    got = {s.ref.text: (s.finding.code, s.story, s.replacement) for s in cov.stale}
    assert set(got) == {
        "ptychopinn_torch/",
        "ptychopinn_torch/model.py:5",
        "ptychopinn_torch/old_loader.py",
        "ptycho_torch/config_params.py:400",
    }
    code, story, replacement = got["ptychopinn_torch/"]
    assert (code, replacement) == ("renamed", "ptycho_torch/")
    assert story is not None and story.startswith("renamed to ptycho_torch")
    assert got["ptychopinn_torch/model.py:5"] == (
        "renamed",
        f"renamed to ptycho_torch/model.py in {short_rename} (2025-10-02)",
        "ptycho_torch/model.py:5",
    )
    code, story, replacement = got["ptychopinn_torch/old_loader.py"]
    assert code == "deleted" and replacement is None
    assert story is not None and story.startswith(f"deleted in {short_rework} (2025-10-03)")
    assert got["ptycho_torch/config_params.py:400"][0] == "line-out-of-range"
    finding = next(s.finding for s in cov.stale if s.ref.text == "ptychopinn_torch/model.py:5")
    assert finding.location == f"{doc}:{5 if doc.endswith('.md') else 7}"
    assert finding.message == (
        "`ptychopinn_torch/model.py:5` does not exist: renamed to ptycho_torch/model.py in "
        f"{short_rename} (2025-10-02)"
    )


class CountingRepo:
    """A GitRepo wrapper that records every call the delta makes."""

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    def resolve(self, rev: str) -> str:
        return self.repo.resolve(rev)

    def changes(self, base: str, head: str | None, paths: Sequence[str]) -> list[object]:
        self.calls.append(("changes", (base, head, tuple(paths))))
        return list(self.repo.changes(base, head, paths))

    def read_blobs(self, rev: str, paths: Sequence[str]) -> dict[str, bytes | None]:
        self.calls.append(("read_blobs", (rev, tuple(paths))))
        return self.repo.read_blobs(rev, paths)


def rows_of(delta: object) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    return {
        r.path: (r.status, r.kind, tuple(c.detail for c in r.api))
        for r in delta.rows  # type: ignore[attr-defined]
    }


def test_delta_between_commits(history: History) -> None:
    root = history.repo.path
    with GitRepo.open(root) as opened:
        repo = CountingRepo(opened)
        cov = coverage(
            scan_tree(root, "ptycho_torch"),
            load_document(root, "plans/plan.md"),
            story=opened.path_stories,
        )
        delta = revision_delta(
            root, "ptycho_torch", "HEAD~2", history.reworked[:12], repo=repo, coverage=cov
        )
    assert delta.findings == ()
    assert (delta.base, delta.base_sha, delta.head_sha) == (
        "HEAD~2",
        history.renamed,
        history.reworked,
    )
    assert rows_of(delta) == {
        "ptycho_torch/api/__init__.py": ("added", "package", ()),
        "ptycho_torch/api/base_api.py": ("added", "module", ()),
        "ptycho_torch/config_params.py": (
            "modified",
            "module",
            (
                "field `n_filters_scale`: int = 2 -> int = 4",
                "field `probe_mask: bool = False` added",
            ),
        ),
        "ptycho_torch/datagen/__init__.py": ("added", "package", ()),
        "ptycho_torch/datagen/grid.py": ("added", "module", ()),
        "ptycho_torch/demo.ipynb": ("added", "notebook", ()),
        "ptycho_torch/old_loader.py": ("removed", "module", ()),
        "ptycho_torch/train.py": ("modified", "module", ("parameter `n_groups` added",)),
    }
    in_plan = {r.path: r.in_plan for r in delta.rows}
    assert in_plan["ptycho_torch/config_params.py"] is True
    assert in_plan["ptycho_torch/api/__init__.py"] is True
    assert in_plan["ptycho_torch/api/base_api.py"] is True  # by package
    assert in_plan["ptycho_torch/train.py"] is False  # changed, and the plan never says so
    assert in_plan["ptycho_torch/datagen/grid.py"] is False
    # One diff, then one blob read per side with exactly the modified modules.
    modified = ("ptycho_torch/config_params.py", "ptycho_torch/train.py")
    assert [name for name, _ in repo.calls] == ["changes", "read_blobs", "read_blobs"]
    assert repo.calls[0][1] == (history.renamed, history.reworked, ("ptycho_torch",))
    assert repo.calls[1][1] == (history.renamed, modified)
    assert repo.calls[2][1] == (history.reworked, modified)


def test_delta_across_the_rename_of_the_tree_folder(history: History) -> None:
    """Base from before ``ptychopinn_torch/`` -> ``ptycho_torch/``: renames, with API diffs."""
    root = history.repo.path
    delta = revision_delta(root, "ptycho_torch", history.legacy, history.reworked)
    assert delta.findings == ()
    by_path = {r.path: r for r in delta.rows}
    config = by_path["ptycho_torch/config_params.py"]
    assert (config.status, config.old_path) == ("renamed", "ptychopinn_torch/config_params.py")
    assert [c.detail for c in config.api] == [
        "field `n_filters_scale`: int = 2 -> int = 4",
        "field `probe_mask: bool = False` added",
    ]
    model = by_path["ptycho_torch/model.py"]
    assert (model.status, model.old_path, model.similarity) == (
        "renamed",
        "ptychopinn_torch/model.py",
        100,
    )
    assert by_path["ptycho_torch/api/base_api.py"].status == "added"
    # the deleted module is reported under its old name, as removed
    assert by_path["ptychopinn_torch/old_loader.py"].status == "removed"
    assert not any(r.path.startswith("ptycho/") for r in delta.rows)


def test_delta_against_working_tree_with_cache(history: History) -> None:
    r = history.repo
    r.write(
        "ptycho_torch/model.py",
        LEGACY_MODEL.replace("(self, x, probe)", "(self, x, probe, scale=1.0)"),
    )
    r.write("ptycho_torch/reassembly_beta.py", "def reassemble(patches): ...\n")
    r.move("ptycho_torch/datagen/grid.py", "ptycho_torch/datagen/grids.py")  # plain mv
    cache = ParseCache()
    with GitRepo.open(r.path) as opened:
        repo = CountingRepo(opened)
        delta = revision_delta(r.path, "ptycho_torch/", "HEAD", repo=repo, cache=cache)
    assert delta.findings == () and delta.head is None and delta.head_sha is None
    assert rows_of(delta) == {
        "ptycho_torch/model.py": (
            "modified",
            "module",
            ("parameter `scale` added",),
        ),
        "ptycho_torch/reassembly_beta.py": ("added", "module", ()),
        "ptycho_torch/datagen/grids.py": ("renamed", "module", ()),
    }
    (moved,) = [row for row in delta.rows if row.status == "renamed"]
    assert (moved.old_path, moved.similarity, moved.in_plan) == (
        "ptycho_torch/datagen/grid.py",
        100,
        None,
    )
    assert [r.path for r in delta.rows] == sorted(r.path for r in delta.rows)
    model = next(row for row in delta.rows if row.path == "ptycho_torch/model.py")
    assert [c.symbol for c in model.api] == ["PtychoPINN.forward"]
    # the table names the function of every API change (issue 15 req 6)
    table = delta_table(delta)
    api_col = table.columns.index("API changes")
    api_cells = {row[1].text: row[api_col].text for row in table.rows}
    assert api_cells["ptycho_torch/model.py"] == "`PtychoPINN.forward`: parameter `scale` added"
    assert [name for name, _ in repo.calls] == ["changes", "read_blobs"]  # head: the files
    assert cache.misses == 3  # base and head model.py, head grids.py (same bytes as base)
    assert cache.hits == 1


def test_delta_same_revision_and_bad_revisions(history: History) -> None:
    root = history.repo.path
    same = revision_delta(root, "ptycho_torch", history.reworked, history.reworked[:8])
    assert same.rows == ()
    (finding,) = same.findings
    assert (finding.kind, finding.code) == (FindingKind.CONFIG, "same-revision")
    for rev, code in [
        ("no-such-branch", "unknown-revision"),
        ("--output=/tmp/x", "unsafe-revision"),
        ("HEAD~40", "unknown-revision"),
    ]:
        delta = revision_delta(root, "ptycho_torch", rev)
        assert delta.rows == () and delta.base_sha is None
        (finding,) = delta.findings
        assert finding.kind is FindingKind.GIT and finding.code == code, (rev, finding)
    bad_head = revision_delta(root, "ptycho_torch", "HEAD", "main;rm")
    assert bad_head.base_sha == history.repo.git("rev-parse", "HEAD")
    assert bad_head.findings[0].code == "unsafe-revision"


def test_delta_outside_a_repository(tmp_path: Path) -> None:
    (tmp_path / "ptycho_torch").mkdir()
    delta = revision_delta(tmp_path, "ptycho_torch", "HEAD")
    (finding,) = delta.findings
    assert (finding.kind, finding.code, delta.rows) == (FindingKind.GIT, "not-a-repo", ())


def test_delta_in_shallow_clone(history: History, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{history.repo.path}", str(clone))
    delta = revision_delta(clone, "ptycho_torch", history.renamed)
    (finding,) = delta.findings
    assert finding.kind is FindingKind.GIT and finding.code in ("shallow", "unknown-revision")
    assert delta.rows == ()


def test_delta_with_missing_blob_keeps_rows(history: History) -> None:
    r = history.repo
    blob = r.git("rev-parse", f"{history.renamed}:ptycho_torch/config_params.py")
    (r.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    delta = revision_delta(r.path, "ptycho_torch", history.renamed, history.reworked)
    assert rows_of(delta)["ptycho_torch/config_params.py"] == ("modified", "module", ())
    assert "ptycho_torch/old_loader.py" in rows_of(delta)
    (finding,) = delta.findings
    assert (finding.kind, finding.code) == (FindingKind.GIT, "missing-objects")


def test_delta_from_snapshot(history: History) -> None:
    r = history.repo
    snap = inventory_from_dict(
        json.loads(json.dumps(inventory_to_dict(scan_tree(r.path, "ptycho_torch"))))
    )
    r.write("ptycho_torch/train.py", TRAIN_V2.replace("epochs=10", "epochs=20"))
    r.remove("ptycho_torch/datagen/grid.py")
    r.write("ptycho_torch/fresh.py", "X = 1\n")
    r.move("ptycho_torch/api/base_api.py", "ptycho_torch/api/base.py")
    delta = revision_delta(r.path, "ptycho_torch", "inventory.json", snapshot=snap)
    assert (delta.base, delta.base_sha, delta.head, delta.head_sha) == (
        "inventory.json",
        None,
        None,
        None,
    )
    assert rows_of(delta) == {
        "ptycho_torch/api/base.py": ("renamed", "module", ()),
        "ptycho_torch/datagen/grid.py": ("removed", "module", ()),
        "ptycho_torch/fresh.py": ("added", "module", ()),
        "ptycho_torch/train.py": ("modified", "module", ("default of `epochs` 10 -> 20",)),
    }
    renamed = next(row for row in delta.rows if row.status == "renamed")
    assert (renamed.old_path, renamed.similarity) == ("ptycho_torch/api/base_api.py", 100)
    other_tree = revision_delta(r.path, "ptycho", "inventory.json", snapshot=snap)
    assert other_tree.rows == () and other_tree.findings[0].code == "snapshot-tree"
    with_head = revision_delta(r.path, "ptycho_torch", "inventory.json", "HEAD", snapshot=snap)
    assert with_head.rows == () and with_head.findings[0].code == "snapshot-with-head"
