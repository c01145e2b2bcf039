"""Deterministic generators for the benchmark: a Python package tree, a scripted git history,
a citation ledger with drift.

Everything here depends only on its arguments (fixed seeds, fixed git identities and dates),
so two runs of the harness measure the same inputs.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

__all__ = [
    "GIT_ENV",
    "copy_py_tree",
    "generate_tree",
    "git",
    "module_source",
    "scripted_history",
    "citation_ledger",
    "stdlib_copy",
]

PER_PACKAGE = 20  # modules per sub-package

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
    "LC_ALL": "C",
}


def git(repo: Path, *args: str, day: int = 0, stdin: bytes | None = None) -> str:
    """Run git in ``repo`` with a fixed identity and a date ``day`` days after 2025-01-01."""
    env = dict(os.environ)
    env.update(GIT_ENV)
    date = _date(day)
    env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    out = subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, input=stdin
    )
    return out.stdout.decode().strip()


def _date(day: int) -> str:
    return f"{1_735_700_000 + day * 3600} +0000"  # seconds since the epoch, one hour apart


def module_source(i: int, version: int = 0) -> str:
    """One realistic module (~130 lines): docstring, imports, constants, a dataclass, a class
    with methods and attributes, functions with defaults, sometimes ``__all__``.

    ``version`` changes a deterministic part of the API (a parameter, a field, a function),
    as a commit would.
    """
    rng = random.Random(i * 7919 + 17)
    words = ["probe", "object", "scan", "patch", "grid", "loss", "phase", "amp", "batch", "mask"]
    w = [rng.choice(words) for _ in range(12)]
    out: list[str] = []
    out.append(f'"""Module {i}: {w[0]} and {w[1]} handling for the {w[2]} pipeline.\n')
    out.append("Generated for the ptyplan benchmark; the structure mimics a scientific package.")
    out.append('"""\n')
    out.append("from __future__ import annotations\n")
    out.append("import math")
    out.append("from dataclasses import dataclass, field")
    out.append("from typing import Any\n")
    if i % 3 == 0:
        out.append(f'__all__ = ["{w[3].title()}Config", "{w[4]}_step_{i}", "Engine{i}"]\n')
    for k in range(4):
        out.append(f"{w[k].upper()}_{k}_{i} = {rng.randint(1, 999)}")
    out.append(f'DEFAULT_NAME_{i} = "{w[5]}-{i}"\n\n')
    out.append("@dataclass(frozen=True)")
    out.append(f"class {w[3].title()}Config:")
    out.append(f'    """Configuration of the {w[3]} stage."""\n')
    nfields = 6 + rng.randint(0, 6) + (version % 3)
    for k in range(nfields):
        typ = rng.choice(["int", "float", "str", "bool", "tuple[int, ...]"])
        default = {"int": "1", "float": "0.5", "str": '"x"', "bool": "False"}.get(
            typ, "field(default_factory=tuple)"
        )
        out.append(f"    {w[k % 12]}_{k}: {typ} = {default}")
    out.append("\n")
    out.append(f"class Engine{i}:")
    out.append(f'    """Runs the {w[6]} loop."""\n')
    out.append("    def __init__(self, size: int, scale: float = 1.0) -> None:")
    out.append("        self.size = size")
    out.append("        self.scale = scale")
    out.append("        self.history: list[float] = []\n")
    for m in range(5 + rng.randint(0, 4)):
        out.append(f"    def {w[m % 12]}_{m}(self, x: float, *, steps: int = {m + 1}) -> float:")
        out.append(f'        """Step {m} of the {w[(m + 1) % 12]} update."""')
        out.append("        total = 0.0")
        out.append("        for k in range(steps):")
        out.append(f"            total += math.sin(x * k + {m}) * self.scale")
        out.append("        self.history.append(total)")
        out.append("        return total\n")
    out.append("")
    extra = ", verbose: bool = False" if version % 2 else ""
    for f in range(4 + rng.randint(0, 5)):
        name = f"{w[4]}_step_{i}" if f == 0 else f"{w[(f + 5) % 12]}_{f}_{i}"
        out.append(f"def {name}(data: list[float], rate: float = 0.{f + 1}{extra}) -> Any:")
        out.append(f'    """Apply the {w[(f + 7) % 12]} rule to ``data``."""')
        out.append("    result = []")
        out.append("    for value in data:")
        out.append("        if value > rate:")
        out.append("            result.append(value * rate)")
        out.append("        else:")
        out.append("            result.append(math.sqrt(abs(value)))")
        out.append("    return result\n\n")
    if version:
        out.append(f"def added_in_v{version}_{i}() -> int:")
        out.append(f"    return {version}\n")
    return "\n".join(out) + "\n"


