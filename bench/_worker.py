"""One measurement in a fresh process: ``python bench/_worker.py TASK JSON-ARGS``.

Prints one JSON object on the last line of stdout: ``seconds`` (the operation alone, after
the imports it needs), ``rss_kb`` (peak resident set of this process), ``children_rss_kb``
(largest peak of its child processes: pool workers, git), and task-specific counts.
A fresh process per measurement means no parse cache, import or page state leaks from one
measurement into the next.
"""

from __future__ import annotations

import ast
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

SKIP_DIRS = frozenset({"__pycache__", ".git", "build", "dist", ".tox", ".venv"})


def top_level_names(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names.extend(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return names


def floor(root: str, tree: str) -> dict[str, Any]:
    """F: read and ``ast.parse`` every ``.py`` file, collecting top-level names."""
    files = nbytes = errors = 0
    collected: list[list[str]] = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, tree)):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for name in filenames:
            if not name.endswith(".py"):
                continue
            with open(os.path.join(dirpath, name), "rb") as fh:
                data = fh.read()
            files += 1
            nbytes += len(data)
            try:
                collected.append(top_level_names(ast.parse(data)))
            except (SyntaxError, ValueError):
                errors += 1
    names = sum(len(c) for c in collected)
    return {"files": files, "bytes": nbytes, "names": names, "errors": errors}


_TEXTS = {"alive": 0, "max_alive": 0, "read": 0}


class _Text(bytes):
    """A file's bytes that count themselves, to measure the texts alive at once."""

    def __del__(self) -> None:
        _TEXTS["alive"] -= 1


def _count_texts(*modules: Any) -> dict[str, int]:
    """Wrap ``_read`` (in each module that calls it) so every file text it returns is counted:
    ``max_alive`` is the largest number of file texts in memory at the same time (in this
    process)."""
    real_read = modules[0]._read

    def read(path: str, max_bytes: int) -> bytes:
        data = _Text(real_read(path, max_bytes))
        _TEXTS["read"] += 1
        _TEXTS["alive"] += 1
        _TEXTS["max_alive"] = max(_TEXTS["max_alive"], _TEXTS["alive"])
        return data

    for module in modules:
        module._read = read
    return _TEXTS


def inventory(
    root: str,
    tree: str,
    jobs: int = 1,
    cache: str | None = None,
    save: bool = False,
    count_texts: bool = False,
) -> dict[str, Any]:
    """ptyplan's core inventory; with ``cache``: a parse cache loaded from that file (warm);
    ``count_texts``: also report how many file texts were held at once."""
    from sphinx_ptyplan.core.sources import scan, walk
    from sphinx_ptyplan.core.sources.parsecache import ParseCache
    from sphinx_ptyplan.core.sources.scan import scan_tree

    texts = _count_texts(walk, scan) if count_texts else None
    t0 = time.perf_counter()
    pc = ParseCache.load(Path(cache)) if cache and not save else ParseCache()
    inv = scan_tree(Path(root), tree, cache=pc, jobs=jobs)
    seconds = time.perf_counter() - t0
    if save and cache:
        pc.save(Path(cache))
    out: dict[str, Any] = {
        "seconds": seconds,
        "entries": len(inv.entries),
        "findings": len(inv.findings),
        "parses": pc.misses,
        "hits": pc.hits,
    }
    if texts is not None:
        out["texts_read"] = texts["read"]
        out["texts_max_alive"] = texts["max_alive"]
    return out


def griffe_load(root: str, names: list[str]) -> dict[str, Any]:
    """griffe's static load (no inspection) of the top-level packages/modules ``names``."""
    import logging

    import griffe

    logging.disable(logging.WARNING)  # griffe logs every odd construct of the stdlib
    t0 = time.perf_counter()
    loader = griffe.GriffeLoader(search_paths=[root], allow_inspection=False)
    failed = 0
    for name in names:
        try:
            loader.load(name)
        except Exception:
            failed += 1
    return {"seconds": time.perf_counter() - t0, "modules": len(names), "failed": failed}


def delta(repo: str, base: str, head: str) -> dict[str, Any]:
    """ptyplan's revision delta (git diff -M, batched blob reads, API diffs) of ``pkg``."""
    import git  # noqa: F401

    from sphinx_ptyplan.core.checks.delta import revision_delta
    from sphinx_ptyplan.core.sources.gitrepo import GitRepo  # noqa: F401  (import outside the timing)

    t0 = time.perf_counter()
    d = revision_delta(Path(repo), "pkg", base, head)
    seconds = time.perf_counter() - t0
    apis = sum(1 for r in d.rows if r.api)
    return {"seconds": seconds, "rows": len(d.rows), "api_rows": apis, "findings": len(d.findings)}


