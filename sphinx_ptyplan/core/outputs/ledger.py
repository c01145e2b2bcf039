"""Phase C1: one entry per report in the fix-plan ledger's "Attempts History", written for you.

The section is found by its heading (``Attempts History``, any level, Markdown or reST; when
a ledger holds several, the one under the heading that names the initiative). The entry
reuses the shape the section already has:

- a **table**: one row, its cells matched to the columns by their header (date/time,
  initiative, artefacts/evidence, counts/results, notes; unknown columns stay empty);
- a **list**: one item with the same bullet, continuation lines indented like the others,
  ``Attempt #N`` numbered on when the items are;
- **sub-headings** (one per attempt, as PtychoPINN's own ledger does): one more heading one
  level down;
- an empty section: a list item.

Artefact paths are written root-relative, each in its own code span, so the literal checks
of ``ptyplan check`` and the docs build verify them. The ledger is rewritten atomically
(temporary file beside it, then rename; its permission bits kept); an entry naming the same
report folder is never written twice.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sphinx_ptyplan.core.paths import PathRefused, confine
from sphinx_ptyplan.core.sources.docmodel import Section
from sphinx_ptyplan.core.sources.documents import parse_document

__all__ = [
    "SECTION_TITLE",
    "LedgerEntry",
    "LedgerError",
    "LedgerUpdate",
    "entry_for_report",
    "plan_entry",
    "write_ledger",
]

#: The heading the entry goes under (compared case-insensitively, punctuation ignored).
SECTION_TITLE = "Attempts History"

_RST_SUFFIXES = frozenset({".rst", ".rest", ".txt"})
_BULLET = re.compile(r"^(\s*)([-*+]|\d+[.)])(\s+)")
_ATTEMPT = re.compile(r"Attempt\s+#(\d+)", re.IGNORECASE)
_ROW = re.compile(r"^\s*\|")
_DELIM_ROW = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$")


class LedgerError(Exception):
    """The ledger cannot take an entry (no such section, unreadable, not UTF-8): one line."""


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """What one report adds to the ledger.

    ``folder`` and ``artefacts`` are root-relative POSIX paths (the folder without a
    trailing slash); ``counts`` the report's headline counts, in order.
    """

    stamp: str
    initiative: str
    folder: str
    artefacts: tuple[str, ...]
    counts: tuple[tuple[str, int], ...] = ()
    note: str | None = None
    command: str | None = None


@dataclass(frozen=True, slots=True)
class LedgerUpdate:
    """What :func:`plan_entry` decided: ``already`` when the folder is recorded (nothing
    to write); else the whole new text, the shape used and the 1-based lines written."""

    path: str
    shape: str  # "table" | "list" | "headings"
    section: str
    already: bool
    text: str
    old_text: str
    lines: tuple[int, int] = (0, 0)

    @property
    def changed(self) -> bool:
        return not self.already and self.text != self.old_text


def entry_for_report(
    *,
    initiative: str,
    stamp: str,
    folder: str,
    artefacts: Sequence[str],
    counts: Sequence[tuple[str, int]],
    note: str | None = None,
    command: str | None = None,
) -> LedgerEntry:
    """The entry of one report folder: ``folder`` root-relative, ``artefacts`` the names of
    its files (listed root-relative, in the order given), ``counts`` its headline counts
    under their short ledger labels."""
    folder = folder.rstrip("/")
    return LedgerEntry(
        stamp=stamp,
        initiative=initiative,
        folder=folder,
        artefacts=tuple(f"{folder}/{name}" for name in artefacts),
        counts=tuple(counts),
        note=note,
        command=command,
    )


def _norm_title(title: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", title).lower().split())


def _code(text: str) -> str:
    return f"``{text}``" if "`" in text else f"`{text}`"


def _counts_text(counts: Sequence[tuple[str, int]]) -> str:
    return "; ".join(f"{name} {value}" for name, value in counts)


def _find_section(sections: Sequence[Section], initiative: str, path: str) -> tuple[Section, int]:
    """The Attempts History section (and the index of the next heading at its level or
    above, or ``len(sections)``)."""
    want = _norm_title(SECTION_TITLE)
    found = [i for i, s in enumerate(sections) if _norm_title(s.title) == want]
    if not found:
        raise LedgerError(
            f"{path}: no {SECTION_TITLE!r} section (looked for a heading titled "
            f"{SECTION_TITLE!r}, any level); add one, or name another ledger with --ledger"
        )
    if len(found) > 1:
        mine = [i for i in found if _under_initiative(sections, i, initiative)]
        if len(mine) != 1:
            raise LedgerError(
                f"{path}: {len(found)} {SECTION_TITLE!r} sections and "
                f"{'none' if not mine else len(mine)} under a heading naming {initiative}; "
                "cannot tell which one to append to"
            )
        found = mine
    index = found[0]
    sec = sections[index]
    nxt = next(
        (j for j in range(index + 1, len(sections)) if sections[j].level <= sec.level),
        len(sections),
    )
    return sec, nxt


def _under_initiative(sections: Sequence[Section], index: int, initiative: str) -> bool:
    level = sections[index].level
    for j in range(index - 1, -1, -1):
        if sections[j].level < level:
            if initiative.lower() in sections[j].title.lower():
                return True
            level = sections[j].level
    return False


class _Text:
    def __init__(self, text: str) -> None:
        self.bom = "\ufeff" if text.startswith("\ufeff") else ""
        body = text[len(self.bom) :]
        self.final_newline = body.endswith("\n")
        self.lines = body.split("\n")
        if self.final_newline:
            self.lines.pop()
        self.eol = "\r\n" if self.lines and self.lines[0].endswith("\r") else "\n"

    def plain(self, n: int) -> str:
        return self.lines[n - 1].rstrip("\r") if 1 <= n <= len(self.lines) else ""

    def blank(self, n: int) -> bool:
        return not self.plain(n).strip()

    def render(self, insert_at: int, new: Sequence[str]) -> str:
        """The text with ``new`` lines inserted before 1-based line ``insert_at``."""
        out = [line + "\n" for line in self.lines[: insert_at - 1]]
        out += [line + self.eol for line in new]
        out += [line + "\n" for line in self.lines[insert_at - 1 :]]
        text = "".join(out)
        if not self.final_newline and insert_at <= len(self.lines):
            text = text[:-1]
        return self.bom + text


def _cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", s)]


def _cell_text(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _column_value(name: str, values: dict[str, str], used: set[str]) -> str:
    """The entry's text for a column named ``name`` (each value used once)."""
    key = name.lower()
    rules = (
        ("stamp", ("date", "time", "when", "timestamp")),
        ("attempt", ("attempt", "#", "no", "n°")),
        ("initiative", ("initiative", "focus", "id", "item", "task")),
        ("artefacts", ("artefact", "artifact", "evidence", "path", "report", "output")),
        ("counts", ("count", "result", "finding", "outcome", "metric")),
        ("note", ("note", "summary", "description", "comment", "what", "action", "change")),
    )
    for value, words in rules:
        if value in used:
            continue
        if any(w == key or w in key.split() or (len(w) > 3 and w in key) for w in words):
            used.add(value)
            return values[value]
    return ""


