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
