"""``ptyplan report --redline --ledger`` on the shipped example (Phases B1 and C1, issue 19)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.test_cli import run
from tests.test_cli_report import INITIATIVE, PLAN, REPORT_ARGS, REPORTS, built, example

__all__ = ["built", "example"]  # fixtures shared with test_cli_report

STAMP = "2025-10-18T093000Z"
FOLDER = f"{REPORTS}/{STAMP}"
LEDGER = "docs/fix_plan.md"


def _report(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    return run(capsys, *REPORT_ARGS, "--timestamp", STAMP, *extra)


def _entry_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(f"- [{STAMP}]"))
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    return lines[start:end]


def test_one_command_writes_the_redline_and_a_ledger_entry_that_checks_clean(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The "Done when" of issue 19."""
    plan_before = (example / PLAN).read_bytes()
    ledger_before = (example / LEDGER).read_text(encoding="utf-8")
    code, out, err = _report(
        capsys, "--redline", "--ledger", LEDGER, "--note", "Phase A audit, Phase B1 redline"
    )
    assert (code, err) == (0, "")
    assert out.splitlines()[0].endswith(FOLDER)
    assert "docs/fix_plan.md: entry appended to 'Attempts History' (list, lines 35-" in out
    folder = example / FOLDER
    assert (example / PLAN).read_bytes() == plan_before  # the plan itself is never edited

    # the redline: header, renames, the deletion with its commit, proposals, API notes
    redline = (folder / "plan_redline.md").read_text(encoding="utf-8")
    lines = redline.splitlines()
    assert (
        "drafted against the working tree of `ptycho_torch/` at `8ac7eb81a628` (HEAD)" in lines[0]
    )
    assert "`rebase-base = 2b428f0c6e89`" in lines[0] and "--redline" in lines[0]
    assert (
        "| 2A | Accept bridged configs | [ ] | The forward pass in "
        "~~`ptychopinn_torch/model.py:39`~~ `ptycho_torch/model.py:39` expects `DataConfig.C` "
        "channels. |"
    ) in lines
    assert any(
        "~~`ptychopinn_torch/train_utils.py`~~ *(deleted in 8ac7eb8 (2025-10-17)" in ln
        for ln in lines
    )
    for pkg in ("api", "datagen", "generators"):
        assert f"### Proposed: `ptycho_torch/{pkg}/`" in lines
    assert (
        "> - `ptycho_torch/api/base_api.py` — `load_config()`, `BaseAPI` (new since "
        "rebase-base)" in lines
    )
    phase0, phase1 = (
        lines.index("### Phase 0 — Package Rename"),
        lines.index("### Phase 1 — Configuration Bridge"),
    )
    reassembly = [i for i, ln in enumerate(lines) if "ptycho_torch/reassembly_" in ln]
    assert len(reassembly) == 2 and all(phase0 < i < phase1 for i in reassembly)
    assert any(
        ln.startswith("> - `main`: ") and "parameter `output_dir` added" in ln for ln in lines
    )
    assert any(ln.startswith("> - `DataConfig`: ") and "scan_pattern" in ln for ln in lines)
    # every line outside the header, the marks and the proposals is the plan's own
    plan_lines = plan_before.decode("utf-8").splitlines()
    changed = [ln for ln in plan_lines if ln not in lines]
    assert len(changed) == 10 and all("ptychopinn_torch" in ln for ln in changed)
    assert sum("~~`ptychopinn_torch" in ln for ln in lines) == 10  # one per stale reference

    # the ledger entry: shape of the list, every artefact root-relative, counts
    text = (example / LEDGER).read_text(encoding="utf-8")
    entry = _entry_lines(text)
    assert entry[0] == (f"- [{STAMP}] Attempt #6 — {INITIATIVE}: Phase A audit, Phase B1 redline.")
    paths = re.findall(r"`([^`]+)`", "\n".join(entry))
    assert sorted(paths) == sorted(f"{FOLDER}/{p.name}" for p in folder.iterdir())
    assert "plan_redline.md" in " ".join(paths)
    assert entry[-1] == (
        "  Counts: modules 14; new 10; not in plan 9; stale refs 10; changed, unplanned 11; "
        "spec problems 3; findings 13."
    )
    assert text.replace("\n".join(entry) + "\n", "") == ledger_before

    # the literal checks verify the entry's paths: nothing reported on its lines
    first = text.splitlines().index(entry[0]) + 1
    code, out, err = run(capsys, "--format", "json", "check", LEDGER)
    findings = json.loads(out)["findings"]
    assert findings, "the ledger's deliberate findings are still there"
    assert all(f["line"] < first for f in findings), findings
    assert {f["line"] for f in findings} == {14, 17, 21, 23, 25}


def test_the_same_report_is_never_entered_twice(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _report(capsys, "--ledger", LEDGER)[0] == 0
    once = (example / LEDGER).read_bytes()
    code, _out, err = _report(capsys, "--ledger", LEDGER)
    assert code == 2 and "already exists" in err
    assert (example / LEDGER).read_bytes() == once
    assert once.decode("utf-8").count(f"{FOLDER}/summary.md") == 1


def test_ledger_without_attempts_history_is_refused_before_anything_is_written(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (example / "docs/other.md").write_text("# Ledger\n\n## Attempts\n- x\n", encoding="utf-8")
    code, out, err = _report(capsys, "--redline", "--ledger", "docs/other.md")
    assert code == 2 and out == ""
    assert "no 'Attempts History' section" in err and "looked for a heading" in err
    assert not (example / FOLDER).exists()
    code, _o, err = _report(capsys, "--ledger", "docs/missing.md")
    assert code == 2 and "docs/missing.md" in err and not (example / FOLDER).exists()


def test_note_needs_a_ledger_and_the_ledger_a_folder_inside_the_root(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _o, err = _report(capsys, "--note", "x")
    assert code == 2 and "--note needs --ledger" in err
    outside = tmp_path / "outside"
    code, _o, err = _report(capsys, "--ledger", LEDGER, "--out", str(outside))
    assert code == 2 and "inside the root" in err and not outside.exists()


def test_json_names_the_redline_and_the_ledger_entry(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "--format",
        "json",
        *REPORT_ARGS,
        "--timestamp",
        STAMP,
        "--redline",
        "--ledger",
        LEDGER,
    )
    assert (code, err) == (0, "")
    meta = json.loads(out)["meta"]
    assert "plan_redline.md" in meta["files"]
    assert meta["ledger"]["appended"] is True and meta["ledger"]["shape"] == "list"
    assert meta["ledger"]["path"] == LEDGER


def test_table_ledger_gets_a_row(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (example / "docs/table.md").write_text(
        "# Ledger\n\n## Attempts History\n\n| Date | Artifacts | Counts |\n| --- | --- | --- |\n"
        "| 2025-09-20 | `docs/fix_plan.md` | - |\n",
        encoding="utf-8",
    )
    assert _report(capsys, "--ledger", "docs/table.md")[0] == 0
    row = (example / "docs/table.md").read_text(encoding="utf-8").splitlines()[-1]
    assert row.startswith(f"| {STAMP} | `{FOLDER}/summary.md`, ") and row.count(" | ") == 2
    assert "modules 14; new 10;" in row
    code, out, _e = run(capsys, "--format", "json", "check", "docs/table.md")
    assert code == 0 and json.loads(out)["findings"] == []
