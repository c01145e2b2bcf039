"""docs/example_repo.py: the shipped example replayed into a real, reproducible git repository."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.gitutil import git

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ptychopinn"

#: Computed once from the shipped snapshots; identical on every machine because identity,
#: dates and git configuration are fixed. Change only together with the snapshots (and the
#: tables in examples/ptychopinn/README.md).
EXPECTED = {
    "legacy-plan": "f4c446d6acdb14dd1f9fffe32af366bb784e45b7",
    "rebase-base": "2b428f0c6e89fcf5b42f23868771dac4c6eddf23",
    "rebased": "8ac7eb81a628227d6d54df61947a36a60c68206d",
}
EXPECTED_HEAD = EXPECTED["rebased"]
#: The uncommitted overlay: a new module and the report written after the rebase.
REPORT = "plans/active/INTEGRATE-PYTORCH-000/reports/2025-10-17T030000Z"
OVERLAY_STATUS = f"M docs/fix_plan.md\n?? {REPORT}/\n?? ptycho_torch/api/trainer_api.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("example_repo", ROOT / "docs" / "example_repo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["example_repo"] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


er = _load()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build shared by the read-only tests of this module."""
    return er.build_example_repo(tmp_path_factory.mktemp("example") / "repo")


def _lines(repo: Path, rel: str, rev: str | None = None) -> list[str]:
    if rev is None:
        return (repo / rel).read_text(encoding="utf-8").splitlines()
    return git(repo, "show", f"{rev}:{rel}").splitlines()


def test_history_shas_are_fixed_and_identical_across_builds(tmp_path: Path, built: Path) -> None:
    other = er.build_example_repo(tmp_path / "elsewhere" / "copy")
    for repo in (built, other):
        assert git(repo, "rev-parse", "HEAD") == EXPECTED_HEAD
        assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "main"
        log = git(repo, "log", "--format=%H|%an <%ae>|%aI|%cI|%s").splitlines()
        assert [line.split("|")[0] for line in log] == [
            EXPECTED["rebased"],
            EXPECTED["rebase-base"],
            EXPECTED["legacy-plan"],
        ]
        assert {line.split("|")[1] for line in log} == {"Plan Author <author@example.org>"}
        assert [line.split("|")[2][:10] for line in log] == [
            "2025-10-17",
            "2025-09-20",
            "2025-09-01",
        ]
        assert [line.split("|")[2] for line in log] == [line.split("|")[3] for line in log]


def test_tags_point_at_their_commits(built: Path) -> None:
    assert set(git(built, "tag").split()) == set(EXPECTED)
    for tag, sha in EXPECTED.items():
        assert git(built, "rev-parse", f"{tag}^{{commit}}") == sha
    assert git(built, "rev-parse", "rebased^") == EXPECTED["rebase-base"]


def test_overlay_is_left_uncommitted(built: Path) -> None:
    assert git(built, "status", "--porcelain") == OVERLAY_STATUS
    assert (built / "ptycho_torch/api/trainer_api.py").is_file()
    assert git(built, "ls-files", "ptycho_torch/api") == (
        "ptycho_torch/api/__init__.py\nptycho_torch/api/base_api.py"
    )


def test_history_tells_the_rename_and_deletion_story(built: Path) -> None:
    renames = git(built, "diff", "--name-status", "-M", "legacy-plan", "rebase-base")
    rows = {tuple(r.split("\t")[1:]): r.split("\t")[0] for r in renames.splitlines()}
    for name in ("__init__.py", "config_params.py", "train_utils.py"):
        assert rows[(f"ptychopinn_torch/{name}", f"ptycho_torch/{name}")] == "R100"
    assert rows[("ptychopinn_torch/model.py", "ptycho_torch/model.py")].startswith("R09")
    delta = git(built, "diff", "--name-status", "rebase-base", "rebased", "--", "ptycho_torch")
    status = dict(reversed(r.split("\t")) for r in delta.splitlines())
    assert status["ptycho_torch/train_utils.py"] == "D"
    assert status["ptycho_torch/config_params.py"] == "M"
    assert status["ptycho_torch/train.py"] == "M"
    assert status["ptycho_torch/api/base_api.py"] == "A"
    assert status["ptycho_torch/generators/registry.py"] == "A"


