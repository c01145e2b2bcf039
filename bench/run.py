"""The ptyplan benchmark: medians and ratios against the parse floor and the alternatives.

    python bench/run.py            # full: every tree, autoapi, the 20,000-module tree;
                                   # writes docs/performance.md
    python bench/run.py --quick    # small trees, few repeats, no autoapi; < 2 minutes;
                                   # writes bench/_out/quick.md (never docs/performance.md)

Every measurement runs in a fresh process (``bench/_worker.py``), so no parse cache,
import or page cache state of one measurement leaks into the next. The commands of a
group are alternated (A B A B ..., the order of each pair swapped on every other round),
so slow drift of a shared machine falls on both sides of every ratio. Reported figures are
medians. The exit status is 1 when any measurement failed (timings never fail a run).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import gen  # noqa: E402

WORKER = BENCH / "_worker.py"
NOTES = BENCH / "notes.md"
PAGE = REPO / "docs" / "performance.md"

__all__ = [
    "Check",
    "Row",
    "Series",
    "Suite",
    "main",
    "run_worker",
]


# --------------------------------------------------------------------------- running


class MeasurementError(RuntimeError):
    """A worker failed; the message holds the end of its stderr."""


SOURCE = [REPO]  # where the workers import sphinx_ptyplan from (see snapshot())


def byte_compile(source: Path) -> None:
    """Compile ``source/sphinx_ptyplan`` to ``__pycache__`` before measuring, as ``pip
    install`` does for an installed package. The workers run with PYTHONDONTWRITEBYTECODE
    (CI sets it too), so without this every build "with the extension" compiled our
    modules from source (about 0.1 s a build) while Sphinx and MyST loaded theirs
    compiled: an unfair cost no user pays."""
    import compileall

    compileall.compile_dir(str(source / "sphinx_ptyplan"), quiet=1)


def snapshot(work: Path) -> str:
    """Measure the committed HEAD, not a working tree others may be editing: export
    ``sphinx_ptyplan`` at HEAD (``git archive``) and make the workers import it. Returns
    the commit (``working tree`` when git cannot tell)."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dest = work / f"src-{sha}"
        if not (dest / "sphinx_ptyplan" / "__init__.py").exists():
            dest.mkdir(parents=True, exist_ok=True)
            tar = subprocess.run(
                ["git", "archive", "--format=tar", "HEAD", "sphinx_ptyplan"],
                cwd=REPO,
                capture_output=True,
                check=True,
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(dest)], input=tar, check=True)
    except (OSError, subprocess.SubprocessError):
        return "working tree"
    SOURCE[0] = dest
    return f"commit {sha} (HEAD, exported with git archive)"


def run_worker(
    task: str, args: dict[str, Any] | None = None, timeout: float = 900
) -> dict[str, Any]:
    """Run one task of ``_worker.py`` in a fresh interpreter; its JSON result plus ``wall``
    (seconds of the whole process, as measured here) and ``cpu`` (user + system seconds of
    the process and of every child it waited for: git, pool workers). On the shared machine
    the CPU time moves far less with the load of other processes than the wall time does."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SOURCE[0]), env.get("PYTHONPATH", "")) if p)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    cmd = [sys.executable, str(WORKER), task, json.dumps(args or {})]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-6:])
        raise MeasurementError(f"{task} exited {proc.returncode}: {tail}")
    lines = proc.stdout.strip().splitlines()
    if not lines:
        raise MeasurementError(f"{task}: no result")
    result: dict[str, Any] = json.loads(lines[-1])
    result["wall"] = wall
    result["cpu"] = cpu
    result["stderr"] = proc.stderr[-2000:]
    return result


@dataclass
class Series:
    """Repeated results of one command."""

    name: str
    metric: str = "seconds"  # the result key that is timed: "seconds" (op) or "wall"
    results: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def times(self) -> list[float]:
        return [float(r[self.metric]) for r in self.results]

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.results else None

    def median_of(self, key: str) -> float | None:
        values = [float(r[key]) for r in self.results if r.get(key) is not None]
        return statistics.median(values) if values else None

    def last(self, key: str) -> Any:
        return self.results[-1].get(key) if self.results else None


@dataclass
class Step:
    """One command of a round: ``run`` is timed (in its worker), ``before`` is not."""

    series: str
    run: Callable[[], dict[str, Any]]
    before: Callable[[], None] | None = None


@dataclass
class Suite:
    """All series of a run, with the log of failures."""

    series: dict[str, Series] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    log: Callable[[str], None] = print

    def add(self, name: str, metric: str = "seconds") -> Series:
        self.series[name] = Series(name, metric)
        return self.series[name]

    def rounds(
        self, steps_of: Callable[[int], Sequence[Step]], repeats: int, warmup: int = 0
    ) -> None:
        """Run ``steps_of(r)`` for ``r`` in rounds; warm-up rounds are not recorded."""
        for r in range(-warmup, repeats):
            for step in steps_of(r):
                s = self.series[step.series]
                try:
                    if step.before is not None:
                        step.before()
                    result = step.run()
                except (MeasurementError, OSError, subprocess.SubprocessError) as exc:
                    s.errors.append(str(exc))
                    self.log(f"  FAILED {s.name}: {exc}")
                    continue
                if r >= 0:
                    s.results.append(result)

    def get(self, name: str) -> Series | None:
        return self.series.get(name)

    @property
    def failures(self) -> list[str]:
        return [f"{s.name}: {e}" for s in self.series.values() for e in s.errors]


def alternate(r: int, pairs: Sequence[Sequence[Step]]) -> list[Step]:
    """Flatten groups of steps, each group in its order on even rounds, reversed on odd ones
    (A B C, C B A, ...: a linear drift of the machine falls equally on every command)."""
    out: list[Step] = []
    for pair in pairs:
        out.extend(pair if r % 2 == 0 else list(reversed(pair)))
    return out


# --------------------------------------------------------------------------- the groups


@dataclass(frozen=True)
class Tree:
    key: str  # short name used in series names
    label: str
    root: Path
    tree: str
    griffe_names: tuple[str, ...]
    large: bool  # one of the two large trees (target: parallel inventory below F)


def _top_names(folder: Path) -> tuple[str, ...]:
    names = []
    for p in sorted(folder.iterdir()):
        if p.is_dir() and (p / "__init__.py").exists():
            names.append(p.name)
        elif p.suffix == ".py" and p.stem.isidentifier():
            names.append(p.stem)
    return tuple(names)


def prepare_trees(work: Path, quick: bool) -> list[Tree]:
    import sphinx

    trees: list[Tree] = []
    sphinx_src = Path(sphinx.__file__).parent
    n = gen.copy_py_tree(sphinx_src, work / "sphinx-src" / "sphinx")
    trees.append(
        Tree(
            "sphinx",
            f"`sphinx` package source ({n} files)",
            work / "sphinx-src",
            "sphinx",
            ("sphinx",),
            False,
        )
    )
    if not quick:
        n = gen.stdlib_copy(work / "stdlib" / "Lib")
        names = _top_names(work / "stdlib" / "Lib")
        trees.append(
            Tree(
                "stdlib",
                f"stdlib `Lib` without tests ({n} files)",
                work / "stdlib",
                "Lib",
                names,
                True,
            )
        )
    size = 300 if quick else 2000
    gen.generate_tree(work / f"gen{size}", size)
    trees.append(
        Tree(
            f"gen{size}",
            f"generated, {size} modules",
            work / f"gen{size}",
            "pkg",
            ("pkg",),
            not quick,
        )
    )
    return trees


def _griffe_available() -> bool:
    try:
        import griffe  # noqa: F401
    except ImportError:
        return False
    return True


def bench_tree(suite: Suite, t: Tree, work: Path, repeats: int, griffe: bool) -> None:
    """F, the core inventory (1 and 2 processes, cold; warm parse cache), griffe."""
    base = {"root": str(t.root), "tree": t.tree}
    cache = work / f"cache-{t.key}.pickle"
    run_worker("inventory", {**base, "cache": str(cache), "save": True})  # the warm cache
    names = ["F", "inv1", "inv2", "warm"] + (["griffe"] if griffe else [])
    for n in names:
        suite.add(f"{t.key}/{n}")
    steps = {
        "F": Step(f"{t.key}/F", lambda: run_worker("floor", base)),
        "inv1": Step(f"{t.key}/inv1", lambda: run_worker("inventory", {**base, "jobs": 1})),
        "inv2": Step(f"{t.key}/inv2", lambda: run_worker("inventory", {**base, "jobs": 2})),
        "warm": Step(
            f"{t.key}/warm", lambda: run_worker("inventory", {**base, "cache": str(cache)})
        ),
        "griffe": Step(
            f"{t.key}/griffe",
            lambda: run_worker(
                "griffe",
                {
                    "root": str(t.root / t.tree) if t.tree == "Lib" else str(t.root),
                    "names": list(t.griffe_names),
                },
            ),
        ),
    }
    everything = [steps[n] for n in names]  # F A B C ..., reversed every other round
    suite.rounds(lambda r: alternate(r, [everything]), repeats, warmup=1)


# ---- docs builds


PLAN = """\
# Plan of `{top}`

