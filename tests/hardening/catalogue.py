"""The bad-input catalogue: one plain data row per hostile or broken input.

Each :class:`Row` says what is wrong, how to build it, what ptyplan must report (the
``ptyplan.<subtype>`` warning, or no warning and what the page shows instead, a
``ConfigError``, or a CLI exit code) and where. ``test_catalogue.py`` runs every row;
``docs/bad-input.md`` is generated from the same rows (:func:`markdown_table`), and a test
keeps the page equal to it.

Rows of one *group* share one Sphinx build: every row adds its own directive (or role)
and a sentinel paragraph ``Sentinel <id>.`` to the group's page, and its files under
``r/<id>/``, so the location of its warning is unique to the row.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.gitutil import Repo, git

__all__ = ["GROUPS", "ROWS", "Group", "Row", "markdown_table"]


@dataclass(frozen=True)
class Row:
    """One bad input.

    ``expect``: a FindingKind value (``config``, ``parse``, …) for a ``ptyplan.<expect>``
    warning; ``""`` when the input needs no warning; ``ConfigError``; ``exit 1``/``exit 2``
    for the command line. ``where``: ``directive`` (the directive's or role's page line),
    a root-relative ``path:line`` (``path:`` when the finding has no line), ``conf.py``
    or ``stderr``. ``build(root)`` writes the row's inputs and returns its page snippet
    (Sphinx groups), its ``conf.py`` lines (``config``) or its argv (``cli``).
    ``shows``: text that must appear in the page (or the error output); ``hides``: text
    that must not. Rows of the ``incremental`` group are built, edited (``edit(root)``) and
    built again: the incremental build must equal a clean one, and the edit must change
    what the page shows.
    """

    id: str
    group: str
    what: str
    expect: str
    where: str
    build: Callable[[Path], str | list[str]]
    shows: tuple[str, ...] = ()
    fmt: str = "md"  # page format of the snippet: md (MyST) or rst
    #: text that must not appear in the page (or the output)
    hides: tuple[str, ...] = ()
    #: ``cli``: text that must appear on standard output
    stdout: tuple[str, ...] = ()
    #: ``incremental``: the edit made between the first build and the incremental one
    edit: Callable[[Path], None] | None = None


@dataclass(frozen=True)
class Group:
    """A shared build: its title on the docs page and the conf.py lines it adds."""

    title: str
    conf: str = ""


_SOURCE_URL = "https://example.org/blob/{revision}/{path}#L{line}"

GROUPS: dict[str, Group] = {
    "options": Group("Directive and role arguments and options", "ptyplan_drift = False\n"),
    "files": Group("Files of a scanned tree", "ptyplan_drift = False\n"),
    "documents": Group("Plans and specs", "ptyplan_drift = False\n"),
    "git": Group("Git repositories and revisions (a named root per repository)"),
    "nogit": Group("No git executable on PATH"),
    "links": Group(
        "Links to code (`ptyplan_source_url`)",
        "ptyplan_drift = False\n"
        f"ptyplan_source_url = {_SOURCE_URL!r}\nptyplan_source_revision = 'main'\n",
    ),
    "incremental": Group(
        "Edits between two builds (the incremental build equals a clean one)",
        "ptyplan_drift = False\n",
    ),
    "config": Group("Configuration values (conf.py)"),
    "cli": Group("The command line (`ptyplan ...`)"),
}


# --------------------------------------------------------------------------- helpers


def _files(root: Path, rid: str, files: dict[str, str | bytes]) -> str:
    """Write ``files`` under ``r/<rid>/``; return that folder (root-relative)."""
    folder = root / "r" / rid
    for rel, data in files.items():
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            p.write_bytes(data)
        else:
            p.write_text(data, encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    return f"r/{rid}"


def _md(name: str, arg: str = "", options: str = "") -> str:
    head = f"```{{{name}}} {arg}".rstrip()
    return f"{head}\n{options}```\n"


def _inv(rid: str, files: dict[str, str | bytes], options: str = "") -> Callable[[Path], str]:
    """An inventory of the row's own folder holding ``files``."""

    def build(root: Path) -> str:
        return _md("ptyplan-inventory", _files(root, rid, files), options)

    return build


def _snippet(text: str) -> Callable[[Path], str]:
    return lambda root: text


def _with_files(
    rid: str, files: dict[str, str | bytes], text: Callable[[str], str]
) -> Callable[[Path], str]:
    """Write the row's files, then the snippet made from its folder."""
    return lambda root: text(_files(root, rid, files))


def _symlink(rid: str, name: str, target: str, *, folder: bool = False) -> Callable[[Path], str]:
    def build(root: Path) -> str:
        base = root / _files(root, rid, {"ok.py": "def fine():\n    pass\n"})
        os.symlink(target, base / name, target_is_directory=folder)
        return _md("ptyplan-inventory", f"r/{rid}")

    return build


def _citation_loop(root: Path) -> str:
    base = root / _files(root, "citation-symlink-loop", {"ok.py": "def fine():\n    pass\n"})
    os.symlink("b.py", base / "a.py")
    os.symlink("a.py", base / "b.py")
    return "Cited: `r/citation-symlink-loop/a.py:1` and `r/citation-symlink-loop/ok.py:1`.\n"


def _special(rid: str, name: str, kind: str) -> Callable[[Path], str]:
    def build(root: Path) -> str:
        base = root / _files(root, rid, {"ok.py": "def fine():\n    pass\n"})
        if kind == "fifo":
            os.mkfifo(base / name)
        else:
            sock = socket.socket(socket.AF_UNIX)
            try:
                sock.bind(str(base / name))
            finally:
                sock.close()  # the socket file stays
        return _md("ptyplan-inventory", f"r/{rid}")

    return build


_SPEC_OK = "# Spec\n\n- `r/{rid}/mod.py:1` is fine.\n"


def _spec(rid: str, data: str | bytes, options: str = "") -> Callable[[Path], str]:
    def build(root: Path) -> str:
        folder = _files(root, rid, {"spec.md": data, "mod.py": "def fine():\n    pass\n"})
        return _md("ptyplan-spec-hits", f"{folder}/spec.md", f":tree: {folder}\n{options}")

    return build


def _plan(rid: str, data: str | bytes) -> Callable[[Path], str]:
    def build(root: Path) -> str:
        folder = _files(root, rid, {"plan.md": data, "code/mod.py": "def fine():\n    pass\n"})
        return _md("ptyplan-delta", "", f":tree: {folder}/code\n:plan: {folder}/plan.md\n")

    return build


def _snapshot(rid: str, data: str) -> Callable[[Path], str]:
    def build(root: Path) -> str:
        folder = _files(
            root, rid, {"base.json": data, "plan.md": "# P\n", "code/mod.py": "x = 1\n"}
        )
        return _md(
            "ptyplan-delta",
            "",
            f":tree: {folder}/code\n:plan: {folder}/plan.md\n:base: {folder}/base.json\n",
        )

    return build


