"""The ``ptyplan-spec-hits`` core: a spec's references resolved, its field lists checked."""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx_ptyplan.core.checks.citations import check_citations
from sphinx_ptyplan.core.checks.nameres import NO_DEFINITION
from sphinx_ptyplan.core.checks.resolve import CodeIndex, StoryFn, resolve
from sphinx_ptyplan.core.models import (
    Finding,
    FindingCode,
    FindingKind,
    Reference,
    RefKind,
    Resolution,
    Status,
    Symbol,
)
from sphinx_ptyplan.core.paths import PathRefused, confine
from sphinx_ptyplan.core.sources.docmodel import FieldList
from sphinx_ptyplan.core.sources.documents import load_document

if TYPE_CHECKING:
    from sphinx_ptyplan.core.sources.gitrepo import GitRepo

__all__ = ["SchemaCheck", "SpecHits", "Touchpoint", "spec_hits"]


@dataclass(frozen=True, slots=True)
class SchemaCheck:
    """One field list of the spec compared with its class.

    ``owner`` is the qualified class name; ``missing_in_code`` the fields (and their spec
    lines) the class lacks; ``undocumented`` the class's dataclass fields the spec omits.
    """

    owner: str
    owner_path: str | None
    owner_line: int | None
    doc_line: int
    missing_in_code: tuple[tuple[str, int], ...] = ()
    undocumented: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Touchpoint:
    """A module of the tree that the spec refers to, with the references that hit it."""

    module_path: str
    dotted: str | None
    refs: tuple[Resolution, ...]
    changed_since: bool = False


@dataclass(frozen=True, slots=True)
class SpecHits:
    spec: str
    rows: tuple[Resolution, ...] = ()
    schema: tuple[SchemaCheck, ...] = ()
    touchpoints: tuple[Touchpoint, ...] = ()
    findings: tuple[Finding, ...] = ()


def spec_hits(
    root: Path,
    spec: str,
    *,
    trees: Sequence[str],
    index: CodeIndex | None = None,
    changed: frozenset[str] = frozenset(),
    strict: bool = False,
    story: StoryFn | None = None,
    max_refs: int = 20_000,
    repo: GitRepo | None = None,
    drift: bool = False,
    former_tops: Callable[[], frozenset[str]] | None = None,
    former_packages: Callable[[], frozenset[str]] | None = None,
    prefer: Sequence[str] = (),
    history: HistoryFn | None = None,
) -> SpecHits:
    """Judge every code reference of ``spec`` (root-relative) and check its field lists.

    The references are judged by the one judge (``citations.check_citations`` with
    ``every_kind``), so a reference of a spec gets the verdict ``ptyplan check`` gives it:
    the same git story and replacement, and (with ``repo`` and ``drift``) the drift of its
    line citations.

    :param trees: tree paths whose modules are code (dotted names) and whose modules become
        touchpoints; empty means every package of the root.
    :param changed: root-relative paths of modules changed since ``:since:`` (from git).
    :param strict: also report class fields the spec does not list.
    :param story: git stories for stale paths, asked once for all of them.
    :param prefer: page-level context for bare names (modules or folders), after what the
        spec's own front matter says.
    :param history: ``history([(line, name)]) -> {(line, name): (sha, path, line)}``: where
        a bare name that names nothing now was defined when its spec line was written
        (git blame of the line, then the tree of that commit); such a name is stale.
    Never raises; problems come back as findings.
    """
    doc = load_document(root, spec, names=True, prefer=prefer)
    findings: list[Finding] = [*doc.problems, *_tree_problems(root, trees)]
    if index is None:
        index = CodeIndex(root, code_roots=trees)
    refs: Sequence[Reference] = doc.references
    if len(refs) > max_refs:
        findings.append(
            Finding(
                FindingKind.PARSE,
                f"{spec} has {len(refs)} code references; only the first {max_refs} are checked",
                path=spec,
                code=FindingCode.TOO_MANY_REFS,
            )
        )
    report = check_citations(
        root,
        spec,
        doc.spans,
        index=index,
        repo=repo,
        drift=drift,
        story=story,
        former_tops=former_tops,
        former_packages=former_packages,
        every_kind=True,
        problems=findings,
        max_refs=max_refs,
        references=refs,
    )
    rows = [c.resolution for c in report.checks]
    findings.extend(report.findings)  # (why drift could not run is ptyplan check's to say)
    if history is not None:
        before = {id(r) for r in rows}
        rows = _with_history(rows, history, spec)
        findings.extend(r.finding for r in rows if id(r) not in before and r.finding)
    rows = [
        r for r in rows if not (r.ref.kind is RefKind.NAME and r.status is Status.EXTERNAL)
    ]  # a bare word that names nothing of the tree is prose: no row, no warning
    schema: list[SchemaCheck] = []
    owners: set[tuple[int | None, str]] = set()  # field lists whose owner is ambiguous
    for fl in doc.field_lists:
        check, found, ambiguous = _schema_check(fl, index, spec, strict)
        if check is not None:
            schema.append(check)
        if ambiguous is not None:
            owners.add((fl.line, ambiguous))
        findings.extend(found)
    findings = [
        f
        for f in findings
        if not (f.code is FindingCode.AMBIGUOUS_NAME and (f.line, f.subject) in owners)
    ]  # the field list's owner is the same mention: one warning
    findings.sort(key=lambda f: (f.line or 0, f.kind.value, f.message))
    return SpecHits(
        spec=spec,
        rows=tuple(rows),
        schema=tuple(schema),
        touchpoints=_touchpoints(rows, index, trees, changed),
        findings=tuple(findings),
    )


