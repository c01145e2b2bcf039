"""A document's citations -> existence, range and drift checks (blame once, one diff per commit)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx_ptyplan.core.checks.barenames import by_history, narrow_bare_names, say_resolved
from sphinx_ptyplan.core.checks.relocate import (
    BULK_LINES,
    _Drift,
    _drift_of,
    _Lines,
    citing_words,
)
from sphinx_ptyplan.core.checks.stories import told_stories
from sphinx_ptyplan.core.models import (
    Finding,
    FindingCode,
    FindingKind,
    Reference,
    RefKind,
    Resolution,
    Status,
)
from sphinx_ptyplan.core.paths import PathRefused, confine, rel_posix
from sphinx_ptyplan.core.sources import classify as _classify
from sphinx_ptyplan.core.sources.classify import SOURCE_SUFFIXES, is_external_path, references_in

if TYPE_CHECKING:
    from sphinx_ptyplan.core.checks.resolve import CodeIndex, StoryFn
    from sphinx_ptyplan.core.sources.docmodel import Section, Span
    from sphinx_ptyplan.core.sources.gitrepo import CommitInfo, GitRepo, LineMap

__all__ = [
    "CitationCheck",
    "CitationReport",
    "check_citations",
    "checked_tops",
    "citation_refs",
]

#: Kinds a plain inline literal is checked for (a role checks every kind).
_LITERAL_KINDS = (RefKind.PATH, RefKind.CITATION, RefKind.PATH_SYMBOL)
_NUMS_RE = re.compile(r"^(:L?|#L)(\d+)(?:([-–]L?)(\d+))?")
_SHOWN = 70  # characters of a source line shown in a drift message


@dataclass(frozen=True)
class CitationCheck:
    """One checked reference: how it resolved and what is wrong with it.

    ``findings`` holds the resolver's STALE/AMBIGUOUS finding and the DRIFT finding, all
    located at the citing line of the document. ``replacement`` is the exact new text of
    the reference when what it names moved unchanged (a line citation whose lines moved,
    possibly with a renamed file; a path to a renamed file); ``fix`` applies only these.
    """

    ref: Reference
    resolution: Resolution
    findings: tuple[Finding, ...] = ()
    replacement: str | None = None
    span: int = -1  # index of the inline span (in the ``spans`` given) that holds ``ref``
    #: for a bare or partial file name resolved to one file: the citation with the path
    #: from the root (and the new lines when they moved), for ``fix --qualify``
    qualified: str | None = None


@dataclass(frozen=True)
class CitationReport:
    """The checks of one document; ``git_problem`` says why drift could not run (or None)."""

    checks: tuple[CitationCheck, ...]
    git_problem: Finding | None = None
    #: ``(span index, finding)`` for explicit ``ptyref`` roles that name nothing checkable
    unchecked_roles: tuple[tuple[int, Finding], ...] = ()

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding of every check, then those of unchecked roles (``git_problem`` not
        included)."""
        return (
            *(f for c in self.checks for f in c.findings),
            *(f for _k, f in self.unchecked_roles),
        )


# ------------------------------------------------------------------------- what is checked


def _inside_root(path: str, tops: frozenset[str]) -> bool:
    """A literal cites the root when its first folder is a top-level folder of the root, or
    it is a bare file name with a source suffix (resolved by a unique match)."""
    if not path or is_external_path(path):
        return False
    first, sep, _rest = path.partition("/")
    if sep:
        return first in tops
    dot = path.rfind(".")
    return dot > 0 and path[dot:].lower() in SOURCE_SUFFIXES


def _checked(ref: Reference, context: str, tops: frozenset[str]) -> bool:
    if ref.path is not None and is_external_path(ref.path):
        return False
    return context == "role" or (ref.kind in _LITERAL_KINDS and _inside_root(ref.path or "", tops))


