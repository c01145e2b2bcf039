"""A docs build's own output is not part of the tree. Found as a new user on nanoBragg:
after ``sphinx-build docs docs/_build/html`` (the command ``ptyplan init`` prints), the
html output's ``_downloads/<hash>/config.py`` copies made ``ptyplan check docs`` report
``config.py`` and ``verify_detector_geometry.py`` as ambiguous (4 warnings the build did
not give). Sphinx's output and doctree folders are skipped by name (``_build``) and,
wherever they are, by the files only Sphinx writes there (``.buildinfo``,
``environment.pickle``). Real git repositories, real builds, the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sphinx_ptyplan.cli import main
from sphinx_ptyplan.core.sources.walk import RootListing
from tests.gitutil import Repo
from tests.sphinx.util import build, ptyplan_warnings

CONF = 'extensions = ["myst_parser", "sphinx_ptyplan"]\nptyplan_root = ".."\n'
PAGE = """\
# Guide

The settings are in `config.py`; get {download}`the file <../pkg/config.py>` and
the image `logo.png`.

![logo](../pkg/logo.png)
"""


def _repo(path: Path) -> Repo:
    repo = Repo(path)
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/config.py", "SETTING = 1\n")
    repo.write("pkg/logo.png", b"\x89PNG\r\n\x1a\n")
    repo.write("docs/conf.py", CONF)
    repo.write("docs/index.md", PAGE)
    repo.commit("a package and its guide")
    return repo


def _check(repo: Repo, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    main(["--root", str(repo.path), "--format", "json", "check", str(repo.path / "docs")])
    findings: list[dict] = json.loads(capsys.readouterr().out)["findings"]
    return findings


@pytest.mark.parametrize("outdir", ["docs/_build", "site"])
def test_check_after_a_build_is_the_check_before_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], outdir: str
) -> None:
    repo = _repo(tmp_path / "repo")
    before = _check(repo, capsys)
    assert before == []  # config.py and logo.png are unique in the tree
    _app, warnings = build(repo.path / "docs", freshenv=True, outdir=repo.path / outdir)
    assert ptyplan_warnings(warnings) == []
    copies = list((repo.path / outdir).rglob("config.py"))
    assert copies, "the build copies the downloaded file into its output"
    assert list((repo.path / outdir).rglob("logo.png"))
    assert _check(repo, capsys) == before
    # and the build, built again over its own output, still says nothing
    _app, again = build(repo.path / "docs", outdir=repo.path / outdir)
    assert ptyplan_warnings(again) == []


def test_a_folder_holding_sphinx_markers_is_not_listed(tmp_path: Path) -> None:
    root = tmp_path / "root"
    for rel in (
        "pkg/mod.py",
        "public/.buildinfo",
        "public/_downloads/abc/mod.py",
        "cache/environment.pickle",
        "cache/index.doctree",
        "pkg/_build/x.py",
        "notes/buildinfo.md",  # a name like the marker is not the marker
    ):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x\n")
    listing = RootListing(root)
    listing.walk()
    assert listing.by_name["mod.py"] == ["pkg/mod.py"]
    assert "public/_downloads" not in listing.dirs and "cache/index.doctree" not in listing.files
    assert "pkg/_build/x.py" not in listing.files
    assert "notes/buildinfo.md" in listing.files
