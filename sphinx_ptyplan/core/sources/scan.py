"""Static scanner: a source tree becomes an :class:`Inventory`; code is parsed, never imported."""

from __future__ import annotations

import hashlib
import keyword
import os
import posixpath
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sphinx_ptyplan.core.models import (
    EntryKind,
    Finding,
    FindingCode,
    FindingKind,
    Inventory,
    ModuleEntry,
    ModuleInfo,
)
from sphinx_ptyplan.core.paths import PathRefused, confine
from sphinx_ptyplan.core.sources.extract import (
    _SCAN_VERSION,
    DEFAULT_MAX_FILE_BYTES,
    digest,
)
from sphinx_ptyplan.core.sources.parsecache import ParseCache
from sphinx_ptyplan.core.sources.walk import (
    RootListing,
    _Dir,
    _File,
    _Globs,
    _parse_files,
    _parse_one,
    _Parsed,
    _read,
    cyclic_gc_paused,
)

__all__ = [
    "fingerprint_tree",
    "scan_tree",
]

# --------------------------------------------------------------------------- scanning


def _norm_tree(tree: str) -> str:
    text = tree.strip().replace("\\", "/")
    if not text:
        return ""
    norm = posixpath.normpath(text)
    return "" if norm == "." else norm


def _dotted(rel: str) -> str | None:
    if rel.endswith(".py"):
        rel = rel[:-3]
    parts = rel.split("/")
    if parts and parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
        return None
    return ".".join(parts)


def _parse_finding(path: str, info: ModuleInfo) -> Finding | None:
    problem = info.problem
    if problem is None:
        return None
    return Finding(
        FindingKind.PARSE,
        problem.message,
        path=path,
        line=problem.line or None,
        code=problem.code,
    )


def _io_finding(path: str | None, exc: OSError) -> Finding:
    msg = f"cannot read: {exc.strerror or exc}"
    return Finding(FindingKind.IO, msg, path=path, code=FindingCode.UNREADABLE)


def _sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(
        sorted(findings, key=lambda f: (f.path or "", f.line or 0, f.code.value, f.message))
    )


