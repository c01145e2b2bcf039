"""Ledger entries (Phase C1): the Attempts History section found by heading, its shape reused."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sphinx_ptyplan.core.outputs.ledger import (
    LedgerEntry,
    LedgerError,
    plan_entry,
    write_ledger,
)

FOLDER = "plans/active/INIT-1/reports/2025-10-17T030000Z"
ENTRY = LedgerEntry(
    stamp="2025-10-17T030000Z",
    initiative="INIT-1",
    folder=FOLDER,
    artefacts=(f"{FOLDER}/summary.md", f"{FOLDER}/plan_redline.md"),
    counts=(("modules", 14), ("stale refs", 2)),
    note="Phase B redline drafted",
)

LIST_LEDGER = """\
# Fix Plan Ledger

## [INIT-1] Rebaseline
- Status: in_progress

### Attempts History
- [2025-09-20] Attempt #1 — Package rename landed.
  Inventory in `plans/x.md`.
- [2025-09-21] Attempt #2 — Config bridge spike.

### Next Actions
1. Wait.
"""

TABLE_LEDGER = """\
# Ledger

## Attempts History

| Date | Initiative | Artifacts | Results | Notes |
| --- | --- | --- | --- | --- |
| 2025-09-20 | INIT-1 | `plans/x.md` | - | first |

## Next
Nothing.
"""

HEADINGS_LEDGER = """\
# Ledger

## Attempts History

### 2026-01-22T02:40Z — seed S1

**Action:** did things.

### 2026-01-23T09:35Z — seed S2

**Action:** more things.
"""

RST_LEDGER = """\
Ledger
======

Attempts History
----------------

- [2025-09-20] Attempt #1 --- rename.

Next Actions
------------

1. Wait.
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def test_list_ledger_gets_one_numbered_item_after_the_last(tmp_path: Path) -> None:
    path = _write(tmp_path, "docs/fix_plan.md", LIST_LEDGER)
    update = plan_entry(tmp_path, "docs/fix_plan.md", ENTRY)
    assert update.shape == "list" and not update.already
    write_ledger(tmp_path, update)
    lines = path.read_text(encoding="utf-8").splitlines()
    at = lines.index("- [2025-10-17T030000Z] Attempt #3 — INIT-1: Phase B redline drafted.")
    assert lines[at - 1] == "- [2025-09-21] Attempt #2 — Config bridge spike."
    assert lines[at + 1] == f"  Artifacts: `{FOLDER}/summary.md`,"
    assert lines[at + 2] == f"  `{FOLDER}/plan_redline.md`."
    assert lines[at + 3] == "  Counts: modules 14; stale refs 2."
    assert lines[at + 4] == "" and lines[at + 5] == "### Next Actions"
    # everything else is untouched
    rest = lines[:at] + lines[at + 4 :]
    assert "\n".join(rest) + "\n" == LIST_LEDGER


def test_table_ledger_gets_one_row_in_its_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "ledger.md", TABLE_LEDGER)
    write_ledger(tmp_path, plan_entry(tmp_path, "ledger.md", ENTRY))
    lines = path.read_text(encoding="utf-8").splitlines()
    row = lines[lines.index("| 2025-09-20 | INIT-1 | `plans/x.md` | - | first |") + 1]
    assert row == (
        f"| 2025-10-17T030000Z | INIT-1 | `{FOLDER}/summary.md`, `{FOLDER}/plan_redline.md` "
        "| modules 14; stale refs 2 | Phase B redline drafted |"
    )
    assert lines[lines.index(row) + 1] == ""


def test_table_without_an_artefacts_column_still_carries_the_paths(tmp_path: Path) -> None:
    text = "# L\n\n## Attempts history\n\n| When | What |\n| --- | --- |\n| d | x |\n"
    path = _write(tmp_path, "l.md", text)
    write_ledger(tmp_path, plan_entry(tmp_path, "l.md", ENTRY))
    last = path.read_text(encoding="utf-8").splitlines()[-1]
    assert last.startswith("| 2025-10-17T030000Z | Phase B redline drafted; `")
    assert f"`{FOLDER}/plan_redline.md`" in last and last.count("|") == 3


