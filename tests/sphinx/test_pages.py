"""Pages a reader can use: problems marked where they stand, tables that fit, code links
from the git remote, plural-correct words (real builds on the history root
``tests/roots/test-pages``: a deleted module, then a package, its plan page and a GitHub
remote)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_colors

from tests.history import Replayed
from tests.sphinx.util import build, html, ptyplan_warnings

pytestmark = pytest.mark.sphinx("html", testroot="pages")
ROOTS = Path(__file__).resolve().parents[1] / "roots"

PAGE = (ROOTS / "test-pages/history/02-code-and-plan/docs/index.md").read_text(encoding="utf-8")


def _built(app: SphinxTestApp) -> str:
    app.build()
    return strip_colors(app.warning.getvalue())


def _abbrs(page: str) -> list[tuple[str, str]]:
    """(title, label) of every badge on a page."""
    return re.findall(r'<abbr class="ptyplan-badge[^"]*" title="([^"]*)">([^<]*)</abbr>', page)


def test_problems_are_marked_where_they_stand_in_html(app: SphinxTestApp) -> None:
    warnings = _built(app)
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


def test_problems_in_latex_and_text_are_a_marker_and_a_note(history: Replayed) -> None:
    app, _ = build(history.srcdir, "text")
    text = (Path(app.outdir) / "index.txt").read_text(encoding="utf-8")
    assert '"pkg/loader.py" [missing 1]' in text
    assert '"model.py" [ambiguous 2]' in text
    assert '"pkg/gone.py:3" [stale 3]' in text  # a ptyref role
    assert "Problems marked on this page" in text
    assert re.search(r'\[1\] "pkg/loader.py": missing: .*pkg/loader.py does\s+not', text)
    assert '"pkg/alpha.py:4" [' not in text
    app, _ = build(history.srcdir, "latex")
    tex = next(Path(app.outdir).glob("*.tex")).read_text(encoding="utf-8")
    assert "{[}missing 1{]}" in tex and "{[}stale 3{]}" in tex, tex[-3000:]
    assert "Problems marked on this page" in tex


def test_marks_can_be_switched_off_and_stay_when_the_log_is_silenced(
    history: Replayed, tmp_path: Path
) -> None:
    app, warnings = build(history.srcdir, confoverrides={"ptyplan_mark_problems": False})
    assert _abbrs(html(app)) == [] and "ptyplan-problem" not in html(app)
    assert len(ptyplan_warnings(warnings)) == 3  # the checks themselves still run
    app, _ = build(
        history.srcdir,
        confoverrides={"suppress_warnings": ["ptyplan.stale", "ptyplan.missing"]},
        outdir=tmp_path / "suppressed",
    )
    # suppression quiets the log; the page still shows what is wrong (as tables do)
    assert [label for _, label in _abbrs(html(app))] == ["missing", "ambiguous", "stale"]


def test_tables_scroll_in_their_own_box_with_a_legend_and_breakable_paths(
    app: SphinxTestApp, history: Replayed
) -> None:
    repo = history.repo
    repo.write("pkg/a_rather_long_folder_name/another_long_module_name.py", "z = 3\n")
    repo.write(
        "docs/index.md",
        PAGE.replace(
            "```{ptyplan-inventory} pkg\n", ("```{ptyplan-inventory} pkg\n:highlight: a/\n")
        )
        + "Gone: `pkg/a_rather_long_folder_name/gone.py`.\n",
    )
    _built(app)
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


def test_code_links_default_to_the_built_commit_from_the_remote(
    history: Replayed, tmp_path: Path
) -> None:
    repo = history.repo
    sha = repo.git("rev-parse", "HEAD")
    assert sha == history.shas["02-code-and-plan"]
    base = "https://github.com/org/proj/blob"
    app, _ = build(history.srcdir)
    page = html(app)
    assert f'href="{base}/{sha}/pkg/alpha.py#L4"' in page  # the plain citation, at its line
    assert f'href="{base}/{sha}/pkg/__init__.py"' in page  # an inventory cell
    assert "/blob/main/" not in page
    # an uncommitted file links to the branch, and says so
    repo.write("pkg/fresh.py", "def new():\n    return 0\n")
    app, _ = build(history.srcdir, outdir=tmp_path / "dirty")
    page = html(app)
    assert f'href="{base}/main/pkg/fresh.py"' in page
    assert "pkg/fresh.py has uncommitted changes: this links to the branch main" in page
    assert f'href="{base}/{sha}/pkg/alpha.py#L4"' in page


def test_code_links_setting_overrides_or_disables(history: Replayed, tmp_path: Path) -> None:
    app, _ = build(history.srcdir, confoverrides={"ptyplan_source_url": False})
    assert "github.com" not in html(app)
    app, _ = build(
        history.srcdir,
        confoverrides={"ptyplan_source_url": "https://code.example/{path}?line={line}"},
        outdir=tmp_path / "templated",
    )
    assert 'href="https://code.example/pkg/alpha.py?line=4"' in html(app)
    assert "github.com" not in html(app)


def test_no_remote_no_links(
    history: Replayed, replay_root: Callable[..., Replayed], tmp_path: Path
) -> None:
    history.repo.git("remote", "remove", "origin")
    app, _ = build(history.srcdir)
    assert "pkg/alpha.py#L" not in html(app)
    other = replay_root("pages", tmp_path / "other")
    other.repo.git("remote", "set-url", "origin", "https://git.example.net/org/proj.git")
    app, _ = build(other.srcdir)
    assert "git.example.net" not in html(app)  # an unknown host: no guessed URL scheme


def test_words_are_pluralised(app: SphinxTestApp, history: Replayed) -> None:
    history.repo.write("pkg/explore.ipynb", '{"cells": [], "metadata": {}, "nbformat": 4}')
    _built(app)
    page = html(app)
    assert "1 package, 2 namespace folders, 3 modules, 1 notebook, 11 lines of code" in page, (
        re.findall(r'ptyplan-summary">([^<]*)', page)
    )
