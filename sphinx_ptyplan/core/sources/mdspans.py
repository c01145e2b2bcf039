"""Inline code spans, roles and link targets of a Markdown document, in one fast pass.

``ptyplan check`` needs only the inline code of a document (text, line, context), not its
tree; markdown-it's full parse costs about 0.3 ms a line, a planning corpus has hundreds of
thousands. This scanner follows CommonMark (as markdown-it's ``commonmark`` preset with
tables does) for everything that decides *where inline code is*: fenced and indented code
blocks, HTML blocks and inline HTML, block quotes, list items, tables, headings, code spans
with their backtick runs, backslash escapes, inline links and images. When a document uses
a construct whose effect it does not reproduce exactly (link reference definitions, tabs
in indentation, a fence that a dedent or a block quote's end would close, MyST directive
and colon fences, definition lists), it returns
``None`` and the caller parses with markdown-it: the result is never a guess.
``tests/core/test_mdspans.py`` compares both on every Markdown file of the repository, a
generated corpus and random documents.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

__all__ = ["md_spans"]

_FENCE_RE = re.compile(r"^(`{3,}|~{3,})(.*)$")
_ATX_RE = re.compile(r"^#{1,6}(?:[ \t]+|$)")
_HR_RE = re.compile(r"^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_SETEXT_RE = re.compile(r"^(?:=+|-+)[ \t]*$")
_ATX_END_RE = re.compile(r"(?:[ \t]+#+)?[ \t]*$")  # a heading's closing hashes
_HASHES_RE = re.compile(r"#+")
_DIRECTIVE_RE = re.compile(r"^\{([\w:.-]+)\}")  # a MyST directive's name in a fence
_ITEM_RE = re.compile(r"^(?:([-*+])|(\d{1,9})[.)])(?=[ \t]|$)")
_REFDEF_RE = re.compile(r"^ {0,3}\[(?:[^\]\\]|\\.)+\]:")
_DELIM_RE = re.compile(r"^[-:|][-:|\s]*$")
_ALIGN_RE = re.compile(r"^:?-+:?$")
_HTML1_RE = re.compile(r"^<(?:script|pre|style|textarea)(?:\s|>|$)", re.I)
_HTML1_END_RE = re.compile(r"</(?:script|pre|style|textarea)>", re.I)
_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|"
    "details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|"
    "h1|h2|h3|h4|h5|h6|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|"
    "noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|"
    "thead|title|tr|track|ul"
)
_HTML6_RE = re.compile(rf"^</?(?:{_BLOCK_TAGS})(?:\s|/?>|$)", re.I)
_ATTR = r"""(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^"'=<>`\x00-\x20]+|'[^']*'|"[^"]*"))?)"""
_OPEN_TAG = rf"<[A-Za-z][A-Za-z0-9\-]*{_ATTR}*\s*/?>"
_CLOSE_TAG = r"</[A-Za-z][A-Za-z0-9\-]*\s*>"
_HTML7_RE = re.compile(rf"^(?:{_OPEN_TAG}|{_CLOSE_TAG})\s*$")
_INLINE_HTML_RE = re.compile(
    rf"{_OPEN_TAG}|{_CLOSE_TAG}|<!---?>|<!--[\s\S]*?-->|<[?][\s\S]*?[?]>|<![A-Za-z][^>]*>"
    r"|<!\[CDATA\[[\s\S]*?\]\]>"
)
_AUTOLINK_RE = re.compile(
    r"<[A-Za-z][A-Za-z0-9.+-]{1,31}:[^<>\x00-\x20]*>"
    r"|<[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*>"
)
_ROLE_RE = re.compile(r"\{([A-Za-z][\w:.+-]*)\}$")
_SPECIAL_RE = re.compile(r"[\\`<!\[\n]")
#: first characters of a line that may start something other than a paragraph line
_BLOCK_CHARS = frozenset("`~#<*-_+=>0123456789[:")
#: first characters of a list item marker
_ITEM_CHARS = frozenset("-*+0123456789")
_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _body_directives() -> frozenset[str]:
    from .mdparse import _MD_BODY_DIRECTIVES

    return _MD_BODY_DIRECTIVES | {"eval-rst", "eval_rst"}


def _external(href: str) -> bool:
    from .mdparse import _EXTERNAL_URL_RE

    return bool(_EXTERNAL_URL_RE.match(href.strip()))


class _Unsure(Exception):
    """The document uses a construct this scanner does not reproduce: use markdown-it."""


Event = tuple[str, int, str | None]  # (text, line, role name | "" for a link | None)


def _indent(line: str) -> int:
    n = len(line) - len(line.lstrip(" "))
    if line[n : n + 1] == "\t":
        raise _Unsure
    return n


def _cells(line: str) -> list[str]:
    """markdown-it's ``escapedSplit`` of a table row (``\\|`` is a pipe inside a cell)."""
    out: list[str] = []
    cur: list[str] = []
    escaped = False
    for ch in line:
        if ch == "|" and not escaped:
            out.append("".join(cur))
            cur = []
        elif ch == "|":
            cur[-1:] = ["|"]
        else:
            cur.append(ch)
        escaped = ch == "\\"
    out.append("".join(cur))
    if out and out[0] == "":
        out.pop(0)
    if out and out[-1] == "":
        out.pop()
    return out


