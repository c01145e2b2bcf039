"""A page's ``ptyplan-suppress`` (MyST front matter, reST top field list) means the same to
the docs build and to ``ptyplan check``: the listed subtypes are dropped for the findings
located on that page, and only there."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sphinx_ptyplan.cli.run import main
from tests.sphinx.util import build, make_project, ptyplan_warnings

PAGES = {
    "quiet.md": "---\nptyplan-suppress: stale\n---\n# Quiet\n\n"
    "Gone: `code/pkg/gone.py`. Two of them: `mod.py:1`.\n",
    "quiet_rst.rst": ":ptyplan-suppress: stale, ptyplan.ambiguous\n\nQuiet rst\n=========\n\n"
    "Gone: ``code/pkg/gone.py``. Two of them: ``mod.py:1``.\n",
    "loud.md": "# Loud\n\nGone: `code/pkg/gone.py`. Two of them: `mod.py:1`.\n",
}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    src = make_project(
        tmp_path / "src",
        {"index.md": "# Home\n\n```{toctree}\nquiet\nquiet_rst\nloud\n```\n", **PAGES},
        'ptyplan_root = "."\nptyplan_drift = False\n',
    )
    for rel in ("code/pkg/__init__.py", "code/a/mod.py", "code/b/mod.py"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text("X = 1\n", encoding="utf-8")
    return src


def test_build_and_check_drop_the_same_findings(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _app, warnings = build(project, "html")
    built = set()
    for line in ptyplan_warnings(warnings):
        m = re.search(r"(\w+)\.(?:md|rst):\d+: WARNING: .*\[ptyplan\.(\w+)\]", line)
        assert m is not None, line
        built.add((m.group(1), m.group(2)))
    out = project / "check.json"
    code = main(["--root", str(project), "check", "--format", "json", "-o", str(out),
                 *PAGES])  # fmt: skip
    capsys.readouterr()
    assert code == 1
    checked = {
        (Path(f["path"]).stem, f["kind"])
        for f in json.loads(out.read_text(encoding="utf-8"))["findings"]
    }
    assert built == checked == {
        ("quiet", "ambiguous"),  # only stale is silenced on this page
        ("loud", "stale"),
        ("loud", "ambiguous"),
    }
