"""Parity between ``ptyplan check`` and the docs build on two shapes they judged
differently: a symlinked document (blamed through its target) and an explicit-title role
(judged by its target)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from sphinx_ptyplan.cli import main
from tests.gitutil import Repo
from tests.sphinx.util import build, ptyplan_warnings

pytestmark = pytest.mark.sphinx

CODE = "".join(f"def f{i}():\n    return {i}\n" for i in range(1, 11))
CONF = (
    'extensions = ["myst_parser", "sphinx_ptyplan"]\nptyplan_root = ".."\n'
    'exclude_patterns = ["_build"]\n'
)


def _check(root: Path, doc: str) -> list[str]:
    err = io.StringIO()
    cwd = Path.cwd()
    try:
        import os

        os.chdir(root)
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            main(["check", doc])
    finally:
        os.chdir(cwd)
    return [line for line in err.getvalue().splitlines() if "ptyplan." in line]


def _verdicts(lines: list[str]) -> list[tuple[int, str, str]]:
    """(line, kind, the replacement or the cited text) of warnings, front-end neutral."""
    out = []
    for line in lines:
        m = re.search(r":(\d+): .*?ptyplan\.(\w+)|:(\d+): WARNING: .*\[ptyplan\.(\w+)\]", line)
        assert m, line
        n, kind = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        cited = re.findall(r"`([^`]+\.py:[^`]+)`", line)
        out.append((int(n), kind, cited[-1] if cited else ""))
    return sorted(out)


def test_a_symlinked_document_is_blamed_through_its_target(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    r.write("pkg/__init__.py", "")
    r.write("pkg/b.py", CODE)
    r.write("README.md", "# Read me\n\nSee `pkg/b.py:5`.\n")
    r.write("docs/conf.py", CONF)
    r.write("docs/index.md", "# I\n\n```{toctree}\nreadme\n```\n")
    (r.path / "docs" / "readme.md").symlink_to("../README.md")
    r.commit("code, readme and a docs link to it")
    r.write("pkg/b.py", "# one\n# two\n" + CODE)
    r.commit("two lines on top")
    cli = _check(r.path, "docs/readme.md")
    _app, warnings = build(r.path / "docs", "html")
    built = ptyplan_warnings(warnings)
    assert len(cli) == 1 and "moved: now `pkg/b.py:7`" in cli[0], cli
    assert _verdicts(cli) == _verdicts(built), (cli, built)


def test_an_explicit_title_role_is_judged_by_its_target(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    r.write("pkg/__init__.py", "")
    r.write("pkg/model.py", CODE)
    r.write("docs/conf.py", CONF)
    r.write(
        "docs/index.md",
        "# I\n\nThe {ptyref}`the model <pkg/model.py:no_such_fn>` and "
        "{ptyref}`first <pkg/model.py:f1>`.\n",
    )
    r.commit("docs")
    cli = _check(r.path, "docs/index.md")
    _app, warnings = build(r.path / "docs", "html")
    built = ptyplan_warnings(warnings)
    assert len(cli) == 1 and "ptyplan.stale" in cli[0] and "no_such_fn" in cli[0], cli
    assert len(built) == 1 and "[ptyplan.stale]" in built[0] and "no_such_fn" in built[0], built
    assert "cannot be checked" not in built[0]


@pytest.mark.parametrize("disk_form", ["NFC", "NFD"])
def test_citations_match_file_names_under_nfc(tmp_path: Path, disk_form: str) -> None:
    """A citation written decomposed (NFD) or composed (NFC) is the same citation of the
    same file, whatever form the file's name has on disk; findings quote it as written."""
    import unicodedata

    name = unicodedata.normalize(disk_form, "pkg/café.py")
    root = tmp_path / "r"
    (root / "pkg").mkdir(parents=True)
    (root / name).write_text("a = 1\nb = 2\n")
    nfc, nfd = (unicodedata.normalize(f, "pkg/café.py") for f in ("NFC", "NFD"))
    (root / "notes.md").write_text(
        f"# N\n\n- `{nfc}:2` and `{nfd}:2`\n- `{nfc}:9`\n- `{nfd}:9`\n"
    )
    lines = [line for line in _check(root, "notes.md") if "ptyplan.git" not in line]  # no repo
    assert len(lines) == 2, lines  # the two line-9 citations, nothing else
    assert any(f"`{nfc}:9`" in line for line in lines), lines
    assert any(f"`{nfd}:9`" in line for line in lines), lines  # quoted as written
    assert all(":9" in line and "ptyplan.stale" in line for line in lines), lines
