"""Never execute scanned code, never read outside the root: audit hooks on a full build.

A subprocess (audit hooks cannot be removed) installs ``sys.addaudithook`` and runs a full
``sphinx-build`` of a git tree whose modules would write files, open sockets and run
commands if imported, full of symlinks out of the root and ``..`` references. The hook
records ``import``, ``compile``, ``exec``, ``open``, ``socket.*``, ``subprocess.Popen``
and ``os.system`` events; the test then asserts on them.

``compile`` events: :func:`ast.parse` raises the same ``compile`` audit event (args
``(source, filename)``, no flags) as compiling to a code object. The hook tells them apart
by the Python frame that called ``compile()``: for ``ast.parse`` it is ``parse`` in
``ast.py``. Every ``compile`` of a scanned source (recognised by a marker string inside it)
must come from ``ast.parse``; and no ``exec`` event may run a code object from the root.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.gitutil import Repo

MARKER = "PTYPLAN_AUDIT_MARKER_7f3a"

HOOK = r"""
import json, os, sys
MARKER = sys.argv[1]
OUT = sys.argv[2]
events = []
recording = True

def _path(p):
    if isinstance(p, int):
        return None
    if isinstance(p, bytes):
        p = os.fsdecode(p)
    return os.path.abspath(os.fspath(p))

def _has_marker(obj, depth=0):
    if isinstance(obj, (bytes, bytearray)):
        return MARKER.encode() in obj
    if isinstance(obj, str):
        return MARKER in obj
    if depth < 4 and hasattr(obj, "co_consts"):
        return any(_has_marker(c, depth + 1) for c in obj.co_consts)
    return False

def hook(event, args):
    if not recording:
        return
    if event == "import":
        events.append(("import", args[0], None))
    elif event == "compile":
        source, filename = args[0], args[1]
        caller = sys._getframe(1).f_code
        via = f"{os.path.basename(caller.co_filename)}:{caller.co_name}"
        fn = filename if isinstance(filename, str) else os.fsdecode(filename or b"")
        if _has_marker(source) or (fn and os.path.isabs(fn)):
            events.append(("compile", fn, [via, _has_marker(source)]))
    elif event == "exec":
        code = args[0]
        fn = getattr(code, "co_filename", "")
        events.append(("exec", fn, _has_marker(code)))
    elif event == "open":
        path = _path(args[0])
        if path is None:
            return
        mode, flags = args[1], args[2]
        write = bool(mode and any(c in mode for c in "wax+")) or bool(
            flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC)
        )
        events.append(("open", path, write))
    elif event in ("socket.connect", "socket.bind", "os.system"):
        events.append((event, repr(args)[:200], None))
    elif event == "subprocess.Popen":
        events.append((event, os.path.basename(str(args[0])), repr(args[1])[:200]))

sys.addaudithook(hook)
from sphinx.cmd.build import build_main
rc = build_main(sys.argv[3:])
recording = False
with open(OUT, "w") as fh:
    json.dump({"rc": rc, "events": events}, fh)
