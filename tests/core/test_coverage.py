"""coverage(): the one judge's verdicts on a plan mapped to inventory rows.

Plan coverage no longer has a lookup of its own: the plan's references are judged by
``check_citations(..., every_kind=True)`` (the resolver of citations and spec hits), and
coverage only maps each resolved path to its row. So these tests write real trees and
plans, and a stale plan reference gets the finding ``ptyplan check`` gives it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sphinx_ptyplan.core.checks.citations import check_citations
from sphinx_ptyplan.core.checks.coverage import Coverage, coverage
from sphinx_ptyplan.core.checks.resolve import CodeIndex
from sphinx_ptyplan.core.models import (
    CommitInfo,
    FindingCode,
    FindingKind,
    Inventory,
    PathStory,
)
from sphinx_ptyplan.core.sources.documents import load_document
from sphinx_ptyplan.core.sources.gitrepo import GitError
from sphinx_ptyplan.core.sources.scan import scan_tree

PLAN = "plans/plan.md"

FILES = {
    "ptycho_torch/__init__.py": "",
    "ptycho_torch/model.py": "class PtychoPINN:\n    pass\n",
    "ptycho_torch/config_params.py": (
        "from dataclasses import dataclass\n\n\n@dataclass\nclass ModelConfig:\n"
        "    n_filters_scale: int = 2\n" + "# filler\n" * 34
    ),
    "ptycho_torch/api/__init__.py": "from .base_api import BaseAPI\n",
    "ptycho_torch/api/base_api.py": "class BaseAPI:\n    def run(self):\n        pass\n",
    "ptycho_torch/datagen/__init__.py": "",
    "ptycho_torch/datagen/grid.py": "",
    "ptycho_torch/reassembly_beta.py": "",
    "ptycho_torch/notebooks/demo.ipynb": '{"cells": [], "metadata": {}}',
    "ptycho_torch/README.md": "not an inventory row",
    "ptycho/__init__.py": "",
    "ptycho/model.py": "",
}


def judged_coverage(
    root: Path,
    tree: str,
    plan: str,
    *,
    repo: Any = None,
    story: Any = None,
    former: frozenset[str] = frozenset(),
) -> Coverage:
    """Coverage as ``ptyplan delta`` computes it: scan, judge every reference, map."""
    doc = load_document(root, plan)
    assert doc.problems == ()
    problems: list[Any] = []
    report = check_citations(
        root,
        doc.path,
        doc.spans,
        index=CodeIndex(root),
        repo=repo,
        drift=repo is not None,
        story=story,
        former_tops=(lambda: former) if repo is None else None,
        every_kind=True,
        problems=problems,
    )
    return coverage(scan_tree(root, tree), report.checks, plan=doc.path, problems=problems)


@dataclass
class Stories:
    """A story callback (``GitRepo.path_stories``) that records the questions it was asked."""

    known: dict[str, PathStory]
    calls: list[list[str]] = field(default_factory=list)

    def __call__(self, paths: list[str]) -> Mapping[str, PathStory]:
        self.calls.append(list(paths))
        return {p: self.known[p] for p in paths if p in self.known}


def _commit(short: str, date: str) -> CommitInfo:
    return CommitInfo(short + "0" * 33, short, date, "")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def cov_of(root: Path, plan_text: str, **kw: Any) -> Coverage:
    (root / PLAN).parent.mkdir(parents=True, exist_ok=True)
    (root / PLAN).write_text(plan_text)
    return judged_coverage(root, "ptycho_torch", PLAN, **kw)


def statuses(cov: Coverage) -> dict[str, str]:
    return {r.entry.path: r.status for r in cov.rows}


def test_path_and_citation_cover_a_module_with_sections(root: Path) -> None:
    cov = cov_of(
        root,
        "# Plan\n\n## Model\n\n`ptycho_torch/model.py`\n\nsee `ptycho_torch/model.py:1`\n\n"
        "## Phase B\n\n`ptycho_torch/model.py` again\n",
    )
    row = cov.row("ptycho_torch/model.py")
    assert row is not None and row.status == "covered"
    assert row.sections == (("Model", "model", 5), ("Phase B", "phase-b", 11))
    assert [r.doc_line for r in row.refs] == [5, 7, 11]
    assert cov.stale == ()
    assert statuses(cov)["ptycho_torch/config_params.py"] == "missing"


def test_dotted_module_and_symbols_cover(root: Path) -> None:
    cov = cov_of(
        root,
        "# Plan\n\n`ptycho_torch.config_params`, `ptycho_torch.model.PtychoPINN()`,\n"
        "`ptycho_torch/api/base_api.py:BaseAPI.run` and\n"
        "`ptycho_torch.config_params.ModelConfig.n_filters_scale`.\n",
    )
    st = statuses(cov)
    assert st["ptycho_torch/config_params.py"] == "covered"
    assert st["ptycho_torch/model.py"] == "covered"
    assert st["ptycho_torch/api/base_api.py"] == "covered"
    assert st["ptycho_torch/api"] == "missing"  # a file inside it is not the package
    assert cov.stale == ()


def test_package_prefix_by_path_and_by_dotted_name(root: Path) -> None:
    cov = cov_of(
        root,
        "# Plan\n\n## Data\n\n`ptycho_torch/datagen/`\n\n## API\n\n`ptycho_torch.api`\n\n"
        "## Scope\n\n`ptycho_torch/`\n",
    )
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
    assert grid is not None and grid.sections == (("Data", "data", 5),)
    # packages+modules: 8 rows; covered: ptycho_torch, api, datagen; by package: base_api, grid
    assert (cov.covered, cov.by_package, cov.missing) == (3, 2, 3)
    assert cov.percent == pytest.approx(62.5)


def test_folder_prefix_without_package_row_and_notebooks(root: Path) -> None:
    cov = cov_of(root, "# Plan\n\n`ptycho_torch/notebooks/`\n")
    assert statuses(cov)["ptycho_torch/notebooks/demo.ipynb"] == "covered-by-package"
    assert (cov.covered, cov.by_package, cov.missing) == (0, 0, 8)  # notebooks not counted
    assert cov.percent == 0.0


def test_package_init_path_covers_the_package_only(root: Path) -> None:
    cov = cov_of(root, "# Plan\n\n`ptycho_torch/api/__init__.py`\n")
    st = statuses(cov)
    assert st["ptycho_torch/api"] == "covered"
    assert st["ptycho_torch/api/base_api.py"] == "missing"


def test_reexport_through_package_init_is_not_stale(root: Path) -> None:
    cov = cov_of(root, "# Plan\n\n`ptycho_torch.api.BaseAPI`\n")
    assert cov.stale == ()
    assert statuses(cov)["ptycho_torch/api"] == "covered"


def test_stale_symbols_lines_and_names(root: Path) -> None:
    cov = cov_of(
        root,
        "# Plan\n\n"
        "- `ptycho_torch/config_params.py:999`\n"
        "- `ptycho_torch.config_params.ModelConfig.gone_field`\n"
        "- `ptycho_torch/model.py:NoSuchClass`\n"
        "- `ptycho_torch.api.Missing`\n"
        "- `ptycho_torch.nothing_here`\n",
    )
    found = [(s.finding.code, s.finding.line, s.finding.message) for s in cov.stale]
    assert found == [
        (
            FindingCode.STALE_LINE,
            3,
            "`ptycho_torch/config_params.py:999`: cites line 999 of "
            "ptycho_torch/config_params.py, which has 40 lines; update or remove the reference",
        ),
        (
            FindingCode.STALE_NAME,
            4,
            "`ptycho_torch.config_params.ModelConfig.gone_field`: module "
            "`ptycho_torch.config_params` (ptycho_torch/config_params.py) has no "
            "`ModelConfig.gone_field` (did you mean `ptycho_torch.config_params."
            "ModelConfig.n_filters_scale`?); update or remove the reference",
        ),
        (
            FindingCode.STALE_SYMBOL,
            5,
            "`ptycho_torch/model.py:NoSuchClass`: ptycho_torch/model.py defines no "
            "`NoSuchClass`; update or remove the reference",
        ),
        (
            FindingCode.STALE_NAME,
            6,
            "`ptycho_torch.api.Missing`: package `ptycho_torch.api` has no module or name "
            "`Missing`; update or remove the reference",
        ),
        (
            FindingCode.STALE_NAME,
            7,
            "`ptycho_torch.nothing_here`: package `ptycho_torch` has no module or name "
            "`nothing_here`; update or remove the reference",
        ),
    ]
    assert all(s.finding.kind is FindingKind.STALE and s.finding.path == PLAN for s in cov.stale)
    assert [s.finding.subject for s in cov.stale] == [s.ref.text for s in cov.stale]
    # A module named with a wrong symbol or line is still mentioned by the plan.
    assert statuses(cov)["ptycho_torch/model.py"] == "covered"
    assert statuses(cov)["ptycho_torch/config_params.py"] == "covered"
    assert statuses(cov)["ptycho_torch/api"] == "missing"  # it has no such name


def test_stale_with_git_story_and_folder_rename(root: Path) -> None:
    renamed = _commit("abc1234", "2025-10-02")
    stories = Stories(
        {
            "ptycho_torch/old_loader.py": PathStory(
                "ptycho_torch/old_loader.py", "deleted", None, _commit("1234abc", "2025-10-03")
            ),
            "ptychopinn_torch/model.py": PathStory(
                "ptychopinn_torch/model.py", "renamed", "ptycho_torch/model.py", renamed
            ),
            "ptychopinn_torch/model.py ": PathStory("x", "unknown"),
            "ptychopinn_torch": PathStory("ptychopinn_torch", "renamed", "ptycho_torch", renamed),
            "ptychopinn_torch/": PathStory(
                "ptychopinn_torch/", "renamed", "ptycho_torch/", renamed
            ),
        }
    )
    cov = cov_of(
        root,
        "# Plan\n\n"
        "- `ptycho_torch/old_loader.py`\n"  # 3
        "- `ptychopinn_torch/model.py`\n"  # 4
        "- `ptychopinn_torch.model.PtychoPINN`\n"  # 5
        "- `ptychopinn_torch/`\n"  # 6
        "- `ptycho/model.py`\n"  # 7: another package that exists: fine
        "- `numpy.ndarray`\n"  # 8: outside the tree
        "- `ptycho_torch/README.md`\n",  # 9: on disk though not a row: fine
        story=stories,
        former=frozenset({"ptychopinn_torch"}),
    )
    assert len(stories.calls) == 1  # one batch for every stale reference
    asked = stories.calls[0]
    assert "ptycho/model.py" not in asked and "ptycho_torch/README.md" not in asked
    got = [(s.ref.doc_line, s.finding.code, s.story, s.replacement) for s in cov.stale]
    assert got == [
        (3, FindingCode.STALE_PATH, stories.known["ptycho_torch/old_loader.py"], None),
        (
            4,
            FindingCode.STALE_PATH,
            stories.known["ptychopinn_torch/model.py"],
            "ptycho_torch/model.py",
        ),
        (
            5,
            FindingCode.STALE_NAME,
            stories.known["ptychopinn_torch/model.py"],
            "ptycho_torch.model.PtychoPINN",
        ),
        (6, FindingCode.STALE_PATH, stories.known["ptychopinn_torch"], "ptycho_torch/"),
    ]
    first = cov.stale[0].finding
    assert first.message == (
        "`ptycho_torch/old_loader.py`: ptycho_torch/old_loader.py does not exist "
        "(git: deleted in 1234abc (2025-10-03)); update or remove the reference"
    )
    assert first.location == f"{PLAN}:3"
    assert cov.stale[1].finding.message == (
        "`ptychopinn_torch/model.py`: ptychopinn_torch/model.py does not exist (git: renamed "
        "to ptycho_torch/model.py in abc1234 (2025-10-02)); replace it with "
        "`ptycho_torch/model.py`"
    )
    # renamed references still cover what they name today
    st = statuses(cov)
    assert st["ptycho_torch/model.py"] == "covered"
    assert st["ptycho_torch"] == "covered"


def test_outside_rename_elsewhere_is_ignored(root: Path) -> None:
    stories = Stories(
        {"legacy/x.py": PathStory("legacy/x.py", "renamed", "archive/legacy/x.py", None)}
    )
    cov = cov_of(root, "# Plan\n\n`legacy/x.py`\n", story=stories, former=frozenset({"legacy"}))
    assert cov.stale == ()


def test_in_tree_stale_without_story_callback(root: Path) -> None:
    cov = cov_of(root, "# Plan\n\n`ptycho_torch/gone/`\n")
    (stale,) = cov.stale
    assert stale.story is None and stale.replacement is None
    assert stale.finding.message == (
        "`ptycho_torch/gone/`: ptycho_torch/gone does not exist; update or remove the reference"
    )


def test_story_failure_is_a_finding_not_an_exception(root: Path) -> None:
    def broken(paths: list[str]) -> Mapping[str, PathStory]:
        raise GitError(FindingCode.SHALLOW, "the clone is too shallow to tell what happened")

    cov = cov_of(
        root,
        "# Plan\n\n`ptycho_torch/gone.py` and `ptychopinn_torch/model.py`\n",
        story=broken,
        former=frozenset({"ptychopinn_torch"}),
    )
    (stale,) = cov.stale  # in-tree still reported; outside needs git's word
    assert stale.story is None and stale.finding.code is FindingCode.STALE_PATH
    (problem,) = cov.problems
    assert (problem.kind, problem.code) == (FindingKind.GIT, FindingCode.SHALLOW)
    assert cov.findings == (stale.finding, problem)


def test_attr_references_and_empty_inventory(tmp_path: Path) -> None:
    (tmp_path / "ptycho_torch").mkdir()
    (tmp_path / "plans").mkdir()
    (tmp_path / PLAN).write_text("# Plan\n\n`ModelConfig.n_filters_scale`\n")
    cov = judged_coverage(tmp_path, "ptycho_torch", PLAN)
    assert cov.rows == () and cov.stale == () and cov.percent == 0.0
    assert cov.plan == PLAN and cov.tree == "ptycho_torch"


def test_coverage_of_an_inventory_and_no_checks(tmp_path: Path) -> None:
    inv = Inventory(str(tmp_path), "pkg")
    cov = coverage(inv, (), plan=PLAN)
    assert (cov.rows, cov.stale, cov.problems, cov.percent) == ((), (), (), 0.0)