def _table_entry(
    text: _Text, first: int, last: int, entry: LedgerEntry, attempt: int
) -> tuple[int, list[str]]:
    """Insert position and the row for a table spanning lines ``first..last``."""
    header = _cells(text.plain(first))
    values = _values(entry, attempt)
    used: set[str] = set()
    cells = [_column_value(name, values, used) for name in header]
    # Artefact paths must be in the row whatever the columns are called.
    if "artefacts" not in used:
        target = len(cells) - 1
        for k in range(len(header)):
            if not cells[k] and k:
                target = k
                break
        cells[target] = "; ".join(x for x in (cells[target], values["artefacts"]) if x)
        used.add("artefacts")
    indent = text.plain(first)[: len(text.plain(first)) - len(text.plain(first).lstrip())]
    row = indent + "| " + " | ".join(_cell_text(c) for c in cells) + " |"
    return last + 1, [row]


def _values(entry: LedgerEntry, attempt: int) -> dict[str, str]:
    note = entry.note or "ptyplan report"
    if entry.command:
        note = f"{note} ({_code(entry.command)})"
    return {
        "stamp": entry.stamp,
        "attempt": f"#{attempt}",
        "initiative": entry.initiative,
        "artefacts": ", ".join(_code(a) for a in entry.artefacts),
        "counts": _counts_text(entry.counts),
        "note": note,
    }


