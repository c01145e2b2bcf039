"""A directive and its command build the same typed request (issue 13 req 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphinx_ptyplan.cli.commands import delta_request, inventory_request, spec_hits_request
from sphinx_ptyplan.cli.context import Context
from sphinx_ptyplan.cli.run import build_parser, main
from sphinx_ptyplan.core.requests import (
    DeltaRequest,
    InventoryRequest,
    SpecHitsRequest,
)
from sphinx_ptyplan.core.settings import Settings
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
"""

ARGV = {
    "inventory": [
        "inventory", "code/pkg", "--since", "v1", "--highlight", "api/, reassembly_*",
        "--notebooks", "exclude", "--assets", "*.yaml", "--maxdepth", "2", "--include", "api/",
        "--exclude", "legacy_*", "--columns", "path, kind",
    ],
    "delta": ["delta", "--tree", "code/pkg", "--plan", "plans/plan.md", "--base", "v1",
              "--head", "v2"],
    "spec-hits": ["spec-hits", "specs/api.md", "--tree", "code/pkg, code/other", "--show",
                  "problems", "--since", "v1", "--strict"],
}  # fmt: skip


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    src = make_project(
        tmp_path / "src", {"index.md": PAGE}, 'ptyplan_root = "."\nptyplan_drift = False\n'
    )
    write(
        src,
        {
            "code/pkg/__init__.py": "",
            "code/other/__init__.py": "",
            "plans/plan.md": "# Plan\n",
            "specs/api.md": "# Spec\n",
        },
    )
    return src


def test_directive_and_command_build_the_same_request(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _warnings = build(project, "html")
    stored = [r.spec for r in domain_of(app.env).data["requests"]["index"]]
    assert [type(s) for s in stored] == [InventoryRequest, DeltaRequest, SpecHitsRequest]
    monkeypatch.chdir(project)
    ctx = Context(project.resolve(), Settings(), fmt="markdown", config=None, argv=[])
    parser = build_parser()
    from_cli = [
        inventory_request(ctx, parser.parse_args(ARGV["inventory"])),
        delta_request(ctx, parser.parse_args(ARGV["delta"])),
        spec_hits_request(ctx, parser.parse_args(ARGV["spec-hits"])),
    ]
    # the inventory's :format: tree is a presentation option of the page only
    assert stored[0] is not None and stored[0].format == "tree"
    stored[0] = InventoryRequest(**{**_fields(stored[0]), "format": "table"})
    assert stored == from_cli
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
    )


def _fields(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("maxdepth", "deep", "must be a whole number >= 0, not 'deep'"),
        ("columns", "path, colour", "unknown column 'colour'"),
        ("since", "-x", "revision"),
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