The plan cites `{cite}` and `{cite_line}`; the spec is `specs/api.md`.

## Inventory

```{{ptyplan-inventory}} {top}
:highlight: sub_000/
```

## Coverage and delta

```{{ptyplan-delta}}
:tree: {top}
:base: HEAD~1
```

## Spec

```{{ptyplan-spec-hits}} specs/api.md
:tree: {top}
```
"""

SPEC = """\
# API spec

## Modules

- `{m0}` holds the engine `{dotted0}.Engine0`.
- `{m1}` holds `{dotted1}.Engine1`.
- The step function is `{dotted2}.{step}`.
"""

CONF_PTYPLAN = """\
extensions = ["myst_parser", "sphinx_ptyplan"]
project = "bench"
exclude_patterns = ["_build"]
ptyplan_root = ".."
"""

CONF_EMPTY = """\
extensions = ["myst_parser"]
project = "bench"
exclude_patterns = ["_build"]
"""

CONF_AUTOAPI = """\
extensions = ["autoapi.extension"]
project = "bench"
exclude_patterns = ["_build"]
autoapi_dirs = [{tree!r}]
suppress_warnings = ["autoapi"]
"""


@dataclass(frozen=True)
class DocsProject:
    proj: Path  # git repository: pkg/, specs/, docs/
    empty: Path  # a one-page Sphinx project (the floor)
    autoapi: Path
    edit: Path  # the module edited by the one-file-change rebuild
    modules: int


def prepare_docs(work: Path, n_modules: int) -> DocsProject:
    """A git repository with a generated tree, a spec and a docs folder whose one plan page
    uses all three directives; the empty one-page project; an autoapi project on the tree."""
    top = work / f"docs{n_modules}"
    proj, empty, autoapi = top / "proj", top / "empty", top / "autoapi"
    marker = top / ".ready"
    edit = proj / gen.module_path(1)
    if not marker.exists():
        if top.exists():
            shutil.rmtree(top)
        proj.mkdir(parents=True)
        gen.git(proj, "init", "-q", "-b", "main")
        gen.generate_tree(proj, n_modules)
        (proj / f".generated-pkg-{n_modules}").unlink()
        (proj / "specs").mkdir()
        dotted = [gen.module_path(i)[:-3].replace("/", ".") for i in range(3)]
        (proj / "specs" / "api.md").write_text(
            SPEC.format(
                m0=gen.module_path(0),
                m1=gen.module_path(1),
                dotted0=dotted[0],
                dotted1=dotted[1],
                dotted2=dotted[2],
                step=_first_function(proj, 2),
            )
        )
        docs = proj / "docs"
        docs.mkdir()
        (docs / "conf.py").write_text(CONF_PTYPLAN)
        (docs / "index.md").write_text("# Bench\n\n```{toctree}\nplan\n```\n")
        (docs / "plan.md").write_text(
            PLAN.format(top="pkg", cite=gen.module_path(3), cite_line=gen.module_path(4) + ":12")
        )
        (proj / ".gitignore").write_text("docs/_build/\n")
        gen.git(proj, "add", "-A")
        gen.git(proj, "commit", "-q", "-m", "tree", day=1)
        for i in range(5, 10):
            (proj / gen.module_path(i)).write_text(gen.module_source(i, 1))
        gen.git(proj, "commit", "-q", "-am", "five modules changed", day=2)
        empty.mkdir()
        (empty / "conf.py").write_text(CONF_EMPTY)
        (empty / "index.md").write_text("# Empty\n\nOne page.\n")
        autoapi.mkdir()
        (autoapi / "conf.py").write_text(CONF_AUTOAPI.format(tree=str(proj / "pkg")))
        (autoapi / "index.rst").write_text(
            "Bench\n=====\n\nThe API of ``pkg``.\n\n.. toctree::\n   :maxdepth: 1\n"
        )
        marker.write_text("ok\n")
    return DocsProject(proj, empty, autoapi, edit, n_modules)


def _first_function(proj: Path, i: int) -> str:
    import ast

    tree = ast.parse((proj / gen.module_path(i)).read_text())
    return next(n.name for n in tree.body if isinstance(n, ast.FunctionDef))


def bench_docs(suite: Suite, d: DocsProject, repeats: int, autoapi: bool) -> None:
    """Cold / no-change / one-file-change builds of the plan page beside the same builds of
    the empty project; autoapi's cold and no-change builds of the same tree."""
    k = f"docs{d.modules}"
    src_p, out_p = d.proj / "docs", d.proj / "docs" / "_build" / "html"
    src_e, out_e = d.empty, d.empty / "_build" / "html"
    src_a, out_a = d.autoapi, d.autoapi / "_build" / "html"
    page = d.empty / "index.md"
    original_module, original_page = d.edit.read_bytes(), page.read_bytes()
    for n in ("cold", "nochange", "change"):
        suite.add(f"{k}/ptyplan-{n}", "wall")
        suite.add(f"{k}/empty-{n}", "wall")
    if autoapi:
        suite.add(f"{k}/autoapi-cold", "wall")
        suite.add(f"{k}/autoapi-nochange", "wall")

    def build(src: Path, out: Path) -> Callable[[], dict[str, Any]]:
        return lambda: run_worker("sphinx", {"src": str(src), "out": str(out)})

    counter = [0]

    def edit_module() -> None:
        counter[0] += 1
        extra = f"\n\ndef edited_{counter[0]}(x: int = {counter[0]}) -> int:\n    return x\n"
        d.edit.write_bytes(original_module + extra.encode())

    def edit_page() -> None:
        counter[0] += 1
        page.write_bytes(original_page + f"\nEdit {counter[0]}.\n".encode())

    def restore() -> None:  # only when changed: a rewrite would touch the mtime
        for path, data in ((d.edit, original_module), (page, original_page)):
            if path.read_bytes() != data:
                path.write_bytes(data)

    def fresh(out: Path) -> Callable[[], None]:
        def before() -> None:
            restore()
            shutil.rmtree(out.parent, ignore_errors=True)

        return before

    def steps(r: int) -> list[Step]:
        pairs: list[list[Step]] = [
            [
                Step(f"{k}/ptyplan-cold", build(src_p, out_p), fresh(out_p)),
                Step(f"{k}/empty-cold", build(src_e, out_e), fresh(out_e)),
            ],
            [
                Step(f"{k}/ptyplan-nochange", build(src_p, out_p)),
                Step(f"{k}/empty-nochange", build(src_e, out_e)),
            ],
            [
                Step(f"{k}/ptyplan-change", build(src_p, out_p), edit_module),
                Step(f"{k}/empty-change", build(src_e, out_e), edit_page),
            ],
        ]
        out = alternate(r, pairs)
        if autoapi:  # its no-change build needs its cold build just before
            out.append(Step(f"{k}/autoapi-cold", build(src_a, out_a), fresh(out_a)))
            out.append(Step(f"{k}/autoapi-nochange", build(src_a, out_a)))
        return out

    try:
        suite.rounds(steps, repeats, warmup=1)
    finally:
        restore()


