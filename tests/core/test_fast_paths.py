"""The fast paths of a corpus-sized check (issue 16) give exactly the plain answers."""

from __future__ import annotations

import difflib
import errno
import os
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sphinx_ptyplan.core.checks.resolve import (
    CodeIndex,
    _matched,
    close_matches,
    common_subsequence,
    positions,
    resolve,
)
from sphinx_ptyplan.core.models import RefKind
from sphinx_ptyplan.core.paths import PathRefused, SymlinkLoop, confine
from sphinx_ptyplan.core.sources.classify import _split_items, classify, references_in
from sphinx_ptyplan.core.sources.extract import defined_symbol, parse_module
from sphinx_ptyplan.core.sources.gitrepo import _PIPE_CHUNK, GitRepo
from sphinx_ptyplan.core.sources.symbols import defined_symbols
from tests.gitutil import Repo


def test_classify_is_memoised_but_each_caller_owns_its_list() -> None:
    first = classify("ptycho/model.py:12, ptycho.params.cfg")
    assert [c.kind for c in first] == [RefKind.CITATION, RefKind.DOTTED]
    first.clear()  # a caller may change its list: the memo is not touched
    again = classify("ptycho/model.py:12, ptycho.params.cfg")
    assert [c.path or c.name for c in again] == ["ptycho/model.py", "ptycho.params.cfg"]
    assert again is not classify("ptycho/model.py:12, ptycho.params.cfg")


def _walk_split(text: str) -> list[str]:
    """The bracket walk of ``_split_items`` without its shortcut."""
    items: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        if ch in ",;" and depth == 0:
            items.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    items.append("".join(cur))
    return [i.strip() for i in items if i.strip()]


@given(st.text(alphabet=st.sampled_from(list("ab.(/)[]{}, ;:\t")), max_size=30))
def test_split_shortcut_is_the_bracket_walk(text: str) -> None:
    assert _split_items(text) == _walk_split(text)


def test_classify_one_item_without_separators() -> None:
    assert [c.path for c in classify("  ptycho/model.py  ")] == ["ptycho/model.py"]
    assert classify("   ") == []
    assert [c.name for c in classify("ptycho.model.run(x, y)")] == ["ptycho.model.run"]


def test_cat_file_requests_are_pipelined_in_chunks_without_blocking(tmp_path: Path) -> None:
    """Many names (several chunks) whose answers are far more than a pipe holds: each
    answer is the one a single request gives, in order, absent names included."""
    r = Repo(tmp_path / "r")
    for i in range(300):
        r.write(f"pkg/module_with_a_long_name_{i:03d}.py", f"X = {i}\n" + "#" * 2000 + "\n")
    sha = r.commit("many files")
    names = [f"{sha}:pkg/module_with_a_long_name_{i:03d}.py" for i in range(300)]
    names.insert(150, f"{sha}:pkg/absent.py")
    assert sum(len(n) + 1 for n in names) > 3 * _PIPE_CHUNK
    with GitRepo.open(r.path) as g:
        got = g._cat.requests(names)
        assert len(got) == 301
        assert got[150] == (None, "missing", None)
        rest = got[:150] + got[151:]
        assert [d[:6] if d else None for _o, _k, d in rest] == [
            f"X = {i}\n".encode()[:6] for i in range(300)
        ]
        assert all(k == "blob" for _o, k, _d in rest)
        assert g._cat.request(names[7]) == got[7]