#: ``history([(spec line, name)]) -> {(line, name): (commit, path, line)}``.
HistoryFn = Callable[[list[tuple[int, str]]], Mapping[tuple[int, str], tuple[str, str, int]]]


def _with_history(rows: list[Resolution], history: HistoryFn, spec: str) -> list[Resolution]:
    """A bare name with no definition now that was code when its line was written is
    stale, with its story; asked once for all such names."""
    asked = [
        (r.ref.doc_line, (r.ref.name or r.ref.text).removesuffix("()"))
        for r in rows
        if r.ref.kind is RefKind.NAME
        and r.status is Status.EXTERNAL
        and r.reason == NO_DEFINITION
    ]
    if not asked:
        return rows
    told = history(asked)
    if not told:
        return rows
    out = []
    for r in rows:
        key = (r.ref.doc_line, (r.ref.name or r.ref.text).removesuffix("()"))
        was = told.get(key) if r.ref.kind is RefKind.NAME else None
        if was is None or r.status is not Status.EXTERNAL:
            out.append(r)
            continue
        sha, path, line = was
        detail = (
            f"defined in {path}:{line} when this line was written ({sha[:7]}), "
            "and nowhere in the tree now"
        )
        finding = Finding(
            FindingKind.STALE,
            detail,
            path=spec,
            line=r.ref.doc_line,
            code=FindingCode.STALE_NAME,
            subject=r.ref.text,
        )
        out.append(replace(r, status=Status.STALE, reason=detail, finding=finding))
    return out


def _tree_problems(root: Path, trees: Sequence[str]) -> list[Finding]:
    """A ``:tree:`` outside the root or missing is the request's problem (no path, so the
    Sphinx layer reports it at the directive), never silently an empty tree."""
    out = []
    for tree in trees:
        try:
            real = confine(root, tree)
        except PathRefused as exc:
            out.append(
                Finding(
                    FindingKind.CONFIG, f"spec-hits :tree: {exc}", code=FindingCode.OUTSIDE_ROOT
                )
            )
            continue
        if not real.is_dir():
            out.append(
                Finding(
                    FindingKind.CONFIG,
                    f"spec-hits :tree: {tree!r} is not a folder under the root ({root})",
                    code=FindingCode.MISSING_PATH,
                )
            )
    return out


def _in_trees(path: str, trees: Sequence[str]) -> bool:
    if not trees:
        return True
    return any(
        not t.strip("/") or path == t.strip("/") or path.startswith(t.strip("/") + "/")
        for t in trees
    )


def _touchpoints(
    rows: Sequence[Resolution], index: CodeIndex, trees: Sequence[str], changed: frozenset[str]
) -> tuple[Touchpoint, ...]:
    by_module: dict[str, list[Resolution]] = {}
    for r in rows:
        if r.status is not Status.RESOLVED or not r.path or not r.path.endswith(".py"):
            continue
        if _in_trees(r.path, trees):
            by_module.setdefault(r.path, []).append(r)
    return tuple(
        Touchpoint(
            module_path=path,
            dotted=index.dotted_of(path),
            refs=tuple(hits),
            changed_since=path in changed,
        )
        for path, hits in sorted(by_module.items())
    )


