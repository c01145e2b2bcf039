"""Shapes found on real repositories (issue 14 req 2) where the docs build and ``ptyplan
check`` must print the same finding, message included. Written by us: a citation of a page
that moved to another folder of the docs gets the same did-you-mean from both (the history
root ``tests/roots/test-moved-page``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sphinx_ptyplan.cli import main as cli_main
from tests.history import Replayed
from tests.sphinx.util import build, ptyplan_warnings


@pytest.mark.sphinx(testroot="moved-page")
def test_a_moved_page_is_suggested_by_the_build_and_by_check(
    history: Replayed, tmp_path: Path
) -> None:
    repo = history.repo
    out = tmp_path / "check.json"
    code = cli_main(
        ["check", "--root", str(repo.path), "--format", "json", "-o", str(out), "docs/ledger.md"]
    )
    assert code == 1
    found = json.loads(out.read_text(encoding="utf-8"))["findings"]
    assert len(found) == 2
    for finding in found:  # never in the history: a did-you-mean names the page
        assert "did you mean `docs/guide.md`" in finding["message"], finding
    _app, warnings = build(repo.path / "docs", "html", outdir=tmp_path / "out")
    built = sorted(ptyplan_warnings(warnings))
    assert len(built) == 2
    for finding in found:
        where = f"ledger.md:{finding['line']}: WARNING: "
        assert any(
            where in w and w.endswith(f"{finding['message']} [ptyplan.{finding['kind']}]")
            for w in built
        ), (finding, built)
