"""Citations: which literals are checked, existence/range/symbol checks, drift through git."""

from __future__ import annotations

import csv
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sphinx_ptyplan.core.checks.citations import CitationCheck, check_citations, citation_refs
from sphinx_ptyplan.core.checks.resolve import CodeIndex
from sphinx_ptyplan.core.models import FindingKind, RefKind
from sphinx_ptyplan.core.sources.documents import load_document
from sphinx_ptyplan.core.sources.gitrepo import GitRepo
from tests.gitutil import Repo, git, without_config

CORPUS = Path(__file__).parent.parent / "corpus" / "ledger"
LEDGER = "docs/fix_plan.md"
TOPS = frozenset({"pkg_a", "pkg_b", "docs"})
CLASSES = ("ok", "moved", "changed", "stale", "missing", "ambiguous", "ignored")


# --------------------------------------------------------------------------- helpers


def build_ledger_repo(path: Path) -> Repo:
    """Commit 1: code + ledger; commit 2: the code changes (and the ledger grows); then a
    few ledger lines are appended without committing them."""
    repo = Repo(path)
    shutil.copytree(CORPUS / "commit1", path, dirs_exist_ok=True)
    repo.commit("code and the fix-plan ledger")
    for child in path.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    shutil.copytree(CORPUS / "commit2", path, dirs_exist_ok=True)
    repo.commit("refactor: move, edit, rename and delete code")
    with (path / LEDGER).open("a", encoding="utf-8") as fh:
        fh.write((CORPUS / "uncommitted.md").read_text(encoding="utf-8"))
    return repo


def spans_of(root: Path, doc: str) -> list[tuple[str, int, str]]:
    parsed = load_document(root, doc)
    assert not parsed.problems
    return [(s.text, s.line, s.context) for s in parsed.spans]


def outcome(check: CitationCheck) -> str:
    kinds = {f.kind for f in check.findings}
    if FindingKind.STALE in kinds:
        return "stale"
    if FindingKind.MISSING in kinds:
        return "missing"
    if FindingKind.AMBIGUOUS in kinds:
        return "ambiguous"
    for f in check.findings:
        if f.kind is FindingKind.DRIFT:
            return "moved" if f.replacement is not None else "changed"
    return "ok"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ledger") / "r"
    build_ledger_repo(root)
    return root


@pytest.fixture
def gitrepo(ledger: Path) -> Iterator[GitRepo]:
    with GitRepo.open(ledger) as g:
        yield g


