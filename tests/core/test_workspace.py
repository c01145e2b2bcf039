"""core.workspace: one lazily opened GitRepo per root, errors remembered."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphinx_ptyplan.core.sources.gitrepo import GitError
from sphinx_ptyplan.core.workspace import Workspace
from tests.gitutil import Repo


def test_outside_git_the_error_is_raised_every_time_and_nothing_is_ignored(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, source_revision="main")
    with pytest.raises(GitError) as first:
        ws.repo()
    with pytest.raises(GitError) as second:
        ws.repo()
    assert first.value is second.value  # opened once, the failure remembered
    assert ws.ignored("") is None
    assert ws.source_revision() == "main"  # kept as written


def test_in_git_one_repo_ignored_paths_and_resolved_source_revision(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.write(".gitignore", "build/\n")
    repo.write("pkg/a.py", "A = 1\n")
    sha = repo.commit("one")
    repo.write("build/out.txt", "generated\n")  # exists, and is ignored
    ws = Workspace(repo.path, source_revision="main", jobs=3)
    try:
        assert ws.repo() is ws.repo()
        predicate = ws.ignored("")
        assert predicate is not None and predicate("build/") and not predicate("pkg/a.py")
        assert ws.source_revision() == sha
        assert ws.jobs == 3
    finally:
        ws.close()
