"""Citations on a real repository: what `ptyplan check` and the docs build find, whether they
agree finding for finding, what `ptyplan fix` would rewrite and how much of it our labels
confirm, and how long each took.

    python bench/real/run.py /path/to/PtychoPINN --docs 'docs/*.md' \\
        --labels bench/real/labels/ptychopinn-findings.json
    python bench/real/run.py /path/to/nanoBragg --docs 'docs/*.md' 'plans/**/*.md' --json

The repository is only read: the docs build runs with a configuration folder, an output
folder and a doctree folder in a temporary directory (``sphinx-build -c``), with the
repository as its source folder limited to the documents given (``include_patterns``).

A label file is a JSON list of our own verdicts about citations of that repository
(locators only, never its text): ``{"doc", "line", "cite", "verdict", "expected", "why"}``
where ``verdict`` is ``"moved"`` (``expected`` is the right new text of the citation),
``"unfixable"`` (the tool must leave it alone: the cited lines cannot be relocated with
certainty) or ``"correct"`` (the citation is right today: no finding at all).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent.parent  # the sphinx_ptyplan checkout measured

_WARNING_RE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+): WARNING: (?P<msg>.*) \[ptyplan\.(?P<kind>[\w-]+)\]$"
)

Key = tuple[str, int, str, str]  # (document path, line, kind, message)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(SOURCE), *(p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p)]
    )
    return env


def documents(repo: Path, globs: Sequence[str]) -> list[str]:
    """Root-relative POSIX paths of the Markdown/reST documents matching ``globs``."""
    out = []
    for pattern in globs:
        for p in sorted(repo.glob(pattern)):
            if p.is_file() and p.suffix in (".md", ".rst"):
                out.append(p.relative_to(repo).as_posix())
    return list(dict.fromkeys(out))


def run_check(repo: Path, docs: Sequence[str]) -> tuple[set[Key], list[dict[str, Any]], float]:
    """``ptyplan check --format json`` on ``docs``: its findings as keys, raw, and seconds."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx_ptyplan", "check", "--root", str(repo), "--format",
         "json", *docs],
        cwd=repo, env=_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"ptyplan check failed ({proc.returncode}): {proc.stderr[-2000:]}")
    data = json.loads(proc.stdout)
    keys = {
        (f["path"], int(f["line"] or 0), f["kind"], f["message"])
        for f in data["findings"]
        if f.get("path") in docs
    }
    return keys, data["findings"], seconds


def run_build(repo: Path, docs: Sequence[str], work: Path) -> tuple[set[Key], float, int]:
    """A docs build over ``docs`` (source folder: the repository); its ptyplan warnings as
    keys, seconds, and the number of ptyplan warnings printed."""
    conf = work / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    root_doc = os.path.splitext(docs[0])[0]
    (conf / "conf.py").write_text(
        "extensions = ['myst_parser', 'sphinx_ptyplan']\n"
        f"ptyplan_root = {str(repo)!r}\n"
        f"root_doc = {root_doc!r}\n"
        f"include_patterns = {list(docs)!r}\n"
        "myst_heading_anchors = 3\n"
        "suppress_warnings = ['myst', 'toc', 'misc', 'ref', 'docutils', 'image']\n",
        encoding="utf-8",
    )
    warnings = work / "warnings.txt"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-E", "-c", str(conf),
         "-d", str(work / "doctrees"), "-w", str(warnings), str(repo), str(work / "html")],
        env=_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"sphinx-build failed ({proc.returncode}): {proc.stderr[-2000:]}")
    keys: set[Key] = set()
    printed = 0
    for line in warnings.read_text(encoding="utf-8").splitlines():
        m = _WARNING_RE.match(line)
        if m is None:
            continue
        printed += 1
        path = m.group("path")
        with contextlib.suppress(ValueError):
            path = Path(path).resolve().relative_to(repo.resolve()).as_posix()
        keys.add((path, int(m.group("line")), m.group("kind"), m.group("msg")))
    return keys, seconds, printed


def run_fix(repo: Path, docs: Sequence[str]) -> tuple[list[tuple[str, int, str, str]], float]:
    """What ``ptyplan fix`` would rewrite: ``(doc, line, old, new)`` (nothing is written)."""
    sys.path.insert(0, str(SOURCE))
    from sphinx_ptyplan.core.checks.fix import fix_document
    from sphinx_ptyplan.core.checks.resolve import CodeIndex
    from sphinx_ptyplan.core.workspace import Workspace

    t0 = time.perf_counter()
    ws = Workspace(repo)
    out: list[tuple[str, int, str, str]] = []
    try:
        repo_obj = ws.repo()
    except Exception:
        repo_obj = None
    try:
        index = CodeIndex(repo, ignored=ws.ignored(""))
        for doc in docs:
            result = fix_document(repo, doc, index=index, repo=repo_obj)
            for f in result.rewrites:  # the judge's finding behind each rewrite, as data
                assert f.path is not None and f.line is not None and f.subject is not None
                out.append((f.path, f.line, f.subject, f.replacement or ""))
    finally:
        ws.close()
    return out, time.perf_counter() - t0


