"""Replay the shipped example project (``examples/ptychopinn``) into a throwaway git repository.

The example's history is real git history, but it is rebuilt from the snapshot folders listed in
``history.toml`` rather than taken from this repository's own history (which a shallow clone or a
source archive does not have): each snapshot replaces the whole work tree and is committed with a
fixed identity and date, with global and system git configuration switched off, so the commit
shas are the same on every machine. An optional ``[worktree]`` folder is copied on top of the last
commit and left uncommitted. A digest of the snapshot folders (plus a fingerprint of the work tree
that was left behind, and HEAD) is stored in ``.git/ptyplan-example-digest``; while the digest
and HEAD still match nothing is rebuilt, so calling :func:`build_example_repo` on every docs
build costs a few milliseconds, and edits of the work tree (a live preview, a written report)
survive it. ``reset=True`` (``--reset``) also requires the work tree exactly as built.

Usage from ``docs/conf.py`` (with ``docs/`` on ``sys.path``)::

    from example_repo import build_example_repo
    ptyplan_root = str(build_example_repo(Path(__file__).parent / "_build" / "example-repo"))
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_SOURCE",
    "DIGEST_FILE",
    "ExampleCommit",
    "ExampleHistory",
    "ExampleRepoError",
    "build_example_repo",
    "load_history",
    "source_digest",
]

#: The example shipped with this repository.
DEFAULT_SOURCE = Path(__file__).resolve().parent.parent / "examples" / "ptychopinn"
#: Name of the marker file inside ``dest/.git`` that records what was built.
DIGEST_FILE = "ptyplan-example-digest"
#: Bump when the way the repository is built changes (forces a rebuild everywhere).
_BUILDER_VERSION = "ptyplan-example/1"
_HISTORY_FILE = "history.toml"
_SKIP_NAMES = frozenset({".git", "__pycache__", ".DS_Store", ".pytest_cache", ".mypy_cache"})
_SKIP_SUFFIXES = (".pyc", ".pyo")
_TAG_RE = re.compile(r"^(?!-)(?!.*\.\.)(?!.*\.lock$)[A-Za-z0-9][A-Za-z0-9._/-]*$")
_BRANCH = "main"
_GIT_CONFIG = (
    # git reads ~/.config/git/ignore and ~/.config/git/attributes even without a global config
    # file; a personal ignore or eol/filter attribute would change what is committed.
    f"core.excludesFile={os.devnull}",
    f"core.attributesFile={os.devnull}",
    "core.autocrlf=false",
    "core.safecrlf=false",
    "core.fileMode=true",
    "commit.gpgSign=false",
    "tag.gpgSign=false",
    "gc.auto=0",
    f"init.defaultBranch={_BRANCH}",
)


class ExampleRepoError(RuntimeError):
    """The example history is malformed, git failed, or ``dest`` is not ours to replace."""


@dataclass(frozen=True, slots=True)
class ExampleCommit:
    """One commit of the example: a snapshot folder, its message, its fixed date, a tag."""

    snapshot: Path
    message: str
    date: str
    tag: str | None = None


@dataclass(frozen=True, slots=True)
class ExampleHistory:
    """The ordered commits, the uncommitted overlay (if any) and the fixed identity."""

    commits: tuple[ExampleCommit, ...]
    worktree: Path | None = None
    name: str = "Plan Author"
    email: str = "author@example.org"


def _inside(source: Path, rel: object, what: str) -> Path:
    if not isinstance(rel, str) or not rel:
        raise ExampleRepoError(f"{what}: 'snapshot' must be a non-empty string")
    path = (source / rel).resolve()
    if not path.is_relative_to(source.resolve()):
        raise ExampleRepoError(f"{what}: snapshot {rel!r} is outside {source}")
    if not path.is_dir():
        raise ExampleRepoError(f"{what}: snapshot folder {rel!r} does not exist")
    return path


def load_history(source: Path = DEFAULT_SOURCE) -> ExampleHistory:
    """Read and validate ``source/history.toml``.

    :raises ExampleRepoError: missing or malformed file, missing snapshot folder, bad tag.
    """
    try:
        raw = tomllib.loads((source / _HISTORY_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ExampleRepoError(f"cannot read {source / _HISTORY_FILE}: {exc}") from exc
    entries = raw.get("commit")
    if not isinstance(entries, list) or not entries:
        raise ExampleRepoError(f"{source / _HISTORY_FILE}: no [[commit]] entries")
    commits: list[ExampleCommit] = []
    tags: set[str] = set()
    for i, entry in enumerate(entries, 1):
        what = f"{_HISTORY_FILE} commit #{i}"
        if not isinstance(entry, dict):
            raise ExampleRepoError(f"{what}: not a table")
        message, date, tag = entry.get("message"), entry.get("date"), entry.get("tag")
        if not isinstance(message, str) or not message.strip():
            raise ExampleRepoError(f"{what}: 'message' must be a non-empty string")
        if not isinstance(date, str) or not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", date):
            raise ExampleRepoError(f"{what}: 'date' must be an ISO 8601 date-time")
        if tag is not None and (not isinstance(tag, str) or not _TAG_RE.match(tag) or tag in tags):
            raise ExampleRepoError(f"{what}: bad or duplicate tag {tag!r}")
        if tag is not None:
            tags.add(tag)
        snapshot = _inside(source, entry.get("snapshot"), what)
        commits.append(ExampleCommit(snapshot, message.strip(), date, tag))
    worktree = None
    if "worktree" in raw:
        table = raw["worktree"]
        if not isinstance(table, dict):
            raise ExampleRepoError(f"{_HISTORY_FILE} [worktree]: not a table")
        worktree = _inside(source, table.get("snapshot"), f"{_HISTORY_FILE} [worktree]")
    identity = raw.get("identity", {})
    name = identity.get("name", "Plan Author") if isinstance(identity, dict) else "Plan Author"
    email = (
        identity.get("email", "author@example.org")
        if isinstance(identity, dict)
        else "author@example.org"
    )
    return ExampleHistory(tuple(commits), worktree, str(name), str(email))


def _files(folder: Path) -> list[tuple[str, Path]]:
    """Regular files below ``folder`` as sorted ``(posix relpath, path)``; symlinks are skipped."""
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in _SKIP_NAMES and not os.path.islink(os.path.join(dirpath, d))
        )
        base = Path(dirpath)
        for name in filenames:
            if name in _SKIP_NAMES or name.endswith(_SKIP_SUFFIXES):
                continue
            path = base / name
            if path.is_symlink() or not path.is_file():
                continue
            found.append((path.relative_to(folder).as_posix(), path))
    found.sort()
    return found


def source_digest(source: Path = DEFAULT_SOURCE, history: ExampleHistory | None = None) -> str:
    """A sha256 over the builder version, ``history.toml`` and every snapshot file's content."""
    history = history or load_history(source)
    h = hashlib.sha256(_BUILDER_VERSION.encode())
    h.update((source / _HISTORY_FILE).read_bytes())
    folders = [c.snapshot for c in history.commits]
    if history.worktree is not None:
        folders.append(history.worktree)
    for folder in folders:
        h.update(b"\0dir\0" + folder.name.encode())
        for rel, path in _files(folder):
            data = path.read_bytes()
            h.update(b"\0f\0%s\0%d\0" % (rel.encode(), len(data)))
            h.update(data)
    return h.hexdigest()


