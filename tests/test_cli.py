"""The ptyplan command line, through ``main([...])`` and the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from markdown_it import MarkdownIt

from sphinx_ptyplan import __version__
from sphinx_ptyplan.cli.context import COMMANDS
from sphinx_ptyplan.cli.run import main
from sphinx_ptyplan.cli.settings import find_root
from sphinx_ptyplan.core.outputs.report import REPORT_SCHEMA, to_markdown
from sphinx_ptyplan.core.outputs.tables import Table, inventory_table
from sphinx_ptyplan.core.sources.gitrepo import GitRepo
from sphinx_ptyplan.core.sources.scan import scan_tree
from sphinx_ptyplan.core.sources.snapshot import inventory_from_dict
from tests.gitutil import Repo

SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-2.1.0.json"

BASE_FILES = {
    "pkg/__init__.py": '"""The package."""\n',
    "pkg/model.py": (
        '"""Model definitions."""\n'
        "from dataclasses import dataclass\n\n\n"
        "@dataclass\nclass ModelConfig:\n    N: int = 64\n    gridsize: int = 2\n\n\n"
        "def train(config, epochs=10):\n    return config\n"
    ),
    "pkg/api/__init__.py": "",
    ".gitignore": "pkg/generated_*.py\n",
    "README.md": "# r\n",
}
NEW_FILES = {
    "pkg/api/base_api.py": '"""Public API."""\n\n\nclass BaseAPI:\n    pass\n',
    "pkg/reassembly_utils.py": '"""Stitch | patches."""\n\n\ndef __init_weights__():\n    pass\n',
}
BROKEN = "def oops(:\n    pass\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Repo, str]:
    """A git repository with two commits; returns it and the base sha. cwd is its top."""
    r = Repo(tmp_path / "r")
    for rel, text in BASE_FILES.items():
        r.write(rel, text)
    base = r.commit("base: model and api package")
    for rel, text in NEW_FILES.items():
        r.write(rel, text)
    r.commit("add the api and reassembly")
    r.write("pkg/generated_x.py", "x = 1\n")  # .gitignored: never listed
    monkeypatch.chdir(r.path)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    return r, base


def md_cells(markdown: str) -> list[list[str]]:
    """Each GFM table row's cell texts (header first), as markdown-it reads them."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    rows: list[list[str]] = []
    for i, tok in enumerate(tokens):
        if tok.type == "tr_open":
            rows.append([])
        elif tok.type in ("td_open", "th_open"):
            inline = tokens[i + 1]
            children = inline.children or [] if inline.type == "inline" else []
            rows[-1].append("".join(c.content for c in children))
    return rows


def table_cells(table: Table) -> list[list[str]]:
    return [list(table.columns), *([c.plain() for c in row] for row in table.rows)]


def expected_table(root: Path, tree: str = "pkg", **kw: object) -> Table:
    """The directive's table, computed the way sphinx_ext/compute.run_inventory does."""
    with GitRepo.open(root) as git:
        ignored = git.ignored(tree)
        since = kw.pop("since", None)
        new = git.added_since(str(since), [tree]) if since else None
    inv = scan_tree(root, tree, ignored=ignored)
    return inventory_table(inv, new=new, since=since, **kw)  # type: ignore[arg-type]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


# --------------------------------------------------------------------------- content


def test_markdown_is_the_directive_table(repo: tuple[Repo, str], capsys) -> None:
    r, _ = repo
    code, out, err = run(capsys, "inventory", "pkg", "--highlight", "api/,reassembly_*")
    assert (code, err) == (0, "")
    table = expected_table(r.path, highlight=("api/", "reassembly_*"))
    assert out == to_markdown([table])
    assert md_cells(out) == table_cells(table)
    paths = [row[0] for row in md_cells(out)[1:]]
    assert paths == [
        "pkg/",
        "pkg/api/",
        "pkg/api/base_api.py",
        "pkg/model.py",
        "pkg/reassembly_utils.py",
    ]  # pkg/generated_x.py is .gitignored, as in the docs build
    assert out.startswith("### Module inventory of pkg/\n\n2 packages, 3 modules, 0 notebooks")
    rows = {row[0]: row for row in md_cells(out)[1:]}
    assert rows["pkg/model.py"][3] == "ModelConfig (dataclass: N, gridsize); train()"
    assert rows["pkg/api/base_api.py"][-1] == "high-impact"
    assert rows["pkg/model.py"][-1] == ""
    assert rows["pkg/reassembly_utils.py"][4] == "Stitch | patches."


