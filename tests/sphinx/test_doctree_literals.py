"""Literals that only the doctree holds (issue 14): another extension makes them, so the
page source does not have them and ``ptyplan check`` cannot see them. The docs build checks
them, at the node's line, and never reports twice a literal the source also has.

The project is the history root ``tests/roots/test-doctree-literals``; its made-up
extension ``docs/gen_ext.py`` makes a paragraph of ``pkg/b.py:99``, ``pkg/a.py:50`` and
``pkg/b.py:2``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sphinx_ptyplan.cli import main as cli_main
from tests.history import Replayed
from tests.sphinx.util import build, ptyplan_warnings


@pytest.mark.sphinx(testroot="doctree-literals")
def test_doctree_only_literals_are_checked_once(history: Replayed, tmp_path: Path) -> None:
    repo = history.repo
    _app, warnings = build(repo.path / "docs", "html", outdir=tmp_path / "out")
    found = sorted(ptyplan_warnings(warnings))
    assert len(found) == 2, found
    source_one = [w for w in found if "`pkg/a.py:50`" in w]
    generated = [w for w in found if "`pkg/b.py:99`" in w]
    assert len(source_one) == 1 and "index.md:3:" in source_one[0]  # once, at its own line
    assert len(generated) == 1 and "index.md:5:" in generated[0]  # at the directive
    assert "[ptyplan.stale]" in generated[0]

    out = tmp_path / "check.json"
    assert cli_main(["check", "--root", str(repo.path), "--format", "json", "-o", str(out),
                     "docs/index.md"]) == 1  # fmt: skip
    subjects = [f["subject"] for f in json.loads(out.read_text(encoding="utf-8"))["findings"]]
    assert subjects == ["pkg/a.py:50"]  # check reads the source only