def module_path(i: int, top: str = "pkg") -> str:
    """Tree-relative path of module ``i``: ``pkg/sub_NN/mod_NNNNN.py``."""
    return f"{top}/sub_{i // PER_PACKAGE:03d}/mod_{i:05d}.py"


def generate_tree(dest: Path, n_modules: int, top: str = "pkg") -> Path:
    """Write ``n_modules`` modules under ``dest/top`` in packages of 20; return ``dest/top``.

    Idempotent: an existing tree with a matching marker file is kept.
    """
    pkg = dest / top
    marker = dest / f".generated-{top}-{n_modules}"
    if marker.exists():
        return pkg
    if pkg.exists():
        shutil.rmtree(pkg)
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(f'"""Generated package of {n_modules} modules."""\n')
    for i in range(n_modules):
        p = dest / module_path(i, top)
        if not p.parent.exists():
            p.parent.mkdir()
            (p.parent / "__init__.py").write_text(f'"""Sub-package {p.parent.name}."""\n')
        p.write_text(module_source(i))
    marker.write_text("ok\n")
    return pkg


def copy_py_tree(src: Path, dest: Path, skip_dirs: frozenset[str] = frozenset()) -> int:
    """Copy the ``.py`` files of ``src`` to ``dest`` (folders named in ``skip_dirs`` and
    ``__pycache__`` skipped); return the number of files. Kept when already copied."""
    marker = dest.parent / f".copied-{dest.name}"
    if marker.exists():
        return int(marker.read_text())
    if dest.exists():
        shutil.rmtree(dest)
    n = 0
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d not in skip_dirs and d != "__pycache__")
        rel = Path(dirpath).relative_to(src)
        for name in sorted(filenames):
            if name.endswith(".py"):
                (dest / rel).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(os.path.join(dirpath, name), dest / rel / name)
                n += 1
    marker.write_text(str(n))
    return n


STDLIB_SKIP = frozenset(
    {"test", "tests", "idle_test", "site-packages", "lib-dynload", "__phello__", "_bundled"}
)


def stdlib_copy(dest: Path) -> int:
    """The standard library's Lib folder without its tests (and without site-packages,
    compiled extensions, ``config-*``)."""
    src = Path(sysconfig.get_paths()["stdlib"])
    skip = STDLIB_SKIP | {p.name for p in src.iterdir() if p.name.startswith("config-")}
    return copy_py_tree(src, dest, frozenset(skip))


def scripted_history(repo: Path, n_modules: int = 100, n_commits: int = 300) -> tuple[str, str]:
    """A repository with ``n_modules`` modules and ``n_commits`` commits after the first:
    each edits one to three modules (API changes), every 25th adds a module, every 40th
    deletes one, every 60th renames one. Returns ``(base sha, head sha)``."""
    marker = repo / ".git" / "bench-history"
    if marker.exists():
        base, head = marker.read_text().split()
        return base, head
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    generate_tree(repo, n_modules)
    (repo / f".generated-pkg-{n_modules}").unlink()
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial tree", day=0)
    base = git(repo, "rev-parse", "HEAD")
    rng = random.Random(4242)
    alive = list(range(n_modules))
    version: dict[int, int] = {}
    next_new = n_modules
    for c in range(1, n_commits + 1):
        for i in rng.sample(alive, rng.randint(1, 3)):
            version[i] = version.get(i, 0) + 1
            (repo / module_path(i)).write_text(module_source(i, version[i]))
        if c % 25 == 0:
            p = repo / module_path(next_new)
            p.parent.mkdir(parents=True, exist_ok=True)
            if not (p.parent / "__init__.py").exists():
                (p.parent / "__init__.py").write_text('"""New sub-package."""\n')
            p.write_text(module_source(next_new))
            alive.append(next_new)
            next_new += 1
        if c % 40 == 0:
            gone = alive.pop(rng.randrange(len(alive)))
            (repo / module_path(gone)).unlink()
        if c % 60 == 0:
            i = alive[rng.randrange(len(alive))]
            old = module_path(i)
            new = old.replace(".py", "_renamed.py")
            git(repo, "mv", old, new)
            alive.remove(i)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"commit {c}", day=c)
    head = git(repo, "rev-parse", "HEAD")
    marker.write_text(f"{base} {head}\n")
    return base, head


