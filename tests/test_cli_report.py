"""ptyplan delta, spec-hits and report on the shipped example (a real git history).

The example is replayed by docs/example_repo.py; each test that writes gets its own copy.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from sphinx_ptyplan.core.outputs import reportdir
from sphinx_ptyplan.core.outputs.report import REPORT_SCHEMA
from sphinx_ptyplan.core.sources.snapshot import inventory_from_dict
from tests.test_cli import SARIF_SCHEMA, md_cells, one_line_error, run
from tests.test_example_repo import er

PLAN = "plans/ptychodus_pytorch_integration_plan.md"
SPEC = "specs/ptychodus_api_spec.md"
INITIATIVE = "INTEGRATE-PYTORCH-000"
REPORTS = f"plans/active/{INITIATIVE}/reports"
STAMP = "2025-10-18T093000Z"

REPORT_ARGS = [
    "report",
    "--initiative",
    INITIATIVE,
    "--tree",
    "ptycho_torch",
    "--plan",
    PLAN,
    "--spec",
    SPEC,
    "--spec-tree",
    "ptycho_torch,ptycho",
    "--since",
    "rebase-base",
    "--highlight",
    "api/,datagen/,reassembly_*",
]

#: The example's headline counts, as examples/ptychopinn/README.md explains them: 4
#: packages + 10 modules; 11 rows new since rebase-base (api/ with the untracked
#: trainer_api.py, datagen/, generators/, the reassembly modules, the notebook, the yaml
#: is not listed without --assets); 9 modules the plan misses; 10 stale plan references;
#: 11 added files the plan does not name; 3 spec problems (stale, ambiguous, schema).
EXPECTED_COUNTS = {
    "modules": 14,
    "new modules": 10,
    "missing from plan": 9,
    "stale plan references": 10,
    "changed, not in plan": 11,
    "spec problems": 3,
    "findings": 13,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return er.build_example_repo(tmp_path_factory.mktemp("example") / "repo")


@pytest.fixture
def example(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the built example (tests write into it); cwd is its top."""
    repo = tmp_path / "repo"
    shutil.copytree(built, repo, symlinks=True)
    monkeypatch.chdir(repo)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    return repo


def _listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


# --------------------------------------------------------------------------- delta, spec-hits