def expected_rows() -> list[dict[str, str]]:
    with (CORPUS / "expected.tsv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


# --------------------------------------------------------------------------- the rule


def kinds(text: str, context: str = "code", tops: frozenset[str] = TOPS) -> list[RefKind]:
    return [
        r.kind for r in citation_refs(text, doc_path="d.md", doc_line=3, context=context, tops=tops)
    ]


def test_plain_literals_are_checked_only_for_paths_inside_the_root() -> None:
    assert kinds("pkg_a/model.py:10-12") == [RefKind.CITATION]
    assert kinds("pkg_a/model.py:build") == [RefKind.PATH_SYMBOL]
    assert kinds("pkg_b/") == [RefKind.PATH]
    assert kinds("model.py:2290") == [RefKind.CITATION]  # bare name with a source suffix
    assert kinds("pkg_a/model.py:10, pkg_b/x.py:3") == [RefKind.CITATION, RefKind.CITATION]
    assert kinds("other/thing.py:4") == []  # first folder is not in the root
    assert kinds("pkg_a.config.TrainConfig") == []  # dotted names: only through the role
    assert kinds("TrainConfig.lr") == []
    assert kinds("/home/u/pkg_a/model.py:3") == []
    assert kinds("~/pkg_a/model.py:3") == []
    assert kinds("https://example.org/pkg_a/model.py#L3") == []
    assert kinds("pkg_a/<name>.py:3") == []
    assert kinds("pkg_a/*.py") == []
    assert kinds("recon.npz") == []  # a bare artefact name is not a source file


def test_role_checks_every_kind_but_never_external_paths() -> None:
    assert kinds("pkg_a.config.TrainConfig", "role") == [RefKind.DOTTED]
    assert kinds("TrainConfig.lr", "role") == [RefKind.ATTR]
    assert kinds("other/thing.py:4", "role") == [RefKind.CITATION]
    assert kinds("/abs/pkg_a/model.py:3", "role") == []


def test_reference_is_placed_at_the_citing_line() -> None:
    (ref,) = citation_refs(
        "pkg_a/model.py:10", doc_path="docs/p.md", doc_line=7, context="code", tops=TOPS
    )
    assert (ref.doc_path, ref.doc_line, ref.start, ref.end, ref.span) == (
        "docs/p.md",
        7,
        10,
        10,
        "pkg_a/model.py:10",
    )


# --------------------------------------------------------------------------- labelled corpus


def test_labelled_ledger_precision_and_recall(ledger: Path, gitrepo: GitRepo) -> None:
    rows = expected_rows()
    assert len([r for r in rows if r["expected"] != "ignored"]) >= 100
    report = check_citations(
        ledger, LEDGER, spans_of(ledger, LEDGER), index=CodeIndex(ledger), repo=gitrepo
    )
    assert report.git_problem is None
    got = {(c.ref.doc_line, c.ref.text): c for c in report.checks}
    assert len(got) == len(report.checks)
    want = {(int(r["line"]), r["citation"]): r for r in rows}
    keys = set(got) | set(want)
    pairs = []
    for key in sorted(keys):
        expected = want[key]["expected"] if key in want else "unlabelled"
        predicted = outcome(got[key]) if key in got else "ignored"
        pairs.append((key, expected, predicted))
    print()
    wrong = [p for p in pairs if p[1] != p[2]]
    for cls in CLASSES:
        tp = sum(1 for _k, e, p in pairs if e == cls and p == cls)
        fp = sum(1 for _k, e, p in pairs if e != cls and p == cls)
        fn = sum(1 for _k, e, p in pairs if e == cls and p != cls)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        print(f"{cls:10} n={tp + fn:3}  precision={precision:.0%}  recall={recall:.0%}")
    assert wrong == []
    # the exact replacement of every moved line citation and renamed file
    for key, row in want.items():
        if row["expected"] == "ignored":
            continue
        expected_replacement = None if row["replacement"] == "-" else row["replacement"]
        assert got[key].replacement == expected_replacement, key


def test_ledger_messages(ledger: Path, gitrepo: GitRepo) -> None:
    report = check_citations(
        ledger, LEDGER, spans_of(ledger, LEDGER), index=CodeIndex(ledger), repo=gitrepo
    )
    by_text: dict[str, list[CitationCheck]] = {}
    for c in report.checks:
        by_text.setdefault(c.ref.text, []).append(c)
    c1 = gitrepo.commit_info(gitrepo.resolve("HEAD~1"))

    def message(text: str) -> str:
        (check,) = by_text[text][:1]
        (f,) = check.findings
        assert (f.path, f.line) == (LEDGER, check.ref.doc_line)
        return f.message

    assert message("pkg_a/model.py:15") == "`pkg_a/model.py:15`: moved: now `pkg_a/model.py:19`"
    assert message("pkg_a/config.py:80") == "`pkg_a/config.py:80`: moved: now `pkg_a/config.py:75`"
    changed = message("pkg_a/config.py:21")
    assert f"changed since {c1.short} ({c1.date})" in changed
    assert "line 21 was `CFG_021 = 21`, now `CFG_021 = 2100` (pkg_a/config.py:21)" in changed
    assert (
        "line 20 was `CFG_020 = 20`, now `CFG_020 = 2000` (pkg_a/config.py:20) "
        "(and 1 more changed line(s))" in message("pkg_a/config.py:18-21")
    )
    assert "line 42 was `CFG_042 = 42`, now deleted" in message("pkg_a/config.py:42")
    assert "lines were inserted between lines 4 and 7" in message("pkg_a/model.py:4-7")
    renamed = message("pkg_a/old_name.py:12")
    assert "renamed to pkg_a/new_name.py" in renamed
    assert renamed.endswith("replace it with `pkg_a/new_name.py:12`")
    edited = message("pkg_b/loader.py:10")
    assert "renamed to pkg_b/io_loader.py" in edited
    assert "line 10 was `LOADER_010 = 10`, now `LOADER_010 = 1010`" in edited
    assert edited.endswith("update or remove the reference")
    assert "deleted in" in message("pkg_b/gone.py:7")
    assert "which has 50 lines" in message("pkg_c/utils.py:70")
    assert "did you mean `pkg_c/utils.py:clean_paths`" in message("pkg_c/utils.py:clean_path")
    assert "pkg_a/model.py, pkg_b/model.py" in message("model.py:3")


# --------------------------------------------------------------------------- degradation


def test_no_repository_still_checks_existence_and_ranges(ledger: Path) -> None:
    report = check_citations(
        ledger, LEDGER, spans_of(ledger, LEDGER), index=CodeIndex(ledger), repo=None
    )
    assert report.git_problem is not None
    assert report.git_problem.kind is FindingKind.GIT
    assert report.git_problem.code == "no-repo"
    assert report.git_problem.path == LEDGER
    checks = {(c.ref.doc_line, c.ref.text): c for c in report.checks}
    outcomes = {key: outcome(c) for key, c in checks.items()}
    assert "moved" not in outcomes.values() and "changed" not in outcomes.values()
    index = CodeIndex(ledger)
    for row in expected_rows():
        key = (int(row["line"]), row["citation"])
        if row["expected"] in ("stale", "ambiguous"):
            assert outcomes[key] == row["expected"], key
        elif row["expected"] in ("ok", "moved", "changed"):
            ref = checks[key].ref
            lines = index.line_count(checks[key].resolution.path or ref.path or "") or 0
            past_end = ref.end is not None and ref.end > lines
            assert outcomes[key] == ("stale" if past_end else "ok"), key


def test_drift_off_gives_no_git_problem(ledger: Path, gitrepo: GitRepo) -> None:
    report = check_citations(
        ledger,
        LEDGER,
        spans_of(ledger, LEDGER),
        index=CodeIndex(ledger),
        repo=gitrepo,
        drift=False,
    )
    assert report.git_problem is None
    assert not any(f.kind is FindingKind.DRIFT for c in report.checks for f in c.findings)


def test_shallow_clone_lacking_the_blame_commit(ledger: Path, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{ledger}", str(clone))
    spans = spans_of(clone, LEDGER)
    with GitRepo.open(clone) as g:
        assert g.is_shallow
        report = check_citations(clone, LEDGER, spans, index=CodeIndex(clone), repo=g)
    problem = report.git_problem
    assert problem is not None
    assert (problem.kind, problem.code, problem.path) == (FindingKind.GIT, "shallow", LEDGER)
    assert "git fetch --unshallow" in problem.message
    findings = [f for c in report.checks for f in c.findings]
    assert not any(f.kind is FindingKind.DRIFT for f in findings)
    assert not any(f.kind is FindingKind.GIT for f in findings)  # one problem, not per citation
    stale = {c.ref.text for c in report.checks if outcome(c) == "stale"}
    assert {"pkg_c/utils.py:70", "pkg_c/utils.py:49-55", "pkg_b/gone.py:7"} <= stale


def test_document_never_committed_has_no_drift(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.write("pkg/a.py", "".join(f"A_{i} = {i}\n" for i in range(1, 21)))
    repo.commit("code")
    repo.write("pkg/a.py", "NEW = 0\n" + "".join(f"A_{i} = {i}\n" for i in range(1, 21)))
    repo.commit("code moved")
    repo.write("docs/draft.md", "# Draft\n\nSee `pkg/a.py:5` and `pkg/a.py:30`.\n")
    with GitRepo.open(repo.path) as g:
        report = check_citations(
            repo.path,
            "docs/draft.md",
            spans_of(repo.path, "docs/draft.md"),
            index=CodeIndex(repo.path),
            repo=g,
        )
    assert report.git_problem is None
    assert [outcome(c) for c in report.checks] == ["ok", "stale"]


def test_fenced_blocks_are_never_checked_end_to_end(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.write("pkg/a.py", "A = 1\n")
    repo.write(
        "docs/p.md",
        "# P\n\n```\npkg/a.py:99 `pkg/a.py:98`\n```\n\n    pkg/a.py:97\n\n`pkg/a.py:1`\n",
    )
    repo.write(
        "docs/p.rst",
        "P\n=\n\n::\n\n    ``pkg/a.py:99``\n\n.. code-block:: text\n\n   ``pkg/a.py:98``\n\n"
        "See ``pkg/a.py:1`` and ``pkg/a.py:5``.\n",
    )
    repo.commit("docs")
    index = CodeIndex(repo.path)
    md = check_citations(repo.path, "docs/p.md", spans_of(repo.path, "docs/p.md"), index=index)
    assert [(c.ref.doc_line, c.ref.text) for c in md.checks] == [(9, "pkg/a.py:1")]
    rst = check_citations(repo.path, "docs/p.rst", spans_of(repo.path, "docs/p.rst"), index=index)
    assert [(c.ref.doc_line, c.ref.text, outcome(c)) for c in rst.checks] == [
        (12, "pkg/a.py:1", "ok"),
        (12, "pkg/a.py:5", "stale"),
    ]


# --------------------------------------------------------------------------- performance


@pytest.fixture
def spawns(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every process started (GitPython imports Popen by name, so patch __init__)."""
    commands: list[list[str]] = []
    real_init = subprocess.Popen.__init__

    def init(self: subprocess.Popen[bytes], args: object, *a: object, **kw: object) -> None:
        commands.append(
            without_config([str(x) for x in args]) if isinstance(args, list) else [str(args)]
        )
        real_init(self, args, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(subprocess.Popen, "__init__", init)
    return commands


def test_500_citations_cost_a_bounded_number_of_git_processes(
    tmp_path: Path, spawns: list[list[str]]
) -> None:
    repo = Repo(tmp_path / "r")
    nfiles, nlines = 10, 200
    for k in range(nfiles):
        repo.write(f"src/m{k}.py", "".join(f"V{k}_{i} = {i}\n" for i in range(1, nlines + 1)))
    cites = [f"- `src/m{n % nfiles}.py:{n % nlines + 1}`" for n in range(300)]
    repo.write("docs/ledger.md", "# Ledger\n\n" + "\n".join(cites) + "\n")
    repo.commit("ledger")
    for k in range(nfiles):
        body = "".join(f"V{k}_{i} = {i}\n" for i in range(1, nlines + 1))
        repo.write(f"src/m{k}.py", "HEAD = 0\n" + body.replace(f"V{k}_52 = 52", f"V{k}_52 = 5"))
    more = [f"- `src/m{n % nfiles}.py:{n % nlines + 2}-{n % nlines + 3}`" for n in range(200)]
    repo.write("docs/ledger.md", "# Ledger\n\n" + "\n".join(cites + more) + "\n")
    repo.commit("code moved, ledger grows")
    repo.move("src/m9.py", "src/m9_new.py")
    spans = spans_of(repo.path, "docs/ledger.md")
    assert len(spans) == 500
    before = len(spawns)
    t0 = time.perf_counter()
    with GitRepo.open(repo.path) as g:
        report = check_citations(
            repo.path, "docs/ledger.md", spans, index=CodeIndex(repo.path), repo=g
        )
    elapsed = time.perf_counter() - t0
    started = spawns[before:]
    print(f"\n500 citations: {elapsed:.2f}s, {len(started)} processes")
    for cmd in started:
        print("  ", " ".join(cmd[:4]))
    assert len(report.checks) == 500
    assert report.git_problem is None
    counts = {o: 0 for o in ("ok", "moved", "changed", "stale")}
    for c in report.checks:
        counts[outcome(c)] += 1
    assert counts["moved"] > 200 and counts["changed"] > 0 and counts["stale"] > 0
    assert counts["ok"] == 200 - 20  # the second commit's citations, minus the renamed file
    # blame once, one diff per blame commit, a rename lookup, one history walk, cat-file:
    # independent of the number of citations (and of cited files)
    assert len(started) <= 12
    blames = [c for c in started if "blame" in c]
    diffs = [c for c in started if "diff" in c and "-U0" in c]
    assert len(blames) == 1
    assert len(diffs) <= 2
    assert elapsed < 20


def test_replacement_keeps_the_written_form(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.write("pkg/a.py", "".join(f"A_{i} = {i}\n" for i in range(1, 31)))
    forms = ["pkg/a.py#L10-L12", "pkg/a.py:L3", "pkg/a.py:10–12", "pkg/a.py:4-4", "./pkg/a.py:5"]
    repo.write("docs/p.md", "# P\n\n" + "".join(f"- `{f}`\n" for f in forms))
    repo.commit("plan")
    repo.write("pkg/a.py", "TOP = 0\n" + "".join(f"A_{i} = {i}\n" for i in range(1, 31)))
    repo.commit("one line on top")
    with GitRepo.open(repo.path) as g:
        report = check_citations(
            repo.path,
            "docs/p.md",
            spans_of(repo.path, "docs/p.md"),
            index=CodeIndex(repo.path),
            repo=g,
        )
    assert [c.replacement for c in report.checks] == [
        "pkg/a.py#L11-L13",
        "pkg/a.py:L4",
        "pkg/a.py:11–13",
        "pkg/a.py:5-5",
        "./pkg/a.py:6",
    ]
    assert [f.code for c in report.checks for f in c.findings] == ["moved"] * 5


# --------------------------------------------------------------------------- former folders


def test_literals_under_a_top_folder_renamed_away_are_checked(tmp_path: Path) -> None:
    """`ptychopinn_torch/...` after the folder became `ptycho_torch/`: stale, with the
    rename and the exact replacement; folders that never existed stay unchecked."""
    repo = Repo(tmp_path / "r")
    repo.write("ptychopinn_torch/model.py", "".join(f"L{i} = {i}\n" for i in range(1, 11)))
    repo.write("ptychopinn_torch/__init__.py", "")
    repo.write(
        "docs/plan.md",
        "# Plan\n\n"
        "- `ptychopinn_torch/model.py:3`\n"
        "- `ptychopinn_torch/model.py`\n"
        "- `plans/active/X/reports/2025-10-17T030000Z/summary.md`\n"
        "- `tmp/scratch.py:4`\n",
    )
    repo.commit("legacy port and its plan")
    repo.move("ptychopinn_torch", "ptycho_torch")
    repo.commit("rename the package")
    spans = spans_of(repo.path, "docs/plan.md")
    with GitRepo.open(repo.path) as g:
        report = check_citations(
            repo.path, "docs/plan.md", spans, index=CodeIndex(repo.path), repo=g
        )
        without_history = check_citations(
            repo.path, "docs/plan.md", spans, index=CodeIndex(repo.path), drift=False
        )
    assert [c.ref.text for c in report.checks] == [
        "ptychopinn_torch/model.py:3",
        "ptychopinn_torch/model.py",
    ]
    assert [c.span for c in report.checks] == [0, 1]
    assert [c.replacement for c in report.checks] == [
        "ptycho_torch/model.py:3",
        "ptycho_torch/model.py",
    ]
    assert all(f.kind is FindingKind.STALE for c in report.checks for f in c.findings)
    assert "renamed to" in report.checks[1].findings[0].message
    # without git the former folder is unknown: nothing is claimed about it
    assert without_history.checks == ()


def test_former_folders_ask_history_only_for_unknown_folders(
    tmp_path: Path, spawns: list[list[str]]
) -> None:
    repo = Repo(tmp_path / "r")
    repo.write("pkg/a.py", "A = 1\n")
    repo.write("docs/p.md", "# P\n\n`pkg/a.py:1` and `pkg/a.py`\n")
    repo.commit("code")
    asked: list[int] = []

    def former() -> frozenset[str]:
        asked.append(1)
        return frozenset()

    spans = spans_of(repo.path, "docs/p.md")
    check_citations(repo.path, "docs/p.md", spans, index=CodeIndex(repo.path), former_tops=former)
    assert asked == []  # every literal's folder exists: no history needed
    spans.append(("gone/b.py:3", 5, "code"))
    report = check_citations(
        repo.path, "docs/p.md", spans, index=CodeIndex(repo.path), former_tops=former
    )
    assert asked == [1] and len(report.checks) == 2
