"""What every build reports: each page's findings kept in the environment as plain rows,
and the one emission of all pages' rows (read this time or not) through Sphinx's logging.

Every build loads the environment and reports every page's findings, so what is stored
for that is kept cheap to load: a page's typed findings (``Located``) are pickled on their
own (read back only to filter them through a baseline), and the page's warnings are kept
as rows of strings, numbers and tuples of them. A build that re-reads nothing then
creates no finding objects at all, and the collector has nothing of ours to walk: on a
large project the environment is hundreds of thousands of objects, and every full
collection during a build walks them all.

A row is ``(kind, message, location, path, line, same)``:

- ``kind``: the warning subtype (``FindingKind`` value); ``message``: ``Finding.message``;
- ``location``: ``(docname, line)`` for a page, else the string Sphinx is given for a file
  that is no page (``FileLine.sphinx()``);
- ``path``/``line``: where the log prints a file location (``None`` for a page: its path
  is asked of Sphinx when the build reports, as the page's file may have been renamed);
- ``same``: what makes two findings one report (a ``once`` key, one missing object, or
  the finding, by a digest of its ``repr``, and its location), as atomic values.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx_ptyplan.core.models import FindingCode, FindingKind
from sphinx_ptyplan.sphinx_ext.warnings import FileLine, warn

if TYPE_CHECKING:
    from sphinx.environment import BuildEnvironment

    from sphinx_ptyplan.sphinx_ext.engine import Located, Session

__all__ = ["Row", "emit_all", "page_rows", "stored_findings"]

Row = tuple[str, str, Any, "str | None", int, Hashable]


def page_rows(located: Sequence[Located]) -> tuple[Row, ...]:
    """The rows of a page's findings (in the stored order of ``located``)."""
    rows: list[Row] = []
    for loc in located:
        f = loc.finding
        where = loc.location
        same: Hashable
        if f.code is FindingCode.MISSING_OBJECT:
            same = ("missing-object", f.subject)
        elif loc.once:
            same = loc.once
        else:  # a finding's repr shows every field it is compared by (frozen dataclasses);
            # its digest keeps the row small (the environment is loaded by every build)
            same = (hashlib.blake2b(repr(f).encode(), digest_size=16).digest(), repr(where))
        if isinstance(where, FileLine):
            line = where.line or 0
            rows.append((f.kind.value, f.message, where.sphinx(), where.path, line, same))
        else:
            rows.append((f.kind.value, f.message, where, None, 0, same))
    return tuple(rows)


def stored_findings(data: dict[str, Any], docname: str) -> tuple[Located, ...]:
    """A page's typed findings as the build that checked it stored them."""
    blob = data["findings"].get(docname)
    return pickle.loads(blob) if blob else ()  # written by this extension (listeners)


def emit_all(
    session: Session,
    env: BuildEnvironment,
    data: dict[str, Any],
    suppressed: dict[str, frozenset[str]],
) -> None:
    """Report every page's rows: one report per finding, in the order the log prints them
    (by file and line, then kind and message), the baseline's findings left out."""
    seen: set[Hashable] = set()
    report: list[tuple[Row, str, int]] = []
    for docname in sorted(data["warnings"]):
        if docname not in env.all_docs:
            continue
        quiet = suppressed.get(docname, ())
        for i, row in enumerate(data["warnings"][docname]):
            if row[0] in quiet:
                continue
            same = row[5]
            if same in seen:
                continue
            seen.add(same)
            report.append((row, docname, i))
    # one order whatever the build: by the file and line the log prints (a finding on a page
    # may be located by docname or by the page's file; -j merges pages in any order)
    paths: dict[str, str] = {}

    def printed(row: Row) -> tuple[str, int, str, str]:
        where = row[2]
        if row[3] is not None:
            return row[3], row[4], row[0], row[1]
        if isinstance(where, tuple) and len(where) == 2 and isinstance(where[0], str):
            path = paths.get(where[0])
            if path is None:
                path = paths[where[0]] = str(env.doc2path(where[0]))
            return path, int(where[1] or 0), row[0], row[1]
        return str(where), 0, row[0], row[1]

    report.sort(key=lambda item: printed(item[0]))
    rows, note = _after_baseline(session, data, report)
    for row in rows:  # the text, subtype and location the typed finding gives
        warn(FindingKind(row[0]), row[1], row[2], env=env, paths=paths)
    if note:
        from sphinx.util import logging

        logging.getLogger(__name__).info(note)


def _after_baseline(
    session: Session, data: dict[str, Any], report: list[tuple[Row, str, int]]
) -> tuple[list[Row], str | None]:
    """The rows to warn: all of them, or those a configured baseline does not hold, and
    then the note that says how many it held."""
    name = session.cfg.baseline
    if not name:
        return [row for row, _doc, _i in report], None
    from sphinx_ptyplan.core.checks.baseline import Baseline, key_of

    path = Path(name) if Path(name).is_absolute() else session.root / name
    try:
        baseline = Baseline.load(path)
    except ValueError as exc:
        warn(FindingKind.CONFIG, f"ptyplan_baseline: {exc}; every finding is reported", f"{path}:")
        return [row for row, _doc, _i in report], None
    typed: dict[str, tuple[Located, ...]] = {}
    keyed = []
    for row, doc, i in report:
        if doc not in typed:
            typed[doc] = stored_findings(data, doc)
        loc = typed[doc][i]
        keyed.append((row, loc.finding, loc.key or key_of(loc.finding, doc)))
    got = baseline.filter([(f, k) for _row, f, k in keyed])
    new = {id(f) for f in got.new}
    note = f"ptyplan: {got.baselined} finding(s) baselined in {path.name}"
    if got.prunable:
        note += (
            f"; {len(got.prunable)} baseline entries match nothing any more "
            "(`ptyplan baseline --prune` drops them)"
        )
    return [row for row, f, _k in keyed if id(f) in new], note
