"""Walking a tree (excludes, symlinks, depth) and parsing its files, in a pool when it pays."""

from __future__ import annotations

import contextlib
import fnmatch
import gc
import itertools
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sphinx_ptyplan.core.models import (
    Finding,
    FindingCode,
    FindingKind,
    ModuleInfo,
)
from sphinx_ptyplan.core.sources.extract import _too_large, digest, parse_module
from sphinx_ptyplan.core.sources.parsecache import ParseCache

__all__ = [
    "DEFAULT_EXCLUDES",
    "RootListing",
    "TreeWalk",
    "cyclic_gc_paused",
]

#: Globs matched against every single path component (file or folder name); always applied.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    "__pycache__",
    ".git",
    ".hg",
    ".svn",
    "build",
    "_build",  # Sphinx's conventional output folder (sphinx-quickstart, ptyplan init)
    "dist",
    "*.egg-info",
    ".eggs",
    ".tox",
    ".nox",
    ".venv",
    "node_modules",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "*.pyc",
)


#: Cache misses needed before a process pool pays for its start-up (measured, see scan_tree).
_PARALLEL_MIN = 200


# --------------------------------------------------------------------------- walking


def _compile_globs(patterns: Sequence[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))


class _Globs:
    """Globs on a tree-relative path; folders are also tried with a trailing ``/``; a
    pattern without ``/`` (besides a trailing one) also matches the bare name at any depth."""

    __slots__ = ("_base", "_base_dir", "_full", "empty")

    def __init__(self, patterns: Sequence[str]) -> None:
        full: list[str] = []
        base: list[str] = []
        base_dir: list[str] = []
        for raw in patterns:
            pat = raw.strip()
            while pat.startswith("./"):
                pat = pat[2:]
            if not pat:
                continue
            full.append(pat)
            core = pat.rstrip("/")
            if core and "/" not in core:
                (base_dir if pat.endswith("/") else base).append(core)
        self.empty = not full
        self._full = _compile_globs(full)
        self._base = _compile_globs(base)
        self._base_dir = _compile_globs(base_dir)

    def match(self, trel: str, name: str, is_dir: bool) -> bool:
        full = self._full
        if full is not None and (full.match(trel) or (is_dir and full.match(trel + "/"))):
            return True
        if self._base is not None and self._base.match(name):
            return True
        return is_dir and self._base_dir is not None and self._base_dir.match(name) is not None


_DEFAULT_RE = _compile_globs(DEFAULT_EXCLUDES)

#: Files that only Sphinx writes, at the top of its output folder (``.buildinfo``, html
#: builders) and of its doctree folder (``environment.pickle``): wherever the build put
#: them (``sphinx-build docs site``), their downloads, images and sources are copies of
#: files of the tree, which would make bare names ambiguous. Such folders are not read.
_OUTPUT_MARKERS = frozenset({".buildinfo", "environment.pickle"})


@dataclass(slots=True)
class _File:
    abspath: str
    rel: str  # root-relative POSIX (the path as walked: under a symlinked tree, the link's)
    trel: str  # tree-relative POSIX
    name: str
    depth: int
    included: bool
    st: os.stat_result


@dataclass(slots=True)
class _Dir:
    rel: str
    trel: str
    depth: int
    included: bool
    has_init: bool = False


@dataclass(slots=True)
class _Child:
    """One entry of a listed folder, as the one walking policy classified it: a file, a
    folder, a symlinked folder inside the root (never followed: its files are listed under
    their real path), or a problem (``code``, ``message``) reported by the walks that meet
    it."""

    name: str
    entry: os.DirEntry[str]
    is_dir: bool = False
    link_dir: bool = False
    problem: tuple[FindingCode, str] | None = None


@dataclass(slots=True)
class _Folder:
    children: tuple[_Child, ...]
    problem: str | None = None  # why the folder could not be read


