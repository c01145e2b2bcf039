"""References + a lazily built static index of the root -> resolutions (resolved / stale / ...)."""

from __future__ import annotations

import difflib
import heapq
import os
import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx_ptyplan.core.checks.nameres import check_signature, resolve_name, short_module
from sphinx_ptyplan.core.checks.names import NameIndex
from sphinx_ptyplan.core.checks.verdict import resolution as _res
from sphinx_ptyplan.core.models import (
    Finding,
    FindingCode,
    FindingKind,
    ModuleInfo,
    PathStory,
    Reference,
    RefKind,
    Resolution,
    Status,
    Symbol,
    SymbolKind,
)
from sphinx_ptyplan.core.paths import PathRefused, confine
from sphinx_ptyplan.core.sources.classify import classify, is_artefact, is_external_path

if TYPE_CHECKING:
    from sphinx_ptyplan.core.sources.parsecache import ParseCache
    from sphinx_ptyplan.core.sources.walk import RootListing

__all__ = ["CodeIndex", "StoryFn", "close_matches", "resolve", "resolve_all", "story_keys"]


#: ``story(paths) -> {path: PathStory}`` (``GitRepo.path_stories``, one batched git call);
#: paths git never saw may be missing or ``unknown``.
StoryFn = Callable[[list[str]], Mapping[str, PathStory]]

_MAX_FILE_BYTES = 5_000_000
_DOTTED_NAME_RE = re.compile(r"^[A-Za-z_]\w*\.[A-Za-z_]\w*$")
_MAX_SIMILAR = 200  # names of one folder compared for a did-you-mean
_PLAIN_BASES = frozenset(
    {
        "object",
        "ABC",
        "abc.ABC",
        "Enum",
        "enum.Enum",
        "IntEnum",
        "StrEnum",
        "enum.IntEnum",
        "Exception",
        "NamedTuple",
        "typing.NamedTuple",
        "TypedDict",
        "Protocol",
        "Generic",
    }
)


def _counts(text: str) -> dict[str, int]:
    got = _COUNTS.get(text)
    if got is None:
        got = {}
        for ch in text:
            got[ch] = got.get(ch, 0) + 1
        if len(_COUNTS) < 200_000:
            _COUNTS[text] = got
    return got


_COUNTS: dict[str, dict[str, int]] = {}  # a name's characters, counted once per process


def close_matches(
    word: str, possibilities: Sequence[str], n: int = 3, cutoff: float = 0.6
) -> list[str]:
    """Exactly ``difflib.get_close_matches(word, possibilities, n, cutoff)``, faster.

    ``difflib`` takes every possibility through three ever finer upper bounds of its
    similarity ratio, then computes the ratio. Here the first two bounds (lengths, then
    the characters in common, counted once per name) are computed without a matcher per
    name, and the ratios are computed from the highest bound down, stopping when no
    possibility left can reach the ``n``-th best score found: a lower score cannot be in
    the answer, and an equal one could (ties go to the greater name), so those are still
    computed. Before a ratio, a third bound: the longest common subsequence (the matching
    blocks are one), a few integer operations per character; a name whose bound is below
    the cutoff or the ``n``-th best score cannot be in the answer either. The same floats
    are compared as in ``difflib``, so the same names pass.
    """
    if not n > 0:
        raise ValueError(f"n must be > 0: {n!r}")
    if not 0.0 <= cutoff <= 1.0:
        raise ValueError(f"cutoff must be in [0.0, 1.0]: {cutoff!r}")
    lw = len(word)
    wc = _counts(word)
    bounded: list[tuple[float, int, str]] = []
    for i, x in enumerate(possibilities):
        total = len(x) + lw
        if (2.0 * min(len(x), lw) / total if total else 1.0) < cutoff:
            continue  # real_quick_ratio
        common = 0
        for ch, k in _counts(x).items():
            w = wc.get(ch)
            if w:
                common += k if k < w else w
        bound = 2.0 * common / total if total else 1.0
        if bound >= cutoff:  # quick_ratio
            bounded.append((bound, i, x))
    bounded.sort(key=lambda t: (-t[0], t[1]))
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    b2j = positions(word) if lw < 200 else None  # (from 200 on, difflib drops popular ones)
    masks = {ch: sum(1 << j for j in js) for ch, js in b2j.items()} if b2j else {}
    result: list[tuple[float, str]] = []
    nth = -1.0
    for bound, _i, x in bounded:
        if len(result) >= n:
            nth = heapq.nlargest(n, result)[-1][0]
            if bound < nth:
                break
        total = len(x) + lw
        if b2j is None:
            matcher.set_seq1(x)
            score = matcher.ratio()
        else:
            # the matching blocks are a common subsequence: no more than the longest one
            lcs = 2.0 * common_subsequence(x, masks, lw) / total if total else 1.0
            if lcs < cutoff or lcs < nth:
                continue  # its ratio, at most this, cannot pass or make the first n
            score = 2.0 * _matched(x, lw, b2j) / total if total else 1.0
        if score >= cutoff:
            result.append((score, x))
    return [x for _score, x in heapq.nlargest(n, result)]


def common_subsequence(a: str, masks: dict[str, int], lb: int) -> int:
    """Length of the longest common subsequence of ``a`` and a ``b`` of length ``lb``
    given by ``masks`` (character -> bit j set where ``b[j]`` is that character): the
    bit-vector algorithm of Crochemore et al. (2001), one addition per character of ``a``."""
    full = (1 << lb) - 1
    v = full
    for ch in a:
        m = masks.get(ch)
        if m:
            u = v & m
            v = ((v + u) | (v - u)) & full
    return lb - bin(v).count("1")


def positions(b: str) -> dict[str, list[int]]:
    """Each character of ``b`` -> where it is, ascending (difflib's ``b2j`` without junk)."""
    b2j: dict[str, list[int]] = {}
    for j, ch in enumerate(b):
        b2j.setdefault(ch, []).append(j)
    return b2j


