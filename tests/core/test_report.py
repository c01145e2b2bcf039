"""core/report: Markdown that a real parser reads back as the cells' text; JSON, GitHub, SARIF."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from markdown_it import MarkdownIt

from sphinx_ptyplan.core.models import CommitInfo, Finding, FindingKind, PathStory
from sphinx_ptyplan.core.outputs.report import (
    REPORT_SCHEMA,
    Payload,
    cell_markdown,
    finding_line,
    findings_github,
    source_link,
    to_json,
    to_markdown,
    to_sarif,
)
from sphinx_ptyplan.core.outputs.tables import Cell, Table

SARIF_SCHEMA = Path(__file__).parent.parent / "schemas" / "sarif-2.1.0.json"
URL = "https://example.org/blob/{revision}/{path}#L{line}"


def md_cells(markdown: str) -> list[list[str]]:
    """Parse GFM with markdown-it and return each table row's cell texts (header first)."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    rows: list[list[str]] = []
    for i, tok in enumerate(tokens):
        if tok.type == "tr_open":
            rows.append([])
        elif tok.type in ("td_open", "th_open"):
            inline = tokens[i + 1]
            text = ""
            if inline.type == "inline":
                for child in inline.children or []:
                    if child.type in ("text", "code_inline", "html_inline"):
                        text += child.content
                    elif child.type in ("softbreak", "hardbreak"):
                        text += "\n"
            rows[-1].append(text)
    return rows


def md_links(markdown: str) -> list[str]:
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    hrefs = []
    for tok in tokens:
        for child in tok.children or []:
            if child.type == "link_open":
                hrefs.append(str(child.attrs["href"]))
    return hrefs


TRICKY = [
    "__init__",
    "__all__: CHANGE_KINDS, ApiChange — snake_case_name",
    "a|b||c",
    "*not emphasis* and _not either_",
    "[not](a-link) ![nor](an-image)",
    "<b>not html</b> &amp; &#35; & plain",
    "back\\slash \\| and ~~strike~~",
    "`ticks` ``double``",
    "-> None",
    "# not a heading",
]


@pytest.mark.parametrize("text", TRICKY)
def test_plain_text_cells_read_back_exactly(text: str) -> None:
    table = Table("T", "s", ("a", "b"), rows=((Cell(text), Cell(text, code=True)),))
    rows = md_cells(to_markdown([table]))
    assert rows == [["a", "b"], [text, text]]


@pytest.mark.parametrize(
    "code", ["a`b", "`x`", "``", "a``b`c", " padded ", "x | y", "plain_name", "`"]
)
def test_code_cells_survive_backticks_and_pipes(code: str) -> None:
    md = cell_markdown(Cell(code, code=True))
    assert md.count("\n") == 0
    table = Table("T", "s", ("c",), rows=((Cell(code, code=True),),))
    assert md_cells(to_markdown([table]))[1] == [code]


def test_intraword_underscores_stay_readable() -> None:
    assert cell_markdown(Cell("ptycho_torch.config_params")) == "ptycho_torch.config_params"
    assert cell_markdown(Cell("__init__")) == "\\_\\_init\\_\\_"


def test_newlines_in_cells_do_not_break_the_row() -> None:
    table = Table(
        "T", "s", ("a", "b"), rows=((Cell("one\ntwo\r\nthree"), Cell("x\ny", code=True)),)
    )
    md = to_markdown([table])
    row_lines = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(row_lines) == 3  # header, rule, one row: nothing split
    # line breaks are shown as escapes (a file name cannot fake a line of its own)
    assert md_cells(md)[1] == ["one\\ntwo\\r\\nthree", "x\\ny"]


def test_layout_title_summary_table() -> None:
    table = Table(
        "Module inventory of pkg/",
        "1 packages, 2 modules",
        ("path", "kind"),
        rows=((Cell("pkg/", code=True), Cell("package")),),
    )
    md = to_markdown([table, Table("Second", "", ("x",), rows=((Cell("1"),),))])
    assert md.splitlines()[:6] == [
        "### Module inventory of pkg/",
        "",
        "1 packages, 2 modules",
        "",
        "| path | kind |",
        "| --- | --- |",
    ]
    assert "| `pkg/` | package |" in md
    assert "\n\n### Second\n\n| x |" in md
    assert md.endswith("\n") and not md.endswith("\n\n")


def test_empty_table_says_so() -> None:
    md = to_markdown([Table("T", "0 modules", ("path",), empty="no modules found")])
    assert "*no modules found*" in md
    assert "|" not in md


