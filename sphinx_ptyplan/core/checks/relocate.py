"""Where cited lines are now: git's line map, checked by their text and the lines around
them as the code was when the citation was written (or why that cannot be told)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx_ptyplan.core.models import FindingCode
from sphinx_ptyplan.core.paths import PathRefused, confine

if TYPE_CHECKING:
    from sphinx_ptyplan.core.sources.gitrepo import CommitInfo, LineMap

__all__ = ["BULK_LINES", "citing_words", "relocate", "unverified"]

_SHOWN = 70


def _short(text: str | None) -> str:
    if text is None:
        return "?"
    t = text.strip()
    if not t:
        return "(blank)"  # an empty pair of backticks says nothing to a reader
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


#: a commit that wrote this many lines of a document at once (the document added, imported or
#: regenerated) does not date the citations in it: they may have been written against other
#: code, so a move is fixed only when the words around the citation name the cited code
BULK_LINES = 40
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PY_DEF_RE = re.compile(r"^(?P<indent>[ \t]*)(?:async[ \t]+)?(?:def|class)[ \t]+(?P<name>\w+)")
#: ``name =``, ``name: T =``, ``self.name =`` at the start of a line (not ``==``)
_PY_ASSIGN_RE = re.compile(r"^[ \t]*(?:self\.)?(?P<name>\w+)[ \t]*(?::[^=\n]*)?=(?!=)")


def _distinctive(name: str) -> bool:
    """A name a sentence would not use by chance: ``coords_offsets``, ``ModelConfig``."""
    inner = name.strip("_")
    return len(inner) >= 4 and ("_" in inner or any(c.isupper() for c in inner[1:]))


def _dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _named_by(old: Sequence[str], a: int, b: int, path: str) -> list[str]:
    """What the cited lines ``a..b`` of ``path`` (as they were) are about: for Python, the
    functions and classes defined on them, the distinctive names assigned on them, and the
    innermost definition holding them (with its class when that is a dunder method); for
    other files, the distinctive names on the cited lines."""
    cited = old[a - 1 : b]
    if not path.endswith((".py", ".pyi")):
        return [n for t in cited for n in _IDENT_RE.findall(t) if _distinctive(n)]
    names: list[str] = []
    for t in cited:
        m = _PY_DEF_RE.match(t)
        if m is not None:
            names.append(m.group("name"))
            continue
        m = _PY_ASSIGN_RE.match(t)
        if m is not None and _distinctive(m.group("name")):
            names.append(m.group("name"))
    first = next((t for t in cited if t.strip()), "")
    indent = len(first) - len(first.lstrip())
    holders = 0
    for t in reversed(old[: a - 1]):
        m = _PY_DEF_RE.match(t)
        if m is None or len(m.group("indent")) >= indent or not t.strip():
            continue
        names.append(m.group("name"))
        holders += 1
        indent = len(m.group("indent"))
        if not _dunder(m.group("name")) or holders > 1 or indent == 0:
            break
    return [n for n in names if not _dunder(n)]


def unverified(old: Sequence[str], a: int, b: int, path: str, words: str) -> str | None:
    """Why the citation of ``path:a-b`` cannot be trusted to mean those lines (as they were
    when the document line was written): ``words`` (the table row or the sentence around
    the citation, without it) name none of the code the lines are about. None when they do.
    """
    said = set(_IDENT_RE.findall(words))
    if any(n in said for n in _named_by(old, a, b, path)):
        return None
    about = [n for n in dict.fromkeys(_named_by(old, a, b, path))][:3]
    what = f" ({', '.join(f'`{n}`' for n in about)})" if about else ""
    return (
        f"the words around the citation name none of the code at {path}:{a}"
        + (f"-{b}" if b != a else "")
        + f"{what} when it was written in a commit that wrote much of the document at once: "
        "the citation may be older than that commit, so its lines cannot be trusted"
    )


def citing_words(doc_lines: Sequence[str], line: int, cite: str) -> str:
    """The words a reader would take the citation's meaning from: its table row, or its
    paragraph (up to two lines either side, within blank lines); the citation removed."""
    if not 1 <= line <= len(doc_lines):
        return ""
    here = doc_lines[line - 1]
    if here.lstrip().startswith("|"):
        return here.replace(cite, " ")
    lo = line - 1
    while lo > max(0, line - 3) and doc_lines[lo - 1].strip():
        lo -= 1
    hi = line
    while hi < min(len(doc_lines), line + 2) and doc_lines[hi].strip():
        hi += 1
    return "\n".join(doc_lines[lo:hi]).replace(cite, " ")


def _new_line_of(lm: LineMap, n: int) -> int | None:
    """The working-tree line that replaced old line ``n`` (None when it was deleted)."""
    for a, b, c, d in lm.hunks:
        if b and a <= n < a + b:
            k = n - a
            return c + k if k < d else None
    return None


@dataclass(frozen=True)
class _Drift:
    kind: str  # "same" | "moved" | "changed" | "unknown" | "unfixable"
    new_path: str | None = None
    start: int = 0
    end: int = 0
    detail: str = ""
    code: str = ""  # why a move cannot be fixed (kind "unfixable")


def _drift_of(
    lm: LineMap, info: CommitInfo | None, a: int, b: int, lines: _Lines, words: str | None = None
) -> _Drift:
    """Where cited lines ``a..b`` (as of the blame commit) are now. ``words`` (the row or
    sentence around a citation written in a bulk commit) must name the cited code for a
    move to be fixable (:func:`relocate.unverified`)."""
    if lm.old_lines is None or lm.all_changed or b > len(lm.old_lines) or a < 1:
        return _Drift("unknown")  # not in git at that commit, binary, or wrong already
    if lm.new_path is None:
        return _Drift("unknown")  # deleted: the existence check reports it
    mapped = lm.map_range(a, b) or _map_over_spacing(lm, lines, a, b)
    if mapped is not None:
        if mapped[0] == a:  # the same lines (in a renamed file, maybe): nothing to relocate
            return _Drift("same" if lm.new_path == lm.path else "moved", lm.new_path, a, b)
        start, code, why = relocate(lm, a, b, mapped, lines.all(lm.new_path))
        if not code and words is not None:
            doubt = unverified(lm.old_lines, a, b, lm.path, words)
            if doubt is not None:
                code, why = FindingCode.UNFIXABLE_UNVERIFIED.value, doubt
        if code:
            return _Drift("unfixable", lm.new_path, mapped[0], mapped[1], detail=why, code=code)
        return _Drift("moved", lm.new_path, start, start + (b - a))
    since = f"{info.short} ({info.date})" if info is not None else lm.commit[:7]
    changed = [n for n in range(a, b + 1) if lm.map(n) is None]
    # a line whose only change is spacing (a blank line's indentation) is not what changed
    changed = [n for n in changed if not _only_spacing(lm, lines, n)]
    if not changed:
        return _Drift(
            "changed",
            lm.new_path,
            detail=f"cited lines changed since {since}: lines were inserted between "
            f"lines {a} and {b}",
        )
    n = changed[0]
    new_n = _new_line_of(lm, n)
    now = (
        "now deleted"
        if new_n is None
        else f"now `{_short(lines.get(lm.new_path, new_n))}` ({lm.new_path}:{new_n})"
    )
    more = f" (and {len(changed) - 1} more changed line(s))" if len(changed) > 1 else ""
    return _Drift(
        "changed",
        lm.new_path,
        detail=f"cited lines changed since {since}: line {n} was "
        f"`{_short(lm.old_text(n))}`, {now}{more}",
    )


def _map_over_spacing(lm: LineMap, lines: _Lines, a: int, b: int) -> tuple[int, int] | None:
    """Where lines ``a..b`` are now when the only changes among them are of spacing
    (trailing spaces, a blank line's indentation): they cite what they cited. None when a
    word changed or lines were inserted or deleted among them."""
    shift: int | None = None
    for n in range(a, b + 1):
        now = lm.map(n)
        if now is None and _only_spacing(lm, lines, n):
            now = _new_line_of(lm, n)
        if now is None or (shift is not None and now - n != shift):
            return None
        shift = now - n
    return None if shift is None else (a + shift, b + shift)


def _only_spacing(lm: LineMap, lines: _Lines, n: int) -> bool:
    """Old line ``n`` and the line that replaced it differ only in spaces and tabs."""
    new_n = _new_line_of(lm, n)
    if new_n is None or lm.new_path is None:
        return False
    old, new = lm.old_text(n), lines.get(lm.new_path, new_n)
    return old is not None and new is not None and old.split() == new.split()


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