def _matched(a: str, lb: int, b2j: dict[str, list[int]]) -> int:
    """How many characters ``difflib.SequenceMatcher(None, a, b).get_matching_blocks()``
    matches, for a ``b`` (of length ``lb``, under 200: no junk, nothing popular) whose
    ``b2j`` is given: the same longest matches found the same way (first in ``a``, then in
    ``b``), the same recursion on both sides, without building the blocks. Without junk,
    difflib's extension of a match found can add nothing (the match is already maximal),
    so it is left out."""
    total = 0
    todo = [(0, len(a), 0, lb)]
    while todo:
        alo, ahi, blo, bhi = todo.pop()
        besti, bestj, bestsize = alo, blo, 0
        j2len: dict[int, int] = {}
        for i in range(alo, ahi):
            newj2len: dict[int, int] = {}
            for j in b2j.get(a[i], ()):
                if j < blo:
                    continue
                if j >= bhi:
                    break
                k = newj2len[j] = j2len.get(j - 1, 0) + 1
                if k > bestsize:
                    besti, bestj, bestsize = i - k + 1, j - k + 1, k
            j2len = newj2len
        if bestsize:
            total += bestsize
            if alo < besti and blo < bestj:
                todo.append((alo, besti, blo, bestj))
            if besti + bestsize < ahi and bestj + bestsize < bhi:
                todo.append((besti + bestsize, ahi, bestj + bestsize, bhi))
    return total