def _tree_fingerprint(dest: Path) -> str:
    """Cheap stat fingerprint of the work tree (everything but ``.git``): paths, sizes, mtimes."""
    h = hashlib.sha256()
    for rel, path in _files(dest):
        st = path.stat()
        h.update(b"%s\0%d\0%d\n" % (rel.encode(), st.st_size, st.st_mtime_ns))
    return h.hexdigest()


def _read_head(gitdir: Path) -> str | None:
    """The commit sha HEAD points at, read from the ref files (no subprocess)."""
    try:
        head = (gitdir / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: "):
            return head or None
        ref = head[5:]
        loose = gitdir / ref
        if loose.is_file():
            return loose.read_text(encoding="utf-8").strip() or None
        packed = gitdir / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                sha, _, name = line.partition(" ")
                if name == ref:
                    return sha
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _marker(digest: str, dest: Path) -> str:
    return f"{digest}\n{_tree_fingerprint(dest)}\n{_read_head(dest / '.git')}\n"


def _is_current(dest: Path, digest: str, *, pristine: bool = False) -> bool:
    """Whether ``dest`` holds the history of ``digest``. Edits of its work tree (a changed
    module, a written report) keep it current, so a live preview of the example can edit
    it; ``pristine`` also asks for the work tree exactly as built."""
    try:
        stored = (dest / ".git" / DIGEST_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if pristine:
        return stored.split("\n", 1)[0] == digest and stored == _marker(digest, dest)
    lines = stored.split("\n")
    head = _read_head(dest / ".git")
    return len(lines) >= 3 and lines[0] == digest and head is not None and lines[2] == head


def _git_env(history: ExampleHistory) -> dict[str, str]:
    # Drop every GIT_* variable: inside a git hook GIT_DIR/GIT_INDEX_FILE/GIT_WORK_TREE would
    # otherwise point our commands at the enclosing repository; GIT_CONFIG_* could inject config.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": history.name,
            "GIT_AUTHOR_EMAIL": history.email,
            "GIT_COMMITTER_NAME": history.name,
            "GIT_COMMITTER_EMAIL": history.email,
            "GIT_TERMINAL_PROMPT": "0",
            "LC_ALL": "C",
        }
    )
    return env


