"""Names, docstrings and plan/spec text holding HTML, reST or Markdown markup render as
literal text: escaped by the HTML writer, never parsed as markup."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sphinx.util import build, html, make_project, ptyplan_warnings, write

pytestmark = pytest.mark.sphinx

SCRIPT = "<script>alert(1)</script>"

TREE = {
    "code/__init__.py": f'"""{SCRIPT} package"""\n',
    "code/xss.py": (
        f'"""{SCRIPT} **bold** :func:`os.system` [click](javascript:alert(2))"""\n\n'
        "def run(arg='<img src=x onerror=alert(3)>'):\n"
        '    """<b>bold</b> `code` *emph*"""\n\n\n'
        'class Widget:\n    """<iframe src=\'javascript:alert(4)\'>"""\n'
    ),
    "code/<b>weird</b>.py": '"""<i>weird module</i>"""\n\ndef odd():\n    pass\n',
    "code/weird &amp; name.py": "def amp():\n    pass\n",
    "specs/spec.md": (
        "# Spec <b>bold</b>\n\n## Section <script>alert(5)</script>\n\n"
        "- `code/xss.py:run` and `code/xss.py:<script>`\n"
        "- `code/xss.Widget` fields:\n  - `<img src=x>` (int): *not* a field\n"
    ),
    "plans/plan.md": (
        "# Plan\n\n## <b>Phase</b> <script>alert(6)</script> **one**\n\n"
        "- `code/xss.py` and `code/<b>weird</b>.py`\n"
    ),
}

PAGE = """# Safety

```{ptyplan-inventory} code
:columns: path, kind, lines, symbols, docstring
```

```{ptyplan-spec-hits} specs/spec.md
:tree: code
```

```{ptyplan-delta}
:tree: code
:plan: plans/plan.md
```

After.
"""


def test_markup_in_code_and_documents_is_escaped(tmp_path: Path) -> None:
    src = make_project(
        tmp_path / "src", {"index.md": PAGE}, 'ptyplan_root = "."\nptyplan_drift = False\n'
    )
    write(src, TREE)
    app, warnings = build(src, "html")
    page = html(app)
    body = page.split('<div class="body"', 1)[1].split('<div class="sphinxsidebar"', 1)[0]
    assert "After." in body
    # the content is there, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;b&gt;weird&lt;/b&gt;.py" in body or "&lt;b&gt;weird&lt;/b&gt;" in body
    assert "&amp;amp;" in body  # a file named "weird &amp; name.py"
    assert "&lt;b&gt;Phase&lt;/b&gt;" in body  # plan section names in the coverage table
    # and nothing of it became markup
    for raw in ("<script", "<b>", "<i>weird", "<iframe", "<img", 'href="javascript:'):
        assert raw not in body, raw
    assert "<strong>bold</strong>" not in body and "<em>emph</em>" not in body
    assert "**bold**" in body and ":func:`os.system`" in body.replace("&#96;", "`")
    # warnings quote the markup as text too (one line each)
    for w in ptyplan_warnings(warnings):
        assert "\n" not in w


FORGED_NAME = "ok\nFORGED.md:1: WARNING: forged line [ptyplan.stale]\nx\u2028\x1b[31m.py"


def _forged_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("FORGED")]


def test_a_file_name_cannot_forge_a_warning_line_in_the_build(tmp_path: Path) -> None:
    """A module named with line breaks and a syntax error: its warning stays one line in
    the Sphinx log and the -w file, and the table shows the name with visible escapes."""
    page = "# Forged\n\n```{ptyplan-inventory} code\n```\n\nSee `code/ok.py:1`.\n"
    src = make_project(tmp_path / "src", {"index.md": page}, 'ptyplan_root = "."\n')
    write(src, {f"code/{FORGED_NAME}": "def broken(:\n", "code/ok.py": "x = 1\n"})
    warnfile = tmp_path / "warnings.txt"
    app, warnings = build(src, "text", confoverrides={})
    del app
    for text in (warnings,):
        assert _forged_lines(text) == []
        mine = [w for w in ptyplan_warnings(text) if "FORGED" in w]
        assert mine and all("ok\\nFORGED.md:1" in w for w in mine), mine
    out = (Path(src) / "_build" / "text" / "index.txt").read_text(encoding="utf-8")
    assert _forged_lines(out) == [] and "\x1b" not in out
    assert "ok\\nFORGED.md:1:" in out and "\\x1b[31m.py" in out  # (cells wrap)
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", "-w", str(warnfile), str(src),
         str(tmp_path / "html")],
        capture_output=True,
        text=True,
    )
    assert _forged_lines(proc.stderr) == [] and "ok\\nFORGED" in proc.stderr
    assert _forged_lines(warnfile.read_text()) == []


@pytest.mark.parametrize("fmt", ["markdown", "json", "github", "sarif"])
def test_a_file_name_cannot_forge_a_line_in_cli_output(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sphinx_ptyplan.cli import main

    write(tmp_path, {f"code/{FORGED_NAME}": "def broken(:\n", "code/ok.py": "x = 1\n"})
    write(tmp_path, {"notes.md": "See `code/ok\nFORGED.md:1: x.py:3`.\n"})
    monkeypatch.chdir(tmp_path)
    main(["--format", fmt, "inventory", "code"])
    out = capsys.readouterr()
    main(["--format", fmt, "check", "notes.md"])
    out2 = capsys.readouterr()
    for text in (out.out, out.err, out2.out, out2.err):
        assert _forged_lines(text) == [], text
        assert "\x1b" not in text and "\u2028" not in text
    assert "FORGED" in out.out + out.err
