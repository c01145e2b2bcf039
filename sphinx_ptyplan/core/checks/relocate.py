"""Where cited lines are now: git's line map, checked by their text and the lines around
them as the code was when the citation was written (or why that cannot be told)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx_ptyplan.core.paths import PathRefused, confine

if TYPE_CHECKING:
    from sphinx_ptyplan.core.sources.gitrepo import LineMap

__all__ = ["relocate"]

_SHOWN = 70


def _short(text: str) -> str:
    t = text.strip()
    return t if len(t) <= _SHOWN else t[: _SHOWN - 1] + "…"


#: a line that says nothing on its own: blank, or punctuation only (``)``, ``},``, ``#``)
_TRIVIAL_RE = re.compile(r"^[\W_]*$")
#: a piece of a larger statement: an argument line, a continued call or a closing bracket
_FRAGMENT_RE = re.compile(r"(?:[,(\[{\\]$)|(?:^[)\]}.])")
_CONTEXT = 3  # lines above and below the cited ones compared at the new place


def _stripped(lines: Sequence[str | None]) -> list[str]:
    return [(t or "").strip() for t in lines]


def relocate(
    lm: LineMap, a: int, b: int, mapped: tuple[int, int], now: list[str] | None
) -> tuple[int, str, str]:
    """Where the cited lines ``a..b`` are now by their text **and** the lines around them (as
    the code was at the blame commit): ``(new start, "", "")``, or ``(0, code, why)`` when
    the move cannot be fixed with certainty."""
    assert lm.old_lines is not None and lm.new_path is not None
    old = lm.old_lines
    cited = list(old[a - 1 : b])
    if all(_TRIVIAL_RE.match(t) for t in cited):
        return (
            0,
            "unfixable-blank",
            (
                f"line(s) {a}-{b} of {lm.path} held only blanks or punctuation when the citation "
                "was written, so they cannot be found again"
            ).replace(f"{a}-{a} ", f"{a} "),
        )
    if b > a and not cited[0].strip():
        return (
            0,
            "unfixable-bounds",
            (
                f"the cited range began on a blank line ({lm.path}:{a}) when the citation was "
                "written: its bounds were already off"
            ),
        )
    block = _stripped(cited)
    whole = _stripped(old)
    if a == b and _FRAGMENT_RE.search(block[0]):
        times = sum(1 for t in whole if t == block[0])
        if times > 1:
            return (
                0,
                "unfixable-fragment",
                (
                    f"the cited line `{_short(block[0])}` is a piece of a larger statement "
                    f"and occurs {times} times in {lm.path} as it was: which one was meant "
                    "cannot be told"
                ),
            )
    if now is None:
        return mapped[0], "", ""
    cur = _stripped(now)
    n = len(block)
    starts = [
        p
        for p in range(1, len(cur) - n + 2)
        if cur[p - 1] == block[0] and cur[p - 1 : p - 1 + n] == block
    ]
    if not starts:
        return mapped[0], "", ""  # whitespace moved: the line map is the best answer

    def around(lines_: list[str], first: int, last: int, width: int) -> list[tuple[int, str]]:
        """(side, text) of the lines within ``width`` above (-1) and below (+1)."""
        above = lines_[max(0, first - 1 - width) : first - 1]
        below = lines_[last : last + width]
        return [(-1, t) for t in above] + [(1, t) for t in below]

    ctx = {(k, t) for k, t in around(whole, a, b, _CONTEXT) if not _TRIVIAL_RE.match(t)}

    def score(p: int) -> int:
        # lines inserted right next to the cited ones must not hide the old neighbours:
        # look for them in a window twice as wide, on the same side
        return len(ctx & set(around(cur, p, p + n - 1, 2 * _CONTEXT)))

    scores = {p: score(p) for p in starts}
    best = max(scores.values())
    winners = [p for p, sc in scores.items() if sc == best]
    if len(winners) > 1:
        return (
            0,
            "unfixable-not-unique",
            (
                f"the cited text and the lines around it occur {len(winners)} times in "
                f"{lm.new_path}: which one was meant cannot be told"
            ),
        )
    if ctx and best == 0:
        return (
            0,
            "unfixable-context",
            (
                f"none of the lines around the cited ones at the commit that wrote the citation "
                f"are around them in {lm.new_path}"
            ),
        )
    return winners[0], "", ""


class _Lines:
    """Working-tree lines of cited files, read at most once each."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, list[str] | None] = {}

    def all(self, path: str) -> list[str] | None:
        """Every line of ``path`` now (without ``\\r``), or None when it cannot be read."""
        self.get(path, 1)
        lines = self._cache.get(path)
        return None if lines is None else [ln.rstrip("\r") for ln in lines]

    def get(self, path: str, n: int) -> str | None:
        if path not in self._cache:
            try:
                data = confine(self.root, path).read_bytes()
                self._cache[path] = data.decode("utf-8", "replace").split("\n")
            except (OSError, PathRefused):
                self._cache[path] = None
        lines = self._cache[path]
        if lines is None or not 1 <= n <= len(lines):
            return None
        return lines[n - 1].rstrip("\r")
