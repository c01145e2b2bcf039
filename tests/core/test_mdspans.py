"""The one-pass Markdown scanner gives markdown-it's inline code, roles and links exactly,
or says it cannot (None); never something else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sphinx_ptyplan.core.sources import mdparse as R
from sphinx_ptyplan.core.sources.mdspans import md_spans

REPO = Path(__file__).resolve().parents[2]


def reference_events(text: str) -> list[tuple[str, int, str | None]]:
    """What markdown-it (the parser ``ptyplan`` used before) gives, in the same shape."""
    out: list[tuple[str, int, str | None]] = []
    for tok in R._markdown().parse(text):
        if tok.type != "inline":
            continue
        codes, _plain, links, order = R._md_inline_codes(tok)
        for kind, n in order:
            if kind == 0:
                out.append(codes[n])
            else:
                out.append((links[n][0], links[n][1], ""))
    return out


def _norm(events: list[tuple[str, int, str | None]]) -> list[tuple[str, int, str | None]]:
    # autolinks always carry a scheme (never a file of the tree): the scanner leaves them out
    kept = [e for e in events if not (e[2] == "" and re.match(r"^[A-Za-z][\w+.-]*:", e[0]))]
    # whitespace inside a multi-line code span never makes a reference (any space rejects it)
    return [(" ".join(t.split()), line, role) for t, line, role in kept]


def agree(text: str) -> bool:
    fast = md_spans(text)
    if fast is None:
        return True  # the caller falls back to markdown-it
    assert _norm(fast) == _norm(reference_events(text)), text
    return False


CASES = [
    # list items of text at the margin (the scanner's shortcut), around other blocks
    "- item `a.py`\n  - nested `b.py`\n- back `c.py`\n\n    code `d.py`\n- after `e.py`\n",
    "Para `p.py`\n- item `a.py`\ncontinued `b.py`\n- Über `c.py`\n---\n- x `d.py`\n",
    "1. one `a.py`\n   - inner `b.py`\n- outer `c.py`\n```\n- fenced `d.py`\n```\n",
    "Plain `a/b.py:3` and ``x`y`` and `` `z` ``.\n",
    "- item `a.py`\n  continued `b.py`\n\n      indented in the item `c.py`\n",
    "Para\n\n    code `not.py`\n\nAfter `yes.py`\n",
    "```python\n`no.py`\n```\n`yes.py`\n~~~\n`no2.py`\n~~~~\n",
    "> quoted `q.py`\n> ```\n> `no.py`\n> ```\n",
    "<!-- `no.py` -->\n`yes.py`\n<div>\n`no2.py`\n\n`yes2.py`\n",
    "| a | b |\n| --- | --- |\n| `x.py` | `y\\|z` |\n| `w.py` |\n\n",
    "Text | `p.py`\n--- | ---\n`q.py` | r\n",
    "[`label.py`](pkg/target.py#L3) and ![`img`](pic.png) and [x](<a b.md>)\n",
    "A link: [`pkg/gone.py:1`](https://example.org/pkg/gone.py) and `after.py`.\n",
    "{ptyref}`pkg/mod.py:func` and {math}`x^2` and {py:class}`pkg.Mod`\n",
    "\\`not a span` and `a \\` b` and <span title='`x`'>`y.py`</span>\n",
    "# Heading `h.py` #\nSetext `s.py`\n===\n---\n`after.py`\n",
    "1. one `1.py`\n2) two `2.py`\n   - nested `3.py`\n\n     para `4.py`\n",
    "line one `multi\nline` after `x.py`\nnext `y.py`\n",
    "[not a `link](/foo`) `z.py`\n",
    "* * *\n- - -\n`hr.py`\n",
    "<script>\n`no.py`\n</script>\n`yes.py`\n",
    "Line with trailing spaces  \n`hard.py` and a\\\n`break.py`\n",
]


@pytest.mark.parametrize("text", CASES)
def test_tricky_constructs(text: str) -> None:
    assert agree(text) is False  # handled by the scanner itself, and equal


def test_every_markdown_file_of_the_repository() -> None:
    files = [
        p
        for p in REPO.rglob("*.md")
        if "_build" not in p.parts and ".git" not in p.parts and "_out" not in p.parts
    ]
    assert len(files) > 20
    unsure = sum(agree(p.read_text(encoding="utf-8")) for p in files)
    assert unsure <= len(files) // 10


def test_reference_definitions_fall_back() -> None:
    assert md_spans("[x][ref]\n\n[ref]: pkg/a.py\n") is None


def test_an_html_block_ending_on_a_quoted_line_falls_back() -> None:
    """The block's end (``-->``) is on a line that starts with ``>``: markdown-it ends the
    block there and reads the next line's span (found by the random documents)."""
    text = "<!-- \n> <!-- c -->\n`a/b.py:3`\n"
    assert md_spans(text) is None
    assert _norm(reference_events(text)) == [("a/b.py:3", 3, None)]
    assert md_spans("<!-- \n> still a comment\n-->\n`a/b.py:5`\n") == [("a/b.py:5", 4, None)]


_PIECES = st.sampled_from(
    [
        "`a/b.py:3`",
        "``x`y``",
        "`",
        "[t](pkg/x.py)",
        "[`c.py`](d.md)",
        "[`u.py`](https://x.org/u.py)",
        "![i](p.png)",
        "{ptyref}`m.py`",
        "\\`",
        "<b>",
        "<!-- c -->",
        " | ",
        "word",
        "*em*",
        "  ",
        "\\",
        "(",
        ")",
        "]",
    ]
)
_LINE_STARTS = st.sampled_from(
    ["", "- ", "  - ", "1. ", "> ", "    ", "# ", "```", "~~~", "| ", "---", "<div>", "  "]
    # the other first characters the scanner tests before trying a block's pattern
    + ["===", "* * *", "___", "+ ", "2) ", "## h ##", "#", "[r]: a.py", ": ", ":::", "<!-- "]
    + ["<?x ", "<script>", "- - -", "-", "*", "10. ", "`"]
)
_LINES = st.lists(
    st.tuples(_LINE_STARTS, st.lists(_PIECES, max_size=6)).map(lambda t: t[0] + "".join(t[1])),
    max_size=14,
)


@settings(max_examples=400, deadline=None)
@given(_LINES)
def test_random_documents(lines: list[str]) -> None:
    agree("\n".join(lines) + "\n")
