"""A bare or partial file name in a line citation (``model.py:2290-2291``) that matches
several files: the one candidate that has the cited lines now and, with git, had them when
the citation was written; only a real tie stays ambiguous (listing the candidates that fit).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sphinx_ptyplan.core.models import Finding, RefKind, Resolution, Status

if TYPE_CHECKING:
    from sphinx_ptyplan.core.checks.resolve import CodeIndex

__all__ = [
    "by_history",
    "choose_by_history",
    "fitting_candidates",
    "narrow_bare_names",
    "narrowed",
    "say_resolved",
    "still_ambiguous",
]

_TRIVIAL_RE = re.compile(r"^[\W_]*$")


def fitting_candidates(res: Resolution, index: CodeIndex) -> tuple[str, ...] | None:
    """For an ambiguous line citation: the candidates that have its last line today (None
    when ``res`` is not an ambiguous line citation)."""
    ref = res.ref
    if res.status is not Status.AMBIGUOUS or ref.kind is not RefKind.CITATION:
        return None
    if not res.candidates or ref.start is None:
        return None
    end = ref.end if ref.end is not None else ref.start
    return tuple(c for c in res.candidates if (index.line_count(c) or 0) >= end)


def had_lines(old_lines: Sequence[str] | None, start: int, end: int) -> bool:
    """Whether a file as it was held lines ``start..end``, not all of them blank."""
    if old_lines is None or end > len(old_lines):
        return False
    return not all(_TRIVIAL_RE.match(t) for t in old_lines[start - 1 : end])


def narrowed(res: Resolution, path: str, why: str) -> Resolution:
    """``res`` resolved to ``path``; ``why`` (how the candidate was chosen) is kept in the
    message, which a later warning about the citation shows."""
    ref = res.ref
    end = ref.end if ref.end is not None else ref.start
    return replace(
        res,
        status=Status.RESOLVED,
        target_kind="citation",
        path=path,
        line=ref.start,
        end_line=end,
        reason=f"{path}, {why}",
        finding=None,
    )


def still_ambiguous(res: Resolution, fits: Sequence[str], what: str) -> Resolution:
    """``res`` with its finding listing only the candidates that fit (``what`` says how)."""
    if not fits or len(fits) == len(res.candidates) or res.finding is None:
        return res
    detail = (
        f"matches {len(res.candidates)} paths, {len(fits)} of them {what} "
        f"({', '.join(fits)}); write the path from the root"
    )
    finding = replace(res.finding, detail=detail, candidates=tuple(fits))
    return replace(res, candidates=tuple(fits), reason=detail, finding=finding)


def choose_by_history(
    res: Resolution,
    fits: Sequence[str],
    old_lines: Callable[[str], Sequence[str] | None],
    since: str,
) -> Resolution:
    """Of several candidates that fit today, the one that had the cited lines at the commit
    that wrote the citation (``old_lines(path)`` reads a candidate as it was then)."""
    ref = res.ref
    assert ref.start is not None
    end = ref.end if ref.end is not None else ref.start
    had = [c for c in fits if had_lines(old_lines(c), ref.start, end)]
    if len(had) == 1:
        return narrowed(res, had[0], f"the only one of {len(res.candidates)} files named so "
                        f"that had lines {ref.start}-{end} in {since}")  # fmt: skip
    return still_ambiguous(
        res, had or fits, f"had lines {ref.start}-{end} in {since}" if had else "are long enough"
    )


def narrow_bare_names(
    resolutions: list[Resolution], index: CodeIndex, with_history: bool
) -> dict[int, tuple[str, ...]]:
    """Resolve ambiguous bare names of line citations by the lines the candidates have now;
    return those still open (several fit) for :func:`_by_history`."""
    open_: dict[int, tuple[str, ...]] = {}
    for i, res in enumerate(resolutions):
        fits = fitting_candidates(res, index)
        if fits is None:
            continue
        ref = res.ref
        end = ref.end if ref.end is not None else ref.start
        if len(fits) == 1:
            why = f"the only one of {len(res.candidates)} files named so with line {end}"
            resolutions[i] = narrowed(res, fits[0], why)
        elif len(fits) > 1 and with_history:
            open_[i] = fits
        else:
            resolutions[i] = still_ambiguous(res, fits, f"with line {end}")
    return open_


def by_history(res: Resolution, fits: tuple[str, ...], blame: Any) -> Resolution:
    """Choose among ``fits`` by what each file held when the citing line was written
    (``blame``: the document's blame with the candidates' line maps)."""
    line = res.ref.doc_line
    sha = blame.commits[line - 1] if blame is not None and 0 < line <= len(blame.commits) else None
    end = res.ref.end if res.ref.end is not None else res.ref.start
    if blame is None or sha is None or sha in blame.boundary:
        return still_ambiguous(res, fits, f"with line {end}")
    info = blame.infos.get(sha)
    since = info.short if info is not None else sha[:7]

    def old_lines(path: str) -> Sequence[str] | None:
        lm = blame.maps.get((sha, path)) if blame is not None else None
        return lm.old_lines if lm is not None else None

    return choose_by_history(res, fits, old_lines, since)


def say_resolved(finding: Finding, how: str) -> Finding:
    """A finding about a bare file name, saying which file it was taken to be."""
    return replace(finding, detail=f"(taken as {how}) {finding.detail}")