# ---- git: revision delta, citations


def bench_git(suite: Suite, work: Path, repeats: int, quick: bool) -> dict[str, Any]:
    n_mod, n_commits = (40, 60) if quick else (100, 300)
    repo = work / f"history-{n_mod}-{n_commits}"
    base, head = gen.scripted_history(repo, n_mod, n_commits)
    args = {"repo": str(repo), "base": base, "head": head}
    suite.add("delta/git-floor")
    suite.add("delta/ptyplan")
    pair = [
        Step("delta/git-floor", lambda: run_worker("git_floor", args)),
        Step("delta/ptyplan", lambda: run_worker("delta", args)),
    ]
    suite.rounds(lambda r: alternate(r, [pair]), repeats, warmup=1)

    ledger = work / "ledger"
    doc = gen.citation_ledger(ledger)
    suite.add("citations/ptyplan")
    step = Step(
        "citations/ptyplan", lambda: run_worker("citations", {"repo": str(ledger), "doc": doc})
    )
    suite.rounds(lambda r: [step], repeats, warmup=1)
    return {"modules": n_mod, "commits": n_commits}


# ---- a planning corpus (issue 16)

CORPUS_QUICK = {"n_docs": 80, "n_files": 300, "n_lines": 20_000, "n_spans": 3_000, "n_days": 20}

REAL_CONF = """\
import os

extensions = ["myst_parser", "sphinx_ptyplan"]
if os.environ.get("PTYPLAN_BENCH_OFF"):
    extensions = ["myst_parser"]
project = "real corpus"
source_suffix = {{".md": "markdown", ".rst": "restructuredtext"}}
exclude_patterns = ["_build", "**/node_modules", "**/.git", "**/.venv", "**/site-packages"]
suppress_warnings = ["myst", "toc", "docutils", "misc", "ref", "image", "download"]
ptyplan_root = {root!r}
"""


@dataclass(frozen=True)
class Corpus:
    key: str
    label: str
    root: Path  # the git work tree (ptyplan's root)
    src: Path  # the documents (Sphinx source folder, ``ptyplan check`` argument)
    conf: Path | None  # a conf folder outside a read-only checkout (-c)


