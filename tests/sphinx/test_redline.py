"""ptyplan-delta ``:redline:`` in real builds: the draft under the coverage tables (over
the history root ``tests/roots/test-delta``)."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sphinx.testing.util import SphinxTestApp

from tests.history import Replayed
from tests.sphinx.test_delta import PLANS, _built
from tests.sphinx.util import build, html, ptyplan_warnings

pytestmark = pytest.mark.sphinx("html", testroot="delta")


def _page(plan: str, redline: str = "") -> str:
    return (
        "# Delta\n\n```{ptyplan-delta}\n:tree: ptycho_torch\n"
        f":plan: {plan}\n:base: base\n:redline: {redline}\n```\n\nAfter the delta.\n"
    )


def _write(srcdir: Path, name: str, text: str) -> None:
    (srcdir / name).write_text(text, encoding="utf-8")


def _pre_text(page: str) -> str:
    """The text of the redline's literal block (highlighting spans removed)."""
    m = re.search(r"ptyplan-redline-text[^>]*>.*?<pre>(.*?)</pre>", page, re.S)
    assert m, "no redline block"
    return html_lib.unescape(re.sub(r"<[^>]+>", "", m.group(1)))


@pytest.mark.parametrize(("plan_name", "confoverrides"), PLANS)
def test_redline_renders_under_the_tables_in_html_text_and_latex(
    make_app: Callable[..., SphinxTestApp],
    history: Replayed,
    tmp_path: Path,
    plan_name: str,
    confoverrides: dict[str, Any],
) -> None:
    from sphinx_ptyplan.core.jobs import delta_job
    from sphinx_ptyplan.core.requests import DeltaRequest
    from tests.core.test_redline import Host

    repo, src = history.repo, history.srcdir
    _write(src, "index.md", _page(f"docs/{plan_name}"))
    app = make_app("html", srcdir=src, confoverrides=confoverrides)
    warnings = _built(app)
    assert len(ptyplan_warnings(warnings)) == 2  # the two stale references, as without it
    page = html(app)
    assert (
        page.index("Plan coverage")
        < page.index("Redline draft of docs/")
        < page.index("After the delta.")
    )
    text = _pre_text(page)
    strike = (
        ":del:`ptychopinn_torch/model.py:3` :ins:`ptycho_torch/model.py:3`"
        if plan_name.endswith(".rst")
        else "~~`ptychopinn_torch/model.py:3`~~ `ptycho_torch/model.py:3`"
    )
    assert strike in text
    assert "deleted in" in text and "n_filters_scale" in text  # deletion story, API change
    assert 'class="hll"' in page  # the draft's own lines are highlighted
    # the same draft as the core composes for the CLI (only "drafted by" differs)
    host = Host(repo.path)
    request = DeltaRequest("ptycho_torch", f"docs/{plan_name}", base="base", redline="draft")
    job = delta_job(host, request, drafted_by="ptyplan-delta on index")
    host.close()
    assert job.redline is not None and text == job.redline.text
    for builder in ("text", "latex"):
        app2, warnings2 = build(
            src, builder, outdir=tmp_path / builder, confoverrides=confoverrides
        )
        assert "Exception" not in warnings2 and len(ptyplan_warnings(warnings2)) == 2
    out = (tmp_path / "text" / "text" / "index.txt").read_text(encoding="utf-8")
    assert "Redline draft of docs/" in out and "ptycho_torch/model.py:3" in out


@pytest.mark.sphinx(confoverrides={"ptyplan_source_url": "https://example.org/{revision}/{path}"})
def test_redline_folder_links_the_newest_report(app: SphinxTestApp, history: Replayed) -> None:
    repo = history.repo
    reports = "plans/active/X/reports"
    repo.write(f"{reports}/2025-10-01T000000Z/plan_redline.md", "# old\n")
    repo.write(f"{reports}/2025-10-02T000000Z/plan_redline.md", "# new\n")
    repo.write(f"{reports}/2025-10-03T000000Z/summary.md", "# no redline here\n")
    _write(history.srcdir, "index.md", _page("docs/plan.md", reports))
    warnings = _built(app)
    page = html(app)
    assert f"{reports}/2025-10-02T000000Z/plan_redline.md" in page
    assert re.search(r'href="https://example.org/[^"]*2025-10-02T000000Z/plan_redline.md"', page)
    assert "ptyplan-redline-text" not in page
    assert len(ptyplan_warnings(warnings)) == 2


def test_redline_folder_without_a_redline_warns_at_the_directive(app: SphinxTestApp) -> None:
    _write(Path(app.srcdir), "index.md", _page("docs/plan.md", "plans/none"))
    warnings = _built(app)
    found = [w for w in ptyplan_warnings(warnings) if "index.md:3" in w]
    assert len(found) == 1 and "[ptyplan.config]" in found[0] and "plan_redline.md" in found[0]
    assert "Plan coverage" in html(app)


def test_rest_and_myst_pages_render_the_same_draft(app: SphinxTestApp) -> None:
    rst_page = (
        "Delta\n=====\n\n.. ptyplan-delta::\n   :tree: ptycho_torch\n   :plan: docs/plan.md\n"
        "   :base: base\n   :redline:\n"
    )
    index = _page("docs/plan.md") + "\n```{toctree}\nother\n```\n"
    _write(Path(app.srcdir), "index.md", index)
    _write(Path(app.srcdir), "other.rst", rst_page)
    warnings = _built(app)
    myst, rest = _pre_text(html(app)), _pre_text(html(app, "other"))
    assert myst.splitlines()[1:] == rest.splitlines()[1:]  # line 1 names the page
    assert "on index" in myst.splitlines()[0] and "on other" in rest.splitlines()[0]
    assert "[ptyplan.config]" not in warnings
