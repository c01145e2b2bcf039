"""Neutral git: no configuration (repository, user, system, environment) can make a git
process of ours run a program or change what it prints, so verdicts stay the same."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sphinx_ptyplan.cli import main
from sphinx_ptyplan.core.sources.gitrepo import GitRepo, revision_fingerprints
from tests.gitutil import Repo

BODY_V1 = "".join(f"x{i} = {i}\n" + ("\n" if i % 4 == 0 else "") for i in range(1, 31))


def _history(path: Path) -> Repo:
    """Citations that moved by two lines, one that changed, near each other (hunks that
    ``diff.interHunkContext`` would merge) and in a file with blank lines (which a textconv
    that strips them would shift)."""
    r = Repo(path)
    r.write("pkg/__init__.py", "")
    r.write("pkg/b.py", BODY_V1)
    r.write("pkg/c.py", BODY_V1)
    r.commit("code")
    r.write(
        "notes.md",
        "# Notes\n\n- `pkg/b.py:2` and `pkg/b.py:9`\n- `pkg/b.py:20` and `pkg/c.py:30`\n",
    )
    r.commit("notes")
    lines = BODY_V1.splitlines(keepends=True)
    lines[12] = "x11 = 'eleven'\n"  # one changed line between the citations
    r.write("pkg/b.py", "# header\n# header\n" + "".join(lines))
    r.write("pkg/c.py", "# one more\n" + BODY_V1)
    r.commit("edit code")
    return r


def _script(path: Path, marker: Path, body: str = "cat") -> str:
    path.write_text(f"#!/bin/sh\necho \"$0 $*\" >> '{marker}'\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


HOSTILE_CONFIG = """
[core]
    fsmonitor = {fsmonitor}
    hooksPath = {hooks}
    pager = {pager}
    quotePath = false
    abbrev = 20
    attributesFile = {attributes}
    bigFileThreshold = 10
[diff]
    external = {external}
    interHunkContext = 10
    context = 20
    algorithm = patience
    renames = false
    noprefix = true
    mnemonicPrefix = true
    indentHeuristic = false
[diff "strip"]
    textconv = {textconv}
    binary = true
[filter "evil"]
    clean = {clean}
    smudge = {clean}
    required = true
[blame]
    markUnblamableLines = true
    ignoreRevsFile = {ignore_revs}
[log]
    showSignature = true
[gpg]
    program = {gpg}
[color]
    ui = always
[pager]
    blame = {pager}
    diff = {pager}
    log = {pager}
