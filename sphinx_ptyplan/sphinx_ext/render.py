"""Neutral tables and findings -> standard docutils nodes (html, latex, text, man, texinfo).

HTML gets a few extras that other writers ignore or never see: tables scroll inside their
own container, long paths may break after ``/`` (``<wbr>``), and problems are badges whose
tooltip is the finding and its fix. Other formats get a numbered marker and a note.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.errors import NoUri
from sphinx.util.nodes import make_refnode

from sphinx_ptyplan.core.models import Finding, FindingKind
from sphinx_ptyplan.core.oneline import visible
from sphinx_ptyplan.core.outputs.redline import Redline
from sphinx_ptyplan.core.outputs.report import source_link
from sphinx_ptyplan.core.outputs.tables import Cell, Table, code_spans
from sphinx_ptyplan.sphinx_ext.nodes import ptyplan_wbr

if TYPE_CHECKING:
    from sphinx.builders import Builder

    from sphinx_ptyplan.core.outputs.links import SourceLinks

__all__ = [
    "LEGEND",
    "Linker",
    "Marker",
    "fix_text",
    "render_redline",
    "render_redline_link",
    "render_tables",
    "source_link",
]

#: Shaded statuses and what they mean (the legend under a table shows those it uses).
LEGEND: dict[str, str] = {
    "stale": "stale: names nothing that exists now",
    "ambiguous": "ambiguous: matches several things",
    "drift": "drifted: the cited lines moved or changed",
    "parse-error": "could not be parsed",
    "schema": "the spec names fields the code does not have",
    "missing": "not in the plan",
    "new": "new",
    "high-impact": "high impact",
    "covered": "covered by the plan",
}
#: Statuses that are problems: their rows are marked as a whole too.
PROBLEMS = frozenset({"stale", "ambiguous", "drift", "parse-error", "schema", "missing"})
#: Paths shorter than this never get break opportunities.
_BREAK_AT = 24


class Linker:
    """Turns Cell link targets into links: code through :class:`SourceLinks`, docs via
    Sphinx; and code text into literals that may wrap after ``/`` in HTML."""

    def __init__(
        self, builder: Builder | None, fromdocname: str, links: SourceLinks | None
    ) -> None:
        self.builder = builder
        self.fromdocname = fromdocname
        self.links = links
        self.html = builder is not None and builder.format == "html"

    def code_link(self, path: str, line: int | None) -> nodes.reference | None:
        """An empty external reference to ``path`` at ``line`` (None: no link known)."""
        got = self.links.link(path, line) if self.links is not None else None
        if got is None:
            return None
        ref = nodes.reference("", "", refuri=got.url, internal=False)
        if got.note:
            ref["reftitle"] = got.note
            ref["classes"].append("ptyplan-uncommitted")
        return ref

    def code(self, text: str) -> nodes.literal:
        """A literal; in HTML a long path gets a break opportunity after each ``/``."""
        node = nodes.literal(text, "")
        self.breakable(node, text)
        return node

    def breakable(self, node: nodes.literal, text: str) -> None:
        """Set ``node``'s children to ``text``, with ``<wbr>`` after each ``/`` of a long
        path in HTML (copying the path still copies it unchanged)."""
        node.children = []
        if self.html and len(text) >= _BREAK_AT and "/" in text.rstrip("/"):
            pieces = text.split("/")
            for i, piece in enumerate(pieces):
                last = i == len(pieces) - 1
                node += nodes.Text(piece if last else piece + "/")
                if not last and pieces[i + 1]:
                    node += ptyplan_wbr()
        else:
            node += nodes.Text(text)

    def wrap(self, cell: Cell, child: nodes.Node) -> nodes.Node:
        if cell.doc is not None and self.builder is not None:
            try:
                return make_refnode(self.builder, self.fromdocname, cell.doc, cell.anchor, child)
            except NoUri:  # a page this builder does not write (latex: outside its toctree)
                return child
        if cell.path is not None:
            ref = self.code_link(cell.path, cell.line)
            if ref is not None:
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
    inner: nodes.Node
    if cell.rich and not cell.code:
        inner = nodes.inline()
        for text, is_code in code_spans(visible(cell.text)):
            inner += linker.code(text) if is_code else nodes.Text(text)
    else:
        text = visible(cell.text)
        inner = linker.code(text) if cell.code else nodes.Text(text)
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
            if cell.code:
                entry["classes"].append("ptyplan-code-cell")
            if cell.status:
                entry["classes"].append(f"ptyplan-{cell.status}")
                if cell.status in PROBLEMS:
                    row["classes"].append("ptyplan-problem-row")
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


def _statuses(table: Table) -> list[str]:
    seen: dict[str, None] = {}

    def visit(cell: Cell) -> None:
        if cell.status in LEGEND:
            seen[cell.status] = None
        for part in cell.parts:
            visit(part)

    for row in table.rows:
        for cell in row:
            visit(cell)
    return [s for s in LEGEND if s in seen]


def _legend(statuses: Sequence[str]) -> nodes.paragraph:
    para = nodes.paragraph("", "", classes=["ptyplan-legend"])
    para += nodes.Text("Shading: ")
    for i, status in enumerate(statuses):
        if i:
            para += nodes.Text(", ")
        para += nodes.inline(
            LEGEND[status], LEGEND[status], classes=["ptyplan-swatch", f"ptyplan-{status}"]
        )
    para += nodes.Text(".")
    return para


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
            # wide tables scroll in their own box instead of widening the page
            container += nodes.container("", _table(table, linker), classes=["ptyplan-scroll"])
        else:
            container += nodes.paragraph(table.empty, table.empty, classes=["ptyplan-empty"])
        statuses = _statuses(table) if table.rows else []
        if statuses:
            container += _legend(statuses)
        out.append(container)
    return out


# -- problems on the page ------------------------------------------------------------------

_KIND_LABEL = {
    FindingKind.STALE: "stale",
    FindingKind.DRIFT: "drifted",
    FindingKind.AMBIGUOUS: "ambiguous",
}


def fix_text(finding: Finding) -> str:
    """What to do about a finding, unless its message already says it."""
    msg = finding.message
    if any(said in msg for said in ("replace it with", "update or remove", "write the path")):
        return ""  # the message already ends with what to do
    if finding.replacement:
        fix = f"Fix: replace it with `{finding.replacement}`"
        return fix + (" (`ptyplan fix` does this)." if finding.kind is FindingKind.DRIFT else ".")
    if finding.kind is FindingKind.DRIFT:
        return "Fix: re-read the cited lines, then update the citation or the text around it."
    if finding.kind is FindingKind.AMBIGUOUS:
        return "Fix: write enough of the path to name one of the candidates."
    if finding.kind is FindingKind.STALE:
        return "Fix: point the reference at code that exists, or remove it."
    return ""


def _note(findings: Sequence[Finding]) -> str:
    parts = []
    for f in findings:
        fix = fix_text(f)
        sep = " " if f.message.endswith(".") else ". "
        parts.append(f"{f.kind.value}: {f.message}" + (f"{sep}{fix}" if fix else ""))
    return "\n".join(parts)


class Marker:
    """Marks citations with findings on one page; collects the notes for non-HTML output."""

    def __init__(self, html: bool) -> None:
        self.html = html
        self.notes: list[tuple[int, str, str]] = []  # (number, cited text, note)

    def mark(self, node: nodes.Element, text: str, findings: Sequence[Finding]) -> None:
        """Mark ``node`` (a literal, or the reference around it) in place."""
        kinds = list(dict.fromkeys(f.kind for f in findings))
        label = _KIND_LABEL.get(kinds[0], kinds[0].value)
        classes = ["ptyplan-problem", *(f"ptyplan-{k.value}" for k in kinds)]
        target = (
            node if isinstance(node, nodes.literal) else next(node.findall(nodes.literal), node)
        )
        target["classes"].extend(c for c in classes if c not in target["classes"])
        parent = node.parent
        assert parent is not None
        index = parent.index(node) + 1
        note = _note(findings)
        if self.html:
            badge = nodes.abbreviation(
                label, label, explanation=note, classes=["ptyplan-badge", *classes[1:]]
            )
            parent.insert(index, badge)
        else:
            number = len(self.notes) + 1
            self.notes.append((number, text, note))
            parent.insert(
                index, nodes.inline("", f" [{label} {number}]", classes=["ptyplan-marker"])
            )

    def notes_section(self) -> nodes.container | None:
        """The numbered notes, for the end of the page (None when nothing was marked)."""
        if not self.notes:
            return None
        box = nodes.container(classes=["ptyplan-notes"])
        title = "Problems marked on this page"
        box += nodes.rubric(title, title)
        items = nodes.bullet_list()
        for number, text, note in self.notes:
            para = nodes.paragraph()
            para += nodes.Text(f"[{number}] ")
            para += nodes.literal(text, text)
            para += nodes.Text(": " + note.replace("\n", " "))
            items += nodes.list_item("", para)
        box += items
        return box


def add_notes(doctree: nodes.document, marker: Marker) -> None:
    """Append the marker's notes to the last top-level section (or the document)."""
    box = marker.notes_section()
    if box is None:
        return
    sections = [c for c in doctree.children if isinstance(c, nodes.section)]
    (sections[-1] if sections else doctree).append(box)

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
