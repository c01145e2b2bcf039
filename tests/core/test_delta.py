"""revision_delta(): what changed under a tree between revisions, with API changes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from sphinx_ptyplan.core.checks.delta import revision_delta
from sphinx_ptyplan.core.models import FindingKind
from sphinx_ptyplan.core.outputs.tables import delta_table
from sphinx_ptyplan.core.sources.gitrepo import GitRepo
from sphinx_ptyplan.core.sources.parsecache import ParseCache
from sphinx_ptyplan.core.sources.scan import scan_tree
from sphinx_ptyplan.core.sources.snapshot import inventory_from_dict, inventory_to_dict
from tests.core.test_coverage import judged_coverage, statuses
from tests.gitutil import Repo, git

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
    with GitRepo.open(root) as repo:
        cov = judged_coverage(root, "ptycho_torch", doc, repo=repo)
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
    assert (code, replacement) == ("stale-path", "ptycho_torch/")
    assert story is not None and story.describe().startswith("renamed to ptycho_torch")
    # the plan was written after the rename: git cannot show the cited line came along, so
    # (as from ``ptyplan check``) there is no exact replacement for the citation
    code, story, replacement = got["ptychopinn_torch/model.py:5"]
    assert (code, replacement) == ("stale-path", None)
    assert story is not None and (story.status, story.new_path) == (
        "renamed",
        "ptycho_torch/model.py",
    )
    assert story.commit is not None and story.commit.short == short_rename
    code, story, replacement = got["ptychopinn_torch/old_loader.py"]
    assert code == "stale-path" and replacement is None
    assert story is not None and story.describe().startswith(f"deleted in {short_rework}")
    assert got["ptycho_torch/config_params.py:400"][0] == "stale-line"
    finding = next(s.finding for s in cov.stale if s.ref.text == "ptychopinn_torch/model.py:5")
    assert finding.location == f"{doc}:{5 if doc.endswith('.md') else 7}"
    assert finding.message == (
        "`ptychopinn_torch/model.py:5`: ptychopinn_torch/model.py does not exist (git: renamed "
        f"to ptycho_torch/model.py in {short_rename} (2025-10-02)); update or remove the "
        "reference"
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
        cov = judged_coverage(root, "ptycho_torch", "plans/plan.md", repo=opened)
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


@pytest.mark.parametrize("side", ["base", "head"])
def test_delta_with_missing_blob_degrades_only_that_module(history: History, side: str) -> None:
    """Issue 14 req 6: one side of a modified module is a missing object. Every row is
    still there, the other modules keep their API changes, and one typed warning names the
    module whose API could not be compared; its cell says so instead of staying empty."""
    r = history.repo
    rev = history.renamed if side == "base" else history.reworked
    blob = r.git("rev-parse", f"{rev}:ptycho_torch/config_params.py")
    (r.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    delta = revision_delta(r.path, "ptycho_torch", history.renamed, history.reworked)
    rows = {row.path: row for row in delta.rows}
    assert "ptycho_torch/old_loader.py" in rows and "ptycho_torch/api/base_api.py" in rows
    config = rows["ptycho_torch/config_params.py"]
    assert (config.status, config.api) == ("modified", ())
    assert config.unread is not None and "missing" in config.unread
    train = rows["ptycho_torch/train.py"]
    assert train.unread is None and any("n_groups" in c.summary for c in train.api)
    (finding,) = delta.findings
    assert (finding.kind, finding.code) == (FindingKind.GIT, "missing-object")
    assert finding.subject == "ptycho_torch/config_params.py" and blob in finding.message
    table = delta_table(delta)
    cells = {row[1].text: row[3].text for row in table.rows}
    assert cells["ptycho_torch/config_params.py"].startswith("? (not compared")
    assert "n_groups" in cells["ptycho_torch/train.py"]


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