def citation_refs(
    text: str, *, doc_path: str, doc_line: int, context: str, tops: frozenset[str]
) -> list[Reference]:
    """The references of one inline span that are checked (the single rule).

    ``context == "role"`` (an explicit ``ptyref``): every reference kind. Plain literals
    (``"code"``, ``"link"``): only paths, ``path:line`` citations and ``path:symbol``
    references whose first folder is in ``tops`` (the root's top-level folders, and those
    git history says existed: see :func:`checked_tops`), or bare file names with a source
    suffix (``model.py:2290``). Absolute and home paths, URLs, placeholders and globs are
    never returned; missing data artefacts are returned but never warned about by the
    resolver.
    """
    refs = references_in(text, doc_path=doc_path, doc_line=doc_line, context=context)
    return [ref for ref in refs if _checked(ref, context, tops)]


def _top_folders(index: CodeIndex) -> frozenset[str]:
    return frozenset(t for t in index.top_level if index.is_dir(t))


def checked_tops(
    index: CodeIndex,
    unknown: Callable[[], frozenset[str]],
    former: Callable[[], frozenset[str]] | None,
) -> frozenset[str]:
    """The first folders that make a plain literal a citation: the root's top-level
    folders, plus those of ``unknown()`` (first folders of path literals that match no
    folder today) that ``former()`` (``GitRepo.former_top_folders``) says were top-level
    folders once, renamed or deleted away (``ptychopinn_torch/``). History is asked only
    when there are unknown folders; a failing ``former`` leaves today's folders."""
    tops = _top_folders(index)
    if former is None:
        return tops
    candidates = unknown() - tops
    if not candidates:
        return tops
    from sphinx_ptyplan.core.sources.gitrepo import GitError

    try:
        was = former()
    except GitError:  # no history: only today's folders are known
        return tops
    return tops | (candidates & was)


# ------------------------------------------------------------------------- drift


@dataclass
class _Blame:
    """Per document: the commit of each citing line and the line maps of the cited files."""

    commits: list[str | None]
    boundary: set[str]
    maps: dict[tuple[str, str], LineMap]
    infos: dict[str, CommitInfo]
    #: (commit, cited path) where the commit does not date the citation: it wrote
    #: ``BULK_LINES`` or more lines of the document at once, and the cited file existed
    #: before it (a citation cannot be older than its file)
    undated: set[tuple[str, str]] = field(default_factory=set)


def _blamed_path(root: Path, doc_path: str) -> str:
    """The file whose history is the document's: a symlinked document (``docs/readme.md ->
    ../README.md``) is followed to its target inside the root, as the docs build reads it."""
    try:
        real = confine(root, doc_path)  # resolves symlinks; refuses targets outside the root
    except (PathRefused, OSError):
        return doc_path
    rel = rel_posix(Path(root).resolve(), real)
    return rel or doc_path


def _git_problem(doc_path: str, code: FindingCode, why: str) -> Finding:
    return Finding(
        FindingKind.GIT,
        f"drift of the line citations in {doc_path} not checked: {why}",
        path=doc_path,
        code=code,
    )


