"""Notebooks: the title (first Markdown heading) and code lines of a ``.ipynb`` file."""

from __future__ import annotations

import json
import re
from typing import Any

from sphinx_ptyplan.core.sources.extract import _count_lines

_Notebook = tuple[str | None, int, str | None]  # (title, code lines, error message)


_HEADING = re.compile(r"^\s{0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")


def _cell_text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _notebook_info(data: bytes) -> _Notebook:
    """(title, code lines, error) of a notebook; the error is set when it is not JSON."""
    try:
        nb = json.loads(data)
    except (ValueError, RecursionError) as exc:
        return None, 0, f"not valid notebook JSON: {exc}"
    if not isinstance(nb, dict):
        return None, 0, "not a notebook: the JSON document is not an object"
    cells = nb.get("cells")
    if cells is None and isinstance(nb.get("worksheets"), list) and nb["worksheets"]:
        sheet = nb["worksheets"][0]
        cells = sheet.get("cells") if isinstance(sheet, dict) else None
    if not isinstance(cells, list):
        return None, 0, "not a notebook: no list of cells"
    title: str | None = None
    lines = 0
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        kind = cell.get("cell_type")
        if kind == "code":
            lines += _count_lines(_cell_text(cell))[0]
        elif kind == "markdown" and title is None:
            for line in _cell_text(cell).splitlines():
                m = _HEADING.match(line)
                if m:
                    title = m.group(1).strip()
                    break
    return title, lines, None
