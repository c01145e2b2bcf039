"""A bare name that was code when its spec line was written, and is not now, is stale with
its story; a name that never was code stays silent (issue 15 req 1, on a real git repo)."""

from __future__ import annotations

from pathlib import Path

from sphinx_ptyplan.core.jobs import spec_hits_job
from sphinx_ptyplan.core.requests import SpecHitsRequest
from sphinx_ptyplan.core.workspace import Workspace
from tests.gitutil import Repo

SPEC = """# Loaders

- `OldLoader` reads the files; `make_batches()` groups them.
- `NeverCode` and `MAX_ITEMS` are words of this page only.
- `LIMIT` caps the size.
"""


def test_history_makes_vanished_names_stale(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.write("pkg/__init__.py", "")
    repo.write(
        "pkg/io.py",
        "LIMIT = 3\n\n\nclass OldLoader:\n    pass\n\n\ndef make_batches(x):\n    return x\n",
    )
    repo.write("spec.md", SPEC)
    first = repo.commit("loaders and their spec")
    # the class is renamed and the constant dropped; the spec is not touched
    repo.write("pkg/io.py", "class NewLoader:\n    pass\n\n\ndef make_batches(x):\n    return x\n")
    repo.commit("rename the loader")
    ws = Workspace(repo.path)
    try:
        job = spec_hits_job(ws, SpecHitsRequest("spec.md", trees=("pkg",)))
    finally:
        ws.close()
    assert job.hits is not None
    stale = {(f.line, f.code): f.message for f in job.hits.findings}
    assert set(stale) == {(3, "stale-name"), (5, "stale-name")}
    assert "defined in pkg/io.py:4 when this line was written" in stale[(3, "stale-name")]
    assert first[:7] in stale[(3, "stale-name")]
    assert "`LIMIT`" in stale[(5, "stale-name")]
    rows = {r.ref.text: r.status.value for r in job.hits.rows}
    assert rows["make_batches()"] == "resolved"
    assert "NeverCode" not in rows and "MAX_ITEMS" not in rows  # never code: silent


def test_without_git_names_stay_silent(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "spec.md").write_text(SPEC)
    ws = Workspace(tmp_path)
    try:
        job = spec_hits_job(ws, SpecHitsRequest("spec.md", trees=("pkg",)))
    finally:
        ws.close()
    assert job.hits is not None
    assert [f for f in job.hits.findings if f.code == "stale-name"] == []
