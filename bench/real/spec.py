"""Spec references measured on a real repository against our own hand labels.

    python bench/real/spec.py REPO SPEC --labels bench/real/labels/ptychopinn-spec.json
    python bench/real/spec.py /work/real/nanoBragg specs/spec-a-parallel.md --tree src \\
        --labels bench/real/labels/nanobragg-parallel-spec.json [--json OUT]

Runs ``ptyplan spec-hits`` (the command line, so exactly what a user gets) on SPEC of REPO
and compares its rows, schema checks and findings with the labels (``labels/*.json``: spec
line, the code span as written, our verdict and reason; no text of the spec). Reports:

- resolved accuracy: labels ``resolved`` whose row (or field-list schema check) lands on the
  labelled definition (path, and line when labelled) — target >= 95%;
- problems found: labels ``stale``/``ambiguous`` reported as a problem — target >= 90%;
- false warnings: warnings on labels ``resolved``/``silent`` or on unlabelled spans of the
  fully labelled lines, as a share of the references — target <= 1%;
- time: wall time of the command (one run; ``--repeat N`` for the median).

Unlabelled warnings outside the fully labelled lines are listed for review, not counted.
Exit status 0 unless the command itself failed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TARGETS = {"resolved": 0.95, "problems": 0.90, "false": 0.01}


@dataclass
class Outcome:
    spec: str
    references: int = 0
    resolved_ok: int = 0
    resolved_total: int = 0
    problems_ok: int = 0
    problems_total: int = 0
    false_warnings: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    unreviewed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def ratio(self, a: int, b: int) -> float:
        return a / b if b else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "references": self.references,
            "resolved_accuracy": self.ratio(self.resolved_ok, self.resolved_total),
            "resolved": [self.resolved_ok, self.resolved_total],
            "problems_found": self.ratio(self.problems_ok, self.problems_total),
            "problems": [self.problems_ok, self.problems_total],
            "false_warning_rate": len(self.false_warnings) / max(1, self.references),
            "false_warnings": self.false_warnings,
            "misses": self.misses,
            "unreviewed_warnings": self.unreviewed,
            "seconds": self.seconds,
        }


def run_spec_hits(repo: str, spec: str, tree: str) -> tuple[dict[str, Any], float]:
    cmd = [sys.executable, "-m", "sphinx_ptyplan", "--root", repo, "--format", "json"]
    cmd += ["spec-hits", spec, "--show", "all"]
    if tree:
        cmd += ["--tree", tree]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=repo, check=False)
    took = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"spec-hits failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout), took


def _text(cell: dict[str, Any]) -> str:
    return str(cell.get("text", ""))


def evaluate(report: dict[str, Any], labels: dict[str, Any], seconds: float) -> Outcome:
    out = Outcome(spec=labels["spec"], seconds=seconds)
    hits = next(t for t in report["tables"] if t["title"].startswith("Spec hits"))
    cols = hits["columns"]
    i_line, i_ref, i_status = cols.index("spec line"), cols.index("reference"), cols.index("status")
    i_to = cols.index("resolves to")
    rows = []
    for r in hits["rows"]:
        to = r[i_to]
        rows.append(
            {
                "line": int(_text(r[i_line]) or 0),
                "ref": _text(r[i_ref]),
                "status": _text(r[i_status]),
                "path": to.get("path"),
                "to_line": to.get("line"),
                "to": _text(to),
            }
        )
    out.references = len(rows)
    schema = next((t for t in report["tables"] if t["title"].startswith("Schema")), None)
    schema_rows = []
    if schema is not None:
        for r in schema["rows"]:
            schema_rows.append(
                {
                    "line": int(_text(r[0]) or 0),
                    "path": r[1].get("path"),
                    "cls_line": r[1].get("line"),
                    "missing": _text(r[2]),
                }
            )
    findings = [f for f in report.get("findings", []) if f.get("path") == labels["spec"]]
    warned_lines: dict[int, list[dict[str, Any]]] = {}
    for f in findings:
        if f.get("kind") in ("stale", "ambiguous", "schema"):
            warned_lines.setdefault(int(f.get("line") or 0), []).append(f)

    def rows_for(label: dict[str, Any]) -> list[dict[str, Any]]:
        want = label.get("name") or label["span"]
        return [r for r in rows if r["line"] == label["line"] and r["ref"] in (want, label["span"])]

    def on_target(r: dict[str, Any], target: str) -> bool:
        path, _, line = target.partition(":")
        if r["status"] != "resolved" or (r["path"] or "").rstrip("/") != path.rstrip("/"):
            return False
        return not line or line == "1" and r["to_line"] in (None, 1) or str(r["to_line"]) == line

    def field_checked(label: dict[str, Any]) -> bool:
        path, _, line = label["target"].partition(":")
        before = [s for s in schema_rows if s["line"] <= label["line"] <= s["line"] + 40]
        if not before:
            return False
        s = max(before, key=lambda s: s["line"])
        if s["path"] != path or not line or (s["cls_line"] or 0) > int(line):
            return False
        return f"{label['span']} (line" not in s["missing"]

    def mentions(f: dict[str, Any], label: dict[str, Any]) -> bool:
        msg = f.get("message", "")
        return (label.get("name") or label["span"]) in msg or label["span"] in msg

    labelled_keys = set()
    for label in labels["labels"]:
        key = f"{label['line']}: {label.get('name') or label['span']}"
        labelled_keys.add((label["line"], label.get("name") or label["span"]))
        found = rows_for(label)
        warned = [f for f in warned_lines.get(label["line"], []) if mentions(f, label)]
        exp = label["expected"]
        if exp == "resolved":
            out.resolved_total += 1
            ok = any(on_target(r, label["target"]) for r in found) or field_checked(label)
            if ok:
                out.resolved_ok += 1
            else:
                got = "; ".join(f"{r['status']} {r['to']}" for r in found) or "no row"
                out.misses.append(f"{key}: expected {label['target']}, got {got}")
            if warned:
                out.false_warnings.append(f"{key}: {warned[0]['message'][:160]}")
        elif exp in ("stale", "ambiguous"):
            out.problems_total += 1
            if warned or any(r["status"] in ("stale", "ambiguous") for r in found):
                out.problems_ok += 1
            else:
                got = "; ".join(f"{r['status']} {r['to']}" for r in found) or "no row"
                out.misses.append(f"{key}: expected a {exp} warning, got {got}")
        elif warned:
            out.false_warnings.append(f"{key} (silent): {warned[0]['message'][:160]}")
    lo, hi = labels.get("labelled_lines", [0, 0])
    for line, fs in sorted(warned_lines.items()):
        for f in fs:
            if any(k[0] == line and (k[1] in f["message"]) for k in labelled_keys):
                continue
            entry = f"{line}: [{f['kind']}/{f.get('code', '')}] {f['message'][:160]}"
            if lo <= line <= hi:
                out.false_warnings.append(entry + " (unlabelled)")
            else:
                out.unreviewed.append(entry)
    return out


def render(o: Outcome) -> str:
    d = o.as_dict()

    def mark(ok: bool) -> str:
        return "met" if ok else "MISSED"

    lines = [
        f"## {o.spec}: {o.references} references, {o.seconds:.2f} s",
        "",
        f"- resolved on the right definition: {o.resolved_ok}/{o.resolved_total} "
        f"= {d['resolved_accuracy']:.1%} (target >= 95%: {mark(d['resolved_accuracy'] >= 0.95)})",
        f"- stale/ambiguous found: {o.problems_ok}/{o.problems_total} "
        f"= {d['problems_found']:.1%} (target >= 90%: {mark(d['problems_found'] >= 0.90)})",
        f"- false warnings: {len(o.false_warnings)} = {d['false_warning_rate']:.2%} of the "
        f"references (target <= 1%: {mark(d['false_warning_rate'] <= 0.01)})",
    ]
    for title, items in (
        ("Misses", o.misses),
        ("False warnings", o.false_warnings),
        ("Warnings outside the labelled lines (review)", o.unreviewed),
    ):
        if items:
            lines += ["", f"{title}:", *(f"  - {i}" for i in items)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repo")
    ap.add_argument("spec")
    ap.add_argument("--labels", required=True)
    ap.add_argument("--tree", default=None, help="code roots (default: the labels' tree)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--json", default=None, help="also write the figures as JSON here")
    args = ap.parse_args(argv)
    labels = json.loads(Path(args.labels).read_text(encoding="utf-8"))
    if labels["spec"] != args.spec:
        raise SystemExit(f"the labels are for {labels['spec']}, not {args.spec}")
    tree = args.tree if args.tree is not None else labels.get("tree", "")
    times = []
    report: dict[str, Any] = {}
    for _ in range(max(1, args.repeat)):
        report, took = run_spec_hits(args.repo, args.spec, tree)
        times.append(took)
    outcome = evaluate(report, labels, statistics.median(times))
    print(render(outcome))
    if args.json:
        Path(args.json).write_text(json.dumps(outcome.as_dict(), indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