class CodeIndex:
    """What the resolver knows about the root, computed lazily and at most once.

    Paths: one walk of the root (:class:`~sphinx_ptyplan.core.sources.walk.RootListing`,
    shared by the indexes of one workspace). Modules: found by dotted name from the file layout;
    ``.py`` files are parsed on demand through ``parsecache.ParseCache``. Classes by name: all
    modules of the code roots parsed once, the first time an ``Class.attr`` needs them.

    :param code_roots: tree paths whose modules have dotted names (``["ptycho_torch",
        "ptycho"]``); a root without ``__init__.py`` that holds packages (``src``) exposes
        those packages. Default: every top-level package/module of the root.
    :param ignored: ``ignored(relpath) -> bool`` for paths never to index.
    :param external: top-level names always treated as external (never warned about).
    :param avoid: root-relative folders and files never offered as did-you-mean (the docs
        build's output).
    """

    def __init__(
        self,
        root: Path,
        *,
        code_roots: Sequence[str] = (),
        cache: ParseCache | None = None,
        ignored: Callable[[str], bool] | None = None,
        external: Sequence[str] = (),
        max_bytes: int = _MAX_FILE_BYTES,
        listing: RootListing | None = None,
        avoid: Sequence[str] = (),
    ) -> None:
        self.root = Path(root).resolve()
        self.avoid = tuple(a.strip("/") for a in avoid if a.strip("/"))
        self.code_roots = tuple(r.strip("/") for r in code_roots)
        if cache is None:
            from sphinx_ptyplan.core.sources.parsecache import ParseCache

            cache = ParseCache()
        self.cache = cache
        self.ignored = ignored
        if listing is None:
            from sphinx_ptyplan.core.sources.walk import RootListing

            listing = RootListing(self.root, ignored=ignored)
        #: the walk of the root: shared by every index of one workspace (walked once)
        self.listing = listing
        self.external = frozenset(external)
        self.max_bytes = max_bytes
        self._walked = False
        self._files: set[str] = set()
        self._dirs: set[str] = set()
        self._plain_files: set[str] = set()  # no symlink in the last step: kind_of trusts them
        self._plain_dirs: set[str] = set()
        self._by_name: dict[str, list[str]] = {}
        self._nfc: dict[str, str] = {}  # NFC form -> path on disk, where they differ
        self._top: set[str] = set()
        self._packages: dict[str, str] | None = None
        self._classes: dict[str, list[tuple[str, Symbol]]] | None = None
        self._infos: dict[str, ModuleInfo | None] = {}
        self._defined: dict[tuple[str, str], Symbol | None] = {}
        self._expected: dict[str, set[str]] = {}  # module -> names to be asked (expect_symbols)
        self._nested: dict[tuple[str, str], Symbol | None] = {}
        self._lines: dict[str, int | None] = {}
        self._imports: dict[str, tuple[dict[str, tuple[str, int]], bool]] = {}
        self._kinds: dict[str, str] = {}
        self._kids: dict[str, list[str]] | None = None
        self._by_stem: dict[str, list[str]] | None = None
        self._close: dict[tuple[str, str | None], list[str]] = {}
        self._names: NameIndex | None = None

    @property
    def names(self) -> NameIndex:
        """Short names of the code roots (bare names, short module names), built lazily."""
        if self._names is None:
            self._names = NameIndex(self)
        return self._names

    # ---------------------------------------------------------------- file system

    def _walk(self) -> None:
        if self._walked:
            return
        self._walked = True
        listing = self.listing
        listing.walk()
        self._files, self._dirs, self._top = listing.files, listing.dirs, listing.top
        self._by_name = listing.by_name
        self._plain_files, self._plain_dirs = listing.plain_files, listing.plain_dirs
        # names compared in Unicode NFC (a name written or stored decomposed is the same name)
        odd = [k for k in listing.by_name if not k.isascii()]
        if odd:
            by_name = dict(listing.by_name)
            for k in odd:
                nk = unicodedata.normalize("NFC", k)
                if nk != k:
                    by_name[nk] = [*by_name.get(nk, []), *listing.by_name[k]]
            self._by_name = by_name
        self._nfc = {
            n: p
            for p in (*self._files, *self._dirs)
            if not p.isascii() and (n := unicodedata.normalize("NFC", p)) != p
        }

    @property
    def top_level(self) -> frozenset[str]:
        """Names of the root's top-level files and folders."""
        self._walk()
        return frozenset(self._top)

    def kind_of(self, rel: str) -> str:
        """``file``, ``dir``, ``none`` or ``refused`` (escapes the root) for a root path;
        memoised, so each path is confined and stat'ed once per index."""
        got = self._kinds.get(rel)
        if got is None and self._walked and rel and not rel.startswith(("/", "..")):
            # the walk's own answer (symlinks and escaping paths still go through confine)
            if rel in self._plain_files:
                got = "file"
            elif rel in self._plain_dirs:
                got = "dir"
            elif "\x00" not in rel and not os.path.lexists(self.root / rel):
                got = "none"
            if got is not None:
                self._kinds[rel] = got
        if got is None:
            try:
                real = confine(self.root, rel)
                got = "file" if real.is_file() else "dir" if real.is_dir() else "none"
            except PathRefused:
                got = "refused"
            except OSError:
                got = "none"
            self._kinds[rel] = got
        return got

    def _real(self, rel: str) -> Path:
        """The file of ``rel``: straight from the walk when it holds no symlink, else
        through ``confine`` (which refuses what escapes the root)."""
        if rel in self._plain_files:
            return self.root / rel
        return confine(self.root, rel)

    def is_file(self, rel: str) -> bool:
        return self.kind_of(rel) == "file"

    def is_dir(self, rel: str) -> bool:
        return self.kind_of(rel) == "dir"

    def suffix_matches(self, partial: str) -> list[str]:
        """Indexed files (or folders, for ``partial`` ending in ``/``) whose path ends with
        ``partial`` at a component boundary (names compared in Unicode NFC)."""
        self._walk()
        want_dir = partial.endswith("/")
        p = unicodedata.normalize("NFC", partial.strip("/"))
        base = p.rsplit("/", 1)[-1]
        cands = self._by_name.get(base + "/" if want_dir else base, [])
        nfc = {c: unicodedata.normalize("NFC", c) for c in cands}
        return sorted(c for c in cands if nfc[c] == p or nfc[c].endswith("/" + p))

    def disk_path(self, rel: str) -> str | None:
        """The path on disk of ``rel`` when they differ only in Unicode normalisation (a
        citation written in NFD for a file named in NFC, or the reverse); else None."""
        self._walk()
        want = unicodedata.normalize("NFC", rel)
        if want in self._files or want in self._dirs:
            return want if want != rel else None
        return self._nfc.get(want)

    def close_paths(self, rel: str, want: str | None = None) -> list[str]:
        """Did-you-mean for a missing path: files of the same name elsewhere in the tree
        (moved files) and similar names in its deepest existing folder.

        Only entries of the kind asked for are offered (``want``: ``file`` or ``dir``; None
        when the reference does not tell), never anything under ``avoid`` (the docs' own
        pages and build output), and with ``code_roots`` only entries inside them. A similar
        *folder* name higher up is offered as the whole path under it, and only when that
        path exists: ``ptycho_torch/foo.py`` for ``ptychotorch/foo.py``, never the folder
        ``ptycho_torch`` for a file.
        """
        memo = (rel, want)
        got = self._close.get(memo)
        if got is None:
            got = self._close[memo] = self._close_paths(rel, want)
        return got

    def _close_paths(self, rel: str, want: str | None) -> list[str]:
        self._walk()
        clean = rel.strip("/")
        parts = clean.split("/")
        out: list[str] = []
        names = []
        if want != "dir":
            names.append(parts[-1])
        if want != "file":
            names.append(parts[-1] + "/")
        folders, parent_name = set(parts[:-1]), parts[-2] if len(parts) > 1 else ""
        for name in names:
            same = [m for m in self._by_name.get(name, []) if m != clean]
            # a generic name (plan.md, __init__.py) is in many folders: first those in a
            # folder of the same name (plans/active/x/plan.md -> plans/archive/x/plan.md),
            # then by the folder names they share with the path
            same.sort(key=lambda m: (_parent(m) != parent_name, -len(folders & set(m.split("/")))))
            out += same
        i = len(parts) - 1
        while i > 0 and "/".join(parts[:i]) not in self._dirs:
            i -= 1
        parent = "/".join(parts[:i])
        prefix = parent + "/" if parent else ""
        rest = "/".join(parts[i + 1 :])
        siblings = self._children(parent)
        if len(siblings) > _MAX_SIMILAR:  # bounded: names of about the same length first
            size = len(parts[i])
            siblings = sorted(siblings, key=lambda n: abs(len(n) - size))[:_MAX_SIMILAR]
        for name in close_matches(parts[i], siblings, n=3, cutoff=0.6):
            out.append(prefix + name + ("/" + rest if rest else ""))
        return [c for c in dict.fromkeys(out) if self._offerable(c, want)][:5]

    def _offerable(self, rel: str, want: str | None) -> bool:
        kind = "file" if rel in self._files else "dir" if rel in self._dirs else None
        if kind is None or (want is not None and kind != want):
            return False
        if any(rel == a or rel.startswith(a + "/") for a in self.avoid):
            return False
        if self.code_roots and "" not in self.code_roots:
            return any(rel == r or rel.startswith(r + "/") for r in self.code_roots)
        return True

    def line_count(self, rel: str) -> int | None:
        """Number of lines of a file of the root (``None`` when unreadable)."""
        if rel not in self._lines:
            try:
                real = self._real(rel)
                if real.stat().st_size > 50 * self.max_bytes:
                    self._lines[rel] = None
                else:
                    data = real.read_bytes()
                    n = data.count(b"\n")
                    self._lines[rel] = n + (1 if data and not data.endswith(b"\n") else 0)
            except (PathRefused, OSError):
                self._lines[rel] = None
        return self._lines[rel]

    # ---------------------------------------------------------------- modules

    def info(self, rel: str) -> ModuleInfo | None:
        """The static parse of a ``.py`` file of the root (cached by content)."""
        if rel not in self._infos:
            info: ModuleInfo | None = None
            try:
                data = self._real(rel).read_bytes()
                _key, info = self.cache.get_or_parse(data, path=rel, max_bytes=self.max_bytes)
            except (PathRefused, OSError):
                info = None
            self._infos[rel] = info
        return self._infos[rel]

    def defined(self, rel: str, name: str) -> Symbol | None:
        """``info(rel).symbol(name)`` when the module parses and defines ``name``; None
        when it does not or cannot be said this way (then ask :meth:`info`). A module not
        parsed yet is not extracted whole for it (``extract.defined_symbol``)."""
        if rel in self._infos:
            info = self._infos[rel]
            return info.symbol(name) if info is not None and info.problem is None else None
        memo = (rel, name)
        if memo in self._defined:
            return self._defined[memo]
        found: Symbol | None = None
        try:
            data = self._real(rel).read_bytes()
        except (PathRefused, OSError):
            data = None
        if data is not None and len(data) <= self.max_bytes:
            from sphinx_ptyplan.core.sources.extract import defined_symbol, digest

            cached = self.cache.get(digest(data))  # a build's cache already knows it
            if cached is not None:
                self._infos[rel] = cached
                return cached.symbol(name) if cached.problem is None else None
            more = self._expected.pop(rel, set()) - {name}
            if more:  # other names of it will be asked: one parse for all of them
                from sphinx_ptyplan.core.sources.symbols import defined_symbols

                got = defined_symbols(data, [name, *sorted(more)], max_bytes=self.max_bytes)
                for other in more:
                    self._defined.setdefault((rel, other), got[other])
                found = got[name]
            else:
                found = defined_symbol(data, name, max_bytes=self.max_bytes)
        self._defined[memo] = found
        return found

    def expect_symbols(self, texts: Iterable[str]) -> None:
        """Learn the ``path.py:Name`` references of inline spans about to be checked: the
        first name :meth:`defined` is asked of a module then extracts the others expected
        of it from the same parse (``symbols.defined_symbols``), not one parse per name.
        Changes no answer."""
        for text in texts:
            if ":" not in text:
                continue
            for c in classify(text):
                if c.kind is RefKind.PATH_SYMBOL and c.path and c.name and not c.external:
                    rel = _norm(c.path)
                    self._expected.setdefault(rel, set()).add(c.name.split(".", 1)[0])

    def nested(self, rel: str, name: str) -> Symbol | None:
        """A class or function ``name`` defined inside another definition of ``rel``
        (:func:`~sphinx_ptyplan.core.sources.nested.nested_symbol`), memoised."""
        memo = (rel, name)
        if memo not in self._nested:
            from sphinx_ptyplan.core.sources.nested import nested_symbol

            try:
                data: bytes | None = self._real(rel).read_bytes()
            except (PathRefused, OSError):
                data = None
            found = nested_symbol(data, name, max_bytes=self.max_bytes) if data else None
            self._nested[memo] = found
        return self._nested[memo]

    @property
    def packages(self) -> dict[str, str]:
        """Top-level importable name -> the folder that holds it ("" for the root)."""
        if self._packages is None:
            pk: dict[str, str] = {}
            roots = self.code_roots or ("",)
            for r in roots:
                if r and (self.is_file(f"{r}/__init__.py") or not self._holds_packages(r)):
                    base, _, name = r.rpartition("/")
                    if name.isidentifier():
                        pk.setdefault(name, base)
                    continue
                for name in self._children(r):
                    rel = f"{r}/{name}" if r else name
                    if name.endswith(".py") and name[:-3].isidentifier():
                        pk.setdefault(name[:-3], r)
                    elif name.isidentifier() and self.is_dir(rel) and self._is_pkg_dir(rel):
                        pk.setdefault(name, r)
            self._packages = pk
        return self._packages

    def _children(self, rel: str) -> list[str]:
        """Names directly inside an indexed folder ("" for the root), memoised."""
        if self._kids is None:
            kids: dict[str, set[str]] = {}
            self._walk()
            for p in self._files | self._dirs:
                parent, _, name = p.rpartition("/")
                kids.setdefault(parent, set()).add(name)
            self._kids = {k: sorted(v) for k, v in kids.items()}
        return self._kids.get(rel, [])

    def _is_pkg_dir(self, rel: str) -> bool:
        return self.is_file(f"{rel}/__init__.py") or any(
            c.endswith(".py") for c in self._children(rel)
        )

    def _holds_packages(self, rel: str) -> bool:
        return not any(c.endswith(".py") for c in self._children(rel)) and any(
            self.is_file(f"{rel}/{c}/__init__.py") for c in self._children(rel)
        )

    def module_path(self, parts: Sequence[str]) -> tuple[str, str] | None:
        """``(file or folder, "module" | "package" | "namespace")`` of a dotted module name."""
        base = self.packages.get(parts[0])
        if base is None:
            return None
        rel = "/".join(parts)
        rel = f"{base}/{rel}" if base else rel
        if self.is_file(rel + ".py"):
            return rel + ".py", "module"
        if self.is_file(rel + "/__init__.py"):
            return rel + "/__init__.py", "package"
        if len(parts) > 1 and self.is_dir(rel) and self._is_pkg_dir(rel):
            return rel, "namespace"
        return None

    def dotted_of(self, rel: str) -> str | None:
        """The dotted module name of a ``.py`` file (``None`` outside the code roots)."""
        if not rel.endswith(".py"):
            return None
        for name, base in self.packages.items():
            prefix = f"{base}/{name}" if base else name
            if rel == prefix + ".py" or rel.startswith(prefix + "/"):
                inner = rel[len(base) + 1 :] if base else rel
                mod = inner[:-3].replace("/", ".")
                return mod[: -len(".__init__")] if mod.endswith(".__init__") else mod
        return None

    def module_files(self) -> list[str]:
        """Every ``.py`` file under the code roots' packages."""
        self._walk()
        out: list[str] = []
        for name, base in self.packages.items():
            prefix = f"{base}/{name}" if base else name
            out.extend(f for f in self._files if f.endswith(".py") and f.startswith(prefix + "/"))
            if prefix + ".py" in self._files:
                out.append(prefix + ".py")
        return sorted(set(out))

    def classes(self, name: str) -> list[tuple[str, Symbol]]:
        """Top-level classes called ``name``: ``(module file, class symbol)``, path order."""
        if self._classes is None:
            found: dict[str, list[tuple[str, Symbol]]] = {}
            for f in self.module_files():
                info = self.info(f)
                if info is None:
                    continue
                for s in info.symbols:
                    if s.kind is SymbolKind.CLASS:
                        found.setdefault(s.name, []).append((f, s))
            self._classes = found
        return self._classes.get(name, [])

    def imports(self, rel: str) -> tuple[dict[str, tuple[str, int]], bool]:
        """Names a module imports (``name -> (absolute dotted target, line)``) and whether it
        has a star import. Only read when a name is not defined in the module; the imports
        come from the module's parse (through the parse cache), never from a second parse."""
        if rel not in self._imports:
            names: dict[str, tuple[str, int]] = {}
            star = False
            info = self.info(rel)
            mod = self.dotted_of(rel) or ""
            pkg = mod if rel.endswith("__init__.py") else mod.rpartition(".")[0]
            for imp in info.imports if info is not None else ():
                if imp.name is None:
                    names.setdefault(imp.bound, (imp.module, imp.line))
                    continue
                if imp.bound == "*":
                    star = True
                    continue
                src = imp.module
                if imp.level:
                    up = pkg.split(".") if pkg else []
                    up = up[: len(up) - (imp.level - 1)] if imp.level > 1 else up
                    src = ".".join([*up, src] if src else up)
                names.setdefault(imp.bound, (f"{src}.{imp.name}", imp.line))
            self._imports[rel] = (names, star)
        return self._imports[rel]