def _table_columns(header: str, delim: str) -> int:
    """Number of columns when ``header`` + ``delim`` open a table, else 0."""
    d = delim.strip()
    if "|" not in header or not d or d[0] not in "|-:" or not _DELIM_RE.match(d):
        return 0
    if len(d) < 2 or (d[0] == "-" and d[1] in " \t"):
        return 0
    parts = d.split("|")
    aligns = 0
    for i, part in enumerate(parts):
        t = part.strip()
        if not t:
            if i in (0, len(parts) - 1):
                continue
            return 0
        if not _ALIGN_RE.match(t):
            return 0
        aligns += 1
    cols = _cells(header.strip())
    return len(cols) if cols and len(cols) == aligns else 0


class _Inline:
    """Inline scanning of one block's text (lines joined by ``\\n``)."""

    def __init__(self, out: list[Event]) -> None:
        self.out = out
        #: positions of newlines markdown-it does not count as line breaks (inside code
        #: spans, inline HTML, link destinations): its lines come from break tokens only
        self.hidden: list[int] = []
        self._at = 0  # position of the last line asked, and the newlines before it
        self._breaks = 0

    def scan(self, text: str, first_line: int) -> None:
        if "`" not in text and "[" not in text:
            return
        self.hidden = []
        self._at = self._breaks = 0
        self._scan(text, 0, len(text), first_line, text.count)

    def _line(self, text: str, pos: int, first: int) -> int:
        # newlines before ``pos``, counted on from the last position asked (positions only
        # grow within a block: linear in the block, however many spans it holds)
        if pos >= self._at:
            self._breaks += text.count("\n", self._at, pos)
        else:
            self._breaks = text.count("\n", 0, pos)
        self._at = pos
        return first + self._breaks - bisect.bisect_left(self.hidden, pos)

    def _hide(self, text: str, a: int, b: int) -> None:
        k = text.find("\n", a, b)
        while k >= 0:
            bisect.insort(self.hidden, k)
            k = text.find("\n", k + 1, b)

    def _code_end(self, text: str, pos: int, end: int) -> tuple[int, int] | None:
        """For a backtick run at ``pos``: (content end, after closing run), or None."""
        n = pos
        while n < end and text[n] == "`":
            n += 1
        size = n - pos
        k = n
        while True:
            k = text.find("`", k, end)
            if k < 0:
                return None
            m = k
            while m < end and text[m] == "`":
                m += 1
            if m - k == size:
                return k, m
            k = m

    def _skip(self, text: str, pos: int, end: int) -> int:
        """markdown-it's ``skipToken`` for label scanning: the end of a code span, inline
        HTML or autolink starting at ``pos``, else ``pos + 1``."""
        ch = text[pos]
        if ch == "\\" and pos + 1 < end and text[pos + 1] in _PUNCT:
            return pos + 2
        if ch == "`":
            got = self._code_end(text, pos, end)
            if got is not None:
                return got[1]
            n = pos
            while n < end and text[n] == "`":
                n += 1
            return n
        if ch == "<":
            m = _AUTOLINK_RE.match(text, pos, end) or _INLINE_HTML_RE.match(text, pos, end)
            if m is not None:
                return m.end()
        return pos + 1

    def _label_end(self, text: str, pos: int, end: int) -> int:
        """Index of the ``]`` closing the label opened at ``pos`` (a ``[``), or -1."""
        level = 1
        k = pos + 1
        while k < end:
            ch = text[k]
            if ch == "]":
                level -= 1
                if level == 0:
                    return k
                k += 1
            elif ch == "[":
                level += 1
                k += 1
            else:
                k = self._skip(text, k, end)
        return -1

    def _link_dest(self, text: str, pos: int, end: int) -> tuple[str, int] | None:
        """After ``](`` at ``pos``: (href, index after ``)``), or None when not a link."""
        from markdown_it.common.normalize_url import normalizeLink, validateLink
        from markdown_it.helpers import parseLinkDestination, parseLinkTitle

        while pos < end and text[pos] in " \t\n":
            pos += 1
        if pos >= end:
            return None
        href = ""
        res = parseLinkDestination(text, pos, end)
        if res.ok:
            href = normalizeLink(res.str)
            if validateLink(href):
                pos = res.pos
            else:
                href = ""
            start = pos
            while pos < end and text[pos] in " \t\n":
                pos += 1
            title = parseLinkTitle(text, pos, end)
            if pos < end and start != pos and title.ok:
                pos = title.pos
                while pos < end and text[pos] in " \t\n":
                    pos += 1
        if pos >= end or text[pos] != ")":
            return None
        return href, pos + 1

    def _scan(self, text: str, pos: int, end: int, first: int, _count: Any) -> None:
        out = self.out
        while pos < end:
            m = _SPECIAL_RE.search(text, pos, end)
            if m is None:
                return
            pos = m.start()
            ch = text[pos]
            if ch == "\n":
                pos += 1
            elif ch == "\\":
                pos += 2 if pos + 1 < end and text[pos + 1] in _PUNCT else 1
            elif ch == "`":
                got = self._code_end(text, pos, end)
                if got is None:
                    while pos < end and text[pos] == "`":
                        pos += 1
                    continue
                n = pos
                while text[n] == "`":
                    n += 1
                content = text[n : got[0]].replace("\n", " ")
                if (
                    len(content) > 1
                    and content[0] == " "
                    and content[-1] == " "
                    and content.strip(" ")
                ):
                    content = content[1:-1]
                window = max(0, pos - 80)  # a role name is short: look back a little only
                line_start = text.rfind("\n", window, pos) + 1 or window
                role = _ROLE_RE.search(text, line_start, pos)
                out.append((content, self._line(text, pos, first), role.group(1) if role else None))
                self._hide(text, n, got[0])
                pos = got[1]
            elif ch == "<":
                # autolinks always have a scheme (never a link into the tree): skipped
                hm = _AUTOLINK_RE.match(text, pos, end) or _INLINE_HTML_RE.match(text, pos, end)
                if hm is not None:
                    self._hide(text, pos, hm.end())
                pos = hm.end() if hm is not None else pos + 1
            elif ch == "!":
                if pos + 1 < end and text[pos + 1] == "[":
                    close = self._label_end(text, pos + 1, end)
                    if close >= 0 and close + 1 < end and text[close + 1] == "(":
                        dest = self._link_dest(text, close + 2, end)
                        if dest is not None:
                            self._hide(text, pos, dest[1])
                            pos = dest[1]  # an image: its alt text is not inline code
                            continue
                    pos += 1
                else:
                    pos += 1
            else:  # "["
                close = self._label_end(text, pos, end)
                if close >= 0 and close + 1 < end and text[close + 1] == "(":
                    dest = self._link_dest(text, close + 2, end)
                    if dest is not None:
                        out.append((dest[0], self._line(text, pos, first), ""))
                        if not _external(dest[0]):  # a URL's label names what the URL names
                            self._scan(text, pos + 1, close, first, _count)
                        self._hide(text, close, dest[1])
                        pos = dest[1]
                        continue
                pos += 1