def test_heading_ledger_gets_one_more_heading(tmp_path: Path) -> None:
    path = _write(tmp_path, "l.md", HEADINGS_LEDGER)
    update = plan_entry(tmp_path, "l.md", ENTRY)
    assert update.shape == "headings"
    write_ledger(tmp_path, update)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(HEADINGS_LEDGER)
    assert "\n### 2025-10-17T030000Z — INIT-1: Phase B redline drafted\n" in text


def test_rest_ledger(tmp_path: Path) -> None:
    from docutils.core import publish_doctree

    path = _write(tmp_path, "l.rst", RST_LEDGER)
    write_ledger(tmp_path, plan_entry(tmp_path, "l.rst", ENTRY))
    text = path.read_text(encoding="utf-8")
    assert f"  Artifacts: ``{FOLDER}/summary.md``,\n  ``{FOLDER}/plan_redline.md``." in text
    assert "- [2025-10-17T030000Z] Attempt #2 — INIT-1: Phase B redline drafted." in text
    publish_doctree(text, settings_overrides={"halt_level": 2, "report_level": 5})


def test_same_report_folder_is_never_recorded_twice(tmp_path: Path) -> None:
    path = _write(tmp_path, "l.md", LIST_LEDGER)
    write_ledger(tmp_path, plan_entry(tmp_path, "l.md", ENTRY))
    once = path.read_bytes()
    again = plan_entry(tmp_path, "l.md", ENTRY)
    assert again.already and not again.changed
    write_ledger(tmp_path, again)
    assert path.read_bytes() == once


def test_crlf_and_permissions_are_kept(tmp_path: Path) -> None:
    path = _write(tmp_path, "l.md", LIST_LEDGER.replace("\n", "\r\n"))
    os.chmod(path, 0o640)
    write_ledger(tmp_path, plan_entry(tmp_path, "l.md", ENTRY))
    data = path.read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".l.md.")]


def test_ledger_without_the_section_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "l.md", "# Ledger\n\n## Attempts\n- x\n\n```\n## Attempts History\n```\n")
    with pytest.raises(LedgerError, match="no 'Attempts History' section .*heading"):
        plan_entry(tmp_path, "l.md", ENTRY)


def test_several_sections_pick_the_initiative(tmp_path: Path) -> None:
    text = (
        "# L\n\n## [OTHER-2] x\n\n### Attempts History\n- [d] Attempt #7 — o.\n\n"
        "## [INIT-1] y\n\n### Attempts History\n- [d] Attempt #1 — i.\n"
    )
    path = _write(tmp_path, "l.md", text)
    write_ledger(tmp_path, plan_entry(tmp_path, "l.md", ENTRY))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[-4].startswith("- [2025-10-17T030000Z] Attempt #2 — INIT-1")
    ambiguous = text.replace("[INIT-1]", "[THIRD-3]")
    _write(tmp_path, "m.md", ambiguous)
    with pytest.raises(LedgerError, match="cannot tell which one"):
        plan_entry(tmp_path, "m.md", ENTRY)


def test_empty_section_starts_a_list(tmp_path: Path) -> None:
    path = _write(tmp_path, "l.md", "# L\n\n## Attempts History\n\n## Next\nx\n")
    write_ledger(tmp_path, plan_entry(tmp_path, "l.md", ENTRY))
    text = path.read_text(encoding="utf-8")
    assert "## Attempts History\n\n- [2025-10-17T030000Z] Attempt #1 — INIT-1:" in text
    assert text.endswith("plan_redline.md`.\n  Counts: modules 14; stale refs 2.\n\n## Next\nx\n")


def test_outside_root_and_missing_ledgers_are_errors(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="cannot read"):
        plan_entry(tmp_path, "nope.md", ENTRY)
    with pytest.raises(LedgerError):
        plan_entry(tmp_path, "../x.md", ENTRY)