def test_since_marks_new_rows(repo: tuple[Repo, str], capsys) -> None:
    r, base = repo
    code, out, _ = run(capsys, "inventory", "pkg", "--since", base)
    assert code == 0
    table = expected_table(r.path, since=base)
    assert md_cells(out) == table_cells(table)
    header, *rows = md_cells(out)
    assert "new" in header
    new = {row[0] for row in rows if row[header.index("new")] == "new"}
    assert new == {"pkg/api/base_api.py", "pkg/reassembly_utils.py"}
    assert f"2 new since {base}" in out
    code, out2, _ = run(capsys, "inventory", "pkg", "--since", "HEAD~1")
    assert code == 0 and "2 new since HEAD~1" in out2


def test_options_mean_what_the_directive_options_mean(repo: tuple[Repo, str], capsys) -> None:
    r, _ = repo
    r.write(
        "pkg/notes/explore.ipynb",
        '{"cells": [{"cell_type": "markdown", "source": '
        '["# Exploring\\n"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
    )
    r.write("pkg/data/table.csv", "a,b\n")
    code, out, _ = run(
        capsys,
        "inventory",
        "pkg",
        "--maxdepth",
        "1",
        "--exclude",
        "model.py",
        "--assets",
        "*.csv",
        "--columns",
        "path,kind",
    )
    assert code == 0
    kw = {"maxdepth": 1, "exclude": ("model.py",), "assets": ("*.csv",)}
    with GitRepo.open(r.path) as git:
        inv = scan_tree(r.path, "pkg", ignored=git.ignored("pkg"), **kw)  # type: ignore[arg-type]
    table = inventory_table(inv, columns=("path", "kind"))
    assert md_cells(out) == table_cells(table)
    assert md_cells(out)[0] == ["path", "kind"]
    paths = [row[0] for row in md_cells(out)[1:]]
    assert "pkg/model.py" not in paths and "pkg/api/base_api.py" not in paths  # depth 1
    code, out, _ = run(capsys, "inventory", "pkg", "--notebooks", "exclude", "--include", "notes/")
    assert code == 0
    assert "explore.ipynb" not in out
    code, out, _ = run(capsys, "inventory", "pkg", "--include", "notes/")
    assert "`pkg/notes/explore.ipynb` | notebook" in out and "Exploring" in out


def test_json_snapshot_round_trips(repo: tuple[Repo, str], capsys, tmp_path: Path) -> None:
    r, _ = repo
    code, out, err = run(capsys, "inventory", "pkg", "--json")
    assert (code, err) == (0, "")
    inv = inventory_from_dict(json.loads(out))
    with GitRepo.open(r.path) as git:
        assert inv == scan_tree(r.path, "pkg", ignored=git.ignored("pkg"))
    target = tmp_path / "base.json"
    code, out2, _ = run(capsys, "inventory", "pkg", "--json", "-o", str(target))
    assert (code, out2) == (0, "")
    assert inventory_from_dict(json.loads(target.read_text(encoding="utf-8"))) == inv
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".base")] == []


def test_findings_exit_1_and_go_to_stderr(repo: tuple[Repo, str], capsys) -> None:
    r, _ = repo
    r.write("pkg/broken.py", BROKEN)
    code, out, err = run(capsys, "inventory", "pkg")
    assert code == 1
    assert "`pkg/broken.py`" in out and "not parsed" in out  # listed and marked
    line = one_line_error(err)
    assert line.startswith("pkg/broken.py:1: ptyplan.parse: ")


def test_suppress_drops_exactly_those_kinds(repo: tuple[Repo, str], capsys) -> None:
    r, _ = repo
    r.write("pkg/broken.py", BROKEN)
    assert run(capsys, "inventory", "pkg", "--suppress", "parse")[::2] == (0, "")
    code, out, err = run(
        capsys, "--suppress", "ptyplan.parse", "--format", "sarif", "inventory", "pkg"
    )
    assert (code, err) == (0, "")
    assert json.loads(out)["runs"][0]["results"] == []
    code, _, err = run(capsys, "inventory", "pkg", "--suppress", "stale,git")
    assert code == 1 and "ptyplan.parse" in err


