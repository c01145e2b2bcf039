"""A page's ``ptyplan-suppress`` (MyST front matter, reST top field list) means the same to
the docs build and to ``ptyplan check``: the listed subtypes are dropped for the findings
located on that page, and only there."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from sphinx_ptyplan.cli.run import main
from tests.sphinx.util import build, ptyplan_warnings

PAGES = ["quiet.md", "quiet_rst.rst", "loud.md"]


@pytest.fixture()
def project(copy_root: Callable[..., Path]) -> Path:
    """A copy of the static root ``tests/roots/test-page-suppress``: three pages citing a
    gone file and a bare ``mod.py:1`` that two files match, two of them silencing
    ``stale`` (and, in reST, ``ptyplan.ambiguous``)."""
    return copy_root("page-suppress")


def test_build_and_check_drop_the_same_findings(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _app, warnings = build(project, "html")
    built = set()
    for line in ptyplan_warnings(warnings):
        m = re.search(r"(\w+)\.(?:md|rst):\d+: WARNING: .*\[ptyplan\.(\w+)\]", line)
        assert m is not None, line
        built.add((m.group(1), m.group(2)))
    out = project / "check.json"
    code = main(["--root", str(project), "check", "--format", "json", "-o", str(out),
                 *PAGES])  # fmt: skip
    capsys.readouterr()
    assert code == 1
    checked = {
        (Path(f["path"]).stem, f["kind"])
        for f in json.loads(out.read_text(encoding="utf-8"))["findings"]
    }
    assert built == checked == {
        ("quiet", "ambiguous"),  # only stale is silenced on this page
        ("loud", "stale"),
        ("loud", "ambiguous"),
    }
