"""Plain, frozen, picklable data models shared by every part of sphinx_ptyplan."""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

__all__ = [
    "EntryKind",
    "Finding",
    "FindingKind",
    "Inventory",
    "ModuleEntry",
    "ImportedName",
    "ModuleInfo",
    "Param",
    "ParseProblem",
    "RefKind",
    "Reference",
    "Resolution",
    "Status",
    "Symbol",
    "SymbolKind",
]


_T = TypeVar("_T")


def _fast_pickle(cls: type[_T]) -> type[_T]:
    """Pickle a frozen slotted dataclass as a plain tuple of its field values.

    The ``__getstate__``/``__setstate__`` that dataclasses generate for ``slots=True`` call
    ``fields()`` for every object; module parses cross process boundaries (the parallel
    parse) and the parse cache file by the hundred thousand, and this halves that cost.
    """
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    get: Callable[[Any], Any] = operator.attrgetter(*names)
    setattr_ = object.__setattr__

    def __getstate__(self: Any) -> Any:
        return get(self)

    def __setstate__(self: Any, state: Any) -> None:
        for name, value in zip(names, state, strict=True):
            setattr_(self, name, value)

    cls.__getstate__ = __getstate__  # type: ignore[method-assign]
    cls.__setstate__ = __setstate__  # type: ignore[attr-defined]
    return cls


class FindingKind(enum.Enum):
    """Kinds of findings; each value is the Sphinx warning subtype ``ptyplan.<value>``.

    The member docstrings (``description``) generate the warnings table of the docs.
    """

    STALE = "stale"
    MISSING = "missing"
    DRIFT = "drift"
    AMBIGUOUS = "ambiguous"
    SCHEMA = "schema"
    GIT = "git"
    PARSE = "parse"
    CONFIG = "config"
    IO = "io"

    @property
    def description(self) -> str:
        return _FINDING_DOCS[self]

    @property
    def subtype(self) -> str:
        return self.value