def _run_blame(
    repo: GitRepo, doc_path: str, wanted: Sequence[tuple[int, str]]
) -> tuple[_Blame | None, Finding | None]:
    """Blame ``doc_path`` once, then read one line map per (commit, cited file), batched per
    commit (one ``git diff`` each). ``wanted`` holds ``(citing line, cited path)`` pairs."""
    from sphinx_ptyplan.core.sources.gitrepo import GitError

    try:
        commits = repo.blame(doc_path)
    except GitError as exc:
        return None, _git_problem(doc_path, exc.code, exc.message)
    per_commit: dict[str, set[str]] = {}
    for line, path in wanted:
        sha = commits[line - 1] if 0 < line <= len(commits) else None
        if sha is not None:
            per_commit.setdefault(sha, set()).add(path)
    state = _Blame(commits, set(), {}, {})
    written: dict[str | None, int] = {}  # lines of the document each commit wrote
    for c in commits:
        written[c] = written.get(c, 0) + 1
    problem: Finding | None = None
    if per_commit and repo.is_shallow:
        # A shallow clone blames every older line on its boundary commit: the commit that
        # really wrote the line is missing, so nothing can be said about those lines.
        for sha in per_commit:
            try:
                repo.resolve(sha + "^")
            except GitError as exc:
                if exc.code is FindingCode.SHALLOW:
                    state.boundary.add(sha)
        if state.boundary:
            lost = sum(
                1
                for line, _p in wanted
                if 0 < line <= len(commits) and commits[line - 1] in state.boundary
            )
            problem = _git_problem(
                doc_path,
                FindingCode.SHALLOW,
                f"the clone is shallow and lacks the commits that wrote {lost} citing "
                "line(s); run `git fetch --unshallow` (or clone with more history)",
            )
    for sha, paths in per_commit.items():
        if sha in state.boundary:
            continue
        try:
            maps = repo.line_maps(sha, sorted(paths))
            state.infos[sha] = repo.commit_info(sha)
        except GitError as exc:
            problem = problem or _git_problem(doc_path, exc.code, exc.message)
            continue
        bulk = written.get(sha, 0) >= BULK_LINES
        before = repo.existed_before_many(sha, [lm.path for lm in maps.values()]) if bulk else ()
        for path, lm in maps.items():
            state.maps[(sha, path)] = lm
            if lm.path in before:
                state.undated.add((sha, path))
    return state, problem


def _short(text: str | None) -> str:
    if text is None:
        return "?"
    t = text.strip()
    return t if len(t) <= _SHOWN else t[: _SHOWN - 1] + "…"


def _rewrite(ref: Reference, new_path: str | None, a: int, b: int) -> str | None:
    """``ref.text`` with its path replaced by ``new_path`` (when given) and its lines by a-b,
    keeping everything else as written (``:L10-L12``, ``#L10``, a range of one line).
    An element of a line list (``30`` of ``path:5,30``) is rewritten alone, in its own form;
    it cannot take a new path (None)."""
    if ref.written is not None:
        return _rewrite_element(ref.written, new_path, ref.path, a, b)
    written, i = _classify.written_path(ref.text, ref.path or "")
    if i < 0:
        return None
    rest = ref.text[i + len(written) :]
    m = _NUMS_RE.match(rest)
    if m is None:
        return None
    if m.group(4) is None:
        if a != b:
            return None
        nums = f"{m.group(1)}{a}"
    else:
        nums = f"{m.group(1)}{a}{m.group(3)}{b}"
    return ref.text[:i] + (new_path or written) + nums + rest[m.end() :]


def _rewrite_element(
    written: str, new_path: str | None, path: str | None, a: int, b: int
) -> str | None:
    if new_path is not None and new_path != path:
        return None
    m = re.match(r"^(L?)(\d+)(?:([-–]L?)(\d+))?$", written)
    if m is None:
        return None
    if m.group(4) is None:
        return f"{m.group(1)}{a}" if a == b else None
    return f"{m.group(1)}{a}{m.group(3)}{b}"


# ------------------------------------------------------------------------- checking


def _norm(path: str) -> str:
    return "/".join(p for p in path.strip("/").split("/") if p and p != ".")


def _verified(replacement: str | None, ref: Reference, index: CodeIndex) -> str | None:
    """The resolver's replacement of a renamed path, if it resolves to one thing."""
    from sphinx_ptyplan.core.checks.resolve import resolve

    if replacement is None:
        return None
    refs = references_in(replacement, doc_path=ref.doc_path, doc_line=ref.doc_line)
    if len(refs) != 1 or refs[0].kind is not ref.kind:
        return None
    return replacement if resolve(refs[0], index).status is Status.RESOLVED else None


