"""ptyplan-delta in real builds over a scripted git history (Markdown and reST plans).

The history is the root ``tests/roots/test-delta`` (replayed by ``tests/history.py``): a
package renamed (tag ``base``), a module dropped, then an api/ package and API changes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_colors

from tests.history import Replayed
from tests.sphinx.util import html, ptyplan_warnings

pytestmark = pytest.mark.sphinx("html", testroot="delta")

# the reST plan of the same history is a page instead of plan.md
ONLY_RST = {"exclude_patterns": ["_build", "code", "plans", "specs", "plan.md"]}
PLANS = [
    pytest.param("plan.md", {}, id="md"),
    pytest.param("plan.rst", ONLY_RST, id="rst"),
]


def _built(app: SphinxTestApp) -> str:
    app.build()
    return strip_colors(app.warning.getvalue())


def _page(srcdir: Path, text: str) -> None:
    (srcdir / "index.md").write_text(text, encoding="utf-8")


def _delta_page(plan: str, base: str | None = "base", head: str | None = None) -> str:
    opts = f":tree: ptycho_torch\n:plan: {plan}\n" + (f":base: {base}\n" if base else "")
    opts += f":head: {head}\n" if head else ""
    return f"# Delta\n\n```{{ptyplan-delta}}\n{opts}```\n\nAfter the delta.\n"


@pytest.mark.parametrize(("plan_name", "confoverrides"), PLANS)
def test_coverage_stale_story_and_api_delta(
    make_app: Callable[..., SphinxTestApp],
    history: Replayed,
    plan_name: str,
    confoverrides: dict[str, Any],
) -> None:
    _page(history.srcdir, _delta_page(f"docs/{plan_name}"))
    app = make_app("html", srcdir=history.srcdir, confoverrides=confoverrides)
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    # the plan's stale references, at the plan's own lines, with their git story
    assert len(found) == 2, found
    moved = next(w for w in found if "ptychopinn_torch/model.py" in w)
    assert re.search(rf"{plan_name}:\d+: WARNING", moved) and "[ptyplan.stale]" in moved
    assert "renamed to ptycho_torch/model.py" in moved
    gone = next(w for w in found if "train_utils.py" in w)
    assert "deleted in" in gone
    assert "never_checked" not in warnings  # code blocks are not references
    page = html(app)
    assert "covered-by-package" in page  # api/ modules through the package prefix
    assert "missing" in page  # train.py is not in the plan
    assert "Phase A" in page  # section names of the covering references
    # the revision delta with API changes
    assert "field `n_filters_scale` added" in page or "n_filters_scale" in page
    assert "seed" in page and "epochs" in page
    # API changes render as code, never as raw backticks
    api_cells = re.findall(r"<td><p><span>(.*?)</span></p></td>", page)
    assert any('<code class="docutils literal notranslate">' in c for c in api_cells), api_cells
    assert not any("`" in c for c in api_cells), api_cells
    assert "base_api.py" in page and "added" in page
    assert "After the delta." in page


def test_plan_is_a_docs_page_sections_link_and_warnings_land_on_the_page(
    app: SphinxTestApp,
) -> None:
    src = Path(app.srcdir)
    _page(src, "# Index\n\n```{toctree}\nplan\n```\n")
    plan = src / "plan.md"
    plan.write_text(
        plan.read_text(encoding="utf-8")
        + "\n"
        + _delta_page("", base=None).replace("# Delta\n", "## Delta\n").replace(":plan: \n", ""),
        encoding="utf-8",
    )
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    assert found and all(re.search(r"plan\.md:\d+: WARNING", w) for w in found), found
    page = html(app, "plan")
    assert 'href="#phase-a-source-audit"' in page


def test_snapshot_base_and_corrupt_snapshot(app: SphinxTestApp, history: Replayed) -> None:
    from sphinx_ptyplan.core.sources.scan import scan_tree
    from sphinx_ptyplan.core.sources.snapshot import inventory_to_dict

    repo = history.repo
    snap = scan_tree(repo.path, "ptycho_torch")
    (repo.path / "snap.json").write_text(json.dumps(inventory_to_dict(snap)))
    repo.write("ptycho_torch/extra.py", "def extra():\n    pass\n")
    (repo.path / "bad.json").write_text("{not json")
    _page(
        history.srcdir,
        _delta_page("docs/plan.md", "snap.json") + _delta_page("docs/plan.md", "bad.json"),
    )
    warnings = _built(app)
    found = [w for w in ptyplan_warnings(warnings) if "bad.json" in w]
    assert len(found) == 1 and "[ptyplan.parse]" in found[0] and "index.md:" in found[0]
    assert "extra.py" in html(app)


@pytest.mark.parametrize(
    ("base", "subtype"),
    [("no-such-rev", "git"), ("--output=/tmp/x", "config"), ("main", "config")],
)
def test_bad_bases_warn_and_coverage_still_renders(
    app: SphinxTestApp, base: str, subtype: str
) -> None:
    page = _delta_page("docs/plan.md", base, head="HEAD")  # main == HEAD: nothing to compare
    _page(Path(app.srcdir), page)
    warnings = _built(app)
    at_directive = [w for w in ptyplan_warnings(warnings) if "index.md:3" in w]
    assert len(at_directive) == 1, warnings
    assert f"[ptyplan.{subtype}]" in at_directive[0]
    assert "Plan coverage" in html(app)


def test_missing_plan_is_a_config_warning_at_the_directive(app: SphinxTestApp) -> None:
    _page(Path(app.srcdir), _delta_page("docs/nope.md", None))
    warnings = _built(app)
    found = [w for w in ptyplan_warnings(warnings) if "index.md" in w]
    assert len(found) == 1 and "index.md:3" in found[0] and "nope.md" in found[0]
    assert "[ptyplan.config]" in found[0]
    page = html(app)
    assert "After the delta." in page
    assert "covered" not in page  # a plan that does not exist covers nothing: no table
