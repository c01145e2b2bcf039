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
from dataclasses import dataclass
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
    "cyclic_gc_paused",
]

#: Globs matched against every single path component (file or folder name); always applied.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    "__pycache__",
    ".git",
    ".hg",
    ".svn",
    "build",
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


@dataclass(slots=True)
class _File:
    abspath: str
    rel: str  # root-relative POSIX
    trel: str  # tree-relative POSIX
    name: str
    depth: int
    included: bool
    st: os.stat_result


@dataclass(slots=True)
class _Dir:
    abspath: str
    rel: str
    trel: str
    depth: int
    included: bool
    has_init: bool = False


def _join(prefix: str, name: str) -> str:
    return f"{prefix}/{name}" if prefix else name


class _Walker:
    """Deterministic ``os.scandir`` walk confined to the root (see :func:`scan_tree`)."""

    def __init__(
        self,
        root_real: str,
        *,
        exclude: Sequence[str] = (),
        include: Sequence[str] = (),
        ignored: Callable[[str], bool] | None = None,
        report_depth: int | None = None,
    ) -> None:
        self.root_real = root_real
        self.root_prefix = root_real if root_real.endswith(os.sep) else root_real + os.sep
        self.exclude = _Globs(exclude)
        self.include = _Globs(include)
        self.ignored = ignored
        self.report_depth = report_depth
        self.findings: list[Finding] = []
        self.dirs: list[_Dir] = []
        self.files: list[_File] = []

    def _inside(self, real: str) -> bool:
        return real == self.root_real or real.startswith(self.root_prefix)

    def _report(self, depth: int, code: FindingCode, message: str, rel: str) -> None:
        if self.report_depth is None or depth <= self.report_depth:
            self.findings.append(Finding(FindingKind.IO, message, path=rel or None, code=code))

    def walk(self, top_abs: str, top_rel: str) -> None:
        try:
            st = os.stat(top_abs)
        except OSError as exc:
            self._report(
                0, FindingCode.UNREADABLE, f"cannot read folder: {exc.strerror or exc}", top_rel
            )
            return
        top_real = os.path.realpath(top_abs)
        top_prefix = top_real if top_real.endswith(os.sep) else top_real + os.sep
        top = _Dir(top_abs, top_rel, "", 0, self.include.empty)
        self.dirs.append(top)
        stack: list[tuple[_Dir, frozenset[tuple[int, int]]]] = [
            (top, frozenset({(st.st_dev, st.st_ino)}))
        ]
        exclude, include, ignored = self.exclude, self.include, self.ignored
        while stack:
            parent, ancestors = stack.pop()
            try:
                with os.scandir(parent.abspath) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self._report(
                    parent.depth,
                    FindingCode.UNREADABLE,
                    f"cannot read folder: {exc.strerror or exc}",
                    parent.rel,
                )
                continue
            depth = parent.depth + 1
            subdirs: list[tuple[_Dir, frozenset[tuple[int, int]]]] = []
            for entry in entries:
                name = entry.name
                if _DEFAULT_RE is not None and _DEFAULT_RE.match(name):
                    continue
                rel = _join(parent.rel, name)
                trel = _join(parent.trel, name)
                try:
                    if entry.is_symlink():
                        real = os.path.realpath(entry.path)
                        if not self._inside(real):
                            self._report(
                                depth,
                                FindingCode.SYMLINK_OUTSIDE_ROOT,
                                f"symlink points outside the root ({real}); skipped",
                                rel,
                            )
                            continue
                        if not os.path.exists(real):
                            self._report(
                                depth, FindingCode.UNREADABLE, "broken symlink; skipped", rel
                            )
                            continue
                        if entry.is_dir() and (real == top_real or real.startswith(top_prefix)):
                            # a folder of this very tree: it is listed under its real path,
                            # never a second time (duplicate rows, false ambiguities)
                            continue
                    is_dir = entry.is_dir()
                    is_file = not is_dir and entry.is_file()
                    if not (is_dir or is_file):
                        continue  # sockets, fifos, devices: never opened
                    if exclude.match(trel, name, is_dir):
                        continue
                    if ignored is not None and ignored(rel + "/" if is_dir else rel):
                        continue
                    st = entry.stat()
                except OSError as exc:
                    self._report(
                        depth, FindingCode.UNREADABLE, f"cannot read: {exc.strerror or exc}", rel
                    )
                    continue
                included = parent.included or include.match(trel, name, is_dir)
                if is_dir:
                    ident = (st.st_dev, st.st_ino)
                    if ident in ancestors:
                        self._report(
                            depth,
                            FindingCode.SYMLINK_LOOP,
                            "symlink loop: the folder contains itself; not followed",
                            rel,
                        )
                        continue
                    child = _Dir(entry.path, rel, trel, depth, included)
                    self.dirs.append(child)
                    subdirs.append((child, ancestors | {ident}))
                else:
                    if name == "__init__.py":
                        parent.has_init = True
                    self.files.append(_File(entry.path, rel, trel, name, depth, included, st))
            stack.extend(reversed(subdirs))


class RootListing:
    """Every file and folder of a root, walked once on first use: the default excludes and
    the ``ignored`` predicate skipped, symlinked folders not followed. The code index reads
    paths from it (all indexes of one workspace share one listing); ``walks`` counts walks.
    """

    def __init__(self, root: Path, *, ignored: Callable[[str], bool] | None = None) -> None:
        self.root = root
        self.ignored = ignored
        self.walks = 0
        self.files: set[str] = set()
        self.dirs: set[str] = set()
        self.by_name: dict[str, list[str]] = {}
        self.top: set[str] = set()
        #: files and folders whose last step is not a symlink: the code index answers
        #: their kind without resolving them (anything else goes through ``confine``)
        self.plain_files: set[str] = set()
        self.plain_dirs: set[str] = set()

    def walk(self) -> None:
        if self.walks:
            return
        self.walks += 1
        stack = [""]
        while stack:
            rel = stack.pop()
            try:
                with os.scandir(self.root / rel if rel else self.root) as it:
                    entries = list(it)
            except OSError:
                continue
            for e in entries:
                name = e.name
                if _DEFAULT_RE is not None and _DEFAULT_RE.match(name):
                    continue
                child = f"{rel}/{name}" if rel else name
                if self.ignored is not None and self.ignored(child):
                    continue
                try:
                    is_dir = e.is_dir(follow_symlinks=False)
                    is_file = e.is_file()
                except OSError:
                    continue
                if not rel:
                    self.top.add(name)
                plain = not e.is_symlink()
                if is_dir:
                    self.dirs.add(child)
                    if plain:
                        self.plain_dirs.add(child)
                    self.by_name.setdefault(name + "/", []).append(child)
                    stack.append(child)
                elif is_file:
                    self.files.add(child)
                    if plain:
                        self.plain_files.add(child)
                    self.by_name.setdefault(name, []).append(child)


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