def check_citations(
    root: Path,
    doc_path: str,
    spans: Sequence[tuple[str, int, str] | Span],
    *,
    index: CodeIndex,
    repo: GitRepo | None = None,
    drift: bool = True,
    story: StoryFn | None = None,
    former_tops: Callable[[], frozenset[str]] | None = None,
    former_packages: Callable[[], frozenset[str]] | None = None,
    every_kind: bool = False,
    problems: list[Finding] | None = None,
    max_refs: int | None = None,
    references: Sequence[Reference] | None = None,
) -> CitationReport:
    """Check the citations of one document's inline spans ``(text, line, context)`` (or
    :class:`Span` objects, whose section the references then carry).

    This is the one judge of references: the docs build's literal check and ``ptyplan
    check`` call it with the literal rule (:func:`citation_refs`); plan coverage
    (``ptyplan delta`` and ``ptyplan-delta``) calls it with ``every_kind`` to judge every
    reference of the plan (dotted names too) the same way. A reference both judge gets
    the same verdict from both.

    Existence, line ranges and symbols are checked by the resolver; ``path:line`` citations
    that resolve (or whose file was renamed) are then followed through git: the document
    is blamed once, and each cited file is mapped once per blame commit. Every finding is
    located at ``doc_path`` and the citing line. When git cannot answer, drift is skipped
    and ``git_problem`` says why (one finding for the whole call).

    :param story: ``story(paths) -> {path: story}`` for stale paths; defaults to
        ``repo.path_stories`` when a repository is given.
    :param former_tops: ``() -> folders`` that were top-level folders of the root once
        (see :func:`checked_tops`); defaults to ``repo.former_top_folders``.
    :param former_packages: those that held modules (``repo.former_top_packages``).
    :param problems: receives the ``GIT`` finding when git cannot tell the stories.
    :param max_refs: judge only the first ``max_refs`` references (a spec's limit).
    :param references: the references of ``spans`` when the caller has them already
        (``ParsedDocument.references``), so they are not classified twice.
    """
    from sphinx_ptyplan.core.checks.resolve import resolve_all

    root = Path(root)
    parts = [_span_parts(sp) for sp in spans]
    if references is None:
        found = [
            (k, context, ref)
            for k, (text, line, context, section) in enumerate(parts)
            for ref in references_in(
                text, doc_path=doc_path, doc_line=line, context=context, section=section
            )
        ]
    else:  # classified already (``ParsedDocument.references``, from these spans)
        span_of: dict[tuple[str, int, str], int] = {}
        for k, (text, line, context, _section) in enumerate(parts):
            span_of.setdefault((text, line, context), k)
        found = [
            (span_of.get((ref.span, ref.doc_line, ref.context), -1), ref.context, ref)
            for ref in references
        ]

    def unknown() -> frozenset[str]:
        paths = (
            ref.path.split("/", 1)[0]
            for _k, context, ref in found
            if context != "role" and ref.kind in _LITERAL_KINDS and ref.path and "/" in ref.path
        )
        dotted = (
            (ref.name or ref.text).split(".", 1)[0]
            for _k, _context, ref in found
            if ref.kind is RefKind.DOTTED
        )
        return frozenset((*paths, *dotted))

    if former_tops is None and repo is not None:
        former_tops = repo.former_top_folders
    tops = checked_tops(index, unknown, former_tops)
    if max_refs is not None:
        found = found[:max_refs]
    # every_kind: every plain reference gets a verdict, external ones included (spec-hits
    # rows); a role is judged as ever, so its finding is the same from every front end
    kept = [
        (k, ref)
        for k, context, ref in found
        if (every_kind and context != "role") or _checked(ref, context, tops)
    ]
    refs = [ref for _k, ref in kept]
    with_refs = {k for k, _ref in kept}
    unchecked_roles = tuple(
        (k, _role_problem(doc_path, line, text, "not a file, line or symbol inside the root"))
        for k, (text, line, context, _section) in enumerate(parts)
        if context == "role" and k not in with_refs
    )
    if story is None and repo is not None:
        story = (lambda paths, _r=repo: told_stories(_r, root, paths))  # noqa: E731
    former = tops - _top_folders(index)
    pkgs = former_packages or (repo.former_top_packages if repo is not None else None)
    packages = former & pkgs() if former and pkgs is not None else None
    resolutions = list(
        resolve_all(refs, index, story=story, former=former, problems=problems, packages=packages)
    )
    bare = narrow_bare_names(resolutions, index, drift and repo is not None)

    # the citations whose cited lines git can follow: (index in refs, cited path)
    follow: dict[int, str] = {}
    for i, res in enumerate(resolutions):
        if res.ref.kind is not RefKind.CITATION:
            continue
        if res.status is Status.RESOLVED and res.path:
            follow[i] = res.path
        elif (
            res.status is Status.STALE
            and res.finding is not None
            and res.finding.code in (FindingCode.STALE_PATH, FindingCode.STALE_LINE)
            and res.ref.path
        ):
            # a renamed file, or lines that moved past today's end of the file
            path = _cited_path(res.ref.path, index)
            if path is not None:
                follow[i] = path
    blame: _Blame | None = None
    problem: Finding | None = None
    if drift and (follow or bare):
        if repo is None:
            problem = _git_problem(
                doc_path,
                FindingCode.NO_REPO,
                f"no git repository for {root} (git is missing or the root is not in a work tree)",
            )
        else:
            wanted = [(refs[i].doc_line, p) for i, p in follow.items()]
            wanted += [(refs[i].doc_line, c) for i, fits in bare.items() for c in fits]
            blame, problem = _run_blame(repo, _blamed_path(root, doc_path), wanted)
    for i, fits in bare.items():  # several files of that name fit: ask history
        resolutions[i] = by_history(resolutions[i], fits, blame)
        if resolutions[i].status is Status.RESOLVED and resolutions[i].path:
            follow[i] = str(resolutions[i].path)

    lines = _Lines(root)
    checks: list[CitationCheck] = []
    for i, res in enumerate(resolutions):
        ref = res.ref
        findings: list[Finding] = [res.finding] if res.finding is not None else []
        if ref.context == "role" and res.status is Status.EXTERNAL:
            findings = [_role_problem(doc_path, ref.doc_line, ref.text, res.reason)]
        replacement: str | None = None
        if (
            res.status is Status.STALE
            and res.finding is not None
            and i not in follow
            and ref.written is None  # a line-list element cannot take a new path alone
        ):
            replacement = _verified(res.finding.replacement, ref, index)
            if replacement != res.finding.replacement:  # only a replacement that resolves
                findings = [replace(res.finding, replacement=replacement)]
        moved = _follow(blame, ref, follow.get(i), lines)
        beyond_end = (
            moved is not None
            and res.finding is not None
            and res.finding.code is FindingCode.STALE_LINE
            and moved.new_path == follow[i]
        )
        if beyond_end and moved is not None and moved.kind == "changed":
            assert res.finding is not None
            findings = [replace(res.finding, note=f"the {moved.detail}", replacement=None)]
        elif moved is not None and (res.status is Status.RESOLVED or beyond_end):
            if moved.kind == "moved":
                new_path = moved.new_path if moved.new_path != follow[i] else None
                replacement = _rewrite(ref, new_path, moved.start, moved.end)
                if replacement is not None:
                    findings = [  # lines moved past the end: the drift says it all
                        Finding(
                            FindingKind.DRIFT,
                            "moved",
                            path=doc_path,
                            line=ref.doc_line,
                            code=FindingCode.MOVED,
                            subject=ref.text,
                            replacement=replacement,
                        )
                    ]
                else:  # a form _rewrite does not know: say where, offer no rewrite
                    where = f"{moved.new_path}:{moved.start}-{moved.end}"
                    findings.append(
                        Finding(
                            FindingKind.DRIFT,
                            f"moved: now {where}",
                            path=doc_path,
                            line=ref.doc_line,
                            code=FindingCode.MOVED,
                            subject=ref.text,
                        )
                    )
            elif moved.kind == "changed":
                findings.append(
                    Finding(
                        FindingKind.DRIFT,
                        moved.detail,
                        path=doc_path,
                        line=ref.doc_line,
                        code=FindingCode.CHANGED,
                        subject=ref.text,
                    )
                )
            elif moved.kind == "unfixable":
                where = f"{moved.new_path}:{moved.start}" + (
                    f"-{moved.end}" if moved.end != moved.start else ""
                )
                findings.append(
                    Finding(
                        FindingKind.DRIFT,
                        f"moved (git follows the lines to {where}) but cannot be fixed: "
                        f"{moved.detail}; check the citation by hand",
                        path=doc_path,
                        line=ref.doc_line,
                        code=FindingCode(moved.code),
                        subject=ref.text,
                    )
                )
        elif moved is not None and res.finding is not None and moved.new_path is not None:
            # a renamed file: the exact replacement when the cited lines came along unchanged
            if moved.kind in ("moved", "same"):
                replacement = _rewrite(ref, moved.new_path, moved.start, moved.end)
                findings = [replace(res.finding, replacement=replacement)]
            elif moved.kind == "changed":
                findings = [
                    replace(
                        res.finding,
                        note=f"in {moved.new_path} the {moved.detail}",
                        replacement=None,
                    )
                ]
        qualified = None
        if (
            res.status is Status.RESOLVED
            and res.path
            and ref.kind is RefKind.CITATION
            and ref.path != res.path
            and ref.written is None
            and ref.start is not None
        ):
            chosen = moved if moved is not None and moved.kind == "moved" else None
            a = chosen.start if chosen else ref.start
            b = chosen.end if chosen else (ref.end if ref.end is not None else ref.start)
            qualified = _rewrite(ref, res.path, a, b)
            if res.reason and ref.path and "/" not in ref.path:  # how it was chosen
                findings = [say_resolved(f, res.reason) for f in findings]
        checks.append(CitationCheck(ref, res, tuple(findings), replacement, kept[i][0], qualified))
    return CitationReport(tuple(checks), problem, unchecked_roles)


