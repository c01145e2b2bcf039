"""Drift that is only spacing (found on PtychoPINN's findings ledger: a blank line's
indentation removed inside a cited range was reported as "line 2254 was ``, now ``")."""

from __future__ import annotations

from pathlib import Path

from sphinx_ptyplan.core.checks.citations import check_citations
from sphinx_ptyplan.core.checks.resolve import CodeIndex
from sphinx_ptyplan.core.sources.gitrepo import GitRepo
from tests.core.test_citations import spans_of
from tests.gitutil import Repo

BODY = [f"VALUE_{n:02d} = {n}\n" for n in range(1, 21)]
BODY[9] = "    \n"  # line 10: a blank line with an indentation


def _judge(tmp_path: Path, edit: list[str]) -> list[tuple[str, str | None]]:
    repo = Repo(tmp_path / "repo")
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/mod.py", "".join(BODY))
    repo.write("docs/plan.md", "# Plan\n\nSee `pkg/mod.py:8-12`.\n")
    repo.commit("code and plan")
    repo.write("pkg/mod.py", "".join(edit))
    repo.commit("edit")
    root = repo.path
    with GitRepo.open(root) as git:
        report = check_citations(
            root, "docs/plan.md", spans_of(root, "docs/plan.md"), index=CodeIndex(root), repo=git
        )
    return [(f.message, f.replacement) for c in report.checks for f in c.findings]


def test_spacing_changed_in_place_is_no_drift(tmp_path: Path) -> None:
    edit = list(BODY)
    edit[9] = "\n"
    edit[10] = edit[10].rstrip("\n") + "   \n"  # trailing spaces too
    assert _judge(tmp_path, edit) == []


def test_spacing_changed_and_moved_is_a_move(tmp_path: Path) -> None:
    edit = ["import os\n", "import sys\n", *BODY]
    edit[11] = "\n"
    ((message, replacement),) = _judge(tmp_path, edit)
    assert "moved: now `pkg/mod.py:10-14`" in message, message
    assert replacement == "pkg/mod.py:10-14"


def test_lines_inserted_are_described_not_the_spacing(tmp_path: Path) -> None:
    edit = list(BODY)
    edit[9] = "\n"
    edit.insert(11, "NEW_LINE = 0\n")  # inside the cited range, after the blank line
    ((message, replacement),) = _judge(tmp_path, edit)
    assert "lines were inserted between lines 8 and 12" in message, message
    assert "``" not in message and replacement is None


def test_a_blank_line_is_shown_as_blank(tmp_path: Path) -> None:
    edit = list(BODY)
    edit[9] = "NEW_LINE = 0\n"  # the blank line became a statement
    ((message, _replacement),) = _judge(tmp_path, edit)
    assert "line 10 was `(blank)`, now `NEW_LINE = 0`" in message, message
