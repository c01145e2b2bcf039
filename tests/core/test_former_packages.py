"""A top-level folder the root had once counts as a former *package* (names under it can be
stale) only when git history knows a Python module under it (issue 15): a folder of notes
named like a library (``torch/``) must not make ``torch.cuda.is_available()`` stale."""

from __future__ import annotations

from pathlib import Path

from sphinx_ptyplan.core.jobs import spec_hits_job
from sphinx_ptyplan.core.requests import SpecHitsRequest
from sphinx_ptyplan.core.sources.gitrepo import GitRepo
from sphinx_ptyplan.core.workspace import Workspace
from tests.gitutil import Repo

SPEC = """# Performance

- Check `torch.cuda.is_available()` first; profile with `torch.profiler`.
- The loader is `oldpkg.loader.Loader`.
- Notes were in `torch/cuda_notes.md`.
"""


def _repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "r")
    repo.write("src/__init__.py", "")
    repo.write("src/core.py", "def run():\n    return 1\n")
    repo.write("torch/cuda_notes.md", "# notes on CUDA\n")
    repo.write("torch/profiler.md", "# notes on the profiler\n")
    repo.write("oldpkg/__init__.py", "")
    repo.write("oldpkg/loader.py", "class Loader:\n    pass\n")
    repo.write("spec.md", SPEC)
    repo.commit("code, notes and the spec")
    repo.remove("torch")
    repo.commit("drop the notes folder")
    repo.remove("oldpkg")
    repo.commit("drop the old package")
    return repo


def test_git_tells_former_packages_from_former_folders(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    with GitRepo.open(repo.path) as g:
        assert {"torch", "oldpkg"} <= g.former_top_folders()
        assert g.former_top_packages() == frozenset({"oldpkg"})


def test_a_former_folder_of_notes_is_not_a_package(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    ws = Workspace(repo.path)
    try:
        job = spec_hits_job(ws, SpecHitsRequest("spec.md", trees=("src",)))
    finally:
        ws.close()
    assert job.hits is not None
    found = {(f.line, f.subject): f for f in job.hits.findings}
    # a library's name that happens to be a deleted folder of notes: silent
    assert not [k for k in found if k[1] and k[1].startswith("torch.")]
    # a package that git knew as Python code: stale, with its story
    old = found[(4, "oldpkg.loader.Loader")]
    assert old.code == "stale-name"
    assert old.story is not None and old.story.status == "deleted"
    # the notes path itself is still a path of the root that vanished
    assert found[(5, "torch/cuda_notes.md")].kind.value == "stale"