def scan_tree(
    root: Path,
    tree: str = "",
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    maxdepth: int | None = None,
    notebooks: str = "informational",
    assets: Sequence[str] = (),
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    ignored: Callable[[str], bool] | None = None,
    cache: ParseCache | None = None,
    jobs: int = 1,
    listing: RootListing | None = None,
) -> Inventory:
    """Scan ``tree`` (POSIX, relative to ``root``) into an :class:`Inventory`.

    Rows: ``PACKAGE`` (folder with ``__init__.py``; the tree folder itself included),
    ``NAMESPACE`` (folder without it holding listed modules), ``MODULE``, ``NOTEBOOK`` and
    ``ASSET`` (other files matching an ``assets`` glob). ``include``/``exclude`` globs match
    tree-relative paths (folders also with a trailing ``/``; a pattern without ``/`` matches
    the bare name at any depth); a folder matching ``include`` includes everything below it.
    ``maxdepth`` limits rows to that folder depth below the tree (1: direct children).
    Problems become findings, never exceptions. ``cache`` skips parsing unchanged
    contents; ``jobs > 1`` parses many cache misses in a process pool (same results as
    serial).

    The files are those of ``listing`` (the workspace's one listing of the root, shared with
    the code index: each folder read once, one symlink policy, its ``ignored`` predicate)
    under the tree; without one, a listing of the root with ``ignored`` is made.
    """
    root_real_path = root.resolve()
    root_real = str(root_real_path)
    tree_rel = _norm_tree(tree)
    empty = Inventory(root=root_real_path.as_posix(), tree=tree_rel)
    try:
        if tree_rel:
            confine(root_real_path, tree_rel)  # walked below through its logical path
    except PathRefused as exc:
        return _with(empty, Finding(FindingKind.CONFIG, str(exc), code=FindingCode.OUTSIDE_ROOT))
    top_abs = os.path.join(root_real, tree_rel) if tree_rel else root_real
    try:
        top_mode = os.stat(top_abs).st_mode
    except (FileNotFoundError, NotADirectoryError):
        msg = f"path {tree_rel or '.'!r} does not exist under the root ({root_real})"
        return _with(empty, Finding(FindingKind.CONFIG, msg, code=FindingCode.MISSING_PATH))
    except OSError as exc:
        return _with(empty, _io_finding(tree_rel or None, exc))
    if cache is None:
        cache = ParseCache()
    if stat.S_ISREG(top_mode):
        return _scan_single(empty, top_abs, tree_rel, notebooks, max_file_bytes, cache)

    if listing is None:
        listing = RootListing(root_real_path, ignored=ignored)
    walker = listing.walk_tree(
        _real_rel(root_real, top_abs),
        tree_rel,
        exclude=exclude,
        include=include,
        report_depth=maxdepth,
    )
    findings = list(walker.findings)
    dirs = {d.trel: d for d in walker.dirs}
    asset_globs = _Globs(assets) if assets else None

    def in_depth(depth: int) -> bool:
        return maxdepth is None or depth <= maxdepth

    modules: list[_File] = []
    notebook_files: list[_File] = []
    asset_files: list[_File] = []
    has_code: set[str] = set()  # tree-relative folders holding modules (recursively)
    for f in walker.files:
        parent = posixpath.dirname(f.trel)
        if f.name.endswith(".py"):
            if f.name == "__init__.py" and (tree_rel or parent):
                continue  # folded into the package row
            if f.included:
                _mark_parents(parent, has_code)
                if in_depth(f.depth):
                    modules.append(f)
        elif not f.included or not in_depth(f.depth):
            continue
        elif f.name.endswith(".ipynb"):
            if notebooks != "exclude":
                notebook_files.append(f)
        elif asset_globs is not None and asset_globs.match(f.trel, f.name, False):
            asset_files.append(f)

    init_files = {posixpath.dirname(f.trel): f for f in walker.files if f.name == "__init__.py"}
    packages: list[tuple[_Dir, _File]] = []
    for d in dirs.values():
        init = init_files.get(d.trel) if d.has_init and (d.depth or tree_rel) else None
        if init is not None and (d.included or init.included):
            _mark_parents(d.trel, has_code)  # deeper packages make their parents namespaces
            if in_depth(d.depth):
                packages.append((d, init))
    namespaces = [
        d
        for d in dirs.values()
        if not d.has_init
        and d.included
        and d.trel in has_code
        and in_depth(d.depth)
        and (d.depth or tree_rel)
    ]

    to_parse = modules + [init for _, init in packages]
    with cyclic_gc_paused():
        parsed = _parse_files(to_parse, cache, jobs, max_file_bytes)
    results = dict(zip((f.rel for f in to_parse), parsed, strict=True))

    entries: list[ModuleEntry] = []
    for f in modules:
        entry = _module_entry(f.rel, EntryKind.MODULE, results[f.rel], f.rel, findings)
        if entry is not None:
            entries.append(entry)
    for d, init in packages:
        got = results[init.rel]
        entry = _module_entry(d.rel, EntryKind.PACKAGE, got, init.rel, findings)
        entries.append(entry or ModuleEntry(d.rel, EntryKind.PACKAGE, dotted=_dotted(d.rel)))
    for d in namespaces:
        entries.append(ModuleEntry(d.rel, EntryKind.NAMESPACE, dotted=_dotted(d.rel)))
    for f in notebook_files:
        entries.append(
            _notebook_entry(f.abspath, f.rel, f.st.st_size, max_file_bytes, cache, findings)
        )
    for f in asset_files:
        entries.append(ModuleEntry(f.rel, EntryKind.ASSET))
    entries.sort(key=lambda e: e.path)
    return Inventory(
        root=empty.root,
        tree=tree_rel,
        entries=tuple(entries),
        findings=_sort_findings(findings),
    )


def _real_rel(root_real: str, path: str) -> str:
    """The root-relative real path of a folder inside the root (``confine`` checked it)."""
    rel = os.path.relpath(os.path.realpath(path), root_real)
    return "" if rel == "." else rel.replace(os.sep, "/")


def _mark_parents(folder: str, has_code: set[str]) -> None:
    """Mark ``folder`` and its ancestors up to the tree ("") as holding code."""
    while True:
        if folder in has_code:
            return
        has_code.add(folder)
        if not folder:
            return
        folder = posixpath.dirname(folder)


def _with(inv: Inventory, finding: Finding) -> Inventory:
    return Inventory(root=inv.root, tree=inv.tree, entries=inv.entries, findings=(finding,))