def test_format_json_validates(repo: tuple[Repo, str], capsys) -> None:
    r, base = repo
    r.write("pkg/broken.py", BROKEN)
    code, out, err = run(capsys, "--format", "json", "inventory", "pkg", "--since", base)
    assert (code, err) == (1, "")
    doc = json.loads(out)
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(doc)
    assert doc["kind"] == "inventory"
    assert doc["root"] == r.path.resolve().as_posix()
    assert doc["meta"] == {"tree": "pkg", "since": base}
    (table,) = doc["tables"]
    assert table["title"] == "Module inventory of pkg/"
    assert [f["path"] for f in doc["findings"]] == ["pkg/broken.py"]
    assert doc["findings"][0]["subtype"] == "ptyplan.parse"


def test_format_github(repo: tuple[Repo, str], capsys, monkeypatch) -> None:
    r, _ = repo
    r.write("pkg/bro,ken.py", BROKEN)
    code, out, err = run(capsys, "inventory", "pkg", "--format", "github")  # option after
    assert (code, err) == (1, "")
    line = one_line_error(out)
    assert line.startswith("::warning file=pkg/bro%2Cken.py,line=1,title=ptyplan.parse::")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(r.path.parent))
    code, out, _ = run(capsys, "--format", "github", "inventory", "pkg")
    assert out.startswith("::warning file=r/pkg/bro%2Cken.py,line=1,")
    code, out, _ = run(capsys, "--format", "github", "inventory", "pkg/api")
    assert (code, out) == (0, "")


def test_format_sarif_validates(repo: tuple[Repo, str], capsys) -> None:
    r, _ = repo
    r.write("pkg/broken.py", BROKEN)
    code, out, err = run(capsys, "--format=sarif", "inventory", "pkg")
    assert (code, err) == (1, "")
    log = json.loads(out)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    (run_,) = log["runs"]
    assert run_["tool"]["driver"]["version"] == __version__
    (result,) = run_["results"]
    assert result["ruleId"] == "ptyplan.parse"
    loc = result["locations"][0]["physicalLocation"]
    assert loc == {
        "artifactLocation": {"uri": "pkg/broken.py", "uriBaseId": "ROOT"},
        "region": {"startLine": 1},
    }
    assert run_["originalUriBaseIds"]["ROOT"]["uri"] == r.path.resolve().as_uri() + "/"


def test_source_url_links_at_the_resolved_revision(repo: tuple[Repo, str], capsys) -> None:
    r, _ = repo
    r.write(
        "ptyplan.toml",
        '[tool.ptyplan]\nsource_url = "https://x.org/{revision}/{path}#L{line}"\n',
    )
    code, out, _ = run(capsys, "--config", "ptyplan.toml", "inventory", "pkg/api")
    assert code == 0
    head = r.git("rev-parse", "HEAD")
    assert f"[`pkg/api/base_api.py`](https://x.org/{head}/pkg/api/base_api.py)" in out
    assert md_cells(out) == table_cells(expected_table(r.path, "pkg/api"))


# --------------------------------------------------------------------------- roots, paths


def test_root_is_the_git_work_tree_and_paths_follow_the_shell(
    repo: tuple[Repo, str], capsys, monkeypatch
) -> None:
    r, _ = repo
    assert find_root(r.path / "pkg" / "api") == r.path.resolve()
    monkeypatch.chdir(r.path / "pkg")
    code, out, _ = run(capsys, "--format", "json", "inventory", "api")
    assert code == 0
    doc = json.loads(out)
    assert doc["root"] == r.path.resolve().as_posix()
    assert doc["meta"]["tree"] == "pkg/api"  # relative to the current folder
    code, out, _ = run(capsys, "--format", "json", "inventory", str(r.path / "pkg" / "api"))
    assert json.loads(out)["meta"]["tree"] == "pkg/api"


def test_explicit_root_from_outside(repo: tuple[Repo, str], capsys, monkeypatch, tmp_path) -> None:
    r, _ = repo
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "--root", "r", "inventory", "pkg/api")
    assert code == 0
    assert md_cells(out) == table_cells(expected_table(r.path, "pkg/api"))