def git_floor(repo: str, base: str, head: str) -> dict[str, Any]:
    """``git diff --name-status -M`` + one ``git cat-file --batch`` of both sides of the
    changed .py files + ``ast.parse`` of each blob."""
    import subprocess

    t0 = time.perf_counter()
    out = subprocess.run(
        ["git", "diff", "--name-status", "-M", base, head, "--", "pkg"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout.decode()
    wanted: list[str] = []
    for line in out.splitlines():
        parts = line.split("\t")
        status = parts[0][:1]
        if status in "MR" and parts[-1].endswith(".py"):
            wanted.append(f"{base}:{parts[1]}")
            wanted.append(f"{head}:{parts[-1]}")
    blobs = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        input=("\n".join(wanted) + "\n").encode(),
        capture_output=True,
        check=True,
    ).stdout
    pos = parsed = 0
    while pos < len(blobs):
        nl = blobs.index(b"\n", pos)
        header = blobs[pos:nl].split()
        size = int(header[2])
        data = blobs[nl + 1 : nl + 1 + size]
        pos = nl + 2 + size
        top_level_names(ast.parse(data))
        parsed += 1
    return {"seconds": time.perf_counter() - t0, "changed": len(out.splitlines()), "parsed": parsed}


def citations(repo: str, doc: str) -> dict[str, Any]:
    """ptyplan's citation checks with drift (one blame, one diff per blame commit)."""
    from sphinx_ptyplan.core.checks.citations import check_citations
    from sphinx_ptyplan.core.checks.resolve import CodeIndex
    from sphinx_ptyplan.core.sources.documents import load_document
    from sphinx_ptyplan.core.sources.gitrepo import GitRepo

    root = Path(repo)
    t0 = time.perf_counter()
    parsed = load_document(root, doc)
    spans = [(s.text, s.line, s.context) for s in parsed.spans]
    with GitRepo.open(root) as g:
        report = check_citations(root, doc, spans, index=CodeIndex(root), repo=g)
    seconds = time.perf_counter() - t0
    kinds: dict[str, int] = {}
    for c in report.checks:
        for f in c.findings:
            kinds[f.kind.value] = kinds.get(f.kind.value, 0) + 1
    return {
        "seconds": seconds,
        "citations": len(report.checks),
        "findings": kinds,
        "git_problem": None if report.git_problem is None else report.git_problem.message,
    }


def sphinx_build(src: str, out: str) -> dict[str, Any]:
    """One ``sphinx-build -b html`` (html, quiet); counts the Python parses ptyplan made
    (parse-cache misses) in this process."""
    from sphinx.cmd.build import build_main

    counter = {"parses": 0}
    try:
        from sphinx_ptyplan.core.sources import parsecache

        real_put = parsecache.ParseCache.put

        def put(self: Any, key: str, info: Any) -> None:
            counter["parses"] += 1
            real_put(self, key, info)

        parsecache.ParseCache.put = put  # type: ignore[method-assign]
    except ImportError:
        pass
    t0 = time.perf_counter()
    status = build_main(["-q", "-b", "html", src, out])
    seconds = time.perf_counter() - t0
    if status:
        raise RuntimeError(f"sphinx-build exited {status}")
    return {"seconds": seconds, "parses": counter["parses"]}


def check(root: str, paths: list[str]) -> dict[str, Any]:
    """``ptyplan check --format json PATHS`` in this process (cwd: ``root``), cold."""
    import contextlib
    import io

    from sphinx_ptyplan.cli import main as cli

    os.chdir(root)
    out = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = cli(["--format", "json", "check", *paths])
    seconds = time.perf_counter() - t0
    if code not in (0, 1):
        raise RuntimeError(f"ptyplan check exited {code}")
    data = json.loads(out.getvalue())
    kinds: dict[str, int] = {}
    for f in data["findings"]:
        kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
    return {
        "seconds": seconds,
        "findings": len(data["findings"]),
        "kinds": kinds,
        "documents": len(data["meta"].get("documents", [])),
        "statuses": data["meta"].get("statuses", {}),
    }


def sphinx_corpus(
    src: str, out: str, jobs: int = 1, off: bool = False, conf: str | None = None
) -> dict[str, Any]:
    """One ``sphinx-build -b html`` of a corpus, with or without the extension (the
    corpus's conf.py drops it when ``PTYPLAN_BENCH_OFF`` is set); its warnings are written
    to ``OUT.warnings`` (ptyplan's only) and counted."""
    from sphinx.cmd.build import build_main

    if off:
        os.environ["PTYPLAN_BENCH_OFF"] = "1"
    warn = Path(out + ".warnings")
    args = ["-q", "-b", "html", "-w", str(warn), "-j", str(jobs)]
    if conf:
        args += ["-c", conf]
    t0 = time.perf_counter()
    status = build_main([*args, src, out])
    seconds = time.perf_counter() - t0
    if status:
        raise RuntimeError(f"sphinx-build exited {status}")
    lines = [x for x in warn.read_text(errors="replace").splitlines() if "[ptyplan." in x]
    warn.write_text("".join(sorted(x + "\n" for x in lines)))
    return {"seconds": seconds, "warnings": len(lines)}


TASKS = {
    "floor": floor,
    "inventory": inventory,
    "griffe": griffe_load,
    "delta": delta,
    "git_floor": git_floor,
    "citations": citations,
    "sphinx": sphinx_build,
    "check": check,
    "sphinx_corpus": sphinx_corpus,
}


def main(argv: list[str]) -> int:
    task, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    profile = os.environ.get("PTYPLAN_BENCH_PROFILE")
    t0 = time.perf_counter()
    if profile:
        import cProfile

        prof = cProfile.Profile()
        result = prof.runcall(TASKS[task], **args)
        prof.dump_stats(profile)
    else:
        result = TASKS[task](**args)
    result.setdefault("seconds", time.perf_counter() - t0)
    result["rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["children_rss_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stdout.flush()
    print("\n" + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