def _join(prefix: str, name: str) -> str:
    return f"{prefix}/{name}" if prefix else name


class RootListing:
    """The one listing of a root: each folder is read (``os.scandir``) at most once and its
    entries classified by one policy, which every walk of the workspace uses — the
    inventory scans (:func:`~sphinx_ptyplan.core.sources.scan.scan_tree`), the code index
    and the tree fingerprints:

    - the default excludes and the ``ignored`` predicate (root-relative paths; folders with
      a trailing ``/``) are left out;
    - a symlink is followed only inside the root: a symlinked file is listed under its
      link's name, a symlinked folder is not followed (its files are listed once, under
      their real path: no duplicate rows, no false ambiguities, no loops); a link out of
      the root, a broken link and an unreadable entry are problems, never read;
    - sockets, FIFOs and devices are never opened.

    Folders are read lazily: scanning one tree reads only its folders; :meth:`walk` (the
    code index) reads the rest. ``reads`` counts the folders read, ``walks`` the full
    walks.
    """

    def __init__(self, root: Path, *, ignored: Callable[[str], bool] | None = None) -> None:
        self.root = root
        self.root_real = os.path.realpath(root)
        self._root_prefix = self.root_real.rstrip(os.sep) + os.sep
        self.ignored = ignored
        self.reads = 0
        self.walks = 0
        self._folders: dict[str, _Folder] = {}
        self.files: set[str] = set()
        self.dirs: set[str] = set()
        self.by_name: dict[str, list[str]] = {}
        self.top: set[str] = set()
        #: files and folders whose last step is not a symlink: the code index answers
        #: their kind without resolving them (anything else goes through ``confine``)
        self.plain_files: set[str] = set()
        self.plain_dirs: set[str] = set()

    def abspath(self, rel: str) -> str:
        return os.path.join(self.root_real, rel) if rel else self.root_real

    def folder(self, rel: str) -> _Folder:
        """The classified entries of a folder of the root (its real path), read once."""
        got = self._folders.get(rel)
        if got is None:
            got = self._folders[rel] = self._read(rel)
        return got

    def _read(self, rel: str) -> _Folder:
        self.reads += 1
        try:
            with os.scandir(self.abspath(rel)) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            return _Folder((), f"cannot read folder: {exc.strerror or exc}")
        if any(e.name in _OUTPUT_MARKERS for e in entries):
            return _Folder(())  # a Sphinx output or doctree folder: copies, not the tree
        ignored = self.ignored
        children: list[_Child] = []
        for entry in entries:
            name = entry.name
            if _DEFAULT_RE is not None and _DEFAULT_RE.match(name):
                continue
            child = _join(rel, name)
            try:
                if entry.is_symlink():
                    real = os.path.realpath(entry.path)
                    if not (real == self.root_real or real.startswith(self._root_prefix)):
                        msg = f"symlink points outside the root ({real}); skipped"
                        children.append(
                            _Child(name, entry, problem=(FindingCode.SYMLINK_OUTSIDE_ROOT, msg))
                        )
                        continue
                    if not os.path.exists(real):
                        problem = (FindingCode.UNREADABLE, "broken symlink; skipped")
                        children.append(_Child(name, entry, problem=problem))
                        continue
                    if entry.is_dir():
                        if ignored is None or not ignored(child + "/"):
                            children.append(_Child(name, entry, is_dir=True, link_dir=True))
                        continue
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
            except OSError as exc:
                problem = (FindingCode.UNREADABLE, f"cannot read: {exc.strerror or exc}")
                children.append(_Child(name, entry, problem=problem))
                continue
            if not (is_dir or is_file):
                continue  # sockets, fifos, devices: never opened
            if ignored is not None and ignored(child + "/" if is_dir else child):
                continue
            children.append(_Child(name, entry, is_dir=is_dir))
        return _Folder(tuple(children))

    def walk(self) -> None:
        """List the whole root (once): ``files``, ``dirs``, ``by_name`` (a name, folders
        with a trailing ``/`` -> its paths), ``top`` (the root's own entries) and the
        plain (not symlinked) files and folders."""
        if self.walks:
            return
        self.walks += 1
        stack = [""]
        while stack:
            rel = stack.pop()
            for c in self.folder(rel).children:
                if c.problem is not None:
                    continue
                child = _join(rel, c.name)
                if not rel:
                    self.top.add(c.name)
                if c.link_dir:
                    continue
                if c.is_dir:  # a folder link is never listed: every folder is plain
                    self.dirs.add(child)
                    self.plain_dirs.add(child)
                    self.by_name.setdefault(c.name + "/", []).append(child)
                    stack.append(child)
                else:
                    self.files.add(child)
                    if not c.entry.is_symlink():
                        self.plain_files.add(child)
                    self.by_name.setdefault(c.name, []).append(child)

    def walk_tree(
        self,
        real_top: str,
        top_rel: str,
        *,
        exclude: Sequence[str] = (),
        include: Sequence[str] = (),
        report_depth: int | None = None,
    ) -> TreeWalk:
        """The listing under one folder (``real_top``, its real root-relative path), with
        paths as walked (``top_rel``: a tree given through a symlink keeps its name),
        filtered by a scan's own ``exclude``/``include`` globs (tree-relative); problems
        deeper than ``report_depth`` below the tree are not reported."""
        out = TreeWalk()
        exclude_globs, include_globs = _Globs(exclude), _Globs(include)

        def report(depth: int, code: FindingCode, message: str, rel: str) -> None:
            if report_depth is None or depth <= report_depth:
                out.findings.append(Finding(FindingKind.IO, message, path=rel or None, code=code))

        top = _Dir(top_rel, "", 0, include_globs.empty)
        out.dirs.append(top)
        stack: list[tuple[_Dir, str]] = [(top, real_top)]
        while stack:
            parent, real = stack.pop()
            folder = self.folder(real)
            if folder.problem is not None:
                report(parent.depth, FindingCode.UNREADABLE, folder.problem, parent.rel)
                continue
            depth = parent.depth + 1
            subdirs: list[tuple[_Dir, str]] = []
            for c in folder.children:
                name = c.name
                rel = _join(parent.rel, name)
                if c.problem is not None:
                    report(depth, c.problem[0], c.problem[1], rel)
                    continue
                if c.link_dir:
                    continue
                trel = _join(parent.trel, name)
                if exclude_globs.match(trel, name, c.is_dir):
                    continue
                included = parent.included or include_globs.match(trel, name, c.is_dir)
                if c.is_dir:
                    child = _Dir(rel, trel, depth, included)
                    out.dirs.append(child)
                    subdirs.append((child, _join(real, name)))
                    continue
                try:
                    st = c.entry.stat()
                except OSError as exc:
                    why = f"cannot read: {exc.strerror or exc}"
                    report(depth, FindingCode.UNREADABLE, why, rel)
                    continue
                if name == "__init__.py":
                    parent.has_init = True
                out.files.append(_File(c.entry.path, rel, trel, name, depth, included, st))
            stack.extend(reversed(subdirs))
        return out


