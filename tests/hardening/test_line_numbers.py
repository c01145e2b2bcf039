"""Line numbers as git counts them (only ``\\n``): a lone CR in MyST, NEL or U+2028 in reST
never shift later lines, so drift after them is found, reported at its own line by
``ptyplan check`` and the docs build alike, and ``ptyplan fix`` rewrites it."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from sphinx_ptyplan.cli import main
from sphinx_ptyplan.core.sources.documents import parse_document
from tests.gitutil import Repo
from tests.sphinx.util import build, ptyplan_warnings

CODE = "".join(f"x{i} = {i}\n" for i in range(1, 21))

MYST = (
    "# Notes\n\n```text\nprogress 10%\rprogress 50%\rprogress 100%\n```\n\n"
    "See `pkg/b.py:5`.\n"
)  # the citation is on git's line 7
REST = (
    "Notes\n=====\n\nA pasted line\u2028with separators\x85in it.\n\n"
    "See ``pkg/b.py:5``.\n"
)  # the citation is on git's line 6

CASES = {"notes.md": (MYST, 7), "notes.rst": (REST, 6)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_parsers_count_lines_as_git(name: str) -> None:
    text, line = CASES[name]
    parsed = parse_document(text, name, "md" if name.endswith(".md") else "rst")
    assert [(s.text, s.line) for s in parsed.spans] == [("pkg/b.py:5", line)]


def _repo(tmp_path: Path, name: str) -> Repo:
    r = Repo(tmp_path / "r")
    r.write("pkg/__init__.py", "")
    r.write("pkg/b.py", CODE)
    r.write("docs/conf.py", 'extensions = ["myst_parser", "sphinx_ptyplan"]\n'
            'ptyplan_root = ".."\nexclude_patterns = ["_build"]\n')
    r.write(f"docs/{name}", CASES[name][0])
    r.write("docs/index.md", f"# I\n\n```{{toctree}}\n{Path(name).stem}\n```\n")
    r.commit("code and notes")
    r.write("pkg/b.py", "# a\n# b\n# c\n" + CODE)
    r.commit("three lines on top")
    return r


@pytest.mark.sphinx
@pytest.mark.parametrize("name", sorted(CASES))
def test_check_build_and_fix_agree_after_odd_line_breaks(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = _repo(tmp_path, name)
    line = CASES[name][1]
    monkeypatch.chdir(r.path)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert main(["check", f"docs/{name}"]) == 1
    assert f"docs/{name}:{line}: ptyplan.drift" in err.getvalue()
    assert "moved: now `pkg/b.py:8`" in err.getvalue()
    _app, warnings = build(r.path / "docs", "html")
    mine = ptyplan_warnings(warnings)
    assert len(mine) == 1 and f"{name}:{line}:" in mine[0] and "pkg/b.py:8" in mine[0], mine
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        assert main(["fix", f"docs/{name}"]) == 0
    after = (r.path / "docs" / name).read_bytes().decode()
    assert after == CASES[name][0].replace("pkg/b.py:5", "pkg/b.py:8")  # nothing else moved