def _strip_quotes(line: str) -> tuple[str, int]:
    """The line without its block-quote markers, and how many there were."""
    depth = 0
    while True:
        n = len(line) - len(line.lstrip(" "))
        if n <= 3 and line[n : n + 1] == ">":
            line = line[n + 1 :]
            if line[:1] == " ":
                line = line[1:]
            elif line[:1] == "\t":
                raise _Unsure
            depth += 1
        else:
            return line, depth


def _html_start(s: str, in_para: bool) -> re.Pattern[str] | str | None:
    """The end condition of an HTML block starting with ``s`` (indent removed): a pattern
    to find, ``""`` for "a blank line", or None when no HTML block starts here."""
    if not s.startswith("<"):
        return None
    if _HTML1_RE.match(s):
        return _HTML1_END_RE
    if s.startswith("<!--"):
        return re.compile("-->")
    if s.startswith("<?"):
        return re.compile(r"\?>")
    if s.startswith("<![CDATA["):
        return re.compile(r"\]\]>")
    if re.match(r"^<![A-Za-z]", s):
        return re.compile(">")
    if _HTML6_RE.match(s):
        return ""
    if not in_para and _HTML7_RE.match(s):
        return ""
    return None


def _scan_blocks(text: str, out: list[Event]) -> None:
    lines = text.split("\n")
    inline = _Inline(out)
    para: list[str] = []
    para_line = 0
    para_depth = 0  # block-quote depth the paragraph started at
    fence: tuple[str, int, int, int] | None = None  # (marker, indent, quote depth, line)
    html_end: re.Pattern[str] | str | None = None
    html_depth = 0
    lists: list[int] = []  # content indents of the open list items
    prev_blank = True
    table_cols = 0
    table_depth = 0

    def flush() -> None:
        nonlocal para
        if para:
            inline.scan("\n".join(para), para_line)
            para = []

    n_lines = len(lines)
    i = 0
    while i < n_lines:
        raw = lines[i]
        lineno = i + 1
        i += 1
        if not raw and html_end is None:  # the common case: an empty line
            if fence is None:
                flush()
                prev_blank = True
                table_cols = 0
            continue  # (in a fence: its content)
        if (
            raw[:2] == "- "
            and raw[2:3].isalpha()
            and fence is None
            and html_end is None
            and not table_cols
            and "|" not in raw
        ):  # the common case: a list item of text at the margin (what the loop below does)
            if para and para_depth:
                raise _Unsure  # a new block after a quoted paragraph: markdown-it's call
            flush()
            lists[:] = [2]  # it ends every open item (all deeper) and opens its own
            para, para_line, para_depth = [raw[2:]], lineno, 0
            prev_blank = False
            continue
        if ">" in raw[:8]:
            body, depth = _strip_quotes(raw)
        else:
            body, depth = raw, 0
        if fence is None and html_end is None and para and not table_cols and depth == 0:
            c0 = body[:1]
            if c0 and c0 not in _BLOCK_CHARS and c0 != " " and c0 != "\t" and "|" not in body:
                para.append(body)  # the common case: a paragraph goes on
                continue
        stripped = body.strip()
        if depth and lists:
            raise _Unsure  # block quotes inside (or after) list items: markdown-it's call
        if para and depth > para_depth:
            flush()  # a deeper block quote starts: the paragraph ends here
        elif para and depth < para_depth and stripped and stripped[0] in _BLOCK_CHARS:
            raise _Unsure  # lazy continuation or a new block: markdown-it's call
        if fence is not None:
            marker, f_indent, f_depth, _start = fence
            if depth < f_depth and stripped:
                raise _Unsure  # the quote ended: markdown-it closes the fence there
            if depth > f_depth:
                continue  # ">" inside the fence is its content
            if f_indent and stripped and _indent(body) < f_indent:
                raise _Unsure  # a dedent may close the list item (and the fence)
            if (_indent(body) - f_indent <= 3 or _indent(body) <= 3) and stripped.startswith(
                marker[0] * len(marker)
            ):
                rest = stripped.lstrip(marker[0])
                if not rest.strip():
                    fence = None
            continue
        if html_end is not None:
            if depth < html_depth:
                raise _Unsure
            if depth > html_depth:
                if not isinstance(html_end, str) and html_end.search(raw):
                    raise _Unsure  # the block ends on a line its ">" belong to
                continue  # ">" inside the HTML block is its content
            if html_end == "":
                if not stripped:
                    html_end = None
                    prev_blank = True
                continue
            assert not isinstance(html_end, str)
            if html_end.search(body):
                html_end = None
            continue
        if not stripped:
            flush()
            prev_blank = True
            table_cols = 0
            continue
        s = body.lstrip(" ")
        ind = len(body) - len(s)
        if s[0] == "\t":
            raise _Unsure
        if ind < (lists[-1] if lists else 0) and (prev_blank or not para) and table_cols == 0:
            while lists and ind < lists[-1]:
                lists.pop()
        base = lists[-1] if lists and ind >= lists[-1] else 0
        rel = ind - base
        if para and rel < 4 and s[0] not in _BLOCK_CHARS and not table_cols and "|" not in s:
            para.append(s)  # the common case: a paragraph goes on
            continue
        if table_cols:
            if depth != table_depth or rel >= 4 or _block_start(s, rel):
                table_cols = 0
            else:
                for cell in _cells(s.strip())[:table_cols]:
                    inline.scan(cell.strip(), lineno)
                continue
        if rel >= 4 and not para:
            continue  # an indented code block
        if rel >= 4 and para:
            para.append(s)
            prev_blank = False
            continue
        if i < n_lines and "|" in s:
            nxt, ndepth = _strip_quotes(lines[i]) if ">" in lines[i][:8] else (lines[i], 0)
            cols = _table_columns(s, nxt) if ndepth == depth else 0
            if cols and ((lists and ind < lists[-1]) or (para and para_depth != depth)):
                raise _Unsure  # a table against an open list item: markdown-it's call
            if cols and (_indent(nxt) - base) < 4:
                flush()
                for cell in _cells(s.strip()):
                    inline.scan(cell.strip(), lineno)
                table_cols, table_depth = cols, depth
                i += 1  # the delimiter row
                prev_blank = False
                continue
        c = s[0]  # each block below starts with one of a few characters: test those only
        if c == ":" and (s.startswith((":::", ": ", ":\t")) or s == ":"):
            raise _Unsure  # colon fences and definition lists (MyST plugins)
        fm = _FENCE_RE.match(s) if c in "`~" else None
        if fm is not None and not (fm.group(1)[0] == "`" and "`" in fm.group(2)):
            dm = _DIRECTIVE_RE.match(fm.group(2).strip())
            if dm is not None and dm.group(1).lower() in _body_directives():
                raise _Unsure  # a MyST directive whose body is Markdown (or reST)
            flush()
            fence = (fm.group(1), ind, depth, lineno)
            while lists and lists[-1] > ind:
                lists.pop()  # a block less indented than the open items ends them
            prev_blank = False
            continue
        end = _html_start(s, bool(para)) if c == "<" else None
        if end is not None:
            flush()
            while lists and lists[-1] > ind:
                lists.pop()  # a block less indented than the open items ends them
            if isinstance(end, re.Pattern) and end.search(s, 2):
                prev_blank = False
                continue
            html_end, html_depth = end, depth
            prev_blank = False
            continue
        if c == "#" and _ATX_RE.match(s):
            flush()
            while lists and lists[-1] > ind:
                lists.pop()  # a block less indented than the open items ends them
            content = _ATX_END_RE.sub("", s.lstrip("#"))
            if _HASHES_RE.fullmatch(s.strip()):
                content = ""
            inline.scan(content.strip(), lineno)
            prev_blank = False
            continue
        container = lists[-1] if lists else 0
        if para and c in "=-" and _SETEXT_RE.match(s) and ind >= container and depth == para_depth:
            flush()
            prev_blank = False
            continue
        if c in "*-_" and _HR_RE.match(s):
            flush()
            while lists and lists[-1] > ind:
                lists.pop()  # a block less indented than the open items ends them
            prev_blank = False
            continue
        im = _ITEM_RE.match(s) if c in _ITEM_CHARS else None
        if im is not None:
            rest = s[im.end() :]
            empty = not rest.strip()
            weak = empty or (im.group(2) is not None and im.group(2) != "1")
            if para and weak and ind >= (lists[-1] if lists else 0):
                para.append(s)  # cannot interrupt a paragraph: a continuation line
                prev_blank = False
                continue
            if empty:
                raise _Unsure  # an empty item: where it ends is markdown-it's call
            flush()
            pad = len(rest) - len(rest.lstrip(" "))
            if rest[:1] == "\t":
                raise _Unsure
            if pad > 4:
                raise _Unsure  # the item opens with indented code
            width = im.end() - 0
            while lists and lists[-1] > ind:
                lists.pop()
            lists.append(ind + width + pad)
            inner = rest.lstrip(" ")
            if inner[:1] in _BLOCK_CHARS and (
                _FENCE_RE.match(inner)
                or _html_start(inner, False) is not None
                or _ITEM_RE.match(inner)
                or _ATX_RE.match(inner)
                or inner.startswith(">")
                or _HR_RE.match(inner)
            ):
                raise _Unsure  # an item opening with another block
            para, para_line, para_depth = [inner], lineno, depth
            prev_blank = False
            continue
        if c == "[" and _REFDEF_RE.match(s) and not para:
            raise _Unsure
        if not para:
            para_line, para_depth = lineno, depth
        para.append(s)
        prev_blank = False
    flush()


def _block_start(s: str, rel: int) -> bool:
    """Does ``s`` start a block that ends a table (markdown-it's terminators)?"""
    if rel >= 4:
        return False
    if s.startswith(">") or _FENCE_RE.match(s) or _ATX_RE.match(s) or _HR_RE.match(s):
        return True
    if _html_start(s, True) is not None:
        return True
    im = _ITEM_RE.match(s)
    return im is not None and bool(s[im.end() :].strip())


def md_spans(text: str) -> list[Event] | None:
    """``(text, line, role)`` of every inline code span (``role``: the MyST role written
    before it, or None) and ``(href, line, "")`` of every inline link, in document order;
    None when the document needs markdown-it (see the module docstring). Autolinks
    (``<https://...>``, ``<a@b.org>``) always have a scheme, so they never name a file of
    the tree, and are left out."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    out: list[Event] = []
    try:
        _scan_blocks(text, out)
    except _Unsure:
        return None
    return out
