"""Pages a reader can use: problems marked where they stand, tables that fit, code links
from the git remote, plural-correct words (real builds on scripted repositories)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.gitutil import Repo
from tests.sphinx.util import build, html, ptyplan_warnings

pytestmark = pytest.mark.sphinx

ALPHA = '"""Alpha."""\n\n\ndef first():\n    return 1\n\n\ndef second():\n    return 2\n'
CONF = (
    'extensions = ["myst_parser", "sphinx_ptyplan"]\nptyplan_root = ".."\n'
    'exclude_patterns = ["_build"]\n'
)
PAGE = """# Plan

```{ptyplan-inventory} pkg
```

The first step is `pkg/alpha.py:4` and it is right.
The old loader was `pkg/loader.py`, which never existed.
Both halves live in `model.py`.
A role: {ptyref}`pkg/gone.py:3`.
"""


def _repo(tmp_path: Path, remote: str | None = "git@github.com:org/proj.git") -> Repo:
    repo = Repo(tmp_path / "proj")
    repo.write("pkg/gone.py", "'''Gone.'''\n")
    repo.commit("a module that will go")
    repo.remove("pkg/gone.py")
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/alpha.py", ALPHA)
    repo.write("pkg/a/model.py", "x = 1\n")
    repo.write("pkg/b/model.py", "y = 2\n")
    repo.write("docs/conf.py", CONF)
    repo.write("docs/index.md", PAGE)
    repo.write(".gitignore", "docs/_build/\n")
    if remote:
        repo.git("remote", "add", "origin", remote)
    repo.commit("code and plan")
    return repo


def _abbrs(page: str) -> list[tuple[str, str]]:
    """(title, label) of every badge on a page."""
    return re.findall(r'<abbr class="ptyplan-badge[^"]*" title="([^"]*)">([^<]*)</abbr>', page)


def test_problems_are_marked_where_they_stand_in_html(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    app, warnings = build(repo.path / "docs")
    page = html(app)
    badges = _abbrs(page)
    labels = [label for _title, label in badges]
    # never in the history (a planned file, a typo) is told apart from deleted
    assert labels == ["missing", "ambiguous", "stale"], badges
    titles = [t for t, _ in badges]
    assert "pkg/loader.py does not exist and never did" in titles[0]
    assert "write the path from the root" in titles[1] and "pkg/a/model.py" in titles[1]
    assert "pkg/gone.py" in titles[2] and "deleted" in titles[2], titles[2]
    # the marked literal carries classes, the correct citation none
    assert re.search(
        r'<code class="[^"]*ptyplan-problem ptyplan-missing[^"]*"><span class="pre">'
        r"pkg/loader.py",
        page,
    )
    right = re.search(r'<code class="([^"]*)"><span class="pre">pkg/alpha.py:4</span>', page)
    assert right is not None and "ptyplan-problem" not in right.group(1)
    # every mark corresponds to a warning of the build, and vice versa
    assert len(ptyplan_warnings(warnings)) == 3, warnings


def test_problems_in_latex_and_text_are_a_marker_and_a_note(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    app, _ = build(repo.path / "docs", "text")
    text = (Path(app.outdir) / "index.txt").read_text(encoding="utf-8")
    assert '"pkg/loader.py" [missing 1]' in text
    assert '"model.py" [ambiguous 2]' in text
    assert '"pkg/gone.py:3" [stale 3]' in text  # a ptyref role
    assert "Problems marked on this page" in text
    assert re.search(r'\[1\] "pkg/loader.py": missing: .*pkg/loader.py does\s+not', text)
    assert '"pkg/alpha.py:4" [' not in text
    app, _ = build(repo.path / "docs", "latex")
    tex = next(Path(app.outdir).glob("*.tex")).read_text(encoding="utf-8")
    assert "{[}missing 1{]}" in tex and "{[}stale 3{]}" in tex, tex[-3000:]
    assert "Problems marked on this page" in tex


def test_marks_can_be_switched_off_and_stay_when_the_log_is_silenced(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    app, warnings = build(repo.path / "docs", confoverrides={"ptyplan_mark_problems": False})
    assert _abbrs(html(app)) == [] and "ptyplan-problem" not in html(app)
    assert len(ptyplan_warnings(warnings)) == 3  # the checks themselves still run
    app, _ = build(
        repo.path / "docs",
        confoverrides={"suppress_warnings": ["ptyplan.stale", "ptyplan.missing"]},
        outdir=tmp_path / "suppressed",
    )
    # suppression quiets the log; the page still shows what is wrong (as tables do)
    assert [label for _, label in _abbrs(html(app))] == ["missing", "ambiguous", "stale"]


def test_tables_scroll_in_their_own_box_with_a_legend_and_breakable_paths(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    repo.write("pkg/a_rather_long_folder_name/another_long_module_name.py", "z = 3\n")
    repo.write(
        "docs/index.md",
        PAGE.replace(
            "```{ptyplan-inventory} pkg\n", ("```{ptyplan-inventory} pkg\n:highlight: a/\n")
        )
        + "Gone: `pkg/a_rather_long_folder_name/gone.py`.\n",
    )
    app, _ = build(repo.path / "docs")
    page = html(app, raw=True)
    summary = page.index('class="ptyplan-summary"')
    box = page.index('<div class="ptyplan-scroll docutils container">')
    assert summary < box < page.index("<table", box)  # the summary line stays above
    assert (
        'pkg/</span><wbr><span class="pre">a_rather_long_folder_name/</span><wbr>'
        '<span class="pre">another_long_module_name.py' in page
    )
    assert 'class="ptyplan-legend"' in page and "high impact" in page
    # a checked citation in running text wraps the same way (a long stale one here)
    assert (
        'pkg/</span><wbr><span class="pre">a_rather_long_folder_name/</span><wbr>'
        '<span class="pre">gone.py' in page
    )
    # short paths are left alone
    assert 'pkg/</span><wbr><span class="pre">alpha.py' not in page


def test_code_links_default_to_the_built_commit_from_the_remote(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    sha = repo.git("rev-parse", "HEAD")
    base = "https://github.com/org/proj/blob"
    app, _ = build(repo.path / "docs")
    page = html(app)
    assert f'href="{base}/{sha}/pkg/alpha.py#L4"' in page  # the plain citation, at its line
    assert f'href="{base}/{sha}/pkg/__init__.py"' in page  # an inventory cell
    assert "/blob/main/" not in page
    # an uncommitted file links to the branch, and says so
    repo.write("pkg/fresh.py", "def new():\n    return 0\n")
    app, _ = build(repo.path / "docs", outdir=tmp_path / "dirty")
    page = html(app)
    assert f'href="{base}/main/pkg/fresh.py"' in page
    assert "pkg/fresh.py has uncommitted changes: this links to the branch main" in page
    assert f'href="{base}/{sha}/pkg/alpha.py#L4"' in page


def test_code_links_setting_overrides_or_disables(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    app, _ = build(repo.path / "docs", confoverrides={"ptyplan_source_url": False})
    assert "github.com" not in html(app)
    app, _ = build(
        repo.path / "docs",
        confoverrides={"ptyplan_source_url": "https://code.example/{path}?line={line}"},
        outdir=tmp_path / "templated",
    )
    assert 'href="https://code.example/pkg/alpha.py?line=4"' in html(app)
    assert "github.com" not in html(app)


def test_no_remote_no_links(tmp_path: Path) -> None:
    repo = _repo(tmp_path, remote=None)
    app, _ = build(repo.path / "docs")
    assert "pkg/alpha.py#L" not in html(app)
    repo2 = _repo(tmp_path / "other", remote="https://git.example.net/org/proj.git")
    app, _ = build(repo2.path / "docs")
    assert "git.example.net" not in html(app)  # an unknown host: no guessed URL scheme


def test_words_are_pluralised(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    repo.write("pkg/explore.ipynb", '{"cells": [], "metadata": {}, "nbformat": 4}')
    app, _ = build(repo.path / "docs")
    page = html(app)
    assert "1 package, 2 namespace folders, 3 modules, 1 notebook, 11 lines of code" in page, (
        re.findall(r'ptyplan-summary">([^<]*)', page)
    )