def _list_items(text: _Text, start: int, end: int) -> list[tuple[int, int, re.Match[str]]]:
    """Top-level list items in lines ``start..end``: (first line, last line, bullet match)."""
    items: list[tuple[int, int, re.Match[str]]] = []
    base: int | None = None
    n = start
    while n <= end:
        m = _BULLET.match(text.plain(n))
        if m and (base is None or len(m.group(1)) <= base):
            base = len(m.group(1))
            last = n
            k = n + 1
            while k <= end:
                line = text.plain(k)
                if not line.strip():
                    k += 1
                    continue
                indent = len(line) - len(line.lstrip())
                if indent <= base:
                    break
                last = k
                k += 1
            items.append((n, last, m))
            n = last + 1
        else:
            n += 1
    return items


def plan_entry(root: Path, ledger: str, entry: LedgerEntry) -> LedgerUpdate:
    """Decide where and how ``entry`` goes into ``ledger`` (root-relative); write nothing.

    :raises LedgerError: the ledger is missing, unreadable, not UTF-8, outside the root, or
        has no (or no unambiguous) "Attempts History" section.
    """
    try:
        real = confine(root, ledger)
        data = real.read_bytes()
    except PathRefused as exc:
        raise LedgerError(f"ledger {ledger}: {exc}") from None
    except OSError as exc:
        raise LedgerError(f"ledger {ledger}: cannot read it: {exc.strerror or exc}") from None
    try:
        old_text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise LedgerError(f"ledger {ledger} is not UTF-8 text") from None
    text = _Text(old_text)
    fmt = "rst" if PurePosixPath(ledger).suffix.lower() in _RST_SUFFIXES else "md"
    doc = parse_document(old_text[len(text.bom) :], ledger, fmt)
    if doc.problems:
        raise LedgerError(f"ledger {ledger}: {doc.problems[0].message}")
    sections = doc.sections
    sec, nxt = _find_section(sections, entry.initiative, ledger)
    start = sec.line + (2 if fmt == "rst" else 1)
    if nxt < len(sections):
        end = sections[nxt].line - 1
        if fmt == "rst" and end >= 1 and _is_rule(text.plain(end)):
            end -= 1  # an overline
    else:
        end = len(text.lines)
    body = "\n".join(text.plain(n) for n in range(start, end + 1))
    folder = entry.folder.rstrip("/")
    if re.search(re.escape(folder) + r"(/|`|\s|$)", body):
        return LedgerUpdate(ledger, "", sec.title, True, old_text, old_text)
    attempt = 1 + max((int(m) for m in _ATTEMPT.findall(body)), default=0)

    subs = [s for s in sections if sec.line < s.line <= end and s.level > sec.level]
    table = [n for n in range(start, end + 1) if _ROW.match(text.plain(n))]
    items = _list_items(text, start, end)
    if table and (not items or table[-1] > items[-1][1]):
        # the last table of the section: its header is the first row of that run
        last = table[-1]
        first = last
        while first - 1 >= start and _ROW.match(text.plain(first - 1)):
            first -= 1
        at, new = _table_entry(text, first, last, entry, attempt)
        shape = "table"
    elif subs and not (items and items[-1][0] > subs[-1].line):
        at, new = _heading_entry(text, subs, end, entry, attempt, fmt)
        shape = "headings"
    else:
        at, new = _list_entry(text, items, start, end, entry, attempt, fmt)
        shape = "list"
    new_text = text.render(at, new)
    return LedgerUpdate(
        ledger, shape, sec.title, False, new_text, old_text, (at, at + len(new) - 1)
    )


