"""Citations into symlink loops (``ln -s loop loop``, ``a -> b -> a``): no crash, in
``ptyplan check`` or in the docs build. A loop is a path with no file to read, reported as
a dangling symlink is (``ptyplan.stale``: the link is in the tree and in the history, what
it names does not exist), located at the citation; the rest of the page is checked. A
document that is itself a loop is unreadable (``ptyplan.io``), as any unreadable page."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from sphinx_ptyplan.cli import main as cli_main
from sphinx_ptyplan.core.checks.resolve import CodeIndex
from sphinx_ptyplan.core.paths import SymlinkLoop, confine
from tests.gitutil import Repo
from tests.sphinx.util import CONF, build, ptyplan_warnings

_PAGE = """# Plan

See `pkg/mod.py:1` and `pkg/loop`.

The loop again: `pkg/loop:3`, `pkg/a`, `pkg/b.py:Thing` and `pkg/loop/inner.py`.

A real one after them: `pkg/mod.py:9` and `pkg/dangling`.
"""


def _looped_repo(path: Path) -> Repo:
    r = Repo(path)
    r.write("pkg/mod.py", "X = 1\n")
    r.write("docs/conf.py", CONF.format(extra=""))
    r.write("docs/index.md", _PAGE)
    os.symlink("loop", path / "pkg" / "loop")  # to itself
    os.symlink("b.py", path / "pkg" / "a")  # a -> b.py -> a
    os.symlink("a", path / "pkg" / "b.py")
    os.symlink("nowhere", path / "pkg" / "dangling")
    r.commit("a tree with symlink loops")
    return r


def test_confine_says_a_loop_is_an_unreadable_path(tmp_path: Path) -> None:
    r = _looped_repo(tmp_path / "r")
    for rel in ("pkg/loop", "pkg/a", "pkg/b.py", "pkg/loop/inner.py"):
        with pytest.raises(SymlinkLoop) as caught:
            confine(r.path, rel)
        assert isinstance(caught.value, OSError) and caught.value.errno == errno.ELOOP
    index = CodeIndex(r.path)
    assert index.kind_of("pkg/loop") == "none"  # not walked yet: confined
    index._walk()
    assert [index.kind_of(p) for p in ("pkg/a", "pkg/b.py", "pkg/loop/inner.py")] == [
        "none"
    ] * 3
    assert index.line_count("pkg/loop") is None
    assert index.info("pkg/b.py") is None


def _expected(page: str) -> list[tuple[int, str, str]]:
    return [
        (3, "stale", "`pkg/loop`: pkg/loop does not exist"),
        (5, "stale", "`pkg/loop:3`: pkg/loop does not exist"),
        (5, "stale", "`pkg/a`: pkg/a does not exist"),
        (5, "stale", "`pkg/b.py:Thing`: pkg/b.py does not exist"),
        (5, "missing", "`pkg/loop/inner.py`: pkg/loop/inner.py does not exist and never did"),
        (7, "stale", "`pkg/mod.py:9`: cites line 9 of pkg/mod.py, which has 1 line"),
        (7, "stale", "`pkg/dangling`: pkg/dangling does not exist"),
    ]


def test_check_reports_citations_into_loops_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r = _looped_repo(tmp_path / "r")
    os.symlink("self.md", r.path / "docs" / "self.md")  # a document that is a loop
    out = tmp_path / "check.json"
    code = cli_main(["check", "--root", str(r.path), "--format", "json", "-o", str(out), "docs"])
    assert code == 1, capsys.readouterr().err
    found = json.loads(out.read_text(encoding="utf-8"))["findings"]
    page = [
        (f["line"], f["kind"], f["message"]) for f in found if f["path"] == "docs/index.md"
    ]
    expected = _expected(_PAGE)
    assert [(line, kind) for line, kind, _m in page] == [(line, k) for line, k, _m in expected]
    for (_l, _k, message), (_el, _ek, start) in zip(page, expected, strict=True):
        assert message.startswith(start), (message, start)
    (loop_doc,) = [f for f in found if f["path"] == "docs/self.md"]
    assert loop_doc["kind"] == "io" and "symlink loop" in loop_doc["message"]


def test_the_docs_build_reports_them_as_check_does(tmp_path: Path) -> None:
    r = _looped_repo(tmp_path / "r")
    out = tmp_path / "check.json"
    assert cli_main(
        ["check", "--root", str(r.path), "--format", "json", "-o", str(out), "docs/index.md"]
    ) == 1
    found = json.loads(out.read_text(encoding="utf-8"))["findings"]
    _app, warnings = build(r.path / "docs", "html", outdir=tmp_path / "out")
    built = sorted(ptyplan_warnings(warnings))
    assert len(built) == len(found) == len(_expected(_PAGE))
    for f in found:
        where = f"index.md:{f['line']}: WARNING: "
        assert any(
            where in w and w.endswith(f"{f['message']} [ptyplan.{f['kind']}]") for w in built
        ), (f, built)
