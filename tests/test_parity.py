"""One judge (issue 13 req 7): every front end gives the same verdict for the same reference.

Every reference of the test corpora (``tests/corpus/ledger``, ``tests/corpus/spec``) and of the
shipped example is run through ``sphinx-build`` (a real build whose pages are the documents,
with a ``ptyplan-delta`` and a ``ptyplan-spec-hits`` directive), ``ptyplan check``,
``ptyplan delta``, ``ptyplan spec-hits`` and ``ptyplan fix --check``. A verdict is
``(kind, code, subject, replacement)``; the same reference (document, line, subject) must get
the same verdict from every front end that reports it, and the front ends must overlap (so the
test cannot pass by comparing nothing).
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sphinx_ptyplan.cli.run import main
from sphinx_ptyplan.core.models import Finding
from tests.core.test_citations import build_ledger_repo
from tests.gitutil import Repo

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"

Key = tuple[str, int, str]  # document, line, reference as written
Verdict = tuple[str, str, str, str | None]  # kind, code, subject, replacement


@dataclass
class Verdicts:
    """The verdicts of one front end, by reference (and the conflicts within it)."""

    name: str
    by_key: dict[Key, Verdict] = field(default_factory=dict)
    own_conflicts: list[str] = field(default_factory=list)

    def add(
        self,
        path: str | None,
        line: int | None,
        kind: str,
        code: str,
        subject: str | None,
        replacement: str | None,
    ) -> None:
        if subject is None or path is None or line is None:
            return  # not a finding about a reference (git, parse, config ...)
        key = (path, line, subject)
        verdict = (kind, code, subject, replacement)
        old = self.by_key.setdefault(key, verdict)
        if old != verdict:
            self.own_conflicts.append(f"{self.name} {key}: {old} != {verdict}")


def from_json(name: str, doc: Mapping[str, Any]) -> Verdicts:
    out = Verdicts(name)
    for f in doc["findings"]:
        if f["code"] == "fixable":
            continue  # the per-file summary of fix --check; its rewrites are findings too
        out.add(f["path"], f["line"], f["kind"], f["code"], f["subject"], f["replacement"])
    return out


def from_findings(name: str, findings: Iterable[Finding]) -> Verdicts:
    out = Verdicts(name)
    for f in findings:
        out.add(f.path, f.line, f.kind.value, f.code.value, f.subject, f.replacement)
    return out


def divergences(fronts: Iterable[Verdicts]) -> list[str]:
    """Every reference two front ends (or one with itself) judge differently."""
    fronts = list(fronts)
    out = [c for v in fronts for c in v.own_conflicts]
    for i, a in enumerate(fronts):
        for b in fronts[i + 1 :]:
            for key in sorted(a.by_key.keys() & b.by_key.keys()):
                if a.by_key[key] != b.by_key[key]:
                    out.append(f"{key}: {a.name} {a.by_key[key]} != {b.name} {b.by_key[key]}")
    return out


def overlap(a: Verdicts, b: Verdicts) -> set[Key]:
    return a.by_key.keys() & b.by_key.keys()


# --------------------------------------------------------------------------- front ends


def cli(capsys: pytest.CaptureFixture[str], name: str, *argv: str) -> Verdicts:
    code = main(["--format", "json", *argv])
    out, err = capsys.readouterr()
    assert code in (0, 1), (argv, err)
    return from_json(name, json.loads(out))


CONF = """
extensions = ["myst_parser", "sphinx_ptyplan"]
ptyplan_root = "."
exclude_patterns = ["_build", "**/reports/**", "README.md"]
suppress_warnings = ["toc.not_included", "myst.header", "myst.xref_missing", "ref.any"]
"""


def sphinx(root: Path, index: str) -> tuple[Verdicts, str]:
    """A real build of ``root`` (every document a page, plus ``index.md``): the findings the
    build reported, as the domain holds them, and the warning text."""
    from sphinx.testing.util import SphinxTestApp
    from sphinx.util.console import strip_colors

    from sphinx_ptyplan.sphinx_ext.domain import domain_of
    from sphinx_ptyplan.sphinx_ext.report import stored_findings

    (root / "conf.py").write_text(CONF, encoding="utf-8")
    (root / "index.md").write_text(index, encoding="utf-8")
    app = SphinxTestApp("text", srcdir=root, builddir=root / "_build")
    try:
        app.build()
        data = domain_of(app.env).data
        located = [x for doc in data["findings"] for x in stored_findings(data, doc)]
    finally:
        app.cleanup()
    warnings = strip_colors(app.warning.getvalue())
    return from_findings("sphinx-build", (x.finding for x in located)), warnings


@dataclass(frozen=True)
class Case:
    """One repository and what each front end runs on it."""

    docs: tuple[str, ...]  # documents judged by check and fix (pages of the build)
    tree: str  # delta :tree:
    plan: str  # delta :plan:
    spec: str  # spec-hits document
    spec_trees: str  # spec-hits --tree ("" for every package)


def run_all(root: Path, case: Case, capsys: pytest.CaptureFixture[str]) -> dict[str, Verdicts]:
    spec_tree = [f"--tree={case.spec_trees}"] if case.spec_trees else []
    fronts = {
        "check": cli(capsys, "check", "check", *case.docs),
        "delta": cli(capsys, "delta", "delta", "--tree", case.tree, "--plan", case.plan),
        "spec-hits": cli(capsys, "spec-hits", "spec-hits", case.spec, *spec_tree),
        "fix --check": cli(capsys, "fix --check", "fix", "--check", *case.docs),
    }
    spec_opt = f":tree: {case.spec_trees.replace(',', ', ')}\n" if case.spec_trees else ""
    index = (
        "# Parity\n\n"
        f"```{{ptyplan-delta}}\n:tree: {case.tree}\n:plan: {case.plan}\n```\n\n"
        f"```{{ptyplan-spec-hits}} {case.spec}\n{spec_opt}```\n"
    )
    fronts["sphinx-build"], warnings = sphinx(root, index)
    # every finding the build holds was warned, with the text composed from its fields
    for key, verdict in fronts["sphinx-build"].by_key.items():
        assert f"[ptyplan.{verdict[0]}]" in warnings and f"`{key[2]}`" in warnings, key
    return fronts


def assert_one_judge(
    fronts: Mapping[str, Verdicts], *, at_least: Mapping[str, int], versus: str = "check"
) -> None:
    """No divergence, and each named front end shares at least ``n`` references with
    ``ptyplan check`` (``"check": n``: check itself judged at least ``n``)."""
    problems = divergences(fronts.values())
    assert problems == [], "\n".join(problems)
    for name, n in at_least.items():
        a, b = name.split(" vs ") if " vs " in name else (name, versus)
        shared = overlap(fronts[a], fronts[b]) if a != b else set(fronts[a].by_key)
        assert len(shared) >= n, (name, sorted(shared))


# --------------------------------------------------------------------------- the cases


def test_ledger_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "ledger"
    build_ledger_repo(root)
    monkeypatch.chdir(root)
    case = Case(("docs/fix_plan.md",), "pkg_a", "docs/fix_plan.md", "docs/fix_plan.md", "")
    fronts = run_all(root, case, capsys)
    assert_one_judge(
        fronts,
        at_least={"check": 20, "delta": 3, "spec-hits": 10, "fix --check": 4, "sphinx-build": 20},
    )


def test_spec_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "spec"
    shutil.copytree(CORPUS / "spec", root, ignore=shutil.ignore_patterns("*.tsv", "conftest.py"))
    repo = Repo(root)
    repo.commit("the spec corpus")
    monkeypatch.chdir(root)
    docs = ("ptychodus_api_spec.md", "spec_part.md", "spec_part.rst")
    case = Case(
        docs, "ptycho_torch", "spec_part.md", "ptychodus_api_spec.md", "ptycho_torch,ptycho"
    )
    fronts = run_all(root, case, capsys)
    assert_one_judge(fronts, at_least={"check": 3, "spec-hits": 2, "sphinx-build": 3})


def test_shipped_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        from example_repo import build_example_repo
    finally:
        sys.path.remove(str(ROOT / "docs"))
    root = build_example_repo(tmp_path / "example")
    monkeypatch.chdir(root)
    plan = "plans/ptychodus_pytorch_integration_plan.md"
    spec = "specs/ptychodus_api_spec.md"
    case = Case(("docs/fix_plan.md", plan, spec), "ptycho_torch", plan, spec, "ptycho_torch,ptycho")
    fronts = run_all(root, case, capsys)
    assert_one_judge(
        fronts,
        at_least={
            "check": 10,
            "delta": 8,
            # fix rewrites moved lines only (renamed paths need --renames), so fewer here
            "fix --check": 1,
            "sphinx-build": 13,
            # the example spec's findings are dotted names and Class.attr, which plain
            # literals do not check: its parity partner is the build's spec-hits directive
            "spec-hits vs sphinx-build": 2,
            "delta vs sphinx-build": 10,
        },
    )


def test_a_divergent_front_end_is_caught() -> None:
    """The comparison can fail: one front end that words a verdict differently (another code,
    another replacement, or two verdicts for one reference) is reported."""
    key: Key = ("docs/plan.md", 3, "pkg/gone.py")
    good = Verdicts("check", {key: ("stale", "stale-path", "pkg/gone.py", None)})
    same = Verdicts("delta", {key: ("stale", "stale-path", "pkg/gone.py", None)})
    assert divergences([good, same]) == []
    other_code = Verdicts("delta", {key: ("stale", "missing-path", "pkg/gone.py", None)})
    assert len(divergences([good, other_code])) == 1
    other_fix = Verdicts("fix", {key: ("stale", "stale-path", "pkg/gone.py", "pkg/new.py")})
    assert len(divergences([good, same, other_fix])) == 2
    torn = Verdicts("sphinx-build")
    torn.add(*key[:2], "stale", "stale-path", "pkg/gone.py", None)
    torn.add(*key[:2], "stale", "stale-path", "pkg/gone.py", "pkg/new.py")
    assert len(divergences([torn])) == 1
    # and a front end that reports nothing shares nothing: the overlap assertions catch it
    assert overlap(good, Verdicts("empty")) == set()