def _symlinked_tree(root: Path) -> str:
    folder = root / "links"  # not under r/, which other rows scan
    folder.mkdir()
    os.symlink("/usr", folder / "usr", target_is_directory=True)
    return _md("ptyplan-inventory", "links/usr")


# --------------------------------------------------------------------------- git repositories


def _history(path: Path) -> Repo:
    """A small repository: two commits touching ``code/``."""
    repo = Repo(path)
    repo.write("code/__init__.py", "")
    repo.write("code/a.py", "def a():\n    pass\n")
    repo.commit("first")
    repo.write("code/b.py", "def b():\n    pass\n")
    repo.commit("second")
    return repo


def _git_root(
    rid: str, make: Callable[[Path], Path | Repo], options: str = ""
) -> Callable[[Path], str]:
    """A named root ``rid`` (a repository outside the docs, made by ``make``) and an
    inventory of its ``code`` folder with ``:since: HEAD~1``."""

    def build(root: Path) -> str:
        repos = root.parent / "repos"
        repos.mkdir(exist_ok=True)
        made = make(repos / rid)
        path = made.path if isinstance(made, Repo) else made
        with open(root / "roots.txt", "a", encoding="utf-8") as fh:
            fh.write(f"{rid}={path}\n")
        opts = options or ":since: HEAD~1\n"
        return _md("ptyplan-inventory", "code", f":root: {rid}\n{opts}")

    return build


def _shallow(path: Path) -> Path:
    origin = _history(path.parent / f"{path.name}-origin")
    git(path.parent, "clone", "-q", "--depth", "1", f"file://{origin.path}", path.name)
    return path


