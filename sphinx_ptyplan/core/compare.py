"""Compare a plan with the tree (coverage, stale references) and a tree with itself over time."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .apidiff import ApiChange, api_diff
from .models import EntryKind, Finding, FindingKind, Inventory, ModuleEntry, Reference, RefKind
from .paths import PathRefused, confine

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
        return tuple(s.finding for s in self.stale)


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

    stale = _stale(tree, plan.path, candidates, story)

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
    )


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
) -> tuple[StaleRef, ...]:
    questions = list(dict.fromkeys(q for c in candidates for q in c.questions))
    stories: Mapping[str, StoryLike] = {}
    if story is not None and questions:
        stories = story(questions)
    out: list[StaleRef] = []
    for c in candidates:
        asked = next((q for q in c.questions if stories.get(q) is not None), None)
        told = stories[asked] if asked is not None else None
        if not c.in_tree:
            # Outside the tree only a rename into the tree concerns this plan.
            if told is None or told.new_path is None:
                continue
            if not tree.in_tree_path(_norm_path(told.new_path)):
                continue
        text = told.describe() if told is not None else None
        replacement = None
        if told is not None and told.new_path is not None and asked is not None:
            replacement = _rewrite(tree, c, asked, _norm_path(told.new_path))
        code = c.code
        if told is not None:
            code = "renamed" if told.new_path is not None else "deleted"
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
        out.append(StaleRef(c.ref, text, replacement, finding))
    return tuple(out)


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
