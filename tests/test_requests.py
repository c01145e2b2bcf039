"""A directive and its command build the same typed request (issue 13 req 3)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from sphinx_ptyplan.cli.commands import delta_request, inventory_request, spec_hits_request
from sphinx_ptyplan.cli.context import Context, _context
from sphinx_ptyplan.cli.report import reports_request
from sphinx_ptyplan.cli.run import build_parser, main
from sphinx_ptyplan.core.outputs.report import table_to_dict
from sphinx_ptyplan.core.requests import (
    COMMON_OPTIONS,
    LAYOUT,
    REPORTS_OPTIONS,
    DeltaRequest,
    InventoryRequest,
    ReportsRequest,
    SpecHitsRequest,
)
from sphinx_ptyplan.core.settings import Settings
from sphinx_ptyplan.sphinx_ext.directives import (
    DeltaDirective,
    InventoryDirective,
    ReportsDirective,
    SpecHitsDirective,
)
from sphinx_ptyplan.sphinx_ext.domain import domain_of
from tests.sphinx.util import build, make_project, ptyplan_warnings, write

PAGE = """# Requests

```{ptyplan-inventory} code/pkg
:since: v1
:highlight: api/, reassembly_*
:notebooks: exclude
:assets: *.yaml
:maxdepth: 2
:include: api/
:exclude: legacy_*
:columns: path, kind
:format: tree
:suppress: stale, ptyplan.drift
```

```{ptyplan-delta}
:tree: code/pkg
:plan: plans/plan.md
:base: v1
:head: v2
```

```{ptyplan-spec-hits} specs/api.md
:tree: code/pkg, code/other
:show: problems
:since: v1
:strict:
```

