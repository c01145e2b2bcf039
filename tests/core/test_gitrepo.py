"""Tests of core/gitrepo.py on real repositories with a scripted history."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sphinx_ptyplan.core.sources.gitrepo import (
    Change,
    GitError,
    GitRepo,
    LineMap,
    revision_fingerprints,
    validate_revision,
)
from tests.gitutil import Repo, git, git_env, without_config

MODEL = "".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(1, 13))  # 24 lines
LOADER = "".join(f"def load_{i}(path):\n    return open(path).read()  # {i}\n" for i in range(12))
CONFIG_V1 = (
    "from dataclasses import dataclass\n\n\n@dataclass\nclass ModelConfig:\n"
    "    n_filters: int = 32\n    probe_size: int = 64\n    gridsize: int = 2\n"
)
CONFIG_V2 = CONFIG_V1.replace(
    "    gridsize: int = 2\n", "    grid_size: int = 2\n    nll: bool = True\n"
)
PLAN_V1 = "# Plan\n\nline three\nline four\nline five\n"
PLAN_V2 = "# Plan\n\nline three\nline four (edited)\nline five\nline six\n"
RAW = "".join(f"RAW_{i} = {i}\n" for i in range(20))


@dataclass
class History:
    path: Path
    c1: str  # initial
    c2: str  # ptychopinn_torch/ -> ptycho_torch/
    c3: str  # ptycho/loader.py -> ptycho/data_loader.py with edits
    c4: str  # delete ptycho/old_utils.py, edit docs/plan.md
    c5: str  # dataclass field change in ptycho_torch/config.py
    c6: str  # ptycho/raw.py -> ptycho/raw_data.py
    c7: str  # ptycho/data_loader.py -> ptycho/io/loader.py (chain)


def build_history(path: Path) -> History:
    r = Repo(path)
    r.write("ptychopinn_torch/__init__.py", "")
    r.write("ptychopinn_torch/model.py", MODEL)
    r.write("ptychopinn_torch/config.py", CONFIG_V1)
    r.write("ptycho/loader.py", LOADER)
    r.write("ptycho/old_utils.py", "def old():\n    return 1\n")
    r.write("ptycho/raw.py", RAW)
    r.write("docs/plan.md", PLAN_V1)
    r.write(".gitignore", "build/\n*.log\n")
    c1 = r.commit("initial import")
    r.git("tag", "v1.0")
    r.move("ptychopinn_torch", "ptycho_torch")
    c2 = r.commit("rename ptychopinn_torch to ptycho_torch")
    r.remove("ptycho/loader.py")
    r.write("ptycho/data_loader.py", LOADER.replace("# 3\n", "# three\n") + "EXTRA = 1\n")
    c3 = r.commit("rename loader with edits")
    r.remove("ptycho/old_utils.py")
    r.write("docs/plan.md", PLAN_V2)
    c4 = r.commit("drop old utils\n\nThey were unused.")
    r.write("ptycho_torch/config.py", CONFIG_V2)
    c5 = r.commit("config: gridsize -> grid_size, add nll")
    r.move("ptycho/raw.py", "ptycho/raw_data.py")
    c6 = r.commit("rename raw")
    r.move("ptycho/data_loader.py", "ptycho/io/loader.py")
    c7 = r.commit("move loader into io")
    r.git("branch", "feature/x", c3)
    return History(path, c1, c2, c3, c4, c5, c6, c7)


@pytest.fixture(scope="module")
def history_src(tmp_path_factory: pytest.TempPathFactory) -> History:
    return build_history(tmp_path_factory.mktemp("hist") / "r")


@pytest.fixture
def hist(history_src: History, tmp_path: Path) -> History:
    """A private copy of the scripted repository (tests may change its work tree)."""
    dst = tmp_path / "r"
    shutil.copytree(history_src.path, dst, symlinks=True)
    return History(dst, *(getattr(history_src, f"c{i}") for i in range(1, 8)))


@pytest.fixture
def repo(hist: History) -> Iterator[GitRepo]:
    with GitRepo.open(hist.path) as g:
        yield g


class SpawnCounter:
    def __init__(self) -> None:
        self.commands: list[list[str]] = []


@pytest.fixture
def spawns(monkeypatch: pytest.MonkeyPatch) -> SpawnCounter:
    """Count every process started (GitPython imports Popen by name, so patch __init__)."""
    counter = SpawnCounter()
    real_init = subprocess.Popen.__init__

    def init(self: subprocess.Popen[bytes], args: object, *a: object, **kw: object) -> None:
        counter.commands.append(
            without_config([str(x) for x in args]) if isinstance(args, list) else [str(args)]
        )
        real_init(self, args, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(subprocess.Popen, "__init__", init)
    return counter


def short_of(sha: str) -> str:
    return sha[:7]


# --------------------------------------------------------------------------- revisions


@pytest.mark.parametrize(
    "rev",
    [
        "-x",
        "--output=/tmp/x",
        "a;rm -rf",
        "$(id)",
        "`id`",
        "HEAD..x",
        "main...x",
        "HEAD x",
        "HEAD\tx",
        "HEAD\nx",
        "",
        "   ",
        "a\x00b",
        "main@{1}",
        "HEAD:path",
        "a|b",
        "a&b",
        "a>b",
        "x*",
        "feature/.hidden",
        "x.lock",
        "HEAD^{tree}",
        "ref/",
    ],
)
def test_validate_revision_refuses(rev: str) -> None:
    with pytest.raises(GitError) as err:
        validate_revision(rev)
    assert err.value.code == "unsafe-revision"
    assert "refusing revision" in err.value.message


@pytest.mark.parametrize(
    "rev",
    ["bfc22e7^", "HEAD~2", "v1.0", "feature/x", "HEAD", "main^2", "abc123^^~3", "release-1_2"],
)
def test_validate_revision_accepts(rev: str) -> None:
    assert validate_revision(f"  {rev} ") == rev


def test_git_error_is_picklable_and_prints_message() -> None:
    err = pickle.loads(pickle.dumps(GitError("shallow", "fetch more")))
    assert (err.code, err.message, str(err)) == ("shallow", "fetch more", "fetch more")


def test_resolve_names_and_suffixes(repo: GitRepo, hist: History) -> None:
    assert repo.workdir == hist.path.resolve()
    assert repo.prefix == ""
    assert repo.is_shallow is False
    assert repo.resolve("HEAD") == hist.c7
    assert repo.resolve("HEAD~2") == hist.c5
    assert repo.resolve("v1.0") == hist.c1
    assert repo.resolve("feature/x") == hist.c3
    assert repo.resolve(hist.c3[:9] + "^") == hist.c2
    assert repo.resolve(hist.c4) == hist.c4
    assert repo.head() == hist.c7


def test_resolve_unknown_and_unsafe(repo: GitRepo) -> None:
    with pytest.raises(GitError) as err:
        repo.resolve("no-such-branch")
    assert err.value.code == "unknown-revision"
    assert "no-such-branch" in err.value.message
    with pytest.raises(GitError) as err:
        repo.resolve("deadbeef" * 5)
    assert err.value.code == "unknown-revision"
    with pytest.raises(GitError) as err:
        repo.resolve("HEAD~40")
    assert err.value.code == "unknown-revision"
    with pytest.raises(GitError) as err:
        repo.resolve("--output=/tmp/pwned")
    assert err.value.code == "unsafe-revision"
    assert not Path("/tmp/pwned").exists()


def test_commit_info(repo: GitRepo, hist: History) -> None:
    info = repo.commit_info(hist.c4)
    assert info.sha == hist.c4
    assert info.short == hist.c4[:7]
    assert info.date == "2025-10-04"
    assert info.summary == "drop old utils"
    assert repo.commit_info("HEAD~3") is info  # cached by sha


def test_fingerprint_sees_moves(repo: GitRepo, hist: History) -> None:
    before = repo.fingerprint(["HEAD", "main", "v1.0", "nope", "-x"])
    assert before == (hist.c7, hist.c7, hist.c1, None, None)
    (hist.path / "new.txt").write_text("x\n")
    git(hist.path, "add", "new.txt")
    git(hist.path, "commit", "-q", "-m", "more", date="2025-10-20T03:00:00+00:00")
    after = repo.fingerprint(["HEAD", "main", "v1.0"])
    assert after[0] != hist.c7 and after[0] == after[1]
    assert after[2] == hist.c1


def test_revision_fingerprints_without_gitpython(
    repo: GitRepo, hist: History, tmp_path: Path, spawns: SpawnCounter
) -> None:
    """The no-change-rebuild check: same answers as GitRepo.fingerprint, one process."""
    revs = ["HEAD", "main", "v1.0", "nope", "-x", "HEAD;touch pwned", "HEAD~1"]
    spawns.commands.clear()
    got = revision_fingerprints(hist.path, revs)
    assert len(spawns.commands) == 1 and "--batch-check" in spawns.commands[0]
    assert got == repo.fingerprint(revs)
    assert got[:4] == (hist.c7, hist.c7, hist.c1, None) and got[4] is None
    assert not (hist.path / "pwned").exists()
    sub = hist.path / "ptycho"  # from a folder inside the work tree
    assert revision_fingerprints(sub, ["HEAD"]) == (hist.c7,)
    outside = tmp_path / "plain"
    outside.mkdir()
    assert revision_fingerprints(outside, ["HEAD", "-x"]) == (None, None)
    spawns.commands.clear()
    assert revision_fingerprints(hist.path, ["-x", "a..b"]) == (None, None)
    assert spawns.commands == []  # nothing valid: git is not even started


# --------------------------------------------------------------------------- shallow / damaged


def test_shallow_clone_lacking_base(hist: History, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{hist.path}", str(clone)],
        check=True,
        env=git_env(),
        capture_output=True,
    )
    with GitRepo.open(clone) as g:
        assert g.is_shallow is True
        assert g.head() == hist.c7
        with pytest.raises(GitError) as err:
            g.resolve(hist.c1)
        assert err.value.code == "shallow"
        assert "git fetch --unshallow" in err.value.message
        assert "fetch-depth: 0" in err.value.message
        with pytest.raises(GitError) as err:
            g.changes("HEAD~1", None)
        assert err.value.code == "shallow"


def _object_file(repo: Path, sha: str) -> Path:
    return repo / ".git" / "objects" / sha[:2] / sha[2:]


def test_missing_blob_object(hist: History) -> None:
    blob = git(hist.path, "rev-parse", f"{hist.c1}:ptycho/old_utils.py")
    _object_file(hist.path, blob).unlink()
    with GitRepo.open(hist.path) as g:
        assert g.read_blobs(hist.c1, ["nope.py"]) == {"nope.py": None}
        with pytest.raises(GitError) as err:
            g.read_blobs(hist.c1, ["ptycho/old_utils.py"])
        assert err.value.code == "missing-objects"
        assert "ptycho/old_utils.py" in err.value.message
        # the stream recovers for later requests
        assert g.read_blobs(hist.c1, ["docs/plan.md"])["docs/plan.md"] == PLAN_V1.encode()


def test_missing_commit_object(hist: History) -> None:
    _object_file(hist.path, hist.c5).unlink()
    with GitRepo.open(hist.path) as g:
        with pytest.raises(GitError) as err:
            g.resolve("HEAD~3")  # walks through the missing c5
        assert err.value.code == "missing-objects"
        with pytest.raises(GitError) as err:
            g.resolve("HEAD~2")  # names c5 itself
        assert err.value.code == "missing-objects"


# --------------------------------------------------------------------------- diffs


def test_changes_between_commits(repo: GitRepo, hist: History) -> None:
    changes = repo.changes(hist.c1, hist.c7)
    by_path = {c.path: c for c in changes}
    assert by_path["ptycho_torch/model.py"] == Change(
        "R", "ptycho_torch/model.py", "ptychopinn_torch/model.py", 100
    )
    cfg = by_path["ptycho_torch/config.py"]
    assert (cfg.status, cfg.old_path) == ("R", "ptychopinn_torch/config.py")
    assert cfg.similarity is not None and 50 <= cfg.similarity < 100
    loader = by_path["ptycho/io/loader.py"]
    assert (loader.status, loader.old_path) == ("R", "ptycho/loader.py")
    assert loader.similarity is not None and 80 <= loader.similarity < 100
    assert by_path["ptycho/old_utils.py"] == Change("D", "ptycho/old_utils.py")
    assert by_path["docs/plan.md"] == Change("M", "docs/plan.md")
    assert by_path["ptycho/raw_data.py"].old_path == "ptycho/raw.py"
    # restricted to paths
    only = repo.changes(hist.c1, hist.c7, ["docs"])
    assert only == [Change("M", "docs/plan.md")]
    assert repo.changes(hist.c6, hist.c7, ["../etc"]) == []


def test_changes_follow_files_moved_into_the_paths(repo: GitRepo, hist: History) -> None:
    """A folder renamed into the requested path: renames, not additions (issue #3)."""
    inside = repo.changes(hist.c1, hist.c7, ["ptycho_torch"])
    by_path = {c.path: c for c in inside}
    assert by_path["ptycho_torch/model.py"] == Change(
        "R", "ptycho_torch/model.py", "ptychopinn_torch/model.py", 100
    )
    assert by_path["ptycho_torch/config.py"].old_path == "ptychopinn_torch/config.py"
    # nothing outside the requested path leaks in (ptycho/ also changed in this history)
    assert all(c.path.startswith("ptycho_torch/") for c in inside)
    # and the old folder asked alone shows the files leaving it as renames out of it
    leaving = repo.changes(hist.c1, hist.c7, ["ptychopinn_torch"])
    assert Change("R", "ptycho_torch/model.py", "ptychopinn_torch/model.py", 100) in leaving
    assert all(c.old_path and c.old_path.startswith("ptychopinn_torch/") for c in leaving)


def test_changes_follow_a_plain_folder_move_in_the_working_tree(
    repo: GitRepo, hist: History
) -> None:
    p = hist.path
    (p / "ptycho_torch").rename(p / "torch_port")  # plain mv of a whole folder, not staged
    moved = repo.changes(hist.c7, None, ["torch_port"])
    assert Change("R", "torch_port/model.py", "ptycho_torch/model.py", 100) in moved
    assert all(c.status == "R" and c.path.startswith("torch_port/") for c in moved)
    assert set(repo.changes(hist.c7, None, ["ptycho_torch"])) == set(
        moved
    )  # asked from the old side


def test_changes_without_additions_cost_one_diff(
    repo: GitRepo, hist: History, spawns: SpawnCounter
) -> None:
    repo.resolve(hist.c1)
    spawns.commands.clear()
    repo.changes(hist.c6, hist.c7, ["docs"])  # only a modification: no search for origins
    assert len(spawns.commands) == 1
    spawns.commands.clear()
    repo.changes(hist.c1, hist.c7, ["ptycho_torch"])  # additions: + deletions + wider diff
    assert len(spawns.commands) == 3


def test_changes_working_tree_and_untracked(repo: GitRepo, hist: History) -> None:
    p = hist.path
    (p / "docs/plan.md").write_text(PLAN_V2 + "more\n")
    (p / "ptycho/new_mod.py").write_text("X = 1\n")
    (p / "build").mkdir()
    (p / "build/gen.py").write_text("ignored\n")
    (p / "debug.log").write_text("ignored\n")
    (p / "ptycho/raw_data.py").rename(p / "ptycho/raw_moved.py")  # plain mv, not staged
    (p / "ptycho_torch/__init__.py").unlink()
    changes = repo.changes(hist.c7, None)
    assert set(changes) == {
        Change("M", "docs/plan.md"),
        Change("A", "ptycho/new_mod.py"),
        Change("R", "ptycho/raw_moved.py", "ptycho/raw_data.py", 100),
        Change("D", "ptycho_torch/__init__.py"),
    }
    assert repo.changes(hist.c7, None, ["ptycho/new_mod.py"]) == [Change("A", "ptycho/new_mod.py")]
    assert repo.added_since(hist.c1) == frozenset(
        {
            "ptycho_torch/model.py",
            "ptycho_torch/config.py",
            "ptycho/io/loader.py",
            "ptycho/new_mod.py",
            "ptycho/raw_moved.py",
        }
    )
    assert repo.added_since(hist.c7, ["ptycho"]) == {"ptycho/new_mod.py", "ptycho/raw_moved.py"}


def test_changes_use_at_most_two_processes(
    repo: GitRepo, hist: History, spawns: SpawnCounter
) -> None:
    repo.resolve(hist.c1)  # starts the persistent cat-file
    spawns.commands.clear()
    (hist.path / "ptycho/new_mod.py").write_text("X = 1\n")
    repo.changes(hist.c1, None)
    assert len(spawns.commands) == 2
    spawns.commands.clear()
    repo.changes(hist.c1, hist.c7)
    assert len(spawns.commands) == 1


# --------------------------------------------------------------------------- blobs


def test_read_blobs_one_process(hist: History, spawns: SpawnCounter) -> None:
    with GitRepo.open(hist.path) as g:
        spawns.commands.clear()
        paths = [
            "ptychopinn_torch/model.py",
            "ptychopinn_torch/config.py",
            "ptycho/loader.py",
            "ptycho/old_utils.py",
            "docs/plan.md",
            "ptycho_torch/model.py",  # not yet at c1
            "ptycho",  # a folder
            "../outside.py",
            "",
        ]
        blobs = g.read_blobs(hist.c1, paths)
        assert [c[1:3] for c in spawns.commands] == [["cat-file", "--batch"]]
        assert blobs["ptychopinn_torch/model.py"] == MODEL.encode()
        assert blobs["ptychopinn_torch/config.py"] == CONFIG_V1.encode()
        assert blobs["docs/plan.md"] == PLAN_V1.encode()
        for missing in ("ptycho_torch/model.py", "ptycho", "../outside.py", ""):
            assert blobs[missing] is None
        again = g.read_blobs("HEAD", ["ptycho_torch/config.py", "docs/plan.md"])
        assert again == {
            "ptycho_torch/config.py": CONFIG_V2.encode(),
            "docs/plan.md": PLAN_V2.encode(),
        }
        assert len(spawns.commands) == 1
        proc = g._cat._proc
        assert proc is not None
    assert proc.poll() is not None  # closed with the repo: no leaked git process


# --------------------------------------------------------------------------- path stories


def test_path_stories(repo: GitRepo, hist: History, spawns: SpawnCounter) -> None:
    spawns.commands.clear()
    stories = repo.path_stories(
        [
            "ptycho/raw.py",
            "ptychopinn_torch/",
            "ptychopinn_torch",
            "ptychopinn_torch/model.py",
            "ptycho/old_utils.py",
            "ptycho/loader.py",
            "never/was.py",
        ]
    )
    assert len(spawns.commands) <= 2  # one git log (+ the cat-file stream)
    assert sum(c[1] == "log" for c in spawns.commands) == 1
    c2, c4, c6, c7 = (repo.commit_info(c) for c in (hist.c2, hist.c4, hist.c6, hist.c7))

    raw = stories["ptycho/raw.py"]
    assert (raw.status, raw.new_path, raw.commit) == ("renamed", "ptycho/raw_data.py", c6)
    assert raw.describe() == f"renamed to ptycho/raw_data.py in {c6.short} (2025-10-06)"

    folder = stories["ptychopinn_torch/"]
    assert (folder.status, folder.new_path, folder.commit) == ("renamed", "ptycho_torch/", c2)
    assert folder.describe() == f"renamed to ptycho_torch/ in {c2.short} (2025-10-02)"
    assert stories["ptychopinn_torch"].new_path == "ptycho_torch"
    assert stories["ptychopinn_torch/model.py"].new_path == "ptycho_torch/model.py"

    gone = stories["ptycho/old_utils.py"]
    assert (gone.status, gone.new_path, gone.commit) == ("deleted", None, c4)
    assert gone.describe() == f"deleted in {c4.short} (2025-10-04)"

    chain = stories["ptycho/loader.py"]
    assert (chain.status, chain.new_path, chain.commit) == ("renamed", "ptycho/io/loader.py", c7)
    assert chain.via == ("ptycho/data_loader.py",)
    assert "via ptycho/data_loader.py" in chain.describe()

    assert stories["never/was.py"].status == "unknown"
    assert repo.path_story("ptycho/raw.py") == raw


def test_folder_chain_and_deleted_after_rename(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    for name in ("a.py", "b.py", "c.py"):
        r.write(f"old/{name}", f"# {name}\n" + "x = 1\n" * 5)
    r.write("tmp/only.py", "y = 2\n" * 5)
    r.commit("one")
    r.move("old", "mid")
    r.move("tmp/only.py", "tmp/renamed.py")
    r.commit("two")
    r.move("mid", "pkg/new")
    r.remove("tmp")
    r.commit("three")
    with GitRepo.open(r.path) as g:
        s = g.path_stories(["old/", "old/b.py", "tmp/only.py"])
    assert (s["old/"].status, s["old/"].new_path, s["old/"].via) == (
        "renamed",
        "pkg/new/",
        ("mid/",),
    )
    assert s["old/b.py"].new_path == "pkg/new/b.py"
    assert (s["tmp/only.py"].status, s["tmp/only.py"].via) == ("deleted", ("tmp/renamed.py",))


# --------------------------------------------------------------------------- blame


def test_blame_committed_and_uncommitted(repo: GitRepo, hist: History) -> None:
    assert repo.blame("docs/plan.md") == [hist.c1, hist.c1, hist.c1, hist.c4, hist.c1, hist.c4]
    (hist.path / "docs/plan.md").write_text(PLAN_V2.replace("line three", "line 3") + "seven\n")
    blamed = repo.blame("docs/plan.md")
    assert blamed == [hist.c1, hist.c1, None, hist.c4, hist.c1, hist.c4, None]
    (hist.path / "docs/draft.md").write_text("a\nb\nc")
    assert repo.blame("docs/draft.md") == [None, None, None]
    assert repo.blame("docs/none.md") == []


def test_blame_unborn_head(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    r.write("doc.md", "one\ntwo\n")
    with GitRepo.open(r.path) as g:
        assert g.head() is None
        assert g.blame("doc.md") == [None, None]
        assert g.path_story("doc.md").status == "unknown"
        with pytest.raises(GitError) as err:
            g.resolve("HEAD")
        assert err.value.code == "unknown-revision"


# --------------------------------------------------------------------------- line maps


def test_line_map_moved_edited_deleted_lines(repo: GitRepo, hist: History) -> None:
    lines = MODEL.splitlines(keepends=True)
    lines[4] = "def f3_changed(x):\n"  # old line 5 edited
    del lines[7]  # old line 8 deleted
    new = ["# header\n", "# more\n", *lines]  # everything moved down by 2
    (hist.path / "ptycho_torch/model.py").write_text("".join(new))
    lm = repo.line_map(hist.c1, "ptychopinn_torch/model.py")  # renamed since c1
    assert isinstance(lm, LineMap)
    assert lm.new_path == "ptycho_torch/model.py"
    assert lm.old_text(5) == "def f3(x):"
    assert lm.old_text(0) is None and lm.old_text(25) is None
    assert lm.map(1) == 3
    assert lm.map(4) == 6
    assert lm.map(5) is None
    assert lm.map(8) is None
    assert lm.map(9) == 10
    assert lm.map(24) == 25
    assert lm.map(25) is None
    assert lm.map_range(1, 4) == (3, 6)
    assert lm.map_range(4, 6) is None
    assert lm.map_range(9, 24) == (10, 25)
    assert new[lm.map(9) - 1].rstrip("\n") == lm.old_text(9)  # type: ignore[operator]


def test_line_map_renamed_with_edits_deleted_and_cached(
    repo: GitRepo, hist: History, spawns: SpawnCounter
) -> None:
    lm = repo.line_map(hist.c1, "ptycho/loader.py")
    assert lm.new_path == "ptycho/io/loader.py"
    assert lm.map(1) == 1
    assert lm.map(8) is None  # "# 3" became "# three"
    assert lm.map(9) == 9
    gone = repo.line_map(hist.c1, "ptycho/old_utils.py")
    assert gone.new_path is None and gone.map(1) is None
    assert gone.old_text(1) == "def old():"
    never = repo.line_map(hist.c1, "ptycho_torch/model.py")
    assert never.old_lines is None and never.map(1) is None
    same = repo.line_map(hist.c7, "ptycho/raw_data.py")
    assert same.new_path == "ptycho/raw_data.py" and same.map(20) == 20
    spawns.commands.clear()
    again = repo.line_map(hist.c1, "ptycho/loader.py")
    assert again == lm and spawns.commands == []  # cached, no git process


def test_line_maps_batch_one_diff(repo: GitRepo, hist: History, spawns: SpawnCounter) -> None:
    (hist.path / "docs/plan.md").write_text("intro\n" + PLAN_V2)
    repo.resolve(hist.c4)
    spawns.commands.clear()
    maps = repo.line_maps(hist.c4, ["docs/plan.md", "ptycho_torch/config.py", "ptycho/raw.py"])
    assert sum("-U0" in c for c in spawns.commands) == 1
    assert len(spawns.commands) <= 3  # + the rename lookup (diff --raw, ls-files) for raw.py
    assert maps["docs/plan.md"].map(1) == 2
    assert maps["ptycho/raw.py"].new_path == "ptycho/raw_data.py"
    assert maps["ptycho/raw.py"].map(20) == 20
    cfg = maps["ptycho_torch/config.py"]
    assert cfg.map(7) == 7 and cfg.map(8) is None


def test_line_map_untracked_move(repo: GitRepo, hist: History) -> None:
    (hist.path / "ptycho/raw_data.py").rename(hist.path / "ptycho/raw_final.py")
    lm = repo.line_map(hist.c6, "ptycho/raw_data.py")
    assert lm.new_path == "ptycho/raw_final.py"
    assert lm.map(3) == 3


# --------------------------------------------------------------------------- ignored


def test_ignored_predicate(repo: GitRepo, hist: History) -> None:
    p = hist.path
    (p / "build/sub").mkdir(parents=True)
    (p / "build/sub/gen.py").write_text("x\n")
    (p / "ptycho/trace.log").write_text("x\n")
    (p / "ptycho/keep.py").write_text("x\n")
    (p / "tracked.log").write_text("x\n")
    git(p, "add", "-f", "tracked.log")
    ignored = repo.ignored("")
    assert ignored("build/") and ignored("build") and ignored("build/sub/gen.py")
    assert ignored("ptycho/trace.log")
    assert not ignored("ptycho/keep.py")
    assert not ignored("tracked.log")
    assert not ignored("ptycho/") and not ignored("docs/plan.md")
    under = repo.ignored("ptycho")
    assert under("ptycho/trace.log") and not under("build/sub/gen.py")


# --------------------------------------------------------------------------- odd states


def test_subfolder_root_uses_prefix(hist: History) -> None:
    with GitRepo.open(hist.path / "ptycho") as g:
        assert g.prefix == "ptycho/"
        assert g.read_blobs(hist.c1, ["loader.py"])["loader.py"] == LOADER.encode()
        assert Change("R", "io/loader.py", "data_loader.py", 100) in g.changes(hist.c6, hist.c7)
        assert all(
            c.path.startswith(("io/", "raw", "data", "loader", "old"))
            for c in g.changes(hist.c1, hist.c7)
        )
        assert g.path_story("loader.py").new_path == "io/loader.py"
        blamed = g.blame("io/loader.py")  # blame follows the renames back to c1
        assert (blamed[0], blamed[7], blamed[-1]) == (hist.c1, hist.c3, hist.c3)
        assert g.line_map(hist.c6, "data_loader.py").new_path == "io/loader.py"
        (hist.path / "ptycho/trace.log").write_text("x\n")
        assert g.ignored("")("trace.log")


def test_detached_head(hist: History) -> None:
    git(hist.path, "checkout", "-q", "--detach", hist.c3)
    with GitRepo.open(hist.path) as g:
        assert g.head() == hist.c3
        assert g.resolve("HEAD") == hist.c3
        assert g.path_story("ptycho/loader.py").new_path == "ptycho/data_loader.py"
        assert g.blame("docs/plan.md")[0] == hist.c1


def test_mid_rebase(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    r.write("a.txt", "base\n")
    r.commit("base")
    r.git("checkout", "-q", "-b", "topic")
    r.write("a.txt", "topic\n")
    r.commit("topic")
    r.git("checkout", "-q", "main")
    r.write("a.txt", "main\n")
    main = r.commit("main")
    r.git("checkout", "-q", "topic")
    res = subprocess.run(["git", "rebase", "main"], cwd=r.path, env=git_env(), capture_output=True)
    assert res.returncode != 0  # stopped on the conflict
    with GitRepo.open(r.path) as g:
        assert g.head() == main
        assert {c.path for c in g.changes("HEAD", None)} == {"a.txt"}
        assert g.blame("a.txt")[0] is None  # conflict markers are not committed


def test_worktree_and_submodule(hist: History, tmp_path: Path) -> None:
    wt = tmp_path / "wt"
    git(hist.path, "worktree", "add", "-q", "--detach", str(wt), hist.c2)
    with GitRepo.open(wt / "ptycho") as g:
        assert g.workdir == wt.resolve()
        assert g.prefix == "ptycho/"
        assert g.head() == hist.c2
        assert g.read_blobs("HEAD", ["loader.py"])["loader.py"] == LOADER.encode()
        assert Change("M", "loader.py") not in g.changes("HEAD", None)

    sub_src = Repo(tmp_path / "subsrc")
    sub_src.write("s.py", "S = 1\n")
    sub_head = sub_src.commit("sub")
    git(
        hist.path,
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        f"file://{sub_src.path}",
        "vendor/sub",
    )
    with GitRepo.open(hist.path / "vendor/sub") as g:
        assert g.workdir == (hist.path / "vendor/sub").resolve()
        assert g.prefix == ""
        assert g.head() == sub_head
    with GitRepo.open(hist.path) as g:
        assert g.read_blobs("HEAD", ["vendor/sub"]) == {"vendor/sub": None}


def test_not_a_repo_and_bare(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitError) as err:
        GitRepo.open(plain)
    assert err.value.code == "not-a-repo"
    assert str(plain) in err.value.message
    with pytest.raises(GitError) as err:
        GitRepo.open(tmp_path / "missing")
    assert err.value.code == "not-a-repo"
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True, env=git_env())
    with pytest.raises(GitError) as err:
        GitRepo.open(bare)
    assert err.value.code == "not-a-repo"
    assert "bare" in err.value.message


def test_no_git_executable_after_import(
    hist: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("GIT_PYTHON_GIT_EXECUTABLE", raising=False)
    import git as gitmod

    monkeypatch.setattr(gitmod.Git, "GIT_PYTHON_GIT_EXECUTABLE", "git")
    with pytest.raises(GitError) as err:
        GitRepo.open(hist.path)
    assert err.value.code == "no-git"
    assert "git" in err.value.message


def test_no_git_executable_at_import(hist: History, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_PYTHON")}
    env["PATH"] = str(empty)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    code = (
        "import sys\n"
        "from sphinx_ptyplan.core.sources.gitrepo import GitRepo, GitError\n"
        "assert 'git' not in sys.modules\n"
        "try:\n"
        f"    GitRepo.open({str(hist.path)!r})\n"
        "except GitError as e:\n"
        "    print(e.code)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "no-git"


def test_history_follows_new_commits_and_refresh(repo: GitRepo, hist: History) -> None:
    assert repo.path_story("docs/plan.md").status == "unknown"
    git(hist.path, "mv", "docs/plan.md", "docs/roadmap.md")
    git(hist.path, "commit", "-q", "-m", "rename plan", date="2025-10-21T03:00:00+00:00")
    story = repo.path_story("docs/plan.md")  # history is keyed by HEAD: no stale answer
    assert (story.status, story.new_path) == ("renamed", "docs/roadmap.md")
    assert story.commit is not None and story.commit.date == "2025-10-21"
    assert repo.resolve("HEAD") == repo.head() != hist.c7
    lm = repo.line_map(hist.c7, "docs/plan.md")
    assert lm.new_path == "docs/roadmap.md"
    git(hist.path, "mv", "docs/roadmap.md", "docs/final.md")
    repo.refresh()
    assert repo.line_map(hist.c7, "docs/plan.md").new_path == "docs/final.md"


def test_one_run_reads_head_once_and_forgets_it_after(repo: GitRepo, hist: History) -> None:
    """Inside ``one_run`` HEAD is read once (the stories of one check agree with each
    other); outside, and in the next run, a new commit is seen."""
    with repo.one_run():
        assert repo.head() == hist.c7
        assert repo.path_story("docs/plan.md").status == "unknown"
        git(hist.path, "mv", "docs/plan.md", "docs/roadmap.md")
        git(hist.path, "commit", "-q", "-m", "rename plan", date="2025-10-21T03:00:00+00:00")
        with repo.one_run():  # nested: the same run
            assert repo.head() == hist.c7
        assert repo.head() == hist.c7
        assert repo.path_story("docs/plan.md").status == "unknown"
    new = repo.head()
    assert new is not None and new != hist.c7
    assert repo.path_story("docs/plan.md").new_path == "docs/roadmap.md"
    with repo.one_run():
        assert repo.head() == new


def test_foreign_git_dir_in_environment_is_ignored(
    hist: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = Repo(tmp_path / "other")
    other.write("x.txt", "x\n")
    other.commit("other")
    monkeypatch.setenv("GIT_DIR", str(other.path / ".git"))  # as inside a git hook
    with GitRepo.open(hist.path) as g:
        assert g.head() == hist.c7
        assert g.changes(hist.c6, hist.c7) == [
            Change("R", "ptycho/io/loader.py", "ptycho/data_loader.py", 100)
        ]
        assert g.blame("docs/plan.md")[0] == hist.c1


def test_line_map_insertion_in_the_middle(repo: GitRepo, hist: History) -> None:
    lines = PLAN_V2.splitlines(keepends=True)  # 6 lines at c4
    (hist.path / "docs/plan.md").write_text("".join([*lines[:2], "new a\n", "new b\n", *lines[2:]]))
    lm = repo.line_map(hist.c4, "docs/plan.md")
    assert lm.hunks == ((2, 0, 3, 2),)
    assert [lm.map(n) for n in range(1, 8)] == [1, 2, 5, 6, 7, 8, None]
    assert lm.map_range(1, 3) is None  # no longer contiguous
    assert lm.map_range(3, 6) == (5, 8)


def test_odd_file_names(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    names = ["my file.py", "ünï/cödé.py", 'q"uote.py', "tab\there.py", "mv me.py"]
    body = "".join(f"line {i}\n" for i in range(1, 11))
    for n in names:
        r.write(n, body)
    c1 = r.commit("odd names")
    for n in names[:-1]:
        r.write(n, body.replace("line 2\n", "line two\n"))
    r.write("moved too.py", body.replace("line 9\n", "line nine\n"))
    r.remove("mv me.py")
    r.git("add", "-A")
    with GitRepo.open(r.path) as g:
        maps = g.line_maps(c1, names)
        for n in names[:-1]:
            assert maps[n].new_path == n
            assert [maps[n].map(i) for i in (1, 2, 3)] == [1, None, 3], n
        moved = maps["mv me.py"]
        assert moved.new_path == "moved too.py"
        assert [moved.map(i) for i in (8, 9, 10)] == [8, None, 10]
        assert g.read_blobs(c1, names) == dict.fromkeys(names, body.encode())
        assert g.blame("ünï/cödé.py")[:3] == [c1, None, c1]
        assert Change("M", 'q"uote.py') in g.changes(c1, None)


def test_folder_story_names_the_rename_not_a_later_deletion_inside(tmp_path: Path) -> None:
    """A folder renamed in X whose file is deleted later in Y (under its new name): the
    folder's story is "renamed in X"; the file's own story still says deleted in Y."""
    r = Repo(tmp_path / "r")
    for name in ("__init__.py", "a.py", "b.py", "utils.py"):
        r.write(f"oldpkg/{name}", f"# {name}\n" + f"{name[0]} = 1\n" * 6)
    r.commit("one")
    r.move("oldpkg", "newpkg")
    x = r.commit("rename the package")
    r.write("newpkg/a.py", "# a.py\n" + "a = 1\n" * 6 + "more = 2\n")
    r.remove("newpkg/utils.py")
    y = r.commit("drop the utilities")
    with GitRepo.open(r.path) as g:
        s = g.path_stories(["oldpkg/", "oldpkg", "oldpkg/utils.py", "oldpkg/b.py"])
        cx, cy = g.commit_info(x), g.commit_info(y)
    assert (s["oldpkg/"].status, s["oldpkg/"].new_path, s["oldpkg/"].commit) == (
        "renamed",
        "newpkg/",
        cx,
    )
    assert s["oldpkg/"].describe() == f"renamed to newpkg/ in {cx.short} (2025-10-02)"
    assert (s["oldpkg"].new_path, s["oldpkg"].commit) == ("newpkg", cx)
    assert (s["oldpkg/utils.py"].status, s["oldpkg/utils.py"].commit) == ("deleted", cy)
    assert s["oldpkg/utils.py"].via == ("newpkg/utils.py",)
    assert (s["oldpkg/b.py"].new_path, s["oldpkg/b.py"].commit) == ("newpkg/b.py", cx)
