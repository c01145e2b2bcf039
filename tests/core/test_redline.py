"""The plan redline (Phase B1) on real git histories: Markdown and reST plans."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from sphinx_ptyplan.core.jobs import delta_job
from sphinx_ptyplan.core.outputs.redline import Redline, undo_redline
from sphinx_ptyplan.core.requests import DeltaRequest
from sphinx_ptyplan.core.sources.documents import parse_document
from sphinx_ptyplan.core.workspace import Workspace
from tests.gitutil import Repo


class Host(Workspace):
    """A workspace: the root, its git repository and the code index the one judge resolves
    plan references with."""


MD_PLAN = """\
# Integration plan

## Context
- The port lives in `proj/` (see `proj/core.py`).

---

### Phase 1 — Core
| Module | State |
| --- | --- |
| `proj/core.py` | [ ] |
| `proj/old.py` | [ ] |

Helpers: `proj/util.py` and `proj/gone.py:helper`.

### Risk Log
- Nothing yet.
"""

RST_PLAN = """\
Integration plan
================

Context
-------

- The port lives in ``proj/`` (see ``proj/core.py``).

Phase 1 --- Core
----------------

- ``proj/core.py`` and :file:`proj/old.py`.

Helpers: ``proj/util.py`` and ``proj/gone.py:helper``.

Risk Log
--------

- Nothing yet.
"""

CLEAN_PLAN = """\
# Plan

