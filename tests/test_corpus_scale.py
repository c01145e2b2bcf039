"""Issue 16: document status (live / pinned / archived), missing versus stale, example
regions, the baseline, and -j 2 / incremental builds on a generated corpus. Real git
repositories in tmp dirs, real Sphinx builds, the real ``ptyplan`` command line."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sphinx_ptyplan.cli import main
from sphinx_ptyplan.core.checks.baseline import Baseline
from sphinx_ptyplan.core.checks.status import DocStatus, declared_status, status_of
from sphinx_ptyplan.core.models import Finding, FindingCode, FindingKind
from tests.gitutil import Repo
from tests.sphinx.util import build, ptyplan_warnings

STATUS_TOML = (
    '[tool.ptyplan]\nstatus = {"docs/plans/20*" = "pinned", "docs/archive/**" = "archived"}\n'
)
CONF = """\
extensions = ["myst_parser", "sphinx_ptyplan"]
exclude_patterns = ["_build"]
suppress_warnings = ["toc.not_included"]
ptyplan_root = ".."
ptyplan_status = {"docs/plans/20*": "pinned", "docs/archive/**": "archived"}
"""
LOADER = "def helper():\n    pass\n\n\ndef load(path):\n    return open(path).read()\n"
MODEL = '"""Model."""\n\n\nclass Model:\n    def run(self):\n        return 1\n'
PLAN = """\
# Plan of October

1. Read with `pkg/loader.py:5` (`pkg/loader.py:load`).
2. The model is in `pkg/model.py`.
3. Create `pkg/new_provider.py` for the new backend.
4. Its tests start at `pkg/model.py:99`.
"""
GUIDE = """\
# Guide

The loader was `pkg/loader.py`; the model is `pkg/core_model.py`.

Its result at `pkg/core_model.py:6`.

A typo: `pkg/core_modle.py`.

```text
pkg/nothing_here.py:3
```

<!-- ptyplan-ignore-start -->
The tool writes `pkg/example_thing.py` and `pkg/other_example.py:3`.
<!-- ptyplan-ignore-end -->

