"""spec-hits and citation checks (ptyref role, plain literals) in real builds.

Projects are test roots: static ones (``tests/roots/test-spec-hits*``, ``test-cites``,
``test-spec-names*``, ``test-odd-names``), read in place or copied when a test writes its own
page text into them, and the history root ``test-renamed-away``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_colors

from tests.sphinx.util import html, ptyplan_warnings, subtypes

pytestmark = pytest.mark.sphinx


def _built(app: SphinxTestApp) -> str:
    """Build a test root's app (the ``app`` fixture); its warnings without colors."""
    app.build()
    return strip_colors(app.warning.getvalue())


def _write(app: SphinxTestApp, name: str, text: str) -> None:
    """Per-test text in the test's copy of a root (``copy_test_root=True``)."""
    (Path(app.srcdir) / name).write_text(text, encoding="utf-8")


@pytest.mark.sphinx("html", testroot="spec-hits")
def test_spec_hits_rows_and_warnings_at_spec_lines(app: SphinxTestApp) -> None:
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    assert sorted(subtypes("\n".join(found))) == ["schema", "stale"], found
    stale = next(w for w in found if "[ptyplan.stale]" in w)
    assert re.search(r"specs/api\.md:14: WARNING", stale) and "make_generator" in stale
    assert "resolve_generator" in stale  # did you mean
    schema = next(w for w in found if "[ptyplan.schema]" in w)
    assert re.search(r"specs/api\.md:9: WARNING", schema) and "probe_scale" in schema
    page = html(app)
    assert "ptycho/config/config.py:5" in page  # where ModelConfig resolves
    assert "external" in page and "torch.complex64" in page
    assert "never.checked" not in page
    assert "Spec touchpoints" in page and "After." in page


@pytest.mark.sphinx("html", testroot="spec-hits-problems")
def test_show_problems_and_per_directive_suppress(app: SphinxTestApp) -> None:
    warnings = _built(app)
    assert ptyplan_warnings(warnings) == []
    page = html(app)
    assert "make_generator" in page  # the stale row is still shown
    assert "torch.complex64" not in page  # only problems are listed


@pytest.mark.sphinx("html", testroot="spec-hits", copy_test_root=True)
def test_strict_reports_undocumented_fields(app: SphinxTestApp) -> None:
    src = Path(app.srcdir)
    _write(
        app, "index.md", (src / "index.md").read_text().replace("ptycho\n", "ptycho\n:strict:\n")
    )
    spec = (src / "specs/api.md").read_text()
    assert "  - `gridsize` (int)\n" in spec
    (src / "specs/api.md").write_text(spec.replace("  - `gridsize` (int)\n", ""))
    warnings = _built(app)
    found = [w for w in ptyplan_warnings(warnings) if "[ptyplan.schema]" in w]
    assert any("gridsize" in w for w in found), found


@pytest.mark.sphinx("html", testroot="cites", copy_test_root=True)  # its code, another page
def test_missing_spec_and_unknown_tree(app: SphinxTestApp) -> None:
    _write(app, "index.md", "# S\n\n```{ptyplan-spec-hits} specs/none.md\n```\n\nAfter.\n")
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    assert len(found) == 1 and "index.md:3" in found[0] and "none.md" in found[0]
    assert "After." in html(app)


CITES_PAGE = (Path(__file__).parents[1] / "roots/test-cites/index.md").read_text(encoding="utf-8")


@pytest.mark.sphinx("html", testroot="cites")
def test_literal_citations_are_checked_without_false_alarms(app: SphinxTestApp) -> None:
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    by_line = {int(m.group(1)): w for w in found if (m := re.search(r"index\.md:(\d+):", w))}
    assert set(by_line) == {5, 6, 7, 8}, found
    assert "[ptyplan.stale]" in by_line[5] and "train_utils" in by_line[5]
    assert "[ptyplan.stale]" in by_line[6] and "40" in by_line[6]
    assert "[ptyplan.stale]" in by_line[7] and "forward" in by_line[7]  # did you mean
    assert "[ptyplan.ambiguous]" in by_line[8]
    assert "ptycho/model.py" in by_line[8] and "ptycho_torch/model.py" in by_line[8]
    assert len(found) == 4


