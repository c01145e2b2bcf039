"""Run every row of the bad-input catalogue (tests/hardening/catalogue.py).

Sphinx rows: the build finishes, the expected ``ptyplan.<subtype>`` warning appears exactly
once at the expected location (or no warning, and the page shows the right thing), and the
row's sentinel paragraph after the directive is in the HTML. Every warning of a group's
build must belong to a row and be typed ``ptyplan.*``: an untyped docutils error, a
stray or a duplicated warning fails the group.
"""

from __future__ import annotations

import builtins
import errno
import os
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sphinx.errors import ConfigError

from sphinx_ptyplan.cli.run import main
from tests.hardening.catalogue import GROUPS, ROWS, Row, _history, markdown_table
from tests.sphinx.util import build

pytestmark = pytest.mark.sphinx

CONF = """
extensions = ["myst_parser", "sphinx_ptyplan"]
exclude_patterns = ["_build", "r", "links"]
ptyplan_root = "."
"""

SPHINX_GROUPS = ("options", "files", "documents", "git", "nogit")
PAGES = {"md": "index.md", "rst": "rest.rst"}
_WARNING = re.compile(r"^(?:(?P<loc>.*?): )?(?P<level>WARNING|ERROR|CRITICAL|SEVERE): ")


@dataclass
class GroupBuild:
    src: Path
    warnings: list[str]  # one per warning line (continuation lines dropped)
    html: str  # all pages' HTML
    lines: dict[str, tuple[str, int]]  # row id -> (page file, line of its snippet)

    def location(self, row: Row) -> str:
        page, line = self.lines[row.id]
        if row.where in ("directive", ""):
            return f"{self.src}/{page}:{line}"
        if row.where.startswith("../"):
            return f"{self.src.parent}/{row.where[3:]}"
        return f"{self.src}/{row.where}"


def _location(warning: str) -> str | None:
    m = _WARNING.match(warning)
    return m.group("loc") if m else None