def test_existed_before_many_is_existed_before_for_each(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    r.write("a/old.py", "x = 1\n")
    r.commit("first")
    r.write("a/new.py", "y = 2\n")
    r.write("a/old.py", "x = 2\n")
    second = r.commit("second")
    paths = ["a/old.py", "a/new.py", "a/none.py", "", "./a/old.py"]
    with GitRepo.open(r.path) as g:
        many = g.existed_before_many(second, paths)
        assert many == {"a/old.py", "./a/old.py"}
        assert [g.existed_before(second, p) for p in paths] == [p in many for p in paths]


def _confine_by_pathlib(root: Path, relpath: str) -> Path:
    """``confine`` as it was written with ``Path.resolve`` and ``Path.parents``."""
    if "\x00" in relpath:
        raise PathRefused("nul")
    text = relpath.strip()
    if not text:
        raise PathRefused("empty")
    pure = PurePosixPath(text)
    if pure.is_absolute() or (len(text) > 1 and text[1] == ":"):
        raise PathRefused("absolute")
    real_root = root.resolve()
    candidate = (real_root / pure).resolve()
    try:  # what Path.resolve does itself before Python 3.13
        os.stat(candidate)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise RuntimeError(f"Symlink loop from {exc.filename!r}") from None
    if candidate != real_root and real_root not in candidate.parents:
        raise PathRefused("outside")
    return candidate


def _outcome(fn: Callable[[Path, str], Path], root: Path, rel: str) -> object:
    """What ``fn`` answers; a symlink loop is ``Path.resolve``'s ``RuntimeError`` (before
    Python 3.13) and ``confine``'s ``SymlinkLoop`` (an ``OSError``), from the same link."""
    try:
        return fn(root, rel)
    except PathRefused:
        return "refused"
    except SymlinkLoop as exc:
        return ("loop", exc.filename)
    except RuntimeError as exc:
        return ("loop", str(exc).removeprefix("Symlink loop from ").strip("'"))


@pytest.fixture(scope="module")
def linked_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("confine")
    (base / "outside").mkdir()
    root = base / "root"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "f.py").write_text("x = 1\n")
    (root / "a" / "in").symlink_to("b")  # a folder link inside the root
    (root / "a" / "out").symlink_to(base / "outside")  # a folder link out of it
    (root / "a" / "up").symlink_to("..")  # back to the root
    (root / "a" / "self").symlink_to("self")  # a loop
    (root / "a" / "gone").symlink_to("nowhere")  # dangling
    (root / "link-root").symlink_to(".")
    return root


_STEPS = ["a", "b", "f.py", "in", "out", "up", "self", "gone", "..", ".", "", "x", "link-root"]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(_STEPS), min_size=1, max_size=6), st.booleans())
def test_confine_answers_as_path_resolve_did(
    linked_tree: Path, steps: list[str], trailing: bool
) -> None:
    rel = "/".join(steps) + ("/" if trailing else "")
    for root in (linked_tree, linked_tree / "link-root", linked_tree / "a" / "up"):
        assert _outcome(confine, root, rel) == _outcome(_confine_by_pathlib, root, rel)


def test_confine_drops_empty_steps_before_a_loop_as_pathlib_does(linked_tree: Path) -> None:
    """``realpath`` joins what follows a symlink loop as written: ``a/self//`` became "/"
    (refused as outside the root) where ``Path`` sees ``a/self``, a loop."""
    for rel in ("a/self//", "a/self/.//", "./a//self", "a/./b//f.py", "a//b/./f.py/", "./"):
        expected = _outcome(_confine_by_pathlib, linked_tree, rel)
        assert _outcome(confine, linked_tree, rel) == expected


_NAMES = st.text(alphabet=st.sampled_from(list("abcab_._12/")), max_size=12)


@settings(max_examples=500)
@given(
    _NAMES,
    st.lists(_NAMES, max_size=40),
    st.integers(min_value=1, max_value=4),
    st.sampled_from([0.0, 0.3, 0.6, 0.75, 1.0]),
)
def test_close_matches_is_difflibs_answer(
    word: str, names: list[str], n: int, cutoff: float
) -> None:
    assert close_matches(word, names, n, cutoff) == difflib.get_close_matches(
        word, names, n, cutoff
    )


@settings(max_examples=2000)
@given(_NAMES, _NAMES)
def test_matched_characters_are_difflibs_matching_blocks(a: str, b: str) -> None:
    for x, y in ((a, b), (a + b + a, b + a)):
        matcher = difflib.SequenceMatcher(None, x, y)
        blocks = sum(size for _i, _j, size in matcher.get_matching_blocks())
        assert positions(y) == matcher.b2j  # short: no junk, nothing popular
        assert _matched(x, len(y), positions(y)) == blocks