def citation_ledger(repo: Path, n_files: int = 10, n_lines: int = 200) -> str:
    """A repository with a 500-citation ledger (``docs/ledger.md``) written at one commit and
    code that moved since (a line inserted at the top of every file, one line edited, one file
    renamed), so the checks find moved, changed, stale and unchanged citations.
    Returns the ledger's root-relative path."""
    doc = "docs/ledger.md"
    marker = repo / ".git" / "bench-ledger"
    if marker.exists():
        return doc
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")

    def body(k: int) -> str:
        return "".join(f"V{k}_{i} = {i}\n" for i in range(1, n_lines + 1))

    (repo / "src").mkdir()
    (repo / "docs").mkdir()
    for k in range(n_files):
        (repo / f"src/m{k}.py").write_text(body(k))
    cites = [f"- `src/m{n % n_files}.py:{n % n_lines + 1}`" for n in range(300)]
    (repo / doc).write_text("# Ledger\n\n" + "\n".join(cites) + "\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "ledger", day=1)
    for k in range(n_files):
        text = "HEAD = 0\n" + body(k).replace(f"V{k}_52 = 52", f"V{k}_52 = 5")
        (repo / f"src/m{k}.py").write_text(text)
    more = [f"- `src/m{n % n_files}.py:{n % n_lines + 2}-{n % n_lines + 3}`" for n in range(200)]
    (repo / doc).write_text("# Ledger\n\n" + "\n".join(cites + more) + "\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "code moved, ledger grows", day=2)
    git(repo, "mv", f"src/m{n_files - 1}.py", f"src/m{n_files - 1}_new.py")
    git(repo, "commit", "-q", "-m", "rename", day=3)
    marker.write_text("ok\n")
    return doc


# --------------------------------------------------------------------------- planning corpus

_TOPS = ("engine", "io_tools", "models", "physics", "recon", "sim", "train", "viz", "utils", "cli")
_SUBS = (
    "core", "providers", "adapters", "legacy", "ops", "backends", "schemas", "runners",
    "tools", "kernels", "stages", "loaders", "metrics", "plugins", "config",
)  # fmt: skip
_WORDS = (
    "probe", "object", "scan", "patch", "grid", "loss", "phase", "amp", "batch", "mask",
    "frame", "stack", "solver", "window", "filter", "shift", "align", "fourier", "noise",
    "weight", "detector", "beam", "sample", "tile", "merge",
)  # fmt: skip


def _camel(name: str) -> str:
    return "".join(p.title() for p in name.split("_") if not p.isdigit())


def corpus_module(path: str, version: int = 0) -> str:
    """A small module (~30 lines): docstring, a constant, a class with two methods, two
    functions. ``version`` inserts lines at the top (lines move) or edits a body line.
    A renamed file keeps the content of its first name (``path`` is that name)."""
    stem = path.rsplit("/", 1)[-1][:-3]
    cls = _camel(stem) or "Thing"
    head = [f'"""{stem}: generated for the ptyplan corpus benchmark."""', ""]
    head += [f"# revision note {k}" for k in range(2 * (version // 2))]  # moves lines
    body = [
        "from __future__ import annotations",
        "",
        f"LIMIT = {len(stem) * 7}",
        "",
        "",
        f"class {cls}:",
        f'    """The {stem} stage."""',
        "",
        "    def __init__(self, size: int) -> None:",
        "        self.size = size",
        "",
        "    def run(self, x: float) -> float:",
        "        return x * self.size" if version % 2 == 0 else "        return x + self.size",
        "",
        "    def reset(self) -> None:",
        "        self.size = 0",
        "",
        "",
        f"def build_{stem}(size: int = 1) -> {cls}:",
        f"    return {cls}(size)",
        "",
        "",
        f"def check_{stem}(value: float) -> bool:",
        "    return value < LIMIT",
    ]
    return "\n".join(head + body) + "\n"


#: symbols of :func:`corpus_module` and their line (version 0)
CORPUS_SYMBOLS = {"LIMIT": 5, "run": 14, "reset": 17}


_DAY = 86_400
_EPOCH = 1_735_689_600  # 2025-01-01 00:00 UTC


def _day_name(day: int) -> str:
    import datetime as _dt

    return (_dt.date(2025, 1, 1) + _dt.timedelta(days=day)).isoformat()


CORPUS_CONF = """\
import os

extensions = ["myst_parser", "sphinx_ptyplan"]
if os.environ.get("PTYPLAN_BENCH_OFF"):
    extensions = ["myst_parser"]
project = "corpus"
exclude_patterns = ["_build"]
suppress_warnings = ["myst.header"]
ptyplan_root = ".."
ptyplan_status = {status}
"""

CORPUS_STATUS = {"docs/plans/20*": "pinned", "docs/archive/**": "archived"}

CORPUS_INDEX = """\
# Corpus

```{toctree}
:glob:
:maxdepth: 1

guide/*
plans/*
archive/*
```
"""


class _Corpus:
    """The state of a generated repository while its history is written."""

    def __init__(self, n_files: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.version: dict[str, int] = {}
        self.first: dict[str, str] = {}  # path -> the name its content was written for
        self.stream: list[bytes] = []
        self.mark = 0
        names: set[str] = set()
        per_sub = 20
        while len(names) < n_files:
            k = len(names)
            top = _TOPS[k % len(_TOPS)]
            sub = _SUBS[(k // len(_TOPS)) % len(_SUBS)]
            group = k // (len(_TOPS) * len(_SUBS) * per_sub)
            w1, w2 = self.rng.choice(_WORDS), self.rng.choice(_WORDS)
            names.add(f"{top}/{sub}{'' if group == 0 else f'_{group}'}/{w1}_{w2}_{k}.py")
        for p in sorted(names):
            self.version[p] = 0
            self.first[p] = p
        self.gone: dict[str, tuple[str, str | None]] = {}  # path -> (how, new path)

    def alive(self) -> list[str]:
        return sorted(self.version)

    def commit(self, day: int, message: str, ops: list[bytes]) -> None:
        self.mark += 1
        when = f"{_EPOCH + day * _DAY + 3600} +0000".encode()
        msg = message.encode()
        head = [
            b"commit refs/heads/main\n",
            f"mark :{self.mark}\n".encode(),
            b"author Bench <bench@example.org> " + when + b"\n",
            b"committer Bench <bench@example.org> " + when + b"\n",
            f"data {len(msg)}\n".encode() + msg + b"\n",
        ]
        if self.mark > 1:
            head.append(f"from :{self.mark - 1}\n".encode())
        self.stream.extend(head)
        self.stream.extend(ops)
        self.stream.append(b"\n")


def _m(path: str, text: str) -> bytes:
    data = text.encode()
    return f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n"


_FILLER = (
    "The stage keeps its inputs as they are and hands the result to the next one.",
    "We measured the effect on the reference data set before changing anything else.",
    "This section records what was decided and why, for whoever picks this up next.",
    "Nothing here changes the public interface; callers keep working as before.",
    "The numbers below come from the nightly run on the shared machine.",
    "A follow-up will remove the old path once the new one has been used for a week.",
    "Open question: whether the cache should be kept between runs or rebuilt.",
)
_PLAIN = ("--dry-run", "True", "None", "x = 1", "batch_size", "float32", "n_steps=4", "-j 2")


def _doc(
    c: _Corpus, title: str, tree: list[str], n_lines: int, n_spans: int, *, planned: int,
    typos: int, gone: list[str], example: bool,
) -> tuple[str, int]:  # fmt: skip
    """One Markdown document of about ``n_lines`` lines with about ``n_spans`` inline code
    spans citing ``tree`` (the files as of its writing). Returns (text, spans written)."""
    rng = c.rng
    lines = [f"# {title}", ""]
    spans = 0

    def cite() -> str:
        p = rng.choice(tree)
        v = c.version.get(p, 0)
        shift = 2 * (v // 2)
        r = rng.random()
        if r < 0.35:
            return f"`{p}`"
        if r < 0.45:
            return f"`{p.rsplit('/', 1)[0]}/`"
        if r < 0.75:
            sym, line = rng.choice(sorted(CORPUS_SYMBOLS.items()))
            return f"`{p}:{line + shift}`"
        if r < 0.8:
            return f"`{p}:{14 + shift}-{15 + shift}`"
        sym = rng.choice(("run", "reset", "LIMIT"))
        owner = _camel(c.first[p].rsplit("/", 1)[-1][:-3]) or "Thing"
        return f"`{p}:{owner}.{sym}`" if sym != "LIMIT" else f"`{p}:LIMIT`"

    extra: list[str] = []
    for _k in range(planned):
        top = rng.choice(_TOPS)
        extra.append(f"`{top}/providers/omp_rpc_{rng.randint(1, 9999)}.py`")
    for _k in range(typos):
        p = rng.choice(tree)
        folder, base = p.rsplit("/", 1)
        extra.append(f"`{folder}/{base.replace('_', '', 1)}`")
    extra += [f"`{g}`" for g in gone]
    section = 0
    while len(lines) < n_lines - 4:
        section += 1
        lines += [f"## Part {section}", ""]
        for _ in range(rng.randint(3, 6)):
            if spans < n_spans and rng.random() < 0.8:
                if extra and rng.random() < 0.3:
                    ref = extra.pop()
                elif rng.random() < 0.2:
                    ref = f"`{rng.choice(_PLAIN)}`"
                else:
                    ref = cite()
                second = f" and {cite()}" if spans + 1 < n_spans and rng.random() < 0.4 else ""
                spans += 1 + (1 if second else 0)
                lines.append(f"- See {ref}{second}: {rng.choice(_FILLER)}")
            else:
                lines.append(f"- {rng.choice(_FILLER)}")
        lines.append("")
        lines.append(rng.choice(_FILLER))
        lines.append(rng.choice(_FILLER))
        lines.append("")
        if section % 4 == 0:
            lines += ["```text", f"{rng.choice(tree)}:12  (example output)", "```", ""]
        if section % 6 == 0 and spans < n_spans:
            p = rng.choice(tree)
            lines += ["| file | note |", "| --- | --- |", f"| {cite()} | kept |", ""]
            spans += 1
            del p
    if example:
        lines += [
            "## Example",
            "",
            "The tool creates:",
            "",
            "```text",
            "recon/runs/<name>/plan.md",
            "```",
            "",
            "<!-- ptyplan-ignore-start -->",
            "For instance `recon/runs/frc_metric/plan.md` and `recon/runs/frc_metric/summary.md`.",
            "<!-- ptyplan-ignore-end -->",
            "",
        ]
    while extra:
        lines.append(f"- Also {extra.pop()}.")
        spans += 1
    return "\n".join(lines) + "\n", spans


def corpus_repo(
    repo: Path,
    *,
    n_docs: int = 800,
    n_files: int = 3000,
    n_lines: int = 200_000,
    n_spans: int = 30_000,
    n_days: int = 60,
    seed: int = 1616,
) -> dict[str, int]:
    """A git repository with a planning corpus: ``n_files`` small modules under ten
    top-level packages, ``n_days`` daily commits that edit (lines move or change), delete
    and rename files, and ``n_docs`` Markdown documents of ``n_lines`` lines and
    ``n_spans`` inline code spans in all:

    - 75 % dated plans ``docs/plans/2025-MM-DD-*.md``, each written on its day citing the
      tree *of that day* (later commits delete or rename some of what they cite), with
      files they propose to create (never in the history) and a few typos; one in ten
      gets a line appended on a later day;
    - 10 % ``docs/archive/`` notes written early;
    - 15 % ``docs/guide/`` pages written on the last day, citing today's tree, with some
      deleted paths and an example region (a fenced block and a ``ptyplan-ignore`` region).

    Written with one ``git fast-import`` (fixed identities and dates), so it is
    deterministic and fast. Returns counts (documents, lines, spans, files, commits).
    """
    marker = repo / ".git" / "bench-corpus"
    if marker.exists():
        return {k: int(v) for k, v in (x.split("=") for x in marker.read_text().split())}
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    # a quarter more files at first: deletions and renames bring it down to about n_files
    extra = max(n_days * 10 // 2, 1)
    c = _Corpus(n_files + extra, seed)
    rng = c.rng
    n_plans = n_docs * 75 // 100
    n_archive = n_docs * 10 // 100
    n_guide = n_docs - n_plans - n_archive
    per_doc_lines = max(30, n_lines // max(n_docs, 1))
    per_doc_spans = max(4, n_spans // max(n_docs, 1))
    plan_days = sorted(rng.randrange(1, max(n_days - 4, 2)) for _ in range(n_plans))
    archive_days = sorted(rng.randrange(1, max(n_days // 6, 2)) for _ in range(n_archive))
    appended: list[tuple[int, str, str]] = []  # (day, doc path, its text)
    totals = {"documents": 0, "lines": 0, "spans": 0}

    def write_doc(path: str, title: str, day: int, ops: list[bytes], **kw: Any) -> None:
        text, spans = _doc(c, title, c.alive(), per_doc_lines, per_doc_spans, **kw)
        ops.append(_m(path, text))
        totals["documents"] += 1
        totals["lines"] += text.count("\n")
        totals["spans"] += spans
        if kw.get("planned") is not None and rng.random() < 0.1 and day < n_days - 2:
            appended.append((rng.randrange(day + 1, n_days), path, text))

    ops = [_m(p, corpus_module(p)) for p in c.alive()]
    ops.append(_m("docs/conf.py", CORPUS_CONF.format(status=repr(CORPUS_STATUS))))
    ops.append(_m("docs/index.md", CORPUS_INDEX))
    ops.append(_m(".gitignore", "docs/_build/\n"))
    status = ", ".join(f'"{k}" = "{v}"' for k, v in CORPUS_STATUS.items())
    ops.append(_m("pyproject.toml", f"[tool.ptyplan]\nstatus = {{{status}}}\n"))
    c.commit(0, "initial tree", ops)
    k_plan = k_arch = 0
    for day in range(1, n_days):
        ops = []
        alive = c.alive()
        for p in rng.sample(alive, min(30, len(alive))):  # lines move or change
            c.version[p] += 1
            ops.append(_m(p, corpus_module(c.first[p], c.version[p])))
        victims = rng.sample(alive, 10)
        for p in victims[:5]:
            ops.append(f"D {p}\n".encode())
            c.gone[p] = ("deleted", None)
            del c.version[p]
        for p in victims[5:]:
            folder, base = p.rsplit("/", 1)
            new = f"{folder}/{base[:-3]}_v{day}.py"
            ops.append(f"R {p} {new}\n".encode())
            c.gone[p] = ("renamed", new)
            c.version[new] = c.version.pop(p)
            c.first[new] = c.first[p]
        while k_arch < n_archive and archive_days[k_arch] <= day:
            write_doc(
                f"docs/archive/note-{k_arch:04d}.md", f"Archived note {k_arch}", day, ops,
                planned=0, typos=0, gone=[], example=False,
            )  # fmt: skip
            k_arch += 1
        while k_plan < n_plans and plan_days[k_plan] <= day:
            slug = rng.choice(_WORDS)
            write_doc(
                f"docs/plans/{_day_name(day)}-{slug}-{k_plan:04d}.md",
                f"Plan {k_plan}: {slug}", day, ops,
                planned=rng.randint(1, 4), typos=1 if k_plan % 5 == 0 else 0, gone=[],
                example=False,
            )  # fmt: skip
            k_plan += 1
        for _when, path, text in [a for a in appended if a[0] == day]:
            line = f"- Status {_day_name(day)}: now also `{rng.choice(c.alive())}`.\n"
            ops.append(_m(path, text + line))
            totals["lines"] += 1
            totals["spans"] += 1
        c.commit(day, f"day {day}", ops)
    ops = []
    gone = sorted(c.gone)
    for k in range(n_guide):
        write_doc(
            f"docs/guide/page-{k:04d}.md", f"Guide {k}", n_days, ops,
            planned=0, typos=1 if k % 4 == 0 else 0,
            gone=[rng.choice(gone)] if k % 3 == 0 and gone else [], example=k % 10 == 0,
        )  # fmt: skip
    c.commit(n_days, "guide pages", ops)
    stream = b"".join(c.stream) + b"done\n"
    git(repo, "fast-import", "--quiet", "--done", stdin=stream)
    git(repo, "reset", "--hard", "-q", "main")
    totals["files"] = len(c.version)
    totals["commits"] = c.mark
    marker.write_text(" ".join(f"{k}={v}" for k, v in totals.items()) + "\n")
    return totals
