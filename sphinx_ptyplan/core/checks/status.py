"""Document status: live (checked against today's tree), pinned (against the revision each
line was written at) or archived (not checked); declared in the document or by path globs."""

from __future__ import annotations

import enum
import fnmatch
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx_ptyplan.core.models import Finding, FindingKind, RefKind

if TYPE_CHECKING:
    from sphinx_ptyplan.core.sources.gitrepo import GitRepo

    from .citations import CitationCheck, CitationReport
    from .resolve import CodeIndex

__all__ = [
    "DocStatus",
    "apply_pinned",
    "declared",
    "declared_status",
    "page_suppressions",
    "prefetch_pinned",
    "start_pinned",
    "status_of",
    "validate_rules",
]


class DocStatus(enum.Enum):
    """How a document's references are checked."""

    LIVE = "live"  #: against today's tree (the default)
    PINNED = "pinned"  #: against the revision each citing line was written at
    ARCHIVED = "archived"  #: not checked at all


_FIELD_RE = re.compile(r"^:([\w-]+):\s*(.*?)\s*$")
_FRONT_RE = re.compile(r"^([\w-]+)\s*:\s*(.*?)\s*$")


def _value(raw: str) -> DocStatus | None:
    v = raw.strip().strip("'\"").lower()
    try:
        return DocStatus(v)
    except ValueError:
        return None