@dataclass(slots=True)
class TreeWalk:
    """What a walk of one tree met: its folders and files (walk order) and problems."""

    dirs: list[_Dir] = field(default_factory=list)
    files: list[_File] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _read(path: str, max_bytes: int) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(max_bytes + 1)


_Parsed = tuple[str, ModuleInfo]


def _parse_one(path: str, size: int, max_bytes: int, cache: ParseCache) -> _Parsed | OSError:
    if size > max_bytes:
        return "", _too_large(size, max_bytes)
    try:
        data = _read(path, max_bytes)
    except OSError as exc:
        return exc
    if len(data) > max_bytes:  # grew since stat
        return "", _too_large(len(data), max_bytes)
    return cache.get_or_parse(data, path=path, max_bytes=max_bytes)


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Parsing allocates bursts of tens of thousands of objects (AST nodes, then the frozen
    models), each burst triggering collections that scan the ever larger heap of kept
    results: about half the cost of a cold inventory (measured in bench/). Neither ASTs
    nor the models form reference cycles, so reference counting frees them all; the
    collector is switched back on (if it was on) afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse_batch(paths: list[str], max_bytes: int) -> list[_Parsed | None]:
    """Worker side of the process pool: read and parse; ``None`` for unreadable files."""
    with cyclic_gc_paused():
        return _parse_batch_now(paths, max_bytes)


