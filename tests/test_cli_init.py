"""`ptyplan init` on a generated repository with plain Markdown docs, and on the example:
the docs project it writes builds (with -W where the Markdown is the only problem)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sphinx_ptyplan.cli.run import main
from tests.gitutil import Repo, git_env

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Hand-written Markdown as found in real repositories: a heading level skipped, links to
#: code outside the docs, a fence in a language Pygments does not know, a missing image.
GUIDE = """\
## Starts at level two

#### and skips one

See [the model](../pkg/model.py) and [a heading](workflows/train.md#nowhere).

```slurm
#SBATCH --time=1:00:00
```

![diagram](missing.png)

The model is built in `pkg/model.py:1`.
"""


def _sphinx(docs: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = git_env()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-q",
            *extra,
            "-b",
            "html",
            str(docs),
            str(docs / "_build" / "html"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_init_writes_a_building_docs_project_and_refuses_to_overwrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Repo(tmp_path / "proj")
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/model.py", "def build():\n    return 1\n")
    repo.write("plans/refactor_plan.md", "# Plan\n\n- `pkg/model.py`: keep `build()`\n")
    repo.write("specs/api_spec.md", "# API\n\n`pkg.model.build()` builds the model.\n")
    repo.write("docs/index.md", "# Existing docs\n\nHello.\n")
    repo.write("docs/guide.md", GUIDE)
    repo.write("docs/workflows/train.md", "# Training\n\nRun it.\n")
    repo.commit("a repository with plain Markdown docs")
    monkeypatch.chdir(repo.path)
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    docs = repo.path / "docs"
    assert "build: sphinx-build -W --keep-going -b html docs docs/_build/html" in out
    assert "serve: ptyplan serve docs" in out
    assert "packages: pkg; plans: plans/refactor_plan.md; specs: specs/api_spec.md" in out
    # an existing index.md is kept: the landing page is ptyplan-index.md, the root_doc
    assert (docs / "index.md").read_text() == "# Existing docs\n\nHello.\n"
    conf = (docs / "conf.py").read_text()
    assert "root_doc = 'ptyplan-index'" in conf and "ptyplan_root = '..'" in conf
    plan = (docs / "ptyplan-plan.md").read_text()
    for directive in ("ptyplan-inventory} pkg", "ptyplan-delta}", "ptyplan-spec-hits}"):
        assert directive in plan, plan
    # it builds with -W: the Markdown's own problems are silenced, nothing else is wrong
    proc = _sphinx(docs, "-W", "--keep-going")
    assert proc.returncode == 0, proc.stderr
    html = docs / "_build" / "html"
    landing = (html / "ptyplan-index.html").read_text()
    for page in ("index.html", "guide.html", "workflows/train.html", "ptyplan-plan.html"):
        assert f'href="{page}"' in landing, page
    plan_html = (html / "ptyplan-plan.html").read_text()
    assert "Module inventory of pkg/" in plan_html and "Spec hits of specs/api_spec.md" in plan_html
    assert "Plan coverage of pkg/" in plan_html
    # ... and a broken citation in the Markdown still fails -W (the gate is on ptyplan.*)
    (docs / "guide.md").write_text(GUIDE.replace("pkg/model.py:1", "pkg/gone.py:1"))
    proc = _sphinx(docs, "-W", "--keep-going")
    assert proc.returncode != 0 and "[ptyplan.missing]" in proc.stderr, proc.stderr
    # a second init refuses and writes nothing
    before = {p: p.read_bytes() for p in docs.rglob("*") if p.is_file() and "_build" not in p.parts}
    assert main(["init"]) == 2
    assert "already a Sphinx project; nothing written" in capsys.readouterr().err
    after = {p: p.read_bytes() for p in docs.rglob("*") if p.is_file() and "_build" not in p.parts}
    assert before == after
    # another folder with a page of the same name: refused too, nothing written
    repo.write("site/ptyplan-plan.md", "# mine\n")
    assert main(["init", "--docs", "site"]) == 2
    assert "refusing to overwrite site/ptyplan-plan.md" in capsys.readouterr().err
    assert not (repo.path / "site" / "conf.py").exists()
    assert main(["init", "--docs", "../outside"]) == 2


def test_init_on_the_example_builds_its_plan_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sys.path.insert(0, str(REPO_ROOT / "docs"))
    try:
        from example_repo import build_example_repo
    finally:
        sys.path.remove(str(REPO_ROOT / "docs"))
    example = build_example_repo(tmp_path / "example")
    monkeypatch.chdir(example)
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    assert "packages: ptycho_torch, ptycho" in out
    assert "specs/ptychodus_api_spec.md" in out and "ptychodus_pytorch_integration_plan" in out
    docs = example / "docs"
    proc = _sphinx(docs, "--keep-going")
    assert proc.returncode == 0, proc.stderr
    # the example's findings are real: they are warnings, and marked on the pages
    assert "[ptyplan.stale]" in proc.stderr and "[ptyplan.drift]" in proc.stderr
    other = [
        line for line in proc.stderr.splitlines() if "WARNING" in line and "[ptyplan." not in line
    ]
    assert other == [], other
    page = (docs / "_build" / "html" / "ptyplan-plan.html").read_text()
    assert "Module inventory of ptycho_torch/" in page and "Plan coverage of ptycho/" in page
    fix_plan = (docs / "_build" / "html" / "fix_plan.html").read_text()
    assert 'class="ptyplan-badge' in fix_plan


def test_init_puts_the_largest_package_first_and_shows_each_plan_against_the_package_it_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found on PtychoPINN: packages were taken alphabetically and every plan's coverage was
    # shown against the first, a 6-line legacy namespace none of the plans names (0 % of 1).
    repo = Repo(tmp_path / "proj")
    repo.write("aaa_legacy/__init__.py", "")
    repo.write("core/__init__.py", "")
    for name in ("model", "train", "data"):
        repo.write(f"core/{name}.py", "x = 1\n")
    repo.write("core_torch/__init__.py", "")
    repo.write("core_torch/model.py", "x = 1\n")
    repo.write("core_torch/loader.py", "x = 1\n")
    # names core_torch/ four times, core/ never (core_torch/ must not count as core/)
    repo.write(
        "plans/port_plan.md",
        "# Port\n\n- `core_torch/model.py`\n- `core_torch/loader.py`\n"
        "- `core_torch.model.Net`\n- see core_torch/model.py\n",
    )
    repo.write("plans/legacy_plan.md", "# Legacy\n\nRetire `aaa_legacy.shim` and aaa_legacy/x.\n")
    repo.write("plans/vague_plan.md", "# Someday\n\nNo module named here.\n")
    repo.commit("three packages, three plans")
    monkeypatch.chdir(repo.path)
    assert main(["init"]) == 0
    assert "packages: core, core_torch, aaa_legacy;" in capsys.readouterr().out
    plan = (repo.path / "docs" / "ptyplan-plan.md").read_text()
    assert "## Coverage of `core_torch/` by `plans/port_plan.md`" in plan, plan
    assert "## Coverage of `aaa_legacy/` by `plans/legacy_plan.md`" in plan, plan
    # a plan naming none of them is shown against the largest package
    assert "## Coverage of `core/` by `plans/vague_plan.md`" in plan, plan