Also `pkg/placeholder_x.py` <!-- ptyplan-ignore -->
"""
ARCHIVE = "# Old notes\n\nThe old entry point was `pkg/gone_forever.py`.\n"


def corpus_repo(path: Path) -> Repo:
    """Day 1: code and a dated plan. Day 2: loader deleted, model renamed, a live guide and
    an archived note. Day 3: a line of the model changed after the guide cited it."""
    repo = Repo(path)
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/loader.py", LOADER)
    repo.write("pkg/model.py", MODEL)
    repo.write("docs/plans/2025-10-01-plan.md", PLAN)
    repo.commit("code and plan")
    repo.remove("pkg/loader.py")
    repo.move("pkg/model.py", "pkg/core_model.py")
    repo.write("docs/guide.md", GUIDE)
    repo.write("docs/archive/old.md", ARCHIVE)
    repo.write("docs/conf.py", CONF)
    repo.write(
        "docs/index.md", "# Docs\n\n```{toctree}\n:glob:\n\nguide\nplans/*\narchive/*\n```\n"
    )
    repo.write("pyproject.toml", STATUS_TOML)
    repo.commit("loader gone, model renamed, guide")
    repo.write("pkg/core_model.py", MODEL.replace("return 1", "return 2"))
    repo.commit("model returns 2")
    return repo


def check(repo: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict]]:
    code = main(["--root", str(repo), "--format", "json", "check", *args, str(repo / "docs")])
    out = capsys.readouterr()
    return code, json.loads(out.out)["findings"]


def where(findings: list[dict]) -> set[tuple[str, int, str]]:
    return {(f["path"], f["line"], f["kind"]) for f in findings}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return corpus_repo(tmp_path / "repo").path


# --------------------------------------------------------------------------- status


def test_declared_status_front_matter_and_rest_field() -> None:
    assert declared_status("---\ntitle: x\nptyplan: pinned\n---\n# T\n")[0] is DocStatus.PINNED
    assert declared_status(":ptyplan: archived\n:author: me\n\nTitle\n=====\n")[0] is (
        DocStatus.ARCHIVED
    )
    assert declared_status("# T\n\nptyplan: pinned\n")[0] is None  # not front matter
    assert declared_status("---\nptyplan: sometimes\n---\n")[0] is None
    rules = {"docs/plans/20*": "pinned", "docs/archive/**": "archived"}
    assert status_of("docs/plans/2025-01-01-x.md", "# x\n", rules)[0] is DocStatus.PINNED
    assert status_of("docs/plans/sub/2025.md", "# x\n", rules)[0] is DocStatus.LIVE
    assert status_of("docs/archive/a/b.md", "# x\n", rules)[0] is DocStatus.ARCHIVED
    assert status_of("docs/archive/a.md", "---\nptyplan: live\n---\n", rules)[0] is DocStatus.LIVE


def test_pinned_plan_reports_only_what_was_wrong_when_written(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, findings = check(corpus, capsys=capsys)
    assert code == 1
    plan = "docs/plans/2025-10-01-plan.md"
    got = where(findings)
    # right when written (deleted / renamed since): silent; planned and wrong-then: reported
    assert {(p, line, k) for p, line, k in got if p == plan} == {
        (plan, 5, "missing"),
        (plan, 6, "stale"),
    }
    by_line = {f["line"]: f["message"] for f in findings if f["path"] == plan}
    assert "already wrong when written in" in by_line[5]
    assert "already wrong when written in" in by_line[6] and "which has" not in by_line[6]
    # the archived note is not checked at all; the live guide is checked against today
    assert not any(f["path"] == "docs/archive/old.md" for f in findings)
    guide = {(f["line"], f["kind"]): f["message"] for f in findings if f["path"] == "docs/guide.md"}
    assert set(guide) == {(3, "stale"), (7, "missing"), (5, "drift")}
    assert "deleted in" in guide[(3, "stale")]
    assert "never did" in guide[(7, "missing")]
    assert "did you mean `pkg/core_model.py`" in guide[(7, "missing")]


def test_without_status_the_same_plan_reports_its_drifted_record(
    corpus: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("[tool.ptyplan]\n")
    code, findings = check(corpus, "--config", str(empty), capsys=capsys)
    plan = {(f["line"], f["kind"]) for f in findings if f["path"].startswith("docs/plans/")}
    assert {(3, "stale"), (4, "stale"), (5, "missing"), (6, "stale")} <= plan
    assert any(f["path"] == "docs/archive/old.md" for f in findings)


def test_sphinx_build_reports_what_the_command_line_reports(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _code, findings = check(corpus, capsys=capsys)
    _app, warnings = build(corpus / "docs", freshenv=True)
    got = set()
    for line in ptyplan_warnings(warnings):
        m = re.search(r"docs/([\w/.-]+?)(?:\.md)?:(\d+): WARNING: .*\[ptyplan\.(\w+)\]", line)
        assert m, line
        got.add((f"docs/{m.group(1)}.md", int(m.group(2)), m.group(3)))
    assert got == where(findings)
    assert "already wrong when written" in warnings


def test_page_front_matter_overrides_the_globs(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    guide = corpus / "docs" / "guide.md"
    guide.write_text("---\nptyplan: archived\n---\n" + GUIDE)
    _code, findings = check(corpus, capsys=capsys)
    assert not any(f["path"] == "docs/guide.md" for f in findings)
    _app, warnings = build(corpus / "docs", freshenv=True)
    assert "guide.md" not in "\n".join(ptyplan_warnings(warnings))


def test_fix_leaves_a_pinned_plan_as_written_unless_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write("pkg/a.py", "x = 1\ny = 2\n")
    repo.write("docs/plans/2025-10-01-p.md", "# P\n\nSee `pkg/a.py:2`.\n")
    repo.write("docs/guide.md", "# G\n\nSee `pkg/a.py:2`.\n")
    repo.write("pyproject.toml", STATUS_TOML)
    repo.commit("plan and guide")
    repo.write("pkg/a.py", "# top\nx = 1\ny = 2\n")
    repo.commit("a line on top")
    plan = repo.path / "docs/plans/2025-10-01-p.md"
    guide = repo.path / "docs/guide.md"
    assert main(["--root", str(repo.path), "fix", str(repo.path / "docs")]) == 0
    assert "1 pinned or archived document(s) left as written" in capsys.readouterr().err
    assert "`pkg/a.py:3`" in guide.read_text() and "`pkg/a.py:2`" in plan.read_text()
    assert main(["--root", str(repo.path), "fix", "--pinned", str(repo.path / "docs")]) == 0
    assert "`pkg/a.py:3`" in plan.read_text()


# --------------------------------------------------------------------------- baseline


def test_baseline_makes_check_pass_today_and_fail_on_the_next_problem(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(corpus), "baseline", str(corpus / "docs")]) == 0
    capsys.readouterr()
    data = json.loads((corpus / "ptyplan-baseline.json").read_text())
    assert len(data["findings"]) == 5
    assert all("line" not in e for e in data["findings"])
    toml = corpus / "pyproject.toml"
    toml.write_text(STATUS_TOML + 'baseline = "ptyplan-baseline.json"\n')
    code, findings = check(corpus, capsys=capsys)
    assert (code, findings) == (0, [])
    # edits elsewhere in the document move every line: still baselined
    guide = corpus / "docs" / "guide.md"
    guide.write_text("# Guide\n\nA new paragraph.\n\n" + GUIDE.split("\n", 1)[1])
    assert check(corpus, capsys=capsys) == (0, [])
    # a new problem fires, alone
    guide.write_text(guide.read_text() + "\nNow also `pkg/never_was.py`.\n")
    code, findings = check(corpus, capsys=capsys)
    assert code == 1 and [f["message"].split("`")[1] for f in findings] == ["pkg/never_was.py"]
    # the cited code changes again: the drift finding is new again
    model = corpus / "pkg" / "core_model.py"
    model.write_text(model.read_text().replace("return 2", "return 3"))
    code, findings = check(corpus, capsys=capsys)
    assert {f["kind"] for f in findings} == {"missing", "drift"}


def test_prunable_entries_are_reported_and_pruned(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(corpus), "baseline", str(corpus / "docs")]) == 0
    (corpus / "pyproject.toml").write_text(STATUS_TOML + 'baseline = "ptyplan-baseline.json"\n')
    guide = corpus / "docs" / "guide.md"
    guide.write_text(GUIDE.replace("A typo: `pkg/core_modle.py`.", "No typo."))
    capsys.readouterr()
    code = main(["--root", str(corpus), "check", str(corpus / "docs")])
    err = capsys.readouterr().err
    assert code == 0 and "1 baseline entry match nothing" in err
    assert main(["--root", str(corpus), "baseline", "--prune", str(corpus / "docs")]) == 0
    capsys.readouterr()
    assert len(json.loads((corpus / "ptyplan-baseline.json").read_text())["findings"]) == 4
    main(["--root", str(corpus), "check", str(corpus / "docs")])
    assert "match nothing" not in capsys.readouterr().err


def test_sphinx_build_with_a_baseline_passes_W_and_fails_on_a_new_finding(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(corpus), "baseline", str(corpus / "docs")]) == 0
    conf = corpus / "docs" / "conf.py"
    conf.write_text(CONF + 'ptyplan_baseline = "ptyplan-baseline.json"\n')
    app, warnings = build(corpus / "docs", freshenv=True)
    assert ptyplan_warnings(warnings) == []
    assert "5 finding(s) baselined" in app.status.getvalue()
    guide = corpus / "docs" / "guide.md"
    guide.write_text(guide.read_text() + "\nNow also `pkg/never_was.py`.\n")
    _app, warnings = build(corpus / "docs")
    (line,) = ptyplan_warnings(warnings)
    assert "pkg/never_was.py" in line and "[ptyplan.missing]" in line


def _plain(value: object) -> bool:
    """Strings, bytes, numbers, None and tuples of them: what the collector never walks."""
    if isinstance(value, tuple):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (str, bytes, int, bool)


def test_a_no_change_rebuild_reports_the_same_from_plain_rows(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every build reports every page's findings; the one that re-reads nothing does so from
    rows of plain values, with the same text, order, subtypes and locations, the same
    baseline and ``suppress_warnings`` filtering and the same ``-W`` verdict."""
    from sphinx.cmd.build import build_main

    from sphinx_ptyplan.sphinx_ext.domain import domain_of

    docs = corpus / "docs"
    app, first = build(docs, freshenv=True)
    assert len(ptyplan_warnings(first)) == 5
    data = domain_of(app.env).data
    rows = [row for page in data["warnings"].values() for row in page]
    assert len(rows) == 5 and all(_plain(row) for row in rows)
    assert all(_plain(keys) for keys in data["deps"].values())
    assert all(_plain(key) and _plain(fp) for key, fp in data["fingerprints"].items())
    assert all(isinstance(blob, bytes) for blob in data["findings"].values())
    app, again = build(docs)
    assert "0 added, 0 changed, 0 removed" in app.status.getvalue()
    assert ptyplan_warnings(again) == ptyplan_warnings(first)
    # -W: the same lines and the same failure when nothing is re-read
    out = docs / "_build" / "w"
    for _ in range(2):
        assert build_main(["-q", "-N", "-W", "-b", "html", str(docs), str(out)]) == 1
        assert ptyplan_warnings(capsys.readouterr().err) == ptyplan_warnings(first)
    # suppress_warnings by subtype (a new setting re-reads: the next build re-reads nothing)
    quiet = ["-D", "suppress_warnings=toc.not_included,ptyplan.missing"]
    for _ in range(2):
        assert build_main(["-q", "-N", "-W", *quiet, "-b", "html", str(docs), str(out)]) == 1
        lines = ptyplan_warnings(capsys.readouterr().err)
        assert lines == [x for x in ptyplan_warnings(first) if "[ptyplan.missing]" not in x]
        assert lines and all("[ptyplan.stale]" in x or "[ptyplan.drift]" in x for x in lines)
    # a baseline: the same new finding and the same note on a build that re-reads nothing
    assert main(["--root", str(corpus), "baseline", str(docs)]) == 0
    (docs / "conf.py").write_text(CONF + 'ptyplan_baseline = "ptyplan-baseline.json"\n')
    guide = docs / "guide.md"
    guide.write_text(guide.read_text() + "\nNow also `pkg/never_was.py`.\n")
    app, with_baseline = build(docs)
    (line,) = ptyplan_warnings(with_baseline)
    assert "pkg/never_was.py" in line
    app, again = build(docs)
    assert "0 added, 0 changed, 0 removed" in app.status.getvalue()
    assert ptyplan_warnings(again) == [line]
    assert "5 finding(s) baselined" in app.status.getvalue()