```{ptyplan-reports}
:initiative: INTEGRATE-PYTORCH-000
:limit: 2
:root: other
```
"""

ARGV = {
    "inventory": [
        "inventory", "code/pkg", "--since", "v1", "--highlight", "api/, reassembly_*",
        "--notebooks", "exclude", "--assets", "*.yaml", "--maxdepth", "2", "--include", "api/",
        "--exclude", "legacy_*", "--columns", "path, kind", "--layout", "tree",
        "--suppress", "stale, ptyplan.drift",
    ],
    "delta": ["delta", "--tree", "code/pkg", "--plan", "plans/plan.md", "--base", "v1",
              "--head", "v2"],
    "spec-hits": ["spec-hits", "specs/api.md", "--tree", "code/pkg, code/other", "--show",
                  "problems", "--since", "v1", "--strict"],
    "reports": ["--root-name", "other", "reports", "--initiative", "INTEGRATE-PYTORCH-000",
                "--limit", "2"],
}  # fmt: skip


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    src = make_project(
        tmp_path / "src",
        {"index.md": PAGE},
        'ptyplan_root = "."\nptyplan_drift = False\nptyplan_roots = {"other": "other"}\n',
    )
    write(
        src,
        {
            "code/pkg/__init__.py": "",
            "code/other/__init__.py": "",
            "plans/plan.md": "# Plan\n",
            "specs/api.md": "# Spec\n",
            "other/README.md": "the second root\n",
            # the command line's [tool.ptyplan] (folders relative to it, as conf.py's are)
            "pyproject.toml": '[tool.ptyplan]\ndrift = false\nroots = {other = "other"}\n',
        },
    )
    return src


def test_directive_and_command_build_the_same_request(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _warnings = build(project, "html")
    stored = domain_of(app.env).data["requests"]["index"]
    specs = [r.spec for r in stored]
    assert [type(s) for s in specs] == [
        InventoryRequest,
        DeltaRequest,
        SpecHitsRequest,
        ReportsRequest,
    ]
    monkeypatch.chdir(project)
    ctx = Context(project.resolve(), Settings(), fmt="markdown", config=None, argv=[])
    parser = build_parser()
    args = {name: parser.parse_args(argv) for name, argv in ARGV.items()}
    from_cli = [
        inventory_request(ctx, args["inventory"]),
        delta_request(ctx, args["delta"]),
        spec_hits_request(ctx, args["spec-hits"]),
        reports_request(ctx, args["reports"]),
    ]
    assert specs == from_cli
    assert from_cli[0] == InventoryRequest(
        "code/pkg",
        since="v1",
        highlight=("api/", "reassembly_*"),
        notebooks="exclude",
        assets=("*.yaml",),
        maxdepth=2,
        include=("api/",),
        exclude=("legacy_*",),
        columns=("path", "kind"),
        format="tree",
    )
    assert from_cli[3] == ReportsRequest(
        "plans/active/INTEGRATE-PYTORCH-000/reports",
        initiative="INTEGRATE-PYTORCH-000",
        limit=2,
    )
    # the options that are not part of a job's request: :suppress: and :root:
    assert stored[0].suppress == args["inventory"].suppress == frozenset({"stale", "drift"})
    assert stored[3].root == args["reports"].root_name == "other"
    cli_ctx = _context(args["reports"], ARGV["reports"])
    try:
        assert cli_ctx.root == (project / "other").resolve()
    finally:
        cli_ctx.close()


def _subcommand(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
        if isinstance(action, argparse._SubParsersAction):
            sub: argparse.ArgumentParser = action.choices[name]
            return sub
    raise AssertionError(name)


#: Directive options without a command-line twin, and why.
_DIRECTIVE_ONLY = {
    # the page links the newest report's redline, or drafts one in place; the command line
    # writes redlines with `ptyplan report --redline`
    ("delta", "redline"),
}


@pytest.mark.parametrize(
    ("directive", "command"),
    [
        (InventoryDirective, "inventory"),
        (DeltaDirective, "delta"),
        (SpecHitsDirective, "spec-hits"),
        (ReportsDirective, "reports"),
    ],
)
def test_every_directive_option_has_a_command_line_twin(
    directive: type[Any], command: str
) -> None:
    declared = {o.name: o for o in (*COMMON_OPTIONS, LAYOUT, *REPORTS_OPTIONS)}
    flags = set(_subcommand(command)._option_string_actions)
    missing = []
    for name in directive.option_spec:
        flag = declared[name].flag if name in declared else f"--{name}"
        if flag not in flags and (directive.kind, name) not in _DIRECTIVE_ONLY:
            missing.append(f":{name}: ({flag})")
    assert missing == []
    # the declared ones say the same on both sides (help from the one declaration)
    for option in (*COMMON_OPTIONS, *(REPORTS_OPTIONS if command == "reports" else ())):
        assert option.name in directive.option_spec
        assert _subcommand(command)._option_string_actions[option.flag].help == option.help


def test_the_inventory_tree_layout_on_the_command_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, {"code/pkg/api/__init__.py": "", "code/pkg/api/x.py": "X = 1\n"})
    assert main(["--root", str(project), "inventory", "code/pkg", "--layout", "tree"]) == 0
    out = capsys.readouterr().out
    assert "| path |" not in out  # no table
    assert out.splitlines()[4:] == [
        "- `code/pkg/` — package — 0",
        "  - `code/pkg/api/` — package — 0",
        "    - `code/pkg/api/x.py` — module — 1",
    ]


def test_the_reports_command_lists_what_the_directive_lists(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sphinx_ptyplan.core.jobs import reports_job

    folder = project / "other" / "plans" / "active" / "INTEGRATE-PYTORCH-000" / "reports"
    for stamp in ("2025-10-17T030000Z", "2025-10-18T030000Z", "2025-10-19T030000Z"):
        write(folder / stamp, {"summary.md": "# Summary\n", "counts.json": "{}"})
    code = main(["--config", str(project / "pyproject.toml"), "--format", "json",
                 *ARGV["reports"]])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    (table,) = json.loads(out)["tables"]
    ctx = Context((project / "other").resolve(), Settings(), fmt="json", config=None, argv=[])
    try:
        request = ReportsRequest(
            "plans/active/INTEGRATE-PYTORCH-000/reports",
            initiative="INTEGRATE-PYTORCH-000",
            limit=2,
        )
        expected = table_to_dict(reports_job(ctx, request).tables[0])
    finally:
        ctx.close()
    assert table == expected
    assert len(table["rows"]) == 2 and "showing the newest 2" in table["summary"]


def _fields(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("maxdepth", "deep", "must be a whole number >= 0, not 'deep'"),
        ("columns", "path, colour", "unknown column 'colour'"),
        ("since", "-x", "revision"),
        ("suppress", "stale, nonsense", "unknown warning subtype 'nonsense'"),
    ],
)
def test_a_bad_value_gets_the_same_words_from_both_front_ends(
    tmp_path: Path, option: str, value: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    page = f"# P\n\n```{{ptyplan-inventory}} code/pkg\n:{option}: {value}\n```\n"
    src = make_project(tmp_path / "src", {"index.md": page}, 'ptyplan_root = "."\n')
    write(src, {"code/pkg/__init__.py": ""})
    _, warnings = build(src, "html")
    (warning,) = ptyplan_warnings(warnings)
    assert words in warning, warning
    assert main(["--root", str(src), "inventory", "code/pkg", f"--{option}={value}"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert words in err, err
    directive_text = warning.split(f":{option}: ", 1)[1].split(" [ptyplan.config]")[0]
    assert directive_text in err