def score_labels(
    labels: list[dict[str, Any]],
    rewrites: list[tuple[str, int, str, str]],
    check: list[dict[str, Any]],
) -> dict[str, Any]:
    """Our verdicts against the tool's. Each label ends as ``right`` (rewritten as
    labelled), ``left`` (an unfixable citation left alone), ``wrong`` (rewritten to a text
    we did not label right: a fix that lands on the wrong code) or ``missed`` (a movable
    citation left alone)."""
    rewritten = {(d, ln, old): new for d, ln, old, new in rewrites}
    rows = []
    for lab in labels:
        key = (lab["doc"], int(lab["line"]), lab["cite"])
        new = rewritten.get(key)
        if lab["verdict"] == "moved":
            outcome = "right" if new == lab["expected"] else "missed" if new is None else "wrong"
        elif lab["verdict"] == "unfixable":
            outcome = "left" if new is None else "wrong"
        else:  # correct today: no rewrite and no finding about it
            noisy = any(
                f["path"] == lab["doc"]
                and int(f["line"] or 0) == int(lab["line"])
                and f"`{lab['cite']}`" in f["message"]
                for f in check
            )
            outcome = "left" if new is None and not noisy else "wrong"
        rows.append({**key_dict(key), "verdict": lab["verdict"], "outcome": outcome, "new": new})
    outcomes = ("right", "left", "wrong", "missed")
    count = {k: sum(1 for r in rows if r["outcome"] == k) for k in outcomes}
    return {"labels": len(labels), **count, "rows": rows}


def key_dict(key: tuple[str, int, str]) -> dict[str, Any]:
    return {"doc": key[0], "line": key[1], "cite": key[2]}


def measure(repo: Path, globs: Sequence[str], labels: Path | None) -> dict[str, Any]:
    repo = repo.resolve()
    docs = documents(repo, globs)
    if not docs:
        raise SystemExit(f"no documents match {list(globs)} under {repo}")
    sys.path.insert(0, str(SOURCE))
    from sphinx_ptyplan.core.sources.documents import load_document

    citations = sum(len(load_document(repo, d).references) for d in docs)
    check_keys, check_raw, check_s = run_check(repo, docs)
    with tempfile.TemporaryDirectory(prefix="ptyplan-real-") as tmp:
        build_keys, build_s, printed = run_build(repo, docs, Path(tmp))
    rewrites, fix_s = run_fix(repo, docs)
    by_kind: dict[str, int] = {}
    for _p, _l, kind, msg in check_keys:
        code = "moved" if kind == "drift" and ": moved: " in msg else kind
        by_kind[code] = by_kind.get(code, 0) + 1
    out: dict[str, Any] = {
        "repository": str(repo),
        "documents": len(docs),
        "citations": citations,
        "check": {"findings": len(check_keys), "by_kind": by_kind, "seconds": round(check_s, 2)},
        "build": {"findings": len(build_keys), "printed": printed, "seconds": round(build_s, 2)},
        "parity": {
            "same": len(check_keys & build_keys),
            "only_check": sorted(check_keys - build_keys),
            "only_build": sorted(build_keys - check_keys),
        },
        "fix": {"rewrites": len(rewrites), "seconds": round(fix_s, 2)},
    }
    if labels is not None:
        data = json.loads(labels.read_text(encoding="utf-8"))
        out["labels"] = score_labels(data["labels"], rewrites, check_raw)
    return out


def summary(res: dict[str, Any]) -> str:
    p = res["parity"]
    lines = [
        f"repository: {res['repository']}",
        f"documents: {res['documents']}  citations found: {res['citations']}",
        f"ptyplan check: {res['check']['findings']} findings {res['check']['by_kind']} "
        f"in {res['check']['seconds']} s",
        f"docs build: {res['build']['findings']} findings in {res['build']['seconds']} s",
        f"parity: {p['same']} the same, {len(p['only_check'])} only in check, "
        f"{len(p['only_build'])} only in the build",
        f"fix: {res['fix']['rewrites']} rewrites in {res['fix']['seconds']} s",
    ]
    if "labels" in res:
        lab = res["labels"]
        lines.append(
            f"labels: {lab['labels']}: {lab['right']} rewritten right, {lab['left']} rightly "
            f"left alone, {lab['wrong']} wrong rewrites, {lab['missed']} missed"
        )
        lines += [
            f"  {r['outcome']}: {r['doc']}:{r['line']} `{r['cite']}` ({r['verdict']}) -> {r['new']}"
            for r in lab["rows"]
            if r["outcome"] in ("wrong", "missed")
        ]
    for side in ("only_check", "only_build"):
        for k in p[side][:20]:
            lines.append(f"  {side}: {k[0]}:{k[1]} [{k[2]}] {k[3]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repo", type=Path, help="a git work tree (read only)")
    ap.add_argument("--docs", nargs="+", default=["docs/*.md"], help="document globs")
    ap.add_argument("--labels", type=Path, help="our verdicts about its citations (JSON)")
    ap.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = ap.parse_args(argv)
    res = measure(args.repo, args.docs, args.labels)
    print(json.dumps(res, indent=1) if args.json else summary(res))
    parity_ok = not res["parity"]["only_check"] and not res["parity"]["only_build"]
    labels_ok = "labels" not in res or res["labels"]["wrong"] == 0
    return 0 if parity_ok and labels_ok else 1


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["documents", "main", "measure"]