# -------------------------------------------------------------------- resolution helpers


def _ask_story(
    story: StoryFn | None, keys: list[str], index: CodeIndex
) -> tuple[str, PathStory, str | None] | None:
    """(path asked, its story, new path) for the first key git knows.

    A story ending in a deletion whose intermediate name still exists (a folder renamed,
    then a file inside it deleted) is read as that rename."""
    if story is None or not keys:
        return None
    found = story(keys)  # the caller's story function answers {} when git cannot
    for k in keys:
        told = found.get(k)
        if told is None or not told.told:
            continue
        if told.new_path is not None:
            return k, told, _norm(told.new_path)
        for v in reversed(told.via):
            if index.kind_of(_norm(v)) in ("file", "dir"):
                return k, PathStory(k, "renamed", _norm(v), told.commit), _norm(v)
        return k, told, None
    return None


def _never(story: StoryFn, keys: list[str]) -> list[PathStory] | None:
    """Git answered for ``keys`` and none of them was ever in HEAD's history: their
    ``never`` stories (which may name a branch that has one, or say it is ignored); None
    when git knows a story or did not answer."""
    if not keys:
        return None
    found = story(keys)
    told = [found[k] for k in keys if k in found]
    if not told or any(t.status != "never" for t in told):
        return None
    return told


