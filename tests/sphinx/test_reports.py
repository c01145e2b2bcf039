"""ptyplan-reports: the ledger of report folders in real builds (text, html, latex),
incremental rebuilds, bad options, and the stale check of cited report artefacts (on copies
of the static root ``tests/roots/test-reports``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from sphinx_ptyplan.core.outputs.reportdir import COUNTS_SCHEMA, write_report
from tests.sphinx.util import build, html, ptyplan_warnings, write

pytestmark = pytest.mark.sphinx

CopyRoot = Callable[..., Path]

REPORTS = "plans/active/INIT-1/reports"

SUMMARY = """# Summary — INIT-1 ({ts})

## Counts

| count | number |
| --- | --- |
| modules | {modules} |
| new modules | 2 |
| stale plan references | {stale} |
| findings | 7 |
"""

PAGE = """# Ledger

```{{ptyplan-reports}}
{options}
```

{extra}
"""


def _report(src: Path, ts: str, modules: int, stale: int = 0) -> None:
    counts = {"modules": modules, "new modules": 2, "stale plan references": stale, "findings": 7}
    write_report(
        src / REPORTS / ts,
        {
            "summary.md": SUMMARY.format(ts=ts, modules=modules, stale=stale),
            "module_inventory.md": "# inventory\n",
            "delta_log.md": "# delta\n",
            "inventory.json": "{}\n",
            "counts.json": json.dumps({"schema": COUNTS_SCHEMA, "counts": counts}),
        },
    )


def _project(copy_root: CopyRoot, options: str = ":initiative: INIT-1", extra: str = "") -> Path:
    """A copy of the root ``tests/roots/test-reports``: one report folder written by
    ``ptyplan report`` (2025-10-17T030000Z, with counts.json), a hand-written one without
    counts, and folders that are no reports (a temporary folder, "drafts"); its page has a
    ``ptyplan-reports`` directive with ``options`` and ``extra`` text after it."""
    src = copy_root("reports")
    (src / "index.md").write_text(PAGE.format(options=options, extra=extra), encoding="utf-8")
    return src


def _rows(page: str) -> list[list[str]]:
    """The ledger table's body rows as cell texts (tags stripped)."""
    body = page.split('<table class="ptyplan-table', 1)[1].split("<tbody>", 1)[1]
    body = body.split("</tbody>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr.*?</tr>", body, re.S):
        cells = re.findall(r"<td.*?>(.*?)</td>", tr, re.S)
        rows.append([" ".join(re.sub(r"<.*?>", "", c).split()) for c in cells])
    return rows


def test_ledger_lists_report_folders_newest_first_with_counts(
    copy_root: CopyRoot, tmp_path: Path
) -> None:
    src = _project(copy_root)
    _report(src, "2025-10-18T120000Z", 15)
    app, warnings = build(src, "html")
    assert ptyplan_warnings(warnings) == []
    page = html(app)
    assert "Reports of INIT-1" in page
    assert f"3 report folders in {REPORTS}/; newest 2025-10-18T120000Z" in page
    rows = _rows(page)
    assert [r[0] for r in rows] == [
        "2025-10-18T120000Z",
        "2025-10-17T030000Z",
        "2025-09-20T030000Z",
    ]  # the temporary folder of a report being written and "drafts" are no reports
    # artefacts in the ledger's order (other files after the known ones), then the counts
    # of counts.json (blank for the hand-written folder, whose summary.md is never parsed)
    assert rows[1] == [
        "2025-10-17T030000Z",
        "summary.md, module_inventory.md, delta_log.md, inventory.json, counts.json",
        "14",
        "2",
        "",
        "10",
        "",
        "",
        "7",
    ]
    assert rows[2] == ["2025-09-20T030000Z", "summary.md, notes.txt", *[""] * 7]
    head = re.findall(r"<th.*?>(.*?)</th>", page, re.S)
    assert [re.sub(r"<.*?>", "", h).strip() for h in head] == [
        "report",
        "artefacts",
        "modules",
        "new",
        "not in plan",
        "stale refs",
        "changed, unplanned",
        "spec problems",
        "findings",
    ]
    app, warnings = build(src, "text", outdir=tmp_path / "text")
    assert ptyplan_warnings(warnings) == []
    assert "2025-09-20T030000" in (Path(app.outdir) / "index.txt").read_text(encoding="utf-8")


def test_artefacts_link_through_source_url_and_latex_builds(
    copy_root: CopyRoot, tmp_path: Path
) -> None:
    src = _project(copy_root)
    app, warnings = build(src, "html")
    assert ptyplan_warnings(warnings) == []
    page = html(app)
    url = f"https://example.org/blob/main/{REPORTS}/2025-10-17T030000Z/delta_log.md"
    assert f'href="{url}"' in page
    assert f'href="https://example.org/blob/main/{REPORTS}/2025-09-20T030000Z"' in page
    app, warnings = build(src, "latex", outdir=tmp_path / "latex")
    assert "Unknown node" not in warnings
    tex = next(Path(app.outdir).glob("*.tex")).read_text(encoding="utf-8")
    assert "2025{-}10{-}17T030000Z" in tex or "2025-10-17T030000Z" in tex