"""

EVIL_INIT = f'''"""{MARKER}: importing this package writes a file."""
open({{pwned!r}}, "w").write("imported")
'''

EVIL_MOD = f'''"""{MARKER}: importing this module opens a socket and runs a command."""
import os
import socket

socket.create_connection(("127.0.0.1", 9))
os.system("touch {{pwned}}")


def run():
    """Run it."""
    return 1
'''


def _tree(tmp: Path) -> tuple[Path, Path, Path]:
    """root (a git repo with docs/ inside), outside (symlink targets), pwned marker path."""
    outside = tmp / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(f"# {MARKER}\nSECRET = 1\n")
    (outside / "secret.md").write_text("# Secret\n\n`secret.py:1`\n")
    (outside / "pkgout").mkdir()
    (outside / "pkgout" / "__init__.py").write_text(f"# {MARKER}\n")
    pwned = tmp / "PWNED"
    repo = Repo(tmp / "root")
    root = repo.path
    repo.write("evilpkg/__init__.py", EVIL_INIT.format(pwned=str(pwned)))
    repo.write("evilpkg/evil.py", EVIL_MOD.format(pwned=str(pwned)))
    repo.commit("evil")
    repo.write("evilpkg/more.py", f'"""{MARKER}"""\nexec("print(1)")\n')
    repo.write(
        "evilpkg/nb.ipynb",
        json.dumps({"cells": [{"cell_type": "code", "source": [f"# {MARKER}\n", "1/0\n"]}]}),
    )
    repo.commit("more")
    os.symlink(outside, root / "evilpkg" / "linkdir", target_is_directory=True)
    os.symlink(outside / "secret.py", root / "evilpkg" / "secret.py")
    os.symlink(".", root / "evilpkg" / "loop", target_is_directory=True)
    os.symlink(outside / "secret.md", root / "docs-secret.md")
    plan = (
        "# Plan\n\n"
        "- `evilpkg/evil.py:9` runs it; `evilpkg.evil.run`; `evilpkg/more.py:1`.\n"
        "- `../outside/secret.py:1`, `evilpkg/../../outside/secret.py:1`, `/etc/passwd:1`.\n"
        "- `evilpkg/secret.py:1`, `evilpkg/linkdir/secret.py:2`, `evilpkg/loop/evil.py:1`.\n"
        "- {ptyref}`../outside/secret.py:1` and {ptyref}`evilpkg/linkdir/pkgout/__init__.py:1`.\n"
    )
    index = (
        "# Audit\n\n"
        "```{ptyplan-inventory} evilpkg\n:since: HEAD~1\n:notebooks: informational\n```\n\n"
        "```{ptyplan-inventory} ../outside\n```\n\n"
        "```{ptyplan-inventory} evilpkg/linkdir\n```\n\n"
        "```{ptyplan-delta}\n:tree: evilpkg\n:plan: docs/plan.md\n:base: HEAD~1\n```\n\n"
        "```{ptyplan-delta}\n:tree: evilpkg\n:plan: ../outside/secret.md\n```\n\n"
        "```{ptyplan-spec-hits} docs/plan.md\n:tree: evilpkg, ../outside\n```\n\n"
        "```{ptyplan-spec-hits} docs-secret.md\n```\n\n"
        "```{ptyplan-spec-hits} /etc/passwd\n```\n\n"
        "```{include} plan.md\n```\n"
    )
    repo.write(
        "docs/conf.py",
        'extensions = ["myst_parser", "sphinx_ptyplan"]\n'
        'exclude_patterns = ["_build", "plan.md"]\nptyplan_root = ".."\n',
    )
    repo.write("docs/index.md", index)
    repo.write("docs/plan.md", plan)
    repo.commit("docs")
    return root, outside, pwned


def _run(tmp_path: Path) -> tuple[Path, Path, Path, dict[str, Any]]:
    root, outside, pwned = _tree(tmp_path)
    out = tmp_path / "events.json"
    build = root / "docs" / "_build"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [
        sys.executable,
        "-c",
        HOOK,
        MARKER,
        str(out),
        "-b",
        "html",
        "-q",
        "-E",
        str(root / "docs"),
        str(build / "html"),
        "-d",
        str(build / "doctrees"),
    ]
    proc = subprocess.run(
        cmd,
        cwd=Path(__file__).parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.exists(), proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["rc"] == 0, proc.stderr[-3000:]
    data["stderr"] = proc.stderr
    return root, outside, pwned, data


def test_full_build_never_imports_compiles_or_runs_scanned_code_and_stays_confined(
    tmp_path: Path,
) -> None:
    root, outside, pwned, data = _run(tmp_path)
    events = data["events"]
    assert not pwned.exists()
    html = (root / "docs" / "_build" / "html" / "index.html").read_text()
    assert "evilpkg/evil.py" in html and "run()" in html  # the tree was really scanned

    imports = [name for kind, name, _ in events if kind == "import"]
    assert imports  # the hook sees imports (sphinx's own)
    assert not [n for n in imports if n.split(".")[0] in ("evilpkg", "secret", "pkgout")]

    compiles = [(fn, info) for kind, fn, info in events if kind == "compile"]
    scanned = [(fn, via) for fn, (via, marked) in compiles if marked]
    assert scanned, "the scan parses the evil modules with ast.parse"
    assert {via for _fn, via in scanned} == {"ast.py:parse"}, scanned
    conf = str(root / "docs" / "conf.py")  # the docs' own conf.py is Sphinx's to run
    in_root = [(fn, via) for fn, (via, _m) in compiles if fn.startswith(str(root)) and fn != conf]
    assert all(via == "ast.py:parse" for _fn, via in in_root), in_root

    execs = [(fn, marked) for kind, fn, marked in events if kind == "exec"]
    ran = [e for e in execs if e[1] or str(e[0]).startswith((str(root), str(outside)))]
    assert [fn for fn, _m in ran] in ([], [conf]), ran

    assert not [e for e in events if e[0] in ("socket.connect", "os.system")]
    popen = {name for kind, name, _ in events if kind == "subprocess.Popen"}
    assert popen <= {"git"}, popen

    # Writes: only the build folder and temp (outside this test's folder).
    temp = Path(tempfile.gettempdir()).resolve()
    build = root / "docs" / "_build"
    writes = [p for kind, p, w in events if kind == "open" and w]
    assert writes  # the build writes its output
    bad_writes = [
        p
        for p in writes
        if not (
            p.startswith(str(build))
            or p == os.devnull
            or (p.startswith(str(temp)) and not p.startswith(str(tmp_path)))
        )
    ]
    assert bad_writes == []

    # Reads: the root (docs inside it), the build, Python and temp; never the outside folder.
    opened = {p for kind, p, _w in events if kind == "open"}
    assert str(root / "evilpkg" / "evil.py") in opened  # the hook sees the scan's reads
    assert not [p for p in opened if p.startswith(str(outside))]
    allowed = (
        str(root),
        str(build),
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        str(Path(__file__).parents[2]),  # this package (an editable install)
        os.devnull,
        "/usr/share/zoneinfo/",  # Sphinx formats today's date
    )
    elsewhere = [
        p
        for p in opened
        if not p.startswith(allowed)
        and not (p.startswith(str(temp)) and not p.startswith(str(tmp_path)))
    ]
    assert elsewhere == []
    # and the confinement findings say why the outside paths were refused
    assert "outside" in data["stderr"] and "ptyplan.config" in data["stderr"]