def _norm(path: str) -> str:
    p = posixpath.normpath(path.strip("/")) if path.strip("/") else ""
    return "" if p == "." else p


def _locate(
    ref: Reference, index: CodeIndex, former: frozenset[str] = frozenset(), suggest: bool = True
) -> tuple[str, str | None, tuple[str, ...], str]:
    """Find ``ref.path``: ``(outcome, path, candidates, note)``; outcome is one of
    ``file``, ``dir``, ``missing`` (in-tree, stale), ``ambiguous``, ``external``.

    ``former``: top-level folders the root had once (renamed or deleted away); a path
    under one of them is ``missing`` (stale), not an unknown partial path."""
    raw = ref.path or ""
    if is_external_path(raw):
        return "external", None, (), "an absolute path outside the root"
    rel = _norm(raw)
    if not rel:
        return "external", None, (), "not a path in the tree"
    kind = index.kind_of(rel)
    if kind == "none":  # written in another Unicode form than the file's name (NFC/NFD)?
        disk = index.disk_path(rel)
        if disk is not None:
            rel, kind = disk, index.kind_of(disk)
    if kind == "refused":
        return "external", None, (), "outside the root"
    if kind in ("file", "dir"):
        return kind, rel, (), ""
    top = rel.split("/", 1)[0]
    folder = "/" in rel or raw.rstrip().endswith("/")  # a path inside, or a folder itself
    if folder and (top in index.top_level or top in former) and top not in index.external:
        want = "dir" if raw.endswith("/") else "file" if "." in rel.rsplit("/", 1)[-1] else None
        if ref.kind in (RefKind.CITATION, RefKind.PATH_SYMBOL):
            want = "file"
        return "missing", rel, tuple(index.close_paths(rel, want)), ""
    matches = index.suffix_matches(rel + ("/" if raw.endswith("/") else ""))
    if len(matches) == 1:
        m = matches[0]
        return ("dir" if index.is_dir(m) else "file"), m, (), ""
    if len(matches) > 1:
        return "ambiguous", None, tuple(matches), ""
    return "external", None, (), "not found in the tree (a partial path)"


def _parent(path: str) -> str:
    """The name of the folder holding ``path`` (``""`` at the top)."""
    folder = path.rstrip("/").rpartition("/")[0]
    return folder.rpartition("/")[2]


def _find_symbol(info: ModuleInfo, parts: Sequence[str]) -> Symbol | None:
    sym = info.symbol(parts[0])
    for p in parts[1:]:
        if sym is None:
            return None
        sym = sym.member(p)
    return sym


def _member_chain(sym: Symbol | None, parts: Sequence[str]) -> Symbol | None:
    for p in parts:
        if sym is None:
            return None
        sym = sym.member(p)
    return sym


def _names_for(info: ModuleInfo, parts: Sequence[str]) -> list[str]:
    """Names to pick a did-you-mean from: the members of the deepest found owner."""
    if len(parts) > 1:
        owner = _find_symbol(info, parts[:-1])
        if owner is not None:
            prefix = ".".join(parts[:-1]) + "."
            return [prefix + m.name for m in owner.members]
    return [s.name for s in info.symbols]


def _target_kind(sym: Symbol) -> str:
    return sym.kind.value


#: What :func:`_symbol_in_module` found: ``(outcome, symbol, where, line, names)``.
_Looked = tuple[str, Symbol | None, str, int | None, list[str]]


def _symbol_in_module(
    ref: Reference, index: CodeIndex, rel: str, parts: Sequence[str], depth: int = 0
) -> _Looked:
    """Look ``parts`` up in module ``rel``: ``(outcome, symbol, where, line, names)`` with
    outcome ``found`` / ``import`` / ``unchecked`` / ``missing``."""
    # most cited names exist: say so without extracting the whole module
    sym = _member_chain(index.defined(rel, parts[0]), parts[1:])
    if sym is not None:
        return "found", sym, rel, sym.line, []
    info = index.info(rel)
    if info is None or info.problem is not None:
        why = info.problem.message if info is not None and info.problem else "unreadable"
        return "unchecked", None, rel, None, [f"{rel} could not be parsed ({why})"]
    sym = _find_symbol(info, parts)
    if sym is not None:
        return "found", sym, rel, sym.line, []
    if info.symbol(parts[0]) is None:
        names, star = index.imports(rel)
        if parts[0] in names:
            target, line = names[parts[0]]
            tparts = target.split(".")
            if depth < 4 and tparts and tparts[0] in index.packages:
                full = [*tparts, *parts[1:]]
                for k in range(len(full), 0, -1):
                    mp = index.module_path(full[:k])
                    if mp is None:
                        continue
                    if k == len(full):
                        return "import", None, mp[0], 1, []
                    if mp[1] == "namespace":
                        break
                    out = _symbol_in_module(ref, index, mp[0], full[k:], depth + 1)
                    if out[0] == "missing" and len(parts) == 1:
                        break  # the import itself is real; what it names is gone
                    return out
            return "import", None, rel, line, []
        if star or info.symbol("__getattr__") is not None:
            return "unchecked", None, rel, None, [f"{rel} has a star import or __getattr__"]
    sym = _member_chain(index.nested(rel, parts[0]), parts[1:])
    if sym is not None:  # a class made in a function's body is defined in the file too
        return "found", sym, rel, sym.line, []
    return "missing", None, rel, None, _names_for(info, parts)


def _replace_path(ref: Reference, new: str | None) -> str | None:
    if not new or not ref.path:
        return None
    old = ref.path.rstrip("/")
    if ref.kind is RefKind.CITATION or old not in ref.text:
        return None  # cited lines may have moved with the file: no exact replacement
    return ref.text.replace(old, new.rstrip("/"), 1)


