"""CI conventions: `check -o FILE` writes the findings, `--help` names every command, and
the shipped pre-commit hook runs `ptyplan check` on documents when docs or code change."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sphinx_ptyplan.cli.context import COMMANDS
from sphinx_ptyplan.cli.run import main
from tests.gitutil import Repo, git_env

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS = REPO_ROOT / "docs"


@pytest.fixture()
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    sys.path.insert(0, str(DOCS))
    try:
        from example_repo import build_example_repo
    finally:
        sys.path.remove(str(DOCS))
    repo = build_example_repo(tmp_path / "example")
    monkeypatch.chdir(repo)
    return repo


@pytest.mark.parametrize("fmt", ["markdown", "json", "sarif", "github"])
def test_check_output_file_holds_the_findings_in_the_chosen_format(
    example: Path, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"findings.{fmt}"
    assert main(["--format", fmt, "-o", str(out), "check", "docs/fix_plan.md"]) == 1
    capsys.readouterr()
    text = out.read_text(encoding="utf-8")
    if fmt == "markdown":
        lines = [line for line in text.splitlines() if line.startswith("- ")]
        assert text.startswith(f"{len(lines)} findings:\n\n"), text
        assert any("docs/fix_plan.md:14: ptyplan.drift" in line for line in lines), text
        assert sum("ptyplan.stale" in line for line in lines) == 1, text
        assert sum("ptyplan.missing" in line for line in lines) == 1, text  # a planned report
    elif fmt == "json":
        findings = json.loads(text)["findings"]
        assert {f["kind"] for f in findings} >= {"drift", "stale", "ambiguous"}
    elif fmt == "sarif":
        results = json.loads(text)["runs"][0]["results"]
        assert {r["ruleId"] for r in results} >= {"ptyplan.drift", "ptyplan.stale"}, results
    else:
        assert text.count("::warning ") >= 5 and "title=ptyplan.drift" in text
    # a clean document: the file says so (and is not left empty)
    (example / "clean.md").write_text("See `ptycho_torch/model.py:1`.\n", encoding="utf-8")
    assert main(["--format", fmt, "-o", str(out), "check", "clean.md"]) == 0
    clean = out.read_text(encoding="utf-8")
    assert bool(clean.strip()) is (fmt != "github"), fmt  # annotations: none to write
    if fmt == "markdown":
        assert clean == "No findings.\n"


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    listed = set(re.findall(r"^    (\S+)\s", out, re.M))
    assert listed >= {*COMMANDS, "serve"}, out
    # and `serve` still reaches its own parser
    assert main(["serve", "--help"]) == 0
    assert "SOURCEDIR" in capsys.readouterr().out


def _hook() -> dict[str, object]:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "ptyplan-check"]
    return dict(hook)


def test_precommit_hook_runs_on_documents_and_code() -> None:
    hook = _hook()
    files = re.compile(str(hook["files"]))
    for changed in ("docs/plan.md", "specs/api.rst", "pkg/model.py", "pkg/stubs.pyi"):
        assert files.search(changed), changed
    for other in ("data/run.npz", "pkg/model.pyc", "README"):
        assert not files.search(other), other
    assert hook["pass_filenames"] is False  # the documents are checked, whatever changed
    assert hook["language"] == "python" and hook["entry"] == "ptyplan check"


def test_precommit_hook_command_fails_a_commit_that_makes_a_plan_stale(tmp_path: Path) -> None:
    """Run the hook's command as pre-commit would (entry + args, in the work tree)."""
    hook = _hook()
    repo = Repo(tmp_path / "proj")
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/model.py", "def build():\n    return 1\n")
    repo.write("docs/plan.md", "# Plan\n\nThe model is built in `pkg/model.py:1`.\n")
    repo.commit("plan and code")
    env = git_env()
    env["PYTHONPATH"] = str(REPO_ROOT)
    entry = str(hook["entry"]).split()
    command = [sys.executable, "-m", "sphinx_ptyplan", *entry[1:], *hook["args"]]  # type: ignore[misc]

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=repo.path, env=env, capture_output=True, text=True, check=False
        )

    assert run().returncode == 0
    # a code-only change (the module renamed) makes the plan stale: the hook fails
    repo.move("pkg/model.py", "pkg/builder.py")
    repo.git("add", "-A")
    proc = run()
    assert proc.returncode == 1, proc.stderr
    assert "docs/plan.md:3: ptyplan.stale" in proc.stderr
