"""Shared fixtures: sphinx.testing for real builds, tmp git repositories for history, and
the shipped example repository for the command-line tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest_plugins = ["sphinx.testing.fixtures"]

collect_ignore = ["roots", "corpus"]

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return Path(__file__).parent / "roots"


@pytest.fixture()
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped example repository (docs/example_repo.py), built in ``tmp_path`` and
    made the current folder, as a user runs ``ptyplan`` in a checkout."""
    sys.path.insert(0, str(DOCS))
    try:
        from example_repo import build_example_repo
    finally:
        sys.path.remove(str(DOCS))
    repo = build_example_repo(tmp_path / "example")
    monkeypatch.chdir(repo)
    return Path(repo)
