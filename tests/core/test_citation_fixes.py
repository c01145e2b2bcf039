"""Issue 14, requirements 3 and 4: every element of a line list is checked and fixed on its
own (the written form kept), and a move is only fixed when the cited lines can be found
again by their text and the lines around them (real repositories in tmp dirs)."""

from __future__ import annotations

from pathlib import Path

from sphinx_ptyplan.core.checks.citations import check_citations
from sphinx_ptyplan.core.checks.fix import fix_document
from sphinx_ptyplan.core.checks.resolve import CodeIndex
from sphinx_ptyplan.core.sources.documents import load_document
from sphinx_ptyplan.core.sources.gitrepo import GitRepo
from tests.gitutil import Repo

DOC = "docs/plan.md"


def numbered(n: int, prefix: str = "value") -> str:
    return "".join(f"{prefix}_{i} = {i}\n" for i in range(1, n + 1))


def findings(root: Path) -> dict[str, list[tuple[str, str | None, str | None]]]:
    """``{cited text: [(kind, code, replacement)]}`` of the plan's citations."""
    parsed = load_document(root, DOC)
    spans = [(s.text, s.line, s.context) for s in parsed.spans]
    with GitRepo.open(root) as g:
        report = check_citations(root, DOC, spans, index=CodeIndex(root), repo=g)
    out: dict[str, list[tuple[str, str | None, str | None]]] = {}
    for check in report.checks:
        out[check.ref.text] = [(f.kind.value, f.code, f.replacement) for f in check.findings]
    return out


def fixed(root: Path) -> str:
    with GitRepo.open(root) as g:
        result = fix_document(root, DOC, index=CodeIndex(root), repo=g)
    return result.new_bytes.decode("utf-8")


def history(tmp_path: Path, code: str, plan: str, code_now: str) -> Path:
    """Commit 1: ``pkg/a.py`` and the plan; commit 2: ``pkg/a.py`` becomes ``code_now``."""
    repo = Repo(tmp_path / "repo")
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/a.py", code)
    repo.write("pkg/c.py", numbered(10, "c"))
    repo.write(DOC, plan)
    repo.commit("code and plan")
    repo.write("pkg/a.py", code_now)
    repo.commit("the code changes")
    return repo.path


# --------------------------------------------------------------------------- req 3


def test_every_element_of_a_line_list_is_checked(tmp_path: Path) -> None:
    root = history(tmp_path, numbered(20), "# Plan\n\nSee `pkg/a.py:5,30`.\n", numbered(20))
    found = findings(root)
    assert found["pkg/a.py:5"] == []
    assert [k for k, _c, _r in found["pkg/a.py:30"]] == ["stale"]


def test_every_element_of_a_line_list_is_fixed_in_its_written_form(tmp_path: Path) -> None:
    plan = (
        "# Plan\n\n"
        "- both: `pkg/a.py:5,12`\n"
        "- range and line: `pkg/a.py:2-4,10`\n"
        "- L form: `pkg/a.py#L6,L9-L11`\n"
        "- two files: `pkg/a.py:7, pkg/c.py:3`\n"
    )
    root = history(tmp_path, numbered(20), plan, "# one\n# two\n# three\n" + numbered(20))
    found = findings(root)
    assert found["pkg/a.py:12"] == [("drift", "moved", "15")]  # the element as written
    new = fixed(root)
    assert "- both: `pkg/a.py:8,15`\n" in new
    assert "- range and line: `pkg/a.py:5-7,13`\n" in new
    assert "- L form: `pkg/a.py#L9,L12-L14`\n" in new
    assert "- two files: `pkg/a.py:10, pkg/c.py:3`\n" in new


# --------------------------------------------------------------------------- req 4

CODE = (
    "def alpha():\n"  # 1
    "    first = 1\n"  # 2
    "\n"  # 3
    "    call(\n"  # 4
    "        x,\n"  # 5
    "    )\n"  # 6
    "    call(\n"  # 7
    "        x,\n"  # 8
    "    )\n"  # 9
    "\n"  # 10
    "def beta():\n"  # 11
    "    return 2\n"  # 12
)


def test_moves_that_cannot_be_fixed_are_reported_and_left_alone(tmp_path: Path) -> None:
    plan = (
        "# Plan\n\n"
        "- blank: `pkg/a.py:3`\n"  # a blank line
        "- bracket: `pkg/a.py:6`\n"  # a lone `)`
        "- off bounds: `pkg/a.py:10-12`\n"  # starts on a blank line
        "- fragment: `pkg/a.py:5`\n"  # `x,` occurs twice
        "- fine: `pkg/a.py:11`\n"  # the def: moves and is fixed
    )
    root = history(tmp_path, CODE, plan, "# new\n# header\n" + CODE)
    found = findings(root)
    assert found["pkg/a.py:3"][0][:2] == ("drift", "unfixable-blank")
    assert found["pkg/a.py:6"][0][:2] == ("drift", "unfixable-blank")
    assert found["pkg/a.py:10-12"][0][:2] == ("drift", "unfixable-bounds")
    assert found["pkg/a.py:5"][0][:2] == ("drift", "unfixable-fragment")
    assert all(r is None for v in found.values() for _k, c, r in v if c and "unfixable" in c)
    assert found["pkg/a.py:11"] == [("drift", "moved", "pkg/a.py:13")]
    new = fixed(root)
    assert "`pkg/a.py:13`" in new
    for kept in ("pkg/a.py:3", "pkg/a.py:6", "pkg/a.py:10-12", "pkg/a.py:5"):
        assert f"`{kept}`" in new


def test_a_line_whose_text_and_context_repeat_is_not_fixed(tmp_path: Path) -> None:
    chunk = "def handler():\n    setup()\n    run_step()\n    teardown()\n\n"
    code = "".join(chunk for _ in range(5))
    plan = "# Plan\n\nThe middle step: `pkg/a.py:13`.\n"  # run_step() of the third chunk
    root = history(tmp_path, code, plan, "# top\n" + code)
    assert findings(root)["pkg/a.py:13"][0][:2] == ("drift", "unfixable-not-unique")
    assert "`pkg/a.py:13`" in fixed(root)


def test_a_line_whose_neighbours_all_changed_is_not_fixed(tmp_path: Path) -> None:
    code = "a_1 = 1\na_2 = 2\na_3 = 3\nKEY = 'unique'\na_5 = 5\na_6 = 6\na_7 = 7\n"
    now = "# top\nb_1 = 1\nb_2 = 2\nb_3 = 3\nKEY = 'unique'\nb_5 = 5\nb_6 = 6\nb_7 = 7\n"
    root = history(tmp_path, code, "# Plan\n\nKey: `pkg/a.py:4`.\n", now)
    assert findings(root)["pkg/a.py:4"][0][:2] == ("drift", "unfixable-context")


def test_the_text_and_context_decide_the_new_line(tmp_path: Path) -> None:
    """A line still matched by git's line map, with lines inserted right next to it,
    is found again by its neighbours (a window twice the context)."""
    code = numbered(12)
    now = numbered(5) + "inserted_1 = 0\ninserted_2 = 0\n" + "".join(
        f"value_{i} = {i}\n" for i in range(6, 13)
    )
    root = history(tmp_path, code, "# Plan\n\nSee `pkg/a.py:6`.\n", now)
    assert findings(root)["pkg/a.py:6"] == [("drift", "moved", "pkg/a.py:8")]
