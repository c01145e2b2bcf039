"""Neutral tables -> standard docutils nodes (so html, latex, text, man and texinfo all work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.errors import NoUri
from sphinx.util.nodes import make_refnode

from sphinx_ptyplan.core.oneline import visible
from sphinx_ptyplan.core.outputs.redline import Redline
from sphinx_ptyplan.core.outputs.report import source_link
from sphinx_ptyplan.core.outputs.tables import Cell, Table

if TYPE_CHECKING:
    from sphinx.builders import Builder

__all__ = ["Linker", "render_redline", "render_redline_link", "render_tables", "source_link"]


class Linker:
    """Turns Cell link targets into URLs: code via ``ptyplan_source_url``, docs via Sphinx."""

    def __init__(
        self, builder: Builder | None, fromdocname: str, source_url: str | None, revision: str
    ) -> None:
        self.builder = builder
        self.fromdocname = fromdocname
        self.source_url = source_url
        self.revision = revision

    def code_url(self, path: str, line: int | None) -> str | None:
        return source_link(self.source_url, self.revision, path, line)

    def wrap(self, cell: Cell, child: nodes.Node) -> nodes.Node:
        if cell.doc is not None and self.builder is not None:
            try:
                return make_refnode(self.builder, self.fromdocname, cell.doc, cell.anchor, child)
            except NoUri:  # a page this builder does not write (latex: outside its toctree)
                return child
        if cell.path is not None:
            url = self.code_url(cell.path, cell.line)
            if url:
                ref = nodes.reference("", "", refuri=url, internal=False)
                ref += child
                return ref
        return child


def _cell_nodes(cell: Cell, linker: Linker) -> list[nodes.Node]:
    if cell.parts:
        out: list[nodes.Node] = []
        for i, part in enumerate(cell.parts):
            if i:
                out.append(nodes.Text(", "))
            out.extend(_cell_nodes(part, linker))
        return out
    if not cell.text:
        return []
    text = visible(cell.text)
    inner: nodes.Node = nodes.literal(text, text) if cell.code else nodes.Text(text)
    if cell.status and isinstance(inner, nodes.literal):
        inner["classes"].append(f"ptyplan-{cell.status}")
    wrapped = linker.wrap(cell, inner)
    if cell.status and not isinstance(inner, nodes.literal):
        wrapped = nodes.inline("", "", wrapped, classes=[f"ptyplan-{cell.status}"])
    return [wrapped]


def _table(table: Table, linker: Linker) -> nodes.table:
    tnode = nodes.table(classes=["ptyplan-table", *table.classes])
    group = nodes.tgroup(cols=len(table.columns))
    tnode += group
    # Widths matter for the text and latex writers: size columns by their content.
    for i, name in enumerate(table.columns):
        longest = max((len(r[i].plain()) for r in table.rows), default=0)
        group += nodes.colspec(colwidth=max(len(name), min(longest, 40), 4))
    head = nodes.thead()
    group += head
    row = nodes.row()
    for name in table.columns:
        row += nodes.entry("", nodes.paragraph("", name))
    head += row
    body = nodes.tbody()
    group += body
    for cells in table.rows:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            para = nodes.paragraph()
            para.extend(_cell_nodes(cell, linker))
            entry += para
            if cell.status:
                entry["classes"].append(f"ptyplan-{cell.status}")
            row += entry
        body += row
    return tnode


def _tree(table: Table, linker: Linker) -> nodes.bullet_list:
    """Rows as a nested list following the folder structure of their first (path) column."""
    top = nodes.bullet_list(classes=["ptyplan-tree"])
    stack: list[tuple[str, nodes.bullet_list]] = [("", top)]
    for cells in table.rows:
        path = cells[0].text.rstrip("/")
        while len(stack) > 1 and not path.startswith(stack[-1][0] + "/"):
            stack.pop()
        item = nodes.list_item()
        para = nodes.paragraph()
        para.extend(_cell_nodes(cells[0], linker))
        details = [c for c in cells[1:] if c.plain()]
        for cell in details:
            para += nodes.Text(" — ")
            para.extend(_cell_nodes(cell, linker))
        item += para
        stack[-1][1].append(item)
        if cells[0].text.endswith("/"):
            sub = nodes.bullet_list()
            item += sub
            stack.append((path, sub))
    return top


def render_tables(tables: tuple[Table, ...], linker: Linker) -> list[nodes.Node]:
    out: list[nodes.Node] = []
    for table in tables:
        container = nodes.container(classes=["ptyplan", *table.classes])
        if table.title:
            container += nodes.rubric(table.title, table.title)
        if table.summary:
            container += nodes.paragraph(table.summary, table.summary, classes=["ptyplan-summary"])
        if table.rows and "ptyplan-tree" in table.classes:
            container += _tree(table, linker)
        elif table.rows:
            container += _table(table, linker)
        else:
            container += nodes.paragraph(table.empty, table.empty, classes=["ptyplan-empty"])
        out.append(container)
    return out


def render_redline(redline: Redline) -> nodes.container:
    """The plan's redline under the coverage tables: a title, what it changes, and the
    draft as a literal block in the plan's own markup, its changed lines highlighted."""
    box = nodes.container(classes=["ptyplan", "ptyplan-redline"])
    title = f"Redline draft of {redline.plan}"
    box += nodes.rubric(title, title)
    summary = (
        f"{redline.summary}. What the revised plan would say (Phase B1); the plan itself "
        "is unchanged. Highlighted lines are the draft's own."
    )
    box += nodes.paragraph(summary, summary, classes=["ptyplan-summary"])
    block = nodes.literal_block(redline.text, redline.text, classes=["ptyplan-redline-text"])
    block["language"] = "rst" if redline.fmt == "rst" else "markdown"
    block["highlight_args"] = {"hl_lines": list(redline.changed_lines)}
    box += block
    return box


def render_redline_link(path: str, docname: str | None, linker: Linker) -> nodes.container:
    """``:redline: FOLDER``: a link to the newest report's ``plan_redline.md``."""
    box = nodes.container(classes=["ptyplan", "ptyplan-redline"])
    para = nodes.paragraph(classes=["ptyplan-summary"])
    para += nodes.Text("Redline draft of the plan, from the newest report: ")
    para += linker.wrap(Cell(path, code=True, path=path, doc=docname), nodes.literal(path, path))
    box += para
    return box
