"""A cited file that HEAD's history never had but another branch or a tag has is still
``ptyplan.missing`` (it is not here), and the warning says where it is instead of calling
it a typo. Found on PtychoPINN: its ledger cites ``docs/fix_plan.md`` and six more files of
branches not merged into main (``origin/dose_experiments``, ``origin/torchapi-devel``), and
every one was described as "not in the git history: a planned file, a typo or an
uncommitted artefact". Real repositories in tmp dirs; ``ptyplan check`` and a real build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sphinx_ptyplan.cli import main
from sphinx_ptyplan.core.models import PathStory
from sphinx_ptyplan.core.sources.gitrepo import GitRepo
from tests.gitutil import Repo
from tests.sphinx.util import build, ptyplan_warnings

CONF = 'extensions = ["myst_parser", "sphinx_ptyplan"]\nptyplan_root = ".."\n'
PAGE = """\
# Notes

- `pkg/planned.py` lives on a feature branch.
- `pkg/tagged.py` only on a tagged experiment.
- `pkg/stashed.py` was only ever stashed.
- `pkg/typo_modle.py` is a typo.
- `pkg/core.py` is here.
"""


def _repo(path: Path) -> Repo:
    repo = Repo(path)
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/core.py", "X = 1\n")
    repo.write("docs/conf.py", CONF)
    repo.write("docs/index.md", PAGE)
    repo.commit("main")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("pkg/planned.py", "Y = 2\n")
    repo.commit("the planned module, on a branch")
    repo.git("checkout", "-q", "main")
    repo.git("checkout", "-q", "-b", "experiment")
    repo.write("pkg/tagged.py", "Z = 3\n")
    repo.commit("an experiment")
    repo.git("tag", "exp-1")
    repo.git("checkout", "-q", "main")
    repo.git("branch", "-q", "-D", "experiment")  # only the tag keeps it
    repo.write("pkg/stashed.py", "W = 4\n")
    repo.git("add", "pkg/stashed.py")
    repo.git("stash", "-q")  # a stash is not a branch
    return repo


def test_check_names_the_branch_or_tag_of_a_file_not_merged_here(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path / "repo")
    code = main(["--root", str(repo.path), "--format", "json", "check", str(repo.path / "docs")])
    assert code == 1
    found = {f["subject"]: f for f in json.loads(capsys.readouterr().out)["findings"]}
    assert set(found) == {"pkg/planned.py", "pkg/tagged.py", "pkg/stashed.py", "pkg/typo_modle.py"}
    # all four are missing (never in HEAD's history), none is stale
    assert {f["kind"] for f in found.values()} == {"missing"}
    assert {f["code"] for f in found.values()} == {"never-existed"}
    assert (
        "never did on this branch (it is in the history of feature, not merged here)"
        in (found["pkg/planned.py"]["message"])
    )
    assert "in the history of exp-1" in found["pkg/tagged.py"]["message"]
    for plain in ("pkg/stashed.py", "pkg/typo_modle.py"):
        assert "not in the git history: a planned file" in found[plain]["message"], plain
        assert "branch" not in found[plain]["message"]


def test_the_docs_build_says_the_same(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _repo(tmp_path / "repo")
    main(["--root", str(repo.path), "check", str(repo.path / "docs")])
    cli = sorted(
        line.split(": ptyplan.missing: ", 1)[1]
        for line in capsys.readouterr().err.splitlines()
        if ": ptyplan.missing: " in line
    )
    _app, warnings = build(repo.path / "docs", freshenv=True)
    built = sorted(
        line.split(": WARNING: ", 1)[1].removesuffix(" [ptyplan.missing]")
        for line in ptyplan_warnings(warnings)
    )
    assert len(cli) == 4 and built == cli


def test_stories_and_the_branch_index(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    with GitRepo.open(repo.path) as git:
        where = git.on_other_branches(["pkg/planned.py", "pkg", "pkg/stashed.py", "pkg/core.py"])
        # a folder counts, named by the newest commit that has a file in it (the tag's,
        # one day after the branch's); pkg/core.py was never touched off main
        assert where == {"pkg/planned.py": "feature", "pkg": "exp-1"}
        assert git.on_other_branches([]) == {}
    assert PathStory("a.py", "never", branch="feature").describe() == (
        "never in this branch's history (it is on feature)"
    )
    assert PathStory("a.py", "never").describe() == "never in the history"


def test_a_repository_without_other_branches_reads_nothing_more(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "solo")
    repo.write("a.py", "A = 1\n")
    repo.commit("one")
    with GitRepo.open(repo.path) as git:
        assert git.on_other_branches(["b.py", "a.py"]) == {}
