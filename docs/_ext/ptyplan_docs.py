"""Docs-only directives that generate reference tables from the code itself."""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from sphinx_ptyplan.core.models import FindingCode, FindingKind
from sphinx_ptyplan.core.settings import SETTINGS


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
            if isinstance(c, nodes.bullet_list):
                row += nodes.entry("", c)
                continue
            para = nodes.paragraph()
            para += c if isinstance(c, nodes.Node) else nodes.Text(c)
            row += nodes.entry("", para)
        tbody += row
    return table


def _codes(kind: FindingKind) -> nodes.bullet_list:
    """The finding codes of one kind, each with its description (from the FindingCode enum)."""
    items = nodes.bullet_list()
    for code in FindingCode:
        if kind in code.kinds:
            para = nodes.paragraph()
            para += nodes.literal(code.value, code.value)
            para += nodes.Text(" — " + code.description.replace("``", ""))
            items += nodes.list_item("", para)
    return items


class WarningTable(SphinxDirective):
    """Every ``ptyplan.<subtype>`` with its finding codes, generated from the FindingKind and
    FindingCode enums."""

    def run(self) -> list[nodes.Node]:
        rows: list[list[nodes.Node | str]] = []
        for kind in FindingKind:
            name = f"ptyplan.{kind.value}"
            rows.append(
                [nodes.literal(name, name), kind.description.replace("``", ""), _codes(kind)]
            )
        return [_table(["subtype", "meaning", "codes"], rows)]


class ConfigTable(SphinxDirective):
    """Every setting, generated from its one declaration (``core/settings.py``): the
    ``ptyplan_*`` name in conf.py, the key in ``[tool.ptyplan]``, default, meaning."""

    def run(self) -> list[nodes.Node]:
        return [config_table()]


def config_table() -> nodes.table:
    rows: list[list[nodes.Node | str]] = []
    for s in SETTINGS:
        name = f"ptyplan_{s.name}"
        default = list(s.default) if isinstance(s.default, tuple) else s.default
        rows.append(
            [
                nodes.literal(name, name),
                nodes.literal(s.name, s.name),
                nodes.literal(repr(default), repr(default)),
                s.help.replace("``", ""),
            ]
        )
    return _table(["conf.py", "[tool.ptyplan]", "default", "meaning"], rows)


class CliHelp(SphinxDirective):
    """``ptyplan --help`` and each command's help, generated from the argparse parser."""

    def run(self) -> list[nodes.Node]:
        import argparse

        from sphinx_ptyplan.cli.run import build_parser

        parser = build_parser()
        out: list[nodes.Node] = []
        texts = [("ptyplan", parser.format_help())]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    texts.append((f"ptyplan {name}", sub.format_help()))
        for title, text in texts:
            out.append(nodes.rubric(title, title))
            out.append(nodes.literal_block(text, text, language="text"))
        return out


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("ptyplan-cli-help", CliHelp)
    app.add_directive("ptyplan-warning-table", WarningTable)
    app.add_directive("ptyplan-config-table", ConfigTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