def declared(text: str, key: str) -> str | None:
    """The value of ``key`` in a Markdown front matter (``---`` block at the top) or in the
    reST field list that opens the document (``:key: value``), as written; None when the
    document does not declare it. What Sphinx puts in a page's metadata, read without
    Sphinx (``ptyplan check`` gives it the meaning the build gives it)."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        for line in lines[1:200]:
            if line.strip() in ("---", "..."):
                break
            m = _FRONT_RE.match(line)
            if m and m.group(1) == key:
                return m.group(2)
        return None
    for line in lines[:200]:
        if not line.strip() or line.startswith(".. "):
            continue
        m = _FIELD_RE.match(line)
        if m is None:
            break
        if m.group(1) == key:
            return m.group(2)
    return None


def declared_status(text: str) -> tuple[DocStatus | None, str]:
    """``ptyplan: pinned`` in a Markdown front matter or a reST field ``:ptyplan: pinned``
    in the field list that opens the document. Returns the status (None when not declared
    or not one of live/pinned/archived) and the raw value."""
    raw = declared(text, "ptyplan")
    return (None, "") if raw is None else (_value(raw), raw)


def page_suppressions(value: Any) -> frozenset[str]:
    """``ptyplan-suppress: drift, stale`` (a page's metadata, or a list of subtypes): the
    warning subtypes silenced for the findings located on that page, in the docs build and
    in ``ptyplan check`` alike (``ptyplan.stale`` is ``stale``, as in ``:suppress:``)."""
    items = value if isinstance(value, list | tuple) else str(value or "").strip("[]").split(",")
    kinds = (str(x).strip().strip("'\"").removeprefix("ptyplan.") for x in items)
    return frozenset(k for k in kinds if k)


def validate_rules(value: Any) -> dict[str, str]:
    """``{glob: status}`` as given in ``ptyplan_status`` / ``[tool.ptyplan] status``.

    :raises ValueError: not a table of glob strings to live/pinned/archived.
    """
    if not isinstance(value, Mapping):
        raise ValueError("must be a table of path globs to live, pinned or archived")
    out: dict[str, str] = {}
    for k, v in value.items():
        if not isinstance(k, str) or not k.strip():
            raise ValueError(f"has an empty or non-text glob: {k!r}")
        if not isinstance(v, str) or _value(v) is None:
            raise ValueError(f"maps {k!r} to {v!r}; use live, pinned or archived")
        out[k.strip().lstrip("/")] = _value(v).value  # type: ignore[union-attr]
    return out


def status_of(
    doc_path: str, text: str | None, rules: Mapping[str, str], declared: str | None = None
) -> tuple[DocStatus, str]:
    """The status of a document and where it comes from (for messages).

    The document's own declaration (``declared``, e.g. from Sphinx metadata, else read from
    ``text``) wins; then the first glob of ``rules`` matching its root-relative path
    (``fnmatch``: ``*`` also crosses ``/``); else live.
    """
    if declared is not None:
        got = _value(str(declared))
        if got is not None:
            return got, "declared in the document"
    elif text is not None:
        got, _raw = declared_status(text)
        if got is not None:
            return got, "declared in the document"
    for glob, value in rules.items():
        if fnmatch.fnmatchcase(doc_path, glob):
            return DocStatus(value), f"ptyplan_status {glob!r}"
    return DocStatus.LIVE, "default"


# ------------------------------------------------------------------------- pinned


def _norm(path: str) -> str:
    return "/".join(p for p in path.strip("/").split("/") if p and p != ".")


def _right_then(repo: GitRepo, sha: str, check: CitationCheck, index: CodeIndex) -> bool:
    """Was the reference of ``check`` right at commit ``sha``?"""
    from .resolve import _find_symbol, _member_chain, story_keys

    ref = check.ref
    if ref.kind in (RefKind.DOTTED, RefKind.ATTR):
        return any(repo.object_at(sha, k)[0] is not None for k in story_keys(ref, index))
    path = _norm(ref.path or "")
    if not path:
        return False
    kind, data = repo.object_at(sha, path)
    if kind is None:
        return False
    if ref.kind is RefKind.PATH:
        return True
    if kind != "blob" or data is None:
        return False
    if ref.kind is RefKind.CITATION:
        n = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        start = ref.start or 0
        end = ref.end if ref.end is not None else start
        return 1 <= start <= end <= n
    from sphinx_ptyplan.core.sources.extract import defined_symbol, digest

    parts = (ref.name or "").split(".")
    if index.cache.get(digest(data)) is None:  # not parsed yet: the one name may be enough
        sym = defined_symbol(data, parts[0], max_bytes=index.max_bytes)
        if sym is not None:  # the module parses and defines it: its members tell the rest
            return _member_chain(sym, parts[1:]) is not None
    _key, info = index.cache.get_or_parse(data, path=path, max_bytes=index.max_bytes)
    if info is None or info.problem is not None:
        return True  # could not be read then either: nothing to hold against it
    return _find_symbol(info, parts) is not None


def _asked_then(
    todo: list[CitationCheck], blame: list[str | None], index: CodeIndex
) -> list[tuple[str, str]]:
    """The ``(commit, path)`` pairs :func:`_right_then` will read for ``todo``."""
    from .resolve import story_keys

    pairs: list[tuple[str, str]] = []
    for c in todo:
        line = c.ref.doc_line
        sha = blame[line - 1] if 0 < line <= len(blame) else None
        if sha is None or any(f.kind is FindingKind.MISSING for f in c.findings):
            continue
        if c.ref.kind in (RefKind.DOTTED, RefKind.ATTR):
            pairs.extend((sha, k) for k in story_keys(c.ref, index))
        elif path := _norm(c.ref.path or ""):
            pairs.append((sha, path))
    return pairs


def _note(f: Finding, note: str) -> Finding:
    """``f`` with ``note`` added to what it says besides (``Finding.note``)."""
    note = note.lstrip("; ").strip()
    return replace(f, note=f"{f.note}; {note}" if f.note else note)


_WRONG = (FindingKind.STALE, FindingKind.MISSING)


def _pinned_todo(report: CitationReport) -> list[CitationCheck]:
    """The checks of a pinned document that are wrong today (judged at their commit)."""
    return [c for c in report.checks if any(f.kind in _WRONG for f in c.findings)]


def start_pinned(report: CitationReport, repo: GitRepo | None, doc_path: str) -> None:
    """Start the blame :func:`apply_pinned` will need for ``report`` (``GitRepo.start_blame``:
    git works while the next documents are checked). Never raises; changes no answer."""
    todo = _pinned_todo(report)
    if todo and repo is not None:
        repo.start_blame(doc_path, sorted({c.ref.doc_line for c in todo}))


def prefetch_pinned(
    items: Sequence[tuple[CitationReport, str]], repo: GitRepo | None, index: CodeIndex
) -> None:
    """Read, in one exchange with git for all pinned documents, what :func:`apply_pinned`
    will read for each (the objects its wrong references cited, at the commit of their
    line). Never raises: a blame that fails here fails again, and is reported, there."""
    if repo is None:
        return
    from sphinx_ptyplan.core.sources.gitrepo import GitError

    pairs: list[tuple[str, str]] = []
    for report, doc_path in items:
        todo = _pinned_todo(report)
        if not todo:
            continue
        try:
            blame = repo.blame(doc_path, sorted({c.ref.doc_line for c in todo}))
        except GitError:
            continue
        pairs.extend(_asked_then(todo, blame, index))
    try:
        repo.prefetch_objects(pairs)
    except GitError:
        return


def apply_pinned(
    report: CitationReport, repo: GitRepo | None, doc_path: str, index: CodeIndex
) -> CitationReport:
    """The checks of a *pinned* document: a reference that is wrong today is reported only
    when it was already wrong at the commit that wrote its line (blamed, only for those
    lines); drift since then is not a problem. Lines not committed yet are checked like a
    live document's. Without git nothing can be said about the past: the findings stay,
    each saying so."""
    from .citations import CitationCheck, CitationReport

    wrong = _WRONG
    todo = _pinned_todo(report)
    blame: list[str | None] = []
    why_not = ""
    if todo and repo is not None:
        from sphinx_ptyplan.core.sources.gitrepo import GitError

        try:
            blame = repo.blame(doc_path, sorted({c.ref.doc_line for c in todo}))
        except GitError as exc:
            why_not = exc.message
    elif todo:
        why_not = "no git repository"
    if blame and repo is not None:
        repo.fetch_objects(_asked_then(todo, blame, index))  # one exchange, not one each
    checks: list[CitationCheck] = []
    for c in report.checks:
        findings = [f for f in c.findings if f.kind is not FindingKind.DRIFT]
        if c in todo:
            line = c.ref.doc_line
            sha = blame[line - 1] if 0 < line <= len(blame) else None
            if why_not:
                findings = [
                    _note(f, f" (pinned document, history not readable: {why_not})")
                    if f.kind in wrong
                    else f
                    for f in findings
                ]
            elif sha is None:
                findings = [
                    _note(f, " (pinned document, but this line is not committed yet)")
                    if f.kind in wrong
                    else f
                    for f in findings
                ]
            elif (
                repo is None
                or any(f.kind is FindingKind.MISSING for f in findings)
                or not _right_then(repo, sha, c, index)
            ):
                info = repo.commit_info(sha) if repo is not None else None
                when = f"{info.short} ({info.date})" if info is not None else sha[:7]
                findings = [
                    _note(f, f"; pinned document: already wrong when written in {when}")
                    if f.kind in wrong
                    else f
                    for f in findings
                ]
            else:
                findings = [f for f in findings if f.kind not in wrong]
        checks.append(CitationCheck(c.ref, c.resolution, tuple(findings), None, c.span))
    return CitationReport(tuple(checks), None, report.unchecked_roles)


def doc_text(root: Path, doc_path: str) -> str | None:
    """The text of a document for its declared status (None when unreadable)."""
    try:
        return (Path(root) / doc_path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
