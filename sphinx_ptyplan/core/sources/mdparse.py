"""The Markdown (MyST) reader: markdown-it tokens become spans, sections and field lists."""

from __future__ import annotations

import re
from typing import Any

from sphinx_ptyplan.core.sources.classify import _is_code_role, _role_target
from sphinx_ptyplan.core.sources.collect import _Collector, _leading_codes, _owner_from
from sphinx_ptyplan.core.sources.docmodel import ParserFailure

#: Inline markup around an owner or a field name (``- **`ModelConfig`**: ...``).
_EMPHASIS = frozenset({"strong_open", "strong_close", "em_open", "em_close"})
_MD_ROLE_RE = re.compile(r"\{([A-Za-z][\w:.+-]*)\}$")
#: a link to a URL (``https:``, ``mailto:``, ...): code spans in its text are not checked
_EXTERNAL_URL_RE = re.compile(r"^[A-Za-z][\w+.-]*:")
_md_parser: Any = None


def _markdown() -> Any:
    """CommonMark with the block syntax MyST reads: tables, footnotes, definition lists and
    ``:::`` fences (enabled whether or not a project turns the MyST extensions on: a span's
    line is the same either way)."""
    global _md_parser
    if _md_parser is None:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.colon_fence import colon_fence_plugin
        from mdit_py_plugins.deflist import deflist_plugin
        from mdit_py_plugins.footnote import footnote_plugin

        _md_parser = (
            MarkdownIt("commonmark")
            .enable("table")
            .use(footnote_plugin)
            .use(deflist_plugin)
            .use(colon_fence_plugin)
        )
    return _md_parser


#: MyST directives whose content is Markdown read by Sphinx: their spans are checked
_MD_BODY_DIRECTIVES = frozenset(
    {
        "note", "warning", "tip", "hint", "important", "caution", "attention", "danger",
        "error", "seealso", "admonition", "topic", "sidebar", "versionadded",
        "versionchanged", "deprecated", "versionremoved", "epigraph", "pull-quote",
        "highlights", "compound", "container", "div", "only", "dropdown", "card",
        "tab-item", "tab-set", "grid", "grid-item", "grid-item-card",
    }
)  # fmt: skip
_MD_FENCE_NAME_RE = re.compile(r"^\{([\w:.-]+)\}")


def _directive_body(tok: Any) -> tuple[str, str, int] | None:
    """``(directive name, body text, 1-based line of the body's first line)`` of a MyST
    directive fence, options (``:name: value`` lines or a ``---`` block) left out."""
    m = _MD_FENCE_NAME_RE.match(tok.info.strip())
    if m is None or not tok.map:
        return None
    lines = tok.content.split("\n")
    skip = 0
    if lines and lines[0].strip() == "---":
        end = next((k for k in range(1, len(lines)) if lines[k].strip() == "---"), None)
        skip = end + 1 if end is not None else 0
    else:
        while skip < len(lines) and re.match(r"^:[\w-]+:", lines[skip].strip()):
            skip += 1
    return m.group(1).lower(), "\n".join(lines[skip:]), tok.map[0] + 2 + skip


def _md_inline_codes(
    tok: Any,
) -> tuple[list[tuple[str, int, str | None]], str, list[tuple[str, int]], list[tuple[int, int]]]:
    """Code spans (text, exact line, role name), plain text and link hrefs (href, line) of an
    inline token; lines count the soft/hard breaks before each child."""
    base = tok.map[0] + 1 if tok.map else 1
    breaks = 0
    prev_text = ""
    out: list[tuple[str, int, str | None]] = []
    plain: list[str] = []
    links: list[tuple[str, int]] = []
    order: list[tuple[int, int]] = []  # (0 code | 1 link, index) in child order
    external = 0  # depth of open links to URLs: their code spans name what the URL names
    for child in tok.children or ():
        if child.type in ("softbreak", "hardbreak"):
            breaks += 1
            prev_text = ""
        elif child.type == "text":
            prev_text = child.content
            plain.append(child.content)
        elif child.type == "code_inline" and external:
            prev_text = ""
        elif child.type == "code_inline":
            rm = _MD_ROLE_RE.search(prev_text)
            order.append((0, len(out)))
            out.append((child.content, base + breaks, rm.group(1) if rm else None))
            prev_text = ""
        else:
            if child.type == "link_open":
                href = child.attrGet("href")
                if isinstance(href, str):
                    order.append((1, len(links)))
                    links.append((href, base + breaks))
                    if _EXTERNAL_URL_RE.match(href.strip()) or external:
                        external += 1
            elif child.type == "link_close" and external:
                external -= 1
            prev_text = ""
    return out, "".join(plain), links, order


def _bold_word(children: Any) -> str | None:
    """The text of a paragraph's opening ``**word**`` (plain text only), else ``None``."""
    kids = [c for c in children[:4] if c.type != "text" or c.content][:3]
    if len(kids) == 3 and kids[0].type == "strong_open" and kids[2].type == "strong_close":
        return str(kids[1].content) if kids[1].type == "text" else None
    return None


