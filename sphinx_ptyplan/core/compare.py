"""Compare a plan with the tree (coverage, stale references) and a tree with itself over time."""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sphinx_ptyplan.core.checks.apidiff import ApiChange, api_diff
from sphinx_ptyplan.core.models import (
    EntryKind,
    Finding,
    FindingKind,
    Inventory,
    ModuleEntry,
    ModuleInfo,
    Reference,
    RefKind,
)
from sphinx_ptyplan.core.paths import PathRefused, confine
from sphinx_ptyplan.core.sources.classify import is_artefact, is_external_path

if TYPE_CHECKING:
    from sphinx_ptyplan.core.sources.parsecache import ParseCache

__all__ = [
    "ApiChange",
    "Coverage",
    "CoverageRow",
    "DeltaRow",
    "PlanLike",
    "RevisionDelta",
    "StaleRef",
    "StoryLike",
    "api_diff",
    "coverage",
    "revision_delta",
]

COVERED = "covered"
BY_PACKAGE = "covered-by-package"
MISSING = "missing"

#: Entry kinds counted in :attr:`Coverage.percent` (notebooks, assets, namespaces are not).
COUNTED_KINDS = (EntryKind.PACKAGE, EntryKind.MODULE)


class StoryLike(Protocol):
    """What :func:`coverage` needs from a git path story (``gitrepo.PathStory``)."""

    @property
    def new_path(self) -> str | None: ...

    def describe(self) -> str: ...


class PlanLike(Protocol):
    """What :func:`coverage` needs from a parsed plan (``references.ParsedDocument``)."""

    @property
    def path(self) -> str: ...

    @property
    def references(self) -> Sequence[Reference]: ...


StoryFn = Callable[[Sequence[str]], Mapping[str, StoryLike]]


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """One inventory row and how the plan covers it.

    ``status`` is ``covered`` (the plan names the module, its path, or a symbol in it),
    ``covered-by-package`` (only an enclosing package/folder is named) or ``missing``.
    ``sections`` lists ``(section title, anchor, plan line)`` of the covering mentions,
    one per section in source order (the line of the first mention in that section).
    """

    entry: ModuleEntry
    status: str
    sections: tuple[tuple[str, str | None, int], ...] = ()
    refs: tuple[Reference, ...] = ()


@dataclass(frozen=True, slots=True)
class StaleRef:
    """A plan reference into the tree that matches nothing in it.

    ``story`` is the git story (``renamed to X in abc1234 (2025-10-02)``) when known;
    ``replacement`` the reference rewritten to the new path when the target was renamed.
    """

    ref: Reference
    story: str | None
    replacement: str | None
    finding: Finding