def test_outside_git_works_without_new_and_refuses_since(tmp_path, capsys, monkeypatch) -> None:
    plain = tmp_path / "plain"
    (plain / "pkg").mkdir(parents=True)
    (plain / "pkg" / "__init__.py").write_text("")
    (plain / "pkg" / "mod.py").write_text("def f():\n    pass\n")
    monkeypatch.chdir(plain)
    code, out, err = run(capsys, "inventory", "pkg")
    assert (code, err) == (0, "")
    assert md_cells(out)[0] == ["path", "kind", "lines", "symbols", "docstring"]
    code, out, err = run(capsys, "inventory", "pkg", "--since", "HEAD~1")
    assert (code, out) == (2, "")
    assert one_line_error(err).startswith("ptyplan: git error: ")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["inventory", "nope"], "does not exist"),
        (["inventory", "../outside"], "outside the root"),
        (["inventory", "/"], "outside the root"),
        (["--root", "missing-folder", "inventory", "pkg"], "is not a folder"),
        (["inventory", "pkg", "--since", "not-a-revision"], "git error"),
        (["inventory", "pkg", "--since=-x"], "refusing revision '-x'"),
        (["inventory", "pkg", "--since", "-x"], "expected one argument"),
        (["inventory", "pkg", "--since=HEAD..main"], "refusing revision"),
        (["inventory", "pkg", "--bogus"], "unrecognized arguments: --bogus"),
        (["inventory"], "the following arguments are required: TREE"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "the following arguments are required: COMMAND"),
        (["--format", "xml", "inventory", "pkg"], "invalid choice: 'xml'"),
        (["inventory", "pkg", "--maxdepth", "-1"], "must be a whole number >= 0"),
        (["inventory", "pkg", "--columns", "path,colour"], "unknown column 'colour'"),
        (["inventory", "pkg", "--notebooks", "maybe"], "invalid choice: 'maybe'"),
        (["inventory", "pkg", "-o", "no/such/folder/out.md"], "cannot write"),
        (["--config", "nope.toml", "inventory", "pkg"], "does not exist"),
        (["inventory", "pkg", "--suppress", "parse,bogus"], "unknown warning subtype 'bogus'"),
        (
            ["--root-name", "other", "inventory", "pkg"],
            "'other' is not a name of the configured roots",
        ),
        (["reports"], "give --initiative NAME or --folder PATH"),
        (["reports", "--initiative", "a/b"], "bad initiative name 'a/b'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    repo: tuple[Repo, str], capsys, argv: list[str], needle: str
) -> None:
    r, _ = repo
    (r.path.parent / "outside").mkdir()
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert needle in one_line_error(err)
    assert not (r.path / "no").exists()


def test_bad_revision_is_refused_before_git(tmp_path, capsys, monkeypatch) -> None:
    # Outside any repository: the refusal comes from validation, not from git.
    (tmp_path / "pkg").mkdir()
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "inventory", "pkg", "--since=--output=/tmp/pwned")
    assert code == 2
    assert "refusing revision" in one_line_error(err)
    assert "git error" not in err


def test_unwritable_output_leaves_nothing(repo: tuple[Repo, str], capsys, tmp_path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions: use a file as the folder
            target = tmp_path / "afile" / "out.md"
            (tmp_path / "afile").write_text("")
        else:
            target = locked / "out.md"
        code, out, err = run(capsys, "inventory", "pkg", "-o", str(target))
        assert (code, out) == (2, "")
        assert "cannot write" in one_line_error(err)
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


# --------------------------------------------------------------------------- config


def test_pyproject_defaults_are_read(repo: tuple[Repo, str], capsys) -> None:
    r, _ = repo
    r.write(
        "pyproject.toml", '[project]\nname = "x"\n\n[tool.ptyplan]\nexclude = ["reassembly_*"]\n'
    )
    code, out, _ = run(capsys, "inventory", "pkg")
    assert code == 0
    assert "reassembly_utils" not in out
    # the command line adds to the configured excludes
    code, out, _ = run(capsys, "inventory", "pkg", "--exclude", "model.py")
    assert "reassembly_utils" not in out and "pkg/model.py" not in out


def test_config_root_and_explicit_config(repo: tuple[Repo, str], capsys, tmp_path) -> None:
    r, _ = repo
    cfg = tmp_path / "elsewhere" / "conf.toml"
    cfg.parent.mkdir()
    cfg.write_text('[tool.ptyplan]\nroot = "../r/pkg"\nmax_file_bytes = 10\n')
    code, out, err = run(capsys, "--config", str(cfg), "--format", "json", "inventory", "api")
    doc = json.loads(out)
    assert doc["root"] == (r.path / "pkg").resolve().as_posix()
    assert doc["meta"]["tree"] == "api"
    # max_file_bytes = 10: base_api.py is listed but too large to parse -> a finding
    assert code == 1
    assert [f["code"] for f in doc["findings"]] == ["too-large"]


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("colour = 1\n", "unknown key 'colour'"),
        (
            "ptyplan_exclude = []\n",
            "unknown key 'ptyplan_exclude' in [tool.ptyplan] (write 'exclude')",
        ),
        ('exclude = "x"\n', "exclude must be a list of strings"),
        ("max_file_bytes = 0\n", "max_file_bytes must be a whole number >= 1"),
        ("drift = 1\n", "drift must be true or false"),
        (
            'source_url = "https://x.org/"\n',
            "source_url must be a URL template containing '{path}'",
        ),
        ('root = "no-such-folder"\n', "is not a folder"),
        ("roots = 3\n", "roots must be a table"),
        ("exclude = [\n", "is not valid TOML"),
    ],
)
def test_bad_config_exits_2(repo: tuple[Repo, str], capsys, toml: str, needle: str) -> None:
    r, _ = repo
    r.write("pyproject.toml", "[tool.ptyplan]\n" + toml)
    code, out, err = run(capsys, "inventory", "pkg")
    assert (code, out) == (2, "")
    assert needle in one_line_error(err)


