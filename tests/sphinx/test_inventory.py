"""ptyplan-inventory in real Sphinx builds: builders, parity, warnings, git, paths.

Projects are test roots: the static ``tests/roots/test-inventory*`` (read in place, or a
copy when a test writes: its page text, symlinks, a file) and the history root
``test-inventory-since`` (a tag, a commit, an untracked module)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from docutils import nodes
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_colors

from tests.history import Replayed
from tests.sphinx.util import build, html, ptyplan_warnings, subtypes, write

pytestmark = pytest.mark.sphinx

MD_PAGE = """# Plan

```{ptyplan-inventory} code/pkg
:highlight: api/
```

After the table.
"""

RST_PAGE = """Plan
====

.. ptyplan-inventory:: code/pkg
   :highlight: api/

After the table.
"""


def _built(app: SphinxTestApp) -> str:
    """Build a test root's app (the ``app`` fixture); its warnings without colors."""
    app.build()
    return strip_colors(app.warning.getvalue())


def _page(app: SphinxTestApp, text: str) -> Path:
    """Per-test page text in the test's copy of the root; the copy's folder."""
    src = Path(app.srcdir)
    (src / "index.md").write_text(text, encoding="utf-8")
    return src


@pytest.mark.parametrize("builder", ["html", "latex", "text"])
def test_builders_render_the_inventory(
    make_app: Callable[..., SphinxTestApp], rootdir: Path, tmp_path: Path, builder: str
) -> None:
    app = make_app(builder, srcdir=rootdir / "test-inventory", builddir=tmp_path / "_build")
    warnings = _built(app)
    assert ptyplan_warnings(warnings) == []
    out = Path(app.outdir)
    text = "".join(
        p.read_text(encoding="utf-8")
        for p in out.iterdir()
        if p.suffix in {".html", ".tex", ".txt"}
    ).replace("\\_", "_")
    # HTML: a long path may break after "/" (issue 17); the text is the same
    text = text.replace('</span><wbr><span class="pre">', "")
    assert "code/pkg/api/base_api.py" in text
    assert "ModelConfig (dataclass: N, gridsize)" in text
    assert "After the table." in text


@pytest.mark.sphinx("text", testroot="inventory")
def test_summary_and_rows(app: SphinxTestApp) -> None:
    _built(app)
    text = (Path(app.outdir) / "index.txt").read_text(encoding="utf-8")
    assert "2 packages, 2 modules, 1 notebook" in text
    assert "Exploring it" in text  # notebook title, informational only
    rows = [line for line in text.splitlines() if "high-impact" in line and "api" in line]
    assert rows, text  # api/ highlighted
    assert "train()" in text


def _doctree_tables(app) -> str:  # type: ignore[no-untyped-def]
    doctree = app.env.get_and_resolve_doctree("index", app.builder, tags=app.tags)
    tables = list(doctree.findall(nodes.table))
    return "\n".join(t.pformat() for t in tables)


def test_myst_and_rest_give_the_same_doctree(
    make_app: Callable[..., SphinxTestApp], rootdir: Path, tmp_path: Path
) -> None:
    md_app = make_app("html", srcdir=rootdir / "test-inventory", builddir=tmp_path / "md")
    rst_app = make_app("html", srcdir=rootdir / "test-inventory-rst", builddir=tmp_path / "rst")
    _built(md_app)
    _built(rst_app)
    md_tables = _doctree_tables(md_app)
    assert md_tables and md_tables == _doctree_tables(rst_app)


@pytest.mark.sphinx("text", testroot="inventory-columns")
def test_notebooks_exclude_and_columns(app: SphinxTestApp) -> None:
    warnings = _built(app)
    assert ptyplan_warnings(warnings) == []
    text = (Path(app.outdir) / "index.txt").read_text(encoding="utf-8")
    assert "explore.ipynb" not in text
    assert "symbols" not in text and "| path" in text


@pytest.mark.sphinx("html", testroot="inventory", copy_test_root=True)  # writes a file
def test_syntax_error_is_listed_and_warned_at_path_line(app: SphinxTestApp) -> None:
    write(Path(app.srcdir), {"code/pkg/broken.py": "x = 1\ndef f(:\n"})
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    assert len(found) == 1
    assert re.search(r"code/pkg/broken\.py:2: WARNING: .*\[ptyplan\.parse\]", found[0])
    assert "code/pkg/broken.py" in html(app)
    assert "After the table." in html(app)


def test_suppress_warnings_silences_exactly_that_kind(copy_root: Callable[..., Path]) -> None:
    src = copy_root("inventory")  # the root is read-only: a copy
    write(src, {"code/pkg/broken.py": "def f(:\n"})
    _, warnings = build(src, "html", confoverrides={"suppress_warnings": ["ptyplan.parse"]})
    assert ptyplan_warnings(warnings) == []
    _, warnings = build(
        src, "html", freshenv=True, confoverrides={"suppress_warnings": ["ptyplan.git"]}
    )
    assert subtypes(warnings) == ["parse"]


