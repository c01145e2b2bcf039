"""Shared fixtures: sphinx.testing for real builds, tmp git repositories for history, and
the shipped example repository for the command-line tests."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.history import Replayed, is_history_root, replay

pytest_plugins = ["sphinx.testing.fixtures"]

collect_ignore = ["roots", "corpus"]

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return Path(__file__).parent / "roots"


@pytest.fixture()
def replay_root(rootdir: Path, tmp_path: Path) -> Callable[..., Replayed]:
    """Replay the history root ``tests/roots/test-<name>`` into a new repository (by default
    ``tmp_path/<name>``; pass ``dest`` for a second copy). The root itself is never written."""

    def make(name: str, dest: Path | None = None) -> Replayed:
        root = rootdir / f"test-{name}"
        assert is_history_root(root), f"{root} has no history.toml"
        return replay(root, dest or tmp_path / name)

    return make


@pytest.fixture()
def copy_root(rootdir: Path, tmp_path: Path) -> Callable[..., Path]:
    """A writable copy of the static root ``tests/roots/test-<name>`` (by default in
    ``tmp_path/<name>``), outside any git repository as a user's unversioned project is."""

    def make(name: str, dest: Path | None = None) -> Path:
        root = rootdir / f"test-{name}"
        assert root.is_dir() and not is_history_root(root), f"{root}: not a static root"
        dest = dest or tmp_path / name
        shutil.copytree(root, dest, ignore=shutil.ignore_patterns("_build", "__pycache__"))
        return dest

    return make


def _testroot(request: pytest.FixtureRequest) -> str | None:
    for marker in request.node.iter_markers("sphinx"):
        if "testroot" in marker.kwargs:
            return str(marker.kwargs["testroot"])
    return None


@pytest.fixture()
def history(request: pytest.FixtureRequest, replay_root: Callable[..., Replayed]) -> Replayed:
    """The history root of the test's ``@pytest.mark.sphinx(testroot=...)``, replayed."""
    name = _testroot(request)
    assert name, "history needs @pytest.mark.sphinx(..., testroot=NAME)"
    return replay_root(name)


@pytest.fixture()
def app_params(app_params: Any, request: pytest.FixtureRequest, rootdir: Path) -> Any:
    """sphinx.testing's parameters, except that a history root is built from its replayed
    copy (``history``), never in place, and ``copy_test_root=True`` copies a static root
    into the test's own ``tmp_path`` (``copy_root``)."""
    name = _testroot(request)
    args, kwargs = app_params
    if name is None:
        return app_params
    if is_history_root(rootdir / f"test-{name}"):
        srcdir = request.getfixturevalue("history").srcdir
    elif kwargs.get("copy_test_root"):
        # a copy of its own for each test (sphinx.testing shares one per session)
        srcdir = request.getfixturevalue("copy_root")(name)
    else:
        return app_params
    kwargs = {**kwargs, "srcdir": srcdir, "builddir": srcdir / "_build"}
    return type(app_params)(args, kwargs)


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
