"""ptyplan-delta in real builds over a scripted git history (Markdown and reST plans)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.gitutil import Repo
from tests.sphinx.util import build, html, make_project, ptyplan_warnings

pytestmark = pytest.mark.sphinx

CONFIG_V1 = (
    "from dataclasses import dataclass\n\n\n@dataclass\nclass ModelConfig:\n"
    "    N: int = 64\n    gridsize: int = 2\n"
)
CONFIG_V2 = CONFIG_V1 + "    n_filters_scale: int = 2\n"

PLAN_MD = """# Integration plan

## Phase A — Source audit

- Model: `ptychopinn_torch/model.py:3` and `ptycho_torch.config_params.ModelConfig`.
- The old loader `ptycho_torch/train_utils.py` is reused.

## Phase B — API

Everything under `ptycho_torch/api/` is new.

```bash
cat ptycho_torch/never_checked.py
```
"""

PLAN_RST = """Integration plan
================

Phase A — Source audit
----------------------

- Model: ``ptychopinn_torch/model.py:3`` and ``ptycho_torch.config_params.ModelConfig``.
- The old loader ``ptycho_torch/train_utils.py`` is reused.

Phase B — API
-------------

Everything under ``ptycho_torch/api/`` is new.

.. code-block:: bash

   cat ptycho_torch/never_checked.py
"""


def _history(tmp_path: Path, plan_name: str, plan_text: str) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.write("ptychopinn_torch/__init__.py", "")
    repo.write("ptychopinn_torch/model.py", "import torch\n\n\ndef forward(x):\n    return x\n")
    repo.write("ptychopinn_torch/config_params.py", CONFIG_V1)
    repo.write("ptychopinn_torch/train_utils.py", "def helper():\n    pass\n")
    repo.write("ptychopinn_torch/train.py", "def main(config, epochs=10):\n    pass\n")
    repo.write(f"docs/{plan_name}", plan_text)
    repo.commit("legacy tree and plan")
    repo.move("ptychopinn_torch", "ptycho_torch")
    repo.commit("rename the package")
    repo.git("tag", "base")
    repo.remove("ptycho_torch/train_utils.py")
    repo.commit("drop train_utils")
    repo.write("ptycho_torch/config_params.py", CONFIG_V2)
    repo.write("ptycho_torch/train.py", "def main(config, epochs=20, seed=0):\n    pass\n")
    repo.write("ptycho_torch/api/__init__.py", "")
    repo.write("ptycho_torch/api/base_api.py", "class BaseAPI:\n    pass\n")
    repo.commit("rebased: api, config field, train signature")
    return repo


def _delta_page(plan: str, base: str | None = "base", head: str | None = None) -> str:
    opts = f":tree: ptycho_torch\n:plan: {plan}\n" + (f":base: {base}\n" if base else "")
    opts += f":head: {head}\n" if head else ""
    return f"# Delta\n\n```{{ptyplan-delta}}\n{opts}```\n\nAfter the delta.\n"


@pytest.mark.parametrize(("plan_name", "plan_text"), [("plan.md", PLAN_MD), ("plan.rst", PLAN_RST)])
def test_coverage_stale_story_and_api_delta(tmp_path: Path, plan_name: str, plan_text: str) -> None:
    repo = _history(tmp_path, plan_name, plan_text)
    src = make_project(repo.path / "docs", {"index.md": _delta_page(f"docs/{plan_name}")})
    app, warnings = build(src, "html")
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


def test_plan_is_a_docs_page_sections_link_and_warnings_land_on_the_page(tmp_path: Path) -> None:
    repo = _history(tmp_path, "plan.md", PLAN_MD)
    src = repo.path / "docs"
    make_project(src, {"index.md": "# Index\n\n```{toctree}\nplan\n```\n"})
    (src / "plan.md").write_text(
        PLAN_MD
        + "\n"
        + _delta_page("", base=None).replace("# Delta\n", "## Delta\n").replace(":plan: \n", ""),
        encoding="utf-8",
    )
    app, warnings = build(src, "html")
    found = ptyplan_warnings(warnings)
    assert found and all(re.search(r"plan\.md:\d+: WARNING", w) for w in found), found
    page = html(app, "plan")
    assert 'href="#phase-a-source-audit"' in page


def test_snapshot_base_and_corrupt_snapshot(tmp_path: Path) -> None:
    from sphinx_ptyplan.core.sources.scan import scan_tree
    from sphinx_ptyplan.core.sources.snapshot import inventory_to_dict

    repo = _history(tmp_path, "plan.md", PLAN_MD)
    snap = scan_tree(repo.path, "ptycho_torch")
    (repo.path / "snap.json").write_text(json.dumps(inventory_to_dict(snap)))
    repo.write("ptycho_torch/extra.py", "def extra():\n    pass\n")
    (repo.path / "bad.json").write_text("{not json")
    page = _delta_page("docs/plan.md", "snap.json") + _delta_page("docs/plan.md", "bad.json")
    src = make_project(repo.path / "docs", {"index.md": page})
    app, warnings = build(src, "html")
    found = [w for w in ptyplan_warnings(warnings) if "bad.json" in w]
    assert len(found) == 1 and "[ptyplan.parse]" in found[0] and "index.md:" in found[0]
    assert "extra.py" in html(app)


@pytest.mark.parametrize(
    ("base", "subtype"),
    [("no-such-rev", "git"), ("--output=/tmp/x", "config"), ("main", "config")],
)
def test_bad_bases_warn_and_coverage_still_renders(tmp_path: Path, base: str, subtype: str) -> None:
    repo = _history(tmp_path, "plan.md", PLAN_MD)
    page = _delta_page("docs/plan.md", base, head="HEAD")  # main == HEAD: nothing to compare
    src = make_project(repo.path / "docs", {"index.md": page})
    app, warnings = build(src, "html")
    at_directive = [w for w in ptyplan_warnings(warnings) if "index.md:3" in w]
    assert len(at_directive) == 1, warnings
    assert f"[ptyplan.{subtype}]" in at_directive[0]
    assert "Plan coverage" in html(app)


def test_missing_plan_is_a_config_warning_at_the_directive(tmp_path: Path) -> None:
    repo = _history(tmp_path, "plan.md", PLAN_MD)
    src = make_project(repo.path / "docs", {"index.md": _delta_page("docs/nope.md", None)})
    app, warnings = build(src, "html")
    found = [w for w in ptyplan_warnings(warnings) if "index.md" in w]
    assert len(found) == 1 and "index.md:3" in found[0] and "nope.md" in found[0]
    assert "[ptyplan.config]" in found[0]
    page = html(app)
    assert "After the delta." in page
    assert "covered" not in page  # a plan that does not exist covers nothing: no table
