"""Build real git repositories in tmp dirs with fixed names and dates, so shas are stable."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

_ENV_BASE = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Plan Author",
    "GIT_AUTHOR_EMAIL": "author@example.org",
    "GIT_COMMITTER_NAME": "Plan Author",
    "GIT_COMMITTER_EMAIL": "author@example.org",
    "LC_ALL": "C",
}


def git_env(date: str = "2025-10-17T03:00:00+00:00") -> dict[str, str]:
    env = dict(os.environ)
    env.update(_ENV_BASE)
    env["GIT_AUTHOR_DATE"] = date
    env["GIT_COMMITTER_DATE"] = date
    return env


def git(repo: Path, *args: str, date: str = "2025-10-17T03:00:00+00:00") -> str:
    """Run git in ``repo`` with a fixed identity and date; return stdout."""
    out = subprocess.run(
        ["git", *args], cwd=repo, env=git_env(date), check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


class Repo:
    """A scripted repository: write files, commit them with fixed dates (one day apart)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.mkdir(parents=True, exist_ok=True)
        self.day = 0
        git(path, "init", "-q", "-b", "main")

    def write(self, rel: str, text: str | bytes) -> Path:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text, encoding="utf-8")
        return p

    def remove(self, rel: str) -> None:
        p = self.path / rel
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink()

    def move(self, old: str, new: str) -> None:
        dst = self.path / new
        dst.parent.mkdir(parents=True, exist_ok=True)
        (self.path / old).rename(dst)

    def commit(self, message: str) -> str:
        """Stage everything and commit; return the full sha."""
        self.day += 1
        date = f"2025-10-{self.day:02d}T03:00:00+00:00"
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--allow-empty", "-m", message, date=date)
        return git(self.path, "rev-parse", "HEAD")

    def git(self, *args: str) -> str:
        return git(self.path, *args)


def without_config(args: list[str]) -> list[str]:
    """A git command line as spawned, without the ``-c key=value`` pairs of our neutral
    configuration (so tests can look at the command and its arguments)."""
    out = args[:1]
    i = 1
    while i < len(args) and args[i] == "-c":
        i += 2
    return out + args[i:]