def test_code_links_only_with_a_source_url() -> None:
    cell = Cell("pkg/mod.py", code=True, path="pkg/mod.py", line=12)
    assert cell_markdown(cell) == "`pkg/mod.py`"
    linked = cell_markdown(cell, source_url=URL, revision="abc123")
    assert linked == "[`pkg/mod.py`](https://example.org/blob/abc123/pkg/mod.py#L12)"
    no_line = cell_markdown(Cell("pkg/", code=True, path="pkg/__init__.py"), source_url=URL)
    assert no_line == "[`pkg/`](https://example.org/blob/HEAD/pkg/__init__.py)"
    # a cell without a code location is never linked
    assert cell_markdown(Cell("module"), source_url=URL) == "module"


def test_link_urls_cannot_break_the_table() -> None:
    cell = Cell("odd", path="dir with space/a|b (1).py", line=3)
    table = Table("T", "s", ("p",), rows=((cell,),))
    md = to_markdown([table], source_url=URL, revision="r")
    assert md_cells(md)[1] == ["odd"]
    assert md_links(md) == ["https://example.org/blob/r/dir%20with%20space/a%7Cb%20%281%29.py#L3"]


def test_parts_are_joined_like_the_directive() -> None:
    cell = Cell(
        "",
        parts=(Cell("a.py", code=True, path="a.py"), Cell("b.py", code=True, path="b.py", line=2)),
    )
    assert cell_markdown(cell) == "`a.py`, `b.py`"
    table = Table("T", "s", ("refs",), rows=((cell,),))
    assert md_cells(to_markdown([table]))[1] == [cell.plain()]
    assert len(md_links(to_markdown([table], source_url=URL))) == 2


def test_source_link_template() -> None:
    assert source_link(None, "HEAD", "a.py", 1) is None
    assert source_link("https://x/{path}?l={line}", "r", "a.py", 4) == "https://x/a.py?l=4"
    assert (
        source_link("https://x/{revision}/{path}#{line}", "r", "a.py", None) == "https://x/r/a.py"
    )


# --------------------------------------------------------------------------- findings

FINDINGS = (
    Finding(
        FindingKind.STALE,
        "pkg/old.py does not exist",
        "docs/plan.md",
        7,
        code="stale-path",
        subject="pkg/old.py",
        story=PathStory(
            "pkg/old.py",
            "renamed",
            "pkg/new.py",
            CommitInfo("abc1234ff", "abc1234", "2025-10-02", ""),
        ),
        replacement="pkg/new.py",
    ),
    Finding(
        FindingKind.PARSE, "syntax error: invalid syntax", "pkg/broken.py", 3, code="syntax-error"
    ),
    Finding(FindingKind.IO, "unreadable folder", "pkg/locked", code="unreadable"),
    Finding(FindingKind.GIT, "unknown revision 'nope'", code="unknown-revision"),
)


def test_finding_line() -> None:
    assert finding_line(FINDINGS[0]) == (
        "docs/plan.md:7: ptyplan.stale: `pkg/old.py`: pkg/old.py does not exist "
        "(git: renamed to pkg/new.py in abc1234 (2025-10-02)); replace it with `pkg/new.py`"
    )
    assert finding_line(FINDINGS[2]) == "pkg/locked: ptyplan.io: unreadable folder"
    assert finding_line(FINDINGS[3]) == "ptyplan.git: unknown revision 'nope'"


def test_json_report_matches_its_schema_and_keeps_everything() -> None:
    table = Table(
        "T",
        "summary",
        ("path", "new"),
        rows=(
            (
                Cell("pkg/a.py", code=True, path="pkg/a.py", line=2, status="new"),
                Cell("new", status="new"),
            ),
            (Cell("", parts=(Cell("x", code=True), Cell("y"))), Cell("")),
        ),
    )
    text = to_json(Payload((table,), FINDINGS, "/r", {"tree": "pkg"}), kind="inventory")
    doc = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(REPORT_SCHEMA)
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(doc)
    assert doc["schema"] == "ptyplan-report/1"
    assert doc["kind"] == "inventory"
    assert doc["root"] == "/r"
    assert doc["meta"] == {"tree": "pkg"}
    t = doc["tables"][0]
    assert t["columns"] == ["path", "new"]
    assert t["rows"][0][0] == {
        "text": "pkg/a.py",
        "code": True,
        "path": "pkg/a.py",
        "line": 2,
        "status": "new",
    }
    assert t["rows"][1][0]["text"] == "x, y"
    assert [p["text"] for p in t["rows"][1][0]["parts"]] == ["x", "y"]
    assert doc["findings"][0] == {
        "kind": "stale",
        "subtype": "ptyplan.stale",
        "message": FINDINGS[0].message,
        "path": "docs/plan.md",
        "line": 7,
        "code": "stale-path",
        "replacement": "pkg/new.py",
        "subject": "pkg/old.py",
        "candidates": [],
        "story": {
            "status": "renamed",
            "new_path": "pkg/new.py",
            "via": [],
            "commit": {"sha": "abc1234ff", "short": "abc1234", "date": "2025-10-02"},
        },
    }
    assert doc["findings"][3]["path"] is None


