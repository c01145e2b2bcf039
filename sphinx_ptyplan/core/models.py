"""Plain, frozen, picklable data models shared by every part of sphinx_ptyplan."""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeVar

__all__ = [
    "CommitInfo",
    "EntryKind",
    "Finding",
    "FindingCode",
    "FindingKind",
    "Inventory",
    "ModuleEntry",
    "ImportedName",
    "ModuleInfo",
    "Param",
    "ParseProblem",
    "PathStory",
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


class FindingCode(enum.StrEnum):
    """Stable machine names of findings (``Finding.code``), each under one or more kinds.

    The member docstrings (``description``) and kinds (``kinds``) generate the codes table
    of the warnings page; the value is what JSON, SARIF and ``--format github`` show
    (a ``StrEnum``: a member equals its value).
    """

    # stale
    STALE_PATH = "stale-path"
    STALE_LINE = "stale-line"
    STALE_SYMBOL = "stale-symbol"
    STALE_NAME = "stale-name"
    STALE_ATTR = "stale-attr"
    # drift
    MOVED = "moved"
    CHANGED = "changed"
    UNFIXABLE_BLANK = "unfixable-blank"
    UNFIXABLE_BOUNDS = "unfixable-bounds"
    UNFIXABLE_FRAGMENT = "unfixable-fragment"
    UNFIXABLE_NOT_UNIQUE = "unfixable-not-unique"
    UNFIXABLE_CONTEXT = "unfixable-context"
    UNFIXABLE_UNVERIFIED = "unfixable-unverified"
    # ambiguous
    AMBIGUOUS_PATH = "ambiguous-path"
    AMBIGUOUS_ATTR = "ambiguous-attr"
    AMBIGUOUS_OWNER = "ambiguous-owner"
    AMBIGUOUS_NAME = "ambiguous-name"
    # schema
    SCHEMA_MISSING = "schema-missing"
    SCHEMA_UNDOCUMENTED = "schema-undocumented"
    SIGNATURE_MISMATCH = "signature-mismatch"
    # git
    NO_GIT = "no-git"
    NOT_A_REPO = "not-a-repo"
    NO_REPO = "no-repo"
    UNSAFE_REVISION = "unsafe-revision"
    UNKNOWN_REVISION = "unknown-revision"
    SHALLOW = "shallow"
    MISSING_OBJECTS = "missing-objects"
    MISSING_OBJECT = "missing-object"
    FAILED = "failed"
    # parse
    SYNTAX_ERROR = "syntax-error"
    ENCODING = "encoding"
    BINARY = "binary"
    TOO_LARGE = "too-large"
    TOO_COMPLEX = "too-complex"
    NOTEBOOK_JSON = "notebook-json"
    NOT_UTF8 = "not-utf8"
    PARSE_ERROR = "parse-error"
    # config
    BAD_OPTION = "bad-option"
    MISSING_PATH = "missing-path"
    OUTSIDE_ROOT = "outside-root"
    SAME_REVISION = "same-revision"
    BAD_SNAPSHOT = "bad-snapshot"
    SNAPSHOT_WITH_HEAD = "snapshot-with-head"
    SNAPSHOT_TREE = "snapshot-tree"
    UNCHECKED_ROLE = "unchecked-role"
    TOO_MANY_REFS = "too-many-refs"
    FIXABLE = "fixable"
    INTERNAL_ERROR = "internal-error"
    # io
    UNREADABLE = "unreadable"
    SYMLINK_OUTSIDE_ROOT = "symlink-outside-root"
    # missing
    NEVER_EXISTED = "never-existed"
    IGNORED_OUTPUT = "ignored-output"

    @property
    def description(self) -> str:
        return _CODE_DOCS[self][1]

    @property
    def kinds(self) -> tuple[FindingKind, ...]:
        """The kinds a finding with this code can have (``outside-root`` is a bad
        configuration value or a file met while reading; most codes have one kind)."""
        return _CODE_DOCS[self][0]


_S, _D, _A, _SC = (FindingKind.STALE, FindingKind.DRIFT, FindingKind.AMBIGUOUS, FindingKind.SCHEMA)
_G, _P, _C, _I = (FindingKind.GIT, FindingKind.PARSE, FindingKind.CONFIG, FindingKind.IO)
_M = FindingKind.MISSING

_CODE_DOCS: dict[FindingCode, tuple[tuple[FindingKind, ...], str]] = {
    FindingCode.NEVER_EXISTED: (
        (_M,),
        "A referenced path (or the module of a dotted name) never was in the git history "
        "of HEAD (a planned file, a typo, an uncommitted artefact); when a branch or tag "
        "not merged here has it, the warning names that branch.",
    ),
    FindingCode.IGNORED_OUTPUT: (
        (_M,),
        "A referenced path never was in the git history and the repository's ignore rules "
        "match it (a report folder, a build product, data it never commits): only the "
        "machine that made it has it, so readers cannot follow the reference. The warning "
        "names the rule.",
    ),
    FindingCode.STALE_PATH: (
        (_S,),
        "A referenced file or folder does not exist (or a citation names a folder).",
    ),
    FindingCode.STALE_LINE: (
        (_S,),
        "A ``path:line`` citation cites lines past the end of the file.",
    ),
    FindingCode.STALE_SYMBOL: (
        (_S,),
        "A ``path.py:symbol`` reference names nothing the file defines.",
    ),
    FindingCode.STALE_NAME: (
        (_S,),
        "A dotted name (``pkg.module.Class``) names no module or definition of the tree; "
        "or a spec's bare name that was defined when its line was written is gone.",
    ),
    FindingCode.STALE_ATTR: ((_S,), "A ``Class.attr`` reference: the class has no such attribute."),
    FindingCode.MOVED: (
        (_D,),
        "The cited lines are unchanged but now elsewhere; the exact new citation is given.",
    ),
    FindingCode.CHANGED: ((_D,), "The cited lines were edited since the citing line was written."),
    FindingCode.UNFIXABLE_BLANK: ((_D,), "Moved, but blank or punctuation when cited: not fixed."),
    FindingCode.UNFIXABLE_BOUNDS: ((_D,), "Moved, but the range began on a blank line: not fixed."),
    FindingCode.UNFIXABLE_FRAGMENT: ((_D,), "Moved, but a repeated piece (``x,``): not fixed."),
    FindingCode.UNFIXABLE_NOT_UNIQUE: ((_D,), "Moved, but text and context repeat: not fixed."),
    FindingCode.UNFIXABLE_CONTEXT: ((_D,), "Moved, but no line around came along: not fixed."),
    FindingCode.UNFIXABLE_UNVERIFIED: ((_D,), "Moved; its words name no cited code: not fixed."),
    FindingCode.AMBIGUOUS_PATH: ((_A,), "A partial path matches several files or folders."),
    FindingCode.AMBIGUOUS_ATTR: ((_A,), "Several classes of that name have the attribute."),
    FindingCode.AMBIGUOUS_OWNER: (
        (_A,),
        "A spec's field list belongs to a class name defined in several modules.",
    ),
    FindingCode.AMBIGUOUS_NAME: (
        (_A,),
        "A spec's bare name (``ModelConfig``) is defined in several modules and nothing in "
        "its section says which; warned once per section.",
    ),
    FindingCode.SCHEMA_MISSING: ((_SC,), "A field the spec lists is not in the dataclass."),
    FindingCode.SIGNATURE_MISMATCH: (
        (_SC,),
        "A signature written in a spec differs from the code's (names, order, defaults, "
        "return annotation); both are in the message.",
    ),
    FindingCode.SCHEMA_UNDOCUMENTED: (
        (_SC,),
        "With ``:strict:``, a dataclass field the spec does not list.",
    ),
    FindingCode.NO_GIT: ((_G,), "No git executable could be run."),
    FindingCode.NOT_A_REPO: ((_G,), "The root is not inside a git work tree git trusts."),
    FindingCode.NO_REPO: ((_G,), "Drift needs a repository and none could be opened."),
    FindingCode.UNSAFE_REVISION: (
        (_G,),
        "A revision written in a document is refused before it reaches git (``-x``, spaces).",
    ),
    FindingCode.UNKNOWN_REVISION: ((_G,), "A revision names no commit."),
    FindingCode.SHALLOW: ((_G,), "The clone is shallow and lacks the history needed."),
    FindingCode.MISSING_OBJECTS: ((_G,), "Objects git needs are missing from the repository."),
    FindingCode.MISSING_OBJECT: ((_G,), "One object is missing; history was read without it."),
    FindingCode.FAILED: ((_G,), "Git failed in a way not classified above."),
    FindingCode.SYNTAX_ERROR: (
        (_P,),
        "A Python file has a syntax error; it is listed, not parsed.",
    ),
    FindingCode.ENCODING: ((_P,), "A Python file is not in its declared (or UTF-8) encoding."),
    FindingCode.BINARY: ((_P,), "A Python file or a document holds NUL bytes."),
    FindingCode.TOO_LARGE: ((_P,), "A file is larger than ``ptyplan_max_file_bytes``."),
    FindingCode.TOO_COMPLEX: ((_P,), "A Python file nests too deeply for the parser."),
    FindingCode.NOTEBOOK_JSON: ((_P,), "A notebook is not valid JSON."),
    FindingCode.NOT_UTF8: ((_P,), "A plan or spec document is not UTF-8."),
    FindingCode.PARSE_ERROR: ((_P,), "A plan or spec document could not be parsed."),
    FindingCode.BAD_OPTION: ((_C,), "A directive option has a bad value."),
    FindingCode.MISSING_PATH: (
        (_C,),
        "A tree, plan, spec or folder named by a request does not exist.",
    ),
    FindingCode.OUTSIDE_ROOT: (
        (_C, _I),
        "A path leaves ``ptyplan_root`` (a request's path, or a file met while reading).",
    ),
    FindingCode.SAME_REVISION: ((_C,), "The two revisions of a delta are the same commit."),
    FindingCode.BAD_SNAPSHOT: ((_P,), "A saved inventory used as a delta base cannot be read."),
    FindingCode.SNAPSHOT_WITH_HEAD: (
        (_C,),
        "A snapshot base is compared with the working tree only, not with a revision.",
    ),
    FindingCode.SNAPSHOT_TREE: ((_C,), "A snapshot inventories another tree than the delta's."),
    FindingCode.UNCHECKED_ROLE: (
        (_C,),
        "An explicit ``ptyref`` names nothing checkable (the author asked for a check).",
    ),
    FindingCode.TOO_MANY_REFS: (
        (_C,),
        "A spec has more references than the limit; the rest are skipped.",
    ),
    FindingCode.FIXABLE: (
        (_D,),
        "``ptyplan fix --check``: a document has exact replacements to apply.",
    ),
    FindingCode.INTERNAL_ERROR: (
        (_C,),
        "A bug in sphinx_ptyplan; the page renders without the table.",
    ),
    FindingCode.UNREADABLE: (
        (_I,),
        "A file or folder cannot be read (permissions, broken symlink).",
    ),
    FindingCode.SYMLINK_OUTSIDE_ROOT: ((_I,), "A symlink points outside the root; skipped."),
}


@dataclass(frozen=True)
class CommitInfo:
    """A commit as shown to readers."""

    sha: str
    short: str
    date: str  # committer date, YYYY-MM-DD in the committer's time zone
    summary: str


@dataclass(frozen=True)
class PathStory:
    """What happened to a path that no longer exists (``gitrepo.GitRepo.path_stories``)."""

    path: str
    status: Literal["renamed", "deleted", "unknown", "never"]
    new_path: str | None = None
    commit: CommitInfo | None = None  # the commit of the last step (final rename / deletion)
    via: tuple[str, ...] = ()  # intermediate names of a chain of renames, oldest first
    #: for ``never``: a branch or tag whose history has the path (not merged into HEAD)
    branch: str | None = None
    #: for ``never``: the ignore rule that matches the path (``pattern`` in ``file:line``):
    #: an output the repository never commits (a report folder, a build product, data)
    ignored: str | None = None

    @property
    def told(self) -> bool:
        """Git knows what happened to a path that existed (``unknown``: git was not asked
        or cannot say; ``never``: git's history never had the path)."""
        return self.status in ("renamed", "deleted")

    def describe(self) -> str:
        when = f" in {self.commit.short} ({self.commit.date})" if self.commit else ""
        via = f", via {', '.join(self.via)}" if self.via else ""
        if self.status == "renamed":
            return f"renamed to {self.new_path}{when}{via}"
        if self.status == "deleted":
            return f"deleted{when}{via}"
        if self.status == "never":
            if self.ignored:
                return f"never in the history, ignored by {self.ignored}"
            if self.branch:
                return f"never in this branch's history (it is on {self.branch})"
            return "never in the history"
        return "no history found in git"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by the core, as data; its text is composed from the fields.

    ``path``/``line`` locate the problem in a file of the tree or in a plan/spec document
    (POSIX path relative to the root). When both are ``None`` the problem belongs to the
    request itself (the Sphinx layer then locates it at the directive).

    ``detail`` says what is wrong (``pkg/gone.py does not exist``); for a reference,
    ``subject`` is the reference as written, ``candidates`` the paths or names it may mean
    (did-you-mean for stale, the matches for ambiguous), ``story`` what git says happened
    to the path, ``note`` what was found besides (the drift of a renamed file's lines) and
    ``replacement`` the exact text that should replace the reference, when known.
    :attr:`message` composes these; every output formats from the fields and the
    composed text, and nothing reads a message back.
    """

    kind: FindingKind
    detail: str
    path: str | None = None
    line: int | None = None
    code: FindingCode = field(kw_only=True)
    subject: str | None = field(default=None, kw_only=True)
    candidates: tuple[str, ...] = field(default=(), kw_only=True)
    story: PathStory | None = field(default=None, kw_only=True)
    note: str | None = field(default=None, kw_only=True)
    replacement: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if not isinstance(self.code, FindingCode):  # a code spelt as its value: checked here
            object.__setattr__(self, "code", FindingCode(self.code))

    @property
    def location(self) -> str | None:
        if self.path is None:
            return None
        return f"{self.path}:{self.line}" if self.line else self.path

    @property
    def message(self) -> str:
        """The one-line text every output shows (Sphinx warning, CLI, Markdown, JSON, SARIF)."""
        if self.subject is None:
            return self.detail
        return f"`{self.subject}`: {self.verdict}"

    @property
    def verdict(self) -> str:
        """What the finding says of its subject: :attr:`message` without the subject in
        front (a table that shows the reference in a column of its own shows this)."""
        text = self.detail
        if self.subject is None:
            return text
        if self.kind is FindingKind.DRIFT:
            return f"{text}: now `{self.replacement}`" if self.replacement else text
        renamed = self.story is not None and self.story.status == "renamed"
        unsure = self.kind in (FindingKind.STALE, FindingKind.MISSING)
        if self.candidates and unsure and not renamed:
            text += f" (did you mean {', '.join(f'`{c}`' for c in self.candidates)}?)"
        if self.story is not None and self.story.told:
            text += f" (git: {self.story.describe()})"
        if self.note:
            text += f"; {self.note}"
        if self.kind is FindingKind.STALE:
            if self.replacement is not None:
                text += f"; replace it with `{self.replacement}`"
            else:
                text += "; update or remove the reference"
        return text


@_fast_pickle
@dataclass(frozen=True, slots=True)
class ParseProblem:
    """Why a file could not be parsed, where, and the finding code that says it."""

    message: str
    line: int = 0
    code: FindingCode = FindingCode.SYNTAX_ERROR


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
    NAME = "name"  # RawData, update_legacy_dict(), KEY_MAPPINGS (a bare name, no module)


@dataclass(frozen=True, slots=True)
class Reference:
    """One code reference found in a document (one item of a comma-separated span).

    ``text`` is the item as written; ``path`` the file/folder part (POSIX, as written,
    trailing ``/`` kept for folders); ``start``/``end`` the cited line range; ``name`` the
    dotted name or the symbol after ``path:``. ``doc_path``/``doc_line`` locate it in the
    document (1-based line); ``section`` is the nearest heading's title and ``anchor`` its
    slug. ``context`` is ``code``, ``link`` or ``role``. ``span`` is the whole code span it
    came from (for rewriting). ``hints`` is the context a reader would use to tell which
    of several definitions a bare name means, nearest first (``[(how, module or path)]``,
    see ``names.context_hints``); only names and short module names carry them.
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
    #: an element of a line list as written (``30`` of ``path:5,30``): ``text`` then reads
    #: ``path:30`` and a rewrite replaces only ``written``
    written: str | None = None
    hints: tuple[tuple[str, str], ...] = ()


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
    ``finding`` is the warning to emit, if any; ``reason`` why the reference is not
    checked (external) or what is wrong with it; ``story`` what git says happened to a
    stale path (also on the finding). ``owner`` is the file or folder the reference names
    by its path or module part, before imports are followed (``pkg/__init__.py`` for
    ``pkg.Name`` re-exported there; the missing path of a stale one): what plan coverage
    maps to an inventory row.
    """

    ref: Reference
    status: Status
    target_kind: str = ""
    path: str | None = None
    line: int | None = None
    end_line: int | None = None
    candidates: tuple[str, ...] = ()
    reason: str = ""
    finding: Finding | None = field(default=None)
    story: PathStory | None = None
    owner: str | None = None

    @property
    def message(self) -> str:
        """The finding's text, or for an external reference why it is not checked."""
        if self.finding is not None:
            return self.finding.message
        if self.status is Status.EXTERNAL:
            return f"`{self.ref.text}`: {self.verdict}"
        return ""

    @property
    def verdict(self) -> str:
        """:attr:`message` without the reference in front (its finding's
        :attr:`Finding.verdict` when the finding's subject is this reference)."""
        f = self.finding
        if f is not None:
            return f.verdict if f.subject == self.ref.text else f.message
        if self.status is Status.EXTERNAL:
            return f"not checked: {self.reason or 'outside the tree'}"
        return ""