class _Locked:
    """Simulate EACCES on paths whose name contains LOCKED (root ignores chmod 000)."""

    def __init__(self) -> None:
        self.open = builtins.open
        self.scandir = os.scandir

    @staticmethod
    def refused(path: Any) -> bool:
        return isinstance(path, (str, os.PathLike)) and "LOCKED" in os.fspath(path)

    def patched_open(self, file: Any, *args: Any, **kwargs: Any) -> Any:
        if self.refused(file):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return self.open(file, *args, **kwargs)

    def patched_scandir(self, path: Any = ".") -> Any:
        if self.refused(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return self.scandir(path)


def _run_group(name: str, base: Path, monkeypatch: pytest.MonkeyPatch) -> GroupBuild:
    src = base / "src"
    (src / "r").mkdir(parents=True)
    pages = {"md": ["# Catalogue\n\n"], "rst": [":orphan:\n\nCatalogue\n=========\n\n"]}
    lines: dict[str, tuple[str, int]] = {}
    for row in (r for r in ROWS if r.group == name):
        parts = pages[row.fmt]
        line = sum(p.count("\n") for p in parts) + 1
        snippet = row.build(src)
        assert isinstance(snippet, str)
        lines[row.id] = (PAGES[row.fmt], line)
        parts.append(f"{snippet}\nSentinel {row.id}.\n\n")
    conf = CONF + GROUPS[name].conf
    roots_file = src / "roots.txt"
    if roots_file.exists():
        roots = dict(x.split("=", 1) for x in roots_file.read_text().splitlines())
        conf += f"ptyplan_roots = {roots!r}\n"
    (src / "conf.py").write_text(conf, encoding="utf-8")
    for fmt, parts in pages.items():
        (src / PAGES[fmt]).write_text("".join(parts), encoding="utf-8")
    with monkeypatch.context() as m:
        if name == "files":
            locked = _Locked()
            m.setattr(builtins, "open", locked.patched_open)
            m.setattr(os, "scandir", locked.patched_scandir)
        if name == "nogit":
            empty = base / "empty-bin"
            empty.mkdir()
            m.setenv("PATH", str(empty))
            m.delenv("GIT_PYTHON_GIT_EXECUTABLE", raising=False)
        app, text = build(src, "html")
    out = Path(app.outdir)
    html = "".join(
        (out / f"{Path(p).stem}.html").read_text(encoding="utf-8") for p in PAGES.values()
    )
    warnings = [w for w in text.splitlines() if _WARNING.match(w)]
    return GroupBuild(src, warnings, html, lines)


@pytest.fixture(scope="session")
def group_builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    cache: dict[str, GroupBuild] = {}

    def get(name: str) -> GroupBuild:
        if name not in cache:
            with pytest.MonkeyPatch.context() as mp:
                cache[name] = _run_group(name, tmp_path_factory.mktemp(name), mp)
        return cache[name]

    yield get


def _ids(rows: list[Row]) -> list[str]:
    return [r.id for r in rows]


SPHINX_ROWS = [r for r in ROWS if r.group in SPHINX_GROUPS]


@pytest.mark.parametrize("row", SPHINX_ROWS, ids=_ids(SPHINX_ROWS))
def test_sphinx_row(row: Row, group_builds: Any) -> None:
    g: GroupBuild = group_builds(row.group)
    where = g.location(row)
    at_row = [w for w in g.warnings if _location(w) == where]
    if row.expect:
        assert len(at_row) == 1, (where, at_row, g.warnings)
        assert at_row[0].endswith(f"[ptyplan.{row.expect}]"), at_row
    else:
        mine = [w for w in g.warnings if f"/r/{row.id}/" in w or f"/repos/{row.id}" in w]
        assert at_row == [] and mine == [], (at_row, mine)
    assert f"Sentinel {row.id}." in g.html  # the rest of the page still renders
    for text in row.shows:
        assert text in g.html, text


@pytest.mark.parametrize("name", SPHINX_GROUPS)
def test_every_warning_is_typed_and_belongs_to_a_row(name: str, group_builds: Any) -> None:
    g: GroupBuild = group_builds(name)
    claimed = {g.location(r) for r in ROWS if r.group == name and r.expect}
    stray = [w for w in g.warnings if _location(w) not in claimed or "[ptyplan." not in w]
    assert stray == []
    assert len(g.warnings) == len(claimed)  # one warning per row, no duplicates
    assert not (g.src / "pwned").exists() and not Path("pwned").exists()


# --------------------------------------------------------------------------- configuration

CONFIG_ROWS = [r for r in ROWS if r.group == "config"]


@pytest.mark.parametrize("row", CONFIG_ROWS, ids=_ids(CONFIG_ROWS))
def test_config_row(row: Row, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    extra = row.build(src)
    assert isinstance(extra, str)
    (src / "conf.py").write_text(CONF.replace('ptyplan_root = "."\n', "") + extra)
    (src / "index.md").write_text("# Page\n\nSentinel.\n")
    assert row.expect == "ConfigError"
    with pytest.raises(ConfigError) as info:
        build(src, "html")
    message = str(info.value)
    name = extra.split("=", 1)[0].strip()
    assert name in message and "\n" not in message.strip(), message


# --------------------------------------------------------------------------- command line

CLI_ROWS = [r for r in ROWS if r.group == "cli"]


@pytest.fixture(scope="session")
def cli_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _history(tmp_path_factory.mktemp("cli") / "repo").path


@pytest.mark.parametrize("row", CLI_ROWS, ids=_ids(CLI_ROWS))
def test_cli_row(
    row: Row,
    tmp_path: Path,
    cli_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(cli_template, root, symlinks=True)
    argv = row.build(root)
    assert isinstance(argv, list)
    monkeypatch.chdir(root)
    if row.id == "cli-no-git":
        (tmp_path / "empty-bin").mkdir()
        monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
        monkeypatch.delenv("GIT_PYTHON_GIT_EXECUTABLE", raising=False)
    code = main(argv)
    err = capsys.readouterr().err
    assert code == int(row.expect.split()[1]), err
    assert "Traceback" not in err and "internal error" not in err, err
    lines = err.strip().splitlines()
    if code == 2:
        assert len(lines) == 1, err  # one line saying what is wrong
    elif code == 1:
        assert lines, err  # the findings
    else:
        assert err == ""
    for text in row.shows:
        assert text in err
    assert not (root / "x").exists()


# --------------------------------------------------------------------------- docs page


def test_catalogue_has_at_least_40_unique_rows() -> None:
    ids = [r.id for r in ROWS]
    assert len(ids) == len(set(ids)) and len(ids) >= 40
    assert {r.group for r in ROWS} == set(GROUPS)


def test_docs_page_lists_every_row() -> None:
    page = (Path(__file__).parents[2] / "docs" / "bad-input.md").read_text(encoding="utf-8")
    begin, end = "<!-- catalogue: begin -->\n", "<!-- catalogue: end -->"
    assert begin in page and end in page
    generated = page.split(begin, 1)[1].split(end, 1)[0]
    assert generated.strip() == markdown_table().strip(), (
        "docs/bad-input.md is out of date: regenerate it with "
        f"`{sys.executable} -m tests.hardening.catalogue`"
    )
