"""The one door to git: revisions, diffs, blobs, blame and path histories (via GitPython)."""

from __future__ import annotations

import bisect
import contextlib
import difflib
import hashlib
import os
import posixpath
import re
import stat
import subprocess
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Literal

from sphinx_ptyplan.core.models import CommitInfo, FindingCode, PathStory
from sphinx_ptyplan.core.paths import PathRefused, confine, rel_posix
from sphinx_ptyplan.core.sources.gitignore import IgnoreChecker, stop

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    import git

__all__ = [
    "Change",
    "CommitInfo",
    "GitError",
    "GitRepo",
    "LineMap",
    "PathStory",
    "revision_fingerprints",
    "validate_revision",
]

_SHALLOW_FIX = (
    "this is a shallow clone lacking that history: run `git fetch --unshallow` locally, "
    "or set `fetch-depth: 0` on the actions/checkout step in GitHub Actions"
)
# stderr fragments (LC_ALL=C) that mean the object database lacks objects it should have.
_MISSING_MARKERS = (
    "could not read",
    "unable to read",
    "bad object",
    "failed to traverse",
    "missing blob",
    "missing tree",
    "missing commit",
    "corrupt",
    "invalid object",
    "promisor",
    "lazy fetch",
)
# Environment for every git we run: never take optional locks (we only read, others may be
# committing), literal pathspecs (paths come from documents), no prompts, no network fetches,
# no global or system configuration (see _neutral_env), no replace refs, no pager.
_GIT_ENV = {
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_LITERAL_PATHSPECS": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_NO_LAZY_FETCH": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_ATTR_NOSYSTEM": "1",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_PAGER": "cat",
    # trace2 targets set in the user's configuration write files (the environment wins)
    "GIT_TRACE2": "0",
    "GIT_TRACE2_EVENT": "0",
    "GIT_TRACE2_PERF": "0",
    "PAGER": "cat",
    "LC_ALL": "C",
    "LANGUAGE": "C",
}
# Configuration given on the command line of every git we run (it wins over the repository's
# own .git/config): nothing that runs a program, and every setting that changes what a
# diff, a blame or a log prints fixed to git's default. Filter drivers named in the
# repository's config are emptied per name (_driver_overrides); textconv and external diffs
# are refused per command as well (_DIFF_OPTS, blame --no-textconv).
_NEUTRAL_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.pager", "cat"),
    ("core.attributesFile", os.devnull),
    ("core.quotePath", "true"),
    ("core.bigFileThreshold", "512m"),
    ("core.untrackedCache", "false"),
    ("color.ui", "never"),
    ("diff.noprefix", "false"),
    ("diff.mnemonicPrefix", "false"),
    ("diff.relative", "false"),
    ("diff.renames", "true"),
    ("diff.renameLimit", "1000"),
    ("diff.algorithm", "myers"),
    ("diff.indentHeuristic", "true"),
    ("diff.interHunkContext", "0"),
    ("diff.context", "3"),
    ("diff.suppressBlankEmpty", "false"),
    ("diff.colorMoved", "no"),
    ("diff.ignoreSubmodules", "none"),
    ("blame.coloring", "none"),
    ("blame.markUnblamableLines", "false"),
    ("blame.markIgnoredLines", "false"),
    ("blame.showRoot", "false"),
    ("blame.blankBoundary", "false"),
    ("log.showSignature", "false"),
    ("log.follow", "false"),
    ("i18n.logOutputEncoding", "UTF-8"),
    ("protocol.allow", "never"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
)
# Keys taken over from the user's global or system configuration (ignored otherwise): which
# repositories they trust, what they ignore, and how their checkout converts line ends.
# None of them runs a program.
_CARRIED = ("safe.directory", "core.excludesfile", "core.autocrlf", "core.eol")
_DRIVER_KEY = re.compile(r"filter\.(.+)\.(?:clean|smudge|process|required)|diff\.(.+)\.[a-z]+")
_DIFF_OPTS = (
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--diff-algorithm=myers",
    "--indent-heuristic",
    "--inter-hunk-context=0",
)
_PAIR_BYTES = 64 * 1024 * 1024  # at most this much untracked content is hashed per changes()
_MAX_ORIGIN_FOLDERS = 200  # more folders that lost files: widen the rename search to the root


class GitError(Exception):
    """Git could not answer; ``code`` says why, ``message`` says what to do."""

    CODES = (
        FindingCode.NO_GIT,
        FindingCode.NOT_A_REPO,
        FindingCode.UNSAFE_REVISION,
        FindingCode.UNKNOWN_REVISION,
        FindingCode.SHALLOW,
        FindingCode.MISSING_OBJECTS,
        FindingCode.FAILED,
    )

    def __init__(self, code: FindingCode, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- revisions

_REV_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._/-]*")
_REV_SUFFIX = re.compile(r"(?:\^[0-9]*|~[0-9]*)*")
_REV_HINT = "use a commit sha, a branch or tag name, optionally followed by ^, ^N or ~N"


def validate_revision(rev: str) -> str:
    """Return the stripped revision ``rev`` if it is safe to hand to git.

    Revisions come from documents and are untrusted: anything that could be read as an
    option, a range, a reflog/pathspec expression or shell syntax is refused.

    :raises GitError: with code ``"unsafe-revision"``.
    """

    def refuse(why: str) -> GitError:
        return GitError(
            FindingCode.UNSAFE_REVISION, f"refusing revision {rev!r}: {why}; {_REV_HINT}"
        )

    if not isinstance(rev, str):
        raise refuse("not a string")
    text = rev.strip()
    if not text:
        raise refuse("empty")
    if len(text) > 255:
        raise refuse("too long")
    if text.startswith("-"):
        raise refuse("starts with '-' (would be read as an option)")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise refuse("contains whitespace or control characters")
    if ".." in text:
        raise refuse("contains '..' (ranges and parent paths are not revisions)")
    if "@{" in text:
        raise refuse("contains '@{' (reflog expressions are not allowed)")
    bad = sorted(set(text) & set(";|&`$<>()\\'\"*?[]{}:!#%,=+@"))
    if bad:
        raise refuse(f"contains {''.join(bad)!r}")
    name = _REV_NAME.match(text)
    if name is None or _REV_SUFFIX.fullmatch(text, name.end()) is None:
        raise refuse("not of the form NAME[^|^N|~N]...")
    base = name.group()
    parts = base.split("/")
    if any(not p or p.startswith(".") or p.endswith(".lock") for p in parts) or base.endswith("."):
        raise refuse("not a valid ref name")
    return text


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Change:
    """One entry of ``git diff --name-status -M``; paths are root-relative POSIX."""

    status: str  # "A" | "D" | "M" | "R" | "C" | "T"
    path: str  # the new path (the only path for A/D/M/T)
    old_path: str | None = None  # for R and C
    similarity: int | None = None  # for R and C (0..100)


@dataclass(frozen=True)
class LineMap:
    """How the lines of ``path`` at ``commit`` map to the working tree (1-based lines).

    ``hunks`` are the ``-U0`` hunks ``(old_start, old_count, new_start, new_count)``.
    """

    path: str
    commit: str
    new_path: str | None
    old_lines: tuple[str, ...] | None
    hunks: tuple[tuple[int, int, int, int], ...] = ()
    all_changed: bool = False  # binary files: nothing can be mapped
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _ends: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _shifts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts: list[int] = []
        ends: list[int] = []
        shifts: list[int] = []
        total = 0
        for a, b, _c, d in sorted(self.hunks):
            start = a if b else a + 1
            starts.append(start)
            ends.append(a + b if b else start)
            total += d - b
            shifts.append(total)
        object.__setattr__(self, "_starts", tuple(starts))
        object.__setattr__(self, "_ends", tuple(ends))
        object.__setattr__(self, "_shifts", tuple(shifts))

    def old_text(self, n: int) -> str | None:
        """Line ``n`` of the file as of the commit (without its newline)."""
        if self.old_lines is None or not 1 <= n <= len(self.old_lines):
            return None
        return self.old_lines[n - 1]

    def map(self, n: int) -> int | None:
        """The working-tree line number of old line ``n``, or None if changed or deleted."""
        if self.new_path is None or self.all_changed or self.old_lines is None:
            return None
        if not 1 <= n <= len(self.old_lines):
            return None
        i = bisect.bisect_right(self._starts, n) - 1
        if i < 0:
            return n
        if n < self._ends[i]:
            return None
        return n + self._shifts[i]

    def map_range(self, a: int, b: int) -> tuple[int, int] | None:
        """New ``(a, b)`` when lines ``a..b`` are all unchanged and still contiguous."""
        if b < a:
            return None
        new_a = self.map(a)
        new_b = self.map(b)
        if new_a is None or new_b is None or new_b - new_a != b - a:
            return None
        if any(self.map(n) is None for n in range(a + 1, b)):
            return None
        return (new_a, new_b)


# --------------------------------------------------------------------------- helpers


_IMPORT_LOCK = threading.Lock()


def _import_git() -> Any:
    """GitPython, imported in the neutral environment: its import runs ``git version``
    twice (``git.refresh``) with ``os.environ`` as it stands, where an exported
    ``GIT_TRACE`` or a ``trace2.*`` target in the user's configuration would be obeyed.
    The process environment is neutral (:func:`_neutral_env`) for the import only."""
    import sys

    loaded = sys.modules.get("git")
    if loaded is not None and hasattr(loaded, "Git"):
        return loaded
    with _IMPORT_LOCK:
        saved = dict(os.environ)
        neutral = _neutral_env()
        try:
            for key in [k for k in os.environ if k not in neutral]:
                del os.environ[key]
            os.environ.update(neutral)
            import git as gitmod
        except ImportError as exc:  # GitPython raises ImportError when it finds no git
            # its submodules stay loaded: a later import would get a package without them
            for name in [m for m in sys.modules if m.startswith("git.")]:
                del sys.modules[name]
            raise GitError(
                FindingCode.NO_GIT,
                "no usable git executable: install git, put it on PATH or set "
                f"GIT_PYTHON_GIT_EXECUTABLE ({str(exc).splitlines()[0] if str(exc) else exc!r})",
            ) from exc
        finally:
            for key in [k for k in os.environ if k not in saved]:
                del os.environ[key]
            os.environ.update(saved)
    return gitmod


