"""A generated corpus with every block shape a citation can stand in (MyST and reST), in a
real git repository whose history moves the cited code: for the exact-line and parity tests.

``pkg/b.py`` has 40 numbered lines in commit 1; commit 2 inserts 3 lines at its top; commit
3 adds, to blocks written in commit 1, lines that cite the code as it is now (correct).
Every citation of commit 1 (``pkg/b.py:N``) is then "moved" to ``N+3`` and must be reported
at its own line; every citation of commit 3 is correct and must not be reported. Each
``pkg/gone_K.py:1`` (K unique) names a file never in the history: a missing warning at
exactly its line.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.gitutil import Repo

CONF = """
extensions = ["myst_parser", "sphinx_ptyplan"]
myst_enable_extensions = ["colon_fence", "deflist"]
ptyplan_root = ".."
suppress_warnings = ["myst.header", "toc.not_included"]
exclude_patterns = ["_build", "parts"]
"""

CODE1 = "".join(f"value_{n} = {n}\n" for n in range(1, 41))
CODE2 = "# header one\n# header two\n# header three\n" + CODE1

# {old:N} -> written in commit 1 as pkg/b.py:N; {new:N} -> added in commit 3 as pkg/b.py:N+3
# {gone} -> a unique file never in the history (missing at its line)

MD1 = """# Shapes

A wrapped paragraph starts here
and cites `pkg/b.py:{old:5}` on its second line
and `pkg/gone_{gone}.py:1` on its third.{new:6}

- A list item
  continued with `pkg/b.py:{old:7}`{new:8}
  - nested item
    deeper `pkg/gone_{gone}.py:1`

1. ordered item
   with `pkg/b.py:{old:9}`

> A block quote
> with `pkg/b.py:{old:10}`{new:11}

| name | where |
|------|-------|
| one  | `pkg/b.py:{old:12}` |
| two  | `pkg/gone_{gone}.py:1` |

:::{note}
:class: tip

An admonition body
with `pkg/b.py:{old:13}`{new:14}
:::

```{warning}
A fenced directive
with `pkg/gone_{gone}.py:1`
```

Term
: A definition
  with `pkg/b.py:{old:15}`

Footnote here[^f].

[^f]: The footnote text
    with `pkg/b.py:{old:16}`

Emphasis *with `pkg/b.py:{old:17}`* and a
[link with `pkg/b.py:{old:18}`](shapes_rst.rst) and **strong
`pkg/gone_{gone}.py:1`**.

A comma list `pkg/b.py:{old:19}, pkg/gone_{gone}.py:2`.

```{include} parts/part.md
:start-line: 2
```

```{include} parts/part.md
:start-after: MARK
```

```python
pkg/gone_never.py:1
```
"""

PART1 = """Skipped line one
Skipped line two
Included text
with `pkg/b.py:{old:20}`
MARK the rest
cites `pkg/gone_{gone}.py:1`
"""

RST1 = """Shapes in reST
==============

A wrapped paragraph starts here
and cites ``pkg/b.py:{old:21}`` on its second line
and ``pkg/gone_{gone}.py:1`` on its third.{new:22}

- A list item
  continued with ``pkg/b.py:{old:23}``

  - nested item
    deeper ``pkg/gone_{gone}.py:1``

   A block quote
   with ``pkg/b.py:{old:24}``{new:25}

.. note::
   An admonition body
   with ``pkg/b.py:{old:26}``

term
   A definition
   with ``pkg/b.py:{old:27}``

+---------------------+-------------------------+
| cell one            | cell two                |
| ``pkg/b.py:{old:28}``   | ``pkg/gone_{gone}.py:1`` |
+---------------------+-------------------------+

Footnote here [#f]_.

.. [#f] The footnote text
   with ``pkg/b.py:{old:29}``

.. include:: parts/part.rst
   :start-line: 1

::

   pkg/gone_never.py:1
"""

PART_RST1 = """Skipped line
Included text
with ``pkg/b.py:{old:30}``
"""


def _render(template: str, stage: int, counter: list[int]) -> str:
    """Fill a template for commit ``stage`` (1: old citations; 3: new lines added too)."""

    def sub(m: re.Match[str]) -> str:
        kind, arg = m.group(1), m.group(2)
        if kind == "old":
            return arg
        if kind == "gone":
            counter[0] += 1
            return str(counter[0])
        # {new:N}: from commit 3, a new line in the same block citing the moved code,
        # indented like the line it follows
        if stage < 3:
            return ""
        start = m.string.rfind("\n", 0, m.start()) + 1
        line = m.string[start : m.start()]
        indent = line[: len(line) - len(line.lstrip(" "))]
        return f"\n{indent}and now `pkg/b.py:{int(arg) + 3}`"

    return re.sub(r"\{(old|new|gone):?(\d*)\}", sub, template)


def _fix_rst(text: str) -> str:
    # reST spans are double backticks; widen the table cells so the grid stays aligned
    text = re.sub(r"(?<!`)`(pkg/b\.py:\d+)`(?!`)", r"``\1``", text)
    lines = text.split("\n")
    out = []
    for ln in lines:
        if ln.startswith("| ``pkg/b.py"):
            cells = [c.strip() for c in ln.strip("|").split("|")]
            ln = f"| {cells[0]:<19} | {cells[1]:<23} |"
        out.append(ln)
    return "\n".join(out)


def _pages(stage: int) -> dict[str, str]:
    counter = [0]
    md = _render(MD1, stage, counter)
    part = _render(PART1, stage, counter)
    rst = _fix_rst(_render(RST1, stage, counter))
    part_rst = _fix_rst(_render(PART_RST1, stage, counter))
    return {
        "docs/conf.py": CONF,
        "docs/index.md": "# Index\n\n```{toctree}\nshapes\nshapes_rst\n```\n",
        "docs/shapes.md": md,
        "docs/parts/part.md": part,
        "docs/shapes_rst.rst": rst,
        "docs/parts/part.rst": part_rst,
    }


def make_shapes_repo(path: Path) -> Repo:
    """The three commits described in the module docstring."""
    repo = Repo(path)
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/b.py", CODE1)
    for rel, text in _pages(1).items():
        repo.write(rel, text)
    repo.commit("code and documents")
    repo.write("pkg/b.py", CODE2)
    repo.commit("three lines on top of b.py")
    for rel, text in _pages(3).items():
        repo.write(rel, text)
    repo.commit("new citations added to old blocks")
    return repo


def expected(root: Path) -> dict[tuple[str, int], set[str]]:
    """``(file, line) -> {what is reported there}``: ``moved N->M`` or ``stale NAME``, read
    from the files themselves (where each citation stands), never from a parser."""
    out: dict[tuple[str, int], set[str]] = {}
    files = ("docs/shapes.md", "docs/parts/part.md", "docs/shapes_rst.rst", "docs/parts/part.rst")
    for rel in files:
        lines = (root / rel).read_text(encoding="utf-8").split("\n")
        for n, line in enumerate(lines, 1):
            if "gone_never" in line:
                continue
            for m in re.finditer(r"pkg/gone_(\d+)\.py", line):
                out.setdefault((rel, n), set()).add(f"stale gone_{m.group(1)}")
            for m in re.finditer(r"`pkg/b\.py:(\d+)`|pkg/b\.py:(\d+),", line):
                num = int(m.group(1) or m.group(2))
                if "and now" in line:
                    continue  # a commit-3 citation: correct
                out.setdefault((rel, n), set()).add(f"moved {num}->{num + 3}")
    return out