"""


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Repo, Path, dict[str, str], str]:
    repo = _history(tmp_path / "r")
    markers = tmp_path / "markers"
    markers.mkdir()
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for hook in ("post-index-change", "reference-transaction", "post-checkout"):
        _script(hooks / hook, markers / "hook")
    strip = "grep -v '^$' \"$1\""  # the textconv that made drifts disappear
    values = {
        "fsmonitor": _script(bin_ / "fsmonitor", markers / "fsmonitor", "exit 0"),
        "hooks": str(hooks),
        "pager": _script(bin_ / "pager", markers / "pager"),
        "external": _script(bin_ / "external", markers / "external", "exit 0"),
        "textconv": _script(bin_ / "textconv", markers / "textconv", strip),
        "clean": _script(bin_ / "clean", markers / "clean", "grep -v '^$'"),
        "gpg": _script(bin_ / "gpg", markers / "gpg", "exit 1"),
        "attributes": str(tmp_path / "global-attributes"),
        "ignore_revs": str(tmp_path / "ignore-revs"),
    }
    (tmp_path / "global-attributes").write_text("* diff=strip filter=evil\n")
    (tmp_path / "ignore-revs").write_text(repo.git("rev-parse", "HEAD") + "\n")
    baseline = _verdicts(repo.path)
    config = HOSTILE_CONFIG.format(**values)
    with (repo.path / ".git" / "config").open("a") as fh:
        fh.write(config)
    (repo.path / ".git" / "info").mkdir(exist_ok=True)
    (repo.path / ".git" / "info" / "attributes").write_text("* diff=strip filter=evil\n")
    home = tmp_path / "home"
    (home / ".config" / "git").mkdir(parents=True)
    (home / ".gitconfig").write_text(config)
    (home / ".config" / "git" / "config").write_text(config)
    (home / ".config" / "git" / "attributes").write_text("* diff=strip filter=evil\n")
    other = Repo(tmp_path / "other")
    other.write("x.txt", "other\n")
    other.commit("other")
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_DIR": str(other.path / ".git"),
        "GIT_WORK_TREE": str(other.path),
        "GIT_INDEX_FILE": str(other.path / ".git" / "index"),
        "GIT_OBJECT_DIRECTORY": str(other.path / ".git" / "objects"),
        "GIT_COMMON_DIR": str(other.path / ".git"),
        "GIT_CEILING_DIRECTORIES": str(repo.path),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "0",
        "GIT_CONFIG_PARAMETERS": "'diff.interhunkcontext'='10' 'core.fsmonitor'='"
        + values["fsmonitor"]
        + "'",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "diff.external",
        "GIT_CONFIG_VALUE_0": values["external"],
        "GIT_EXTERNAL_DIFF": values["external"],
        "GIT_DIFF_OPTS": "--unified=10",
        "GIT_PAGER": values["pager"],
        "PAGER": values["pager"],
        "GIT_TRACE": str(markers / "trace"),
        "GIT_TRACE2": str(markers / "trace2"),
        "GIT_TRACE2_EVENT": str(markers / "trace2-event"),
        "GIT_TRACE_PERFORMANCE": str(markers / "trace-perf"),
        "GIT_TEST_FSMONITOR": values["fsmonitor"],
        "GIT_ICASE_PATHSPECS": "1",
        "GIT_GLOB_PATHSPECS": "1",
        "GIT_NAMESPACE": "elsewhere",
        "GIT_REPLACE_REF_BASE": "refs/evil/",
        "GIT_SHALLOW_FILE": str(tmp_path / "shallow"),
        "GIT_GRAFT_FILE": str(tmp_path / "grafts"),
        "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(other.path / ".git" / "objects"),
        "GIT_ATTR_NOSYSTEM": "0",
    }
    return repo, markers, env, baseline


def _verdicts(root: Path) -> str:
    """What `ptyplan check` says about the notes, plus what the git module answers."""
    import contextlib
    import io

    err = io.StringIO()
    cwd = Path.cwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["check", "notes.md"])
    finally:
        os.chdir(cwd)
    with GitRepo.open(root) as g:
        changes = g.changes("HEAD~1", None)
        blame = g.blame("pkg/b.py")
        lm = g.line_map("HEAD~1", "pkg/b.py")
        stories = g.path_stories(["pkg/b.py", "gone.py"])
    fps = revision_fingerprints(root, ["HEAD", "HEAD~1", "main"])
    return "\n".join(
        [f"exit {code}", err.getvalue(), repr(changes), repr(blame), repr(lm.hunks)]
        + [repr(stories), repr(fps)]
    )


def test_hostile_configuration_and_environment_change_nothing(
    hostile: tuple[Repo, Path, dict[str, str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, markers, env, baseline = hostile
    assert "moved: now `pkg/b.py:4`" in baseline and "pkg/c.py:31" in baseline
    assert "changed since" not in baseline.split("exit")[1].split("\n")[0]
    # the working tree has an edit too, so git compares work-tree content (filters, fsmonitor)
    (repo.path / "pkg" / "c.py").write_text("# one more\n# and another\n" + BODY_V1)
    (repo.path / "notes.md").write_text(
        (repo.path / "notes.md").read_text() + "- `pkg/c.py:30` again\n"
    )
    clean = _verdicts(repo.path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    hostile_verdicts = _verdicts(repo.path)
    assert sorted(p.name for p in markers.iterdir()) == []
    assert hostile_verdicts == clean


def test_git_processes_get_the_neutral_prefix_and_no_inherited_variables(
    hostile: tuple[Repo, Path, dict[str, str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    repo, _markers, env, _baseline = hostile
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    seen: list[tuple[list[str], dict[str, str]]] = []
    real_init = subprocess.Popen.__init__

    def init(self: subprocess.Popen[bytes], args: object, *a: object, **kw: object) -> None:
        seen.append(([str(x) for x in args], dict(kw.get("env") or {})))  # type: ignore[call-overload]
        real_init(self, args, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(subprocess.Popen, "__init__", init)
    _verdicts(repo.path)
    assert len(seen) >= 8
    for args, penv in seen:
        if args[1:3] == ["config", "-z"]:
            continue  # the one listing of the user's configuration (reads files only)
        assert "core.fsmonitor=false" in args and "diff.interHunkContext=0" in args, args
        assert penv["GIT_CONFIG_GLOBAL"] == os.devnull and penv["GIT_CONFIG_NOSYSTEM"] == "1"
        for key in ("GIT_TRACE", "GIT_DIFF_OPTS", "GIT_EXTERNAL_DIFF", "GIT_CONFIG_PARAMETERS"):
            assert penv.get(key, "") == "", (key, args)
        if "GIT_DIR" in penv:
            assert Path(penv["GIT_DIR"]).resolve() == (repo.path / ".git").resolve()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs chown")
def test_the_users_safe_directory_is_honoured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Global and system configuration are not read, except the folders the user trusts
    (a CI checkout owned by another user is trusted with a global safe.directory)."""
    import shutil

    repo = _history(tmp_path / "r")
    for folder, _dirs, files in os.walk(repo.path):
        for name in [folder, *(os.path.join(folder, f) for f in files)]:
            os.chown(name, 65534, 65534, follow_symlinks=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    with pytest.raises(Exception) as err:
        GitRepo.open(repo.path)
    assert "dubious ownership" in str(err.value) and "safe.directory" in str(err.value)
    (home / ".gitconfig").write_text(f"[safe]\n\tdirectory = {repo.path}\n")
    with GitRepo.open(repo.path) as g:
        assert g.changes("HEAD~1", "HEAD")[0].path == "pkg/b.py"
    assert revision_fingerprints(repo.path, ["HEAD"])[0] is not None
    shutil.rmtree(repo.path)