def prepare_corpora(work: Path, quick: bool, real: Sequence[Path]) -> tuple[list[Corpus], dict]:
    """The generated corpus (``gen.corpus_repo``: 800 documents, 200,000 lines, 30,000
    code spans over 3,000 files; quick: a tenth) and any real corpus folders given."""
    root = work / ("corpus-quick" if quick else "corpus")
    totals = gen.corpus_repo(root, **(CORPUS_QUICK if quick else {}))
    out = [Corpus("corpus", "generated planning corpus", root, root / "docs", None)]
    for path in real:
        path = path.resolve()
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        key = "real-" + Path(top).name
        conf = work / f"conf-{key}"
        conf.mkdir(parents=True, exist_ok=True)
        (conf / "conf.py").write_text(REAL_CONF.format(root=top))
        out.append(Corpus(key, f"real corpus {path}", Path(top), path, conf))
    return out, totals


def bench_corpus(suite: Suite, corpora: list[Corpus], work: Path, repeats: int) -> None:
    """Per corpus: ``ptyplan check`` cold in one process; sphinx-build with the extension
    against the same build without it (cold, no-change); ``-j 2`` (warnings compared with
    the serial build's)."""
    for c in corpora:
        out = work / f"build-{c.key}"
        conf = str(c.conf) if c.conf else None
        rel = os.path.relpath(c.src, c.root)
        for n in ("check", "on-cold", "off-cold", "on-nochange", "off-nochange", "on-j2"):
            suite.add(f"{c.key}/{n}", "seconds" if n == "check" else "wall")

        def build(
            name: str,
            jobs: int = 1,
            off: bool = False,
            c: Corpus = c,
            conf: str | None = conf,
            out: Path = out,
        ) -> Callable[[], dict[str, Any]]:
            args = {"src": str(c.src), "out": str(out / name), "jobs": jobs, "off": off}
            if conf:
                args["conf"] = conf
            return lambda: run_worker("sphinx_corpus", args, timeout=3600)

        def fresh(name: str, out: Path = out) -> Callable[[], None]:
            return lambda: shutil.rmtree(out / name, ignore_errors=True)

        def steps(r: int, c: Corpus = c, rel: str = rel) -> list[Step]:
            check = Step(
                f"{c.key}/check", lambda: run_worker("check", {"root": str(c.root), "paths": [rel]})
            )
            return (
                [check]
                + alternate(
                    r,
                    [
                        [
                            Step(f"{c.key}/on-cold", build("on"), fresh("on")),
                            Step(f"{c.key}/off-cold", build("off", off=True), fresh("off")),
                        ],
                        [
                            Step(f"{c.key}/on-nochange", build("on")),
                            Step(f"{c.key}/off-nochange", build("off", off=True)),
                        ],
                    ],
                )
                + [Step(f"{c.key}/on-j2", build("j2", jobs=2), fresh("j2"))]
            )

        suite.rounds(steps, repeats, warmup=0)
        serial, parallel = out / "on.warnings", out / "j2.warnings"
        same = serial.exists() and parallel.exists() and serial.read_text() == parallel.read_text()
        suite.skipped[f"{c.key}/j2-same"] = "yes" if same else "no"


def corpus_rows(
    suite: Suite, corpora: list[Corpus], totals: dict[str, int]
) -> tuple[list[Row], list[Check]]:
    rows: list[Row] = []
    checks: list[Check] = []

    def med(name: str, key: str | None = None) -> float | None:
        s = suite.get(name)
        if s is None:
            return None
        return s.median_of(key) if key else s.median

    for c in corpora:
        label = c.label
        if c.key == "corpus" and totals:
            label += (
                f" ({totals.get('documents')} documents, {totals.get('lines'):,} lines, "
                f"{totals.get('spans'):,} code spans, {totals.get('files'):,} files, "
                f"{totals.get('commits')} commits)"
            )
        s_check = suite.get(f"{c.key}/check")
        v = med(f"{c.key}/check")
        found = s_check.last("kinds") if s_check else None
        note = (
            f"findings {json.dumps(found)}; statuses {json.dumps(s_check.last('statuses'))}"
            if s_check and s_check.results
            else ""
        )
        target = verdict = ""
        if c.key == "corpus":
            ck = Check(f"{label}: ptyplan check cold, 1 process <= 5 s", v, 5.0)
            checks.append(ck)
            target, verdict = "<= 5 s", ck.verdict
        rows.append(
            Row(
                label,
                "`ptyplan check` of the whole corpus, cold, 1 process",
                _s(v),
                "",
                target,
                verdict,
                note,
            )
        )
        for n, what, limit in (
            ("cold", "cold build", 1.25),
            ("nochange", "no-change rebuild", 1.1),
        ):
            on, off = med(f"{c.key}/on-{n}"), med(f"{c.key}/off-{n}")
            r = _ratio(on, off)
            rows.append(
                Row(label, f"sphinx-build without the extension: {what}", _s(off), "1.00 x")
            )
            ck = Check(f"{label}: {what} with the extension <= {limit} x without", r, limit)
            checks.append(ck)
            con, coff = med(f"{c.key}/on-{n}", "cpu"), med(f"{c.key}/off-{n}", "cpu")
            rows.append(
                Row(
                    label,
                    f"{what}, CPU (user + system, git included): with / without the extension",
                    f"{_s(con)} / {_s(coff)}",
                    _x(_ratio(con, coff)),
                    "",
                    "",
                    "less sensitive to the load of other processes than wall time",
                )
            )
            rows.append(
                Row(
                    label,
                    f"sphinx-build with the extension: {what}",
                    _s(on),
                    _x(r),
                    f"<= {limit} x",
                    ck.verdict,
                )
            )
        mon, moff = med(f"{c.key}/on-cold", "rss_kb"), med(f"{c.key}/off-cold", "rss_kb")
        r = _ratio(mon, moff)
        ck = Check(f"{label}: peak memory of the build <= 1.5 x without the extension", r, 1.5)
        checks.append(ck)
        rows.append(
            Row(
                label,
                "peak memory: build with / without the extension",
                f"{_mb(mon)} / {_mb(moff)}",
                _x(r),
                "<= 1.5 x",
                ck.verdict,
            )
        )
        same = suite.skipped.get(f"{c.key}/j2-same")
        ck = Check(
            f"{label}: -j 2 gives the serial build's warnings",
            1.0 if same == "yes" else (0.0 if same else None),
            1.0,
            at_least=True,
        )
        checks.append(ck)
        rows.append(
            Row(
                label,
                "sphinx-build -j 2 with the extension",
                _s(med(f"{c.key}/on-j2")),
                "",
                "same warnings as serial",
                ck.verdict,
            )
        )
    return rows, checks