def _parse_markdown(text: str, col: _Collector) -> None:
    try:
        tokens = _markdown().parse(text)
    except Exception as exc:  # markdown-it's own failure on odd input (not our code)
        raise ParserFailure.of(exc) from exc
    # open list items: [first code span (text, line), owner named by the first paragraph]
    items: list[list[Any]] = []
    # open lists: [owner (name, hint) and its line, field candidates]
    lists: list[list[Any]] = []
    table: list[Any] | None = None  # [owner, line, rows]
    item_lines: list[int] = []  # first lines of the open list items
    in_tbody = False
    col_index = 0
    for i, tok in enumerate(tokens):
        t = tok.type
        if t in ("fence", "colon_fence"):
            body = _directive_body(tok)
            if body is not None and body[0] in _MD_BODY_DIRECTIVES | {"eval-rst", "eval_rst"}:
                name, content, first = body
                saved = col.offset
                col.offset = saved + first - 1
                try:
                    if name in ("eval-rst", "eval_rst"):
                        from sphinx_ptyplan.core.sources.rstparse import _parse_rst

                        _parse_rst(content, col)
                    else:
                        _parse_markdown(content, col)
                finally:
                    col.offset = saved
        elif t == "heading_open":
            inline = tokens[i + 1] if i + 1 < len(tokens) else None
            title = inline.content if inline is not None and inline.type == "inline" else ""
            plain_title = re.sub(r"`([^`]*)`", r"\1", title).strip()
            level = int(tok.tag[1:]) if tok.tag[1:].isdigit() else 1
            col.heading(plain_title, tok.map[0] + 1 if tok.map else 1, level)
        elif t in ("bullet_list_open", "ordered_list_open"):
            owner = items[-1][1] if items else None
            lists.append([owner, []])
        elif t in ("bullet_list_close", "ordered_list_close"):
            if lists:
                owner, fields = lists.pop()
                if owner is not None and fields:
                    col.field_list(owner[0], owner[1], fields)
        elif t == "list_item_open":
            items.append([None, None, False])
            item_lines.append(tok.map[0] + 1 if tok.map else 0)
        elif t == "list_item_close":
            if item_lines:
                item_lines.pop()
            if items:
                first = items.pop()[0]
                if first and lists:
                    lists[-1][1].extend(first)
        elif t == "table_open":
            owner = None
            if i >= 2 and tokens[i - 2].type == "inline":
                codes, plain, _links, _order_ = _md_inline_codes(tokens[i - 2])
                found = _owner_from([c for c, _, r in codes if r is None], plain)
                if found is not None:
                    m = tokens[i - 2].map
                    owner = (found, m[0] + 1 if m else 1)
            table = [owner, []]
        elif t == "table_close":
            if table is not None and table[0] is not None and table[1]:
                col.field_list(table[0][0], table[0][1], table[1])
            table = None
        elif t == "tbody_open":
            in_tbody = True
        elif t == "tbody_close":
            in_tbody = False
        elif t == "tr_open":
            col_index = 0
        elif t in ("td_open", "th_open"):
            col_index += 1
        elif t == "inline":
            codes, plain, links, order = _md_inline_codes(tok)
            line0 = tok.map[0] + 1 if tok.map else 1
            col.items = tuple(reversed(item_lines))
            col.block = item_lines[-1] if item_lines and table is None else line0
            col.plain_paths(plain, line0)
            # code spans and links in document order (``order`` lists them so: linear)
            for is_link, n in order:
                if is_link:
                    href, line = links[n]
                    col.link(href, line)
                    continue
                text_, line, role = codes[n]
                if role is None:
                    col.span(text_, line, "code")
                elif _is_code_role(role):
                    col.span(_role_target(text_), line, "role")
            children = [
                c
                for c in (tok.children or ())
                if (c.type != "text" or c.content.strip()) and c.type not in _EMPHASIS
            ]
            lead = _leading_codes([(c.type == "code_inline", c.content) for c in children])
            first_code = lead[0] if lead else None
            if table is not None:
                if in_tbody and col_index == 1 and first_code is not None:
                    table[1].append((first_code, line0))
            elif items and not items[-1][2] and i > 0 and tokens[i - 1].type == "paragraph_open":
                items[-1][2] = True
                if first_code is not None:
                    items[-1][0] = [(c, line0) for c in lead]
                    owner = _owner_from([first_code], plain)
                    items[-1][1] = (owner, line0) if owner is not None else None
                elif _bold_word(tok.children or ()) is not None:
                    # ``- **ModelConfig**: ...`` (bold, no code span), as reST writes it
                    owner = _owner_from([_bold_word(tok.children or ()) or ""], plain)
                    items[-1][1] = (owner, line0) if owner is not None else None
