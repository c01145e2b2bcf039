"""Issue 14 req 4 ("fix never lands on a wrong line"): a ledger written in one commit with
many lines does not date its citations. They may have been written against older code, so
git's faithful line map can carry a citation that was wrong from the start onto more wrong
code. Such a move is fixed only when the row or sentence around the citation names the code
the cited lines were about at that commit; otherwise it stays a drift warning
(``unfixable-unverified``) without a replacement, the same in ``ptyplan check``, ``fix`` and
the docs build. Our own shapes, in a real repository in a tmp dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sphinx_ptyplan.cli import main as cli_main
from sphinx_ptyplan.core.checks.fix import fix_document
from sphinx_ptyplan.core.checks.relocate import BULK_LINES, citing_words, unverified
from sphinx_ptyplan.core.checks.resolve import CodeIndex
from sphinx_ptyplan.core.sources.gitrepo import GitRepo
from tests.gitutil import Repo
from tests.sphinx.util import build, ptyplan_warnings

FRAMES = '''"""Frames and manifests."""
import json


def load_frames(path):
    return open(path).read()


def write_manifest(table, out):
    payload = json.dumps(table, sort_keys=True)
    out.write(payload)


probe_gain = 2.0


class Loader:
    def __init__(self, root):
        self.root = root
'''
LINE = {  # the lines of FRAMES cited below
    "def load_frames": 5,
    "payload =": 10,
    "probe_gain =": 14,
    "self.root =": 19,
}
FRESH = "def fresh_helper():\n    return 1\n"


def ledger_rows() -> str:
    rows = [
        "# Ledger",
        "",
        "| Id | Finding | Evidence |",
        "| --- | --- | --- |",
        "| A | `load_frames` reads the whole stack | `pkg/frames.py:5` |",  # line 5
        "| B | `scale_probe` multiplies by the gain | `pkg/frames.py:10` |",  # 6: wrong then
        "| C | the manifest is sorted | `pkg/frames.py:10` |",  # 7: names nothing
        "| D | `probe_gain` defaults to two | `pkg/frames.py:14` |",  # 8: assigned there
        "| E | the `Loader` constructor keeps its root | `pkg/frames.py:19` |",  # 9: class
        "| F | a helper born with this ledger | `pkg/fresh.py:2` |",  # 10: new file
    ]
    rows += [f"| X{k} | filler finding {k} | none |" for k in range(BULK_LINES)]
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def undated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Commit 1: the code. Commit 2: the ledger, in one commit of many lines (with a new
    file it cites), and a short note. Commit 3: five lines inserted at the top of both code
    files, so every citation moved."""
    repo = Repo(tmp_path_factory.mktemp("undated") / "r")
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/frames.py", FRAMES)
    assert [FRAMES.split("\n")[n - 1].strip().startswith(k) for k, n in LINE.items()] == [True] * 4
    repo.commit("code")
    repo.write("pkg/fresh.py", FRESH)
    repo.write("docs/ledger.md", ledger_rows())
    repo.write("docs/note.md", "# Note\n\nThe sorted dump is at `pkg/frames.py:10`.\n")
    repo.commit("the ledger, imported at once")
    top = "".join(f"# header {k}\n" for k in range(5))
    repo.write("pkg/frames.py", top + FRAMES)
    repo.write("pkg/fresh.py", top + FRESH)
    repo.commit("headers")
    return repo.path


def rewrites(root: Path, doc: str) -> dict[int, tuple[str, str | None]]:
    with GitRepo.open(root) as g:
        result = fix_document(root, doc, index=CodeIndex(root), repo=g)
    return {f.line or 0: (f.subject or "", f.replacement) for f in result.rewrites}


def test_fix_rewrites_only_citations_whose_words_name_the_cited_code(undated: Path) -> None:
    assert rewrites(undated, "docs/ledger.md") == {
        5: ("pkg/frames.py:5", "pkg/frames.py:10"),  # the row names the def on the line
        8: ("pkg/frames.py:14", "pkg/frames.py:19"),  # ... the name assigned on it
        9: ("pkg/frames.py:19", "pkg/frames.py:24"),  # ... the class of its __init__
        10: ("pkg/fresh.py:2", "pkg/fresh.py:7"),  # the file is no older than the ledger
    }
    # a short note is dated by its commit: no words needed
    assert rewrites(undated, "docs/note.md") == {3: ("pkg/frames.py:10", "pkg/frames.py:15")}


def test_check_and_build_refuse_the_same_unverified_moves(undated: Path, tmp_path: Path) -> None:
    out = tmp_path / "check.json"
    code = cli_main(
        ["check", "--root", str(undated), "--format", "json", "-o", str(out), "docs/ledger.md"]
    )
    assert code == 1
    found = json.loads(out.read_text(encoding="utf-8"))["findings"]
    refused = {f["line"]: f for f in found if f["code"] == "unfixable-unverified"}
    assert sorted(refused) == [6, 7]
    for f in refused.values():
        assert f["kind"] == "drift" and f["replacement"] is None
        assert "git follows the lines to pkg/frames.py:15" in f["message"]
        assert "name none of the code at pkg/frames.py:10 (`write_manifest`)" in f["message"]
    fixed = {f["line"]: f["replacement"] for f in found if f["code"] == "moved"}
    assert fixed == {5: "pkg/frames.py:10", 8: "pkg/frames.py:19", 9: "pkg/frames.py:24",
                     10: "pkg/fresh.py:7"}  # fmt: skip

    (undated / "docs/conf.py").write_text(
        'extensions = ["myst_parser", "sphinx_ptyplan"]\nptyplan_root = ".."\n'
        'root_doc = "ledger"\nexclude_patterns = ["note.md"]\n'
    )
    try:
        _app, warnings = build(undated / "docs", "html", outdir=tmp_path / "out")
    finally:
        (undated / "docs/conf.py").unlink()
    built = {
        (int(w.split("ledger.md:", 1)[1].split(":", 1)[0]), w.split(": WARNING: ", 1)[1])
        for w in ptyplan_warnings(warnings)
    }
    assert built == {(f["line"], f"{f['message']} [ptyplan.{f['kind']}]") for f in found}


def test_the_words_of_a_row_or_a_sentence() -> None:
    doc = ["", "First line of a paragraph", "that cites `a.py:3` here", "and ends.", "", "x"]
    assert citing_words(doc, 3, "a.py:3") == (
        "First line of a paragraph\nthat cites ` ` here\nand ends."
    )
    assert citing_words(["| r | `f` | `a.py:3` |", "| s |"], 1, "a.py:3") == "| r | `f` | ` ` |"
    code = ["class Box:", "    def __init__(self):", "        self.n = 1", "", "def free():"]
    code.append("  x = 2")
    assert unverified(code, 3, 3, "b.py", "the `Box` keeps n") is None
    assert unverified(code, 3, 3, "b.py", "`__init__` sets n") is not None  # dunders say nothing
    assert unverified(code, 6, 6, "b.py", "`free()` returns") is None
    assert "(`free`)" in (unverified(code, 6, 6, "b.py", "`Box` again") or "")
    c_code = ["int scale_probe(int g) {", "  return g * probe_gain;", "}"]
    assert unverified(c_code, 2, 2, "m.c", "uses probe_gain") is None
    assert unverified(c_code, 2, 2, "m.c", "uses the gain") is not None