def _owner_class(fl: FieldList, index: CodeIndex) -> tuple[list[tuple[str, Symbol]], str]:
    """Classes the field list's owner may name (``[(file, class)]``) and the name shown."""
    name = fl.owner.name or fl.owner.text
    short = name.rsplit(".", 1)[-1]
    if "." in name:
        res = resolve(fl.owner, index)
        if res.status is not Status.RESOLVED or res.target_kind != "class" or not res.path:
            return [], name
        return [(p, c) for p, c in index.classes(short) if p == res.path], name
    found = index.classes(short)
    hint = fl.owner.path
    if hint:
        h = posixpath.normpath(hint.strip("/"))
        found = [(p, c) for p, c in found if p == h or p.endswith("/" + h)]
    if len(found) > 1 and fl.owner.hints:
        from sphinx_ptyplan.core.checks.names import Binding, Definition, bind

        defs = [Definition(c.name, p, c.line, c.end_line, "class") for p, c in found]
        got = bind(short, defs, fl.owner.hints, index)
        if isinstance(got, Binding):
            found = [(p, c) for p, c in found if p == got.definition.path]
    return found, name


def _names(index: CodeIndex, cls: Symbol, depth: int = 0) -> tuple[set[str], list[str]]:
    """(every member name, dataclass field names in order), including indexed base classes."""
    names = {m.name for m in cls.members}
    fields = [f.name for f in cls.fields]
    if depth < 5:
        for base in cls.bases:
            short = base.split("[", 1)[0].rsplit(".", 1)[-1]
            for _p, bcls in index.classes(short)[:1]:
                bn, bf = _names(index, bcls, depth + 1)
                names |= bn
                fields = [f for f in bf if f not in fields] + fields
    return names, fields


def _schema_check(
    fl: FieldList, index: CodeIndex, spec: str, strict: bool
) -> tuple[SchemaCheck | None, list[Finding], str | None]:
    """The schema check of a field list, its findings, and its owner as written when
    several classes have that name (then there is no check)."""
    classes, shown = _owner_class(fl, index)
    if not classes:
        return None, [], None
    if len(classes) > 1:
        cands = [f"{index.dotted_of(p) or p}.{c.name} ({p}:{c.line})" for p, c in classes]
        ambiguous = Finding(
            FindingKind.AMBIGUOUS,
            f"field list of `{shown}`: {len(classes)} classes have that name "
            f"({'; '.join(cands)}); write the dotted name or the file next to it",
            path=spec,
            line=fl.line,
            code=FindingCode.AMBIGUOUS_OWNER,
        )
        return None, [ambiguous], shown
    rel, cls = classes[0]
    qual = f"{index.dotted_of(rel) or rel}.{cls.name}"
    names, fields = _names(index, cls)
    listed = {f for f, _line in fl.fields}
    missing = tuple((f, line) for f, line in fl.fields if f not in names)
    undocumented = tuple(f for f in fields if f not in listed)
    findings: list[Finding] = []
    for f, line in missing:
        close = difflib.get_close_matches(f, sorted(names), n=3, cutoff=0.6)
        mean = f" (did you mean {', '.join(f'`{c}`' for c in close)}?)" if close else ""
        findings.append(
            Finding(
                FindingKind.SCHEMA,
                f"`{f}` is listed as a field of `{shown}`, but `{qual}` ({rel}:{cls.line}) "
                f"has no `{f}`{mean}; fix the spec or the class",
                path=spec,
                line=line,
                code=FindingCode.SCHEMA_MISSING,
            )
        )
    if strict and undocumented:
        findings.append(
            Finding(
                FindingKind.SCHEMA,
                f"`{qual}` ({rel}:{cls.line}) has fields the spec's list of `{shown}` omits: "
                f"{', '.join(f'`{f}`' for f in undocumented)}; document them",
                path=spec,
                line=fl.line,
                code=FindingCode.SCHEMA_UNDOCUMENTED,
            )
        )
    check = SchemaCheck(
        owner=qual,
        owner_path=rel,
        owner_line=cls.line,
        doc_line=fl.line,
        missing_in_code=missing,
        undocumented=undocumented,
    )
    return check, findings, None
