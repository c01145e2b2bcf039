"""Literals that only the doctree holds (issue 14): another extension makes them, so the
page source does not have them and ``ptyplan check`` cannot see them. The docs build checks
them, at the node's line, and never reports twice a literal the source also has."""

from __future__ import annotations

import json
from pathlib import Path

from sphinx_ptyplan.cli import main as cli_main
from tests.gitutil import Repo
from tests.sphinx.util import build, ptyplan_warnings

GEN_EXT = '''
from docutils import nodes
from docutils.parsers.rst import Directive


class Gen(Directive):
    """Made-up extension: a paragraph of literals that the page source does not hold."""

    def run(self):
        para = nodes.paragraph()
        para.source, para.line = self.state_machine.get_source_and_line(self.lineno)
        for text in ("pkg/b.py:99", "pkg/a.py:50", "pkg/b.py:2"):
            para += nodes.literal(text, text)
            para += nodes.Text(" ")
        return [para]


def setup(app):
    app.add_directive("gen", Gen)
    return {"parallel_read_safe": True}
'''


def test_doctree_only_literals_are_checked_once(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/a.py", "".join(f"A{i} = {i}\n" for i in range(10)))
    repo.write("pkg/b.py", "B = 1\nC = 2\nD = 3\n")
    repo.write("docs/gen_ext.py", GEN_EXT)
    repo.write(
        "docs/conf.py",
        "import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\n"
        'extensions = ["myst_parser", "sphinx_ptyplan", "gen_ext"]\nptyplan_root = ".."\n',
    )
    repo.write("docs/index.md", "# Page\n\nCited `pkg/a.py:50` here.\n\n```{gen}\n```\n")
    repo.commit("docs")
    _app, warnings = build(repo.path / "docs", "html", outdir=tmp_path / "out")
    found = sorted(ptyplan_warnings(warnings))
    assert len(found) == 2, found
    source_one = [w for w in found if "`pkg/a.py:50`" in w]
    generated = [w for w in found if "`pkg/b.py:99`" in w]
    assert len(source_one) == 1 and "index.md:3:" in source_one[0]  # once, at its own line
    assert len(generated) == 1 and "index.md:5:" in generated[0]  # at the directive
    assert "[ptyplan.stale]" in generated[0]

    out = tmp_path / "check.json"
    assert cli_main(["check", "--root", str(repo.path), "--format", "json", "-o", str(out),
                     "docs/index.md"]) == 1  # fmt: skip
    subjects = [f["subject"] for f in json.loads(out.read_text(encoding="utf-8"))["findings"]]
    assert subjects == ["pkg/a.py:50"]  # check reads the source only