def test_limit_and_folder_options(copy_root: CopyRoot) -> None:
    src = _project(copy_root, f":folder: {REPORTS}\n:limit: 1")
    app, warnings = build(src, "text")
    assert ptyplan_warnings(warnings) == []
    text = (Path(app.outdir) / "index.txt").read_text(encoding="utf-8")
    assert f"Reports in {REPORTS}/" in text
    assert "(showing the newest 1)" in text
    assert "2025-10-17T030000Z" in text and "2025-09-20T030000Z" not in text


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ("", "give :initiative: NAME or :folder: PATH"),
        (":initiative: ../escape", "bad initiative name '../escape'"),
        (":initiative: INIT-1\n:limit: many", ":limit: must be a whole number"),
        (":folder: ../outside", "reports: ../outside:"),
    ],
)
def test_bad_options_are_config_warnings(copy_root: CopyRoot, options: str, needle: str) -> None:
    src = _project(copy_root, options)
    _app, warnings = build(src, "text")
    found = ptyplan_warnings(warnings)
    assert len(found) == 1, found
    assert "[ptyplan.config]" in found[0] and needle in found[0]
    assert "index.md:3" in found[0]


def test_missing_folder_is_an_empty_ledger_not_a_warning(copy_root: CopyRoot) -> None:
    src = _project(copy_root, ":initiative: OTHER-2")
    app, warnings = build(src, "text")
    assert ptyplan_warnings(warnings) == []
    text = (Path(app.outdir) / "index.txt").read_text(encoding="utf-8")
    assert "no report folders in plans/active/OTHER-2/reports/" in text


def _read(status: str) -> list[str]:
    m = re.search(r"(\d+) added, (\d+) changed, (\d+) removed", status)
    assert m, status
    return list(m.groups())


def test_rebuilds_are_incremental_and_see_new_report_folders(copy_root: CopyRoot) -> None:
    src = _project(copy_root)
    write(src, {"other.md": "# Other\n\nNothing here.\n"})
    src.joinpath("index.md").write_text(
        PAGE.format(options=":initiative: INIT-1", extra="```{toctree}\nother\n```\n"),
        encoding="utf-8",
    )
    app, first = build(src, "html")
    assert "2025-10-18T120000Z" not in html(app)
    app, second = build(src, "html")
    assert _read(app.status.getvalue()) == ["0", "0", "0"]  # no change: nothing re-read
    assert ptyplan_warnings(second) == ptyplan_warnings(first)
    _report(src, "2025-10-18T120000Z", 15)  # a new report folder: the ledger page is outdated
    app, _ = build(src, "html")
    assert _read(app.status.getvalue()) == ["0", "1", "0"]
    assert "2025-10-18T120000Z" in html(app)
    assert "2025-10-18T120000Z" not in html(app, "other")


CITES = """
Evidence: `plans/active/INIT-1/reports/2025-10-17T030000Z/summary.md` (exists),
`plans/active/INIT-1/reports/2025-10-17T030000Z/plan_redline.md` (never written),
`plans/active/INIT-1/reports/2025-10-19T000000Z/` (no such folder) and the placeholder
`plans/active/INIT-1/reports/<ts>/module_inventory.md`, also as `reports/<ISO8601Z>/`.
"""


def test_cited_report_artefacts_are_checked_by_the_literal_check(copy_root: CopyRoot) -> None:
    src = _project(copy_root, extra=CITES)
    _app, warnings = build(src, "text")
    found = ptyplan_warnings(warnings)
    assert len(found) == 2, found
    assert all("[ptyplan.stale]" in w for w in found)
    assert any("2025-10-17T030000Z/plan_redline.md" in w for w in found)
    assert any("2025-10-19T000000Z/" in w for w in found)
    assert not any("<ts>" in w or "ISO8601Z" in w or "summary.md`" in w for w in found)


def test_rest_and_myst_give_the_same_ledger(copy_root: CopyRoot) -> None:
    src = _project(copy_root)
    write(
        src,
        {
            "other.rst": (
                "Other\n=====\n\n.. ptyplan-reports::\n   :initiative: INIT-1\n   :limit: 2\n"
            )
        },
    )
    src.joinpath("index.md").write_text(
        PAGE.format(options=":initiative: INIT-1\n:limit: 2", extra="```{toctree}\nother\n```\n"),
        encoding="utf-8",
    )
    app, warnings = build(src, "html", parallel=2)
    assert ptyplan_warnings(warnings) == []
    assert _rows(html(app)) == _rows(html(app, "other"))
    assert len(_rows(html(app))) == 2
