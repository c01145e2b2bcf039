"""Shapes found on real repositories (issue 14 req 2) where the docs build and ``ptyplan
check`` must print the same finding, message included. Written by us: a citation of a page
that moved to another folder of the docs gets the same did-you-mean from both."""

from __future__ import annotations

import json
from pathlib import Path

from sphinx_ptyplan.cli import main as cli_main
from tests.gitutil import Repo
from tests.sphinx.util import build, ptyplan_warnings


def test_a_moved_page_is_suggested_by_the_build_and_by_check(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.write("pkg/__init__.py", "")
    repo.write(
        "docs/conf.py", 'extensions = ["myst_parser", "sphinx_ptyplan"]\nptyplan_root = ".."\n'
    )
    repo.write("docs/index.md", "# Home\n\n```{toctree}\nguide\nledger\n```\n")
    repo.write("docs/guide.md", "# Guide\n\nText.\n")
    repo.write(
        "docs/ledger.md",
        "# Ledger\n\nSee `docs/howto/guide.md` for the steps.\n\nAnd `docs/guides.md`.\n",
    )
    repo.commit("docs")
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
