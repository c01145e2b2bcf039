"""The benchmark harness (bench/run.py) measures, alternates and reports; timings are not
asserted, the structure of the results and the counted parses are."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run() -> ModuleType:
    return _load("run")


def test_generator_is_deterministic_and_parses(tmp_path: Path) -> None:
    gen = _load("gen")
    a = gen.generate_tree(tmp_path / "a", 25)
    b = gen.generate_tree(tmp_path / "b", 25)
    files_a = sorted(p.relative_to(a).as_posix() for p in a.rglob("*.py"))
    assert files_a == sorted(p.relative_to(b).as_posix() for p in b.rglob("*.py"))
    assert len(files_a) == 25 + 1 + 2  # modules, the package, two sub-packages of 20
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a)
    import ast

    for version in (0, 1, 2):
        tree = ast.parse(gen.module_source(7, version))
        names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        assert ("added_in_v1_7" in names) == (version == 1)


def test_floor_and_inventory_on_a_small_tree(run: ModuleType, tmp_path: Path) -> None:
    tree = run.Tree("t", "tiny", tmp_path / "gen", "pkg", ("pkg",), False)
    run.gen.generate_tree(tmp_path / "gen", 20)
    suite = run.Suite(log=lambda msg: None)
    run.bench_tree(suite, tree, tmp_path, repeats=2, griffe=False)
    assert not suite.failures
    assert set(suite.series) == {"t/F", "t/inv1", "t/inv2", "t/warm"}
    for s in suite.series.values():
        assert len(s.results) == 2 and s.median is not None and s.median > 0
        assert all(r["rss_kb"] > 0 and r["wall"] >= r["seconds"] for r in s.results)
    floor = suite.series["t/F"].results[0]
    assert floor["files"] == 22 and floor["errors"] == 0 and floor["names"] > 20 * 10
    cold = suite.series["t/inv1"].results[0]
    assert cold["entries"] == 22 and cold["parses"] == 22 and cold["hits"] == 0
    warm = suite.series["t/warm"].results[0]
    assert warm["parses"] == 0 and warm["hits"] == 22

    rows, checks = run.build_rows(suite, [tree], [], None, None)
    whats = [r.what for r in rows]
    assert whats[0].startswith("F:") and "core inventory, cold, 1 process" in whats
    assert "griffe static load" in whats  # reported as skipped, not silently dropped
    assert {c.verdict for c in checks} <= {"met", "missed"} and len(checks) == 3
    page = run.render_page(rows, checks, _meta(run), quick=True)
    assert "| core inventory, cold, 1 process |" in page and "targets met" in page


def _meta(run: ModuleType) -> dict[str, object]:
    return {
        "date": "today",
        "machine": run.machine(),
        "versions": {"python": "3"},
        "repeats": "2",
        "elapsed": "1 s",
        "load": "0",
        "measured": "working tree",
    }


def test_a_failed_measurement_is_recorded_not_raised(run: ModuleType) -> None:
    suite = run.Suite(log=lambda msg: None)
    suite.add("x/broken")
    step = run.Step("x/broken", lambda: run.run_worker("floor", {"root": "/nonexistent"}))
    suite.rounds(lambda r: [step], repeats=1)
    assert suite.series["x/broken"].results == [] and len(suite.failures) == 1
    assert "floor exited" in suite.failures[0]


def test_alternation_swaps_pairs_every_other_round(run: ModuleType) -> None:
    a, b, c = (run.Step(n, lambda: {}) for n in "abc")
    assert [s.series for s in run.alternate(0, [[a, b], [c]])] == ["a", "b", "c"]
    assert [s.series for s in run.alternate(1, [[a, b], [c]])] == ["b", "a", "c"]


def test_checks_say_by_how_much_a_target_is_missed(run: ModuleType) -> None:
    assert run.Check("x", 1.05, 1.1).verdict == "met"
    missed = run.Check("x", 1.32, 1.1)
    assert missed.verdict == "missed" and "20 % over" in missed.missed_by()
    assert run.Check("x", 12.0, 10.0, at_least=True).verdict == "met"
    assert run.Check("x", None, 1.0).verdict == "failed"


@pytest.mark.sphinx
def test_docs_builds_parse_only_the_changed_file(run: ModuleType, tmp_path: Path) -> None:
    """Cold, no-change, one-file change of the plan page: the parse counts of issue #6."""
    d = run.prepare_docs(tmp_path, 12)
    suite = run.Suite(log=lambda msg: None)
    run.bench_docs(suite, d, repeats=1, autoapi=False)
    assert not suite.failures, suite.failures
    parses = {k: s.results[0]["parses"] for k, s in suite.series.items()}
    assert parses["docs12/ptyplan-cold"] >= 12
    assert parses["docs12/ptyplan-nochange"] == 0
    assert parses["docs12/ptyplan-change"] == 1  # also after a no-change build (cache kept)
    assert parses["docs12/empty-cold"] == 0
    assert d.edit.read_bytes() == run.gen.module_source(1).encode()  # restored