def _module_entry(
    path: str,
    kind: EntryKind,
    got: _Parsed | OSError,
    source: str,
    findings: list[Finding],
) -> ModuleEntry | None:
    if isinstance(got, OSError):
        findings.append(_io_finding(source, got))
        return None
    key, info = got
    finding = _parse_finding(source, info)
    if finding is not None:
        findings.append(finding)
    return ModuleEntry(
        path, kind, dotted=_dotted(path), info=info, lines=info.total_lines, digest=key
    )


def _notebook_entry(
    abspath: str,
    rel: str,
    size: int,
    max_bytes: int,
    cache: ParseCache,
    findings: list[Finding],
) -> ModuleEntry:
    if size > max_bytes:  # big outputs are common in notebooks: list it, untitled, quietly
        return ModuleEntry(rel, EntryKind.NOTEBOOK)
    try:
        data = _read(abspath, max_bytes)
    except OSError as exc:
        findings.append(_io_finding(rel, exc))
        return ModuleEntry(rel, EntryKind.NOTEBOOK)
    title, lines, error = cache.notebook(data)
    if error is not None:
        findings.append(Finding(FindingKind.PARSE, error, path=rel, code=FindingCode.NOTEBOOK_JSON))
    return ModuleEntry(rel, EntryKind.NOTEBOOK, title=title, lines=lines, digest=digest(data))


def _scan_single(
    empty: Inventory,
    abspath: str,
    rel: str,
    notebooks: str,
    max_bytes: int,
    cache: ParseCache,
) -> Inventory:
    findings: list[Finding] = []
    entries: list[ModuleEntry] = []
    try:
        size = os.stat(abspath).st_size
    except OSError as exc:
        return _with(empty, _io_finding(rel, exc))
    if rel.endswith(".py"):
        got = _parse_one(abspath, size, max_bytes, cache)
        entry = _module_entry(rel, EntryKind.MODULE, got, rel, findings)
        if entry is not None:
            entries.append(entry)
    elif rel.endswith(".ipynb"):
        if notebooks != "exclude":
            entries.append(_notebook_entry(abspath, rel, size, max_bytes, cache, findings))
    else:
        entries.append(ModuleEntry(rel, EntryKind.ASSET))
    return Inventory(
        root=empty.root, tree=empty.tree, entries=tuple(entries), findings=tuple(findings)
    )


def fingerprint_tree(
    root: Path,
    tree: str,
    *,
    exclude: Sequence[str] = (),
    ignored: Callable[[str], bool] | None = None,
) -> str:
    """Cheap digest of a tree's state from ``stat`` only (same walk rules as :func:`scan_tree`).

    Covers every file's relative path, size, mtime, ctime and inode (ctime catches an edit
    that restores size and mtime) plus what could not be read. Never raises.
    """
    h = hashlib.blake2b(digest_size=16)
    h.update(f"ptyplan-fingerprint/{_SCAN_VERSION}\0".encode())
    try:
        root_real = root.resolve()
        tree_rel = _norm_tree(tree)
        h.update(f"{root_real.as_posix()}\0{tree_rel}\0".encode())
        try:
            target = confine(root_real, tree_rel) if tree_rel else root_real
        except PathRefused:
            h.update(b"refused")
            return h.hexdigest()
        top_abs = os.path.join(str(root_real), tree_rel) if tree_rel else str(root_real)
        if target.is_file():
            st = os.stat(top_abs)
            h.update(f"{tree_rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0".encode())
            h.update(f"{st.st_ino}\n".encode())
            return h.hexdigest()
        if not target.exists():
            h.update(b"missing")
            return h.hexdigest()
        walker = RootListing(root_real, ignored=ignored).walk_tree(
            _real_rel(str(root_real), top_abs), tree_rel, exclude=exclude
        )
        parts = []
        for f in walker.files:
            st = f.st
            parts.append(
                f"{f.rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\n"
            )
        for finding in walker.findings:
            parts.append(f"!{finding.code}\0{finding.path}\n")
        h.update("".join(parts).encode("utf-8", "surrogateescape"))
    except (OSError, ValueError, RuntimeError) as exc:
        h.update(f"unreadable\0{type(exc).__name__}".encode())
    return h.hexdigest()
