"""The reST reader: a docutils doctree (no Sphinx) becomes spans, sections, field lists."""

from __future__ import annotations

import contextlib
import io
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sphinx_ptyplan.core.sources.classify import _is_code_role, _role_target
from sphinx_ptyplan.core.sources.collect import _Collector, _leading_codes, _owner_from
from sphinx_ptyplan.core.sources.docmodel import ParserFailure

_RST_LOCK = threading.Lock()
#: an include directive: (argument, line, options)
IncludeFound = tuple[str, int, tuple[tuple[str, str], ...]]
_ROLE_ALIASES = {
    "": "title-reference",
    "t": "title-reference",
    "title": "title-reference",
    "sub": "subscript",
    "sup": "superscript",
    "ab": "abbreviation",
    "ac": "acronym",
}
_RST_SKIP_DIRECTIVES = frozenset(
    {"include", "raw", "code", "code-block", "sourcecode", "literalinclude", "highlight"}
)
#: Sphinx's directives that set the module of the names after them: a page setting here
_RST_MODULE_DIRECTIVES = frozenset({"module", "currentmodule", "py:module", "py:currentmodule"})


#: directives whose content is never reST (so never holds an include to follow)
_RST_LITERAL_DIRECTIVES = frozenset(
    {"raw", "code", "code-block", "sourcecode", "literalinclude", "highlight", "parsed-literal",
     "math", "csv-table", "list-table", "doctest", "testcode", "testoutput", "productionlist",
     "graphviz", "digraph", "graph", "mermaid", "plot", "ipython", "jupyter-execute"}
)  # fmt: skip


@contextmanager
def _rst_lookups(includes: list[IncludeFound] | None = None) -> Iterator[None]:
    """Make unknown roles/directives harmless while *this* parse runs, then restore docutils'
    (or Sphinx's patched) lookup functions: global docutils state is left as found.

    With ``includes``, the parse records every ``include`` directive there (argument, line,
    options) instead of skipping it, and the content of directives docutils does not know
    (Sphinx's ``only``, ``tab``...) is parsed as reST, so includes nested in them are seen."""
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives, roles

    saved_role = roles.role
    saved_directive = directives.directive

    def code_role(
        name: str,
        rawtext: str,
        text: str,
        lineno: int,
        inliner: Any,
        options: Any = None,
        content: Any = None,
    ) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        node = nodes.literal(rawtext, _role_target(text), classes=["ptyplan-role"])
        return [node], []

    def text_role(
        name: str,
        rawtext: str,
        text: str,
        lineno: int,
        inliner: Any,
        options: Any = None,
        content: Any = None,
    ) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        return [nodes.inline(rawtext, text)], []

    class SkipDirective(Directive):  # type: ignore[misc]
        has_content = True
        optional_arguments = 100
        final_argument_whitespace = True
        option_spec: Any = _AnyOptions()

        def run(self) -> list[nodes.Node]:
            return []

    class RecordInclude(SkipDirective):
        option_spec: Any = _Options()

        def run(self) -> list[nodes.Node]:
            assert includes is not None
            if self.arguments:
                target = "".join(self.arguments[0].splitlines()).strip()
                opts = tuple((k, "" if v is None else str(v)) for k, v in self.options.items())
                includes.append((target, self.lineno, opts))
            return []

    class NestedDirective(SkipDirective):
        option_spec: Any = _Options()

        def run(self) -> list[nodes.Node]:
            holder = nodes.container()
            if self.content:
                self.state.nested_parse(self.content, self.content_offset, holder)
            return []

    class ModuleDirective(SkipDirective):
        """``.. currentmodule:: ptycho.config``: a marker the walker reads as a page setting."""

        def run(self) -> list[nodes.Node]:
            name = self.arguments[0].strip() if self.arguments else ""
            # ``.. currentmodule:: None`` resets Sphinx's module: no setting
            return [nodes.container(ptyplan_module=name)] if name and name != "None" else []

    builtin_roles = {
        "literal",
        "code",
        "emphasis",
        "strong",
        "subscript",
        "superscript",
        "sub",
        "sup",
        "title-reference",
        "title",
        "t",
        "abbreviation",
        "ab",
        "acronym",
        "ac",
    }

    def role(
        role_name: str, language_module: Any, lineno: int, reporter: Any
    ) -> tuple[Any, list[Any]]:
        name = role_name.lower()
        if _is_code_role(name):
            return code_role, []
        if name in builtin_roles or name == "":
            canonical = _ROLE_ALIASES.get(name, name)
            fn = roles._role_registry.get(canonical)
            if fn is not None:
                return fn, []
        return text_role, []

    def directive(type_name: str, language_module: Any, document: Any) -> tuple[Any, list[Any]]:
        name = type_name.lower()
        if includes is not None:
            if name == "include":
                return RecordInclude, []
            if name not in directives._directive_registry:
                return (SkipDirective if name in _RST_LITERAL_DIRECTIVES else NestedDirective), []
        if name in _RST_MODULE_DIRECTIVES:
            return ModuleDirective, []
        if name in _RST_SKIP_DIRECTIVES or name not in directives._directive_registry:
            return SkipDirective, []
        modname, clsname = directives._directive_registry[name]
        import importlib

        mod = importlib.import_module(f"docutils.parsers.rst.directives.{modname}")
        return getattr(mod, clsname), []

    with _RST_LOCK:
        roles.role = role
        directives.directive = directive
        try:
            yield
        finally:
            roles.role = saved_role
            directives.directive = saved_directive


