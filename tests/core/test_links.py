"""Code links from git remotes: URL forms, hosts, permalinks and uncommitted files."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphinx_ptyplan.core.outputs.links import SourceLinks, remote_templates
from sphinx_ptyplan.core.workspace import Workspace
from tests.gitutil import Repo

GH = "https://github.com/org/proj/blob/{revision}/{path}#L{line}"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/org/proj.git", (GH, GH)),
        ("https://github.com/org/proj", (GH, GH)),
        ("git@github.com:org/proj.git", (GH, GH)),
        ("ssh://git@github.com/org/proj.git", (GH, GH)),
        ("https://user:token@github.com/org/proj.git/", (GH, GH)),
        (
            "git@gitlab.com:group/sub/proj.git",
            ("https://gitlab.com/group/sub/proj/-/blob/{revision}/{path}#L{line}",) * 2,
        ),
        (
            "ssh://git@gitlab.example.org:2222/team/proj.git",
            ("https://gitlab.example.org/team/proj/-/blob/{revision}/{path}#L{line}",) * 2,
        ),
        (
            "https://bitbucket.org/org/proj.git",
            ("https://bitbucket.org/org/proj/src/{revision}/{path}#lines-{line}",) * 2,
        ),
        (
            "git@codeberg.org:org/proj.git",
            (
                "https://codeberg.org/org/proj/src/commit/{revision}/{path}#L{line}",
                "https://codeberg.org/org/proj/src/branch/{revision}/{path}#L{line}",
            ),
        ),
        ("https://git.example.net/org/proj.git", None),  # unknown host: no guess
        ("/srv/git/proj.git", None),  # a local path
        ("file:///srv/git/proj.git", None),
        ("https://github.com/just-an-org", None),
        ("https://github.com/org/../etc", None),
    ],
)
def test_remote_templates(url: str, expected: tuple[str, str] | None) -> None:
    assert remote_templates(url) == expected


def _repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "r")
    repo.write("src/pkg/mod.py", "a = 1\n")
    repo.write("src/pkg/other.py", "b = 1\n")
    repo.git("remote", "add", "upstream", "https://gitlab.com/x/y.git")
    repo.git("remote", "add", "origin", "git@github.com:org/proj.git")
    repo.commit("one")
    return repo


def test_links_at_the_commit_and_the_root_prefix(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    sha = repo.git("rev-parse", "HEAD")
    ws = Workspace(repo.path / "src")  # the root is a folder of the work tree
    try:
        links = SourceLinks(None, ws)
        got = links.link("pkg/mod.py", 1)
        assert got is not None
        assert got.url == f"https://github.com/org/proj/blob/{sha}/src/pkg/mod.py#L1"
        assert got.note == ""
        assert links.link("pkg/mod.py", None).url.endswith("/src/pkg/mod.py")  # type: ignore[union-attr]
    finally:
        ws.close()


def test_the_tracked_remote_wins_and_uncommitted_files_link_to_the_branch(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    repo.git("config", "branch.main.remote", "upstream")
    repo.write("src/pkg/other.py", "b = 2\n")  # modified, not committed
    repo.write("src/pkg/brand_new.py", "c = 3\n")  # untracked
    ws = Workspace(repo.path)
    try:
        links = SourceLinks(None, ws)
        for path in ("src/pkg/other.py", "src/pkg/brand_new.py"):
            got = links.link(path, 1)
            assert got is not None
            assert got.url == f"https://gitlab.com/x/y/-/blob/main/{path}#L1"
            assert got.note == f"{path} has uncommitted changes: this links to the branch main"
        got = links.link("src/pkg/mod.py", 1)
        assert got is not None and "/blob/main/" not in got.url and not got.note
    finally:
        ws.close()


def test_disabled_and_outside_git(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    ws = Workspace(repo.path)
    try:
        assert SourceLinks(False, ws).link("src/pkg/mod.py", 1) is None
    finally:
        ws.close()
    plain = tmp_path / "plain"
    plain.mkdir()
    ws = Workspace(plain)
    try:
        assert SourceLinks(None, ws).link("a.py", 1) is None
    finally:
        ws.close()
