"""Revision delta: what changed under a tree between two revisions (or a snapshot and now)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sphinx_ptyplan.core.checks.apidiff import ApiChange, api_diff
from sphinx_ptyplan.core.checks.coverage import MISSING, Coverage
from sphinx_ptyplan.core.models import (
    EntryKind,
    Finding,
    FindingCode,
    FindingKind,
    Inventory,
    ModuleInfo,
    RefKind,
)
from sphinx_ptyplan.core.paths import PathRefused, confine

if TYPE_CHECKING:
    from sphinx_ptyplan.core.sources.parsecache import ParseCache

__all__ = [
    "ApiChange",
    "ChangeLike",
    "DeltaRow",
    "RepoLike",
    "RevisionDelta",
    "api_diff",
    "revision_delta",
]


def _norm_path(path: str) -> str:
    text = path.strip().replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    text = re.sub(r"/{2,}", "/", text)
    return text.rstrip("/")


def _dotted_name(name: str) -> str:
    name = name.strip().strip("`")
    return name[:-2] if name.endswith("()") else name


def _git_finding(exc: Exception) -> Finding:
    """A ``GIT`` finding for a :class:`gitrepo.GitError` (or git output we did not expect)."""
    from sphinx_ptyplan.core.sources.gitrepo import GitError

    if isinstance(exc, GitError):
        return Finding(FindingKind.GIT, exc.message, code=exc.code)
    return Finding(
        FindingKind.GIT, f"git failed: {type(exc).__name__}: {exc}", code=FindingCode.FAILED
    )


# --------------------------------------------------------------------------- revision delta


@dataclass(frozen=True, slots=True)
class DeltaRow:
    """One changed path of the tree between two revisions (or a snapshot and now).

    ``kind`` is ``module``, ``package`` (an ``__init__.py``), ``notebook`` or ``file``;
    ``api`` the API changes of a modified/renamed module; ``in_plan`` whether the plan's
    coverage covers the path (``None`` without a plan); ``unread`` why its API could not be
    compared (a side's object is missing from the repository), so an empty ``api`` is never
    read as "no API change".
    """

    status: str
    path: str
    old_path: str | None
    similarity: int | None
    kind: str
    api: tuple[ApiChange, ...] = ()
    in_plan: bool | None = None
    unread: str | None = None


@dataclass(frozen=True, slots=True)
class RevisionDelta:
    """What changed under ``tree`` from ``base`` to ``head`` (``None``: the working tree)."""

    tree: str
    base: str
    base_sha: str | None
    head: str | None
    head_sha: str | None
    rows: tuple[DeltaRow, ...]
    findings: tuple[Finding, ...] = ()


class ChangeLike(Protocol):
    """One line of ``git diff --name-status`` (``gitrepo.Change``)."""

    @property
    def status(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def old_path(self) -> str | None: ...

    @property
    def similarity(self) -> int | None: ...


class RepoLike(Protocol):
    """The few :class:`gitrepo.GitRepo` calls a revision delta makes."""

    def resolve(self, rev: str) -> str: ...

    def changes(
        self, base: str, head: str | None, paths: Sequence[str]
    ) -> Sequence[ChangeLike]: ...

    def read_blobs(self, rev: str, paths: Sequence[str]) -> Mapping[str, bytes | None]: ...


_STATUS = {
    "a": "added",
    "added": "added",
    "c": "added",
    "copied": "added",
    "d": "removed",
    "deleted": "removed",
    "removed": "removed",
    "r": "renamed",
    "renamed": "renamed",
    "m": "modified",
    "modified": "modified",
    "t": "modified",
    "typechange": "modified",
}


def _status(raw: str) -> str:
    key = raw.strip().lower().rstrip("0123456789")
    return _STATUS.get(key, "modified")


def _file_kind(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if name == "__init__.py":
        return "package"
    if name.endswith(".py"):
        return "module"
    if name.endswith(".ipynb"):
        return "notebook"
    return "file"


_ENTRY_KIND = {
    EntryKind.PACKAGE: "package",
    EntryKind.MODULE: "module",
    EntryKind.NOTEBOOK: "notebook",
    EntryKind.ASSET: "file",
}


def _excluded(path: str) -> bool:
    from sphinx_ptyplan.core.sources.walk import DEFAULT_EXCLUDES

    return any(
        fnmatch.fnmatchcase(part, pat) for part in path.split("/") for pat in DEFAULT_EXCLUDES
    )


class _PlanIndex:
    """Answers ``in_plan`` for delta paths from a coverage (``None`` without one)."""

    def __init__(self, cov: Coverage | None) -> None:
        self.cov = cov
        self.rows = {r.entry.path: r for r in cov.rows} if cov is not None else {}
        self.stale_paths: set[str] = set()
        self.stale_names: set[str] = set()
        for s in cov.stale if cov is not None else ():
            if s.ref.path:
                self.stale_paths.add(_norm_path(s.ref.path))
            elif s.ref.kind is RefKind.DOTTED:
                self.stale_names.add(_dotted_name(s.ref.name or s.ref.text))

    def __call__(self, path: str) -> bool | None:
        if self.cov is None:
            return None
        key = path.removesuffix("/__init__.py") if path.endswith("/__init__.py") else path
        row = self.rows.get(key)
        if row is not None:
            return row.status != MISSING
        if path in self.stale_paths or key in self.stale_paths:
            return True
        dotted = key.removesuffix(".py").replace("/", ".")
        return any(n == dotted or n.startswith(dotted + ".") for n in self.stale_names)


def _parse(data: bytes, path: str, cache: ParseCache | None, max_bytes: int) -> ModuleInfo:
    from sphinx_ptyplan.core.sources.extract import parse_module

    if cache is not None:
        return cache.get_or_parse(data, path=path, max_bytes=max_bytes)[1]
    return parse_module(data, path=path, max_bytes=max_bytes)


def _parse_finding(path: str, info: ModuleInfo) -> Finding | None:
    if info.problem is None:
        return None
    return Finding(
        FindingKind.PARSE,
        f"{path}: {info.problem.message}",
        path=path,
        line=info.problem.line or None,
        code=info.problem.code,
    )


def revision_delta(
    root: Path,
    tree: str,
    base: str,
    head: str | None = None,
    *,
    repo: RepoLike | None = None,
    coverage: Coverage | None = None,
    cache: ParseCache | None = None,
    snapshot: Inventory | None = None,
    inventory: Inventory | None = None,
    max_file_bytes: int = 5_000_000,
) -> RevisionDelta:
    """What changed under ``tree`` from ``base`` to ``head`` (``None``: the working tree).

    Git: one ``changes(base, head, [tree])`` call (``git diff --name-status -M``); the base
    side of modified/renamed ``.py`` files is read with one ``read_blobs`` call, the head
    side from the working tree or one ``read_blobs(head, …)``; both are parsed (through
    ``cache``) and compared with :func:`api_diff`. Unchanged files are never read.
    ``repo`` is an open ``GitRepo``; without one a repository is opened and closed here.

    Snapshot: with ``snapshot`` (an inventory saved by ``ptyplan inventory --json``) no git
    is used; ``base`` is only a label, and the snapshot's rows are compared by path and
    digest with ``inventory`` (scanned here when ``None``); a removed and an added row
    with the same digest are a rename.

    ``coverage`` fills :attr:`DeltaRow.in_plan`. Nothing raises: an unknown or unsafe
    revision, a shallow clone, missing objects or no git become ``GIT`` findings, the same
    commit on both sides a ``CONFIG`` finding (``same-revision``), with an empty delta.
    """
    tree_n = _norm_path(tree)
    in_plan = _PlanIndex(coverage)
    if snapshot is not None:
        return _snapshot_delta(
            root, tree_n, base, head, snapshot, inventory, cache, in_plan, max_file_bytes
        )
    from sphinx_ptyplan.core.sources.gitrepo import GitError, GitRepo

    state = _GitState(tree_n, base, head)
    try:
        if repo is None:
            with GitRepo.open(root) as opened:
                _git_delta(opened, root, state, cache, in_plan, max_file_bytes)
        else:
            _git_delta(repo, root, state, cache, in_plan, max_file_bytes)
    except GitError as exc:
        state.findings.append(_git_finding(exc))
    except (OSError, ValueError, LookupError) as exc:  # git output we did not expect
        state.findings.append(_git_finding(exc))
    return state.result()


@dataclass
class _GitState:
    tree: str
    base: str
    head: str | None
    base_sha: str | None = None
    head_sha: str | None = None
    rows: list[DeltaRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def result(self) -> RevisionDelta:
        return RevisionDelta(
            tree=self.tree,
            base=self.base,
            base_sha=self.base_sha,
            head=self.head,
            head_sha=self.head_sha,
            rows=tuple(self.rows),
            findings=tuple(self.findings),
        )


def _git_delta(
    repo: RepoLike,
    root: Path,
    state: _GitState,
    cache: ParseCache | None,
    in_plan: _PlanIndex,
    max_bytes: int,
) -> None:
    from sphinx_ptyplan.core.sources.gitrepo import GitError

    state.base_sha = repo.resolve(state.base)
    if state.head is not None:
        state.head_sha = repo.resolve(state.head)
        if state.head_sha == state.base_sha:
            state.findings.append(
                Finding(
                    FindingKind.CONFIG,
                    f"base {state.base!r} and head {state.head!r} are the same commit "
                    f"({state.base_sha[:7]}): nothing to compare",
                    code=FindingCode.SAME_REVISION,
                )
            )
            return
    head_rev = state.head_sha
    changes = repo.changes(state.base_sha, head_rev, [state.tree] if state.tree else [])
    kept: list[tuple[str, ChangeLike]] = []
    for ch in changes:
        status = _status(ch.status)
        path = _norm_path(ch.path)
        # ``changes`` keeps what concerns the tree: its files, files moved in or out of it,
        # and files deleted from its former name (a renamed tree folder).
        if _excluded(path):
            continue
        kept.append((status, ch))

    # The modules whose API is compared: modified and renamed Python files.
    pairs: list[tuple[str, str]] = []  # (old path, new path)
    for status, ch in kept:
        if status in ("modified", "renamed") and ch.path.endswith(".py"):
            pairs.append((_norm_path(ch.old_path or ch.path), _norm_path(ch.path)))
    apis: dict[str, tuple[ApiChange, ...]] = {}
    unread: dict[str, str] = {}  # new path -> why its API was not compared
    if pairs:
        try:
            apis = _api_changes(repo, root, state, pairs, cache, max_bytes, unread)
        except GitError as exc:  # rows stay useful without their API diffs
            state.findings.append(_git_finding(exc))
    for status, ch in sorted(kept, key=lambda k: _norm_path(k[1].path)):
        path = _norm_path(ch.path)
        old = _norm_path(ch.old_path) if ch.old_path and status == "renamed" else None
        state.rows.append(
            DeltaRow(
                status=status,
                path=path,
                old_path=old,
                similarity=ch.similarity,
                kind=_file_kind(path),
                api=apis.get(path, ()),
                in_plan=in_plan(path),
                unread=unread.get(path),
            )
        )


def _api_changes(
    repo: RepoLike,
    root: Path,
    state: _GitState,
    pairs: Sequence[tuple[str, str]],
    cache: ParseCache | None,
    max_bytes: int,
    unread: dict[str, str],
) -> dict[str, tuple[ApiChange, ...]]:
    assert state.base_sha is not None
    old_missing: dict[str, str] = {}
    old_blobs = _read_each(repo, state.base_sha, [o for o, _ in pairs], old_missing)
    news = [n for _, n in pairs]
    new_missing: dict[str, str] = {}
    new_blobs: Mapping[str, bytes | None]
    if state.head_sha is not None:
        new_blobs = _read_each(repo, state.head_sha, news, new_missing)
    else:
        new_blobs = {n: _read_worktree(root, n, max_bytes, state.findings) for n in news}
    for old_path, new_path in pairs:
        why = old_missing.get(old_path) or new_missing.get(new_path)
        if why is None or new_path in unread:
            continue
        side = state.base if old_path in old_missing else state.head or "HEAD"
        unread[new_path] = f"not compared: its {side} side is missing from this repository"
        state.findings.append(
            Finding(
                FindingKind.GIT,
                f"{new_path}: API changes not compared ({why}); the rest of the delta is complete",
                code=FindingCode.MISSING_OBJECT,
                subject=new_path,
            )
        )
    from sphinx_ptyplan.core.sources.walk import cyclic_gc_paused

    with cyclic_gc_paused():
        return _diff_pairs(state, pairs, old_blobs, new_blobs, cache, max_bytes)


def _read_each(
    repo: RepoLike, sha: str, paths: Sequence[str], missing: dict[str, str]
) -> dict[str, bytes | None]:
    """``paths`` at ``sha`` in one batched read; when an object is missing, again one read
    each, so it costs only its own file: its path goes into ``missing`` (with git's words)
    and its content is ``None``."""
    from sphinx_ptyplan.core.sources.gitrepo import GitError

    wanted = list(dict.fromkeys(paths))
    try:
        return dict(repo.read_blobs(sha, wanted))
    except GitError as exc:
        if exc.code is not FindingCode.MISSING_OBJECTS:
            raise
    out: dict[str, bytes | None] = {}
    for path in wanted:
        try:
            out[path] = repo.read_blobs(sha, [path]).get(path)
        except GitError as exc:
            if exc.code is not FindingCode.MISSING_OBJECTS:
                raise
            out[path] = None
            missing[path] = exc.message
    return out


def _diff_pairs(
    state: _GitState,
    pairs: Sequence[tuple[str, str]],
    old_blobs: Mapping[str, bytes | None],
    new_blobs: Mapping[str, bytes | None],
    cache: ParseCache | None,
    max_bytes: int,
) -> dict[str, tuple[ApiChange, ...]]:
    out: dict[str, tuple[ApiChange, ...]] = {}
    for old_path, new_path in pairs:
        old_data, new_data = old_blobs.get(old_path), new_blobs.get(new_path)
        if old_data is None or new_data is None:
            continue
        new_info = _parse(new_data, new_path, cache, max_bytes)
        problem = _parse_finding(new_path, new_info)
        if problem is not None:
            state.findings.append(problem)
            continue
        old_info = _parse(old_data, old_path, cache, max_bytes)
        out[new_path] = api_diff(old_info, new_info)
    return out


def _read_worktree(root: Path, rel: str, max_bytes: int, findings: list[Finding]) -> bytes | None:
    try:
        real = confine(root, rel)
        with real.open("rb") as fh:
            return fh.read(max_bytes + 1)
    except PathRefused as exc:
        findings.append(Finding(FindingKind.IO, str(exc), path=rel, code=FindingCode.OUTSIDE_ROOT))
    except OSError as exc:
        findings.append(
            Finding(
                FindingKind.IO,
                f"cannot read {rel}: {exc.strerror or exc}",
                path=rel,
                code=FindingCode.UNREADABLE,
            )
        )
    return None


def _snapshot_delta(
    root: Path,
    tree: str,
    base: str,
    head: str | None,
    snapshot: Inventory,
    inventory: Inventory | None,
    cache: ParseCache | None,
    in_plan: _PlanIndex,
    max_bytes: int,
) -> RevisionDelta:
    def empty(code: FindingCode, message: str) -> RevisionDelta:
        finding = Finding(FindingKind.CONFIG, message, code=code)
        return RevisionDelta(tree, base, None, head, None, (), (finding,))

    if head is not None:
        return empty(
            FindingCode.SNAPSHOT_WITH_HEAD,
            f"a snapshot base ({base}) is compared with the working tree only, not {head!r}",
        )
    if _norm_path(snapshot.tree) != tree:
        return empty(
            FindingCode.SNAPSHOT_TREE,
            f"snapshot {base} inventories {snapshot.tree or '.'!r}, not {tree or '.'!r}",
        )
    if inventory is None:
        from sphinx_ptyplan.core.sources.scan import scan_tree

        inventory = scan_tree(root, tree, cache=cache, max_file_bytes=max_bytes)
    old = {e.path: e for e in snapshot.entries if e.kind in _ENTRY_KIND}
    new = {e.path: e for e in inventory.entries if e.kind in _ENTRY_KIND}
    removed = [p for p in old if p not in new]
    added = [p for p in new if p not in old]
    # A removed and an added row holding the same bytes: a rename (both digests unique).
    by_digest_old: dict[str, list[str]] = {}
    for p in removed:
        if old[p].digest:
            by_digest_old.setdefault(old[p].digest, []).append(p)
    by_digest_new: dict[str, list[str]] = {}
    for p in added:
        if new[p].digest:
            by_digest_new.setdefault(new[p].digest, []).append(p)
    renamed_from: dict[str, str] = {}
    for dig, olds in by_digest_old.items():
        news = by_digest_new.get(dig, [])
        if len(olds) == 1 and len(news) == 1:
            renamed_from[news[0]] = olds[0]
    gone = set(renamed_from.values())

    rows: list[DeltaRow] = []
    for p in sorted({*old, *new}):
        o, n = old.get(p), new.get(p)
        if n is not None and o is not None:
            if not o.digest or not n.digest or o.digest == n.digest:
                continue
            api: tuple[ApiChange, ...] = ()
            if o.info is not None and n.info is not None:
                api = api_diff(o.info, n.info)
            rows.append(DeltaRow("modified", p, None, None, _ENTRY_KIND[n.kind], api, in_plan(p)))
        elif n is not None:
            src = renamed_from.get(p)
            if src is not None:
                rows.append(DeltaRow("renamed", p, src, 100, _ENTRY_KIND[n.kind], (), in_plan(p)))
            else:
                rows.append(DeltaRow("added", p, None, None, _ENTRY_KIND[n.kind], (), in_plan(p)))
        elif o is not None and p not in gone:
            rows.append(DeltaRow("removed", p, None, None, _ENTRY_KIND[o.kind], (), in_plan(p)))
    return RevisionDelta(tree, base, None, None, None, tuple(rows), inventory.findings)