def test_cited_blocks_moved_or_changed_as_documented(built: Path) -> None:
    old = _lines(built, "ptycho_torch/config_params.py", "rebase-base")
    new = _lines(built, "ptycho_torch/config_params.py")
    # ledger line 14: ModelConfig block 20-30 moved unchanged to 24-34
    assert old[19:30] == new[23:34]
    assert old[20] == new[24] == "class ModelConfig:"
    # ledger line 17: update_existing_config 47-53 changed (now 51-59)
    assert old[46].startswith("def update_existing_config") and old[46] == new[50]
    assert old[46:53] != new[50:59]
    # silent ledger citations really are unchanged since they were written
    for rel, a, b in [
        ("ptycho/config/config.py", 8, 22),
        ("ptycho/params.py", 5, 6),
        ("ptycho_torch/dset_loader_pt_mmap.py", 22, 25),
    ]:
        assert _lines(built, rel, "rebase-base")[a - 1 : b] == _lines(built, rel)[a - 1 : b]
    # the plan's citation: line 39 of the renamed model.py is still the forward() line
    assert _lines(built, "ptycho_torch/model.py")[38].strip().startswith("def forward(")
    assert len(_lines(built, "ptycho/model.py")) >= 39  # the bare `model.py:39` fits both files


def test_train_main_signature_changed(built: Path) -> None:
    before = "\n".join(_lines(built, "ptycho_torch/train.py", "rebase-base"))
    after = "\n".join(_lines(built, "ptycho_torch/train.py"))
    assert "def main(ptycho_dir: str, config_path: str | None = None) -> Path:" in before
    assert 'config_path: str | None = "configs/default.yaml",' in after
    assert "output_dir: str | None = None," in after and "output_dir" not in before


def test_notebook_is_valid_json_with_a_title(built: Path) -> None:
    nb = json.loads((built / "ptycho_torch/notebooks/explore.ipynb").read_text(encoding="utf-8"))
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown"
    assert "".join(first["source"]).splitlines()[0] == "# Exploring the PyTorch port"


def _findings_table() -> list[tuple[str, int, str]]:
    text = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    body = text.split("<!-- findings-table", 1)[1].split("<!-- end findings-table", 1)[0]
    rows = []
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[1].isdigit():
            rows.append((cells[0].strip("`"), int(cells[1]), cells[2].strip("`")))
    return rows


def test_readme_findings_table_matches_the_built_documents(built: Path) -> None:
    rows = _findings_table()
    assert len(rows) == 18
    subtypes = re.findall(
        r"\| `(stale|drift|ambiguous|schema)` \|",
        (EXAMPLE / "README.md").read_text(encoding="utf-8"),
    )
    assert sorted(set(subtypes)) == ["ambiguous", "drift", "schema", "stale"]
    for doc, line, ref in rows:
        assert f"`{ref}`" in _lines(built, doc)[line - 1], (doc, line, ref)
    # the spec holds exactly one reference to the deleted module (the one stale spec row)
    spec = (built / "specs/ptychodus_api_spec.md").read_text(encoding="utf-8")
    assert spec.count("train_utils") == 1


def test_second_call_does_not_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "repo"
    er.build_example_repo(dest)
    head = dest / ".git" / "HEAD"
    stamp = (head.stat().st_mtime_ns, (dest / ".git").stat().st_ino)
    calls: list[tuple[str, ...]] = []
    real = er._run_git
    monkeypatch.setattr(er, "_run_git", lambda *a: calls.append(a[2:]) or real(*a))
    assert er.build_example_repo(dest) == dest.absolute()
    assert calls == []
    assert (head.stat().st_mtime_ns, (dest / ".git").stat().st_ino) == stamp