@pytest.mark.sphinx
def test_delta_and_spec_hits_cells_equal_the_built_directive_tables(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from docutils import nodes

    from tests.sphinx.util import build, make_project

    page = (
        "# P\n\n```{ptyplan-delta}\n:tree: ptycho_torch\n"
        f":plan: {PLAN}\n:base: rebase-base\n```\n\n"
        f"```{{ptyplan-spec-hits}} {SPEC}\n:tree: ptycho_torch, ptycho\n:since: rebase-base\n```\n"
    )
    src = make_project(
        example.parent / "docs", {"index.md": page}, f"ptyplan_root = {str(example)!r}\n"
    )
    app, _ = build(src, "html")
    doctree = app.env.get_and_resolve_doctree("index", app.builder, tags=app.tags)
    built = [
        [[e.astext() for e in row.findall(nodes.entry)] for row in table.findall(nodes.row)]
        for table in doctree.findall(nodes.table)
    ]
    assert len(built) == 6  # coverage, stale references, delta; spec hits, schema, touchpoints
    code, out, err = run(
        capsys, "delta", "--tree", "ptycho_torch", "--plan", PLAN, "--base", "rebase-base"
    )
    assert code == 1  # the stale plan references
    assert md_cells(out) == [row for table in built[:3] for row in table]
    assert err.count("ptyplan.stale") == 10
    code, out, err = run(
        capsys, "spec-hits", SPEC, "--tree", "ptycho_torch,ptycho", "--since", "rebase-base"
    )
    assert code == 1
    assert md_cells(out) == [row for table in built[3:] for row in table]
    assert {line.split(": ")[1] for line in err.splitlines()} == {
        "ptyplan.stale",
        "ptyplan.ambiguous",
        "ptyplan.schema",
    }


def test_delta_json_and_sarif_follow_their_schemas(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["delta", "--tree", "ptycho_torch", "--plan", PLAN, "--base", "rebase-base"]
    code, out, err = run(capsys, "--format", "json", *args)
    assert (code, err) == (1, "")
    doc = json.loads(out)
    jsonschema.validate(doc, REPORT_SCHEMA)
    assert doc["kind"] == "delta"
    assert doc["meta"] == {
        "tree": "ptycho_torch",
        "plan": PLAN,
        "base": "rebase-base",
        "head": None,
    }
    assert [t["title"] for t in doc["tables"]] == [
        "Plan coverage of ptycho_torch/",
        "Stale plan references",
        "Revision delta of ptycho_torch/ since rebase-base",
    ]
    code, out, _ = run(capsys, "--format", "sarif", *args)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    log = json.loads(out)
    jsonschema.validate(log, schema)
    lines = sorted(
        r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in log["runs"][0]["results"]
    )
    assert lines == [6, 7, 20, 21, 22, 23, 34, 36, 46, 59]
    code, out, _ = run(capsys, "--format", "json", "spec-hits", SPEC, "--show", "problems")
    jsonschema.validate(json.loads(out), REPORT_SCHEMA)
    code, out, _ = run(capsys, "--format", "github", "--suppress", "stale", *args)
    assert (code, out) == (0, "")  # only stale references to report: suppressed -> clean


def test_delta_against_a_snapshot_of_an_earlier_state(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "inventory", "ptycho_torch", "--json", "-o", "before.json")
    assert code == 0
    (example / "ptycho_torch" / "reassembly_alpha.py").unlink()
    (example / "ptycho_torch" / "extra.py").write_text("def extra():\n    pass\n")
    code, out, _ = run(
        capsys,
        "delta",
        "--tree",
        "ptycho_torch",
        "--plan",
        PLAN,
        "--base",
        "before.json",
        "--suppress",
        "stale",
    )
    assert code == 0
    rows = md_cells(out)
    changes = {(r[0], r[1]) for r in rows if r[0] in ("added", "removed")}
    assert changes == {
        ("added", "ptycho_torch/extra.py"),
        ("removed", "ptycho_torch/reassembly_alpha.py"),
    }


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (
            ["delta", "--tree", "ptycho_torch", "--plan", PLAN, "--base", "no-such-tag"],
            "git error: ",
        ),
        (
            [
                "delta",
                "--tree",
                "ptycho_torch",
                "--plan",
                PLAN,
                "--base",
                "rebased",
                "--head",
                "nope",
            ],
            "git error: ",
        ),
        (["spec-hits", SPEC, "--since", "no-such-tag"], "git error: spec-hits --since no-such-tag"),
        (
            ["delta", "--tree", "ptycho_torch", "--plan", PLAN, "--base", "gone.json"],
            "does not exist",
        ),
        (
            ["delta", "--tree", "ptycho_torch", "--plan", "plans/nope.md"],
            "plan 'plans/nope.md' does not exist",
        ),
        (["delta", "--tree", "nope", "--plan", PLAN], "tree 'nope' does not exist"),
        (["delta", "--plan", PLAN], "the following arguments are required: --tree"),
        (["delta", "--tree", "ptycho_torch", "--plan", PLAN, "--base=-x"], "refusing revision"),
        (["spec-hits", "specs/nope.md"], "does not exist"),
        (["spec-hits", SPEC, "--show", "some"], "invalid choice: 'some'"),
        (["spec-hits", SPEC, "--tree", "../elsewhere"], "outside the root"),
    ],
)
def test_usage_and_git_errors_exit_2_with_one_line(
    example: Path, capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert needle in one_line_error(err)


# --------------------------------------------------------------------------- report


def test_report_writes_the_folder_the_seed_describes(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = set((example / REPORTS).iterdir())
    code, out, err = run(capsys, *REPORT_ARGS)
    assert (code, err) == (0, "")
    folder = Path(out.strip())
    assert folder.parent == example / REPORTS
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d{6}Z", folder.name)
    assert set((example / REPORTS).iterdir()) == before | {folder}  # no temporary leftovers
    assert _listing(folder) == [
        "counts.json",
        "delta_log.md",
        "inventory.json",
        "module_inventory.md",
        "spec_hits.md",
        "summary.md",
    ]
    inventory = (folder / "module_inventory.md").read_text(encoding="utf-8")
    assert (
        "Command: `ptyplan inventory ptycho_torch --since rebase-base "
        "--highlight 'api/,datagen/,reassembly_*'`"
    ) in inventory
    assert "Written by `ptyplan report --initiative INTEGRATE-PYTORCH-000 --tree" in inventory
    assert "| `ptycho_torch/api/base_api.py` | module |" in inventory
    delta_log = (folder / "delta_log.md").read_text(encoding="utf-8")
    for title in ("Plan coverage of ptycho_torch/", "Stale plan references", "Revision delta"):
        assert f"### {title}" in delta_log
    assert "Command: `ptyplan delta --tree ptycho_torch --plan " in delta_log
    assert "Other findings" not in delta_log  # stale references are in their table, once
    spec = (folder / "spec_hits.md").read_text(encoding="utf-8")
    assert "### Spec hits of specs/ptychodus_api_spec.md" in spec
    summary = (folder / "summary.md").read_text(encoding="utf-8")
    assert reportdir.read_counts(folder) == EXPECTED_COUNTS
    assert "- `ptycho_torch/api/trainer_api.py`" in summary  # new, not even committed
    assert f"- {PLAN} line 46: `ptychopinn_torch/model.py:39`" in summary
    assert "(now `ptycho_torch/model.py:39`)" in summary
    assert "- added `ptycho_torch/reassembly_lightning.py`" in summary
    assert (
        "specs/ptychodus_api_spec.md line 93: `ptycho_torch.train_utils.find_learning_rate` — stale"
        in summary
    )
    # the snapshot works as a delta base: nothing changed since the report
    snapshot = json.loads((folder / "inventory.json").read_text(encoding="utf-8"))
    assert snapshot["root"] == "."
    assert inventory_from_dict(snapshot).tree == "ptycho_torch"
    rel = folder.relative_to(example).as_posix()
    code, out, _ = run(
        capsys,
        "delta",
        "--tree",
        "ptycho_torch",
        "--plan",
        PLAN,
        "--base",
        f"{rel}/inventory.json",
        "--suppress",
        "stale",
    )
    assert code == 0
    assert "0 added, 0 removed, 0 renamed, 0 modified" in out


def test_report_json_output_and_without_spec(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        a for a in REPORT_ARGS if a not in (SPEC, "--spec", "--spec-tree", "ptycho_torch,ptycho")
    ]
    code, out, err = run(capsys, "--format", "json", *args, "--timestamp", STAMP)
    assert (code, err) == (0, "")
    doc = json.loads(out)
    jsonschema.validate(doc, REPORT_SCHEMA)
    folder = example / REPORTS / STAMP
    assert doc["meta"]["folder"] == folder.as_posix()
    assert doc["meta"]["files"] == [
        "summary.md",
        "module_inventory.md",
        "delta_log.md",
        "inventory.json",
        "counts.json",
    ]
    assert "spec problems" not in doc["meta"]["counts"]
    assert doc["meta"]["counts"] == reportdir.read_counts(folder)
    assert _listing(folder) == [
        "counts.json",
        "delta_log.md",
        "inventory.json",
        "module_inventory.md",
        "summary.md",
    ]


def test_report_never_overwrites_a_folder(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, *REPORT_ARGS, "--timestamp", STAMP)
    assert code == 0
    folder = Path(out.strip())
    summary = (folder / "summary.md").read_bytes()
    (folder / "notes.md").write_text("mine\n")
    code, out, err = run(capsys, *REPORT_ARGS, "--timestamp", STAMP, "--since", "legacy-plan")
    assert (code, out) == (2, "")
    assert (
        one_line_error(err)
        == f"ptyplan: error: report folder {folder} already exists; nothing written"
    )
    assert (folder / "summary.md").read_bytes() == summary
    assert (folder / "notes.md").read_text() == "mine\n"
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []


def test_report_out_folder_and_unwritable_places(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "ci" / "artefacts" / "report"
    code, out, _ = run(capsys, *REPORT_ARGS, "--out", str(target))
    assert (code, out) == (0, f"{target}\n")
    assert (target / "summary.md").is_file()
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    code, out, err = run(capsys, *REPORT_ARGS, "--out", str(blocker / "sub" / "report"))
    assert (code, out) == (2, "")
    assert "cannot create folder" in one_line_error(err)
    assert blocker.read_text() == "x"


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--initiative", "../up"], "bad initiative name '../up'"),
        (["--timestamp", "2025-10-17T03:00:00Z"], "bad timestamp"),
        (["--timestamp", "2025-13-17T030000Z"], "bad timestamp"),
        (["--since", "no-such-tag"], "git error: inventory --since no-such-tag"),
        (["--base", "rebased", "--head", "gone"], "git error: "),
    ],
)
def test_report_bad_input_writes_nothing(
    example: Path, capsys: pytest.CaptureFixture[str], extra: list[str], needle: str
) -> None:
    before = _listing(example / "plans")
    code, out, err = run(capsys, *REPORT_ARGS, *extra)
    assert (code, out) == (2, "")
    assert needle in one_line_error(err)
    assert _listing(example / "plans") == before


def test_check_walks_past_report_folders_but_checks_them_when_named(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, *REPORT_ARGS, "--timestamp", STAMP)
    capsys.readouterr()
    code, _, err = run(capsys, "--format", "json", "check", "plans/active")
    assert (code, err) == (0, "")
    code, out, _ = run(capsys, "--format", "json", "check", f"{REPORTS}/{STAMP}/summary.md")
    assert code == 1  # the stale plan references, quoted as evidence, are stale here too
    assert json.loads(out)["meta"]["documents"] == [f"{REPORTS}/{STAMP}/summary.md"]


# --------------------------------------------------------------------------- atomic writing


def test_write_report_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "plans" / "active" / "X" / "reports" / STAMP
    with pytest.raises(reportdir.ReportError, match="bad artefact name"):
        reportdir.write_report(target, {"summary.md": "ok\n", "../evil.md": "no\n"})
    assert list(tmp_path.iterdir()) == []  # the parents it created are gone too

    def failing_rename(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(reportdir.os, "rename", failing_rename)
    with pytest.raises(reportdir.ReportError, match="No space left on device"):
        reportdir.write_report(target, {"summary.md": "ok\n"})
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    (tmp_path / "keep").mkdir()
    folder = reportdir.write_report(tmp_path / "keep" / STAMP, {"summary.md": "ok\n"})
    assert _listing(tmp_path / "keep") == [STAMP, f"{STAMP}/summary.md"]
    assert oct(folder.stat().st_mode & 0o777) != oct(0o700)  # not mkdtemp's private mode
    with pytest.raises(reportdir.ReportExists):
        reportdir.write_report(folder, {"summary.md": "again\n"})
    assert (folder / "summary.md").read_text() == "ok\n"


def test_read_counts_and_timestamps(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta, timezone

    assert reportdir.read_counts(tmp_path) == {}  # no counts.json: a hand-written folder
    (tmp_path / "summary.md").write_text("## Counts\n\n| count | number |\n| modules | 3 |\n")
    assert reportdir.read_counts(tmp_path) == {}  # a rendered summary is never read back
    counts = tmp_path / "counts.json"
    counts.write_text('{"schema": "ptyplan-counts/1", "counts": {"modules": 3, "x": "9"}}')
    assert reportdir.read_counts(tmp_path) == {"modules": 3}
    for bad in ("not json", "[]", '{"schema": "other/1", "counts": {"modules": 3}}'):
        counts.write_text(bad)
        assert reportdir.read_counts(tmp_path) == {}
    moment = datetime(2025, 10, 17, 5, 0, 0, tzinfo=timezone(timedelta(hours=2)))
    assert reportdir.timestamp(moment) == "2025-10-17T030000Z"
    now = reportdir.timestamp()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d{6}Z", now)
    assert reportdir.check_timestamp(now) == now
    assert now <= reportdir.timestamp(datetime.now(UTC))
    with pytest.raises(ValueError):
        reportdir.timestamp(datetime(2025, 1, 1))


# --------------------------------------------------------------------------- the real script


def test_console_script_report_and_git_error(example: Path) -> None:
    proc = subprocess.run(
        ["ptyplan", *REPORT_ARGS, "--timestamp", STAMP],
        cwd=example,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == f"{example / REPORTS / STAMP}\n"
    proc = subprocess.run(
        ["ptyplan", *REPORT_ARGS, "--timestamp", STAMP],
        cwd=example,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "already exists" in one_line_error(proc.stderr)
    proc = subprocess.run(
        ["ptyplan", "delta", "--tree", "ptycho_torch", "--plan", PLAN, "--base", "v9"],
        cwd=example,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (2, "")
    assert one_line_error(proc.stderr).startswith("ptyplan: git error: ")
