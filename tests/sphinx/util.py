"""Helpers for building throwaway Sphinx projects in tmp dirs (trees must be real files)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_colors

CONF = """
extensions = ["myst_parser", "sphinx_ptyplan"]
exclude_patterns = ["_build", "code", "plans", "specs"]
{extra}
"""


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text, encoding="utf-8")


def make_project(srcdir: Path, pages: dict[str, str], conf_extra: str = "") -> Path:
    srcdir.mkdir(parents=True, exist_ok=True)
    write(srcdir, {"conf.py": CONF.format(extra=conf_extra), **pages})
    return srcdir


def build(
    srcdir: Path,
    builder: str = "html",
    *,
    parallel: int = 0,
    freshenv: bool = False,
    confoverrides: dict[str, Any] | None = None,
    outdir: Path | None = None,
) -> tuple[SphinxTestApp, str]:
    """Build ``srcdir`` (in ``srcdir/_build``); return the app and its warnings (no colors)."""
    builddir = outdir or (srcdir / "_build")
    app = SphinxTestApp(
        builder,
        srcdir=srcdir,
        builddir=builddir,
        freshenv=freshenv,
        parallel=parallel,
        confoverrides=confoverrides or {},
    )
    try:
        app.build()
    finally:
        app.cleanup()
    return app, strip_colors(app.warning.getvalue())


def ptyplan_warnings(text: str) -> list[str]:
    """The ptyplan warnings of a build, one per line, without the absolute srcdir prefix."""
    return [line for line in text.splitlines() if "[ptyplan." in line]


def subtypes(text: str) -> list[str]:
    return re.findall(r"\[ptyplan\.(\w+)\]", text)


def html(app: SphinxTestApp, docname: str = "index", *, raw: bool = False) -> str:
    """A written page; unless ``raw``, without the ``<wbr>`` break opportunities of long
    paths (so tests can look for a path as written)."""
    text = (Path(app.outdir) / f"{docname}.html").read_text(encoding="utf-8")
    return text if raw else text.replace('</span><wbr><span class="pre">', "")