@dataclass(frozen=True, slots=True)
class Coverage:
    """How a plan covers an inventory (phase A2: covered / missing tags, stale references)."""

    plan: str
    tree: str
    rows: tuple[CoverageRow, ...]
    stale: tuple[StaleRef, ...]
    covered: int
    by_package: int
    missing: int
    problems: tuple[Finding, ...] = ()  # e.g. git could not tell the stories

    @property
    def percent(self) -> float:
        """Share of package and module rows the plan covers, directly or by package."""
        total = self.covered + self.by_package + self.missing
        return 100.0 * (self.covered + self.by_package) / total if total else 0.0

    def row(self, path: str) -> CoverageRow | None:
        for r in self.rows:
            if r.entry.path == path:
                return r
        return None

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Stale-reference findings, then problems met while comparing."""
        return (*(s.finding for s in self.stale), *self.problems)


# --------------------------------------------------------------------------- helpers


def _norm_path(path: str) -> str:
    text = path.strip().replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    text = re.sub(r"/{2,}", "/", text)
    return text.rstrip("/")


def _under(path: str, folder: str) -> bool:
    """``path`` is ``folder`` or inside it ("" is the root and holds everything)."""
    return not folder or path == folder or path.startswith(folder + "/")


def _parents(path: str) -> Iterable[str]:
    """Ancestor folders of a POSIX path, nearest first (not including "")."""
    parts = path.split("/")
    for i in range(len(parts) - 1, 0, -1):
        yield "/".join(parts[:i])


def _dotted_name(ref: Reference) -> str:
    name = (ref.name or ref.text).strip().strip("`")
    if name.endswith("()"):
        name = name[:-2]
    return name


def _tree_dotted(inventory: Inventory) -> tuple[str, ...]:
    """Dotted prefixes that name the tree (``("ptycho_torch",)``; top names for the root)."""
    tree = _norm_path(inventory.tree)
    if not tree:
        return tuple(
            sorted(
                {
                    e.dotted.split(".")[0]
                    for e in inventory.entries
                    if e.dotted and e.kind in (*COUNTED_KINDS, EntryKind.NAMESPACE)
                }
            )
        )
    for e in inventory.entries:
        if e.path == tree and e.dotted:
            return (e.dotted,)
    for e in inventory.entries:
        if not e.dotted or e.kind not in COUNTED_KINDS or not _under(e.path, tree):
            continue
        rel = e.path[len(tree) + 1 :]
        rel_dotted = rel.removesuffix(".py").replace("/", ".")
        if e.dotted == rel_dotted:
            return ()
        if e.dotted.endswith("." + rel_dotted):
            return (e.dotted[: -len(rel_dotted) - 1],)
    return (tree.replace("/", "."),)


class _Tree:
    """Lookups over one inventory, plus cheap existence checks under the root."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.root = Path(inventory.root)
        self.tree = _norm_path(inventory.tree)
        self.dotted_prefixes = _tree_dotted(inventory)
        self.by_path: dict[str, ModuleEntry] = {}
        self.by_dotted: dict[str, ModuleEntry] = {}
        self.folders: set[str] = set()
        for e in inventory.entries:
            self.by_path.setdefault(e.path, e)
            if e.kind is EntryKind.PACKAGE:
                self.by_path.setdefault(e.source_path, e)
            if e.kind in (EntryKind.PACKAGE, EntryKind.NAMESPACE):
                self.folders.add(e.path)
            if e.dotted and e.kind in (*COUNTED_KINDS, EntryKind.NAMESPACE):
                self.by_dotted.setdefault(e.dotted, e)
            for parent in _parents(e.path):
                if parent in self.folders:
                    break
                self.folders.add(parent)
        self._exists: dict[str, bool] = {}
        self._texts: dict[str, str] = {}

    def in_tree_path(self, path: str) -> bool:
        return _under(path, self.tree)

    def in_tree_dotted(self, name: str) -> bool:
        return any(name == p or name.startswith(p + ".") for p in self.dotted_prefixes)

    def dotted_to_path(self, parts: Sequence[str]) -> str:
        """Folder-ish path of a dotted name (``a.b`` -> ``tree/b`` when ``a`` names the tree)."""
        name = ".".join(parts)
        for p in self.dotted_prefixes:
            if name == p or name.startswith(p + "."):
                rest = name[len(p) + 1 :].replace(".", "/")
                return "/".join(x for x in (self.tree, rest) if x)
        return name.replace(".", "/")

    def path_to_dotted(self, path: str) -> str:
        path = path.removesuffix(".py").removesuffix("/__init__")
        if self.tree and _under(path, self.tree) and len(self.dotted_prefixes) == 1:
            rest = path[len(self.tree) + 1 :].replace("/", ".")
            return ".".join(x for x in (self.dotted_prefixes[0], rest) if x)
        return path.replace("/", ".")

    def exists(self, rel: str) -> bool:
        if rel not in self._exists:
            try:
                self._exists[rel] = bool(rel) and confine(self.root, rel).exists()
            except (PathRefused, OSError):
                self._exists[rel] = False
        return self._exists[rel]

    def source_text(self, entry: ModuleEntry) -> str:
        rel = entry.source_path
        if rel not in self._texts:
            try:
                data = confine(self.root, rel).read_bytes()
            except (PathRefused, OSError):
                data = b""
            self._texts[rel] = data.decode("utf-8", "replace")
        return self._texts[rel]

    def defines(self, entry: ModuleEntry, name: str) -> bool | None:
        """Whether the entry's module defines (or, for a package, re-exports) ``name``.

        ``None`` when it cannot be told (no parse, unparseable file).
        """
        info = entry.info
        if info is None or info.problem is not None:
            return None
        if info.symbol(name) is not None or name in (info.all_names or ()):
            return True
        if entry.kind is EntryKind.PACKAGE:
            # Packages re-export with imports the scan does not record; any whole-word use of
            # the name in ``__init__.py`` counts.
            return re.search(rf"\b{re.escape(name)}\b", self.source_text(entry)) is not None
        return False