def story_keys(ref: Reference, index: CodeIndex, former: frozenset[str] = frozenset()) -> list[str]:
    """Root-relative paths whose git story explains a stale ``ref`` (``former``: top-level
    folders the root had once, whose dotted names are asked about too)."""
    if ref.kind in (RefKind.PATH, RefKind.CITATION, RefKind.PATH_SYMBOL):
        rel = _norm(ref.path or "")
        return [rel] if rel and not is_external_path(ref.path or "") else []
    if ref.kind is RefKind.DOTTED and ref.name:
        parts = _dotted_parts(ref)
        base = index.packages.get(parts[0])
        lowest = 2
        if base is None and parts[0] in former:
            base, lowest = "", 1
        if base is None:
            return []
        keys = []
        for k in range(len(parts), lowest - 1, -1):
            rel = "/".join(parts[:k])
            rel = f"{base}/{rel}" if base else rel
            keys += [rel + ".py", rel + "/__init__.py"]
        return keys
    return []


# -------------------------------------------------------------------- resolve


def resolve(
    ref: Reference,
    index: CodeIndex,
    *,
    story: StoryFn | None = None,
    former: frozenset[str] = frozenset(),
    suggest: bool = True,
    packages: frozenset[str] | None = None,
) -> Resolution:
    """Resolve one reference against the index; never reads outside the root.

    Stale and ambiguous results carry a :class:`Finding` located at ``ref.doc_path:doc_line``.
    ``former`` names top-level folders that existed once (see ``_locate``); ``packages``
    those of them that held Python modules (dotted names under the others are not the
    tree's; ``None``: all of them). A bug here raises (it must surface as a bug, not as a
    quiet "not checked").
    """
    if ref.kind in (RefKind.PATH, RefKind.CITATION, RefKind.PATH_SYMBOL):
        return _resolve_path(ref, index, story, former, suggest)
    pkgs = former if packages is None else packages
    if ref.kind is RefKind.ATTR:
        return _resolve_attr(ref, index)
    if ref.kind is RefKind.NAME:
        return resolve_name(
            ref, index.names, lambda r: _resolve_dotted(r, index, None, pkgs), index=index
        )
    return _resolve_dotted(ref, index, story, pkgs)


def resolve_all(
    refs: Sequence[Reference],
    index: CodeIndex,
    *,
    story: StoryFn | None = None,
    former: frozenset[str] = frozenset(),
    problems: list[Finding] | None = None,
    packages: frozenset[str] | None = None,
) -> list[Resolution]:
    """Resolve many references, asking ``story`` once for all stale ones (one git batch).

    When git cannot tell the stories, the references stay stale without them and the
    ``GIT`` finding is appended to ``problems`` (when given). Written signatures are
    compared with what they resolve to (``signature-mismatch``), and a name that context
    cannot decide is warned once per section, not once per mention. ``packages``: the
    ``former`` folders that held Python modules (see :func:`resolve`)."""
    from sphinx_ptyplan.core.sources.gitrepo import GitError

    def judged(suggest: bool) -> list[Resolution]:
        return _once_per_section(
            [
                _signed(resolve(r, index, former=former, suggest=suggest, packages=packages), index)
                for r in refs
            ]
        )

    if story is None:
        return judged(True)
    first = judged(False)  # a did-you-mean is asked again only for what stays stale
    keys: list[str] = []
    for res in first:
        if res.status is Status.STALE:
            keys.extend(story_keys(res.ref, index, former if packages is None else packages))
    try:
        known = dict(story(sorted(set(keys)))) if keys else {}
    except GitError as exc:
        if problems is not None:
            problems.append(Finding(FindingKind.GIT, exc.message, code=exc.code))
        return judged(True)

    def cached(paths: list[str]) -> dict[str, PathStory]:
        return {p: known[p] for p in paths if p in known}

    return [
        resolve(res.ref, index, story=cached, former=former, packages=packages)
        if res.status is Status.STALE
        else res
        for res in first
    ]


def _signed(res: Resolution, index: CodeIndex) -> Resolution:
    if res.status is not Status.RESOLVED or "(" not in res.ref.span:
        return res
    found = check_signature(res, index)
    if found is None:
        return res
    return replace(res, finding=found)


def _once_per_section(rows: list[Resolution]) -> list[Resolution]:
    seen: set[tuple[str | None, str]] = set()
    out = []
    for res in rows:
        f = res.finding
        if f is not None and f.code == "ambiguous-name":
            key = (res.ref.anchor, res.ref.name or res.ref.text)
            if key in seen:
                res = replace(res, finding=None)
            seen.add(key)
        out.append(res)
    return out


def _stale(
    ref: Reference,
    index: CodeIndex,
    story: StoryFn | None,
    what: str,
    cands: Sequence[str],
    code: FindingCode,
    *,
    new_text: Callable[[str, str], str | None] | None = None,
    subject: str | None = None,
    owner: str | None = None,
    former: frozenset[str] = frozenset(),
    missing_code: FindingCode | None = None,
) -> Resolution:
    keys = story_keys(ref, index, former)
    never = _never(story, keys) if missing_code is not None and story is not None else None
    if never is not None:
        rule = next((t.ignored for t in never if t.ignored), None)
        branch = next((t.branch for t in never if t.branch), None)
        if rule is not None:  # an output: a file of a close name is not what was meant
            missing_code, cands = FindingCode.IGNORED_OUTPUT, ()
            detail = (
                f"{what} and never was committed: the repository ignores it ({rule}), so "
                "only the machine that made it has it"
            )
        elif branch is not None:
            detail = (
                f"{what} and never did on this branch (it is in the history of {branch}, "
                "not merged here)"
            )
        else:
            detail = (
                f"{what} and never did (not in the git history: a planned file, a typo or "
                "an uncommitted artefact)"
            )
        return _res(
            ref, Status.STALE, detail, candidates=cands, code=missing_code,
            subject=subject, owner=owner, missing=True,
        )  # fmt: skip
    told = _ask_story(story, story_keys(ref, index, former), index)
    replacement = None
    path_story = None
    if told is not None:
        key, path_story, new = told
        if new is not None:
            replacement = new_text(key, new) if new_text else _replace_path(ref, new)
    return _res(
        ref,
        Status.STALE,
        what,
        candidates=cands,
        code=code,
        subject=subject,
        story=path_story,
        replacement=replacement,
        owner=owner,
    )