## Core
- `proj/core.py` runs; `proj/util.py` helps.
"""


def _history(tmp_path: Path) -> tuple[Repo, str, str]:
    repo = Repo(tmp_path / "repo")
    repo.write("proj/__init__.py", "")
    repo.write("proj/core.py", "def run(a):\n    return a\n")
    repo.write("proj/old.py", "def f():\n    return 1\n")
    repo.write("proj/util.py", "def helper():\n    return 2\n")
    repo.write("proj/gone.py", "def helper():\n    return 3\n")
    repo.write("plans/plan.md", MD_PLAN)
    repo.write("plans/plan.rst", RST_PLAN)
    repo.write("plans/clean.md", CLEAN_PLAN)
    base = repo.commit("base")
    repo.git("tag", "base")
    repo.move("proj/old.py", "proj/renamed.py")
    repo.remove("proj/gone.py")
    repo.write("proj/core.py", "def run(a, b=1):\n    return a + b\n")
    repo.write("proj/api/__init__.py", '"""The API."""\n')
    repo.write(
        "proj/api/client.py",
        "class Client:\n    pass\n\n\ndef connect(url):\n    return Client()\n",
    )
    repo.write("proj/extra.py", "def more():\n    return 4\n")
    head = repo.commit("rebase: api/, extra.py; old.py renamed, gone.py deleted")
    return repo, base, head


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Repo, str, str]:
    return _history(tmp_path_factory.mktemp("redline"))


def _redline(repo: Repo, plan: str, base: str | None = "base") -> Redline:
    host = Host(repo.path)
    try:
        request = DeltaRequest("proj", plan, base=base, redline="draft")
        job = delta_job(host, request, drafted_by="ptyplan test")
    finally:
        host.close()
    assert job.redline is not None
    return job.redline


def _line(redline: Redline, needle: str) -> str:
    hits = [ln for ln in redline.text.splitlines() if needle in ln]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def _plan_minus_marked(plan: str, redline: Redline) -> str:
    marked = {e.plan_line for e in redline.edits if e.kind in ("renamed", "deleted", "stale")}
    return "".join(
        ln for n, ln in enumerate(plan.splitlines(keepends=True), start=1) if n not in marked
    )


def test_markdown_redline_marks_renames_deletions_api_and_new_packages(
    history: tuple[Repo, str, str],
) -> None:
    repo, base, head = history
    r = _redline(repo, "plans/plan.md")
    # header: plan, tree, HEAD and the base, by sha
    header = "\n".join(r.text.splitlines()[r.header[0] - 1 : r.header[1]])
    assert "`plans/plan.md`" in header and "`proj/`" in header
    assert head[:12] in header and base[:12] in header and "`ptyplan test`" in header
    # renamed: struck, then the new path
    assert _line(r, "proj/old.py") == "| ~~`proj/old.py`~~ `proj/renamed.py` | [ ] |"
    # deleted: struck, with the commit that deleted it
    gone = _line(r, "proj/gone.py")
    assert f"~~`proj/gone.py:helper`~~ *(deleted in {head[:7]} (2025-10-02))*" in gone
    assert gone.startswith("Helpers: `proj/util.py` and ")
    # API change of a covered module, named per function, after the block naming it first
    lines = r.text.splitlines()
    note = lines.index(f"> **Proposed:** API of `proj/core.py` changed since `base` ({base[:7]}):")
    assert lines[note - 2].startswith("- The port lives in")  # after the Context list
    assert lines[note + 2] == "> - `run`: parameter `b` added"
    # a missing module next to its nearest covered sibling: under Phase 1, before Risk Log
    extra = lines.index("> - `proj/extra.py` — `more()` (new since base)")
    assert lines.index("### Phase 1 — Core") < extra < lines.index("### Risk Log")
    assert "next to `proj/core.py`" in lines[extra - 2]
    # a new package: one new section, titled by the package, its modules and symbols
    sec = lines.index("### Proposed: `proj/api/`")
    assert sec > lines.index("### Risk Log")
    assert "> - `proj/api/client.py` — `Client`, `connect()` (new since base)" in lines[sec:]
    assert "> - `proj/api/` (new since base)" in lines[sec:]
    kinds = [e.kind for e in r.edits]
    assert kinds.count("renamed") == 1 and kinds.count("deleted") == 1
    assert kinds.count("api") == 1 and kinds.count("new-section") == 1
    assert kinds.count("proposed") == 1
    # every other line is the plan's own, byte for byte
    plan = (repo.path / "plans/plan.md").read_text(encoding="utf-8")
    assert undo_redline(r) == _plan_minus_marked(plan, r)
    # and it is still Markdown with the new heading where it should be
    doc = parse_document(r.text, "plan_redline.md", "md")
    titles = [s.title for s in doc.sections]
    assert titles[-1] == "Proposed: proj/api/" and "Risk Log" in titles


def test_rest_redline_uses_rest_marks_and_is_valid_rest(history: tuple[Repo, str, str]) -> None:
    from docutils.core import publish_doctree

    repo, base, head = history
    r = _redline(repo, "plans/plan.rst")
    assert r.fmt == "rst"
    assert (
        _line(r, "proj/old.py")
        == "- ``proj/core.py`` and :del:`proj/old.py` :ins:`proj/renamed.py`."
    )
    gone = _line(r, "proj/gone.py")
    assert f":del:`proj/gone.py:helper` *(deleted in {head[:7]} (2025-10-02))*" in gone
    lines = r.text.splitlines()
    # the new section uses the plan's adornment for its level
    sec = lines.index("Proposed: ``proj/api/``")
    assert set(lines[sec + 1]) == {"-"} and len(lines[sec + 1]) >= len(lines[sec])
    assert ".. admonition:: Proposed" in lines[sec + 3]
    assert any(ln.strip() == "- ``run``: parameter ``b`` added" for ln in lines)
    plan = (repo.path / "plans/plan.rst").read_text(encoding="utf-8")
    assert undo_redline(r) == _plan_minus_marked(plan, r)
    # docutils reads the draft without a single warning (roles declared in the header)
    stream = io.StringIO()
    tree = publish_doctree(r.text, settings_overrides={"warning_stream": stream, "report_level": 1})
    assert stream.getvalue() == ""
    assert "Proposed: proj/api/" in tree.astext()


def test_plan_without_stale_references_is_the_plan_plus_proposed_sections(
    history: tuple[Repo, str, str],
) -> None:
    repo, _base, _head = history
    r = _redline(repo, "plans/clean.md", base=None)
    plan = (repo.path / "plans/clean.md").read_text(encoding="utf-8")
    assert not [e for e in r.edits if e.kind in ("renamed", "deleted", "stale", "api")]
    assert undo_redline(r) == plan
    assert {e.kind for e in r.edits} == {"proposed", "new-section"}
    assert "### Proposed: `proj/api/`" not in r.text  # the plan's module level is ##
    assert "## Proposed: `proj/api/`" in r.text


def test_crlf_plan_keeps_its_line_endings(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write("proj/__init__.py", "")
    repo.write("proj/core.py", "def run():\n    pass\n")
    repo.write("proj/new.py", "def n():\n    pass\n")
    repo.write("plan.md", "# Plan\r\n\r\n## Core\r\n- `proj/core.py` and `proj/old.py`\r\n")
    repo.commit("one")
    r = _redline(repo, "plan.md", base=None)
    data = r.text.encode("utf-8")
    assert b"\n" not in data.replace(b"\r\n", b"")  # every line ends with CRLF
    assert "- `proj/core.py` and ~~`proj/old.py`~~ *(" in r.text


def test_redline_is_deterministic(history: tuple[Repo, str, str]) -> None:
    repo, _b, _h = history
    assert _redline(repo, "plans/plan.md").text == _redline(repo, "plans/plan.md").text


def test_long_symbol_lists_are_cut_and_counted(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write("proj/__init__.py", "")
    repo.write("proj/core.py", "def run():\n    pass\n")
    repo.write("proj/many.py", "".join(f"def f{i}():\n    pass\n\n\n" for i in range(11)))
    repo.write("plan.md", "# Plan\n\n## Core\n- `proj/core.py`\n")
    repo.commit("one")
    r = _redline(repo, "plan.md", base=None)
    line = _line(r, "proj/many.py")
    assert line == (
        "> - `proj/many.py` — " + ", ".join(f"`f{i}()`" for i in range(8)) + ", … (3 more)"
    )


def test_a_stale_link_target_is_listed_after_its_block(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write("proj/__init__.py", "")
    repo.write("proj/old.py", "def f():\n    pass\n")
    repo.write("plan.md", "# Plan\n\n## Core\nSee [the module](proj/old.py) for details.\n")
    repo.commit("one")
    repo.move("proj/old.py", "proj/new.py")
    repo.commit("two")
    r = _redline(repo, "plan.md", base=None)
    lines = r.text.splitlines()
    at = lines.index("See [the module](proj/old.py) for details.")  # links are not rewritten
    assert lines[at + 2] == (
        "> **Proposed:** stale references of line 4 that cannot be marked in place:"
    )
    assert lines[at + 4] == "> - `proj/old.py`: now `proj/new.py`"
    assert [e.kind for e in r.edits] == ["renamed"]
