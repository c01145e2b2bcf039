"""Bounded time on any line: every front end handles a 100 KB line and a paragraph of
50,000 citations in time linear in their size.

No absolute timings: each budget is a ratio measured in the same run. For long lines, the
time a front end takes on the adversarial document against the time it takes to read a
document of the same size made of ordinary words (``_READ_RATIO``, against the larger of
that and a quarter of the time of the quarter-size adversarial line) and against the
adversarial line at a quarter of the size; for many citations, the time for 4x the
citations against the time for 1x (``_SCALE_RATIO``: linear work gives ~4, quadratic work
16). Each figure is the best of two runs.
"""

from __future__ import annotations

import contextlib
import io
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphinx_ptyplan.cli import main
from sphinx_ptyplan.core.sources import collect
from sphinx_ptyplan.core.sources.classify import classify
from sphinx_ptyplan.core.sources.documents import parse_document

_READ_RATIO = 100.0  # generous: the adversarial line may cost more per byte, never per byte²
_SCALE_RATIO = 10.0  # 4x the citations in at most 10x the time

LONG = 50_000  # "a-" repeated: a 100 KB line


def _best(run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _adversarial_line(n: int = LONG) -> str:
    return "a-" * n


def _benign_line(n: int = LONG) -> str:
    return "ab " * (2 * n // 3)


def _quiet(argv: list[str]) -> Callable[[], int]:
    def run() -> int:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return main(argv)

    return run


def _project(tmp_path: Path, body: str, name: str) -> Path:
    root = tmp_path / name
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("def f():\n    pass\n\n\nclass Model:\n    n: int = 1\n")
    (root / "plan.md").write_text(f"# Plan\n\n## Phase\n\n- {body} and `pkg/a.py`\n")
    (root / "spec.md").write_text(f"# Spec\n\n## Model\n\n- `Model` in `pkg/a.py`: {body}\n")
    (root / "notes.rst").write_text(f"Notes\n=====\n\n- {body} ``pkg/a.py:1``\n")
    return root


FRONT_ENDS = {
    "parse-md": lambda root: lambda: parse_document(
        (root / "plan.md").read_text(), "plan.md", "md"
    ),
    "parse-rst": lambda root: lambda: parse_document(
        (root / "notes.rst").read_text(), "notes.rst", "rst"
    ),
    "check": lambda root: _quiet(["--root", str(root), "check", str(root / "plan.md")]),
    "spec-hits": lambda root: _quiet(
        ["--root", str(root), "spec-hits", str(root / "spec.md"), "--tree", "pkg"]
    ),
    "delta": lambda root: _quiet(
        ["--root", str(root), "delta", "--tree", "pkg", "--plan", str(root / "plan.md")]
    ),
}


@pytest.mark.parametrize("front_end", sorted(FRONT_ENDS))
def test_a_100kb_line_costs_what_reading_it_costs(tmp_path: Path, front_end: str) -> None:
    """The adversarial 100 KB line against a 25 KB one (4x: linear ~4x, the backtracking
    regex of issue 18 ~16x and more), and against reading 100 KB of ordinary words."""
    make = FRONT_ENDS[front_end]
    plain = _best(make(_project(tmp_path, _benign_line(), "plain")))
    quarter = _best(make(_project(tmp_path, _adversarial_line(LONG // 4), "quarter")))
    hostile = _best(make(_project(tmp_path, _adversarial_line(), "hostile")))
    assert hostile <= _SCALE_RATIO * quarter, (front_end, hostile, quarter)
    # markdown-it spends a rule call per "-" (linear, but far more than on plain words)
    assert hostile <= _READ_RATIO * max(plain, quarter / 4), (front_end, hostile, plain)


def _citations(n: int) -> str:
    return " ".join(f"`pkg/a.py:{1 + i % 2}`" for i in range(n))


@pytest.mark.parametrize("front_end", ["parse-md", "parse-rst", "check"])
def test_50000_citations_in_one_paragraph_scale_linearly(tmp_path: Path, front_end: str) -> None:
    make = FRONT_ENDS[front_end]
    if front_end == "parse-rst":
        body = {n: _citations(n).replace("`", "``") for n in (12_500, 50_000)}
    else:
        body = {n: _citations(n) for n in (12_500, 50_000)}
    small = _best(make(_project(tmp_path, body[12_500], "small")))
    large = _best(make(_project(tmp_path, body[50_000], "large")))
    assert large <= _SCALE_RATIO * small, (front_end, large, small)


@pytest.mark.sphinx
def test_the_docs_build_scales_linearly_with_literals(tmp_path: Path) -> None:
    """The Sphinx side: literal collection and the per-page domain data (no tuple rebuilt
    per literal), and the spec-hits directive on an adversarial line."""
    from tests.sphinx.util import build, make_project, write

    def project(name: str, n: int, line: str) -> Path:
        page = (
            f"# P\n\n{_citations(n)}\n\n```{{ptyplan-spec-hits}} spec.md\n:tree: pkg\n```\n"
        )
        src = make_project(
            tmp_path / name, {"index.md": page}, 'ptyplan_root = "."\nptyplan_drift = False\n'
        )
        write(src, {"pkg/a.py": "def f():\n    pass\n", "spec.md": f"# S\n\n- {line}\n"})
        return src

    def timed(src: Path) -> float:
        start = time.perf_counter()
        build(src, "html", freshenv=True)
        return time.perf_counter() - start

    small = timed(project("small", 5_000, _benign_line()))
    large = timed(project("large", 20_000, _adversarial_line()))
    assert large <= _SCALE_RATIO * small, (large, small)


# --------------------------------------------------------------------------- fuzzing


def _document_regexes() -> list[re.Pattern[str]]:
    """Every compiled regex of the modules that read document text."""
    from sphinx_ptyplan.core.checks import citations, fix, resolve, spechits
    from sphinx_ptyplan.core.sources import classify as classify_mod
    from sphinx_ptyplan.core.sources import docmodel, mdparse, rstparse

    found: list[re.Pattern[str]] = []
    mods = (collect, classify_mod, mdparse, rstparse, docmodel, spechits, citations, fix, resolve)
    for mod in mods:
        for value in vars(mod).values():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                found.append(value)
    return found


_DOCUMENT_REGEXES = _document_regexes()


def test_the_fuzzed_regexes_are_found() -> None:
    assert collect._PYPATH_IN_TEXT_RE in _DOCUMENT_REGEXES and len(_DOCUMENT_REGEXES) >= 15

_ALPHABET = st.sampled_from(list("a-./_:`~ \t1#L()[],;*<>{}$\\\"'|&=@…–\u0301\u00e9"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit=st.text(_ALPHABET, min_size=1, max_size=6), tail=st.text(_ALPHABET, max_size=8))
def test_extraction_regexes_stay_linear_on_repeated_units(unit: str, tail: str) -> None:
    """Any short unit repeated (the shape that makes backtracking regexes explode), with any
    tail, searched by every regex that reads document text: 16x the length costs at most
    64x the time (linear: 16x; quadratic: 256x)."""
    patterns = _DOCUMENT_REGEXES
    texts = {k: unit * k + tail for k in (500, 8_000)}

    def run(text: str) -> Callable[[], object]:
        def go() -> None:
            for p in patterns:
                p.search(text)
            classify(text[:2000])

        return go

    small = _best(run(texts[500]))
    large = _best(run(texts[8_000]))
    assert large <= 64 * small + 0.05, (unit, tail, large, small)
