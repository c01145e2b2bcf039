"""Paths HEAD's history never had (``ptyplan.missing``), told apart by what git knows, so
that the warning says what the path is instead of calling it "a planned file, a typo or an
uncommitted artefact" every time.

- Another branch or a tag has it: the message names the branch. Found on PtychoPINN: its
  ledger cites ``docs/fix_plan.md`` and six more files of branches not merged into main
  (``origin/dose_experiments``, ``origin/torchapi-devel``).
- The repository's ignore rules match it (a report folder, a build product, data it never
  commits): code ``ignored-output``, naming the rule, without a did-you-mean (a source file
  of a close name is not what was meant). Found on both real repositories: PtychoPINN's
  ledger cites 19 files of its ignored ``docs/plans/**/reports/`` folders and a dataset;
  nanoBragg's guides cite its compiled ``golden_suite_generator/nanoBragg`` ("did you mean
  ``nanoBragg.c``?") and ignored ``scripts/debug_*.py``.

Real repositories in tmp dirs; ``ptyplan check`` and a real build.
"""

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


IGNORES = "build/\nreports/\n*.npz\n!keep.npz\nscripts/debug_*\n"
GUIDE = """\
# Guide

- Build `scripts/build/app.bin`, read `docs/reports/2025-10-01/summary.md`,
  `docs/reports/2025-10-02/`.
- Data: `data/train.npz`; but `data/keep.npz` is re-included by the rules, so it is missing.
- Debug with `scripts/debug_pixel.py`; `scripts/rnu.py` is a typo of the runner.
- `pkg/old.py` was deleted: ignoring its name later does not hide that.
"""


def _ignoring_repo(path: Path) -> Repo:
    repo = Repo(path)
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/old.py", "OLD = 1\n")
    repo.write("scripts/run.py", "print(1)\n")
    repo.write("data/README.md", "# data\n")
    repo.write("docs/conf.py", CONF)
    repo.commit("code")
    repo.remove("pkg/old.py")
    repo.write(".gitignore", IGNORES + "pkg/old.py\n")
    repo.write("docs/index.md", GUIDE)
    repo.commit("old.py deleted, ignore rules, a guide")
    repo.write("scripts/build/app.bin", "built here only")  # on this machine only
    return repo


def test_an_ignored_output_is_missing_with_its_rule_and_the_rest_as_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _ignoring_repo(tmp_path / "repo")
    (repo.path / "scripts/build/app.bin").unlink()  # a machine where it was never built
    code = main(["--root", str(repo.path), "--format", "json", "check", str(repo.path / "docs")])
    assert code == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    found = {f["subject"]: (f["kind"], f["code"]) for f in findings}
    assert found == {
        "scripts/build/app.bin": ("missing", "ignored-output"),
        "docs/reports/2025-10-01/summary.md": ("missing", "ignored-output"),
        "docs/reports/2025-10-02/": ("missing", "ignored-output"),
        "data/train.npz": ("missing", "ignored-output"),
        "scripts/debug_pixel.py": ("missing", "ignored-output"),
        "data/keep.npz": ("missing", "never-existed"),  # "!keep.npz" re-includes it
        "scripts/rnu.py": ("missing", "never-existed"),
        "pkg/old.py": ("stale", "stale-path"),  # it existed: its story, though ignored now
    }
    by = {f["subject"]: f for f in findings}
    assert (
        "the repository ignores it (`reports/` in .gitignore:2), so only the machine"
        in (by["docs/reports/2025-10-01/summary.md"]["message"])
    )
    assert "`scripts/debug_*` in .gitignore:5" in by["scripts/debug_pixel.py"]["message"]
    # an output has no did-you-mean (scripts/run.py is not what debug_pixel.py meant) ...
    assert by["scripts/debug_pixel.py"]["candidates"] == []
    assert "did you mean" not in by["scripts/debug_pixel.py"]["message"]
    # ... a typo still has one
    assert by["scripts/rnu.py"]["candidates"] == ["scripts/run.py"]
    # where it was built, the file is there: nothing to say about it
    repo.write("scripts/build/app.bin", "built here")
    main(["--root", str(repo.path), "--format", "json", "check", str(repo.path / "docs")])
    here = {f["subject"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert here == set(found) - {"scripts/build/app.bin"}
    # the docs build says the same
    _app, warnings = build(repo.path / "docs", freshenv=True)
    built = {line.split("`")[1] for line in ptyplan_warnings(warnings)}
    assert built == here


def test_ignored_paths_asks_the_rules_for_paths_that_do_not_exist(tmp_path: Path) -> None:
    repo = _ignoring_repo(tmp_path / "repo")
    repo.write("reports/tracked.md", "# kept on purpose\n")
    repo.git("add", "-f", "reports/tracked.md")
    repo.commit("a tracked file under an ignored folder")
    with GitRepo.open(repo.path) as git:
        asked = [
            "scripts/build/app.bin",  # exists, ignored
            "build/never/built.o",  # inside an ignored folder, does not exist
            "reports/2025-10-02/",  # a folder, with its slash
            "reports/tracked.md",  # tracked: rules do not apply to it
            "data/train.npz",
            "data/keep.npz",  # re-included by "!keep.npz"
            "scripts/debug_x.py",
            "scripts/run.py",
            "-v",  # reaches git on stdin, never as an option
            "../outside.npz",  # not a path of the root: not asked
        ]
        assert git.ignored_paths(asked) == {
            "scripts/build/app.bin": "`build/` in .gitignore:1",
            "build/never/built.o": "`build/` in .gitignore:1",
            "reports/2025-10-02/": "`reports/` in .gitignore:2",
            "data/train.npz": "`*.npz` in .gitignore:3",
            "scripts/debug_x.py": "`scripts/debug_*` in .gitignore:5",
        }
        assert git.ignored_paths([]) == {}


def test_one_check_ignore_process_answers_many_questions_and_survives_its_death(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sphinx_ptyplan.core.sources import gitignore

    repo = _ignoring_repo(tmp_path / "repo")
    with GitRepo.open(repo.path) as git:
        # more than one chunk of paths (the pipe is fed 3 KiB at a time)
        many = [f"reports/run-{k:04d}/summary.md" for k in range(400)]
        many += [f"src/module_{k:04d}.py" for k in range(400)]
        assert set(git.ignored_paths(many)) == set(many[:400])
        checker = git._ignore
        assert checker is not None and checker._proc is not None
        first = checker._proc.pid
        assert set(git.ignored_paths(["data/x.npz"])) == {"data/x.npz"}
        assert checker._proc.pid == first  # the same process answered again
        # a dead git is replaced before the next question
        checker._proc.kill()
        checker._proc.wait()
        assert set(git.ignored_paths(["data/y.npz"])) == {"data/y.npz"}
        second = checker._proc.pid
        assert second != first
        # git stops in the middle of an answer: that question gets none (nothing ignored,
        # never a crash), and the next question is asked of a new git
        real_read = gitignore.os.read
        monkeypatch.setattr(gitignore.os, "read", lambda fd, n: b"")
        assert git.ignored_paths(["data/z.npz"]) == {}
        assert checker._proc is None
        monkeypatch.setattr(gitignore.os, "read", real_read)
        assert set(git.ignored_paths(["data/w.npz"])) == {"data/w.npz"}
        assert set(git.ignored_paths(["data/z.npz"])) == {"data/z.npz"}  # asked again
        assert checker._proc is not None and checker._proc.pid not in (first, second)