_FINDING_DOCS: dict[FindingKind, str] = {
    FindingKind.STALE: (
        "A referenced path, module, symbol or line no longer exists in the tree "
        "(with the git story when there is one: renamed to X in <sha>, deleted in <sha>)."
    ),
    FindingKind.MISSING: (
        "A referenced path (or the module of a dotted name) is not in the tree and never "
        "was in its git history: a file a plan proposes to create, a typo, an artefact that "
        "was never committed. Told apart from ``stale`` (it existed and is gone) so it can "
        "be suppressed on its own; a close name is offered when one exists. Without git "
        "the two cannot be told apart and both are ``stale``."
    ),
    FindingKind.DRIFT: (
        "A file:line citation still resolves, but the cited lines moved or changed "
        "since the citing line was written (found with git blame and diff)."
    ),
    FindingKind.AMBIGUOUS: (
        "A reference matches several things (a bare file name found in two folders, "
        "a class name defined in two packages); the candidates are listed."
    ),
    FindingKind.SCHEMA: (
        "A spec lists a field of a class that the dataclass in the code does not have "
        "(or, with ``:strict:``, the code has a field the spec does not list)."
    ),
    FindingKind.GIT: (
        "Git could not answer: unknown revision, shallow clone lacking history, missing "
        "objects, no repository, or no git executable. The page still renders without "
        "the git-based parts."
    ),
    FindingKind.PARSE: (
        "A scanned Python file or a plan/spec document could not be parsed (syntax error, "
        "not UTF-8, binary, too large); it is listed and marked, never executed."
    ),
    FindingKind.CONFIG: (
        "A directive, role or configuration value is wrong: missing or unknown path, bad "
        "option value, a path outside ``ptyplan_root``, an unsafe revision."
    ),
    FindingKind.IO: (
        "The file system refused or misled the scan: an unreadable file or folder, a symlink "
        "loop, a symlink pointing outside the root. The entry is skipped."
    ),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by the core.

    ``path``/``line`` locate the problem in a file of the tree or in a plan/spec document
    (POSIX path relative to the root). When both are ``None`` the problem belongs to the
    request itself (the Sphinx layer then locates it at the directive).
    ``code`` is a short stable machine name (``revision-unknown``, ``syntax-error`` …);
    ``replacement`` is the exact text that should replace the reference, when known.
    """

    kind: FindingKind
    message: str
    path: str | None = None
    line: int | None = None
    code: str = ""
    replacement: str | None = None

    @property
    def location(self) -> str | None:
        if self.path is None:
            return None
        return f"{self.path}:{self.line}" if self.line else self.path


@_fast_pickle
@dataclass(frozen=True, slots=True)
class ParseProblem:
    """Why a file could not be parsed, and where."""

    message: str
    line: int = 0


@_fast_pickle
@dataclass(frozen=True, slots=True)
class ImportedName:
    """One name a module binds by an ``import`` statement (at any depth), as written.

    ``import a.b`` binds ``a`` (``module="a"``); ``import a.b as c`` binds ``c``
    (``module="a.b"``); ``from ..m import x as y`` binds ``y`` (``module="m"``,
    ``name="x"``, ``level=2``); a star import has ``bound="*"`` and ``name="*"``.
    """

    bound: str
    module: str
    name: str | None
    level: int
    line: int


class SymbolKind(enum.Enum):
    CLASS = "class"
    FUNCTION = "function"
    METHOD = "method"
    CONSTANT = "constant"
    FIELD = "field"
    ATTRIBUTE = "attribute"


@_fast_pickle
@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a function signature, as written in the source."""

    name: str
    kind: str  # "posonly" | "arg" | "vararg" | "kwonly" | "varkw"
    annotation: str | None = None
    default: str | None = None


@_fast_pickle
@dataclass(frozen=True, slots=True)
class Symbol:
    """A statically found definition: class, function, method, constant, field, attribute.

    For classes ``members`` holds methods, dataclass fields and class attributes (in source
    order); ``is_dataclass`` is set for ``@dataclass``/``@dataclasses.dataclass`` (with or
    without arguments) and pydantic-like ``BaseModel`` is not guessed.
    ``annotation``/``default`` are source text (``ast.unparse``) for fields and constants.
    """

    name: str
    kind: SymbolKind
    line: int
    end_line: int
    bases: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    returns: str | None = None
    decorators: tuple[str, ...] = ()
    is_dataclass: bool = False
    members: tuple[Symbol, ...] = ()
    annotation: str | None = None
    default: str | None = None
    docstring: str | None = None  # first line only
    is_async: bool = False  # ``async def``

    @property
    def is_public(self) -> bool:
        return not self.name.startswith("_")

    @property
    def fields(self) -> tuple[Symbol, ...]:
        return tuple(m for m in self.members if m.kind is SymbolKind.FIELD)

    def member(self, name: str) -> Symbol | None:
        for m in self.members:
            if m.name == name:
                return m
        return None


@_fast_pickle
@dataclass(frozen=True, slots=True)
class ModuleInfo:
    """What static analysis of one Python source learned (cacheable by content digest)."""

    total_lines: int
    code_lines: int  # non-blank lines that are not only a comment
    docstring: str | None = None  # first line of the module docstring
    symbols: tuple[Symbol, ...] = ()  # top-level definitions, source order
    all_names: tuple[str, ...] | None = None  # literal ``__all__`` when present
    problem: ParseProblem | None = None  # set when the file could not be parsed
    #: every import statement, in ast.walk order; for the resolver only (read from the
    #: live tree): not part of equality and not written to inventory snapshots
    imports: tuple[ImportedName, ...] = field(default=(), compare=False)

    def symbol(self, name: str) -> Symbol | None:
        for s in self.symbols:
            if s.name == name:
                return s
        return None

    @property
    def public_symbols(self) -> tuple[Symbol, ...]:
        if self.all_names is not None:
            wanted = set(self.all_names)
            return tuple(s for s in self.symbols if s.name in wanted)
        return tuple(
            s
            for s in self.symbols
            if s.is_public and s.kind in (SymbolKind.CLASS, SymbolKind.FUNCTION)
        )


class EntryKind(enum.Enum):
    PACKAGE = "package"  # folder with __init__.py
    NAMESPACE = "namespace"  # folder without __init__.py that holds modules
    MODULE = "module"  # .py file (``__init__.py`` is folded into its package row)
    NOTEBOOK = "notebook"  # .ipynb, informational only
    ASSET = "asset"  # other files, selected with ``:assets:`` globs


@dataclass(frozen=True, slots=True)
class ModuleEntry:
    """One row of an inventory.

    ``path`` is POSIX and relative to the root (packages: the folder path, no trailing
    slash). ``dotted`` is the importable name computed from the tree's package structure
    (``None`` for notebooks and assets). ``info`` is the parse of the module, or of
    ``__init__.py`` for a package. ``title`` is a notebook's first Markdown heading.
    ``digest`` is the content digest of the file (packages: of ``__init__.py``).
    """

    path: str
    kind: EntryKind
    dotted: str | None = None
    info: ModuleInfo | None = None
    title: str | None = None
    lines: int = 0
    digest: str = ""

    @property
    def source_path(self) -> str:
        """The file holding this entry's code (``pkg/__init__.py`` for a package)."""
        if self.kind is EntryKind.PACKAGE:
            return f"{self.path}/__init__.py"
        return self.path


@dataclass(frozen=True, slots=True)
class Inventory:
    """The scanned tree: rows in path order, and the problems met while scanning."""

    root: str  # absolute POSIX path of ptyplan_root
    tree: str  # POSIX path of the scanned tree relative to root ("" for the root itself)
    entries: tuple[ModuleEntry, ...] = ()
    findings: tuple[Finding, ...] = ()

    def by_path(self) -> dict[str, ModuleEntry]:
        return {e.path: e for e in self.entries}


class RefKind(enum.Enum):
    PATH = "path"  # ptycho_torch/api/base_api.py, ptycho_torch/api/
    CITATION = "citation"  # path:12 or path:12-30
    PATH_SYMBOL = "path-symbol"  # path.py:validate_paths or path.py:Class.method
    DOTTED = "dotted"  # ptycho_torch.config_params.DataConfig (optionally with "()")
    ATTR = "attr"  # ModelConfig.n_filters_scale (class name + attribute, no module)


@dataclass(frozen=True, slots=True)
class Reference:
    """One code reference found in a document (one item of a comma-separated span).

    ``text`` is the item as written; ``path`` the file/folder part (POSIX, as written,
    trailing ``/`` kept for folders); ``start``/``end`` the cited line range; ``name`` the
    dotted name or the symbol after ``path:``. ``doc_path``/``doc_line`` locate it in the
    document (1-based line); ``section`` is the nearest heading's title and ``anchor`` its
    slug. ``context`` is ``code``, ``link`` or ``role``. ``span`` is the whole code span it
    came from (for rewriting).
    """

    text: str
    kind: RefKind
    doc_path: str
    doc_line: int
    path: str | None = None
    start: int | None = None
    end: int | None = None
    name: str | None = None
    section: str | None = None
    anchor: str | None = None
    context: str = "code"
    span: str = ""


class Status(enum.Enum):
    RESOLVED = "resolved"
    STALE = "stale"
    AMBIGUOUS = "ambiguous"
    EXTERNAL = "external"


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a reference resolved to.

    ``target_kind`` is one of module, package, class, function, method, field, constant,
    attribute, path, citation. ``path``/``line`` is where it resolves (POSIX, relative to
    root). ``candidates`` lists alternatives for ambiguous and did-you-mean for stale.
    ``finding`` is the warning to emit, if any.
    """

    ref: Reference
    status: Status
    target_kind: str = ""
    path: str | None = None
    line: int | None = None
    end_line: int | None = None
    candidates: tuple[str, ...] = ()
    message: str = ""
    finding: Finding | None = field(default=None)
