"""History roots: a test root whose code tree has a git history, kept as data and replayed
into a real repository in a tmp folder (layout and manifest: ``tests/roots/README.md``).

A history root is ``tests/roots/test-<name>/`` with a ``history.toml`` manifest and a
``history/`` folder of step folders, each the whole tree at one commit. Replaying commits
the steps in order with fixed names and dates (``tests/gitutil``), so shas are stable; then
the root's own pages (``conf.py`` and the files beside the manifest) are copied into the
Sphinx source folder of the replayed tree, uncommitted, as a user's checkout has them.
"""

from __future__ import annotations

import os
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.gitutil import Repo, git

MANIFEST = "history.toml"
STEPS = "history"
WORKTREE = "worktree"
# what sits beside the manifest but is not a page of the Sphinx source folder
_NOT_PAGES = {MANIFEST, STEPS, WORKTREE, "__pycache__"}
_COMMIT_KEYS = {"tree", "message", "date", "tags"}
_TOP_KEYS = {"srcdir", "commit", "worktree", "remotes"}


def commit_date(n: int) -> str:
    """The date of the ``n``-th commit (1-based) unless the manifest gives one: day ``n`` of
    October 2025, as ``tests.gitutil.Repo.commit`` dates its commits."""
    return f"2025-10-{n:02d}T03:00:00+00:00"


@dataclass
class Replayed:
    """A history root replayed: the repository (a ``tests.gitutil.Repo``: tests may write,
    commit and run git in it; its next commit is dated the day after the last replayed
    one), the Sphinx source folder in it, and the sha of each step (by step folder name)."""

    repo: Repo
    srcdir: Path
    shas: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.repo.path


def is_history_root(root: Path) -> bool:
    return (root / MANIFEST).is_file()


def load_manifest(root: Path) -> dict[str, Any]:
    """The manifest, checked: unknown keys and step folders missing on either side are errors
    (a typo must not silently replay another history)."""
    with (root / MANIFEST).open("rb") as fh:
        data = tomllib.load(fh)
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ValueError(f"{root / MANIFEST}: unknown keys {sorted(unknown)}")
    commits = data.get("commit", [])
    if not commits:
        raise ValueError(f"{root / MANIFEST}: no [[commit]]")
    for entry in commits:
        bad = set(entry) - _COMMIT_KEYS
        if bad or "tree" not in entry or "message" not in entry:
            raise ValueError(f"{root / MANIFEST}: [[commit]] {entry!r}: needs tree and message")
        if not (root / STEPS / entry["tree"]).is_dir():
            raise ValueError(f"{root / MANIFEST}: no step folder {STEPS}/{entry['tree']}")
    named = {entry["tree"] for entry in commits}
    stray = {p.name for p in (root / STEPS).iterdir()} - named
    if stray:
        raise ValueError(f"{root / MANIFEST}: step folders without a [[commit]]: {sorted(stray)}")
    return data


def _copy_tree(src: Path, dest: Path) -> None:
    shutil.copytree(
        src, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"), symlinks=True
    )


def _clear(path: Path) -> None:
    """Delete the working tree (everything but ``.git``)."""
    for child in path.iterdir():
        if child.name == ".git":
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def replay(root: Path, dest: Path) -> Replayed:
    """Replay the history root ``root`` into a new repository at ``dest``."""
    manifest = load_manifest(root)
    repo = Repo(dest)
    for name, url in manifest.get("remotes", {}).items():
        repo.git("remote", "add", name, url)
    shas: dict[str, str] = {}
    for n, entry in enumerate(manifest["commit"], start=1):
        _clear(dest)
        _copy_tree(root / STEPS / entry["tree"], dest)
        date = entry.get("date", commit_date(n))
        git(dest, "add", "-A")
        git(dest, "commit", "-q", "--allow-empty", "-m", entry["message"], date=date)
        for tag in entry.get("tags", []):
            repo.git("tag", tag)
        shas[entry["tree"]] = repo.git("rev-parse", "HEAD")
    repo.day = len(manifest["commit"])
    worktree = manifest.get("worktree", {})
    if set(worktree) - {"remove"}:
        raise ValueError(f"{root / MANIFEST}: [worktree] takes only remove")
    for rel in worktree.get("remove", []):
        repo.remove(rel)
    if (root / WORKTREE).is_dir():
        _copy_tree(root / WORKTREE, dest)
    # normalised, not resolved: "../docs" stands beside the repository
    srcdir = Path(os.path.normpath(dest / manifest.get("srcdir", "docs")))
    srcdir.mkdir(parents=True, exist_ok=True)
    for page in sorted(root.iterdir()):
        if page.name in _NOT_PAGES:
            continue
        if page.is_dir():
            _copy_tree(page, srcdir / page.name)
        else:
            shutil.copy2(page, srcdir / page.name)
    return Replayed(repo, srcdir, shas)