@dataclass
class _Candidate:
    """A reference that matched nothing; turned into a StaleRef once git has spoken."""

    ref: Reference
    path: str  # the missing path (file or folder), as a root-relative path
    questions: tuple[str, ...]  # paths to ask the story about, most specific first
    in_tree: bool
    code: str
    message: str
    dotted: bool = False


def _questions(tree: _Tree, path: str, extra: Sequence[str] = ()) -> tuple[str, ...]:
    """``path`` and its missing ancestor folders: what git is asked about."""
    out = [*extra, path]
    for parent in _parents(path):
        if tree.exists(parent):
            break
        out.append(parent)
    return tuple(dict.fromkeys(q for q in out if q))


def _dotted_questions(tree: _Tree, parts: Sequence[str]) -> tuple[str, ...]:
    out: list[str] = []
    for k in range(len(parts), 0, -1):
        base = tree.dotted_to_path(parts[:k])
        if tree.exists(base) or tree.exists(base + ".py"):
            break
        out.extend((base + ".py", base))
    return tuple(dict.fromkeys(out))


# --------------------------------------------------------------------------- coverage


def coverage(
    inventory: Inventory,
    plan: PlanLike,
    *,
    story: StoryFn | None = None,
) -> Coverage:
    """Tag every inventory row covered / covered-by-package / missing; list stale references.

    A row is ``covered`` when the plan names it by path (with or without ``:line``), by
    dotted module name, or by a symbol inside it; ``covered-by-package`` when only an
    enclosing folder or package below the tree root is named (``ptycho_torch/api/``,
    ``ptycho_torch.api``; naming the tree itself covers only its own row). A path, citation,
    path:symbol or dotted reference pointing into the tree that matches nothing (no row,
    no file on disk, no symbol, a line past the end) is stale; ``story`` (one batched call,
    usually ``GitRepo.path_stories``) tells what happened to the missing paths. References
    outside the tree are ignored, except those git says were renamed into it (a folder
    rename such as ``ptychopinn_torch/`` -> ``ptycho_torch/``).
    """
    tree = _Tree(inventory)
    direct: dict[str, list[Reference]] = {}
    prefix: dict[str, list[Reference]] = {}
    candidates: list[_Candidate] = []

    def cover(entry: ModuleEntry, ref: Reference, *, as_folder: bool) -> None:
        direct.setdefault(entry.path, []).append(ref)
        if as_folder and entry.kind in (EntryKind.PACKAGE, EntryKind.NAMESPACE):
            add_prefix(entry.path, ref)

    def add_prefix(folder: str, ref: Reference) -> None:
        if folder != tree.tree:
            prefix.setdefault(folder, []).append(ref)

    for ref in sorted(plan.references, key=lambda r: r.doc_line):
        if ref.kind is RefKind.ATTR:
            continue
        if ref.kind is RefKind.DOTTED:
            _dotted_ref(tree, ref, cover, add_prefix, candidates)
        elif ref.path:
            _path_ref(tree, ref, cover, add_prefix, candidates)

    problems: list[Finding] = []
    found = _stale(tree, plan.path, candidates, story, problems)
    stale = tuple(s for s, _ in found)
    # A plan naming a module by a name it had before a rename still covers it.
    for s, renamed in found:
        if renamed is None:
            continue
        original = s.ref

        def cover_original(entry: ModuleEntry, _ref: Reference, *, as_folder: bool) -> None:
            cover(entry, original, as_folder=as_folder)  # noqa: B023 - called right away

        def prefix_original(folder: str, _ref: Reference) -> None:
            add_prefix(folder, original)  # noqa: B023 - called right away

        match = _dotted_ref if renamed.kind is RefKind.DOTTED else _path_ref
        match(tree, renamed, cover_original, prefix_original, [])

    rows: list[CoverageRow] = []
    counts = {COVERED: 0, BY_PACKAGE: 0, MISSING: 0}
    for entry in inventory.entries:
        refs = direct.get(entry.path)
        status = COVERED
        if not refs:
            refs = [r for folder in _parents(entry.path) for r in prefix.get(folder, ())]
            status = BY_PACKAGE if refs else MISSING
        refs = sorted(refs, key=lambda r: r.doc_line)
        if entry.kind in COUNTED_KINDS:
            counts[status] += 1
        rows.append(CoverageRow(entry, status, _sections(refs), tuple(refs)))
    return Coverage(
        plan=plan.path,
        tree=inventory.tree,
        rows=tuple(rows),
        stale=stale,
        covered=counts[COVERED],
        by_package=counts[BY_PACKAGE],
        missing=counts[MISSING],
        problems=tuple(problems),
    )