class _AnyOptions(dict[str, Any]):
    """An option_spec that accepts every option (unknown directives take anything)."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> Any:
        return lambda value: value

    def get(self, key: str, default: Any = None) -> Any:
        return lambda value: value


def rst_includes(text: str) -> list[IncludeFound]:
    """Every ``include`` directive of a reST text, as docutils parses it: ``(argument, line,
    options)`` in document order. Directives nested in other directives (``note``, ``only``,
    table cells) count; a literal block, a comment or a code directive holds none."""
    if "include::" not in text:
        return []
    found: list[IncludeFound] = []
    # a docutils failure is the page's own parse's to report; the includes read so far stand
    with contextlib.suppress(ParserFailure):
        _rst_doctree(text, found)
    return found


class _Options(_AnyOptions):
    """Every option accepted, and read as options: docutils parses a directive's options
    only when its option_spec is truthy (an empty ``_AnyOptions`` leaves them in the
    argument block, which the skipped directives do not mind)."""

    def __bool__(self) -> bool:
        return True


def _rst_doctree(text: str, includes: list[IncludeFound] | None = None) -> Any:
    from docutils import nodes as dn
    from docutils.core import publish_doctree

    settings = {
        "file_insertion_enabled": False,
        "raw_enabled": False,
        "report_level": 5,
        "halt_level": 5,
        "warning_stream": io.StringIO(),
        "doctitle_xform": False,
        "sectsubtitle_xform": False,
        "input_encoding": "unicode",
        "embed_stylesheet": False,
        "_disable_config": True,
    }
    with _rst_lookups(includes):
        try:
            doctree = publish_doctree(text, source_path="<ptyplan>", settings_overrides=settings)
        except Exception as exc:  # docutils' own failure on odd input (not our code)
            raise ParserFailure.of(exc) from exc
    for msg in doctree.children:
        # docutils reads nothing of a document with a line over its line-length limit (as
        # Sphinx does): say so, rather than check nothing in silence
        if isinstance(msg, dn.system_message) and "line-length-limit" in msg.astext():
            raise ParserFailure(f"docutils: {msg.astext().strip()} (nothing of it was read)")
    return doctree


def _node_line(node: Any) -> int | None:
    while node is not None:
        line = getattr(node, "line", None)
        if line:
            return int(line)
        node = node.parent
    return None


class _RstWalker:
    def __init__(self, text: str, col: _Collector) -> None:
        self.lines = text.splitlines()
        self.col = col

    def title_line(self, node: Any) -> int:
        line = _node_line(node) or 1
        raw = node.astext().strip()
        for cand in (line - 1, line, line - 2):
            if 1 <= cand <= len(self.lines) and raw and raw in self.lines[cand - 1]:
                return cand
        return max(1, line - 1)

    def inline_lines(self, para: Any) -> list[tuple[Any, int]]:
        """(literal or reference node, exact line) inside a text element, in document order.

        Inline nodes carry no line: take the element's line and count the newlines of its
        rawsource before the node's own rawsource.
        """
        from docutils import nodes

        base = _node_line(para) or 1
        raw = para.rawsource or ""
        pos = 0
        counted = 0  # newlines of raw[:pos] are counted in base (O(1) amortised per node)
        out: list[tuple[Any, int]] = []
        for node in para.findall(lambda n: isinstance(n, (nodes.literal, nodes.reference))):
            rs = node.rawsource or ""
            found = raw.find(rs, pos) if rs else -1
            if found >= 0:
                base += raw.count("\n", counted, found)
                counted = found
                out.append((node, base))
                # a reference may hold a literal: search inside it next
                pos = found + (1 if isinstance(node, nodes.reference) else len(rs))
            else:
                out.append((node, base))
        return out

    def walk(self, node: Any, level: int) -> None:
        from docutils import nodes

        for child in node.children:
            if isinstance(child, nodes.container) and child.get("ptyplan_module"):
                self.col.page_setting(str(child["ptyplan_module"]))
            elif isinstance(child, nodes.section):
                title = child.next_node(nodes.title)
                if title is not None:
                    self.col.heading(title.astext().strip(), self.title_line(title), level + 1)
                self.walk(child, level + 1)
            elif isinstance(
                child, (nodes.literal_block, nodes.doctest_block, nodes.comment, nodes.raw)
            ):
                continue
            elif isinstance(child, nodes.bullet_list):
                self.text_elements(child, skip_nested=True)
                self.bullet_fields(child)
                for item in child.children:
                    for sub in item.children:
                        if isinstance(sub, nodes.TextElement):
                            continue
                        self.walk_one(sub, level)
            elif isinstance(child, nodes.table):
                self.text_elements(child, skip_nested=False)
                self.table_fields(child)
            elif isinstance(child, nodes.TextElement):
                self.text_elements(child, skip_nested=False)
            else:
                self.walk(child, level)

    def walk_one(self, node: Any, level: int) -> None:
        from docutils import nodes

        holder = nodes.container()
        holder.children = [node]  # keep node.parent intact for line lookups
        self.walk(holder, level)

    def text_elements(self, node: Any, *, skip_nested: bool) -> None:
        """Spans of the text elements directly under ``node`` (list items: their paragraphs)."""
        from docutils import nodes

        elems: list[Any]
        if isinstance(node, nodes.TextElement):
            elems = [node]
        elif skip_nested:
            elems = [
                sub
                for item in node.children
                for sub in item.children
                if isinstance(sub, nodes.TextElement)
            ]
        else:
            elems = [
                e
                for e in node.findall(nodes.TextElement)
                if isinstance(e, (nodes.paragraph, nodes.line, nodes.term))
                and not any(isinstance(a, nodes.literal_block) for a in _ancestors(e))
            ]
        for el in elems:
            if isinstance(el, (nodes.literal_block, nodes.doctest_block, nodes.title)):
                continue
            self.place(el)
            for node, line in self.inline_lines(el):
                if isinstance(node, nodes.literal) and _in_url_link(node):
                    continue  # the link text of a URL names what the URL names
                if isinstance(node, nodes.reference):
                    uri = node.get("refuri")
                    if isinstance(uri, str):
                        self.col.link(uri, line)
                    continue
                ctx = "role" if "ptyplan-role" in node.get("classes", ()) else "code"
                self.col.span(node.astext(), line, ctx)

    def place(self, el: Any) -> None:
        """Tell the collector where ``el`` stands, as the Markdown reader does: the first
        lines of its enclosing list items (innermost first) and its block (the innermost
        item, or the paragraph or table cell itself), and the files its plain text names."""
        from docutils import nodes

        line = _node_line(el) or 1
        items: list[int] = []
        in_table = False
        for a in _ancestors(el):
            if isinstance(a, nodes.list_item):
                first = a.children[0] if a.children else a
                items.append(_node_line(first) or line)
            elif isinstance(a, nodes.table):
                in_table = True
        self.col.items = tuple(items)
        self.col.block = items[0] if items and not in_table else line
        plain = "".join(
            t.astext() for t in el.findall(nodes.Text) if not isinstance(t.parent, nodes.literal)
        )
        self.col.plain_paths(plain, line)

    def _para_info(self, para: Any) -> tuple[list[str], str, bool, str | None, int]:
        from docutils import nodes

        codes = [lit.astext() for lit in para.findall(nodes.literal)]
        first = para.children[0] if para.children else None
        starts = isinstance(first, nodes.literal)
        return (
            codes,
            para.astext(),
            starts,
            first.astext() if starts and first is not None else None,
            (_node_line(para) or 1),
        )

    def bullet_fields(self, blist: Any) -> None:
        from docutils import nodes

        for item in blist.children:
            paras = [c for c in item.children if isinstance(c, nodes.paragraph)]
            nested = [c for c in item.children if isinstance(c, nodes.bullet_list)]
            if not paras or not nested:
                continue
            codes, plain, starts, _first, line = self._para_info(paras[0])
            lead = paras[0].children[0] if paras[0].children else None
            if not starts:
                if not isinstance(lead, (nodes.strong, nodes.emphasis)):
                    continue
                codes = [lead.astext()]  # a bold owner: ``- **ModelConfig**: ...``
            owner = _owner_from(codes[:1], plain)
            if owner is None:
                continue
            fields: list[tuple[str, int]] = []
            for sub in nested[0].children:
                sp = [c for c in sub.children if isinstance(c, nodes.paragraph)]
                if not sp:
                    continue
                s_line = _node_line(sp[0]) or 1
                lead = _leading_codes(
                    [(isinstance(c, nodes.literal), c.astext()) for c in sp[0].children]
                )
                fields.extend((c, s_line) for c in lead)
            self.col.field_list(owner, line, fields)

    def table_fields(self, table: Any) -> None:
        from docutils import nodes

        prev = table.previous_sibling() if hasattr(table, "previous_sibling") else None
        owner: tuple[str, str | None] | None = None
        oline = _node_line(table) or 1
        if isinstance(prev, nodes.paragraph):
            codes = [lit.astext() for lit in prev.findall(nodes.literal)]
            codes += [b.astext() for b in prev.findall(nodes.strong)]  # **ModelConfig** fields
            owner = _owner_from(codes, prev.astext())
            oline = _node_line(prev) or oline
        elif prev is None and isinstance(table.parent, nodes.section):
            title = table.parent.next_node(nodes.title)
            if title is not None:
                codes = [lit.astext() for lit in title.findall(nodes.literal)]
                owner = _owner_from(codes, title.astext())
                oline = self.title_line(title)
        elif isinstance(prev, nodes.title):
            codes = [lit.astext() for lit in prev.findall(nodes.literal)]
            owner = _owner_from(codes, prev.astext())
            oline = self.title_line(prev)
        if owner is None:
            return
        rows: list[tuple[str, int]] = []
        for tbody in table.findall(nodes.tbody):
            for row in tbody.children:
                entries = [e for e in row.children if isinstance(e, nodes.entry)]
                if not entries:
                    continue
                paras = [c for c in entries[0].children if isinstance(c, nodes.paragraph)]
                if not paras:
                    continue
                _c, _p, starts, first, line = self._para_info(paras[0])
                if starts and first is not None:
                    rows.append((first, line))
        if rows:
            self.col.field_list(owner, oline, rows)


_EXTERNAL_URL_RE = re.compile(r"^[A-Za-z][\w+.-]*:")


def _in_url_link(node: Any) -> bool:
    from docutils import nodes

    return any(
        isinstance(a, nodes.reference) and _EXTERNAL_URL_RE.match(str(a.get("refuri", "")))
        for a in _ancestors(node)
    )


def _ancestors(node: Any) -> Iterator[Any]:
    p = node.parent
    while p is not None:
        yield p
        p = p.parent


def _parse_rst(text: str, col: _Collector) -> None:
    doctree = _rst_doctree(text)
    _RstWalker(text, col).walk(doctree, 0)