# ---- memory bound


def bench_memory(suite: Suite, work: Path, quick: bool) -> int:
    """Peak memory of the inventory of a large generated tree (20,000 modules; quick: 300),
    and how many file texts the serial inventory held at once (counted by weak references)."""
    n = 300 if quick else 20_000
    root = work / f"gen{n}"
    gen.generate_tree(root, n)
    base = {"root": str(root), "tree": "pkg"}
    for s in ("F", "inv1", "inv2"):
        suite.add(f"mem{n}/{s}")
    steps = [
        Step(f"mem{n}/F", lambda: run_worker("floor", base)),
        Step(f"mem{n}/inv1", lambda: run_worker("inventory", {**base, "count_texts": True})),
        Step(f"mem{n}/inv2", lambda: run_worker("inventory", {**base, "jobs": 2})),
    ]
    suite.rounds(lambda r: alternate(r, [steps]), 1 if not quick else 2)
    return n


# --------------------------------------------------------------------------- the report


@dataclass
class Row:
    """One line of the results table."""

    group: str
    what: str
    median: str
    ratio: str = ""
    target: str = ""
    verdict: str = ""  # "met", "missed", "" (no target), "failed"
    note: str = ""


@dataclass
class Check:
    """A target: ``value`` compared with ``limit`` (``value <= limit`` unless ``at_least``)."""

    name: str
    value: float | None
    limit: float
    at_least: bool = False

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "failed"
        ok = self.value >= self.limit if self.at_least else self.value <= self.limit
        return "met" if ok else "missed"

    def missed_by(self) -> str:
        if self.value is None:
            return "not measured"
        if self.at_least:
            short = self.limit / self.value if self.value else float("inf")
            return f"{self.value:.2f} against at least {self.limit:g} ({short:.2f} x short)"
        over = (self.value / self.limit - 1) * 100 if self.limit else float("inf")
        return f"{self.value:.2f} against at most {self.limit:g} ({over:.0f} % over)"


def _s(x: float | None) -> str:
    if x is None:
        return "failed"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def _mb(kb: float | None) -> str:
    return "failed" if kb is None else f"{kb / 1024:.1f} MB"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _x(r: float | None) -> str:
    return "" if r is None else f"{r:.2f} x"


