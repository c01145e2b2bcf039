"""Docs-only directives that generate reference tables from the code itself."""

from __future__ import annotations

import dataclasses
from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from sphinx_ptyplan.core.models import FindingKind
from sphinx_ptyplan.sphinx_ext.config import PtyplanConfig


def _table(header: list[str], rows: list[list[nodes.Node | str]]) -> nodes.table:
    table = nodes.table()
    group = nodes.tgroup(cols=len(header))
    table += group
    for _ in header:
        group += nodes.colspec(colwidth=1)
    thead = nodes.thead()
    group += thead
    hrow = nodes.row()
    for h in header:
        hrow += nodes.entry("", nodes.paragraph("", h))
    thead += hrow
    tbody = nodes.tbody()
    group += tbody
    for cells in rows:
        row = nodes.row()
        for c in cells:
            para = nodes.paragraph()
            para += c if isinstance(c, nodes.Node) else nodes.Text(c)
            row += nodes.entry("", para)
        tbody += row
    return table


class WarningTable(SphinxDirective):
    """Every ``ptyplan.<subtype>``, generated from the FindingKind enum."""

    def run(self) -> list[nodes.Node]:
        rows: list[list[nodes.Node | str]] = []
        for kind in FindingKind:
            name = f"ptyplan.{kind.value}"
            rows.append([nodes.literal(name, name), kind.description.replace("``", "")])
        return [_table(["subtype", "meaning"], rows)]


class ConfigTable(SphinxDirective):
    """Every ``ptyplan_*`` value, generated from the PtyplanConfig dataclass."""

    def run(self) -> list[nodes.Node]:
        rows: list[list[nodes.Node | str]] = []
        for f in dataclasses.fields(PtyplanConfig):
            default: Any = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
            name = f"ptyplan_{f.name}"
            rows.append([
                nodes.literal(name, name),
                nodes.literal(repr(default), repr(default)),
                f.metadata["help"].replace("``", ""),
            ])
        return [_table(["name", "default", "meaning"], rows)]


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("ptyplan-warning-table", WarningTable)
    app.add_directive("ptyplan-config-table", ConfigTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