_KEYS = st.tuples(
    st.sampled_from("ab"),
    st.sampled_from(["stale", "drift"]),
    st.sampled_from("xyz"),
    st.sampled_from(["absent", "d1"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_KEYS, max_size=12), st.lists(_KEYS, max_size=12))
def test_a_baseline_never_hides_a_new_finding(accepted: list, today: list) -> None:
    def f(k: tuple[str, str, str, str]) -> Finding:
        code = FindingCode.STALE_PATH if k[1] == "stale" else FindingCode.MOVED
        return Finding(FindingKind(k[1]), "wrong", path=k[0], code=code, subject=k[2])

    baseline = Baseline.of((f(k), k) for k in accepted)
    keyed = [(f(k), k) for k in today]
    got = baseline.filter(keyed)
    new = Counter(k for k in today) - Counter(accepted)
    assert Counter((x.path, x.kind.value, x.subject) for x in got.new) == Counter(
        (k[0], k[1], k[2]) for k in new.elements()
    )
    assert got.baselined + len(got.new) == len(today)
    # round trip through the file keeps every entry
    assert Baseline.load_text(baseline.dumps()).entries == baseline.entries


# --------------------------------------------------------------------------- -j 2, incremental


def _gen() -> ModuleType:
    bench = Path(__file__).resolve().parent.parent / "bench"
    spec = importlib.util.spec_from_file_location("bench_gen", bench / "gen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_gen"] = module
    spec.loader.exec_module(module)
    return module


SMALL = {"n_docs": 24, "n_files": 150, "n_lines": 2400, "n_spans": 400, "n_days": 8}


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus") / "repo"
    _gen().corpus_repo(root, **SMALL)
    return root


def _sorted_warnings(text: str) -> list[str]:
    return sorted(ptyplan_warnings(text))


def test_generated_corpus_parallel_equals_serial(small_corpus: Path, tmp_path: Path) -> None:
    _a, serial = build(small_corpus / "docs", outdir=tmp_path / "serial", freshenv=True)
    _b, parallel = build(
        small_corpus / "docs", outdir=tmp_path / "parallel", parallel=2, freshenv=True
    )
    assert _sorted_warnings(serial) and _sorted_warnings(serial) == _sorted_warnings(parallel)
    # the generator's planned files and typos are told apart from deleted files
    assert "[ptyplan.missing]" in serial and "[ptyplan.stale]" in serial
    assert "omp_rpc" not in "".join(w for w in ptyplan_warnings(serial) if "[ptyplan.stale]" in w)
    assert "frc_metric" not in serial  # the example region of the guide pages


def _changed(app: object) -> int:
    m = re.search(r"(\d+) added, (\d+) changed, (\d+) removed", app.status.getvalue())  # type: ignore[attr-defined]
    assert m
    return int(m.group(2))


def test_incremental_rechecks_one_document_or_the_citing_ones(
    small_corpus: Path, tmp_path: Path
) -> None:
    docs = small_corpus / "docs"
    out = tmp_path / "inc"
    _app, first = build(docs, outdir=out, freshenv=True)
    app, again = build(docs, outdir=out)
    assert _changed(app) == 0 and _sorted_warnings(again) == _sorted_warnings(first)
    page = docs / "guide" / "page-0001.md"
    page.write_text(page.read_text() + "\nOne more line.\n")
    app, _w = build(docs, outdir=out)
    assert _changed(app) == 1
    # a cited code file: exactly the checked documents that cite it are read again
    texts = {p: p.read_text() for p in docs.rglob("*.md")}
    counts = Counter(
        m.group(1)
        for p, t in texts.items()
        if "/archive/" not in p.as_posix()
        for m in re.finditer(r"`((?:[\w]+/)+[\w]+\.py)[:`]", t)
    )
    target = next(path for path, _n in counts.most_common() if (small_corpus / path).is_file())
    citing = {p for p, t in texts.items() if "/archive/" not in p.as_posix() and target in t}
    code = small_corpus / target
    code.write_text(code.read_text() + "\n# edited\n")
    app, after = build(docs, outdir=out)
    assert _changed(app) == len(citing)
    _fresh, clean = build(docs, outdir=tmp_path / "clean", freshenv=True)
    assert _sorted_warnings(after) == _sorted_warnings(clean)