@pytest.mark.sphinx("html", testroot="inventory", copy_test_root=True)
@pytest.mark.parametrize(
    "argument",
    ["../outside", "/etc", "code/../../outside", "code/escape"],
)
def test_paths_outside_the_root_are_refused(
    app: SphinxTestApp, tmp_path: Path, argument: str
) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.py").write_text("SECRET = 1\n")
    src = _page(app, MD_PAGE.replace("code/pkg", argument, 1))
    assert src.parent == tmp_path  # the copy's ../outside is the folder above
    os.symlink(tmp_path / "outside", src / "code" / "escape")
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    assert len(found) == 1, found
    assert "[ptyplan.config]" in found[0] and "index.md:3" in found[0]
    assert "outside" in found[0] or "root" in found[0]
    assert "SECRET" not in html(app)
    assert "After the table." in html(app)


@pytest.mark.sphinx("html", testroot="inventory", copy_test_root=True)
def test_symlink_loop_and_outside_link_inside_the_tree(app: SphinxTestApp, tmp_path: Path) -> None:
    src = Path(app.srcdir)
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", src / "code" / "pkg" / "out")
    os.symlink(src / "code" / "pkg", src / "code" / "pkg" / "api" / "loop")
    warnings = _built(app)
    kinds = subtypes(warnings)
    assert kinds.count("io") >= 1
    assert "base_api.py" in html(app)


@pytest.mark.sphinx("html", testroot="inventory-bad-options")
def test_missing_argument_and_bad_options_are_typed_config_warnings(app: SphinxTestApp) -> None:
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    assert len(found) == 4, found
    assert all("[ptyplan.config]" in w for w in found)
    assert any("index.md:3" in w and "missing tree" in w for w in found)
    assert sum("index.md:6" in w for w in found) == 3
    assert "Still here." in html(app)
    assert "base_api.py" in html(app)  # the second directive still renders


@pytest.mark.sphinx("text", testroot="inventory-since")
def test_since_marks_new_modules_from_git(app: SphinxTestApp) -> None:
    warnings = _built(app)
    assert ptyplan_warnings(warnings) == []
    text = (Path(app.outdir) / "index.txt").read_text(encoding="utf-8")
    assert "2 new since base" in text
    new_rows = [line for line in text.splitlines() if ".py" in line and "| new" in line]
    assert len(new_rows) == 2, text
    assert any("extra.py" in r for r in new_rows) and any("datagen.py" in r for r in new_rows)


@pytest.mark.parametrize(
    ("since", "subtype", "needle"),
    [
        ("no-such-rev", "git", "no-such-rev"),
        ("-x", "config", "-x"),
        ("HEAD;rm", "config", "HEAD;rm"),
    ],
)
@pytest.mark.sphinx("text", testroot="inventory-since")
def test_bad_revisions_warn_and_the_table_renders_without_new(
    app: SphinxTestApp, since: str, subtype: str, needle: str
) -> None:
    _page(app, MD_PAGE.replace(":highlight: api/", f":since: {since}"))
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    assert len(found) == 1, found
    assert f"[ptyplan.{subtype}]" in found[0] and needle in found[0]
    assert "index.md:3" in found[0]
    text = (Path(app.outdir) / "index.txt").read_text(encoding="utf-8")
    assert "base_api.py" in text and "| new" not in text and "new since" not in text


@pytest.mark.sphinx("html", testroot="inventory", copy_test_root=True)
def test_since_outside_git_is_a_git_warning(app: SphinxTestApp) -> None:
    _page(app, MD_PAGE.replace(":highlight: api/", ":since: HEAD~1"))
    warnings = _built(app)
    assert subtypes(warnings) == ["git"]
    assert "base_api.py" in html(app)


@pytest.mark.sphinx(testroot="inventory-since")
def test_shallow_clone_lacking_the_revision_says_how_to_fix(
    history: Replayed, tmp_path: Path
) -> None:
    repo = history.repo
    repo.git("add", "-A")
    repo.commit("docs")
    clone = tmp_path / "clone"
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone))
    app, warnings = build(clone / "docs", "html")
    found = ptyplan_warnings(warnings)
    assert len(found) == 1 and "[ptyplan.git]" in found[0]
    assert "fetch" in found[0] and "unshallow" in found[0]


@pytest.mark.sphinx("html", testroot="inventory", copy_test_root=True)
def test_scanning_never_imports_or_executes_the_tree(app: SphinxTestApp, tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    write(
        Path(app.srcdir),
        {"code/pkg/evil.py": f"open({str(marker)!r}, 'w').write('x')\nimport sys\n"},
    )
    _built(app)
    assert not marker.exists()
    assert "evil.py" in html(app)
    import sys

    assert not any(name.endswith("evil") for name in sys.modules)


@pytest.mark.sphinx("text", testroot="inventory", copy_test_root=True)
def test_format_tree_nests_rows_by_folder(app: SphinxTestApp) -> None:
    _page(app, MD_PAGE.replace(":highlight: api/", ":format: tree"))
    warnings = _built(app)
    assert ptyplan_warnings(warnings) == []
    text = (Path(app.outdir) / "index.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    pkg = next(i for i, line in enumerate(lines) if '"code/pkg/api/"' in line)
    mod = next(i for i, line in enumerate(lines) if '"code/pkg/api/base_api.py"' in line)
    indent = len(lines[mod]) - len(lines[mod].lstrip())
    assert mod > pkg and indent > len(lines[pkg]) - len(lines[pkg].lstrip())
    assert "+---" not in text  # a list, not a table