def test_rebuilds_when_a_snapshot_changes(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(EXAMPLE, source)
    dest = tmp_path / "repo"
    er.build_example_repo(dest, source=source)
    assert git(dest, "rev-parse", "HEAD") == EXPECTED_HEAD
    readme = source / "snapshots/03-rebased/README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    er.build_example_repo(dest, source=source)
    assert git(dest, "rev-parse", "HEAD") != EXPECTED_HEAD
    assert git(dest, "rev-parse", "rebase-base") == EXPECTED["rebase-base"]
    assert (dest / "README.md").read_text(encoding="utf-8").endswith("Edited.\n")
    assert git(dest, "status", "--porcelain") == OVERLAY_STATUS


def test_edits_of_the_work_tree_survive_and_reset_restores(tmp_path: Path) -> None:
    """A live preview edits the example; a report is written into it: the next docs build
    (which calls build_example_repo) keeps both. ``reset`` restores the example as built."""
    dest = tmp_path / "repo"
    er.build_example_repo(dest)
    (dest / "docs/fix_plan.md").write_text("rewritten by someone\n", encoding="utf-8")
    (dest / "stray.txt").write_text("x", encoding="utf-8")
    er.build_example_repo(dest)
    assert (dest / "docs/fix_plan.md").read_text(encoding="utf-8") == "rewritten by someone\n"
    assert (dest / "stray.txt").exists()
    assert git(dest, "rev-parse", "HEAD") == EXPECTED_HEAD
    assert er.main(["--reset", str(dest)]) == 0
    assert git(dest, "status", "--porcelain") == OVERLAY_STATUS
    assert not (dest / "stray.txt").exists()


def test_a_commit_in_the_example_replays_its_history(tmp_path: Path) -> None:
    dest = tmp_path / "repo"
    er.build_example_repo(dest)
    (dest / "stray.txt").write_text("x", encoding="utf-8")
    git(dest, "add", "stray.txt")
    git(dest, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "mine")
    er.build_example_repo(dest)
    assert git(dest, "rev-parse", "HEAD") == EXPECTED_HEAD
    assert git(dest, "status", "--porcelain") == OVERLAY_STATUS


def test_enclosing_git_environment_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Inside a git hook GIT_DIR/GIT_WORK_TREE point at the enclosing repository.
    outer = tmp_path / "outer"
    outer.mkdir()
    git(outer, "init", "-q", "-b", "main")
    monkeypatch.setenv("GIT_DIR", str(outer / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(outer))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Someone Else")
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'commit.gpgsign'='true'")
    # personal ignore/attributes files are read even without a global config file
    home = tmp_path / "home"
    (home / ".config" / "git").mkdir(parents=True)
    (home / ".config" / "git" / "ignore").write_text("*.ipynb\ndocs/\n", encoding="utf-8")
    (home / ".config" / "git" / "attributes").write_text("*.py text eol=crlf\n", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    dest = er.build_example_repo(tmp_path / "repo")
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.delenv("GIT_WORK_TREE")
    monkeypatch.delenv("GIT_CONFIG_PARAMETERS")
    assert git(dest, "rev-parse", "HEAD") == EXPECTED_HEAD
    assert not (outer / ".git" / "refs" / "tags" / "rebased").exists()
    assert (
        subprocess.run(
            ["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=outer, capture_output=True
        ).returncode
        != 0
    )


def test_refuses_to_replace_a_foreign_folder(tmp_path: Path) -> None:
    dest = tmp_path / "precious"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(er.ExampleRepoError, match="refusing"):
        er.build_example_repo(dest)
    assert (dest / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["precious"]  # no half-built sibling left


def test_malformed_history_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(EXAMPLE, source)
    history = source / "history.toml"
    text = history.read_text(encoding="utf-8")
    history.write_text(text.replace('tag = "rebased"', 'tag = "--delete"'), encoding="utf-8")
    with pytest.raises(er.ExampleRepoError, match="bad or duplicate tag"):
        er.build_example_repo(tmp_path / "repo", source=source)
    history.write_text(text.replace("snapshots/02-rename", "../outside"), encoding="utf-8")
    with pytest.raises(er.ExampleRepoError, match="outside"):
        er.build_example_repo(tmp_path / "repo", source=source)
    assert not (tmp_path / "repo").exists()


def test_cli_prints_head(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert er.main([str(tmp_path / "r")]) == 0
    assert capsys.readouterr().out.split()[0] == EXPECTED_HEAD
    assert er.main([]) == 2


def test_shipped_report_is_what_ptyplan_report_writes(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The overlay's report folder is the output of the command its files name (regenerate it
    with that command, then copy the folder into snapshots/04-worktree, when formats change)."""
    from sphinx_ptyplan.cli.run import main
    from sphinx_ptyplan.core.outputs.reportdir import ARTEFACTS, list_reports, read_counts

    shipped = built / REPORT
    summary = (shipped / "summary.md").read_text(encoding="utf-8")
    command = re.search(r"Written by `ptyplan (.*?)`\.", summary)
    assert command is not None
    argv = shlex.split(command.group(1))
    assert argv[argv.index("--timestamp") + 1] == "2025-10-17T030000Z"
    monkeypatch.chdir(built)
    # the same command again: a collision, nothing changes
    assert main(argv) == 2
    assert "already exists" in capsys.readouterr().err
    fresh = tmp_path / "fresh"
    # the ledger entry is already in the shipped ledger (docs/fix_plan.md of the overlay)
    k = argv.index("--ledger")
    assert argv[k + 1] == "docs/fix_plan.md" and argv[k + 2] == "--note"
    ledger = (built / "docs/fix_plan.md").read_text(encoding="utf-8")
    assert ledger.count(f"`{REPORT}/plan_redline.md`") == 1
    del argv[k : k + 4]
    assert main([*argv, "--out", str(fresh)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in fresh.iterdir()) == sorted(p.name for p in shipped.iterdir())
    assert [p.name for p in shipped.iterdir()] and set(ARTEFACTS) == {
        p.name for p in shipped.iterdir()
    }
    assert (
        read_counts(fresh)
        == read_counts(shipped)
        == {
            "modules": 14,
            "new modules": 11,
            "missing from plan": 9,
            "stale plan references": 10,
            "changed, not in plan": 11,
            "spec problems": 3,
            "findings": 13,
        }
    )

    def paths(text: str) -> list[str]:
        return re.findall(r"^\| `([^`]+)` \|", text, re.M)

    for name in ("module_inventory.md", "delta_log.md", "spec_hits.md"):
        old = (shipped / name).read_text(encoding="utf-8")
        new = (fresh / name).read_text(encoding="utf-8")
        assert paths(old) == paths(new), name
    # the shipped stories are today's: the folder was renamed in 2b428f0 (rebase-base), not
    # in 8ac7eb8, where a file inside it (train_utils.py) was deleted under its new name
    for text in (shipped / "delta_log.md", fresh / "delta_log.md"):
        rows = [
            r for r in text.read_text(encoding="utf-8").splitlines() if "`ptychopinn_torch/`" in r
        ]
        assert len(rows) == 2
        assert all("renamed to ptycho_torch in 2b428f0 (2025-09-20)" in r for r in rows)
    # the redline: the same draft (its first line names the command, which differs by --out)
    old_redline = (shipped / "plan_redline.md").read_text(encoding="utf-8").splitlines()
    new_redline = (fresh / "plan_redline.md").read_text(encoding="utf-8").splitlines()
    assert old_redline[1:] == new_redline[1:] and "--redline" in old_redline[0]
    assert json.loads((shipped / "inventory.json").read_text(encoding="utf-8")) == json.loads(
        (fresh / "inventory.json").read_text(encoding="utf-8")
    )
    # the ledger of the initiative: the generated report, then the hand-written one
    ledger = list_reports(built, "plans/active/INTEGRATE-PYTORCH-000/reports")
    assert [(e.stamp, bool(e.counts)) for e in ledger] == [
        ("2025-10-17T030000Z", True),
        ("2025-09-20T030000Z", False),
    ]