@pytest.mark.sphinx(
    "html",
    testroot="cites",
    confoverrides={
        "ptyplan_source_url": "https://github.com/ORG/REPO/blob/{revision}/{path}#L{line}",
        "ptyplan_source_revision": "main",
    },
)
def test_ptyref_links_to_source_url(app: SphinxTestApp) -> None:
    _built(app)
    page = html(app)
    assert "https://github.com/ORG/REPO/blob/main/ptycho_torch/config_params.py#L6" in page
    # the dotted name links to the line that defines the class
    assert "https://github.com/ORG/REPO/blob/main/ptycho_torch/config_params.py#L11" in page


@pytest.mark.sphinx(
    "html",
    testroot="cites",
    copy_test_root=True,
    confoverrides={"ptyplan_check_literals": False},
)
def test_check_literals_off_checks_only_roles(app: SphinxTestApp) -> None:
    _write(app, "index.md", CITES_PAGE + "\nRole gone: {ptyref}`ptycho_torch/nothing.py:3`\n")
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    assert len(found) == 1 and "nothing.py" in found[0]


@pytest.mark.sphinx("html", testroot="cites", copy_test_root=True)
def test_rest_role_and_literals(app: SphinxTestApp) -> None:
    (Path(app.srcdir) / "index.md").unlink()  # the page in reST instead
    page = (
        "Ledger\n======\n\nGone: ``ptycho_torch/train_utils.py:12``.\n\n"
        "Role: :ptyref:`ptycho_torch/model.py:backward`\n"
    )
    _write(app, "index.rst", page)
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    assert len(found) == 2
    assert any("index.rst:4" in w and "train_utils" in w for w in found)
    assert any("index.rst:6" in w and "backward" in w for w in found)


@pytest.mark.sphinx("html", testroot="cites", copy_test_root=True)
def test_clean_tree_builds_without_ptyplan_warnings(app: SphinxTestApp) -> None:
    page = "# Clean\n\nSee `ptycho_torch/config_params.py:5-7`, `ptycho/model.py:build_model`.\n"
    _write(app, "index.md", page)
    warnings = _built(app)
    assert ptyplan_warnings(warnings) == []


@pytest.mark.sphinx("html", testroot="renamed-away")
def test_literals_under_a_top_folder_renamed_away(app: SphinxTestApp) -> None:
    """The package folder was renamed: old citations are stale (with the git story and the
    replacement), even with drift off; folders that never existed stay silent."""
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    assert len(found) == 1, found
    assert "index.md:3" in found[0] and "[ptyplan.stale]" in found[0]
    assert "renamed to ptycho_torch/model.py" in found[0]
    # without drift the cited lines were not followed: no exact replacement is claimed
    assert "update or remove the reference" in found[0]
    assert "After." in html(app)


@pytest.mark.sphinx("html", testroot="odd-names", copy_test_root=True)
def test_source_links_of_odd_file_names_are_percent_encoded(app: SphinxTestApp) -> None:
    # code/: "odd #1.py", "pct%41.py", "Run #3 (50% done)?.py"
    _built(app)
    page_html = html(app)
    base = "https://github.com/ORG/REPO/blob/main/code/"
    for encoded in ("odd%20%231.py", "pct%2541.py", "Run%20%233%20%2850%25%20done%29%3F.py"):
        assert f'href="{base}{encoded}"' in page_html, encoded


# -- issue 15: bare names, context, page module, signatures in a real build -------------


@pytest.mark.sphinx("html", testroot="spec-names")
def test_bare_names_context_and_signatures_in_a_build(app: SphinxTestApp) -> None:
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    # section "Models" cannot say which ModelConfig: one ambiguous warning, at its line
    amb = [w for w in found if "[ptyplan.ambiguous]" in w]
    assert len(amb) == 1 and re.search(r"specs/names\.md:5: WARNING", amb[0]), found
    # the written signature names a parameter the code does not have
    sig = [w for w in found if "signature" in w or "build_model(config, extra)" in w]
    assert len(sig) == 1 and "[ptyplan.schema]" in sig[0] and "no parameter `extra`" in sig[0]
    assert "build_model(config)" in sig[0]  # the code's signature is in the message
    # the bold-owner bullet under the TensorFlow heading is checked against ptycho's class
    field = [w for w in found if "n_filterz" in w]
    assert len(field) == 1 and "[ptyplan.schema]" in field[0]
    assert "ptycho.config.config.ModelConfig" in field[0]
    assert "did you mean `n_filters_scale`" in field[0]
    page = html(app)
    assert "named in the section" in page or "heading" in page  # the how column


