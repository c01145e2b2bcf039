"""The one builder of a :class:`Resolution` and, for a stale or ambiguous one, its finding
(shared by the resolver and the name resolution it calls, which it imports)."""

from __future__ import annotations

from collections.abc import Iterable

from sphinx_ptyplan.core.models import (
    Finding,
    FindingCode,
    FindingKind,
    PathStory,
    Reference,
    Resolution,
    Status,
)

__all__ = ["resolution"]


def resolution(
    ref: Reference,
    status: Status,
    reason: str = "",
    *,
    target_kind: str = "",
    path: str | None = None,
    line: int | None = None,
    end_line: int | None = None,
    candidates: Iterable[str] = (),
    code: FindingCode | None = None,
    subject: str | None = None,
    story: PathStory | None = None,
    replacement: str | None = None,
    owner: str | None = None,
    owner_from_path: bool = True,
    missing: bool = False,
) -> Resolution:
    """A resolution; stale and ambiguous ones carry their finding, built from the data
    (``candidates`` are on the finding of a stale one: its did-you-mean; ``missing``: a
    path git never knew, a ``ptyplan.missing`` finding). ``owner`` is the file or folder
    the reference names; when not given it is ``path``, unless ``owner_from_path`` is
    false (a bare name names no file by its own text)."""
    cands = tuple(candidates)
    finding = None
    if status in (Status.STALE, Status.AMBIGUOUS):
        assert code is not None
        if missing:
            kind = FindingKind.MISSING
        else:
            kind = FindingKind.STALE if status is Status.STALE else FindingKind.AMBIGUOUS
        finding = Finding(
            kind,
            reason,
            path=ref.doc_path,
            line=ref.doc_line or None,
            code=code,
            subject=subject if subject is not None else ref.text,
            candidates=cands if status is Status.STALE else (),
            story=story,
            replacement=replacement,
        )
    if owner is None and owner_from_path:
        owner = path
    return Resolution(
        ref=ref,
        status=status,
        target_kind=target_kind,
        path=path,
        line=line,
        end_line=end_line,
        candidates=cands,
        reason=reason,
        finding=finding,
        story=story,
        owner=owner,
    )