def build_rows(
    suite: Suite,
    trees: list[Tree],
    docs: list[DocsProject],
    git: dict[str, Any] | None,
    mem_n: int | None,
) -> tuple[list[Row], list[Check]]:
    rows: list[Row] = []
    checks: list[Check] = []

    def med(name: str) -> float | None:
        s = suite.get(name)
        return s.median if s is not None else None

    def medk(name: str, key: str) -> float | None:
        s = suite.get(name)
        return s.median_of(key) if s is not None else None

    for t in trees:
        k = t.key
        f = med(f"{k}/F")
        f_files = suite.series[f"{k}/F"].last("files")
        f_mb = suite.series[f"{k}/F"].last("bytes")
        note = f"{f_files} files, {f_mb / 1e6:.1f} MB" if f_files else ""
        rows.append(
            Row(t.label, "F: read + `ast.parse` + top-level names", _s(f), "1.00 x", "", "", note)
        )
        for n, what in (
            ("inv1", "core inventory, cold, 1 process"),
            ("inv2", "core inventory, cold, 2 processes"),
        ):
            v = med(f"{k}/{n}")
            r = _ratio(v, f)
            c = Check(f"{t.label}: {what} <= 1.1 x F", r, 1.1)
            checks.append(c)
            target = "<= 1.1 x F"
            if n == "inv2" and t.large:
                c2 = Check(f"{t.label}: {what} < 1.0 x F", r, 1.0)
                checks.append(c2)
                target, verdict = "< 1.0 x F", c2.verdict
            else:
                verdict = c.verdict
            rows.append(Row(t.label, what, _s(v), _x(r), target, verdict))
        v = med(f"{k}/warm")
        rows.append(
            Row(
                t.label,
                "core inventory, warm parse cache (loaded from disk)",
                _s(v),
                _x(_ratio(v, f)),
            )
        )
        if suite.get(f"{k}/griffe") is not None:
            v = med(f"{k}/griffe")
            rows.append(
                Row(
                    t.label,
                    "griffe static load (`allow_inspection=False`)",
                    _s(v),
                    _x(_ratio(v, f)),
                    "",
                    "",
                    "alternative",
                )
            )
        else:
            rows.append(
                Row(t.label, "griffe static load", "skipped", "", "", "", "griffe not installed")
            )
        fm, im = medk(f"{k}/F", "rss_kb"), medk(f"{k}/inv1", "rss_kb")
        r = _ratio(im, fm)
        c = Check(f"{t.label}: peak memory of the inventory <= 1.5 x F's", r, 1.5)
        checks.append(c)
        rows.append(
            Row(
                t.label,
                "peak memory: core inventory (1 process) / F",
                f"{_mb(im)} / {_mb(fm)}",
                _x(r),
                "<= 1.5 x F",
                c.verdict,
                "peak RSS of the process",
            )
        )

    for d in docs:
        k = f"docs{d.modules}"
        label = f"docs build, plan page, {d.modules}-module tree"
        for n, what in (
            ("cold", "cold build"),
            ("nochange", "no-change rebuild"),
            ("change", "one-file-change rebuild"),
        ):
            p, e = med(f"{k}/ptyplan-{n}"), med(f"{k}/empty-{n}")
            r = _ratio(p, e)
            rows.append(Row(label, f"empty one-page project: {what}", _s(e), "1.00 x"))
            target, verdict, note = "", "", ""
            if n == "nochange":
                c = Check(f"{label}: no-change rebuild <= 1.1 x the empty project's", r, 1.1)
                checks.append(c)
                target, verdict = "<= 1.1 x empty", c.verdict
            if n == "change":
                parses = suite.series[f"{k}/ptyplan-change"].results
                counts = sorted({int(x.get("parses", -1)) for x in parses})
                value = float(counts[0]) if len(counts) == 1 else None
                c = Check(
                    f"{label}: one-file change re-parses exactly one file",
                    value if value == 1.0 else (None if value is None else 99.0),
                    1.0,
                )
                checks.append(c)
                target, verdict = "re-parses 1 file", c.verdict
                note = f"files parsed: {', '.join(map(str, counts)) or 'n/a'}"
            if n == "cold":
                cold = suite.series[f"{k}/ptyplan-cold"].results
                if cold:
                    note = f"files parsed: {cold[-1].get('parses')}"
            rows.append(
                Row(label, f"ptyplan plan page: {what}", _s(p), _x(r), target, verdict, note)
            )
        if suite.get(f"{k}/autoapi-cold") is not None:
            p = med(f"{k}/ptyplan-cold")
            for n, what in (("cold", "cold build"), ("nochange", "no-change rebuild")):
                a = med(f"{k}/autoapi-{n}")
                r = _ratio(a, p)
                target = verdict = ""
                if n == "cold":
                    c = Check(f"{label}: autoapi cold / ptyplan cold >= 10", r, 10.0, at_least=True)
                    checks.append(c)
                    target, verdict = ">= 10 x ptyplan cold", c.verdict
                rows.append(
                    Row(
                        label,
                        f"sphinx-autoapi: {what}",
                        _s(a),
                        _x(r) + (" ptyplan cold" if r else ""),
                        target,
                        verdict,
                        "alternative; ratio = autoapi / ptyplan cold",
                    )
                )

    if git is not None:
        label = f"revision delta, {git['modules']} modules, {git['commits']} commits"
        f, p = med("delta/git-floor"), med("delta/ptyplan")
        r = _ratio(p, f)
        c = Check(f"{label}: <= 1.5 x its git floor", r, 1.5)
        checks.append(c)
        s_f, s_p = suite.series["delta/git-floor"], suite.series["delta/ptyplan"]
        rows.append(
            Row(
                label,
                "git floor: `git diff --name-status -M` + one `git cat-file --batch`"
                " + `ast.parse` of both sides",
                _s(f),
                "1.00 x",
                "",
                "",
                f"{s_f.last('changed')} changed, {s_f.last('parsed')} blobs parsed",
            )
        )
        rows.append(
            Row(
                label,
                "ptyplan `revision_delta` (with API diffs)",
                _s(p),
                _x(r),
                "<= 1.5 x floor",
                c.verdict,
                f"{s_p.last('rows')} rows, {s_p.last('api_rows')} with API changes",
            )
        )
        v = med("citations/ptyplan")
        s_c = suite.series["citations/ptyplan"]
        c = Check("citations: 500-citation ledger with drift in seconds (<= 5 s)", v, 5.0)
        checks.append(c)
        found = s_c.last("findings") or {}
        rows.append(
            Row(
                "citation checks, 500-citation ledger",
                "ptyplan `check_citations` with drift",
                _s(v),
                "",
                "<= 5 s",
                c.verdict,
                f"{s_c.last('citations')} citations; findings {json.dumps(found)}",
            )
        )

    if mem_n is not None:
        label = f"memory, generated {mem_n:,}-module tree"
        k = f"mem{mem_n}"
        fm, i1, i2 = (medk(f"{k}/{s}", "rss_kb") for s in ("F", "inv1", "inv2"))
        w2 = medk(f"{k}/inv2", "children_rss_kb")
        src = suite.series[f"{k}/F"].last("bytes")
        rows.append(
            Row(
                label,
                "F peak RSS",
                _mb(fm),
                "1.00 x",
                "",
                "",
                f"time {_s(med(f'{k}/F'))}; source {src / 1e6:.1f} MB" if src else "",
            )
        )
        r = _ratio(i1, fm)
        c = Check(f"{label}: peak memory of the inventory <= 1.5 x F's", r, 1.5)
        checks.append(c)
        rows.append(
            Row(
                label,
                "core inventory, 1 process, peak RSS",
                _mb(i1),
                _x(r),
                "<= 1.5 x F",
                c.verdict,
                f"time {_s(med(f'{k}/inv1'))}",
            )
        )
        rows.append(
            Row(
                label,
                "core inventory, 2 processes, peak RSS",
                _mb(i2),
                _x(_ratio(i2, fm)),
                "",
                "",
                f"+ each worker {_mb(w2)}; time {_s(med(f'{k}/inv2'))}",
            )
        )
        s1 = suite.series[f"{k}/inv1"]
        alive = s1.last("texts_max_alive")
        if alive is not None:
            c = Check(f"{label}: file texts held at once by the inventory", float(alive), 1.0)
            checks.append(c)
            rows.append(
                Row(
                    label,
                    "core inventory, 1 process: file texts held at once",
                    str(alive),
                    "",
                    "1 (never all)",
                    c.verdict,
                    f"{s1.last('texts_read')} files read; counted with weak references",
                )
            )
    for s in suite.series.values():
        if s.errors:
            rows.append(Row("failures", s.name, "failed", "", "", "failed", s.errors[0][:200]))
    return rows, checks


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table(rows: list[Row]) -> str:
    head = (
        "| measurement | median | ratio | target | verdict | note |\n"
        "| --- | --- | ---: | --- | --- | --- |\n"
    )
    out: list[str] = []
    group = None
    for row in rows:
        if row.group != group:
            group = row.group
            out.append(f"\n**{_cell(group)}**\n\n{head}")
        out.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (row.what, row.median, row.ratio, row.target, row.verdict, row.note)
            )
            + " |\n"
        )
    return "".join(out)


def plain_table(rows: list[Row]) -> str:
    lines = []
    group = None
    for row in rows:
        if row.group != group:
            group = row.group
            lines.append(f"\n{group}")
        what = row.what.replace("`", "")
        lines.append(
            f"  {what[:62]:<62} {row.median:>20} {row.ratio:>14} {row.target:>22} {row.verdict:>7}"
        )
    return "\n".join(lines)


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    try:
        cores = str(len(os.sched_getaffinity(0)))
    except AttributeError:
        cores = str(os.cpu_count())
    return {"cpu": cpu, "cores": cores, "memory": mem, "os": platform.platform()}


def versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in ("sphinx", "sphinx-ptyplan", "myst-parser", "griffe", "sphinx-autoapi", "astroid"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    try:
        out["git"] = subprocess.run(
            ["git", "--version"], capture_output=True, text=True, check=True
        ).stdout.split()[-1]
    except (OSError, subprocess.SubprocessError):
        out["git"] = "missing"
    return out


def render_page(rows: list[Row], checks: list[Check], meta: dict[str, Any], quick: bool) -> str:
    m, v = meta["machine"], meta["versions"]
    missed = [c for c in checks if c.verdict != "met"]
    out = [
        "# Performance\n\n",
        "How fast ptyplan is against the cost of simply parsing the code (the floor **F**:\n"
        "read and `ast.parse` every `.py` file, collecting top-level names, in one process)\n"
        "and against the tools one would otherwise use. Generated by `python bench/run.py`"
        + (" --quick" if quick else "")
        + "; reproduce it with\n"
        "`pip install -e '.[bench]' && pip install -r bench/requirements.txt &&\n"
        "python bench/run.py`.\n\n",
        "## Machine and versions\n\n| | |\n| --- | --- |\n",
        f"| date | {meta['date']} |\n| CPU | {m['cpu']} |\n| cores | {m['cores']} |\n",
        f"| memory | {m['memory']} |\n| system | {m['os']} |\n",
        f"| load | {meta['load']} |\n| repeats | {meta['repeats']} |\n",
        f"| run time | {meta['elapsed']} |\n| sphinx_ptyplan measured | {meta['measured']} |\n",
    ]
    out += [f"| {k} | {val} |\n" for k, val in v.items()]
    out.append(
        "\nThe machines these runs use are shared (the load average above says how busy this one\n"
        "was), so absolute times carry noise; ratios are taken within one run between\n"
        "alternated commands, which cancels slow drift but not bursts. Figures are medians.\n\n"
    )
    out.append(
        "## Method\n\n"
        "- Every measurement runs in a fresh Python process (`bench/_worker.py`), so no parse\n"
        "  cache, import or in-process state leaks from one measurement into the next. The\n"
        "  commands of a group alternate (A B C, then C B A, and so on: the order is reversed\n"
        "  every other round, so a linear drift falls equally on each command)\n"
        "  after one unrecorded warm-up round (the OS page cache is warm for everyone).\n"
        "- Core figures (F, inventory, griffe, delta, citations) time the operation inside the\n"
        "  worker, after its imports. Docs builds time the whole `sphinx-build` process, as a\n"
        "  user waits for it.\n"
        "- Memory is the peak resident set (`ru_maxrss`) of the worker process; the pool\n"
        "  workers of a 2-process inventory are reported separately.\n"
        "- Trees: copies of the `.py` files of the installed `sphinx` package and of the\n"
        "  standard library's `Lib` folder (without `test`, `tests`, `idle_test`,\n"
        "  `site-packages`), and deterministic generated trees (`bench/gen.py`: packages of 20\n"
        "  modules of ~150 lines with dataclasses, classes, functions, constants).\n"
        "- The docs project is a git repository with a generated tree, a spec and one plan page\n"
        "  using `ptyplan-inventory`, `ptyplan-delta` (with `:base: HEAD~1`) and\n"
        "  `ptyplan-spec-hits`, plus checked citations. The floor is a one-page MyST project\n"
        "  with the same builder and theme; its one-file change edits its only page. The\n"
        "  plan's one-file change edits one scanned module; files parsed are parse-cache\n"
        "  misses counted inside the build process.\n"
        "- The planning corpus (issue 16) is `gen.corpus_repo`: a git repository whose\n"
        "  documents cite its code tree (dated plans pinned, archive notes archived by\n"
        "  `ptyplan_status`, guide pages live). Each round runs `ptyplan check docs` cold in one\n"
        "  process (timed inside the worker); then `sphinx-build -b html` of the corpus with\n"
        "  `extensions = [\"myst_parser\", \"sphinx_ptyplan\"]` and without the extension (the\n"
        "  same conf.py otherwise), alternated: a cold build into an emptied output folder, then\n"
        "  the no-change rebuild (the same command again on that output, nothing edited); then\n"
        "  a cold `-j 2` build whose ptyplan warnings are compared line by line with the serial\n"
        "  build's. Build times are whole `sphinx-build` processes (wall clock), memory their\n"
        "  peak resident set. The corpus rounds have no warm-up round (a cold 800-document\n"
        "  build takes minutes); the package measured is byte-compiled first, as `pip\n"
        "  install` leaves it.\n\n"
    )
    out.append("## Results\n")
    out.append(table(rows))
    out.append("\n## Targets\n\n")
    met = sum(1 for c in checks if c.verdict == "met")
    out.append(f"{met} of {len(checks)} targets met.\n\n")
    for c in checks:
        mark = "met" if c.verdict == "met" else f"**{c.verdict}**: {c.missed_by()}"
        out.append(f"- {c.name}: {mark}\n")
    if NOTES.exists() and not quick:
        out.append("\n" + NOTES.read_text())
    elif missed:
        out.append("\nSee `bench/notes.md` for the profiles behind missed targets.\n")
    return "".join(out)


def render_from(raw: Path, output: Path | None) -> int:
    """Rebuild rows and checks from a results file and write the report again."""
    data = json.loads(raw.read_text())
    suite = Suite(log=lambda msg: None)
    for name, s in data["series"].items():
        series = suite.add(name, s["metric"])
        series.results, series.errors = s["results"], s["errors"]
    lay = data["layout"]
    trees = [Tree(k, label, Path("."), "", (), large) for k, label, large in lay["trees"]]
    docs = [DocsProject(Path("."), Path("."), Path("."), Path("."), n) for n in lay["docs"]]
    rows, checks = build_rows(suite, trees, docs, lay["git"], lay["mem_n"])
    suite.skipped.update(lay.get("j2_same", {}))
    corpora = [Corpus(k, label, Path("."), Path("."), None) for k, label in lay.get("corpora", [])]
    more_rows, more_checks = corpus_rows(suite, corpora, lay.get("corpus_totals", {}))
    rows += more_rows
    checks += more_checks
    quick = bool(data["quick"])
    target = output or (BENCH / "_out" / "quick.md" if quick else PAGE)
    if quick and target.resolve() == PAGE.resolve():
        raise SystemExit("a quick run never overwrites docs/performance.md")
    target.write_text(render_page(rows, checks, data["meta"], quick))
    print(plain_table(rows))
    print(f"wrote {target}")
    return 0


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small trees, few repeats, no autoapi")
    ap.add_argument("--output", type=Path, help="where to write the Markdown report")
    ap.add_argument("--repeats", type=int, help="rounds per group (default: 3 quick, 5 full)")
    ap.add_argument(
        "--workdir",
        type=Path,
        default=BENCH / "_out" / "work",
        help="generated trees and projects (kept between runs)",
    )
    ap.add_argument(
        "--only", default="", help="comma-separated groups: trees,docs,git,memory,corpus"
    )
    ap.add_argument(
        "--corpus",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="also measure this real corpus folder (inside a git work tree; read only)",
    )
    ap.add_argument(
        "--head",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="measure the committed HEAD (git archive) instead of the working tree "
        "(default: on in the full mode, off with --quick)",
    )
    ap.add_argument(
        "--render-from",
        type=Path,
        metavar="JSON",
        help="only re-render the report from the results file of an earlier run "
        "(bench/_out/full.json or quick.json), e.g. after editing bench/notes.md",
    )
    args = ap.parse_args(argv)
    if args.render_from is not None:
        return render_from(args.render_from, args.output)
    quick = args.quick
    repeats = args.repeats or (3 if quick else 5)
    output: Path = args.output or (BENCH / "_out" / "quick.md" if quick else PAGE)
    if quick and output.resolve() == PAGE.resolve():
        ap.error("--quick never overwrites docs/performance.md")
    only = {g.strip() for g in args.only.split(",") if g.strip()}
    work: Path = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    measured = "working tree"
    if args.head if args.head is not None else not quick:
        measured = snapshot(work)
    byte_compile(SOURCE[0])
    measured += " (byte-compiled first, as an installed package is)"
    t_start = time.perf_counter()
    load0 = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t_start:6.1f}s] {msg}", flush=True)

    suite = Suite(log=log)
    griffe = _griffe_available()
    if not griffe:
        log("griffe is not installed: its rows are skipped (pip install -e '.[bench]')")
    trees: list[Tree] = []
    docs: list[DocsProject] = []
    git: dict[str, Any] | None = None
    mem_n: int | None = None
    setup_failures: list[str] = []

    def group(name: str, fn: Callable[[], None]) -> None:
        if only and name not in only:
            return
        try:
            fn()
        except Exception as exc:  # a broken group must not hide the others
            setup_failures.append(f"{name}: {type(exc).__name__}: {exc}")
            log(f"FAILED group {name}: {exc}")

    def do_trees() -> None:
        trees.extend(prepare_trees(work, quick))
        for t in trees:
            log(f"trees: {t.label}")
            bench_tree(suite, t, work, repeats, griffe)

    def do_docs() -> None:
        sizes = [40] if quick else [85, 2000]
        autoapi_ok = not quick
        if autoapi_ok:
            try:
                import autoapi  # noqa: F401
            except ImportError:
                raise RuntimeError(
                    "sphinx-autoapi is not installed: pip install -r bench/requirements.txt"
                ) from None
        for n in sizes:
            log(f"docs: {n}-module tree")
            d = prepare_docs(work, n)
            docs.append(d)
            bench_docs(
                suite, d, repeats if n < 1000 else max(3, repeats - 2), autoapi_ok and n < 1000
            )

    def do_git() -> None:
        nonlocal git
        log("git: revision delta and citations")
        git = bench_git(suite, work, repeats + 2, quick)

    def do_memory() -> None:
        nonlocal mem_n
        log("memory: large generated tree")
        mem_n = bench_memory(suite, work, quick)

    group("trees", do_trees)
    group("docs", do_docs)
    group("git", do_git)
    group("memory", do_memory)
    corpora: list[Corpus] = []
    corpus_totals: dict[str, int] = {}
    corpus_rounds: list[int] = []

    def do_corpus() -> None:
        log("corpus: generated planning corpus" + (" and real ones" if args.corpus else ""))
        got, totals = prepare_corpora(work, quick, args.corpus)
        corpora.extend(got)
        corpus_totals.update(totals)
        corpus_rounds.append(1 if quick else max(2, repeats - 2))
        bench_corpus(suite, corpora, work, corpus_rounds[0])

    group("corpus", do_corpus)

    rows, checks = build_rows(suite, trees, docs, git, mem_n)
    more_rows, more_checks = corpus_rows(suite, corpora, corpus_totals)
    rows += more_rows
    checks += more_checks
    elapsed = time.perf_counter() - t_start
    load1 = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    meta = {
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "versions": versions(),
        "repeats": f"{repeats} rounds per group after one warm-up"
        + ("" if quick else " (2,000-module docs build: fewer; memory: one)")
        + (f"; planning corpus: {corpus_rounds[0]} rounds, no warm-up" if corpus_rounds else ""),
        "elapsed": f"{elapsed:.0f} s",
        "measured": measured,
        "load": f"1-minute load average {load0[0]:.1f} at the start, {load1[0]:.1f} at the end",
    }
    print(plain_table(rows))
    print()
    for c in checks:
        print(f"  {c.verdict:>6}  {c.name}" + ("" if c.verdict == "met" else f": {c.missed_by()}"))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_page(rows, checks, meta, quick))
    raw = output.with_suffix(".json") if output != PAGE else BENCH / "_out" / "full.json"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(
        json.dumps(
            {
                "meta": meta,
                "quick": quick,
                "layout": {
                    "trees": [[t.key, t.label, t.large] for t in trees],
                    "docs": [d.modules for d in docs],
                    "git": git,
                    "mem_n": mem_n,
                    "corpora": [[c.key, c.label] for c in corpora],
                    "corpus_totals": corpus_totals,
                    "j2_same": {k: v for k, v in suite.skipped.items() if k.endswith("j2-same")},
                },
                "series": {
                    k: {
                        "metric": s.metric,
                        "results": [
                            {x: y for x, y in r.items() if x != "stderr"} for r in s.results
                        ],
                        "errors": s.errors,
                    }
                    for k, s in suite.series.items()
                },
            },
            indent=1,
            default=str,
        )
    )
    log(f"wrote {output}")
    failures = setup_failures + suite.failures
    if failures:
        print(f"{len(failures)} measurement(s) failed:", file=sys.stderr)
        for f in failures:
            print(f"  {f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
