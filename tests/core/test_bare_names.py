"""Issue 14, requirement 5: a bare file name that matches several files resolves to the one
that has the cited lines now and had them when the citation was written; only a real tie
stays ambiguous; `fix --qualify` writes the path from the root (real repos in tmp dirs)."""

from __future__ import annotations

from pathlib import Path

from sphinx_ptyplan.cli import main as cli_main
from sphinx_ptyplan.core.checks.citations import check_citations
from sphinx_ptyplan.core.checks.fix import fix_document
from sphinx_ptyplan.core.checks.resolve import CodeIndex
from sphinx_ptyplan.core.sources.documents import load_document
from sphinx_ptyplan.core.sources.gitrepo import GitRepo
from tests.gitutil import Repo

DOC = "docs/plan.md"


def lines(n: int, name: str) -> str:
    return "".join(f"{name}_{i} = {i}\n" for i in range(1, n + 1))


def report(root: Path) -> dict[str, list[tuple[str, str | None, str]]]:
    parsed = load_document(root, DOC)
    with GitRepo.open(root) as g:
        rep = check_citations(
            root,
            DOC,
            [(s.text, s.line, s.context) for s in parsed.spans],
            index=CodeIndex(root),
            repo=g,
        )
    return {c.ref.text: [(f.kind.value, f.code, f.message) for f in c.findings] for c in rep.checks}


def test_only_one_candidate_is_long_enough(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write("one/model.py", lines(10, "one"))
    repo.write("two/model.py", lines(50, "two"))
    repo.write(DOC, "# Plan\n\nThe step is at `model.py:30`; the top `model.py:3`.\n")
    repo.commit("code and plan")
    found = report(repo.path)
    assert found["model.py:30"] == []  # the only model.py with a line 30
    assert [k for k, _c, _m in found["model.py:3"]] == ["ambiguous"]  # both have line 3
    with GitRepo.open(repo.path) as g:
        result = fix_document(repo.path, DOC, index=CodeIndex(repo.path), repo=g, qualify=True)
    assert "`two/model.py:30`" in result.new_bytes.decode()
    assert "`model.py:3`" in result.new_bytes.decode()


def history(tmp_path: Path, one_then: int) -> Path:
    """Commit 1: one/model.py has ``one_then`` lines, two/model.py 50, the plan cites
    ``model.py:30``; commit 2: one/model.py grows to 60 lines, two/model.py gets 3 lines on
    top (the cited line moves to 33)."""
    repo = Repo(tmp_path / "repo")
    repo.write("one/model.py", lines(one_then, "one"))
    repo.write("two/model.py", lines(50, "two"))
    repo.write(DOC, "# Plan\n\nThe step is at `model.py:30`.\n")
    repo.commit("code and plan")
    repo.write("one/model.py", lines(60, "one"))
    repo.write("two/model.py", "# a\n# b\n# c\n" + lines(50, "two"))
    repo.commit("both files change")
    return repo.path


def test_history_decides_between_candidates_that_fit_today(tmp_path: Path) -> None:
    root = history(tmp_path, one_then=10)
    found = report(root)["model.py:30"]
    assert [(k, c) for k, c, _m in found] == [("drift", "moved")]
    message = found[0][2]
    assert message.startswith("`model.py:30`: (taken as two/model.py, the only one of 2 files")
    assert "now `model.py:33`" in message
    out = tmp_path / "out.txt"
    assert cli_main(["fix", "--root", str(root), "--qualify", "--check", DOC, "-o", str(out)]) == 1
    assert "+The step is at `two/model.py:33`." in out.read_text(encoding="utf-8")
    assert cli_main(["fix", "--root", str(root), DOC]) == 0
    assert "`model.py:33`" in (root / DOC).read_text(encoding="utf-8")  # the written form


def test_a_real_tie_stays_ambiguous(tmp_path: Path) -> None:
    root = history(tmp_path, one_then=40)
    found = report(root)["model.py:30"]
    assert [(k, c) for k, c, _m in found] == [("ambiguous", "ambiguous-path")]
    assert "one/model.py" in found[0][2] and "two/model.py" in found[0][2]