def _lcs_by_table(a: str, b: str) -> int:
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b):
            cur.append(prev[j] + 1 if ca == cb else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


@settings(max_examples=2000)
@given(_NAMES, _NAMES)
def test_common_subsequence_is_the_dynamic_programming_answer(a: str, b: str) -> None:
    masks = {ch: sum(1 << j for j in js) for ch, js in positions(b).items()}
    assert common_subsequence(a, masks, len(b)) == _lcs_by_table(a, b)
    matcher = difflib.SequenceMatcher(None, a, b)
    assert _matched(a, len(b), positions(b)) <= common_subsequence(a, masks, len(b))
    assert matcher.ratio() <= (2.0 * _lcs_by_table(a, b) / (len(a) + len(b)) if a or b else 1.0)


def test_close_matches_of_a_long_word_is_difflibs_answer() -> None:
    """From 200 characters on difflib treats frequent characters as junk: its own ratio."""
    word = "ab_" * 70 + "x.py"
    names = ["ab_" * 69 + "x.py", "ab_" * 70, "b_a" * 70 + "x.py", "x.py"]
    assert close_matches(word, names, 3, 0.3) == difflib.get_close_matches(word, names, 3, 0.3)


def test_close_matches_on_file_names_like_a_corpus() -> None:
    names = [
        f"{a}_{b}_{i}.py"
        for a in ("amp", "stack", "merge")
        for b in ("tile", "grid")
        for i in range(40)
    ]
    for word in ("stackamp_17.py", "amp_tile_3.py", "merge_grid_39.py", "zzz.py", ""):
        assert close_matches(word, names) == difflib.get_close_matches(word, names)


_TRICKY = b'''"""doc"""
import os
from x import *
A, (B, C) = 1, (2, 3)
D: int = 4
D = 5
if os.name:
    def f(a: int = 1, *b, c: "x" = None, **d) -> list[int]:
        return []
else:
    def f(): ...
try:
    class K(Base, metaclass=M):
        """K."""
        x: int = 1
        def __init__(self, y):
            self.y = y
        def g(self) -> None: ...
except ImportError:
    K = None
__all__ = ["f"]
__all__ += ["K"]
async def h(): ...
'''


def _module_sources() -> list[bytes]:
    pkg = Path(__file__).resolve().parents[2] / "sphinx_ptyplan"
    return [_TRICKY, *(p.read_bytes() for p in sorted(pkg.rglob("*.py")))]


def test_defined_symbol_is_the_full_extractions_symbol() -> None:
    checked = 0
    for data in _module_sources():
        info = parse_module(data)
        assert info.problem is None
        for sym in info.symbols:
            assert defined_symbol(data, sym.name) == sym
            checked += 1
        names = {s.name for s in info.symbols}
        for absent in ("os", "nothing_here", "self", "y", "__init__", "g"):
            if absent not in names:
                assert defined_symbol(data, absent) is None
    assert checked > 1000


def test_defined_symbols_are_each_names_defined_symbol() -> None:
    checked = 0
    for data in _module_sources():
        names = [s.name for s in parse_module(data).symbols][:12]
        names += ["os", "nothing_here", "self", "__init__", "g"]
        assert defined_symbols(data, names) == {n: defined_symbol(data, n) for n in names}
        checked += len(names)
    assert checked > 500
    for data in (b"def f(:\n", b"\x00\x01def f(): pass\n", b"x = 1\n", b"\xff\xfe"):
        assert defined_symbols(data, ["f", "x"]) == {"f": None, "x": defined_symbol(data, "x")}
    deep = b"class A:\n" + b"".join(b"    " * i + b"class B:\n" for i in range(1, 120))
    deep += b"    " * 120 + b"pass\n" + b"def f(): pass\n"
    assert defined_symbols(deep, ["A", "f"]) == {  # one name too deep for the extractor
        "A": defined_symbol(deep, "A"),
        "f": defined_symbol(deep, "f"),
    }


def test_index_expecting_names_answers_as_without(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_bytes(b"")
    (tmp_path / "pkg" / "mod.py").write_bytes(_TRICKY)
    texts = ["pkg/mod.py:f", "pkg/mod.py:K.g, pkg/mod.py:D", "pkg/mod.py:nope", "x.py:f"]
    expecting, plain = CodeIndex(tmp_path), CodeIndex(tmp_path)
    expecting.expect_symbols(texts)
    assert expecting._expected["pkg/mod.py"] == {"f", "K", "D", "nope"}
    for name in ("K", "f", "D", "nope", "h", "absent"):
        assert expecting.defined("pkg/mod.py", name) == plain.defined("pkg/mod.py", name)
    assert "pkg/mod.py" not in expecting._expected  # one parse answered them all
    for text in texts + ["pkg/mod.py:K.y", "pkg/mod.py:K.nope"]:
        index = CodeIndex(tmp_path)
        index.expect_symbols(texts)
        for ref in references_in(text, doc_path="d.md", doc_line=1):
            assert resolve(ref, index) == resolve(ref, CodeIndex(tmp_path))


def test_defined_symbol_declines_what_it_cannot_say() -> None:
    assert defined_symbol(b"def f(:\n", "f") is None  # a syntax error: parse_module says why
    assert defined_symbol(b"\x00\x01def f(): pass\n", "f") is None
    assert defined_symbol(b"def f(): pass\n", "f", max_bytes=4) is None
    assert defined_symbol(b"x = 1\n", "f") is None


def test_index_answers_symbols_as_the_full_parse(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_bytes(b"")
    (tmp_path / "pkg" / "mod.py").write_bytes(_TRICKY)
    lazy, full = CodeIndex(tmp_path), CodeIndex(tmp_path)
    info = full.info("pkg/mod.py")
    assert info is not None
    for name in ("f", "K", "D", "B", "h", "absent", "os"):
        assert lazy.defined("pkg/mod.py", name) == info.symbol(name)
    assert "pkg/mod.py" not in lazy._infos  # nothing was extracted whole
    for text in ("pkg/mod.py:K.g", "pkg/mod.py:K.y", "pkg/mod.py:K.nope", "pkg/mod.py:nope"):
        (ref,) = references_in(text, doc_path="d.md", doc_line=1)
        assert resolve(ref, CodeIndex(tmp_path)) == resolve(ref, full)


def test_single_commit_documents_are_told_by_blob_id(tmp_path: Path) -> None:
    """A document written in one commit and unchanged since (the working file hashes to
    that commit's blob) needs no blame; edited ones, twice-committed ones do."""
    r = Repo(tmp_path / "r")
    r.write("docs/a.md", "# A\n\nline\n")
    r.write("docs/b.md", "# B\n")
    r.write("docs/c.md", "# C\r\nwith CRLF\r\n")
    first = r.commit("first")
    r.write("docs/b.md", "# B\n\nmore\n")
    r.write("docs/d.md", "# D\n")
    second = r.commit("second")
    r.write("docs/d.md", "# D edited, not committed\n")
    with GitRepo.open(r.path) as g:
        got = g.doc_single_commits(["docs/a.md", "docs/b.md", "docs/c.md", "docs/d.md"])
        assert got == {"docs/a.md": first, "docs/c.md": first}
        assert second not in got.values()
        g.prime_blames(["docs/a.md", "docs/d.md"])
        assert g.blame("docs/a.md") == [first] * 3


def test_a_name_right_then_is_told_as_the_full_parse_tells(tmp_path: Path) -> None:
    """``status._right_then`` asks for the one name cited (``defined_symbol``) before
    parsing the module whole: the same answer for names there, members there or not,
    names absent, and a module that did not parse then."""
    from types import SimpleNamespace

    from sphinx_ptyplan.core.checks.resolve import _find_symbol
    from sphinx_ptyplan.core.checks.status import _right_then

    r = Repo(tmp_path / "r")
    r.write("pkg/__init__.py", "")
    r.write("pkg/mod.py", _TRICKY)
    r.write("pkg/bad.py", "def f(:\n")
    sha = r.commit("first")
    info = parse_module(_TRICKY)
    texts = [f"pkg/mod.py:{n}" for n in ("f", "K", "K.g", "K.y", "K.nope", "D", "nope", "h")]
    texts += ["pkg/bad.py:f", "pkg/bad.py:nope"]
    with GitRepo.open(r.path) as g:
        for text in texts:
            (ref,) = references_in(text, doc_path="d.md", doc_line=1)
            got = _right_then(g, sha, SimpleNamespace(ref=ref), CodeIndex(r.path))  # type: ignore[arg-type]
            if ref.path == "pkg/bad.py":
                assert got is True  # it did not parse then either
            else:
                assert got is (_find_symbol(info, (ref.name or "").split(".")) is not None)