# --------------------------------------------------------------------------- the real script


def test_console_script(repo: tuple[Repo, str], capsys) -> None:
    r, base = repo
    _, expected, _ = run(capsys, "inventory", "pkg", "--since", base)
    proc = subprocess.run(
        ["ptyplan", "inventory", "pkg", "--since", base],
        cwd=r.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == expected
    r.write("pkg/broken.py", BROKEN)
    proc = subprocess.run(
        ["ptyplan", "inventory", "pkg"], cwd=r.path, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("pkg/broken.py:1: ptyplan.parse:")
    proc = subprocess.run(
        ["ptyplan", "inventory", "pkg", "--nope"],
        cwd=r.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert one_line_error(proc.stderr).startswith("ptyplan: error: unrecognized arguments: --nope")


def test_help_and_version(tmp_path: Path) -> None:
    proc = subprocess.run(
        ["ptyplan", "--help"], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert proc.returncode == 0
    assert "exit codes:" in proc.stdout and "inventory" in proc.stdout
    assert "2  usage or configuration error, git error" in proc.stdout
    proc = subprocess.run(
        ["ptyplan", "inventory", "--help"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0
    for option in (
        "--since",
        "--highlight",
        "--notebooks",
        "--assets",
        "--maxdepth",
        "--include",
        "--exclude",
        "--columns",
        "--json",
        "--format",
        "--root",
    ):
        assert option in proc.stdout
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx_ptyplan", "--version"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert (proc.returncode, proc.stdout.strip()) == (0, f"ptyplan {__version__}")


def test_the_cli_never_imports_sphinx(repo: tuple[Repo, str]) -> None:
    r, base = repo
    code = (
        "import sys, sphinx_ptyplan.cli as cli\n"
        "assert 'sphinx' not in sys.modules\n"
        f"rc = cli.main(['--format', 'json', 'inventory', 'pkg', '--since', {base!r}])\n"
        "assert rc == 0, rc\n"
        "leaked = sorted(m for m in sys.modules if m == 'sphinx' or m.startswith('sphinx.'))\n"
        "assert not leaked, leaked\n"
        "assert 'sphinx_ptyplan.sphinx_ext' not in sys.modules\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=r.path, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr


def test_commands_are_an_extension_point() -> None:
    assert "inventory" in COMMANDS
    cmd = COMMANDS["inventory"]
    assert cmd.name == "inventory" and callable(cmd.run) and callable(cmd.add_arguments)


@pytest.mark.sphinx
def test_markdown_cells_equal_the_built_directive_table(repo: tuple[Repo, str], capsys) -> None:
    """The same request through a real Sphinx build and through the CLI: same cells."""
    from docutils import nodes

    from tests.sphinx.util import build, make_project, ptyplan_warnings

    r, base = repo
    page = (
        "# Plan\n\n```{ptyplan-inventory} pkg\n"
        f":since: {base}\n:highlight: api/, reassembly_*\n:maxdepth: 2\n```\n"
    )
    src = make_project(r.path / "docs", {"index.md": page}, 'ptyplan_root = ".."\n')
    app, warnings = build(src, "html")
    assert ptyplan_warnings(warnings) == []
    doctree = app.env.get_and_resolve_doctree("index", app.builder, tags=app.tags)
    (table,) = list(doctree.findall(nodes.table))
    built = [[e.astext() for e in row.findall(nodes.entry)] for row in table.findall(nodes.row)]
    code, out, _ = run(
        capsys,
        "inventory",
        "pkg",
        "--since",
        base,
        "--highlight",
        "api/, reassembly_*",
        "--maxdepth",
        "2",
    )
    assert code == 0
    assert md_cells(out) == built
    assert len(built) == 6 and built[0][-2:] == ["new", "high-impact"]