def _is_rule(line: str) -> bool:
    s = line.strip()
    return len(s) >= 2 and not s[0].isalnum() and not s[0].isspace() and s == s[0] * len(s)


def _content_end(text: _Text, start: int, end: int) -> int:
    while end >= start and (text.blank(end) or _is_rule(text.plain(end))):
        end -= 1
    return end


def _list_entry(
    text: _Text,
    items: Sequence[tuple[int, int, re.Match[str]]],
    start: int,
    end: int,
    entry: LedgerEntry,
    attempt: int,
    fmt: str,
) -> tuple[int, list[str]]:
    values = _values(entry, attempt)
    if items:
        first, last, m = items[-1]
        indent, bullet, gap = m.group(1), m.group(2), m.group(3)
        if bullet[:-1].isdigit():
            bullet = f"{int(bullet[:-1]) + 1}{bullet[-1]}"
        numbered = bool(_ATTEMPT.search(text.plain(first)))
        at = last + 1
    else:
        indent, bullet, gap, numbered = "", "-", " ", True
        at = _content_end(text, start, end) + 1
    cont = " " * (len(indent) + len(bullet) + len(gap))
    head = f"[{entry.stamp}]"
    if numbered:
        head += f" Attempt #{attempt} —"
    code = _code if fmt == "md" else (lambda t: f"``{t}``")
    lines = [f"{indent}{bullet}{gap}{head} {entry.initiative}: {values['note']}."]
    paths = [code(a) for a in entry.artefacts] or ["(none)"]
    lines.append(f"{cont}Artifacts: {paths[0]}" + ("," if len(paths) > 1 else "."))
    lines += [f"{cont}{p}" + ("," if k < len(paths) - 1 else ".") for k, p in enumerate(paths)][1:]
    if entry.counts:
        lines.append(f"{cont}Counts: {_counts_text(entry.counts)}.")
    loose = len(items) >= 2 and text.blank(items[-2][1] + 1)
    if not items or loose:
        lines = ["", *lines]
    if not items and at <= len(text.lines) and not text.blank(at):
        lines.append("")
    return at, lines


def _heading_entry(
    text: _Text,
    subs: Sequence[Section],
    end: int,
    entry: LedgerEntry,
    attempt: int,
    fmt: str,
) -> tuple[int, list[str]]:
    values = _values(entry, attempt)
    last = subs[-1]
    level_subs = [s for s in subs if s.level == subs[0].level]
    model = level_subs[-1] if level_subs else last
    title = f"{entry.stamp} — {entry.initiative}: {values['note']}"
    code = _code if fmt == "md" else (lambda t: f"``{t}``")
    if fmt == "rst":
        under = text.plain(model.line + 1)
        char = under.strip()[:1] or "~"
        heading = [title, char * len(title)]
    else:
        hashes = text.plain(model.line).split(" ", 1)[0]
        heading = [f"{hashes if set(hashes) == {'#'} else '###'} {title}"]
    at = _content_end(text, last.line, end) + 1
    lines = [
        "",
        *heading,
        "",
        "Artifacts: " + ", ".join(code(a) for a in entry.artefacts) + ".",
    ]
    if entry.counts:
        lines += ["", f"Counts: {_counts_text(entry.counts)}."]
    if at <= len(text.lines) and not text.blank(at):
        lines.append("")
    return at, lines


def write_ledger(root: Path, update: LedgerUpdate) -> None:
    """Write ``update.text`` atomically (temporary file beside the ledger, fsync, rename),
    keeping the file's permission bits. Does nothing when there is nothing to write.

    :raises LedgerError: the ledger cannot be written.
    """
    if not update.changed:
        return
    try:
        target = confine(root, update.path)
        mode = stat.S_IMODE(target.stat().st_mode)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".ptyplan", dir=target.parent)
    except (PathRefused, OSError) as exc:
        raise LedgerError(f"cannot write ledger {update.path}: {exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(update.text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise LedgerError(f"cannot write ledger {update.path}: {exc.strerror or exc}") from None