def _dec(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _enc(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _classify(stderr: str, default: FindingCode = FindingCode.FAILED) -> FindingCode:
    low = stderr.lower()
    if any(m in low for m in _MISSING_MARKERS):
        return FindingCode.MISSING_OBJECTS
    return default


def _clean_path(path: str) -> str | None:
    """Normalise a root-relative POSIX path; None when it is unusable for git."""
    if not path or "\x00" in path or "\n" in path:
        return None
    text = path.strip().replace("\\", "/")
    if text.startswith("/"):
        return None
    norm = posixpath.normpath(text)
    if norm == ".":
        return ""
    if norm == ".." or norm.startswith("../"):
        return None
    return norm


def _within(rel: str, folders: Sequence[str]) -> bool:
    """Is the root-relative ``rel`` one of ``folders`` (files too) or inside one of them?"""
    return any(rel == f or rel.startswith(f.rstrip("/") + "/") for f in folders)


def _former_names(changes: Sequence[Change], wanted: Sequence[str]) -> list[str]:
    """Earlier names of the ``wanted`` folders: ``old/`` when ``old/x`` was renamed to
    ``wanted/x`` (so a file deleted from ``old/`` is a removal from the renamed folder)."""
    former: dict[str, None] = {}
    for c in changes:
        if c.status != "R" or c.old_path is None or _within(c.old_path, wanted):
            continue
        for w in wanted:
            folder = w.rstrip("/") + "/"
            if not c.path.startswith(folder):
                continue
            rest = "/" + c.path[len(folder) :]
            if c.old_path.endswith(rest) and len(c.old_path) > len(rest):
                former[c.old_path[: -len(rest)]] = None
    return list(former)


def _count_lines(data: bytes) -> int:
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _split_lines(data: bytes) -> tuple[str, ...]:
    text = data.decode("utf-8", "replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return tuple(line[:-1] if line.endswith("\r") else line for line in lines)


_OCTAL = re.compile(rb"\\([0-7]{3}|.)", re.S)
_C_ESCAPES = {b"n": b"\n", b"t": b"\t", b'"': b'"', b"\\": b"\\", b"a": b"\a", b"b": b"\b"}
_C_ESCAPES.update({b"f": b"\f", b"r": b"\r", b"v": b"\v"})


def _unquote(raw: bytes) -> bytes:
    """Undo git's C-style quoting of a path in patch headers."""
    if len(raw) >= 2 and raw.startswith(b'"') and raw.endswith(b'"'):

        def sub(m: re.Match[bytes]) -> bytes:
            esc = m.group(1)
            if len(esc) == 3:
                return bytes([int(esc, 8)])
            return _C_ESCAPES.get(esc, esc)

        return _OCTAL.sub(sub, raw[1:-1])
    return raw


def _header_path(raw: bytes) -> bytes:
    """The path of a ``---``/``+++`` line (git appends a TAB to names with spaces)."""
    if raw.startswith(b'"'):
        return _unquote(raw)
    return raw[:-1] if raw.endswith(b"\t") else raw


def _blob_id(data: bytes, hexlen: int) -> str:
    algo = hashlib.sha256 if hexlen == 64 else hashlib.sha1
    return algo(b"blob %d\x00" % len(data) + data).hexdigest()


_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


# --------------------------------------------------------------------------- neutral git


def _git_exe() -> str:
    """The git executable: GitPython's when it is loaded, else $GIT_PYTHON_GIT_EXECUTABLE."""
    import sys

    gitmod = sys.modules.get("git")
    exe = getattr(getattr(gitmod, "Git", None), "GIT_PYTHON_GIT_EXECUTABLE", None)
    return str(exe or os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") or "git")


def _neutral_env(keep: Sequence[str] = ()) -> dict[str, str]:
    """Our environment with every inherited ``GIT_*`` variable removed (git sets GIT_DIR,
    GIT_INDEX_FILE, ... for hooks; users export GIT_TRACE, GIT_DIFF_OPTS, GIT_EXTERNAL_DIFF,
    GIT_CONFIG_PARAMETERS ...), except GitPython's own and the names in ``keep``, then
    :data:`_GIT_ENV` on top."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith("GIT_") or k.startswith("GIT_PYTHON_") or k in keep
    }
    env.update(_GIT_ENV)
    for k in keep:
        if k in os.environ:
            env[k] = os.environ[k]
        else:
            env.pop(k, None)
    return env


def _config_args(pairs: Sequence[tuple[str, str]]) -> list[str]:
    args: list[str] = []
    for key, value in pairs:
        args += ["-c", f"{key}={value}"]
    return args


@dataclass(frozen=True)
class _Neutral:
    """The one recipe for running git: ``[exe, *prefix, command, ...]`` with ``env``.

    ``env`` is complete (meant for ``subprocess``); :meth:`for_gitpython` is the same for
    GitPython, which always starts from ``os.environ``: there an inherited variable is
    cleared by setting it empty (git reads an empty value as unset) or to its real value.
    """

    exe: str
    env: dict[str, str]
    prefix: tuple[str, ...]

    def command(self, *args: str) -> list[str]:
        return [self.exe, *self.prefix, *args]

    def with_repository(self, paths: dict[str, str]) -> _Neutral:
        return _Neutral(self.exe, {**self.env, **paths}, self.prefix)

    def for_gitpython(self) -> dict[str, str]:
        env = dict(self.env)
        for k in os.environ:
            if k.upper().startswith("GIT_") and k not in env:
                env[k] = _GITPYTHON_CLEARED.get(k, "")
        return env


# Inherited variables that an empty value would not clear (GitPython path only).
_GITPYTHON_CLEARED = {"GIT_CONFIG_COUNT": "0", "GIT_IMPLICIT_WORK_TREE": "1"}


def _read_user_config(exe: str, root: Path) -> list[tuple[str, str, str]]:
    """``(scope, key, value)`` of the configuration git would read in ``root`` as the user
    has it (global and system included): the only git process that sees them, and it only
    lists them (listing configuration runs nothing)."""
    env = _neutral_env(keep=("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM"))
    try:
        proc = subprocess.run(
            [exe, "config", "-z", "--list", "--show-scope"],
            cwd=root,
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except FileNotFoundError as exc:
        raise GitError(
            FindingCode.NO_GIT, f"cannot run git ({exe!r}): {exc}; install git or fix PATH"
        ) from exc
    except (OSError, subprocess.SubprocessError):
        return []
    return _parse_config_list(proc.stdout)


def _parse_config_list(out: bytes) -> list[tuple[str, str, str]]:
    entries: list[tuple[str, str, str]] = []
    tokens = out.split(b"\x00")
    i = 0
    while i + 1 < len(tokens):
        scope, item = _dec(tokens[i]), _dec(tokens[i + 1])
        i += 2
        key, _, value = item.partition("\n")
        entries.append((scope, key, value))
    return entries


def _neutral_git(root: Path, entries: Sequence[tuple[str, str, str]] | None = None) -> _Neutral:
    """The environment and ``-c`` prefix for git in ``root`` (see :data:`_NEUTRAL_CONFIG`).

    ``entries`` is the configuration as :func:`_read_user_config` lists it (read here when
    not given): the user's trusted folders and ignore file are carried over, and every
    filter or diff driver the repository's configuration defines is emptied by name.
    """
    exe = _git_exe()
    if entries is None:
        entries = _read_user_config(exe, root)
    pairs = list(_NEUTRAL_CONFIG)
    pairs += [(k, v) for scope, k, v in entries if scope == "command" and k == "safe.directory"]
    local = {k.lower() for scope, k, _ in entries if scope in ("local", "worktree")}
    for scope, key, value in entries:
        low = key.lower()
        carried = scope in ("global", "system") and low in _CARRIED
        if carried and (low == "safe.directory" or low not in local):
            pairs.append((low, value))
    pairs += _driver_overrides(k for scope, k, _ in entries if scope in ("local", "worktree"))
    return _Neutral(exe, _neutral_env(), tuple(_config_args(pairs)))


def _driver_overrides(keys: Iterator[str] | Sequence[str]) -> list[tuple[str, str]]:
    """Empty every filter driver and make every diff driver plain text detection: a driver
    named in .gitattributes is then one git does not run (textconv and external diffs are
    also refused per command)."""
    pairs: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for key in keys:
        m = _DRIVER_KEY.fullmatch(key)
        if m is None:
            continue
        kind, name = ("filter", m.group(1)) if m.group(1) is not None else ("diff", m.group(2))
        if (kind, name) in seen or "\n" in name or "=" in name:
            continue
        seen.add((kind, name))
        if kind == "filter":
            pairs += [(f"filter.{name}.{k}", "") for k in ("clean", "smudge", "process")]
            pairs.append((f"filter.{name}.required", "false"))
        else:
            pairs += [(f"diff.{name}.binary", "auto"), (f"diff.{name}.algorithm", "myers")]
    return pairs


def _local_config(neutral: _Neutral) -> list[tuple[str, str, str]]:
    """The repository's own configuration (``neutral`` names the repository explicitly)."""
    try:
        proc = subprocess.run(
            neutral.command("config", "-z", "--list", "--show-scope", "--local"),
            env=neutral.env,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return [e for e in _parse_config_list(proc.stdout) if e[0] in ("local", "worktree")]


def _excludes_file(entries: Sequence[tuple[str, str, str]]) -> str:
    """The ignore file git reads besides .gitignore and info/exclude: ``core.excludesFile``
    (the repository's, else the user's), by default ``$XDG_CONFIG_HOME/git/ignore``."""
    chosen: dict[str, str] = {}
    for scope, key, value in entries:
        if key.lower() == "core.excludesfile":
            chosen["local" if scope in ("local", "worktree") else "user"] = value
    found = chosen.get("local") or chosen.get("user")
    if found:
        return os.path.expanduser(found)
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(xdg, "git", "ignore")


@dataclass(frozen=True)
class _Found:
    """Where git found the repository of a root (absolute paths)."""

    workdir: Path
    git_dir: str
    paths: dict[str, str]  # GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE, ... for later commands
    shallow: bool
    hexlen: int
    info_exclude: str  # .git/info/exclude


def _discover(neutral: _Neutral, root: Path) -> _Found:
    """Find the work tree of ``root`` as git does from that folder (nothing inherited)."""
    if not root.is_dir():
        raise GitError(
            FindingCode.NOT_A_REPO,
            f"{root} is not inside a git work tree (no such folder); run `git init` there or "
            "set ptyplan_root to a folder of a git checkout",
        )
    args = [
        "rev-parse",
        "--path-format=absolute",
        "--is-bare-repository",
        "--is-inside-git-dir",
        "--absolute-git-dir",
        "--git-common-dir",
        "--git-path",
        "index",
        "--git-path",
        "objects",
        "--git-path",
        "shallow",
        "--git-path",
        "info/grafts",
        "--git-path",
        "info/exclude",
        "--is-shallow-repository",
        "--show-object-format",
        "--show-toplevel",
    ]
    try:
        proc = subprocess.run(
            neutral.command(*args),
            cwd=root,
            env=neutral.env,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (FileNotFoundError, PermissionError) as exc:
        raise GitError(
            FindingCode.NO_GIT, f"cannot run git ({neutral.exe!r}): {exc}; install git or fix PATH"
        ) from exc
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(FindingCode.FAILED, f"cannot run git rev-parse in {root}: {exc}") from exc
    lines = _dec(proc.stdout).split("\n")
    err = _dec(proc.stderr).strip()
    if lines and lines[0] == "true" or len(lines) > 1 and lines[1] == "true":
        raise GitError(
            FindingCode.NOT_A_REPO,
            f"{root} is in a bare repository or a .git folder, which has no work tree",
        )
    if proc.returncode != 0 or len(lines) < 12:
        if "dubious ownership" in err:
            raise GitError(
                FindingCode.NOT_A_REPO,
                f"git refuses the repository of {root}: {err} (add it with `git config "
                f"--global --add safe.directory PATH`)",
            )
        raise GitError(
            FindingCode.NOT_A_REPO,
            f"{root} is not inside a git work tree; run `git init` there or set "
            f"ptyplan_root to a folder of a git checkout ({err or 'no message'})",
        )
    git_dir, common, index, objects, shallow_file, grafts, exclude, shallow, fmt, top = lines[2:12]
    paths = {
        "GIT_DIR": git_dir,
        "GIT_WORK_TREE": top,
        "GIT_COMMON_DIR": common,
        "GIT_INDEX_FILE": index,
        "GIT_OBJECT_DIRECTORY": objects,
        "GIT_SHALLOW_FILE": shallow_file,
        "GIT_GRAFT_FILE": grafts,
    }
    hexlen = 64 if fmt == "sha256" else 40
    return _Found(Path(top).resolve(), git_dir, paths, shallow == "true", hexlen, exclude)


# --------------------------------------------------------------------------- cat-file


def revision_fingerprints(root: Path, revs: Sequence[str]) -> tuple[str | None, ...]:
    """Current commit shas of ``revs`` in the work tree of ``root`` (None where a revision
    is unusable, unknown or git fails), with ONE ``git cat-file --batch-check`` and no
    GitPython: the cheap check a no-change rebuild makes for every revision a page names.

    Revisions are validated first and reach git on stdin, never as arguments. The user's
    configuration is not even listed (that would be a second process): the lookup trusts the
    repository (``safe.directory=*``), which is safe for it because it only reads objects
    under the neutral configuration (no filters, no hooks, no fsmonitor).
    """
    names: list[str | None] = []
    for rev in revs:
        try:
            names.append(validate_revision(rev))
        except GitError:
            names.append(None)
    asked = [n for n in names if n is not None]
    if not asked:
        return tuple(None for _ in revs)
    try:
        neutral = _neutral_git(Path(root), [("command", "safe.directory", "*")])
        proc = subprocess.run(
            neutral.command("cat-file", "--batch-check"),
            input="".join(f"{n}^{{commit}}\n" for n in asked).encode(),
            cwd=root,
            env=neutral.env,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError, GitError):
        return tuple(None for _ in revs)
    lines = proc.stdout.decode("utf-8", "replace").splitlines()
    if proc.returncode != 0 or len(lines) != len(asked):
        return tuple(None for _ in revs)
    answers = iter(lines)
    out: list[str | None] = []
    for name in names:
        if name is None:
            out.append(None)
            continue
        parts = next(answers).split()
        ok = len(parts) == 3 and parts[1] == "commit" and re.fullmatch(r"[0-9a-f]{40,64}", parts[0])
        out.append(parts[0] if ok else None)
    return tuple(out)


#: Bytes of names written to the persistent cat-file before its answers are read: well
#: under any pipe's capacity (4 KiB is POSIX's PIPE_BUF, the smallest there is).
_PIPE_CHUNK = 3072


#: the log :meth:`GitRepo.doc_single_commits` reads: each commit's sha, then its files
_TOUCH_LOG = ("--name-status", "-z", "--no-show-signature", "--no-color", "--format=\x1e%H")


class _CatFile:
    """One persistent ``git cat-file --batch`` process (lazily started, fork-aware)."""

    def __init__(self, neutral: _Neutral, cwd: Path) -> None:
        self._neutral = neutral
        self._cwd = cwd
        self._proc: subprocess.Popen[bytes] | None = None
        self._err: IO[bytes] | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._pid == os.getpid() and self._proc.poll() is None:
            return self._proc
        if self._pid == os.getpid():
            self.close()
        else:  # inherited across fork: leave the parent's process alone
            self._proc = None
            self._err = None
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        try:
            self._proc = subprocess.Popen(
                self._neutral.command("cat-file", "--batch"),
                cwd=self._cwd,
                env=self._neutral.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._err,
            )
        except (FileNotFoundError, PermissionError) as exc:
            raise GitError(
                FindingCode.NO_GIT,
                f"cannot run git ({self._neutral.exe!r}): {exc}; install git or fix PATH",
            ) from exc
        self._pid = os.getpid()
        return self._proc

    def _stderr(self) -> str:
        if self._err is None:
            return ""
        self._err.seek(0)
        return _dec(self._err.read()).strip()

    def many(
        self, names: Sequence[str], *, contents: bool = True
    ) -> list[tuple[str | None, str, bytes | None]]:
        """:meth:`request` for many names with ONE short-lived ``git cat-file --batch``
        (all names written at once, the answers read in order: no round trip per name).
        Without ``contents`` (``--batch-check``) the content of each answer is None."""
        if not names:
            return []
        try:
            proc = subprocess.run(
                self._neutral.command("cat-file", "--batch" if contents else "--batch-check"),
                cwd=self._cwd,
                env=self._neutral.env,
                input=b"".join(_enc(n) + b"\n" for n in names),
                capture_output=True,
                check=False,
            )
        except (FileNotFoundError, PermissionError) as exc:
            raise GitError(
                FindingCode.NO_GIT, f"cannot run git: {exc}; install git or fix PATH"
            ) from exc
        out = proc.stdout
        result: list[tuple[str | None, str, bytes | None]] = []
        pos = 0
        for _name in names:
            nl = out.find(b"\n", pos)
            if nl < 0:
                raise GitError(_classify(_dec(proc.stderr)), "git cat-file output truncated")
            parts = out[pos:nl].split(b" ")
            pos = nl + 1
            if len(parts) == 3 and parts[2].isdigit() and not contents:
                result.append((_dec(parts[0]), _dec(parts[1]), None))
            elif len(parts) == 3 and parts[2].isdigit():
                size = int(parts[2])
                result.append((_dec(parts[0]), _dec(parts[1]), out[pos : pos + size]))
                pos += size + 1
            else:
                result.append((None, _dec(parts[-1]), None))
        return result

    def request(self, name: str) -> tuple[str, str, bytes] | tuple[None, str, None]:
        """Return ``(oid, type, content)`` or ``(None, reason, None)`` (missing, ambiguous...)."""
        return self.requests([name])[0]

    def requests(
        self, names: Sequence[str]
    ) -> list[tuple[str, str, bytes] | tuple[None, str, None]]:
        """:meth:`request` for each name, pipelined on the persistent process: the names
        are written a few kilobytes at a time (never more than a pipe holds, so the write
        cannot block while git waits for its answers to be read), then the answers read
        in order. One round trip per chunk instead of one per name."""
        out: list[tuple[str, str, bytes] | tuple[None, str, None]] = []
        with self._lock:
            i = 0
            while i < len(names):
                chunk: list[bytes] = []
                size = 0
                while i < len(names) and (not chunk or size < _PIPE_CHUNK):
                    line = _enc(names[i]) + b"\n"
                    chunk.append(line)
                    size += len(line)
                    i += 1
                proc = self._start()
                assert proc.stdin is not None and proc.stdout is not None
                try:
                    proc.stdin.write(b"".join(chunk))
                    proc.stdin.flush()
                except OSError:
                    pass  # the reads below say what happened
                for line in chunk:
                    out.append(self._answer(proc, _dec(line[:-1])))
        return out

    def _answer(
        self, proc: subprocess.Popen[bytes], name: str
    ) -> tuple[str, str, bytes] | tuple[None, str, None]:
        assert proc.stdout is not None
        try:
            header = proc.stdout.readline()
        except OSError:
            header = b""
        if not header:
            proc.wait()
            err = self._stderr()
            self.close()
            raise GitError(
                _classify(err),
                f"git cat-file stopped while reading {name!r}: {err or 'no message'}",
            )
        parts = header.rstrip(b"\n").split(b" ")
        if len(parts) == 3 and parts[2].isdigit():
            size = int(parts[2])
            data = proc.stdout.read(size + 1)
            if len(data) != size + 1:
                err = self._stderr()
                self.close()
                raise GitError(_classify(err), f"git cat-file output truncated: {err}")
            return _dec(parts[0]), _dec(parts[1]), data[:-1]
        return None, _dec(parts[-1]), None

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and self._pid == os.getpid():
            stop(proc)
        if self._err is not None:
            self._err.close()
            self._err = None


# --------------------------------------------------------------------------- the repo


@dataclass
class _Event:
    idx: int  # position in the log, 0 = newest
    commit: CommitInfo
    status: str  # "D" or "R"
    old: str
    new: str | None


class GitRepo:
    """A read-only view of the git work tree that contains a ptyplan root.

    All paths in and out are POSIX and relative to the root. Open with :meth:`open`,
    and close (or use as a context manager) to stop git helper processes.
    """

    def __init__(
        self, git_cmd: git.Git, neutral: _Neutral, root: Path, workdir: Path, prefix: str
    ) -> None:
        self._git = git_cmd
        self._neutral = neutral
        self._gp_env = neutral.for_gitpython()
        self.root = root
        self.workdir = workdir
        self.prefix = prefix
        self._shallow: bool | None = None
        self._cat = _CatFile(neutral, workdir)
        self._commits: dict[str, CommitInfo] = {}
        self._resolved: dict[str, str] = {}
        self._events: list[_Event] | None = None
        self._events_head: str | None = None
        self._worktree_changes: dict[str, list[Change]] = {}
        self._line_maps: dict[tuple[str, str, str | None, str], LineMap] = {}
        #: (commit, cited path) -> (its path in the working tree, digest of that file), as
        #: line_maps found them (forgotten with the working tree, by refresh)
        self._now: dict[tuple[str, str], tuple[str | None, str]] = {}
        self._story_index: tuple[Any, ...] | None = None
        self._elsewhere: tuple[str, dict[str, str]] | None = None
        self._ignore: IgnoreChecker | None = None
        self._ignored_memo: dict[str, str | None] = {}
        self._blames: dict[tuple[str, bytes], list[str | None]] = {}
        self._single: dict[str, str] = {}  # documents of one commit (doc_single_commits)
        self._single_lines: dict[str, int] = {}  # and their lines, as read then
        self._existed: dict[tuple[str, str], bool] = {}  # (commit, path) in its parent?
        #: blames started ahead (start_blame): (path, content digest, arguments) -> output
        self._started_blames: dict[tuple[str, bytes, tuple[str, ...]], Future[Any]] = {}
        #: blames of some lines only, by the same key (kept for the run, as ``_blames``)
        self._line_blames: dict[tuple[str, bytes, tuple[str, ...]], list[str | None]] = {}
        self._blame_pool: ThreadPoolExecutor | None = None
        self._objects: dict[tuple[str, str], tuple[str | None, bytes | None]] = {}
        self._blob_memo: dict[tuple[str, str], tuple[str | None, bytes | None]] = {}
        self._hexlen = 40
        self._ignore_files: tuple[str, ...] = ()
        #: objects a read skipped because they are missing (oid -> path holding it, or "")
        self.missing_objects: dict[str, str] = {}
        self._runs = 0  # open :meth:`one_run` scopes
        self._run_head: tuple[str | None] | None = None  # HEAD as read in the open run
        #: (HEAD, every path of its tree under the root, or None when git could not list
        #: it) read once in a run (in_head); how many paths in_head was asked before that
        self._head_paths: tuple[str, frozenset[str] | None] | None = None
        self._head_asked = 0

    # ---------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, root: Path) -> GitRepo:
        """Find the work tree enclosing ``root``, as git does from ``root`` itself: no
        inherited ``GIT_DIR``/``GIT_WORK_TREE``/... and no user configuration beyond the
        trusted folders and ignore file (see :func:`_neutral_git`).

        :raises GitError: ``"no-git"`` without a git executable, ``"not-a-repo"`` outside
            a work tree (or for a bare repository).
        """
        gitmod = _import_git()
        root = Path(root)
        real_root = root.resolve()
        exe = _git_exe()
        entries = _read_user_config(exe, real_root) if real_root.is_dir() else []
        neutral = _neutral_git(real_root, entries)
        found = _discover(neutral, real_root)
        if not any(scope in ("local", "worktree") for scope, _k, _v in entries):
            # the listing could not see the repository (not trusted yet): list it now
            entries = [*entries, *_local_config(neutral.with_repository(found.paths))]
            neutral = _neutral_git(real_root, entries)
        neutral = neutral.with_repository(found.paths)
        rel = rel_posix(found.workdir, real_root)
        if rel == ".." or rel.startswith("../"):
            raise GitError(
                FindingCode.NOT_A_REPO, f"{root} is not inside the work tree {found.workdir}"
            )
        git_cmd = gitmod.Git(str(found.workdir))
        opened = cls(git_cmd, neutral, real_root, found.workdir, rel + "/" if rel else "")
        opened._shallow = found.shallow
        opened._hexlen = found.hexlen
        opened._ignore_files = (found.info_exclude, _excludes_file(entries))
        return opened

    def refresh(self) -> None:
        """Forget what depends on the working tree (call between builds of a long session).

        Revision names are resolved afresh on every call and the path history is keyed by
        HEAD; only the rename lookup of :meth:`line_map` remembers the working tree.
        """
        self._worktree_changes.clear()
        self._now.clear()
        self._single.clear()
        self._single_lines.clear()
        self._blames.clear()
        self._line_blames.clear()
        self._started_blames.clear()

    def close(self) -> None:
        """Stop the persistent cat-file and check-ignore, the blames started ahead and
        GitPython's helpers."""
        self._cat.close()
        if self._ignore is not None:
            self._ignore.close()
        pool, self._blame_pool = self._blame_pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        self._started_blames.clear()
        self._git.clear_cache()

    def __enter__(self) -> GitRepo:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---------------------------------------------------------------- running git

    def _run(self, cmd: str, *args: str) -> bytes:
        """Run ``git <cmd> args`` through GitPython, neutrally; return raw stdout."""
        gitmod = _import_git()
        name = cmd.replace("_", "-")
        try:
            out = self._git.execute(
                self._neutral.command(name, *args),
                env=self._gp_env,
                stdout_as_string=False,
                strip_newline_in_stdout=False,
            )
        except gitmod.exc.GitCommandNotFound as exc:
            raise GitError(
                FindingCode.NO_GIT, f"no git executable found ({exc}); install git or fix PATH"
            ) from exc
        except gitmod.exc.GitCommandError as exc:
            err = exc.stderr.strip().removeprefix("stderr: ").strip("'") if exc.stderr else ""
            code = _classify(err)
            raise GitError(code, f"git {name} failed in {self.workdir}: {err}") from exc
        except (gitmod.exc.GitError, OSError) as exc:
            code = FindingCode.NO_GIT if isinstance(exc, OSError) else FindingCode.FAILED
            raise GitError(code, f"cannot run git {name}: {exc}") from exc
        assert isinstance(out, bytes)
        return out

    def _full(self, path: str) -> str:
        return self.prefix + path if path else self.prefix.rstrip("/")

    def _rel(self, full: str) -> str | None:
        if not self.prefix:
            return full
        return full[len(self.prefix) :] if full.startswith(self.prefix) else None

    def _pathspecs(self, paths: Sequence[str]) -> list[str] | None:
        """Literal pathspecs for root-relative ``paths`` (none given: the whole root).

        Returns None when paths were given but none of them is usable.
        """
        if not paths:
            return [self.prefix.rstrip("/")] if self.prefix else []
        specs: list[str] = []
        for p in paths:
            clean = _clean_path(p)
            if clean is None:
                continue
            full = self._full(clean)
            if not full:
                return []  # the whole repository
            specs.append(full)
        return specs or None

    # ---------------------------------------------------------------- revisions

    @property
    def is_shallow(self) -> bool:
        if self._shallow is None:
            self._shallow = _dec(self._run("rev_parse", "--is-shallow-repository")).strip() == (
                "true"
            )
        return self._shallow

    def resolve(self, rev: str) -> str:
        """Full sha of the commit ``rev`` names (validated first, cached per instance).

        :raises GitError: ``unsafe-revision``, ``unknown-revision``, ``shallow``,
            ``missing-objects``.
        """
        rev = validate_revision(rev)
        hit = self._resolved.get(rev)  # only full shas are cached: names move
        if hit is not None:
            return hit
        oid, kind, _ = self._cat.request(rev + "^{commit}")
        if oid is not None:
            if oid == rev.lower():
                self._resolved[rev] = oid
            return oid
        raise self._unresolved(rev, kind)

    def _unresolved(self, rev: str, reason: str) -> GitError:
        if reason == "ambiguous":
            return GitError(
                FindingCode.UNKNOWN_REVISION,
                f"revision {rev!r} is an ambiguous short sha; cite more hex digits",
            )
        if self.is_shallow:
            return GitError(FindingCode.SHALLOW, f"revision {rev!r} not found: {_SHALLOW_FIX}")
        # Tell "no such revision" from "the object database is damaged".
        try:
            oid = _dec(self._run("rev_parse", "--verify", "--end-of-options", rev)).strip()
        except GitError as exc:
            if exc.code is FindingCode.MISSING_OBJECTS:
                return GitError(
                    FindingCode.MISSING_OBJECTS,
                    f"revision {rev!r} needs objects missing from this repository "
                    f"(partial clone or damaged .git): {exc.message}; run `git fetch` or "
                    "re-clone",
                )
            return GitError(
                FindingCode.UNKNOWN_REVISION,
                f"unknown revision {rev!r}: no such commit, branch or tag in {self.workdir}; "
                "check the revision or fetch it (`git fetch --tags`)",
            )
        full_hex = re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", rev.lower()) is not None
        if oid and not full_hex:
            found, kind, _ = self._cat.request(oid)
            if found is None:
                return GitError(
                    FindingCode.MISSING_OBJECTS,
                    f"revision {rev!r} points to {oid}, which is missing from the object "
                    "database (partial clone or damaged .git); run `git fetch` or re-clone",
                )
            return GitError(
                FindingCode.UNKNOWN_REVISION, f"revision {rev!r} names a {kind}, not a commit"
            )
        return GitError(
            FindingCode.UNKNOWN_REVISION,
            f"unknown revision {rev!r}: no such commit in {self.workdir}; check the sha or "
            "fetch the branch that contains it",
        )

    def head(self) -> str | None:
        """The sha of HEAD, or None for an unborn branch (no commits yet).

        Asked afresh on every call (a commit between two calls is seen), except inside
        :meth:`one_run`, where it is read once."""
        if self._run_head is not None:
            return self._run_head[0]
        oid, _, _ = self._cat.request("HEAD^{commit}")
        if self._runs:
            self._run_head = (oid,)
        return oid

    @contextlib.contextmanager
    def one_run(self) -> Iterator[GitRepo]:
        """A scope (one ``ptyplan check``, one build) in which HEAD is read once: the path
        history, ``in_head`` and the stories of every document then need no request each
        (on the benchmark's corpus, 1,300 round trips to ``cat-file`` fewer). Nestable."""
        self._runs += 1
        try:
            yield self
        finally:
            self._runs -= 1
            if not self._runs:
                self._run_head = None
                self._head_paths = None
                self._head_asked = 0

    def remote_url(self) -> str | None:
        """The fetch URL of the remote that the current branch tracks, else of ``origin``,
        else of the first remote; None without remotes (one git process)."""
        try:
            out = _dec(
                self._run("config", "--get-regexp", r"^(remote\..*\.url|branch\..*\.remote)$")
            )
        except GitError:
            return None  # exit status 1: no such keys
        urls: dict[str, str] = {}
        tracked: dict[str, str] = {}
        for line in out.splitlines():
            key, _, value = line.partition(" ")
            if key.startswith("remote.") and key.endswith(".url"):
                urls.setdefault(key[len("remote.") : -len(".url")], value.strip())
            elif key.startswith("branch.") and key.endswith(".remote"):
                tracked[key[len("branch.") : -len(".remote")]] = value.strip()
        branch = self.branch()
        for name in (tracked.get(branch or ""), "origin"):
            if name and name in urls:
                return urls[name]
        return next(iter(urls.values()), None)

    def branch(self) -> str | None:
        """The checked-out branch name, None on a detached HEAD or without git."""
        try:
            out = _dec(self._run("symbolic_ref", "--quiet", "--short", "HEAD")).strip()
        except GitError:
            return None
        return out or None

    def uncommitted(self) -> frozenset[str]:
        """Root-relative paths whose working-tree content is not what HEAD has (modified,
        added, untracked; one ``git status``)."""
        try:
            out = self._run(
                "status",
                "--porcelain=v1",
                "-z",
                "--untracked-files=all",
                "--",
                self._full("") or ".",
            )
        except GitError:
            return frozenset()
        paths: set[str] = set()
        items = out.split(b"\x00")
        i = 0
        while i < len(items):
            item = items[i]
            i += 1
            if len(item) < 4:
                continue
            if item[:1] in (b"R", b"C"):
                i += 1  # the entry's source path follows; the new path is what exists
            rel = self._rel(_dec(item[3:]))
            if rel is not None:
                paths.add(rel)
        return frozenset(paths)

    def fingerprint(self, revs: Sequence[str]) -> tuple[str | None, ...]:
        """Current shas of ``revs`` (None where unusable); never cached, no new process."""
        out: list[str | None] = []
        for rev in revs:
            try:
                name = validate_revision(rev)
            except GitError:
                out.append(None)
                continue
            oid, _, _ = self._cat.request(name + "^{commit}")
            out.append(oid)
        return tuple(out)

    def commit_info(self, sha: str) -> CommitInfo:
        """Sha, unique short sha, committer date and summary of a commit (cached)."""
        hit = self._commits.get(sha)  # a full sha already read: it resolves to itself
        if hit is not None:
            return hit
        full = self.resolve(sha)
        hit = self._commits.get(full)
        if hit is not None:
            return hit
        oid, _, data = self._cat.request(full)
        if oid is None or data is None:
            raise GitError(FindingCode.MISSING_OBJECTS, f"commit {full} cannot be read")
        head, _, message = data.partition(b"\n\n")
        date = ""
        for line in head.split(b"\n"):
            if line.startswith(b"committer "):
                m = re.search(rb" (\d+) ([+-])(\d\d)(\d\d)$", line)
                if m:
                    sign = 1 if m.group(2) == b"+" else -1
                    tz = timezone(sign * timedelta(hours=int(m.group(3)), minutes=int(m.group(4))))
                    date = datetime.fromtimestamp(int(m.group(1)), tz).date().isoformat()
                break
        paragraph = message.decode("utf-8", "replace").strip().split("\n\n", 1)[0]
        summary = " ".join(part.strip() for part in paragraph.splitlines())
        info = CommitInfo(full, self._abbrev(full), date, summary)
        self._commits[full] = info
        return info

    def _abbrev(self, full: str) -> str:
        for n in range(7, len(full)):
            oid, _, _ = self._cat.request(full[:n])
            if oid == full:
                return full[:n]
        return full

    # ---------------------------------------------------------------- diffs

    def changes(self, base: str, head: str | None, paths: Sequence[str] = ()) -> list[Change]:
        """Changes from ``base`` to ``head`` (None: the working tree, untracked files too).

        Renames are found by git (``-M``). In the working tree, a tracked file moved with a
        plain ``mv`` is paired with its untracked copy when the content is identical (R100).

        With ``paths``, files moved into or out of them are renames too (a whole folder
        renamed, ``ptychopinn_torch/`` -> ``ptycho_torch/``, or one module moved to another
        package): when the restricted diff has additions or deletions, one cheap
        ``--no-renames`` diff lists the files deleted or added elsewhere, and the rename
        detection is re-run with their folders included. Only changes whose new or old path
        is under ``paths`` are returned.
        """
        base_sha = self.resolve(base)
        head_sha = self.resolve(head) if head is not None else None
        specs = self._pathspecs(paths)
        if specs is None:
            return []
        try:
            changes = self._diff_changes(base_sha, head_sha, specs)
        except GitError as exc:
            if exc.code != "missing-objects":
                raise
            # an object the rename detection needs is missing: the same diff without
            # rename detection reads no blob; the missing object is named once
            self._note_missing(exc, base_sha, head_sha, specs)
            return self._diff_changes(base_sha, head_sha, specs, renames=False)
        wanted = [self._rel(s) or "" for s in specs]
        statuses = {c.status for c in changes}
        if not specs or "" in wanted or not statuses & {"A", "D"}:
            return changes
        origins = self._moved_elsewhere(base_sha, head_sha, wanted, statuses)
        if not origins:
            return changes
        try:
            wider = self._diff_changes(base_sha, head_sha, [*specs, *origins])
        except GitError as exc:
            if exc.code != "missing-objects":
                raise
            # a blob of another folder is missing (a partial clone): moves from there go
            # unseen, every change under ``paths`` is still reported
            self._note_missing(exc, base_sha, head_sha, [*specs, *origins])
            return changes
        former = _former_names(wider, wanted)
        return [
            c
            for c in wider
            if _within(c.path, wanted)
            or (c.old_path is not None and _within(c.old_path, wanted))
            or (c.status == "D" and _within(c.path, former))
        ]

    def _moved_elsewhere(
        self, base_sha: str, head_sha: str | None, wanted: Sequence[str], statuses: set[str]
    ) -> list[str]:
        """Pathspecs of the folders outside ``wanted`` that may hold the other side of a move:
        folders that lost files (when ``wanted`` gained some) or gained files (when it lost
        some). Untracked files count as gained in the working tree."""
        filters = ("D" if "A" in statuses else "") + ("A" if "D" in statuses else "")
        args = ["--raw", "-z", "--no-renames", f"--diff-filter={filters}", "--name-only"]
        args += [*_DIFF_OPTS, base_sha]
        if head_sha:
            args.append(head_sha)
        scope = [self.prefix.rstrip("/")] if self.prefix else []
        out = self._run("diff", *args, "--", *scope)
        paths = [_dec(t) for t in out.split(b"\x00") if t]
        if head_sha is None and "A" in filters:
            paths += self._untracked(scope)
        folders: dict[str, None] = {}
        for full in paths:
            rel = self._rel(full)
            if rel is None or _within(rel, wanted):
                continue
            folders[posixpath.dirname(rel)] = None
        if not folders:
            return []
        if len(folders) > _MAX_ORIGIN_FOLDERS or "" in folders:
            return scope or ["."]
        return [self._full(f) for f in folders]

    def _note_missing(
        self, exc: GitError, base_sha: str, head_sha: str | None, specs: list[str]
    ) -> None:
        """Remember the object a read could not find, and the path that holds it (one
        cheap ``--no-renames`` diff, which reads trees only), for one warning naming it."""
        m = re.search(r"\b([0-9a-f]{40}|[0-9a-f]{64})\b", exc.message)
        oid = m.group(1) if m else ""
        path = ""
        if oid:
            args = ["--raw", "-z", "--no-renames", "--no-abbrev", *_DIFF_OPTS, base_sha]
            if head_sha:
                args.append(head_sha)
            try:
                out = self._run("diff", *args, "--", *specs)
            except GitError:
                out = b""
            tokens = out.split(b"\x00")
            for k, meta in enumerate(tokens[:-1]):
                if meta.startswith(b":") and oid.encode() in meta:
                    path = self._rel(_dec(tokens[k + 1])) or _dec(tokens[k + 1])
                    break
        self.missing_objects.setdefault(oid or "?", path)

    def _diff_changes(
        self, base_sha: str, head_sha: str | None, specs: list[str], *, renames: bool = True
    ) -> list[Change]:
        args = ["--raw", "-z", "-M" if renames else "--no-renames", "--no-abbrev"]
        args += [*_DIFF_OPTS, base_sha]
        if head_sha:
            args.append(head_sha)
        out = self._run("diff", *args, "--", *specs)
        changes: list[Change] = []
        deleted: dict[str, tuple[str, str]] = {}  # full old path -> (rel, blob id)
        tokens = out.split(b"\x00")
        i = 0
        while i < len(tokens):
            meta = tokens[i]
            i += 1
            if not meta.startswith(b":"):
                continue
            fields = meta[1:].split(b" ")
            status = _dec(fields[-1])
            letter, score = status[:1], status[1:]
            old_oid = _dec(fields[2]) if len(fields) > 2 else ""
            if letter in ("R", "C"):
                old_full, new_full = _dec(tokens[i]), _dec(tokens[i + 1])
                i += 2
                old, new = self._rel(old_full), self._rel(new_full)
                sim = int(score) if score.isdigit() else None
                if old is not None and new is not None:
                    changes.append(Change(letter, new, old, sim))
                elif new is not None:
                    changes.append(Change("A", new))
                elif old is not None and letter == "R":
                    changes.append(Change("D", old))
                continue
            full = _dec(tokens[i])
            i += 1
            rel = self._rel(full)
            if rel is None:
                continue
            if letter not in ("A", "D", "M", "T"):
                letter = "M"  # U (unmerged), X: report as modified
            if letter == "D" and head_sha is None:
                deleted[full] = (rel, old_oid)
            changes.append(Change(letter, rel))
        if head_sha is None:
            untracked = self._untracked(specs)
            changes.extend(self._pair_moves(changes, deleted, untracked))
        return changes

    def _untracked(self, specs: Sequence[str]) -> list[str]:
        out = self._run("ls_files", "--others", "--exclude-standard", "-z", "--", *specs)
        return [_dec(t) for t in out.split(b"\x00") if t]

    def _pair_moves(
        self, changes: list[Change], deleted: dict[str, tuple[str, str]], untracked: list[str]
    ) -> list[Change]:
        """Turn D + untracked-with-identical-content into R100; return the untracked As.

        Only small untracked files are hashed (git's blob id, in Python), and only when the
        diff has deletions: no extra process, no reading of large data files.
        """
        by_oid: dict[str, list[str]] = {}
        for full, (_rel, oid) in deleted.items():
            if oid and set(oid) != {"0"}:
                by_oid.setdefault(oid, []).append(full)
        added: list[Change] = []
        renamed: dict[str, str] = {}  # deleted rel path -> new rel path
        budget = _PAIR_BYTES
        for full in untracked:
            rel = self._rel(full)
            if rel is None:
                continue
            match = None
            if by_oid and budget > 0:
                try:
                    file = self.workdir / full
                    st = file.lstat()
                    size = st.st_size
                    if stat.S_ISREG(st.st_mode) and size <= budget:
                        budget -= size
                        olds = by_oid.get(_blob_id(file.read_bytes(), self._hexlen))
                        if olds:
                            match = olds.pop(0)
                except OSError:
                    match = None
            if match is not None:
                renamed[deleted[match][0]] = rel
            else:
                added.append(Change("A", rel))
        for k, ch in enumerate(changes):
            if ch.status == "D" and ch.path in renamed:
                changes[k] = Change("R", renamed[ch.path], ch.path, 100)
        return added

    def added_since(self, rev: str, paths: Sequence[str] = ()) -> frozenset[str]:
        """Working-tree files new since ``rev`` (added, rename/copy targets, untracked)."""
        return frozenset(c.path for c in self.changes(rev, None, paths) if c.status in "ARC")

    # ---------------------------------------------------------------- blobs

    def read_blobs(self, rev: str, paths: Sequence[str]) -> dict[str, bytes | None]:
        """Contents of ``paths`` at ``rev`` through one persistent cat-file; None if absent.

        :raises GitError: ``missing-objects`` when a path exists but its blob is missing.
        """
        sha = self.resolve(rev)
        result: dict[str, bytes | None] = {}
        for path in paths:
            if path in result:
                continue
            result[path] = self._blob(sha, path)[1]
        return result

    def _prefetch_blobs(self, sha: str, paths: Sequence[str]) -> None:
        """Read the blobs of ``paths`` at ``sha`` not read yet in one pipelined exchange
        with the running ``cat-file``; only blobs found are kept, so an absent path is
        still asked (and a missing object reported) by :meth:`_blob` as before."""
        todo = {p: c for p in paths if (c := _clean_path(p)) and (sha, p) not in self._blob_memo}
        if len(todo) < 2:
            return
        names = [f"{sha}:{self._full(c)}" for c in todo.values()]
        for p, (oid, kind, data) in zip(todo, self._cat.requests(names), strict=True):
            if oid is not None and kind == "blob" and data is not None:
                self._blob_memo[(sha, p)] = (oid, data)

    def _blob(self, sha: str, path: str) -> tuple[str | None, bytes | None]:
        got = self._blob_memo.get((sha, path))
        if got is None:
            got = self._blob_memo[(sha, path)] = self._read_blob(sha, path)
        return got

    def _read_blob(self, sha: str, path: str) -> tuple[str | None, bytes | None]:
        clean = _clean_path(path)
        if not clean:
            return None, None
        full = self._full(clean)
        oid, kind, data = self._cat.request(f"{sha}:{full}")
        if oid is None:
            if kind == "missing":
                self._check_missing(sha, full)
            return None, None
        if kind != "blob":
            return None, None
        return oid, data

    def existed_before(self, sha: str, path: str) -> bool:
        """Whether ``path`` (root-relative) was in the first parent of commit ``sha``; False
        for a root commit, or when the parent's tree cannot be read."""
        return path in self.existed_before_many(sha, [path])

    def existed_before_many(self, sha: str, paths: Sequence[str]) -> frozenset[str]:
        """The ``paths`` that :meth:`existed_before` ``sha``, asked all at once (pipelined
        on the running ``cat-file``)."""
        asked = {p: c for p in paths if (c := _clean_path(p))}
        todo = [c for c in dict.fromkeys(asked.values()) if (sha, c) not in self._existed]
        if todo:
            answers = self._cat.requests([f"{sha}^:{self._full(c)}" for c in todo])
            for c, (oid, _k, _d) in zip(todo, answers, strict=True):
                self._existed[(sha, c)] = bool(oid)
        return frozenset(p for p, c in asked.items() if self._existed[(sha, c)])

    def prefetch_existed(self, pairs: Sequence[tuple[str, str]]) -> None:
        """:meth:`existed_before` for many ``(commit, path)`` pairs with ONE short-lived
        ``git cat-file --batch-check`` (no content read, no round trip per commit); the
        answers are kept (a commit's parent never changes)."""
        todo = dict.fromkeys(
            (sha, c)
            for sha, p in pairs
            if (c := _clean_path(p)) and (sha, c) not in self._existed
        )
        names = [f"{sha}^:{self._full(c)}" for sha, c in todo]
        for key, (oid, _k, _d) in zip(todo, self._cat.many(names, contents=False), strict=True):
            self._existed[key] = bool(oid)

    def _check_missing(self, sha: str, full: str) -> None:
        """Raise ``missing-objects`` if ``full`` is in the tree of ``sha`` but unreadable."""
        oid, kind, data = self._cat.request(sha + "^{tree}")
        parts = full.split("/")
        for k, part in enumerate(parts):
            if oid is None or data is None:
                raise GitError(
                    FindingCode.MISSING_OBJECTS,
                    f"the tree of {sha[:12]} above {full!r} is missing from the object "
                    "database (partial clone or damaged .git); run `git fetch` or re-clone",
                )
            entry = self._tree_entry(data, _enc(part))
            if entry is None:
                return  # the path simply does not exist at that commit
            mode, child = entry
            if k == len(parts) - 1:
                if mode == b"160000":
                    return  # submodule: no blob to read
                raise GitError(
                    FindingCode.MISSING_OBJECTS,
                    f"{full!r} at {sha[:12]} is object {child}, which is missing from the "
                    "object database (partial clone or damaged .git); run `git fetch` or "
                    "re-clone",
                )
            if mode != b"40000":
                return
            oid, kind, data = self._cat.request(child)

    def _tree_entry(self, data: bytes, name: bytes) -> tuple[bytes, str] | None:
        pos = 0
        size = self._hexlen // 2
        while pos < len(data):
            sp = data.index(b" ", pos)
            nul = data.index(b"\x00", sp)
            if data[sp + 1 : nul] == name:
                return data[pos:sp], data[nul + 1 : nul + 1 + size].hex()
            pos = nul + 1 + size
        return None

    # ---------------------------------------------------------------- history of paths

    def _history(self) -> list[_Event]:
        head = self.head()
        if self._events is not None and self._events_head == head:
            return self._events
        events: list[_Event] = []
        self._events, self._events_head = events, head
        if head is None:
            return events
        specs = [self.prefix.rstrip("/")] if self.prefix else []
        try:
            out = self._run(
                "log",
                "-M",
                "--name-status",
                "-z",
                "--diff-filter=DR",
                "--no-show-signature",
                "--no-mailmap",
                "--encoding=UTF-8",
                *_DIFF_OPTS,
                "--format=\x1e%H\x1f%h\x1f%cs\x1f%s",
                head,
                "--",
                *specs,
            )
        except GitError as exc:
            if exc.code != "missing-objects":
                raise
            # rename detection needs a blob that is missing: read the history without it
            # (trees only) and pair exact renames by blob id; the object is named once
            m = re.search(r"\b([0-9a-f]{40}|[0-9a-f]{64})\b", exc.message)
            oid = m.group(1) if m else "?"
            self.missing_objects.setdefault(oid, "")
            events.extend(self._history_without_renames(head, specs, oid))
            return events
        tokens = out.split(b"\x00")
        commit: CommitInfo | None = None
        idx = -1
        i = 0
        while i < len(tokens):
            tok = tokens[i].lstrip(b"\n")
            i += 1
            if tok.startswith(b"\x1e"):
                fields = _dec(tok[1:]).split("\x1f", 3)
                fields += [""] * (4 - len(fields))
                commit = CommitInfo(fields[0], fields[1], fields[2], fields[3])
                self._commits.setdefault(commit.sha, commit)
                idx += 1
                continue
            if commit is None or not tok or tok[:1] not in (b"D", b"R"):
                continue
            if tok[:1] == b"R":
                if i + 1 >= len(tokens):
                    break
                old, new = self._rel(_dec(tokens[i])), self._rel(_dec(tokens[i + 1]))
                i += 2
                if old is not None:
                    events.append(_Event(idx, commit, "R" if new is not None else "D", old, new))
            else:
                old = self._rel(_dec(tokens[i]))
                i += 1
                if old is not None:
                    events.append(_Event(idx, commit, "D", old, None))
        return events

    def _history_without_renames(self, head: str, specs: list[str], oid: str) -> list[_Event]:
        """The deletions and renames of the history when rename detection cannot read a
        blob: a file deleted and one added with the same blob id in one commit is a rename
        (R100); every other deletion stays one."""
        out = self._run(
            "log",
            "--no-renames",
            "--raw",
            "--no-abbrev",
            "-z",
            "--diff-filter=AD",
            "--no-show-signature",
            "--no-mailmap",
            "--encoding=UTF-8",
            *_DIFF_OPTS,
            "--format=\x1e%H\x1f%h\x1f%cs\x1f%s",
            head,
            "--",
            *specs,
        )
        events: list[_Event] = []
        commit: CommitInfo | None = None
        idx = -1
        added: dict[str, str] = {}  # blob id -> new path, in the current commit
        deleted: list[tuple[str, str]] = []  # (old path, blob id)

        def flush() -> None:
            if commit is None:
                return
            if deleted:  # --no-abbrev (for the blob ids) made %h the full sha
                told = self._commits.get(commit.sha)
                if told is None:
                    told = self._commits[commit.sha] = replace(
                        commit, short=self._abbrev(commit.sha)
                    )
                for old, oid in deleted:
                    new = added.pop(oid, None) if oid else None
                    events.append(_Event(idx, told, "R" if new else "D", old, new))
            added.clear()
            deleted.clear()

        tokens = out.split(b"\x00")
        i = 0
        while i < len(tokens):
            tok = tokens[i].lstrip(b"\n")
            i += 1
            if tok.startswith(b"\x1e"):
                flush()
                fields = _dec(tok[1:]).split("\x1f", 3)
                fields += [""] * (4 - len(fields))
                commit = CommitInfo(fields[0], fields[1], fields[2], fields[3])
                idx += 1
                continue
            if commit is None or not tok.startswith(b":") or i >= len(tokens):
                continue
            meta = _dec(tok[1:]).split(" ")
            rel = self._rel(_dec(tokens[i]))
            i += 1
            if rel is None or len(meta) < 5:
                continue
            if oid in (meta[2], meta[3]) and not self.missing_objects.get(oid):
                self.missing_objects[oid] = rel  # name the file that holds it
            if meta[4].startswith("D"):
                deleted.append((rel, meta[2]))
            elif meta[4].startswith("A"):
                added[meta[3]] = rel
        flush()
        return events

    def former_top_folders(self) -> frozenset[str]:
        """Top-level folders of the root that files were deleted or renamed from, at any
        point of history (from the same cached ``git log`` as :meth:`path_stories`).

        A top-level folder that no longer exists is among them (its files had to leave),
        so a citation ``ptychopinn_torch/model.py:12`` is recognised after the rename.
        """
        return frozenset(ev.old.split("/", 1)[0] for ev in self._history() if "/" in ev.old)

    def former_top_packages(self) -> frozenset[str]:
        """The :meth:`former_top_folders` that held Python code: a module (``.py``/``.pyi``)
        was deleted or renamed from under them at some point of history.

        Only these make a dotted name under them stale: a former folder of notes named like
        a library (``torch/``) says nothing about ``torch.cuda``. A folder that is gone had
        to lose every file, so its modules are among the events when it had any.
        """
        return frozenset(
            ev.old.split("/", 1)[0]
            for ev in self._history()
            if "/" in ev.old and ev.old.endswith((".py", ".pyi"))
        )

    def path_story(self, path: str) -> PathStory:
        """What happened to ``path`` (a file, or a folder given with or without "/")."""
        return self.path_stories([path])[path]

    def path_stories(self, paths: Sequence[str]) -> dict[str, PathStory]:
        """:meth:`path_story` for many paths from ONE ``git log`` over the root's history
        (read once per HEAD; its indexes and every story told are kept for the run)."""
        events = self._history()
        if self._story_index is None or self._story_index[0] is not events:
            by_old: dict[str, list[_Event]] = {}
            by_dir: dict[str, list[_Event]] = {}
            for ev in events:
                by_old.setdefault(ev.old, []).append(ev)
                parts = ev.old.split("/")
                for k in range(1, len(parts)):
                    by_dir.setdefault("/".join(parts[:k]) + "/", []).append(ev)
            self._story_index = (events, by_old, by_dir, {})
        _ev, by_old, by_dir, told = self._story_index
        out: dict[str, PathStory] = {}
        for p in paths:
            story = told.get(p)
            if story is None:
                story = told[p] = self._story(p, by_old, by_dir)
            out[p] = story
        return out

    def on_other_branches(self, paths: Sequence[str]) -> dict[str, str]:
        """For root-relative ``paths`` (files or folders) HEAD's history never had: the
        branch or tag whose history has each, when one has (a file of a branch not merged
        here). One ``git log`` of the commits of branches, remotes and tags not reachable
        from HEAD, read once per HEAD (a stash is not a branch: not read). A git failure
        here costs only the note: nothing is said then."""
        head = self.head()
        if head is None or not paths:
            return {}
        if self._elsewhere is None or self._elsewhere[0] != head:
            found: dict[str, str] = {}
            try:
                out = self._run(
                    "log",
                    "--branches",
                    "--remotes",
                    "--tags",
                    "--not",
                    head,
                    "--source",
                    "--no-renames",
                    "--name-status",
                    "-z",
                    "--no-show-signature",
                    "--format=\x1e%S",
                    *_DIFF_OPTS,
                )
            except GitError:
                out = b""
            for ref, _status, names in _z_name_status(out):
                for prefix in ("refs/heads/", "refs/remotes/", "refs/tags/"):
                    ref = ref.removeprefix(prefix)
                rel = self._rel(_dec(names[0])) if ref and names else None
                if not rel:
                    continue
                found.setdefault(rel, ref)
                parts = rel.split("/")
                for k in range(1, len(parts)):
                    found.setdefault("/".join(parts[:k]), ref)
            self._elsewhere = (head, found)
        known = self._elsewhere[1]
        return {p: known[p] for p in paths if p in known}

    def ignored_paths(self, paths: Sequence[str]) -> dict[str, str]:
        """Those of root-relative ``paths`` (files, or folders written with a trailing "/")
        that the repository's ignore rules match, whether they exist or not (outputs it
        never commits: a report folder, a build product, data), each with the rule that
        matches (``pattern`` in ``file:line``). Asked of one persistent ``git check-ignore``
        (:mod:`.gitignore`), each path once per run."""
        memo = self._ignored_memo
        asked: list[tuple[str, str]] = []
        for p in paths:
            clean = _clean_path(p)
            if clean is not None and p not in memo:
                asked.append((p, self._full(clean) + ("/" if p.endswith("/") else "")))
        if asked:
            if self._ignore is None:
                self._ignore = IgnoreChecker(
                    self._neutral.command(), self._neutral.env, self.workdir
                )
            hit = self._ignore.ignored([full for _p, full in asked])
            if hit is not None:  # else git could not answer: nothing said, asked again later
                for p, full in asked:
                    memo[p] = hit.get(full)
        return {p: rule for p in paths if (rule := memo.get(p)) is not None}

    def prefetch_objects(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Read ``path`` at ``rev`` for many pairs with ONE git process, so that
        :meth:`object_at`, :meth:`in_head` and blob reads answer them from memory."""
        todo: dict[tuple[str, str], str] = {}
        for rev, path in pairs:
            clean = _clean_path(path)
            if clean and (rev, path) not in self._objects and (rev, path) not in todo:
                todo[(rev, path)] = f"{rev}:{self._full(clean)}"
        if not todo:
            return
        for key, (oid, kind, data) in zip(todo, self._cat.many(list(todo.values())), strict=True):
            if oid is None:
                self._objects[key] = (None, None)
                continue
            self._objects[key] = (kind, data if kind == "blob" else None)
            if kind == "blob":
                self._blob_memo[key] = (oid, data)

    def object_at(self, rev: str, path: str) -> tuple[str | None, bytes | None]:
        """``("blob", data)``, ``("tree", None)`` or ``(None, None)`` for ``path`` at ``rev``
        (a missing object counts as absent); remembered for the run."""
        got = self._objects.get((rev, path))
        if got is not None:
            return got
        clean = _clean_path(path)
        if not clean:
            return None, None
        oid, kind, data = self._cat.request(f"{rev}:{self._full(clean)}")
        got = (None, None) if oid is None else (kind, data if kind == "blob" else None)
        self._objects[(rev, path)] = got
        return got

    def in_head(self, paths: Sequence[str]) -> frozenset[str]:
        """The paths (files or folders) that exist in HEAD's tree, through the persistent
        cat-file: a path missing from the working tree but in HEAD was deleted and not
        committed yet, which is not "never in the history"."""
        head = self.head()
        if head is None:
            return frozenset()
        unknown = [(head, p) for p in paths if (head, p) not in self._objects]
        listed = self._head_listing(head, len(unknown))
        if listed is not None:  # not in HEAD's tree: cat-file would say "missing" too
            for key in unknown:
                clean = _clean_path(key[1])
                if not clean or self._full(clean) not in listed:
                    self._objects[key] = (None, None)
            unknown = [k for k in unknown if k not in self._objects]
        if len(unknown) > 32:  # one process beats many round trips only for many paths
            self.prefetch_objects(unknown)
        else:
            self.fetch_objects(unknown)
        return frozenset(p for p in paths if self.object_at(head, p)[0] is not None)

    #: In a run, :meth:`in_head` reads HEAD's whole tree (names only) once it has been
    #: asked about this many paths: one ``git ls-tree`` instead of a round trip per document.
    HEAD_LISTING_AFTER = 64

    def _head_listing(self, head: str, asking: int) -> frozenset[str] | None:
        """Every path (blob, tree, submodule; full, with the prefix) of HEAD's tree under the
        root, read once per :meth:`one_run` after :data:`HEAD_LISTING_AFTER` paths were
        asked; None outside a run, before that, or when git cannot list it (then each path
        is asked of cat-file as before). A path the listing lacks is not in HEAD's tree; a
        path it has is still asked of cat-file (its object may be missing)."""
        if not self._runs:
            return None
        if self._head_paths is not None and self._head_paths[0] == head:
            return self._head_paths[1]
        self._head_asked += asking
        if self._head_asked < self.HEAD_LISTING_AFTER:
            return None
        spec = [self.prefix.rstrip("/")] if self.prefix else []
        names: frozenset[str] | None = None
        try:
            out = self._run(
                "ls_tree", "-r", "-t", "-z", "--name-only", "--full-tree", head, "--", *spec
            )
            names = frozenset(_dec(n) for n in out.split(b"\x00") if n)
        except GitError:
            pass  # asked of cat-file, path by path, for the rest of the run
        self._head_paths = (head, names)
        return names

    def fetch_objects(self, pairs: Sequence[tuple[str, str]]) -> None:
        """:meth:`object_at` for the ``(rev, path)`` pairs not known yet, pipelined on the
        running ``cat-file`` (no process started, one round trip per few kilobytes of
        names); :meth:`object_at` then answers them from memory."""
        todo: dict[tuple[str, str], str] = {}
        for rev, path in pairs:
            clean = _clean_path(path)
            if clean and (rev, path) not in self._objects:
                todo[(rev, path)] = f"{rev}:{self._full(clean)}"
        for key, (oid, kind, data) in zip(
            todo, self._cat.requests(list(todo.values())), strict=True
        ):
            got = (None, None) if oid is None else (kind, data if kind == "blob" else None)
            self._objects[key] = got

    def doc_single_commits(self, paths: Sequence[str]) -> dict[str, str]:
        """For documents written in ONE commit and untouched since (also in the working
        tree): path -> that commit. Every line of such a document was written by it, so
        its blame needs no ``git blame``. One ``git log`` for all paths."""
        head = self.head()
        wanted = [c for c in (_clean_path(p) for p in paths) if c]
        if head is None or not wanted:
            return {}
        touched = self._touched_by_folder(head, wanted)
        if touched is None:
            touched = self._touched(
                self._run("log", "-M", *_TOUCH_LOG, head, "--", *map(self._full, wanted))
            )
        result: dict[str, str] = {}
        single = {
            p: h[0][0] for p, h in touched.items() if p in wanted and len(h) == 1 and h[0][1] == "A"
        }
        # unchanged since: the working file hashes to the blob's id (ids only are read,
        # not the documents' text; an absent or unreadable blob is read as before)
        asked = list(single)
        ids = self._cat.many([f"{single[p]}:{self._full(p)}" for p in asked], contents=False)
        known = {p: oid for p, (oid, kind, _d) in zip(asked, ids, strict=True) if kind == "blob"}
        for p in wanted:
            if p not in single:
                continue
            commit = single[p]
            oid = known.get(p)
            data = None if oid is not None else self._blob(commit, p)[1]
            try:
                now = confine(self.root, p).read_bytes()
            except (OSError, PathRefused):
                continue
            same = oid == self._blob_id(now) if oid is not None else data == now
            if same:
                result[p] = commit
                self._single_lines[p] = _count_lines(now)
        return result

    #: :meth:`doc_single_commits` reads the log of the documents' folders, not of each
    #: document, from this many documents on (git matches every path of every commit
    #: against every pathspec: 720 documents' pathspecs cost 0.28 s, their folder 8 ms).
    FOLDER_LOG_AFTER = 32

    def _touched_by_folder(
        self, head: str, wanted: Sequence[str]
    ) -> dict[str, list[tuple[str, str]]] | None:
        """:meth:`_touched` of the per-document log (``git log -M -- DOCS``) read from the
        log of their folders instead, when that is the same answer: the history is linear
        (a merge is simplified by pathspec, so the commits walked could differ) and no
        document was ever deleted (``-M`` pairs renames among the pathspec's own deletions
        and additions only, so without a deletion of a document there is none to pair). The
        folders' log is read without rename detection and only the documents' entries are
        kept. None when it does not apply: then the per-document log is read."""
        if len(wanted) < self.FOLDER_LOG_AFTER:
            return None
        if self._run("rev_list", "--merges", "--max-count=1", head).strip():
            return None
        folders = sorted({posixpath.dirname(self._full(p)) for p in wanted})
        if "" in folders:
            folders = []  # a document at the top of the repository: the whole tree
        kept = [f for f in folders if not any(f.startswith(g + "/") for g in folders)]
        touched = self._touched(self._run("log", "--no-renames", *_TOUCH_LOG, head, "--", *kept))
        docs = set(wanted)
        mine = {p: h for p, h in touched.items() if p in docs}
        if any(status == "D" for h in mine.values() for _sha, status in h):
            return None
        return mine

    def _touched(self, out: bytes) -> dict[str, list[tuple[str, str]]]:
        """Root-relative path -> [(commit, status)] of a ``git log`` of :data:`_TOUCH_LOG`."""
        touched: dict[str, list[tuple[str, str]]] = {}
        for sha, status, names in _z_name_status(out):
            for name in names:
                rel = self._rel(_dec(name))
                if rel is not None:
                    touched.setdefault(rel, []).append((sha, status))
        return touched

    def _blob_id(self, data: bytes) -> str:
        """The id git gives ``data`` as a blob (SHA-1, or SHA-256 in such a repository)."""
        algo = hashlib.sha1 if self._hexlen == 40 else hashlib.sha256
        return algo(b"blob %d\x00" % len(data) + data).hexdigest()

    def _story(
        self, path: str, by_old: dict[str, list[_Event]], by_dir: dict[str, list[_Event]]
    ) -> PathStory:
        clean = _clean_path(path)
        if not clean:
            return PathStory(path, "unknown")
        is_dir = path.rstrip().endswith("/")
        current = clean + "/" if is_dir else clean
        via: list[str] = []
        last: _Event | None = None
        status: Literal["renamed", "deleted", "unknown"] = "unknown"
        before: int | None = None  # only consider events newer than this log index
        for _hop in range(64):
            step = self._step(current, before, by_old, by_dir)
            if step is None and not current.endswith("/") and before is None:
                step = self._step(current + "/", before, by_old, by_dir)
                if step is not None:
                    current += "/"
            if step is None:
                break
            ev, target = step
            last = ev
            before = ev.idx
            if target is None:
                status = "deleted"
                break
            status = "renamed"
            via.append(target)
            current = target
        if last is None:
            return PathStory(path, "unknown")
        if status == "deleted":
            via = via if is_dir else [v.rstrip("/") for v in via]
            return PathStory(path, "deleted", None, last.commit, tuple(via))
        if not is_dir:  # a folder named without "/" is answered without "/"
            via = [v.rstrip("/") for v in via]
        final = via.pop()
        return PathStory(path, "renamed", final, last.commit, tuple(via))

    def _step(
        self,
        current: str,
        before: int | None,
        by_old: dict[str, list[_Event]],
        by_dir: dict[str, list[_Event]],
    ) -> tuple[_Event, str | None] | None:
        """The next thing that happened to ``current``: (event, new name or None if deleted)."""
        if not current.endswith("/"):
            evs = by_old.get(current, [])
            if before is not None:
                evs = [e for e in evs if e.idx < before]
                ev = max(evs, key=lambda e: e.idx, default=None)  # the first thing after
            else:
                ev = min(evs, key=lambda e: e.idx, default=None)  # the final disappearance
            if ev is None:
                return None
            return ev, ev.new
        evs = by_dir.get(current, [])
        if before is not None:
            evs = [e for e in evs if e.idx < before]
        if not evs or self._folder_at_head(current):
            return None  # a folder still there lost some files: it was not renamed or deleted
        commits = sorted({e.idx for e in evs})
        # the newest commit that renamed the folder: the one that emptied it (a file deleted
        # inside it before it moved, or inside its new name later, is not the folder's story)
        for cidx in commits:
            group = [e for e in evs if e.idx == cidx]
            votes: Counter[str | None] = Counter()
            for e in group:
                rel = e.old[len(current) :]
                if e.new is None:
                    votes[None] += 1
                elif e.new == rel or e.new.endswith("/" + rel):
                    votes[e.new[: len(e.new) - len(rel)]] += 1
            renames = [(n, t) for t, n in votes.items() if t is not None]
            if renames:
                n, target = max(renames)
                if n >= votes[None]:
                    return group[0], target or None
        return next(e for e in evs if e.idx == commits[0]), None

    def _folder_at_head(self, folder: str) -> bool:
        """Whether ``folder`` (root-relative, ending in "/") is a tree at the HEAD the
        history was read at (one request on the running ``cat-file`` stream)."""
        head = self._events_head
        clean = _clean_path(folder.rstrip("/"))
        if head is None or not clean:
            return False
        _oid, kind, _data = self._cat.request(f"{head}:{self._full(clean)}")
        return kind == "tree"

    # ---------------------------------------------------------------- blame and line maps

    def prime_blames(self, paths: Sequence[str]) -> None:
        """Learn, in one ``git log``, which documents need no ``git blame`` at all (written
        in one commit, unchanged since): :meth:`blame` answers those from memory."""
        todo = [p for p in paths if p not in self._single]
        if todo:
            self._single.update(self.doc_single_commits(todo))

    def single_commit(self, doc_path: str) -> str | None:
        """The one commit that wrote every line of ``doc_path``, when :meth:`prime_blames`
        found it so (else None: it may still be true, git was not asked)."""
        clean = _clean_path(doc_path)
        return self._single.get(clean) if clean else None

    def blame(self, doc_path: str, lines: Sequence[int] = ()) -> list[str | None]:
        """Per line of the working-tree file, the sha of the commit that wrote it (or None).

        ``lines``: only these lines are wanted (``git blame -L`` ranges); the others are
        None. Results are kept per file content for the run.
        """
        clean = _clean_path(doc_path)
        if not clean:
            return []
        single = self._single.get(clean)
        if single is not None and clean in self._single_lines:  # read when it was primed
            return [single] * self._single_lines[clean]
        try:
            data = confine(self.root, clean).read_bytes()
        except (OSError, PathRefused):
            data = b""
        nlines = _count_lines(data)
        if single is not None:
            return [single] * nlines
        digest = hashlib.blake2b(data, digest_size=16).digest()
        cached = self._blames.get((clean, digest))
        if cached is not None:
            return cached
        args = self._blame_args(clean, nlines, lines)
        if args is None:
            return [None] * nlines
        key = (clean, digest, tuple(args))
        known = self._line_blames.get(key)
        if known is not None:
            return known
        started = self._started_blames.pop(key, None)
        done = started.result() if started is not None else None
        if done is not None and done[0] == 0:
            out = done[1]  # the same command, run while the caller did other work
        else:  # not started, or it failed: run here, where failures are told apart
            try:
                out = self._run("blame", *args)
            except GitError as exc:
                if exc.code is FindingCode.FAILED and (
                    "no such path" in exc.message or "no such ref" in exc.message
                ):
                    return [None] * nlines
                raise
        result = self._parse_blame(out, nlines)
        if not lines:
            self._blames[(clean, digest)] = result
        else:
            self._line_blames[key] = result
        return result

    def _blame_args(self, clean: str, nlines: int, lines: Sequence[int]) -> list[str] | None:
        """The arguments of ``git blame`` for :meth:`blame` (None: no line to blame)."""
        ranges: list[str] = []
        for n in sorted({n for n in lines if 1 <= n <= nlines}):
            if ranges and ranges[-1].endswith(f",{n - 1}"):
                ranges[-1] = ranges[-1].rsplit(",", 1)[0] + f",{n}"
            else:
                ranges.append(f"{n},{n}")
        if lines and not ranges:
            return None
        spec = [a for r in ranges for a in ("-L", r)]
        return [
            "--porcelain",
            "--no-textconv",
            "--diff-algorithm=myers",
            "--ignore-revs-file=",
            *spec,
            "--",
            self._full(clean),
        ]

    #: git blame processes run at once for :meth:`start_blame`
    BLAME_JOBS = 2

    def start_blame(self, doc_path: str, lines: Sequence[int] = ()) -> None:
        """Start the ``git blame`` that :meth:`blame` with the same arguments will need, in
        a helper thread (git works while the caller goes on with other documents);
        :meth:`blame` then takes its output, or runs it again itself when it failed (so a
        failure is reported exactly as without this). Nothing is started when the answer
        needs no git (a document of one commit, a blame already known)."""
        clean = _clean_path(doc_path)
        if not clean or clean in self._single:
            return
        try:
            data = confine(self.root, clean).read_bytes()
        except (OSError, PathRefused):
            return
        digest = hashlib.blake2b(data, digest_size=16).digest()
        args = self._blame_args(clean, _count_lines(data), lines)
        if args is None or (clean, digest) in self._blames:
            return
        key = (clean, digest, tuple(args))
        if key in self._started_blames or key in self._line_blames:
            return
        if self._blame_pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._blame_pool = ThreadPoolExecutor(self.BLAME_JOBS, "ptyplan-blame")
        cmd = self._neutral.command("blame", *args)
        self._started_blames[key] = self._blame_pool.submit(self._run_quietly, cmd)

    def _run_quietly(self, cmd: list[str]) -> tuple[int, bytes] | None:
        """``(exit status, stdout)`` of ``cmd`` run as :meth:`_run` runs it (the neutral
        command and environment, in the work tree); None when it could not start."""
        try:
            proc = subprocess.run(
                cmd,
                cwd=self.workdir,
                env=self._neutral.env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=False,
            )
        except OSError:
            return None
        return proc.returncode, proc.stdout

    def _parse_blame(self, out: bytes, nlines: int) -> list[str | None]:
        """``git blame --porcelain`` output -> the commit of each line (None: not blamed,
        or not committed yet)."""
        result: list[str | None] = [None] * nlines
        zero = "0" * self._hexlen
        for line in out.split(b"\n"):
            if not line or line.startswith(b"\t"):
                continue
            parts = line.split(b" ")
            if (
                len(parts) in (3, 4)
                and len(parts[0]) in (40, 64)
                and parts[1].isdigit()
                and parts[2].isdigit()
            ):
                sha = _dec(parts[0])
                final = int(parts[2])
                if 1 <= final <= nlines:
                    result[final - 1] = None if sha == zero else sha
        return result

    def defined_at(
        self, commit: str, names: Sequence[str], paths: Sequence[str] = ()
    ) -> dict[str, tuple[str, int]]:
        """Where each of ``names`` was defined at ``commit`` (a top-level ``def``/``class``,
        or a top-level assignment of an UPPER name) in the ``.py`` files under ``paths``:
        ``{name: (root-relative path, line)}``, the first hit in path order. One
        ``git grep`` for all names; names must be identifiers."""
        wanted = sorted({n for n in names if n.isidentifier()})
        if not wanted:
            return {}
        sha = self.resolve(commit)
        alt = "|".join(re.escape(n) for n in wanted)
        upper = "|".join(re.escape(n) for n in wanted if n.upper() == n)
        pattern = (
            rf"^(async[[:space:]]+)?(def|class)[[:space:]]+({alt})([^[:alnum:]_]|$)"
        )
        if upper:
            pattern += rf"|^({upper})[[:space:]]*[:=]"
        specs = [self._full(p.strip("/")) for p in paths if p.strip("/")]
        if not specs and self.prefix:
            specs = [self._full("")]
        try:
            out = self._run("grep", "-n", "-I", "-E", "-e", pattern, sha, "--", *specs)
        except GitError as exc:
            if exc.code == "failed":
                return {}  # git grep exits 1 when nothing matches
            raise
        found: dict[str, tuple[str, int]] = {}
        prefix = sha + ":"
        for raw in out.decode("utf-8", "replace").splitlines():
            if not raw.startswith(prefix):
                continue
            path, _, rest = raw[len(prefix) :].partition(":")
            lineno, _, text = rest.partition(":")
            rel = self._rel(path)
            if rel is None or not rel.endswith(".py") or not lineno.isdigit():
                continue
            m = re.match(r"^(?:async\s+)?(?:def|class)\s+(\w+)|^(\w+)\s*[:=]", text)
            name = (m.group(1) or m.group(2)) if m else None
            if name in wanted and name not in found:
                found[name] = (rel, int(lineno))
        return found

    def line_map(self, commit: str, path: str) -> LineMap:
        """How the lines of ``path`` as of ``commit`` map into the working tree."""
        return self.line_maps(commit, [path])[path]

    def line_maps(self, commit: str, paths: Sequence[str]) -> dict[str, LineMap]:
        """:meth:`line_map` for many paths of one commit with ONE ``git diff -U0 -M``."""
        sha = self.resolve(commit)
        result: dict[str, LineMap] = {}
        todo: dict[str, tuple[str, str, bytes, str | None, bytes | None, str]] = {}
        self._prefetch_blobs(sha, paths)
        for path in paths:
            if path in result or path in todo:
                continue
            clean = _clean_path(path)
            oid, data = self._blob(sha, path) if clean else (None, None)
            if clean is None or oid is None or data is None:
                result[path] = LineMap(path, sha, None, None)
                continue
            now = self._now.get((sha, clean))  # asked before in this run: no read again
            new_data: bytes | None = None
            if now is None:
                new_path = self._new_path(sha, clean)
                if new_path is not None:
                    try:
                        new_data = confine(self.root, new_path).read_bytes()
                    except (OSError, PathRefused):
                        new_path = None
                digest = hashlib.blake2b(new_data or b"", digest_size=16).hexdigest()
                self._now[(sha, clean)] = (new_path, digest)
            else:
                new_path, digest = now
            key = (oid, clean, new_path, digest)
            hit = self._line_maps.get(key)
            if hit is not None:
                result[path] = LineMap(
                    path, sha, hit.new_path, hit.old_lines, hit.hunks, hit.all_changed
                )
                continue
            if now is not None and new_path is not None:  # read when the map is made
                try:
                    new_data = confine(self.root, new_path).read_bytes()
                except (OSError, PathRefused):
                    new_data = None
            todo[path] = (clean, oid, data, new_path, new_data, digest)
        if todo:
            specs: set[str] = set()
            for clean, _oid, _data, new_path, _nd, _dg in todo.values():
                specs.add(self._full(clean))
                if new_path is not None:
                    specs.add(self._full(new_path))
            parsed = self._parse_patch(
                self._run(
                    "diff",
                    "-U0",
                    "-M",
                    "--src-prefix=a/",
                    "--dst-prefix=b/",
                    *_DIFF_OPTS,
                    sha,
                    "--",
                    *sorted(specs),
                )
            )
            for path, (clean, oid, data, new_path, new_data, digest) in todo.items():
                old_lines = _split_lines(data)
                entry = parsed.get(self._full(clean))
                hunks: tuple[tuple[int, int, int, int], ...] = ()
                binary = False
                if new_path is None:
                    lm = LineMap(path, sha, None, old_lines)
                elif entry is None or (entry[0] is None and new_data is not None):
                    if entry is None and new_path == clean:
                        lm = LineMap(path, sha, new_path, old_lines)  # unchanged
                    else:  # untracked target or not paired by git: diff here
                        hunks = _py_hunks(data, new_data or b"")
                        lm = LineMap(path, sha, new_path, old_lines, hunks)
                else:
                    _new, hunks, binary = entry
                    lm = LineMap(path, sha, new_path, old_lines, hunks, binary)
                self._line_maps[(oid, clean, new_path, digest)] = lm
                result[path] = lm
        return result

    def _new_path(self, sha: str, clean: str) -> str | None:
        try:
            if confine(self.root, clean).is_file():
                return clean
        except (PathRefused, OSError):  # outside the root, or a symlink loop: no file
            return None
        changes = self._worktree_changes.get(sha)
        if changes is None:
            changes = self.changes(sha, None)
            self._worktree_changes[sha] = changes
        for ch in changes:
            if ch.status == "R" and ch.old_path == clean:
                return ch.path
        return None

    def _parse_patch(
        self, out: bytes
    ) -> dict[str, tuple[str | None, tuple[tuple[int, int, int, int], ...], bool]]:
        """``git diff -U0`` output -> {old full path: (new full path|None, hunks, binary)}."""
        result: dict[str, tuple[str | None, tuple[tuple[int, int, int, int], ...], bool]] = {}
        old: str | None = None
        new: str | None = None
        hunks: list[tuple[int, int, int, int]] = []
        binary = False
        skip = 0

        def flush() -> None:
            if old is not None:
                result[old] = (new, tuple(hunks), binary)

        for line in _iter_lines(out):
            if skip:
                if not line.startswith(b"\\"):
                    skip -= 1
                continue
            if line.startswith(b"diff --git "):
                flush()
                old, new, hunks, binary = None, None, [], False
            elif line.startswith(b"rename from "):
                old = _dec(_unquote(line[12:]))
            elif line.startswith(b"rename to "):
                new = _dec(_unquote(line[10:]))
            elif line.startswith(b"--- "):
                raw = _header_path(line[4:])
                if raw.startswith(b"a/"):
                    old = _dec(raw[2:])
            elif line.startswith(b"+++ "):
                raw = _header_path(line[4:])
                new = _dec(raw[2:]) if raw.startswith(b"b/") else None
            elif line.startswith(b"Binary files ") or line.startswith(b"GIT binary patch"):
                binary = True
            else:
                m = _HUNK.match(line)
                if m:
                    a = int(m.group(1))
                    b = int(m.group(2)) if m.group(2) is not None else 1
                    c = int(m.group(3))
                    d = int(m.group(4)) if m.group(4) is not None else 1
                    hunks.append((a, b, c, d))
                    skip = b + d
        flush()
        return result

    # ---------------------------------------------------------------- ignored files

    def ignore_files(self, tree: str = "") -> tuple[str, ...]:
        """Absolute paths of the files whose rules decide what is ignored in ``tree`` (of
        the root), except the ``.gitignore`` files inside it: those of the folders from the
        work tree down to it, ``.git/info/exclude`` and the excludes file (existing or not:
        a fingerprint must see one appear)."""
        clean = _clean_path(tree) or ""
        parts = (self.prefix + clean).strip("/").split("/") if self.prefix + clean else []
        folders = [self.workdir] + [
            self.workdir.joinpath(*parts[:k]) for k in range(1, len(parts) + 1)
        ]
        return (*(str(f / ".gitignore") for f in folders), *self._ignore_files)

    def ignored(self, paths_under: str = "") -> Callable[[str], bool]:
        """A predicate telling whether a root-relative path is ignored by .gitignore."""
        specs = self._pathspecs([paths_under] if paths_under else [])
        if specs is None:
            return lambda _path: False
        out = self._run(
            "ls_files",
            "--others",
            "--ignored",
            "--exclude-standard",
            "--directory",
            "-z",
            "--",
            *specs,
        )
        entries = {_dec(t) for t in out.split(b"\x00") if t}
        prefix = self.prefix

        def is_ignored(path: str) -> bool:
            full = prefix + path.lstrip("/")
            if full in entries or full.rstrip("/") + "/" in entries:
                return True
            parts = full.rstrip("/").split("/")
            return any("/".join(parts[:k]) + "/" in entries for k in range(1, len(parts)))

        return is_ignored


def _z_name_status(out: bytes) -> Iterator[tuple[str, str, list[bytes]]]:
    """The entries of a ``git log -z --name-status --format=\x1e<header>``: ``(header,
    status, names)`` for each changed path of each commit, ``header`` being the text its
    commit line carried (two names for a rename or copy, one otherwise)."""
    header = ""
    tokens = out.split(b"\x00")
    i = 0
    while i < len(tokens):
        tok = tokens[i].lstrip(b"\n")
        i += 1
        if tok.startswith(b"\x1e"):
            header = _dec(tok[1:]).strip()
            continue
        if not tok or not header:
            continue
        status = _dec(tok[:1])
        width = 2 if status in ("R", "C") else 1
        names = tokens[i : i + width]
        i += width
        if len(names) == width:
            yield header, status, names


def _iter_lines(out: bytes) -> Iterator[bytes]:
    start = 0
    n = len(out)
    while start < n:
        end = out.find(b"\n", start)
        if end < 0:
            end = n
        yield out[start:end]
        start = end + 1


def _py_hunks(old: bytes, new: bytes) -> tuple[tuple[int, int, int, int], ...]:
    """``-U0``-style hunks computed in Python (for files git cannot diff against the commit)."""
    a, b = _split_lines(old), _split_lines(new)
    hunks: list[tuple[int, int, int, int]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old_start = i1 + 1 if i2 > i1 else i1
        new_start = j1 + 1 if j2 > j1 else j1
        hunks.append((old_start, i2 - i1, new_start, j2 - j1))
    return tuple(hunks)