def _span_parts(span: tuple[str, int, str] | Span) -> tuple[str, int, str, Section | None]:
    if isinstance(span, tuple):
        text, line, context = span
        return text, line, context, None
    return span.text, span.line, span.context, span.section


def _role_problem(doc_path: str, line: int, text: str, why: str) -> Finding:
    """An explicit ``ptyref`` that cannot be checked: the author asked for a check."""
    text = " ".join(text.split())
    return Finding(
        FindingKind.CONFIG,
        f"ptyref `{text}` cannot be checked: {why}; a ptyref names a path, path:line, "
        "path:symbol or dotted name inside ptyplan_root",
        path=doc_path,
        line=line,
        code=FindingCode.UNCHECKED_ROLE,
    )


def _cited_path(written: str, index: CodeIndex) -> str | None:
    """The root-relative file a (stale) citation names: as written when it has a folder,
    else the one file of that name in the tree."""
    if "/" in written:
        return _norm(written)
    found = index.suffix_matches(written)
    return found[0] if len(found) == 1 else None


def _follow(blame: _Blame | None, ref: Reference, path: str | None, lines: _Lines) -> _Drift | None:
    if blame is None or path is None:
        return None
    line = ref.doc_line
    sha = blame.commits[line - 1] if 0 < line <= len(blame.commits) else None
    if sha is None or sha in blame.boundary:
        return None  # written now (not committed) or history lacking
    lm = blame.maps.get((sha, path))
    if lm is None or ref.start is None:
        return None
    end = ref.end if ref.end is not None else ref.start
    words = None
    if (sha, path) in blame.undated:  # the words must say what the lines are
        words = citing_words(lines.all(ref.doc_path) or [], line, ref.span or ref.text)
    return _drift_of(lm, blame.infos.get(sha), ref.start, end, lines, words)