def _missing_object(path: Path) -> Path:
    repo = _history(path)
    blob = repo.git("rev-parse", "HEAD~1:code/a.py")
    (path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    tree = repo.git("rev-parse", "HEAD~1^{tree}")
    (path / ".git" / "objects" / tree[:2] / tree[2:]).unlink()
    return path


def _mid_rebase(path: Path) -> Path:
    repo = _history(path)
    repo.git("checkout", "-q", "-b", "topic", "HEAD~1")
    repo.write("code/b.py", "def other():\n    pass\n")
    repo.commit("conflicting b")
    result = subprocess.run(
        ["git", "rebase", "main"], cwd=path, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0, "the rebase should stop on a conflict"
    assert (path / ".git" / "rebase-merge").exists() or (path / ".git" / "rebase-apply").exists()
    return path


def _detached(path: Path) -> Path:
    repo = _history(path)
    repo.git("checkout", "-q", "--detach", "HEAD")
    return path


def _worktree(path: Path) -> Path:
    repo = _history(path.parent / f"{path.name}-main")
    repo.git("worktree", "add", "-q", str(path), "HEAD")
    return path


def _submodule(path: Path) -> Path:
    inner = _history(path.parent / f"{path.name}-inner")
    outer = Repo(path)
    outer.write("README.md", "outer\n")
    outer.commit("outer")
    git(path, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner.path), "code")
    outer.commit("add submodule")
    return path


def _plain(path: Path) -> Path:
    (path / "code").mkdir(parents=True)
    (path / "code" / "a.py").write_text("def a():\n    pass\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the rows

_BIG_PY = 50 * 1024 * 1024
_DEFS = "".join(f"def f{i}():\n    pass\n" for i in range(10_000))

ROWS: tuple[Row, ...] = (
    # ----------------------------------------------------------------- options
    Row(
        "inventory-no-argument",
        "options",
        "`ptyplan-inventory` without its TREE argument",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory")),
    ),
    Row(
        "inventory-missing-tree",
        "options",
        "a TREE that does not exist",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory", "r/no-such-folder")),
    ),
    Row(
        "inventory-dotdot",
        "options",
        "a TREE with `..` leaving the root",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory", "r/../../outside")),
    ),
    Row(
        "inventory-absolute",
        "options",
        "an absolute TREE (`/etc`)",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory", "/etc")),
    ),
    Row(
        "inventory-symlinked-tree",
        "options",
        "a TREE that is a symlink to a folder outside the root",
        "config",
        "directive",
        _symlinked_tree,
    ),
    Row(
        "inventory-maxdepth-text",
        "options",
        "`:maxdepth: deep` (not a number)",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory", "r", ":maxdepth: deep\n")),
    ),
    Row(
        "inventory-maxdepth-negative",
        "options",
        "`:maxdepth: -1`",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory", "r", ":maxdepth: -1\n")),
    ),
    Row(
        "inventory-notebooks-choice",
        "options",
        "`:notebooks: maybe` (not a choice)",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory", "r", ":notebooks: maybe\n")),
    ),
    Row(
        "inventory-format-choice",
        "options",
        "`:format: circle`",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory", "r", ":format: circle\n")),
    ),
    Row(
        "inventory-columns-unknown",
        "options",
        "`:columns: path, size` (unknown column)",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory", "r", ":columns: path, size\n")),
    ),
    Row(
        "inventory-since-empty",
        "options",
        "`:since:` with no value",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory", "r", ":since:\n")),
    ),
    Row(
        "inventory-unknown-option",
        "options",
        "an unknown option `:colour: red` (MyST)",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory", "r", ":colour: red\n")),
    ),
    Row(
        "inventory-unknown-option-rst",
        "options",
        "an unknown option `:colour: red` (reST)",
        "config",
        "directive",
        _snippet(".. ptyplan-inventory:: r\n   :colour: red\n"),
        fmt="rst",
    ),
    Row(
        "spec-strict-with-value",
        "options",
        "`:strict: yes` on a flag option (reST)",
        "config",
        "directive",
        _snippet(".. ptyplan-spec-hits:: rest.rst\n   :strict: yes\n"),
        fmt="rst",
    ),
    Row(
        "suppress-unknown",
        "options",
        "`:suppress: bogus` (not a warning subtype)",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory", "r", ":suppress: bogus\n")),
    ),
    Row(
        "root-unknown",
        "options",
        "`:root: nope` (not in `ptyplan_roots`)",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory", "r", ":root: nope\n")),
    ),
    Row(
        "since-dash",
        "options",
        "`:since: --output=/tmp/x` (option injection)",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory", "r", ":since: --output=/tmp/x\n")),
    ),
    Row(
        "since-shell-space",
        "options",
        "`:since: HEAD;touch x`",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory", "r", ":since: HEAD;touch x\n")),
    ),
    Row(
        "since-shell-semicolon",
        "options",
        "`:since: HEAD;id`",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory", "r", ":since: HEAD;id\n")),
    ),
    Row(
        "head-command-substitution",
        "options",
        "`:head: $(touch pwned)`",
        "config",
        "directive",
        _snippet(_md("ptyplan-delta", "", ":tree: r\n:plan: index.md\n:head: $(touch pwned)\n")),
    ),
    Row(
        "since-backticks",
        "options",
        "`:since:` with backticks (`` `id` ``)",
        "config",
        "directive",
        _snippet(_md("ptyplan-spec-hits", "index.md", ":since: `id`\n")),
    ),
    Row(
        "since-range",
        "options",
        "`:since: main..HEAD` (a range, not a revision)",
        "config",
        "directive",
        _snippet(_md("ptyplan-inventory", "r", ":since: main..HEAD\n")),
    ),
    Row(
        "delta-no-tree",
        "options",
        "`ptyplan-delta` without `:tree:`",
        "config",
        "directive",
        _snippet(_md("ptyplan-delta")),
    ),
    Row(
        "delta-plan-dotdot",
        "options",
        "`:plan: ../x.md`",
        "config",
        "directive",
        _snippet(_md("ptyplan-delta", "", ":tree: r\n:plan: ../x.md\n")),
    ),
    Row(
        "delta-plan-absolute",
        "options",
        "`:plan: /etc/passwd`",
        "config",
        "directive",
        _snippet(_md("ptyplan-delta", "", ":tree: r\n:plan: /etc/passwd\n")),
    ),
    Row(
        "delta-plan-is-folder",
        "options",
        "`:plan:` names a folder",
        "config",
        "directive",
        _with_files(
            "delta-plan-is-folder",
            {"code/m.py": "x = 1\n"},
            lambda f: _md("ptyplan-delta", "", f":tree: {f}/code\n:plan: {f}/code\n"),
        ),
    ),
    Row(
        "delta-base-dash",
        "options",
        "`:base: -p`",
        "config",
        "directive",
        _snippet(_md("ptyplan-delta", "", ":tree: r\n:plan: index.md\n:base: -p\n")),
    ),
    Row(
        "delta-base-json-missing",
        "options",
        "`:base: missing.json`",
        "config",
        "directive",
        _snippet(_md("ptyplan-delta", "", ":tree: r\n:plan: index.md\n:base: r/missing.json\n")),
    ),
    Row(
        "delta-base-json-garbage",
        "options",
        "`:base:` snapshot that is not JSON",
        "parse",
        "directive",
        _snapshot("delta-base-json-garbage", "{not json"),
    ),
    Row(
        "delta-base-json-shape",
        "options",
        "`:base:` snapshot JSON of the wrong shape",
        "parse",
        "directive",
        _snapshot("delta-base-json-shape", json.dumps({"a": [1, 2]})),
    ),
    Row(
        "spec-no-argument",
        "options",
        "`ptyplan-spec-hits` without SPEC",
        "config",
        "directive",
        _snippet(_md("ptyplan-spec-hits")),
    ),
    Row(
        "spec-missing",
        "options",
        "a SPEC that does not exist",
        "config",
        "directive",
        _snippet(_md("ptyplan-spec-hits", "r/none.md")),
    ),
    Row(
        "spec-absolute",
        "options",
        "an absolute SPEC (`/etc/passwd`)",
        "config",
        "directive",
        _snippet(_md("ptyplan-spec-hits", "/etc/passwd")),
    ),
    Row(
        "spec-show-choice",
        "options",
        "`:show: maybe`",
        "config",
        "directive",
        _snippet(_md("ptyplan-spec-hits", "index.md", ":show: maybe\n")),
    ),
    Row(
        "spec-tree-dotdot",
        "options",
        "`:tree: ../elsewhere`",
        "config",
        "directive",
        _snippet(_md("ptyplan-spec-hits", "index.md", ":tree: ../elsewhere\n")),
    ),
    Row(
        "ptyref-dotdot",
        "options",
        "`{ptyref}` citing `../outside.py:1`",
        "config",
        "directive",
        _snippet("See {ptyref}`../outside.py:1`.\n"),
        shows=("../outside.py:1",),
    ),
    Row(
        "ptyref-absolute",
        "options",
        "`{ptyref}` citing `/etc/passwd:1`",
        "config",
        "directive",
        _snippet("See {ptyref}`/etc/passwd:1`.\n"),
        shows=("/etc/passwd:1",),
    ),
    Row(
        "ptyref-line-zero",
        "options",
        "`{ptyref}` citing line 0",
        "stale",
        "directive",
        _with_files(
            "ptyref-line-zero", {"m.py": "x = 1\n"}, lambda f: f"See {{ptyref}}`{f}/m.py:0`.\n"
        ),
    ),
    Row(
        "ptyref-folder-as-file",
        "options",
        "`{ptyref}` citing a line of a folder named `x.py`",
        "stale",
        "directive",
        _with_files(
            "ptyref-folder-as-file",
            {"x.py/inner.py": "x = 1\n"},
            lambda f: f"See {{ptyref}}`{f}/x.py:3`.\n",
        ),
    ),
    Row(
        "ptyref-prose",
        "options",
        "`{ptyref}` holding prose, not a reference",
        "config",
        "directive",
        _snippet("See {ptyref}`not a reference at all`.\n"),
        shows=('<span class="pre">reference</span>',),
    ),
    # ----------------------------------------------------------------- files
    Row(
        "py-syntax-error",
        "files",
        "a module with a syntax error",
        "parse",
        "r/py-syntax-error/bad.py:2",
        _inv("py-syntax-error", {"bad.py": "x = 1\ndef broken(:\n"}),
    ),
    Row(
        "py-null-bytes",
        "files",
        "a module with NUL bytes",
        "parse",
        "r/py-null-bytes/nul.py:1",
        _inv("py-null-bytes", {"nul.py": b"x = 1\x00\n"}),
    ),
    Row(
        "py-latin1-no-cookie",
        "files",
        "a Latin-1 module without a coding cookie",
        "parse",
        "r/py-latin1-no-cookie/lat.py:1",
        _inv("py-latin1-no-cookie", {"lat.py": "s = 'caf\xe9'\n".encode("latin-1")}),
    ),
    Row(
        "py-latin1-cookie",
        "files",
        "a Latin-1 module with a coding cookie",
        "",
        "",
        _inv(
            "py-latin1-cookie",
            {
                "lat.py": "# -*- coding: latin-1 -*-\ndef latin_ok():\n    '''caf\xe9'''\n".encode(
                    "latin-1"
                )
            },
        ),
        shows=("latin_ok()",),
    ),
    Row(
        "py-utf16",
        "files",
        "a UTF-16 module (with its BOM)",
        "parse",
        "r/py-utf16/u16.py:",
        _inv("py-utf16", {"u16.py": "def u16():\n    pass\n".encode("utf-16")}),
    ),
    Row(
        "py-bom",
        "files",
        "a UTF-8 module starting with a BOM",
        "",
        "",
        _inv("py-bom", {"bom.py": b"\xef\xbb\xbfdef bom_ok():\n    pass\n"}),
        shows=("bom_ok()",),
    ),
    Row(
        "py-crlf",
        "files",
        "a module with CRLF line ends",
        "",
        "",
        _inv("py-crlf", {"crlf.py": b"def crlf_ok():\r\n    pass\r\n"}),
        shows=("crlf_ok()",),
    ),
    Row(
        "py-50mb",
        "files",
        "a 50 MB module (over `ptyplan_max_file_bytes`)",
        "parse",
        "r/py-50mb/big.py:",
        _inv("py-50mb", {"big.py": b"#" * _BIG_PY}),
    ),
    Row(
        "py-10000-defs",
        "files",
        "a module with 10,000 top-level functions",
        "",
        "",
        _inv("py-10000-defs", {"many.py": _DEFS}),
        shows=("many.py", "f9999()"),
    ),
    Row(
        "notebook-not-json",
        "files",
        "a notebook that is not JSON",
        "parse",
        "r/notebook-not-json/nb.ipynb:",
        _inv("notebook-not-json", {"nb.ipynb": "not json"}),
    ),
    Row(
        "notebook-json-list",
        "files",
        "a notebook that is a JSON list",
        "parse",
        "r/notebook-json-list/nb.ipynb:",
        _inv("notebook-json-list", {"nb.ipynb": "[1, 2]"}),
    ),
    Row(
        "symlink-out-of-root",
        "files",
        "a file symlink pointing outside the root",
        "io",
        "r/symlink-out-of-root/passwd.py:",
        _symlink("symlink-out-of-root", "passwd.py", "/etc/passwd"),
    ),
    Row(
        "symlink-loop",
        "files",
        "a folder symlink to its own parent (a loop): folders of the scanned tree are "
        "listed once, under their real path, so the link is not followed",
        "",
        "",
        _symlink("symlink-loop", "loop", ".", folder=True),
        shows=("fine()",),
    ),
    Row(
        "symlink-self",
        "files",
        "a symlink to itself (ELOOP)",
        "io",
        "r/symlink-self/self.py:",
        _symlink("symlink-self", "self.py", "self.py"),
    ),
    Row(
        "symlink-broken",
        "files",
        "a broken symlink",
        "io",
        "r/symlink-broken/gone.py:",
        _symlink("symlink-broken", "gone.py", "does-not-exist.py"),
    ),
    Row(
        "citation-symlink-loop",
        "files",
        "a citation (`path:1`) of a symlink loop (`b.py -> a.py -> b.py`): no file to read "
        "there, reported as a path that does not exist; the page goes on",
        "stale",
        "directive",
        _citation_loop,
    ),
    Row(
        "fifo-named-py",
        "files",
        "a FIFO named `x.py` (would block a reader)",
        "",
        "",
        _special("fifo-named-py", "fifo.py", "fifo"),
        shows=("r/fifo-named-py/ok.py",),
    ),
    Row(
        "socket-named-py",
        "files",
        "a Unix socket named `x.py`",
        "",
        "",
        _special("socket-named-py", "sock.py", "socket"),
        shows=("r/socket-named-py/ok.py",),
    ),
    Row(
        "folder-named-py",
        "files",
        "a folder named `x.py` (folder where a file is expected)",
        "",
        "",
        _inv("folder-named-py", {"x.py/inner.py": "def inner():\n    pass\n"}),
        shows=("inner()",),
    ),
    Row(
        "unreadable-file",
        "files",
        "an unreadable module (EACCES; simulated, tests run as root)",
        "io",
        "r/unreadable-file/LOCKED.py:",
        _inv("unreadable-file", {"LOCKED.py": "x = 1\n", "ok.py": "x = 2\n"}),
    ),
    Row(
        "unreadable-folder",
        "files",
        "an unreadable folder (EACCES; simulated, tests run as root)",
        "io",
        "r/unreadable-folder/LOCKEDDIR:",
        _inv("unreadable-folder", {"LOCKEDDIR/a.py": "x = 1\n", "ok.py": "x = 2\n"}),
    ),
    # ----------------------------------------------------------------- documents
    Row(
        "spec-empty",
        "documents",
        "an empty spec",
        "",
        "",
        _spec("spec-empty", ""),
        shows=("0 code references",),
    ),
    Row(
        "spec-binary",
        "documents",
        "a binary spec (NUL bytes)",
        "parse",
        "r/spec-binary/spec.md:",
        _spec("spec-binary", b"\x00\x01\x02binary"),
    ),
    Row(
        "spec-not-utf8",
        "documents",
        "a spec in Latin-1",
        "parse",
        "r/spec-not-utf8/spec.md:",
        _spec("spec-not-utf8", "# Sp\xe9c\n".encode("latin-1")),
    ),
    Row(
        "spec-10mb",
        "documents",
        "a 10 MB spec",
        "parse",
        "r/spec-10mb/spec.md:",
        _spec("spec-10mb", "x" * (10 * 1024 * 1024)),
    ),
    Row(
        "spec-unclosed-fence",
        "documents",
        "a spec with an unclosed code fence (a stale citation before it, one inside)",
        "stale",
        "r/spec-unclosed-fence/spec.md:3",
        _spec(
            "spec-unclosed-fence",
            "# Spec\n\n- `r/spec-unclosed-fence/gone.py:1` is gone.\n\n```python\n"
            "`r/spec-unclosed-fence/in_fence.py:1`\n",
        ),
    ),
    Row(
        "spec-crlf-bom",
        "documents",
        "a spec with a BOM and CRLF line ends",
        "",
        "",
        _spec("spec-crlf-bom", b"\xef\xbb\xbf# Spec\r\n\r\n- `r/spec-crlf-bom/mod.py:fine`\r\n"),
        shows=("1 resolved",),
    ),
    Row(
        "spec-symlink-out",
        "documents",
        "a spec that is a symlink to a file outside the root",
        "config",
        "directive",
        lambda root: (
            os.symlink("/etc/hostname", root / _files(root, "spec-symlink-out", {}) / "spec.md")
            or _md("ptyplan-spec-hits", "r/spec-symlink-out/spec.md")
        ),
    ),
    Row(
        "plan-empty",
        "documents",
        "an empty plan",
        "",
        "",
        _plan("plan-empty", ""),
        shows=("0% of 1 package or module covered",),
    ),
    Row(
        "plan-binary",
        "documents",
        "a binary plan",
        "parse",
        "r/plan-binary/plan.md:",
        _plan("plan-binary", b"\x00PLAN"),
    ),
    Row(
        "plan-not-utf8",
        "documents",
        "a plan in Latin-1",
        "parse",
        "r/plan-not-utf8/plan.md:",
        _plan("plan-not-utf8", "# Pl\xe4n\n".encode("latin-1")),
    ),
    Row(
        "plan-unclosed-fence",
        "documents",
        "a plan with an unclosed fence",
        "",
        "",
        _plan("plan-unclosed-fence", "# Plan\n\n```\n`r/plan-unclosed-fence/code/gone.py`\n"),
        shows=("0 stale plan references",),
    ),
    # ----------------------------------------------------------------- git
    Row(
        "git-unknown-revision",
        "git",
        "`:since: no-such-branch`",
        "git",
        "directive",
        _git_root("git-unknown-revision", _history, ":since: no-such-branch\n"),
    ),
    Row(
        "git-delta-unknown-base",
        "git",
        "`ptyplan-delta :base: no-such-tag`",
        "git",
        "directive",
        lambda root: (
            _git_root("git-delta-unknown-base", _history)(root)
            and _md(
                "ptyplan-delta",
                "",
                ":root: git-delta-unknown-base\n:tree: code\n"
                ":plan: code/a.py\n:base: no-such-tag\n",
            )
        ),
    ),
    Row(
        "git-shallow",
        "git",
        "a shallow clone (`--depth 1`) asked for `HEAD~1`",
        "git",
        "directive",
        _git_root("git-shallow", _shallow),
    ),
    Row(
        "git-missing-objects",
        "git",
        "a repository with deleted loose objects",
        "git",
        "directive",
        _git_root("git-missing-objects", _missing_object),
    ),
    Row(
        "git-mid-rebase",
        "git",
        "a repository stopped in the middle of a rebase (conflict markers in `b.py`)",
        "parse",
        "../repos/git-mid-rebase/code/b.py:5",
        _git_root("git-mid-rebase", _mid_rebase),
        shows=("code/b.py",),
    ),
    Row(
        "git-detached-head",
        "git",
        "a detached HEAD",
        "",
        "",
        _git_root("git-detached-head", _detached),
        shows=("code/b.py",),
    ),
    Row(
        "git-worktree",
        "git",
        "a linked worktree (`git worktree add`)",
        "",
        "",
        _git_root("git-worktree", _worktree),
        shows=("code/b.py",),
    ),
    Row(
        "git-submodule",
        "git",
        "a tree that is a submodule",
        "",
        "",
        _git_root("git-submodule", _submodule),
        shows=("code/b.py",),
    ),
    Row(
        "git-no-repository",
        "git",
        "`:since: HEAD` where there is no repository",
        "git",
        "directive",
        _git_root("git-no-repository", _plain, ":since: HEAD\n"),
    ),
    Row(
        "no-git-executable",
        "nogit",
        "no `git` on PATH, `:since: HEAD`",
        "git",
        "directive",
        _git_root("no-git-executable", _history, ":since: HEAD\n"),
    ),
    # ----------------------------------------------------------------- config
    Row(
        "conf-root-missing",
        "config",
        "`ptyplan_root` names no folder",
        "ConfigError",
        "conf.py",
        _snippet("ptyplan_root = 'no/such/folder'\n"),
    ),
    Row(
        "conf-roots-wrong-type",
        "config",
        "`ptyplan_roots = {'a': 1}`",
        "ConfigError",
        "conf.py",
        _snippet("ptyplan_roots = {'a': 1}\n"),
    ),
    Row(
        "conf-max-file-bytes-zero",
        "config",
        "`ptyplan_max_file_bytes = 0`",
        "ConfigError",
        "conf.py",
        _snippet("ptyplan_max_file_bytes = 0\n"),
    ),
    Row(
        "conf-max-file-bytes-text",
        "config",
        "`ptyplan_max_file_bytes = 'big'`",
        "ConfigError",
        "conf.py",
        _snippet("ptyplan_max_file_bytes = 'big'\n"),
    ),
    Row(
        "conf-jobs-negative",
        "config",
        "`ptyplan_jobs = -1`",
        "ConfigError",
        "conf.py",
        _snippet("ptyplan_jobs = -1\n"),
    ),
    Row(
        "conf-exclude-not-strings",
        "config",
        "`ptyplan_exclude = [1]`",
        "ConfigError",
        "conf.py",
        _snippet("ptyplan_exclude = [1]\n"),
    ),
    Row(
        "conf-external-string",
        "config",
        "`ptyplan_external = 'numpy'` (a string, not a list)",
        "ConfigError",
        "conf.py",
        _snippet("ptyplan_external = 'numpy'\n"),
    ),
    Row(
        "conf-source-url-no-path",
        "config",
        "`ptyplan_source_url` without `{path}`",
        "ConfigError",
        "conf.py",
        _snippet("ptyplan_source_url = 'https://example.org/'\n"),
    ),
    Row(
        "conf-drift-string",
        "config",
        "`ptyplan_drift = 'no'` (a string, not a bool)",
        "ConfigError",
        "conf.py",
        _snippet("ptyplan_drift = 'no'\n"),
    ),
    # ----------------------------------------------------------------- cli
    Row("cli-no-command", "cli", "`ptyplan` with no command", "exit 2", "stderr", lambda root: []),
    Row(
        "cli-unknown-command",
        "cli",
        "`ptyplan frobnicate`",
        "exit 2",
        "stderr",
        lambda root: ["frobnicate"],
    ),
    Row(
        "cli-unknown-option",
        "cli",
        "`ptyplan inventory code --colour red`",
        "exit 2",
        "stderr",
        lambda root: ["inventory", "code", "--colour", "red"],
    ),
    Row(
        "cli-since-dash",
        "cli",
        "`--since=--output=x`",
        "exit 2",
        "stderr",
        lambda root: ["inventory", "code", "--since=--output=x"],
    ),
    Row(
        "cli-since-shell",
        "cli",
        "`--since 'HEAD;touch x'`",
        "exit 2",
        "stderr",
        lambda root: ["inventory", "code", "--since", "HEAD;touch x"],
    ),
    Row(
        "cli-since-subst",
        "cli",
        "`--since '$(touch x)'`",
        "exit 2",
        "stderr",
        lambda root: ["inventory", "code", "--since", "$(touch x)"],
    ),
    Row(
        "cli-since-unknown",
        "cli",
        "`--since no-such-branch`",
        "exit 2",
        "stderr",
        lambda root: ["inventory", "code", "--since", "no-such-branch"],
    ),
    Row(
        "cli-tree-dotdot",
        "cli",
        "`ptyplan inventory ../..`",
        "exit 2",
        "stderr",
        lambda root: ["inventory", "../.."],
    ),
    Row(
        "cli-tree-absolute",
        "cli",
        "`ptyplan inventory /etc`",
        "exit 2",
        "stderr",
        lambda root: ["inventory", "/etc"],
    ),
    Row(
        "cli-tree-missing",
        "cli",
        "`ptyplan inventory nope`",
        "exit 2",
        "stderr",
        lambda root: ["inventory", "nope"],
    ),
    Row(
        "cli-tree-empty",
        "cli",
        "`ptyplan inventory ''`",
        "exit 2",
        "stderr",
        lambda root: ["inventory", ""],
    ),
    Row(
        "cli-maxdepth-text",
        "cli",
        "`--maxdepth deep`",
        "exit 2",
        "stderr",
        lambda root: ["inventory", "code", "--maxdepth", "deep"],
    ),
    Row(
        "cli-columns-unknown",
        "cli",
        "`--columns path,size`",
        "exit 2",
        "stderr",
        lambda root: ["inventory", "code", "--columns", "path,size"],
    ),
    Row(
        "cli-suppress-unknown",
        "cli",
        "`--suppress bogus`",
        "exit 2",
        "stderr",
        lambda root: ["inventory", "code", "--suppress", "bogus"],
    ),
    Row(
        "cli-format-unknown",
        "cli",
        "`--format xml`",
        "exit 2",
        "stderr",
        lambda root: ["inventory", "code", "--format", "xml"],
    ),
    Row(
        "cli-config-bad-toml",
        "cli",
        "`--config` file that is not TOML",
        "exit 2",
        "stderr",
        lambda root: (
            (root / "bad.toml").write_text("[tool.ptyplan\n")
            and ["--config", str(root / "bad.toml"), "inventory", "code"]
        ),
    ),
    Row(
        "cli-config-unknown-key",
        "cli",
        "`[tool.ptyplan] colour = 'red'`",
        "exit 2",
        "stderr",
        lambda root: (
            (root / "unk.toml").write_text("[tool.ptyplan]\ncolour = 'red'\n")
            and ["--config", str(root / "unk.toml"), "inventory", "code"]
        ),
    ),
    Row(
        "cli-config-wrong-type",
        "cli",
        "`[tool.ptyplan] max_file_bytes = 'big'`",
        "exit 2",
        "stderr",
        lambda root: (
            (root / "wt.toml").write_text("[tool.ptyplan]\nmax_file_bytes = 'big'\n")
            and ["--config", str(root / "wt.toml"), "inventory", "code"]
        ),
    ),
    Row(
        "cli-root-not-folder",
        "cli",
        "`--root` naming a file",
        "exit 2",
        "stderr",
        lambda root: ["--root", str(root / "code" / "a.py"), "inventory", "code"],
    ),
    Row(
        "cli-output-unwritable",
        "cli",
        "`-o` into a folder that does not exist",
        "exit 2",
        "stderr",
        lambda root: ["inventory", "code", "-o", str(root / "no" / "dir" / "x.md")],
    ),
    Row(
        "cli-syntax-error",
        "cli",
        "`ptyplan inventory` of a tree with a syntax error",
        "exit 1",
        "stderr",
        lambda root: (root / "code" / "bad.py").write_text("def (:\n") and ["inventory", "code"],
    ),
    Row(
        "cli-check-binary",
        "cli",
        "`ptyplan check` of a binary document",
        "exit 1",
        "stderr",
        lambda root: (root / "bin.md").write_bytes(b"\x00\x01") and ["check", "bin.md"],
    ),
    Row(
        "cli-check-symlink-out",
        "cli",
        "`ptyplan check` of a symlink leaving the root",
        "exit 2",
        "stderr",
        lambda root: os.symlink("/etc/hostname", root / "out.md") or ["check", "out.md"],
    ),
    Row(
        "cli-check-fifo",
        "cli",
        "`ptyplan check .` over a folder holding a FIFO named `x.md`",
        "exit 1",
        "stderr",
        lambda root: os.mkfifo(root / "fifo.md") or ["check", "."],
        shows=("fifo.md", "is not a regular file"),
    ),
    Row(
        "cli-check-fifo-named",
        "cli",
        "`ptyplan check x.md` where `x.md` is a FIFO",
        "exit 2",
        "stderr",
        lambda root: os.mkfifo(root / "fifo.md") or ["check", "fifo.md"],
        shows=("is not a regular file or folder",),
    ),
    Row(
        "cli-delta-base-dash",
        "cli",
        "`ptyplan delta --base=-x`",
        "exit 2",
        "stderr",
        lambda root: ["delta", "--tree", "code", "--plan", "code/a.py", "--base=-x"],
    ),
    Row(
        "cli-delta-base-unknown",
        "cli",
        "`ptyplan delta --base no-such-tag`",
        "exit 2",
        "stderr",
        lambda root: ["delta", "--tree", "code", "--plan", "code/a.py", "--base", "no-such-tag"],
    ),
    Row(
        "cli-delta-plan-outside",
        "cli",
        "`ptyplan delta --plan ../x.md`",
        "exit 2",
        "stderr",
        lambda root: ["delta", "--tree", "code", "--plan", "../x.md"],
    ),
    Row(
        "cli-delta-plan-binary",
        "cli",
        "`ptyplan delta` with a binary plan",
        "exit 1",
        "stderr",
        lambda root: (
            (root / "bin.md").write_bytes(b"\x00PLAN")
            and ["delta", "--tree", "code", "--plan", "bin.md"]
        ),
        shows=("ptyplan.parse",),
    ),
    Row(
        "cli-spec-hits-absolute",
        "cli",
        "`ptyplan spec-hits /etc/passwd`",
        "exit 2",
        "stderr",
        lambda root: ["spec-hits", "/etc/passwd"],
    ),
    Row(
        "cli-spec-hits-tree-dotdot",
        "cli",
        "`ptyplan spec-hits SPEC --tree ../x`",
        "exit 2",
        "stderr",
        lambda root: ["spec-hits", "code/a.py", "--tree", "../x"],
    ),
    Row(
        "cli-spec-hits-not-utf8",
        "cli",
        "`ptyplan spec-hits` of a Latin-1 spec",
        "exit 1",
        "stderr",
        lambda root: (
            (root / "lat.md").write_bytes("# Sp\xe9c\n".encode("latin-1"))
            and ["spec-hits", "lat.md"]
        ),
        shows=("ptyplan.parse",),
    ),
    Row(
        "cli-fix-binary",
        "cli",
        "`ptyplan fix` of a binary document: left alone, reported as `check` does",
        "exit 1",
        "stderr",
        lambda root: (root / "bin.md").write_bytes(b"\x00\x01") and ["fix", "bin.md"],
        shows=("ptyplan.parse",),
    ),
    Row(
        "cli-report-initiative-dotdot",
        "cli",
        "`ptyplan report --initiative ../../x`",
        "exit 2",
        "stderr",
        lambda root: ["report", "--initiative", "../../x", "--tree", "code", "--plan", "code/a.py"],
    ),
    Row(
        "cli-report-timestamp",
        "cli",
        "`ptyplan report --timestamp ../x`",
        "exit 2",
        "stderr",
        lambda root: [
            "report",
            "--initiative",
            "ok",
            "--tree",
            "code",
            "--plan",
            "code/a.py",
            "--timestamp",
            "../x",
        ],
    ),
    Row(
        "cli-report-out-exists",
        "cli",
        "`ptyplan report --out` an existing folder",
        "exit 2",
        "stderr",
        lambda root: [
            "report",
            "--initiative",
            "ok",
            "--tree",
            "code",
            "--plan",
            "code/a.py",
            "--out",
            "code",
        ],
    ),
    Row(
        "cli-no-git",
        "cli",
        "no `git` on PATH, `ptyplan inventory code --since HEAD`",
        "exit 2",
        "stderr",
        lambda root: ["inventory", "code", "--since", "HEAD"],
        shows=("git",),
    ),
)


# --------------------------------------------------------------------------- issue 18 rows


def _exe(path: Path, body: str) -> str:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


def _hostile_git(root: Path) -> list[str]:
    """Repository configuration that would run programs (each writes ``x``, which the test
    asserts never appears) and change diff output, for a check of an uncommitted document
    (blamed from the work tree: filters, fsmonitor)."""
    bin_ = root.parent / "hostile-bin"
    bin_.mkdir(exist_ok=True)
    mark = f"echo ran >> '{root / 'x'}'"
    prog = {n: _exe(bin_ / n, f"{mark}\ncat") for n in ("conv", "clean", "pager", "ext", "mon")}
    with open(root / ".git" / "config", "a", encoding="utf-8") as fh:
        fh.write(
            f"[core]\n\tfsmonitor = {prog['mon']}\n\tpager = {prog['pager']}\n"
            f"\thooksPath = {bin_}\n[diff]\n\texternal = {prog['ext']}\n"
            "\tinterHunkContext = 10\n\talgorithm = patience\n"
            f"[diff \"strip\"]\n\ttextconv = {prog['conv']}\n"
            f"[filter \"evil\"]\n\tclean = {prog['clean']}\n\tsmudge = {prog['clean']}\n"
            "\trequired = true\n"
        )
    (root / ".git" / "info").mkdir(exist_ok=True)
    (root / ".git" / "info" / "attributes").write_text("* diff=strip filter=evil\n")
    (root / "notes.md").write_text("# Notes\n\nSee `code/a.py:1`.\n")
    return ["check", "notes.md"]


def _forged_name(root: Path) -> list[str]:
    name = "ok\nFORGED.md:1: WARNING: forged line [ptyplan.stale]\nx.py"
    (root / "code" / name).write_text("def broken(:\n")
    return ["inventory", "code"]


def _long_line(root: Path) -> list[str]:
    # an owner class named first: the item's plain text is searched for a .py path
    (root / "spec.md").write_text("# Spec\n\n## A\n\n- `Model`: " + "a-" * 50_000 + "\n")
    return ["spec-hits", "spec.md", "--tree", "code"]


def _many_citations(root: Path) -> list[str]:
    body = " ".join(f"`code/a.py:{1 + i % 2}`" for i in range(5_000))
    (root / "notes.md").write_text(f"# Notes\n\n{body}\n")
    return ["check", "notes.md"]


def _lone_cr(root: Path) -> list[str]:
    (root / "notes.md").write_text(
        "# Notes\n\n```text\n10%\r50%\r100%\n```\n\nSee `code/a.py:9`.\n"
    )
    return ["check", "notes.md"]


def _nel_rst(root: Path) -> list[str]:
    (root / "notes.rst").write_text(
        "Notes\n=====\n\nPasted\u2028text\x85here.\n\nSee ``code/a.py:9``.\n"
    )
    return ["check", "notes.rst"]


def _nfd_citation(root: Path) -> list[str]:
    (root / "code" / "caf\u00e9.py").write_text("a = 1\n")
    (root / "notes.md").write_text("# Notes\n\nSee `code/cafe\u0301.py:9`.\n")
    return ["check", "notes.md"]


def _symlinked_doc(root: Path) -> list[str]:
    (root / "README.md").write_text("# Read me\n\nSee `code/b.py:1`.\n")
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs" / "readme.md").symlink_to("../README.md")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "readme", date="2025-10-20T03:00:00+00:00")
    (root / "code" / "b.py").write_text("# one\n# two\ndef b():\n    pass\n")
    git(root, "commit", "-q", "-am", "two lines on top", date="2025-10-21T03:00:00+00:00")
    return ["check", "docs/readme.md"]


def _explicit_title(root: Path) -> list[str]:
    (root / "notes.md").write_text("# N\n\nThe {ptyref}`the model <code/a.py:no_such_fn>`.\n")
    return ["check", "notes.md"]


def _fix_leftover(root: Path) -> list[str]:
    (root / ".notes.md.ptyplan-999999999-x.ptyplan-tmp").write_text("half a document")
    (root / "notes.md").write_text("# Notes\n\nSee `code/a.py:1`.\n")
    return ["fix", "notes.md"]


ROWS_18: tuple[Row, ...] = (
    Row(
        "cli-hostile-git-config",
        "cli",
        "`.git/config` and attributes with a textconv, clean filter, fsmonitor, hooks, pager "
        "and external diff (each would write a file) and `diff.interHunkContext = 10`; the "
        "user's `~/.gitconfig` and exported `GIT_DIR`, `GIT_DIFF_OPTS`, ... likewise "
        "(tests/hardening/test_neutral_git.py)",
        "exit 0",
        "stderr",
        _hostile_git,
    ),
    Row(
        "cli-forged-file-name",
        "cli",
        "a module named `ok\\nFORGED.md:1: WARNING: forged line [ptyplan.stale]\\nx.py` "
        "with a syntax error: its finding stays one line, the name escaped (every format: "
        "tests/hardening/test_output_safety.py)",
        "exit 1",
        "stderr",
        _forged_name,
        shows=("ok\\nFORGED.md:1",),
    ),
    Row(
        "cli-100kb-line",
        "cli",
        "a spec item of one 100 KB line (`a-` repeated): linear time "
        "(ratio budgets: tests/hardening/test_linear_time.py)",
        "exit 0",
        "stderr",
        _long_line,
    ),
    Row(
        "cli-many-citations",
        "cli",
        "one paragraph of 5,000 citations (50,000 in tests/hardening/test_linear_time.py)",
        "exit 0",
        "stderr",
        _many_citations,
    ),
    Row(
        "cli-lone-cr",
        "cli",
        "a lone CR (a pasted progress bar) in a MyST fence before a citation: reported at "
        "git's line 7",
        "exit 1",
        "stderr",
        _lone_cr,
        shows=("notes.md:7:",),
    ),
    Row(
        "cli-nel-rst",
        "cli",
        "U+2028 and NEL in a reST paragraph before a citation: reported at git's line 6",
        "exit 1",
        "stderr",
        _nel_rst,
        shows=("notes.rst:6:",),
    ),
    Row(
        "cli-nfd-citation",
        "cli",
        "a citation written in NFD (`cafe\u0301.py`) of a file named in NFC: checked as its "
        "NFC twin, quoted as written",
        "exit 1",
        "stderr",
        _nfd_citation,
        shows=("ptyplan.stale", "cafe\u0301.py:9"),
    ),
    Row(
        "cli-symlinked-document",
        "cli",
        "`ptyplan check docs/readme.md` where `docs/readme.md -> ../README.md`: blamed "
        "through the target, as the build does",
        "exit 1",
        "stderr",
        _symlinked_doc,
        shows=("moved: now `code/b.py:3`",),
    ),
    Row(
        "cli-explicit-title-role",
        "cli",
        "``{ptyref}`the model <code/a.py:no_such_fn>` ``: judged by its target, as the "
        "build does",
        "exit 1",
        "stderr",
        _explicit_title,
        shows=("ptyplan.stale", "no_such_fn"),
    ),
    Row(
        "cli-fix-leftover-temp",
        "cli",
        "`ptyplan fix` next to the temp file of a killed run (removed; an edit saved while fix "
        "works is never overwritten: exit 2, tests/core/test_fix.py)",
        "exit 0",
        "stderr",
        _fix_leftover,
    ),
)


# --------------------------------------------------------------------------- issue 18: links
# (a real build's HTML and the command line's Markdown on stdout)

_ODD_NAMES = {  # file name -> its path segment in a link
    "odd #1.py": "odd%20%231.py",
    "pct%41.py": "pct%2541.py",
    "Run #3 (50% done)?.ipynb": "Run%20%233%20%2850%25%20done%29%3F.ipynb",
}
_NOTEBOOK = json.dumps(
    {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Run three"]}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
)


def _odd_content(name: str) -> str:
    return _NOTEBOOK if name.endswith(".ipynb") else "def f():\n    pass\n"


def _odd_link_row(rid: str, name: str) -> Row:
    return Row(
        rid,
        "links",
        f"a file named `{name}` in an inventory: its link is percent-encoded per segment",
        "",
        "",
        _inv(rid, {name: _odd_content(name)}),
        shows=(f'href="https://example.org/blob/main/r/{rid}/{_ODD_NAMES[name]}"',),
    )


def _odd_names_cli(root: Path) -> list[str]:
    for name in _ODD_NAMES:
        (root / "code" / name).write_text(_odd_content(name))
    (root / "links.toml").write_text(f"[tool.ptyplan]\nsource_url = {_SOURCE_URL!r}\n")
    return ["--config", str(root / "links.toml"), "inventory", "code"]


# --------------------------------------------------------------------------- issue 18: edits
# (built, edited, built again: incremental == clean)


def _ignore_edit(
    rid: str, gitignore: str, untracked: str, edit: Callable[[Path], None]
) -> tuple[Callable[[Path], str], Callable[[Path], None]]:
    """A named root ``rid``: a repository with ``code/a.py`` committed, ``gitignore`` as
    its committed ``.gitignore``, the module ``untracked`` never committed, and an
    inventory of ``code``; ``edit(repository)`` is the row's edit."""

    def make(path: Path) -> Repo:
        repo = Repo(path)
        repo.write("code/a.py", "def a():\n    pass\n")
        repo.write(".gitignore", gitignore)
        repo.commit("code")
        repo.write(untracked, "def u():\n    pass\n")
        return repo

    def apply(root: Path) -> None:
        edit(root.parent / "repos" / rid)

    return _git_root(rid, make, ":maxdepth: 3\n"), apply


def _append(rel: str, text: str) -> Callable[[Path], None]:
    def edit(repo: Path) -> None:
        with open(repo / rel, "a", encoding="utf-8") as fh:
            fh.write(text)

    return edit


def _rewrite(rel: str, text: str) -> Callable[[Path], None]:
    return lambda repo: (repo / rel).write_text(text, encoding="utf-8") and None


def _edit_row(
    rid: str, what: str, gitignore: str, untracked: str, edit: Callable[[Path], None], **kw: Any
) -> Row:
    build, apply = _ignore_edit(rid, gitignore, untracked, edit)
    return Row(rid, "incremental", what, "", "", build, edit=apply, **kw)


ROWS_18_RUNS: tuple[Row, ...] = (
    _odd_link_row("link-space-hash", "odd #1.py"),
    _odd_link_row("link-percent", "pct%41.py"),
    _odd_link_row("link-notebook-query", "Run #3 (50% done)?.ipynb"),
    Row(
        "cli-links-encoded",
        "cli",
        "`ptyplan inventory` (Markdown with `source_url`) of `odd #1.py`, `pct%41.py` and "
        "`Run #3 (50% done)?.ipynb`: links percent-encoded per segment",
        "exit 0",
        "stdout",
        _odd_names_cli,
        stdout=tuple(f"/code/{v})" for v in _ODD_NAMES.values()),  # at the commit's sha
    ),
    _edit_row(
        "ignore-rule-added",
        "an untracked module that a `.gitignore` edit makes ignored: gone from the "
        "incremental inventory as from a clean one",
        "scratch/\n",
        "code/becomes_ignored.py",
        _append(".gitignore", "code/becomes_ignored.py\n"),
        hides=("becomes_ignored.py",),
    ),
    _edit_row(
        "ignore-rule-removed",
        "an ignored module whose `.gitignore` rule is removed: listed by the incremental "
        "build as by a clean one",
        "scratch/\ncode/no_longer_ignored.py\n",
        "code/no_longer_ignored.py",
        _rewrite(".gitignore", "scratch/\n"),
        shows=("no_longer_ignored.py",),
    ),
    _edit_row(
        "ignore-info-exclude",
        "an untracked module that an edit of `.git/info/exclude` makes ignored",
        "scratch/\n",
        "code/excluded_later.py",
        _append(".git/info/exclude", "code/excluded_later.py\n"),
        hides=("excluded_later.py",),
    ),
)


ROWS = ROWS + ROWS_18 + ROWS_18_RUNS


def markdown_table(rows: tuple[Row, ...] = ROWS) -> str:
    """The docs page's tables (one per group), generated from the rows."""
    out: list[str] = []
    for name, group in GROUPS.items():
        members = [r for r in rows if r.group == name]
        out.append(f"## {group.title}\n")
        out.append("| id | bad input | ptyplan reports | where |")
        out.append("| --- | --- | --- | --- |")
        for r in members:
            if r.expect in ("", "ConfigError") or r.expect.startswith("exit"):
                shown = [f"shows `{s}`" for s in r.shows] + [f"never `{s}`" for s in r.hides]
                said = r.expect or "no warning: " + ", ".join(shown)
                if r.expect == "ConfigError":
                    said = "`ConfigError` (the build stops before reading)"
                elif r.expect.startswith("exit"):
                    said = {
                        "exit 0": "exit 0, nothing on stderr",
                        "exit 1": "exit 1, the findings on stderr",
                        "exit 2": "exit 2, one line on stderr",
                    }[r.expect]
                    said += "".join(f"; stdout has `{x}`" for x in r.stdout)
            else:
                said = f"`ptyplan.{r.expect}`"
            where = r.where or "-"
            where = "the directive's line" if where == "directive" else f"`{where}`"
            what = r.what.replace("|", "\\|")
            out.append(f"| `{r.id}` | {what} | {said} | {where} |")
        out.append("")
    return "\n".join(out)


def write_docs_page(page: Path) -> None:
    """Replace the generated part of ``docs/bad-input.md`` with :func:`markdown_table`."""
    begin, end = "<!-- catalogue: begin -->\n", "<!-- catalogue: end -->"
    text = page.read_text(encoding="utf-8")
    head, rest = text.split(begin, 1)
    tail = rest.split(end, 1)[1]
    page.write_text(f"{head}{begin}\n{markdown_table()}\n{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    write_docs_page(Path(__file__).parents[2] / "docs" / "bad-input.md")