def _mention_of_a_non_code_file(ref: Reference) -> bool:
    """``summary.md``, ``README.md``, ``config.yaml`` written in passing (no folder, line or
    symbol, not a role): several files of that name are normal (one per report folder,
    one per package) and say nothing stale, so the ambiguity is not a finding. Python file
    names (``model.py``) and citations (``model.py:2290``) are still reported."""
    raw = (ref.path or "").rstrip("/")
    if ref.kind is not RefKind.PATH or ref.context == "role" or "/" in raw:
        return False
    return posixpath.splitext(raw)[1].lower() not in (".py", ".pyi")


def _resolve_path(
    ref: Reference,
    index: CodeIndex,
    story: StoryFn | None,
    former: frozenset[str],
    suggest: bool = True,
) -> Resolution:
    raw = ref.path or ""
    outcome, rel, cands, note = _locate(ref, index, former, suggest)
    if is_artefact(raw) and outcome not in ("file", "dir", "missing"):
        # a data artefact named in passing (``recon.npz``) is not checked; one under an
        # existing top-level folder is a root-relative path like any other (``missing``)
        return _res(ref, Status.EXTERNAL, "data artefact not in the tree")
    if outcome == "external":
        if ref.kind is RefKind.PATH and _DOTTED_NAME_RE.match(raw):
            # ``params.cfg``: not a file of the tree, but maybe a short module's name
            named = short_module(
                replace(ref, kind=RefKind.DOTTED, name=raw),
                index.names,
                lambda r: _resolve_dotted(r, index, None, former),
                index,
            )
            if named.status is Status.RESOLVED:
                return replace(named, ref=ref)
        return _res(ref, Status.EXTERNAL, note)
    if outcome == "ambiguous":
        if _mention_of_a_non_code_file(ref):
            return _res(
                ref,
                Status.EXTERNAL,
                f"matches {len(cands)} paths (a file name mentioned in passing)",
                candidates=cands,
            )
        if ref.kind is RefKind.PATH_SYMBOL and ref.name and len(cands) <= _MAX_BY_SYMBOL:
            return _by_symbol(ref, index, cands)
        return _res(
            ref,
            Status.AMBIGUOUS,
            f"matches {len(cands)} paths ({', '.join(cands)}); write the path from the root",
            candidates=cands,
            code=FindingCode.AMBIGUOUS_PATH,
        )
    if outcome == "missing":
        return _stale(
            ref, index, story, f"{rel} does not exist", cands, FindingCode.STALE_PATH, owner=rel,
            missing_code=FindingCode.NEVER_EXISTED,
        )
    assert rel is not None
    if ref.kind is RefKind.PATH:
        if outcome == "dir":
            pkg = index.is_file(f"{rel}/__init__.py")
            return _res(
                ref, Status.RESOLVED, "", target_kind="package" if pkg else "path", path=rel
            )
        kind = "module" if rel.endswith((".py", ".pyi")) else "path"
        return _res(ref, Status.RESOLVED, "", target_kind=kind, path=rel, line=1)
    if outcome == "dir":
        return _stale(
            ref,
            index,
            story,
            f"{rel} is a folder, not a file",
            (),
            FindingCode.STALE_PATH,
            owner=rel,
        )
    if ref.kind is RefKind.CITATION:
        n = index.line_count(rel)
        start = ref.start or 0
        end = ref.end if ref.end is not None else start
        if n is None:
            return _res(ref, Status.EXTERNAL, f"{rel} is unreadable")
        if start < 1 or end < start or end > n:
            cited = f"line {start}" if end == start else f"lines {start}-{end}"
            what = f"cites {cited} of {rel}, which has {n} line{'' if n == 1 else 's'}"
            if end < start:
                what = f"cites an empty range {start}-{end} of {rel}"
            return _stale(ref, index, story, what, (), FindingCode.STALE_LINE, owner=rel)
        return _res(
            ref, Status.RESOLVED, "", target_kind="citation", path=rel, line=start, end_line=end
        )
    parts = (ref.name or "").split(".")
    looked = _symbol_in_module(ref, index, rel, parts)
    found = _symbol_verdict(ref, rel, looked)
    if found is not None:
        return found
    names = looked[4]
    close = close_matches(ref.name or "", names, n=3, cutoff=0.6)
    return _stale(
        ref,
        index,
        story,
        f"{rel} defines no `{ref.name}`",
        [f"{rel}:{c}" for c in close],
        FindingCode.STALE_SYMBOL,
        owner=rel,
    )


#: Candidates a bare ``file.py::Name`` is narrowed among by parsing each (``__init__.py``
#: matches every package: past this many, it stays ambiguous without parsing them all).
_MAX_BY_SYMBOL = 12


def _by_symbol(ref: Reference, index: CodeIndex, cands: tuple[str, ...]) -> Resolution:
    """``components.py::Dataset.load`` where several files are named ``components.py``: the
    one candidate that defines the name is meant (a file that only imports it is not); when
    several or none define it, the reference stays ambiguous, listing those that do."""
    parts = (ref.name or "").split(".")
    looks = {c: _symbol_in_module(ref, index, c, parts) for c in cands}
    having = tuple(c for c in cands if looks[c][0] == "found" and looks[c][2] == c)
    if len(having) == 1:
        found = _symbol_verdict(ref, having[0], looks[having[0]])
        assert found is not None
        why = f"the only one of {len(cands)} files named so that defines {ref.name}"
        return replace(found, reason=f"{having[0]}, {why}")
    listed = having or cands
    what = f", {len(having)} of them define {ref.name}" if having else ""
    return _res(
        ref,
        Status.AMBIGUOUS,
        f"matches {len(cands)} paths{what} ({', '.join(listed)}); write the path from the root",
        candidates=listed,
        code=FindingCode.AMBIGUOUS_PATH,
    )


def _symbol_verdict(ref: Reference, rel: str, looked: _Looked) -> Resolution | None:
    """The verdict on a name looked up in module ``rel`` (:func:`_symbol_in_module`): found,
    an import, or not checkable (a star import); None when it is missing (the caller says
    what is missing and which names are close)."""
    outcome, sym, where, line, names = looked
    if outcome == "found" and sym is not None:
        return _res(
            ref,
            Status.RESOLVED,
            "",
            target_kind=_target_kind(sym),
            path=where,
            line=sym.line,
            end_line=sym.end_line,
            owner=rel,
        )
    if outcome == "import":
        return _res(
            ref, Status.RESOLVED, "", target_kind="import", path=where, line=line, owner=rel
        )
    if outcome == "unchecked":
        return _res(ref, Status.EXTERNAL, names[0])
    return None