def _git_finding(exc: Exception) -> Finding:
    """A ``GIT`` finding for a :class:`gitrepo.GitError` (or an unexpected git failure)."""
    code = getattr(exc, "code", None)
    message = getattr(exc, "message", None)
    if not isinstance(code, str) or not isinstance(message, str):
        code, message = "failed", f"git failed: {type(exc).__name__}: {exc}"
    return Finding(FindingKind.GIT, message, code=code)


def _sections(refs: Sequence[Reference]) -> tuple[tuple[str, str | None, int], ...]:
    seen: dict[tuple[str, str | None], int] = {}
    for r in refs:
        seen.setdefault((r.section or "", r.anchor), r.doc_line)
    return tuple((title, anchor, line) for (title, anchor), line in seen.items())


_Cover = Callable[..., None]


def _path_ref(
    tree: _Tree,
    ref: Reference,
    cover: _Cover,
    add_prefix: Callable[[str, Reference], None],
    candidates: list[_Candidate],
) -> None:
    assert ref.path is not None
    if is_external_path(ref.path.strip()) or is_artefact(ref.path):
        return  # absolute/home paths and data artefacts are never stale here
    path = _norm_path(ref.path)
    written_folder = ref.path.rstrip().endswith("/")
    if not path:
        return
    if not tree.in_tree_path(path):
        if not tree.exists(path):
            candidates.append(
                _Candidate(ref, path, _questions(tree, path), False, "missing-path", "")
            )
        return
    entry = tree.by_path.get(path)
    if entry is None:
        if path in tree.folders:
            add_prefix(path, ref)
        elif not tree.exists(path):
            what = "folder" if written_folder else "file"
            candidates.append(
                _Candidate(
                    ref,
                    path,
                    _questions(tree, path),
                    True,
                    "missing-path",
                    f"`{ref.text}`: no {what} `{path}` in {tree.tree or 'the tree'}",
                )
            )
        return
    cover(entry, ref, as_folder=path == entry.path)
    if ref.kind is RefKind.PATH_SYMBOL and ref.name:
        _check_symbol(tree, ref, entry, ref.name.split("."), candidates)
    elif ref.kind is RefKind.CITATION and ref.start is not None:
        total = entry.info.total_lines if entry.info is not None else entry.lines
        if total and ref.start > total:
            candidates.append(
                _Candidate(
                    ref,
                    path,
                    (),
                    True,
                    "line-out-of-range",
                    f"`{ref.text}`: line {ref.start} is past the end of {entry.source_path} "
                    f"({total} lines)",
                )
            )


def _check_symbol(
    tree: _Tree,
    ref: Reference,
    entry: ModuleEntry,
    parts: Sequence[str],
    candidates: list[_Candidate],
) -> bool:
    """Record a candidate when ``parts`` is not defined in ``entry``; False when missing."""
    name = parts[0]
    defined = tree.defines(entry, name)
    missing = None
    if defined is False:
        missing = name
    elif defined and len(parts) > 1 and entry.info is not None:
        sym = entry.info.symbol(name)
        # Instance attributes (``self.x = ...``) are not members; only a dataclass declares
        # all of its attributes, so only there is a missing member certainly stale.
        if sym is not None and sym.is_dataclass and sym.member(parts[1]) is None:
            missing = f"{name}.{parts[1]}"
    if missing is None:
        return True
    candidates.append(
        _Candidate(
            ref,
            entry.source_path,
            (),
            True,
            "missing-symbol",
            f"`{ref.text}`: `{missing}` is not defined in {entry.source_path}",
        )
    )
    return False


