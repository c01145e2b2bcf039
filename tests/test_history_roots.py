"""The history roots of ``tests/roots`` replay into real repositories, the same on every run:
steps are whole trees (deletions and renames as git sees them), tags, pages uncommitted,
and the roots themselves are never written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gitutil import git
from tests.history import MANIFEST, is_history_root, load_manifest, replay

ROOTS = Path(__file__).parent / "roots"
HISTORY_ROOTS = sorted(p.name for p in ROOTS.iterdir() if is_history_root(p))


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(folder).parts
    }


def test_there_are_history_roots() -> None:
    assert "test-delta" in HISTORY_ROOTS


@pytest.mark.parametrize("name", HISTORY_ROOTS)
def test_every_history_root_replays_the_same_shas_and_leaves_the_root_alone(
    name: str, tmp_path: Path
) -> None:
    root = ROOTS / name
    before = _files(root)
    one = replay(root, tmp_path / "one")
    two = replay(root, tmp_path / "two")
    assert one.shas == two.shas
    manifest = load_manifest(root)
    assert list(one.shas) == [c["tree"] for c in manifest["commit"]]
    # each commit holds exactly its step folder
    for step, sha in one.shas.items():
        listed = git(one.path, "ls-tree", "-r", "--name-only", sha).splitlines()
        assert sorted(listed) == sorted(_files(root / "history" / step)), step
    assert _files(root) == before  # nothing written into the root (no _build, no cache)


def test_delta_history_has_its_rename_deletion_tag_and_uncommitted_pages(tmp_path: Path) -> None:
    replayed = replay(ROOTS / "test-delta", tmp_path / "r")
    path = replayed.path
    assert git(path, "rev-parse", "base") == replayed.shas["02-rename"]
    renames = git(path, "diff", "--name-status", "-M", "base~1", "base").splitlines()
    assert "R100\tptychopinn_torch/model.py\tptycho_torch/model.py" in renames
    dropped = git(path, "diff", "--name-status", "base", "HEAD~1")
    assert dropped == "D\tptycho_torch/train_utils.py"
    dates = git(path, "log", "--format=%aI %cI %an").splitlines()
    assert dates[-1] == "2025-10-01T03:00:00+00:00 2025-10-01T03:00:00+00:00 Plan Author"
    assert dates[0].startswith("2025-10-04T03:00:00+00:00")
    assert replayed.srcdir == path / "docs"
    status = git(path, "status", "--porcelain").splitlines()
    assert sorted(status) == ["?? docs/conf.py", "?? docs/index.md"]
    # the next commit a test makes follows the replayed ones
    replayed.repo.write("x.py", "X = 1\n")
    replayed.repo.commit("a test's own commit")
    assert git(path, "log", "-1", "--format=%aI") == "2025-10-05T03:00:00+00:00"


def _root(tmp_path: Path, manifest: str, steps: tuple[str, ...] = ("01",)) -> Path:
    root = tmp_path / "test-x"
    for step in steps:
        (root / "history" / step).mkdir(parents=True)
        (root / "history" / step / "a.py").write_text(f"A = {step!r}\n")
    (root / MANIFEST).write_text(manifest)
    return root


@pytest.mark.parametrize(
    ("manifest", "steps", "needle"),
    [
        ('[[commit]]\ntree = "01"\nmessage = "m"\nsrcdri = "docs"\n', ("01",), "needs tree"),
        ('srcdri = "docs"\n[[commit]]\ntree = "01"\nmessage = "m"\n', ("01",), "unknown keys"),
        ('[[commit]]\ntree = "01"\n', ("01",), "needs tree and message"),
        ('[[commit]]\ntree = "02"\nmessage = "m"\n', ("01",), "no step folder history/02"),
        ('[[commit]]\ntree = "01"\nmessage = "m"\n', ("01", "02"), "without a [[commit]]"),
        ('srcdir = "docs"\n', ("01",), "no [[commit]]"),
    ],
)
def test_a_manifest_typo_fails_the_replay(
    tmp_path: Path, manifest: str, steps: tuple[str, ...], needle: str
) -> None:
    root = _root(tmp_path, manifest, steps)
    with pytest.raises(ValueError, match=needle.replace("[", r"\[").replace("]", r"\]")):
        replay(root, tmp_path / "out")


def test_worktree_files_and_removals_stay_uncommitted(tmp_path: Path) -> None:
    root = _root(
        tmp_path,
        '[[commit]]\ntree = "01"\nmessage = "m"\n[worktree]\nremove = ["a.py"]\n',
    )
    (root / "worktree" / "pkg").mkdir(parents=True)
    (root / "worktree" / "pkg" / "new.py").write_text("N = 1\n")
    (root / "conf.py").write_text("extensions = []\n")
    replayed = replay(root, tmp_path / "out")
    lines = git(replayed.path, "status", "--porcelain", "-uall").splitlines()
    assert sorted(line.strip() for line in lines) == ["?? docs/conf.py", "?? pkg/new.py", "D a.py"]


def test_shas_are_those_of_the_scripted_repository_the_root_replaced(tmp_path: Path) -> None:
    """Fixed names and dates, no user configuration: the same commits on every machine
    (these are the shas ``tests.gitutil.Repo`` gave the history test_pages scripted)."""
    replayed = replay(ROOTS / "test-pages", tmp_path / "r")
    assert replayed.shas == {
        "01-a-module-that-will-go": "89a3b8ec8fe0a50a2e2c525e7b67b1f2f6e37d8d",
        "02-code-and-plan": "612fa2bbfa110444f03c573834196747e465c3d7",
    }
