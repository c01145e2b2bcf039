"""Show the evidence for labelling one citation by hand: the cited lines as they were at the
commit that wrote the citing line, and the lines now at the place `ptyplan fix` proposes.

    python bench/real/evidence.py REPO DOC LINE CITE [NEW]

Prints to the terminal only (the labels keep our verdicts, never the code shown here).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

_CITE_RE = re.compile(r"^(?P<path>[^:#]+)(?::L?|#L)(?P<a>\d+)(?:[-–]L?(?P<b>\d+))?")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    ).stdout


def blamed(repo: Path, doc: str, line: int) -> str:
    out = git(repo, "blame", "--porcelain", "-L", f"{line},{line}", "--", doc)
    return out.split(" ", 1)[0] if out else ""


def show(lines: list[str], a: int, b: int, ctx: int = 2) -> str:
    out = []
    for n in range(max(1, a - ctx), min(len(lines), b + ctx) + 1):
        if a + 2 < n < b - 2:
            continue
        mark = ">" if a <= n <= b else " "
        out.append(f"{mark}{n:6d} {lines[n - 1][:110]}")
    return "\n".join(out)


def resolve(repo: Path, path: str, rev: str) -> str:
    """A bare or partial name -> the one tracked path ending with it at ``rev``."""
    if "/" in path and git(repo, "cat-file", "-t", f"{rev}:{path}").strip():
        return path
    names = git(repo, "ls-tree", "-r", "--name-only", rev).splitlines()
    cands = [n for n in names if n == path or n.endswith("/" + path)]
    return cands[0] if len(cands) == 1 else path


def main(argv: list[str]) -> int:
    repo, doc, line, cite = Path(argv[0]), argv[1], int(argv[2]), argv[3]
    new = argv[4] if len(argv) > 4 else None
    m = _CITE_RE.match(cite)
    if m is None:
        print("not a line citation")
        return 2
    sha = blamed(repo, doc, line)
    a = int(m.group("a"))
    b = int(m.group("b") or a)
    path = resolve(repo, m.group("path"), sha)
    old = git(repo, "show", f"{sha}:{path}").split("\n")
    print(f"== {doc}:{line} `{cite}` written in {sha[:10]}; {path} then ({len(old)} lines):")
    print(show(old, a, b))
    if new:
        n = _CITE_RE.match(new)
        assert n is not None
        npath = resolve(repo, n.group("path"), "HEAD")
        now = (repo / npath).read_text(encoding="utf-8", errors="replace").split("\n")
        na = int(n.group("a"))
        nb = int(n.group("b") or na)
        print(f"== proposed `{new}`; {npath} now ({len(now)} lines):")
        print(show(now, na, nb))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