def _dotted_ref(
    tree: _Tree,
    ref: Reference,
    cover: _Cover,
    add_prefix: Callable[[str, Reference], None],
    candidates: list[_Candidate],
) -> None:
    name = _dotted_name(ref)
    parts = [p for p in name.split(".") if p]
    if not parts:
        return
    if not tree.in_tree_dotted(name):
        questions = _dotted_questions(tree, parts)
        if questions:
            candidates.append(
                _Candidate(ref, questions[0], questions, False, "missing-path", "", dotted=True)
            )
        return
    for k in range(len(parts), 0, -1):
        entry = tree.by_dotted.get(".".join(parts[:k]))
        if entry is None:
            continue
        rest = parts[k:]
        if not rest:
            cover(entry, ref, as_folder=True)
            return
        if entry.kind is EntryKind.MODULE:
            cover(entry, ref, as_folder=False)
            _check_symbol(tree, ref, entry, rest, candidates)
            return
        # A package (or namespace) with a name under it that is not an inventory row.
        sub = tree.dotted_to_path(parts[: k + 1])
        if tree.exists(sub + ".py") or tree.exists(sub):
            return  # a module the scan left out (exclude, maxdepth): not stale, not a row
        if entry.kind is EntryKind.PACKAGE and tree.defines(entry, rest[0]) is not False:
            cover(entry, ref, as_folder=False)  # a name defined or re-exported by __init__
            return
        questions = _dotted_questions(tree, parts)
        candidates.append(
            _Candidate(
                ref,
                questions[0] if questions else sub,
                questions,
                True,
                "missing-path",
                f"`{ref.text}`: no module or name `{'.'.join(parts[: k + 1])}` in "
                f"{tree.tree or 'the tree'}",
                dotted=True,
            )
        )
        return
    questions = _dotted_questions(tree, parts)
    candidates.append(
        _Candidate(
            ref,
            questions[0] if questions else tree.dotted_to_path(parts),
            questions,
            True,
            "missing-path",
            f"`{ref.text}`: no module `{name}` in {tree.tree or 'the tree'}",
            dotted=True,
        )
    )


def _stale(
    tree: _Tree,
    plan_path: str,
    candidates: Sequence[_Candidate],
    story: StoryFn | None,
    problems: list[Finding],
) -> list[tuple[StaleRef, Reference | None]]:
    """Stale references, each with the reference rewritten to its new name when renamed."""
    questions = list(dict.fromkeys(q for c in candidates for q in c.questions))
    stories: Mapping[str, StoryLike] = {}
    if story is not None and questions:
        try:
            stories = story(questions)
        except Exception as exc:  # GitError and any git surprise: report, keep going
            problems.append(_git_finding(exc))
    out: list[tuple[StaleRef, Reference | None]] = []
    for c in candidates:
        asked = next((q for q in c.questions if _told(stories.get(q))), None)
        told = stories[asked] if asked is not None else None
        new_path, text = _interpret(tree, told)
        if not c.in_tree:
            # Outside the tree, only a path that git says went into the tree concerns us.
            via = tuple(getattr(told, "via", ())) if told is not None else ()
            if not any(tree.in_tree_path(_norm_path(v)) for v in (*via, new_path or "")):
                continue
        replacement = None
        renamed_ref = None
        if new_path is not None and asked is not None:
            replacement = _rewrite(tree, c, asked, new_path)
            if replacement is not None:
                renamed_ref = _renamed_ref(tree, c, asked, new_path, replacement)
        code = c.code
        if told is not None:
            code = "renamed" if new_path is not None else "deleted"
        message = c.message or f"`{c.ref.text}` does not exist"
        if text:
            message = f"{message}: {text}"
        finding = Finding(
            FindingKind.STALE,
            message,
            path=plan_path,
            line=c.ref.doc_line,
            code=code,
            replacement=replacement,
        )
        out.append((StaleRef(c.ref, text, replacement, finding), renamed_ref))
    return out


def _interpret(tree: _Tree, told: StoryLike | None) -> tuple[str | None, str | None]:
    """``(new path, story text)``. A story ending in a deletion whose intermediate name still
    exists (a folder renamed, then a file inside it deleted) is read as that rename."""
    if told is None:
        return None, None
    if told.new_path is not None:
        return _norm_path(told.new_path), told.describe()
    for v in reversed(tuple(getattr(told, "via", ()))):
        if tree.exists(_norm_path(v)):
            return _norm_path(v), f"renamed to {_norm_path(v)}"
    return None, told.describe()