def _parse_batch_now(paths: list[str], max_bytes: int) -> list[_Parsed | None]:
    out: list[_Parsed | None] = []
    for path in paths:
        try:
            data = _read(path, max_bytes)
        except OSError:
            out.append(None)
            continue
        if len(data) > max_bytes:
            out.append(("", _too_large(len(data), max_bytes)))
        else:
            out.append((digest(data), parse_module(data, path=path, max_bytes=max_bytes)))
    return out


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _parse_in_pool(paths: list[str], max_bytes: int, jobs: int) -> list[_Parsed | None]:
    import concurrent.futures
    import multiprocessing

    workers = min(jobs, _usable_cpus(), len(paths))
    if workers < 2:
        raise RuntimeError("no parallelism available")
    methods = multiprocessing.get_all_start_methods()
    # Measured on 2 cores, 2,000 distinct modules: serial 5.0 s; fork 2.9 s; forkserver 2.8 s;
    # spawn 2.9 s. fork needs no re-import of __main__ but is unsafe once other threads run
    # (locks held mid-fork), so it is used only in a single-threaded process.
    ctx: multiprocessing.context.BaseContext
    if "fork" in methods and threading.active_count() == 1:
        ctx = multiprocessing.get_context("fork")
    elif "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
    else:
        ctx = multiprocessing.get_context("spawn")
    size = max(8, -(-len(paths) // (workers * 4)))
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    out: list[_Parsed | None] = []
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        for part in pool.map(_parse_batch, chunks, itertools.repeat(max_bytes)):
            out.extend(part)
    return out


def _parse_files(
    files: list[_File], cache: ParseCache, jobs: int, max_bytes: int
) -> list[_Parsed | OSError]:
    """Parse every file (aligned results); only cache misses are parsed, maybe in a pool."""
    results: list[_Parsed | OSError | None] = [None] * len(files)
    if jobs <= 1 or len(files) <= _PARALLEL_MIN:
        return [_parse_one(f.abspath, f.st.st_size, max_bytes, cache) for f in files]
    pending: list[int] = []
    cached = len(cache) > 0
    for i, f in enumerate(files):
        if f.st.st_size > max_bytes:
            results[i] = ("", _too_large(f.st.st_size, max_bytes))
        elif cached:
            try:
                data = _read(f.abspath, max_bytes)
            except OSError as exc:
                results[i] = exc
                continue
            key = digest(data)
            info = cache.get(key) if len(data) <= max_bytes else None
            if info is None:
                pending.append(i)
            else:
                results[i] = (key, info)
        else:
            pending.append(i)
    parsed: list[_Parsed | None] | None = None
    if len(pending) > _PARALLEL_MIN:
        try:
            parsed = _parse_in_pool([files[i].abspath for i in pending], max_bytes, jobs)
        except Exception:  # no processes on this platform / sandbox: serial is fine
            parsed = None
    for n, i in enumerate(pending):
        f = files[i]
        got = parsed[n] if parsed is not None else None
        if got is None:
            results[i] = _parse_one(f.abspath, f.st.st_size, max_bytes, cache)
        else:
            if got[0]:
                cache.put(got[0], got[1])
            results[i] = got
    return [r if r is not None else OSError("not parsed") for r in results]