@pytest.mark.parametrize(
    ("opts", "front"),
    [(":module: ptycho\n", ""), ("", "---\nptyplan-module: ptycho\n---\n")],
)
@pytest.mark.sphinx("html", testroot="spec-names", copy_test_root=True)
def test_page_module_decides_bare_names(app: SphinxTestApp, opts: str, front: str) -> None:
    src = Path(app.srcdir)
    page = (src / "index.md").read_text(encoding="utf-8")
    _write(app, "index.md", page.replace("ptycho\n```", f"ptycho\n{opts}```"))
    _write(app, "specs/names.md", front + (src / "specs/names.md").read_text(encoding="utf-8"))
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    assert not [w for w in found if "[ptyplan.ambiguous]" in w], found
    # front matter keeps the spec's line numbers
    assert [w for w in found if "n_filterz" in w and re.search(r"names\.md:1[14]: ", w)]
    assert "`ptycho` (page setting)" in html(app)


# -- issue 15: the same context in a reST spec (item, paragraph, page module, bold owner) --


def _row_of(page: str, line: int) -> str:
    """The text of the spec-hits table row of spec line ``line`` (tags dropped)."""
    rows = [re.sub(r"<[^>]+>", "", r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)]
    found = [" ".join(r.split()) for r in rows if re.match(rf"\s*{line}\s", r)]
    assert found, line
    return found[0]


@pytest.mark.sphinx("html", testroot="spec-names-rst")
def test_rest_spec_binds_names_by_item_paragraph_and_bold_owner(app: SphinxTestApp) -> None:
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    # only "Models" cannot say which ModelConfig: one ambiguous warning, at its line
    amb = [w for w in found if "[ptyplan.ambiguous]" in w]
    assert len(amb) == 1 and re.search(r"specs/names\.rst:7: WARNING", amb[0]), found
    sig = [w for w in found if "no parameter `extra`" in w]
    assert len(sig) == 1 and "[ptyplan.schema]" in sig[0]
    # the bold owner's field list is checked against the class its heading names
    field = [w for w in found if "n_filterz" in w]
    assert len(field) == 1 and "[ptyplan.schema]" in field[0], found
    assert "ptycho.config.config.ModelConfig" in field[0]
    assert re.search(r"names\.rst:24: ", field[0])
    page = html(app)
    # the list item names the PyTorch file two lines down: the item decides
    item = _row_of(page, 12)
    assert "ptycho_torch/config_params.py:5" in item and "same item" in item, item
    # the paragraph names the TensorFlow file on its next line: the paragraph decides
    # (the item's file above is not the section's introduction)
    para = _row_of(page, 15)
    assert "ptycho/config/config.py:5" in para and "same paragraph" in para, para


@pytest.mark.parametrize("directive", ["currentmodule", "module", "py:currentmodule"])
@pytest.mark.sphinx("html", testroot="spec-names-rst", copy_test_root=True)
def test_rest_currentmodule_is_a_page_setting(app: SphinxTestApp, directive: str) -> None:
    spec = Path(app.srcdir) / "specs/names.rst"
    _write(
        app, "specs/names.rst", f".. {directive}:: ptycho\n\n" + spec.read_text(encoding="utf-8")
    )
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    assert not [w for w in found if "[ptyplan.ambiguous]" in w], found
    # the directive's two lines shift the spec: the warnings keep the file's own lines
    assert [w for w in found if "n_filterz" in w and re.search(r"names\.rst:26: ", w)]
    page = html(app)
    assert "`ptycho` (page setting)" in page
    models = _row_of(page, 9)
    assert "ptycho/config/config.py:5" in models, models
    # nearer context still wins over the page setting: the item keeps the PyTorch class
    assert "ptycho_torch/config_params.py:5" in _row_of(page, 14)