def _renamed_ref(
    tree: _Tree, c: _Candidate, asked: str, new_path: str, replacement: str
) -> Reference:
    """The stale reference as it would read with its new name (for coverage)."""
    if c.dotted:
        name = _dotted_name(c.ref)
        old_dotted, new_dotted = tree.path_to_dotted(asked), tree.path_to_dotted(new_path)
        if name.startswith(old_dotted):
            name = new_dotted + name[len(old_dotted) :]
        return dataclasses.replace(c.ref, text=replacement, name=name)
    norm = _norm_path(c.ref.path or "")
    path = new_path + norm[len(asked) :]
    if (c.ref.path or "").rstrip().endswith("/"):
        path += "/"
    return dataclasses.replace(c.ref, text=replacement, path=path)


def _told(story: StoryLike | None) -> bool:
    """A story that says something (``PathStory`` answers "unknown" for paths git never saw)."""
    return story is not None and getattr(story, "status", None) != "unknown"


def _rewrite(tree: _Tree, c: _Candidate, asked: str, new: str) -> str | None:
    """The reference text with the renamed part replaced by its new name."""
    text = c.ref.text
    if c.dotted:
        old_dotted = tree.path_to_dotted(asked)
        new_dotted = tree.path_to_dotted(new)
        if not old_dotted:
            return None
        # The written name may spell the tree's dotted prefix differently from the path.
        idx = text.find(old_dotted)
        if idx < 0:
            return None
        return text[:idx] + new_dotted + text[idx + len(old_dotted) :]
    written = c.ref.path or ""
    stripped = written.strip()
    norm = _norm_path(stripped)
    if not _under(norm, asked):
        return None
    new_path = new + norm[len(asked) :]
    if stripped.endswith("/"):
        new_path += "/"
    idx = text.find(stripped)
    if idx < 0:
        return None
    return text[:idx] + new_path + text[idx + len(stripped) :]


# --------------------------------------------------------------------------- revision delta


@dataclass(frozen=True, slots=True)
class DeltaRow:
    """One changed path of the tree between two revisions (or a snapshot and now).

    ``kind`` is ``module``, ``package`` (an ``__init__.py``), ``notebook`` or ``file``;
    ``api`` the API changes of a modified/renamed module; ``in_plan`` whether the plan's
    coverage covers the path (``None`` without a plan).
    """

    status: str
    path: str
    old_path: str | None
    similarity: int | None
    kind: str
    api: tuple[ApiChange, ...] = ()
    in_plan: bool | None = None


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
                self.stale_names.add(_dotted_name(s.ref))

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
    from sphinx_ptyplan.core.sources.extract import problem_code

    return Finding(
        FindingKind.PARSE,
        f"{path}: {info.problem.message}",
        path=path,
        line=info.problem.line or None,
        code=problem_code(info.problem),
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
                    code="same-revision",
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
    if pairs:
        try:
            apis = _api_changes(repo, root, state, pairs, cache, max_bytes)
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
            )
        )


def _api_changes(
    repo: RepoLike,
    root: Path,
    state: _GitState,
    pairs: Sequence[tuple[str, str]],
    cache: ParseCache | None,
    max_bytes: int,
) -> dict[str, tuple[ApiChange, ...]]:
    assert state.base_sha is not None
    old_blobs = repo.read_blobs(state.base_sha, list(dict.fromkeys(o for o, _ in pairs)))
    news = [n for _, n in pairs]
    new_blobs: Mapping[str, bytes | None]
    if state.head_sha is not None:
        new_blobs = repo.read_blobs(state.head_sha, news)
    else:
        new_blobs = {n: _read_worktree(root, n, max_bytes, state.findings) for n in news}
    from sphinx_ptyplan.core.sources.walk import cyclic_gc_paused

    with cyclic_gc_paused():
        return _diff_pairs(state, pairs, old_blobs, new_blobs, cache, max_bytes)


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
        findings.append(Finding(FindingKind.IO, str(exc), path=rel, code="outside-root"))
    except OSError as exc:
        findings.append(
            Finding(FindingKind.IO, f"cannot read {rel}: {exc.strerror or exc}", path=rel)
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
    def empty(code: str, message: str) -> RevisionDelta:
        finding = Finding(FindingKind.CONFIG, message, code=code)
        return RevisionDelta(tree, base, None, head, None, (), (finding,))

    if head is not None:
        return empty(
            "snapshot-with-head",
            f"a snapshot base ({base}) is compared with the working tree only, not {head!r}",
        )
    if _norm_path(snapshot.tree) != tree:
        return empty(
            "snapshot-tree",
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