def _dotted_parts(ref: Reference) -> list[str]:
    return (ref.name or ref.text).split(".")


def _new_dotted(index: CodeIndex, parts: Sequence[str]) -> Callable[[str, str], str | None]:
    """``(path asked, its new path) -> the dotted name rewritten`` for a renamed module."""

    def new_dotted(key: str, new: str) -> str | None:
        mod = index.dotted_of(new) or index.dotted_of(new.rstrip("/") + "/__init__.py")
        base = index.packages.get(parts[0], "")
        old = key[len(base) + 1 :] if base else key
        old = old.removesuffix("/__init__.py").removesuffix(".py")
        if mod is None or not old:
            return None
        return ".".join([mod, *parts[old.count("/") + 1 :]])

    return new_dotted


def _resolve_dotted(
    ref: Reference, index: CodeIndex, story: StoryFn | None, former: frozenset[str]
) -> Resolution:
    name = ref.name or ref.text
    parts = name.split(".")
    top = parts[0]
    if top not in index.external and top not in index.packages and top in former:
        # a top-level package the root had once (renamed or deleted away)
        return _stale(
            ref,
            index,
            story,
            f"no package `{top}` in the tree",
            (),
            FindingCode.STALE_NAME,
            new_text=_new_dotted(index, parts),
            owner=top,
            former=former,
        )
    if top not in index.external and top not in index.packages and len(parts) > 1:
        return short_module(
            ref, index.names, lambda r: _resolve_dotted(r, index, story, former), index
        )
    if top in index.external or top not in index.packages:
        return _res(ref, Status.EXTERNAL, f"`{top}` is not a package of the tree")
    for k in range(len(parts), 0, -1):
        mp = index.module_path(parts[:k])
        if mp is None:
            continue
        rel, mkind = mp
        if k == len(parts):
            kind = "module" if mkind == "module" else "package"
            return _res(
                ref,
                Status.RESOLVED,
                "",
                target_kind=kind,
                path=rel,
                line=None if mkind == "namespace" else 1,
            )
        rest = parts[k:]
        if mkind == "namespace":
            names = [n[:-3] if n.endswith(".py") else n for n in index._children(rel)]
        else:
            looked = _symbol_in_module(ref, index, rel, rest)
            found = _symbol_verdict(ref, rel, looked)
            if found is not None:
                return found
            names = looked[4]
        modname = ".".join(parts[:k])
        # missing: offer submodules as well as names defined in the module
        if mkind == "package" and len(rest) >= 1:
            pkg_dir = rel.rsplit("/", 1)[0]
            subs = [n[:-3] if n.endswith(".py") else n for n in index._children(pkg_dir)]
            names = list(names) + [s for s in subs if s.isidentifier() and s != "__init__"]
        info = index.info(rel) if mkind != "namespace" else None
        if len(rest) > 1 and info is not None and info.symbol(rest[0]) is not None:
            close = close_matches(".".join(rest), names, n=3, cutoff=0.6)
        else:
            close = close_matches(rest[0], names, n=3, cutoff=0.6)
        what = (
            f"module `{modname}` ({rel}) has no `{'.'.join(rest)}`"
            if mkind != "package"
            else f"package `{modname}` has no module or name `{'.'.join(rest)}`"
        )
        return _stale(
            ref,
            index,
            story,
            what,
            [f"{modname}.{c}" for c in close],
            FindingCode.STALE_NAME,
            new_text=_new_dotted(index, parts),
            owner=rel,
            missing_code=FindingCode.NEVER_EXISTED if mkind == "package" else None,
        )
    return _res(ref, Status.EXTERNAL, "no module of it found")  # pragma: no cover


def _resolve_attr(ref: Reference, index: CodeIndex) -> Resolution:
    name = ref.name or ref.text
    cls_name, _, attr = name.partition(".")
    classes = index.classes(cls_name)
    if not classes:
        return _res(ref, Status.EXTERNAL, f"no class `{cls_name}` in the tree")
    hits: list[tuple[str, Symbol, Symbol]] = []
    unsure = False
    for rel, cls in classes:
        member, open_base = _member(index, rel, cls, attr)
        if member is not None:
            hits.append((member[0], cls, member[1]))
        elif open_base:
            unsure = True
    if len(hits) == 1:
        rel, _cls, m = hits[0]
        return _res(
            ref,
            Status.RESOLVED,
            "",
            target_kind=_target_kind(m),
            path=rel,
            line=m.line,
            end_line=m.end_line,
        )
    if len(hits) > 1:
        cands = [
            f"{index.dotted_of(rel) or rel}.{cls.name}.{attr} ({rel}:{m.line})"
            for rel, cls, m in hits
        ]
        return _res(
            ref,
            Status.AMBIGUOUS,
            f"{len(hits)} classes named `{cls_name}` have `{attr}`: "
            f"{'; '.join(cands)}; qualify it with the module path",
            candidates=cands,
            code=FindingCode.AMBIGUOUS_ATTR,
            subject=name,
        )
    if unsure:
        return _res(
            ref,
            Status.EXTERNAL,
            f"`{attr}` may come from a base class outside the tree",
        )
    names = sorted({m.name for _rel, cls in classes for m in cls.members})
    close = close_matches(attr, names, n=3, cutoff=0.6)
    where = ", ".join(f"{rel}:{cls.line}" for rel, cls in classes)
    return _res(
        ref,
        Status.STALE,
        f"class `{cls_name}` ({where}) has no attribute `{attr}`",
        candidates=[f"{cls_name}.{c}" for c in close],
        code=FindingCode.STALE_ATTR,
        subject=name,
    )


def _member(
    index: CodeIndex, rel: str, cls: Symbol, attr: str, depth: int = 0
) -> tuple[tuple[str, Symbol] | None, bool]:
    """``((file, member) | None, has a base outside the tree)`` for ``cls.attr``, searching
    base classes found in the tree."""
    m = cls.member(attr)
    if m is not None:
        return (rel, m), False
    open_base = False
    for base in cls.bases:
        if base in _PLAIN_BASES:
            continue
        short = base.split("[", 1)[0].rsplit(".", 1)[-1]
        found = index.classes(short) if depth < 5 else []
        if not found:
            open_base = True
            continue
        for brel, bcls in found:
            got, ob = _member(index, brel, bcls, attr, depth + 1)
            if got is not None:
                return got, False
            open_base = open_base or ob
    return None, open_base
