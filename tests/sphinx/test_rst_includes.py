"""reST includes are found as docutils parses them (issue 14 req 1): options (also a value
continued on the next line), paths relative to the including file or rooted at the source
folder, includes nested in other directives (an admonition, Sphinx's ``only``, a table
cell) are followed; an include in a literal block, a code directive or a comment is not,
and a ``:literal:`` include is code. The docs build and ``ptyplan check`` agree.

The page and its parts are the history root ``tests/roots/test-rst-includes``: each part
``<name>.rst`` cites ``pkg/<name>.py:1`` (never in the history); ``parts/opts.rst`` also
has a citation before its ``cut here`` marker, which the include skips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sphinx_ptyplan.cli import main as cli_main
from sphinx_ptyplan.core.sources.docspans import Include, find_includes
from tests.history import Replayed
from tests.sphinx.util import build, ptyplan_warnings

ROOT = Path(__file__).resolve().parents[1] / "roots" / "test-rst-includes"
PAGE = (ROOT / "history" / "01-docs" / "docs" / "index.rst").read_text(encoding="utf-8")
FOLLOWED = ("opts", "rooted", "only", "cell")
NOT_FOLLOWED = ("in_literal", "in_code", "in_comment", "as_literal")


def test_find_includes_parses_like_docutils() -> None:
    found = find_includes(PAGE, "rst")
    assert [(i.target, i.options) for i in found] == [
        ("parts/opts.rst", (("start-after", "cut\nhere"),)),
        ("/shared/rooted.rst", ()),
        ("parts/only.rst", ()),
        ("parts/cell.rst", ()),
        ("parts/as_literal.rst", (("literal", ""),)),
    ]
    # the directive's own line (docutils counts a grid-table cell's from the row below)
    assert [i.line for i in found if "cell" not in i.target] == [4, 10, 14, 31]
    assert Include("x.rst", 1, (("literal", ""),)).opt("literal") == ""


@pytest.mark.sphinx(testroot="rst-includes")
def test_included_citations_are_checked_by_build_and_check_alike(
    history: Replayed, tmp_path: Path
) -> None:
    repo = history.repo
    _app, warnings = build(repo.path / "docs", "html", outdir=tmp_path / "out")
    built = sorted(w for w in ptyplan_warnings(warnings) if "[ptyplan.missing]" in w)
    assert [next(n for n in FOLLOWED if f"pkg/{n}.py" in w) for w in built] == sorted(FOLLOWED)
    opts = next(w for w in built if "pkg/opts.py" in w)
    assert "parts/opts.rst:5:" in opts  # at the included file's own line

    out = tmp_path / "check.json"
    cli_main(["check", "--root", str(repo.path), "--format", "json", "-o", str(out),
              "docs/index.rst"])  # fmt: skip
    found = json.loads(out.read_text(encoding="utf-8"))["findings"]
    checked = {(f["path"], f["line"], f["subject"]) for f in found if f["kind"] == "missing"}
    assert checked == {
        ("docs/parts/opts.rst", 5, "pkg/opts.py:1"),
        ("docs/shared/rooted.rst", 1, "pkg/rooted.py:1"),
        ("docs/parts/only.rst", 1, "pkg/only.py:1"),
        ("docs/parts/cell.rst", 1, "pkg/cell.py:1"),
    }
