"""`ptyplan check` and `ptyplan fix` on the shipped example (a real git history)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sphinx_ptyplan.cli.run import main

DOCS = Path(__file__).resolve().parents[1] / "docs"


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


def test_check_reports_the_ledger_findings_and_exits_1(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "docs/fix_plan.md"]) == 1
    err = capsys.readouterr().err
    assert "docs/fix_plan.md:14: ptyplan.drift" in err and "moved: now" in err
    assert "docs/fix_plan.md:17: ptyplan.drift" in err and "changed since" in err
    assert "docs/fix_plan.md:21: ptyplan.ambiguous" in err
    assert err.count("ptyplan.stale") == 1
    # a report folder that was never committed: never in the history, not gone
    assert err.count("ptyplan.missing") == 1 and "never did" in err


def test_check_of_a_clean_document_exits_0(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (example / "clean.md").write_text("See `ptycho_torch/model.py:1` and `ptycho/params.py`.\n")
    assert main(["check", "clean.md"]) == 0


def test_fix_rewrites_only_moved_citations_and_round_trips(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = example / "docs" / "fix_plan.md"
    before = ledger.read_bytes()
    assert main(["fix", "--check", "docs/fix_plan.md"]) == 1
    out = capsys.readouterr().out
    assert "-  the port's `ModelConfig` block is `ptycho_torch/config_params.py:20-30`" in out
    assert ledger.read_bytes() == before  # --check changes nothing
    assert main(["fix", "docs/fix_plan.md"]) == 0
    after = ledger.read_bytes()
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert changed == [(
        b"  the port's `ModelConfig` block is `ptycho_torch/config_params.py:20-30` and "
        b"differs from the",
        b"  the port's `ModelConfig` block is `ptycho_torch/config_params.py:24-34` and "
        b"differs from the",
    )]
    capsys.readouterr()
    assert main(["fix", "--check", "docs/fix_plan.md"]) == 0  # twice: nothing left
    assert main(["fix", "docs/fix_plan.md"]) == 0
    assert ledger.read_bytes() == after


def test_check_and_fix_usage_errors(example: Path) -> None:
    assert main(["check", "../outside.md"]) == 2
    assert main(["fix", "nope.md"]) == 2
    assert main(["check"]) == 2


@pytest.mark.parametrize("drift", ["true", "false"])
def test_check_knows_former_folders_with_or_without_drift(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], drift: str
) -> None:
    """Same rules as the docs build: stories and former top-level folders come from git
    whenever there is git; `drift = false` only turns off the line-drift check."""
    (example / "old.md").write_text("# Old\n\nSee `ptychopinn_torch/model.py`.\n")
    config = tmp_path / "ptyplan.toml"
    config.write_text(f"[tool.ptyplan]\ndrift = {drift}\n")
    assert main(["--config", str(config), "check", "old.md"]) == 1
    err = capsys.readouterr().err
    assert "old.md:3: ptyplan.stale" in err and "renamed to ptycho_torch/model.py" in err