def _run_git(repo: Path, env: dict[str, str], *args: str) -> str:
    cmd = ["git"]
    for item in _GIT_CONFIG:
        cmd += ["-c", item]
    cmd += list(args)
    try:
        out = subprocess.run(
            cmd, cwd=repo, env=env, capture_output=True, text=True, check=False, timeout=60
        )
    except FileNotFoundError as exc:
        raise ExampleRepoError("git executable not found; cannot build the example repo") from exc
    except subprocess.TimeoutExpired as exc:
        raise ExampleRepoError(f"git {' '.join(args[:1])} timed out") from exc
    if out.returncode != 0:
        raise ExampleRepoError(f"git {' '.join(args[:2])} failed: {out.stderr.strip()}")
    return out.stdout.strip()


def _replace_tree(work: Path, snapshot: Path) -> None:
    for child in work.iterdir():
        if child.name == ".git":
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    _overlay(work, snapshot)


def _overlay(work: Path, snapshot: Path) -> None:
    for rel, path in _files(snapshot):
        target = work / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        shutil.copyfile(path, target)  # content only: no mode bits, so git sees 100644


def _build(work: Path, history: ExampleHistory) -> None:
    env = _git_env(history)
    work.mkdir(parents=True)
    _run_git(work, env, "init", "-q", "--template=", "-b", _BRANCH)
    for commit in history.commits:
        _replace_tree(work, commit.snapshot)
        _run_git(work, env, "add", "-A")
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = commit.date
        _run_git(work, env, "commit", "-q", "--no-verify", "--allow-empty", "-m", commit.message)
        if commit.tag:
            _run_git(work, env, "tag", commit.tag)
    if history.worktree is not None:
        _overlay(work, history.worktree)


def _rmtree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def build_example_repo(
    dest: Path, *, source: Path = DEFAULT_SOURCE, reset: bool = False
) -> Path:
    """(Re)create ``dest`` as a git repository replaying the example's history; return ``dest``.

    Nothing is done when ``dest`` already holds the same history at the same HEAD: edits of
    its work tree (a module changed for a live preview, a report written into it) survive
    the next docs build. A changed snapshot folder, a new commit in ``dest``, or ``reset``
    (the work tree must be exactly as built) replays the history: the repository is built in
    a sibling folder and moved into place, replacing the previous build. A ``dest`` that is
    neither empty nor a previous build is never deleted.

    :param dest: where the repository goes (created with its parents).
    :param source: the example folder holding ``history.toml`` and the snapshot folders.
    :param reset: replay unless the work tree is untouched (throws edits away).
    :returns: ``dest`` as an absolute path.
    :raises ExampleRepoError: malformed history, git missing or failing, or a foreign ``dest``.
    """
    dest = Path(dest).absolute()
    source = Path(source)
    history = load_history(source)
    digest = source_digest(source, history)
    if _is_current(dest, digest, pristine=reset):
        return dest
    if dest.exists() and (
        not dest.is_dir() or (any(dest.iterdir()) and not (dest / ".git" / DIGEST_FILE).is_file())
    ):
        raise ExampleRepoError(f"refusing to replace {dest}: it is not an example repository")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = dest.parent / f".{dest.name}.building-{os.getpid()}"
    _rmtree(work)
    try:
        _build(work, history)
        (work / ".git" / DIGEST_FILE).write_text(_marker(digest, work), encoding="utf-8")
        if _is_current(dest, digest, pristine=reset):  # another process built it first
            return dest
        _rmtree(dest)
        os.replace(work, dest)
    finally:
        _rmtree(work)
    return dest


def main(argv: list[str] | None = None) -> int:
    """``python docs/example_repo.py [--reset] DEST``: build the example repository (with
    ``--reset``: throw away edits of its work tree) and print HEAD."""
    args = list(sys.argv[1:] if argv is None else argv)
    reset = "--reset" in args
    if reset:
        args.remove("--reset")
    if len(args) != 1:
        print("usage: example_repo.py [--reset] DEST", file=sys.stderr)
        return 2
    try:
        dest = build_example_repo(Path(args[0]), reset=reset)
    except ExampleRepoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{_read_head(dest / '.git')} {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