def test_json_schema_rejects_a_wrong_document() -> None:
    doc = json.loads(to_json(Payload(), kind="inventory"))
    doc["schema"] = "ptyplan-report/2"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(doc)


def test_github_annotations_and_escaping() -> None:
    nasty = Finding(
        FindingKind.DRIFT, "100% moved\r\nnext: line, too", "docs/a,b:c.md", 5, code="changed"
    )
    out = findings_github([*FINDINGS, nasty], "/repo")
    lines = out.splitlines()
    assert len(lines) == 5
    assert lines[0] == (
        "::warning file=docs/plan.md,line=7,title=ptyplan.stale::" + FINDINGS[0].message
    )
    assert lines[2] == "::warning file=pkg/locked,title=ptyplan.io::unreadable folder"
    assert lines[3] == "::warning title=ptyplan.git::unknown revision 'nope'"
    # data: %, CR, LF escaped; properties also ':' and ','
    assert lines[4] == (
        "::warning file=docs/a%2Cb%3Ac.md,line=5,title=ptyplan.drift::"
        "100%25 moved%0D%0Anext: line, too"
    )


def test_github_paths_relative_to_the_workspace(tmp_path: Path) -> None:
    root = tmp_path / "repo" / "sub"
    out = findings_github(FINDINGS[1:2], root, workspace=tmp_path / "repo")
    assert out.startswith("::warning file=sub/pkg/broken.py,line=3,")


def _sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].endswith("sarif-schema-2.1.0.json")
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def test_sarif_validates_against_the_oasis_schema(tmp_path: Path) -> None:
    odd = Finding(
        FindingKind.AMBIGUOUS, "two matches", "dir with space/x#1.py", 0, code="ambiguous-path"
    )
    log = to_sarif([*FINDINGS, odd], root=tmp_path, tool_version="9.9")
    _sarif_validator().validate(log)
    json.dumps(log)  # plain JSON data
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "ptyplan" and driver["version"] == "9.9"
    assert [r["id"] for r in driver["rules"]] == [f"ptyplan.{k.subtype}" for k in FindingKind]
    for rule, kind in zip(driver["rules"], FindingKind, strict=True):
        assert rule["shortDescription"]["text"]
        assert kind.description.startswith(rule["shortDescription"]["text"].rstrip("."))
        assert rule["fullDescription"]["text"] == kind.description
    assert run["originalUriBaseIds"]["ROOT"]["uri"] == tmp_path.resolve().as_uri() + "/"
    results = run["results"]
    assert len(results) == 4  # the git finding has no file: it is a notification
    first = results[0]
    assert first["ruleId"] == "ptyplan.stale"
    assert driver["rules"][first["ruleIndex"]]["id"] == "ptyplan.stale"
    assert first["level"] == "warning"
    assert first["message"]["text"] == FINDINGS[0].message
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "docs/plan.md", "uriBaseId": "ROOT"}
    assert loc["region"] == {"startLine": 7}
    assert first["properties"] == {
        "code": "stale-path",
        "subject": "pkg/old.py",
        "replacement": "pkg/new.py",
    }
    assert "region" not in results[2]["locations"][0]["physicalLocation"]  # no line
    odd_loc = results[3]["locations"][0]["physicalLocation"]
    assert odd_loc["artifactLocation"]["uri"] == "dir%20with%20space/x%231.py"
    assert "region" not in odd_loc  # line 0 is no line
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"] == "unknown revision 'nope'"
    assert note["associatedRule"]["id"] == "ptyplan.git"


def test_sarif_schema_catches_broken_logs(tmp_path: Path) -> None:
    log = to_sarif(FINDINGS, root=tmp_path, tool_version="1")
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        _sarif_validator().validate(log)


def test_sarif_without_findings_is_valid(tmp_path: Path) -> None:
    log = to_sarif([], root=tmp_path, tool_version="1")
    _sarif_validator().validate(log)
    assert log["runs"][0]["results"] == []


@pytest.mark.parametrize(
    "name", ["odd #1.py", "pct%41.py", "Run #3 (50% done)?.ipynb", "ünï cödé.py", "a&b=c;d.py"]
)
def test_source_links_are_percent_encoded_per_segment(name: str) -> None:
    from urllib.parse import unquote, urlsplit

    template = "https://x.org/blob/{revision}/{path}#L{line}"
    url = source_link(template, "feature/a", f"d ir/{name}", 3)
    assert url is not None
    parts = urlsplit(url)
    assert parts.fragment == "L3" and parts.query == ""  # '#' and '?' of the name encoded
    assert unquote(parts.path) == f"/blob/feature/a/d ir/{name}"
    assert " " not in url and "%2F" not in url  # segments keep their slashes
