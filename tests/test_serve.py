"""``ptyplan serve``: the watch list, the ignores and the sphinx-autobuild command line."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from sphinx_ptyplan import serve
from sphinx_ptyplan.cli.run import main as cli_main
from sphinx_ptyplan.core.results import Dep
from sphinx_ptyplan.serve import (
    IGNORE_REGEXES,
    ServeError,
    WatchPlan,
    autobuild_argv,
    configured_roots,
    git_dir,
    ignored_folders,
    plan_watch,
    sphinx_options,
    stored_deps,
    watch_folders,
)
from tests.gitutil import Repo

CONF = 'extensions = ["myst_parser", "sphinx_ptyplan"]\nptyplan_root = ".."\n'
CONF += 'exclude_patterns = ["_build"]\n'
PLAN = "# Plan\n\n```{ptyplan-inventory} pkg\n```\n\nThe entry point is `tools/run.py:1`.\n"


def _tree(root: Path, *rels: str) -> None:
    for rel in rels:
        p = root / rel
        if rel.endswith("/"):
            p.mkdir(parents=True, exist_ok=True)
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text("x = 1\n", encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Repo:
    """A repository holding its docs: pkg/ (inventoried), tools/ (cited), other/ (unused)."""
    repo = Repo(tmp_path / "proj")
    repo.write(".gitignore", "docs/_build/\n")
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/model.py", "def forward(x):\n    return x\n")
    repo.write("tools/run.py", "def main():\n    pass\n")
    repo.write("other/unused.py", "A = 1\n")
    repo.write("docs/conf.py", CONF)
    repo.write("docs/index.md", "# Docs\n\n```{toctree}\nplan\n```\n")
    repo.write("docs/plan.md", PLAN)
    repo.commit("docs and code")
    return repo


def _build(docs: Path, out: Path) -> None:
    """``sphinx build docs out``, as sphinx-autobuild runs it (doctrees in out/.doctrees)."""
    from sphinx.cmd.build import build_main

    assert build_main(["-q", str(docs), str(out)]) == 0


# --------------------------------------------------------------------------- watch_folders


def test_without_an_environment_every_root_is_watched_once(tmp_path: Path) -> None:
    _tree(tmp_path, "a/", "a/inner/", "b/")
    roots = {"": tmp_path / "a", "inner": tmp_path / "a" / "inner", "b": tmp_path / "b"}
    roots["gone"] = tmp_path / "missing"
    assert watch_folders(roots, None) == (tmp_path / "a", tmp_path / "b")


def test_dependency_keys_become_the_folders_that_hold_them(tmp_path: Path) -> None:
    root = tmp_path / "r"
    _tree(root, "pkg/sub/m.py", "plans/plan.md", "specs/api.md", "lib/x.py", ".git/HEAD")
    other = tmp_path / "other"
    _tree(other, "ptychodus/api.py")
    deps = [
        Dep.tree("pkg"),  # a scanned tree: the folder
        Dep.tree("pkg/sub", ("*.pyc",)),  # inside it: collapsed
        Dep.file("plans/plan.md"),  # a file: through its folder
        Dep.file("specs"),  # a "file" key naming a folder
        Dep.file("lib/gone/deleted.py"),  # vanished: the nearest existing folder
        Dep.file("../../etc/passwd"),  # outside the root: the root, never further
        Dep.rev("HEAD"),  # a revision: the git folder (HEAD and refs)
        Dep.tree("ptychodus").in_root("ext"),  # a named root
        Dep.tree("x").in_root("unknown"),  # a root no longer configured: skipped
    ]
    got = watch_folders({"": root, "ext": other}, deps)
    assert got == (
        other / "ptychodus",
        root,  # from the escaping path, which swallows the rest of this root
    )
    safe = [k for k in deps if k.value != "../../etc/passwd"]
    assert watch_folders({"": root, "ext": other}, safe) == (
        other / "ptychodus",
        root / ".git",
        root / "lib",
        root / "pkg",
        root / "plans",
        root / "specs",
    )


def test_an_empty_tree_path_is_the_whole_root(tmp_path: Path) -> None:
    _tree(tmp_path, "pkg/m.py")
    assert watch_folders({"": tmp_path}, [Dep.tree(""), Dep.tree("pkg")]) == (
        tmp_path,
    )


def test_git_dir_of_a_subfolder_root_and_of_a_linked_worktree(tmp_path: Path) -> None:
    main = Repo(tmp_path / "main")
    main.write("sub/a.py", "")
    main.commit("one")
    assert git_dir(main.path / "sub") == main.path / ".git"
    main.git("worktree", "add", "-q", str(tmp_path / "wt"))
    gd = git_dir(tmp_path / "wt")
    assert gd is not None and gd.parent == (main.path / ".git" / "worktrees").resolve()
    assert (gd / "HEAD").is_file()
    assert git_dir(tmp_path / "nowhere") is None


# --------------------------------------------------------------------------- argv, ignores


def _plan(tmp_path: Path, watch: tuple[Path, ...]) -> WatchPlan:
    docs = tmp_path / "docs"
    return WatchPlan(
        sourcedir=docs,
        outdir=docs / "_build" / "html",
        doctreedir=tmp_path / "doctrees",
        roots={"": tmp_path},
        watch=watch,
        ignore=(tmp_path / "doctrees", docs / "_build" / "html"),
        origin="environment",
    )


def test_argv_is_what_sphinx_autobuild_parses(tmp_path: Path) -> None:
    from sphinx_autobuild.__main__ import _parse_args  # its own parsing, not a copy of it

    docs = tmp_path / "docs"
    _tree(tmp_path, "docs/conf.py", "pkg/", "docs/_ext/")
    plan = _plan(tmp_path, (docs / "_ext", tmp_path / "pkg"))
    extra = ["--port", "0", "--watch", "/elsewhere", "-W", "--keep-going", "-D", "x=1"]
    argv = autobuild_argv(plan, extra)
    assert argv[:2] == [str(docs), str(docs / "_build" / "html")]
    assert argv[-len(extra) :] == extra
    args, build_args = _parse_args(argv)
    # folders inside the docs are watched by sphinx-autobuild already
    assert args.additional_watched_dirs == [str(tmp_path / "pkg"), "/elsewhere"]
    assert args.ignore == [str(tmp_path / "doctrees"), str(docs / "_build" / "html")]
    assert args.re_ignore == list(IGNORE_REGEXES)
    assert args.port == 0
    # only the docs, the output and the Sphinx options reach sphinx-build
    assert build_args == [
        str(docs),
        str(docs / "_build" / "html"),
        "-W",
        "--keep-going",
        "-D",
        "x=1",
    ]


def test_the_ignores_stop_rebuild_loops_but_keep_code_and_commits(tmp_path: Path) -> None:
    from sphinx_autobuild.filter import IgnoreFilter

    root = tmp_path
    docs = root / "docs"
    plan = _plan(root, (root,))
    argv = autobuild_argv(plan)
    ignore = [argv[i + 1] for i, a in enumerate(argv) if a == "--ignore"]
    regexes = [argv[i + 1] for i, a in enumerate(argv) if a == "--re-ignore"]
    ignored = IgnoreFilter(ignore, regexes)  # exactly as sphinx-autobuild builds it
    for path in (
        docs / "_build/html/plan.html",
        docs / "_build/html/.doctrees/environment.pickle",
        root / "doctrees/ptyplan-parse-cache.pickle",
        root / "elsewhere/ptyplan-parse-cache-self.pickle",
        root / ".git/index",
        root / ".git/index.lock",
        root / ".git/objects/ab/cdef0123",
        root / ".git/logs/HEAD",
        root / ".git/refs/heads/main.lock",
        root / ".git/ORIG_HEAD",
        root / "pkg/__pycache__/model.cpython-311.pyc",
        root / "pkg/__pycache__",
        root / "pkg/.mypy_cache/3.11/x.json",
        root / "docs/_ext/ext.pyc",
        root / "pkg/.model.py.swp",
        root / "pkg/model.py~",
        root / "pkg/.#model.py",
        root / "node_modules/x/index.js",
    ):
        assert ignored(str(path)), path
    for path in (
        root / "pkg/model.py",
        root / "pkg/new_module.py",
        root / "plans/plan.md",
        docs / "plan.md",
        docs / "conf.py",
        root / ".git/HEAD",  # a checkout or commit moves HEAD: revision keys change
        root / ".git/refs/heads/main",
        root / ".git/refs/tags/v1",
        root / ".git/packed-refs",
        root / ".git/worktrees/wt/HEAD",
        root / "pkg/gitstuff.py",
        root / "pkg/pycache_tools.py",
    ):
        assert not ignored(str(path)), path


def test_git_ignored_folders_are_ignored_except_what_the_docs_use(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.write(".gitignore", "outputs/\ndocs/_build/\ndata/\npkg/scratch/\n*.log\n")
    repo.write("pkg/model.py", "A = 1\n")
    repo.write("docs/index.md", "# Docs\n")
    repo.commit("code")
    root = repo.path
    _tree(
        root,
        "outputs/run1/ckpt.bin",  # a training run writing next to the code
        "docs/_build/html/index.html",  # the output
        "docs/_build/example/ptycho/model.py",  # a root the docs document (nested repo)
        "docs/_build/example/ptycho/sub/",
        "data/plans/plan.md",  # git-ignored, yet a plan the docs read
        "data/raw/big.npz",
        "pkg/scratch/tmp.py",
        "pkg/sub/x.py",
        "pkg/node_modules/m/",  # a cache folder: IGNORE_REGEXES, not listed
        "run.log/",  # a folder matching a file pattern is ignored too
    )
    keep = [root / "docs", root, root / "docs/_build/example", root / "data/plans"]
    got = ignored_folders([root], keep)
    assert sorted(got) == sorted(
        [
            root / "outputs",
            root / "docs/_build/html",
            root / "data/raw",
            root / "pkg/scratch",
            root / "run.log",
        ]
    )
    assert ignored_folders([root / ".git", tmp_path / "missing"], keep) == ()
    outside = tmp_path / "plain"  # not in a work tree: nothing to ask git
    _tree(outside, "build/")
    assert ignored_folders([outside], []) == ()


def test_sphinx_options_that_move_the_config_or_the_environment() -> None:
    extra = ["--port", "8001", "-c", "conf", "-d", "/tmp/dt", "-D", "ptyplan_root=src", "-W"]
    assert sphinx_options(extra) == ("conf", "/tmp/dt", {"ptyplan_root": "src"})
    long = ["--conf-dir=cdir", "--doctree-dir", "dt", "--define", "a=b", "-Dc=d"]
    assert sphinx_options(long) == ("cdir", "dt", {"a": "b", "c": "d"})
    assert sphinx_options(["--open-browser"]) == (None, None, {})


# --------------------------------------------------------------------------- configuration


def test_roots_are_read_from_conf_py_like_the_extension_does(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    _tree(repo.path, "docs/", "code/", "second/")
    conf = repo.path / "docs" / "conf.py"
    conf.write_text("extensions = []\n", encoding="utf-8")
    assert configured_roots(conf.parent) == {"": repo.path}  # default: the work tree
    conf.write_text(
        'ptyplan_root = "../code"\nptyplan_roots = {"two": "../second"}\n', encoding="utf-8"
    )
    assert configured_roots(conf.parent) == {
        "": repo.path / "code",
        "two": repo.path / "second",
    }
    over = configured_roots(conf.parent, {"ptyplan_root": "../second"})
    assert over[""] == repo.path / "second"
    conf.write_text('ptyplan_root = "../nope"\n', encoding="utf-8")
    with pytest.raises(ServeError, match="nope"):
        configured_roots(conf.parent)
    conf.write_text("raise RuntimeError('broken conf')\n", encoding="utf-8")
    with pytest.raises(ServeError, match="broken conf"):
        configured_roots(conf.parent)


def test_after_a_build_only_what_the_docs_used_is_watched(project: Repo) -> None:
    root = project.path
    docs, out = root / "docs", root / "docs" / "_build" / "html"
    before = plan_watch(docs, out)
    assert before.origin == "roots" and before.watch == (root,)
    assert before.ignore == (out,)  # the doctrees (out/.doctrees) are inside it
    _build(docs, out)
    assert plan_watch(docs, out).ignore == (docs / "_build",)  # now there: git-ignored
    deps = stored_deps(out / ".doctrees")
    assert deps is not None and Dep.tree("pkg") in deps
    after = plan_watch(docs, out)
    assert after.origin == "environment"
    # the inventoried tree, the cited file's folder, the plan's folder (drift: blame of the
    # page) and .git (HEAD for drift); not other/, which no page uses
    assert after.watch == (root / ".git", docs, root / "pkg", root / "tools")
    argv = autobuild_argv(after)
    assert str(docs) not in argv[2:]  # the docs are sphinx-autobuild's own watch
    every = plan_watch(docs, out, all_roots=True)
    assert every.origin == "all-roots" and every.watch == (root,)


def test_an_unreadable_environment_falls_back_to_the_roots(project: Repo) -> None:
    root = project.path
    docs, out = root / "docs", root / "docs" / "_build" / "html"
    (out / ".doctrees").mkdir(parents=True)
    (out / ".doctrees" / "environment.pickle").write_bytes(b"not a pickle")
    assert plan_watch(docs, out).origin == "roots"
    (out / ".doctrees" / "environment.pickle").write_bytes(pickle.dumps({"no": "env"}))
    assert plan_watch(docs, out).watch == (root,)


def test_a_separate_doctree_folder_is_read_and_ignored(project: Repo, tmp_path: Path) -> None:
    from sphinx.cmd.build import build_main

    root = project.path
    docs, out, dt = root / "docs", tmp_path / "html", tmp_path / "dt"
    assert build_main(["-q", "-d", str(dt), str(docs), str(out)]) == 0
    plan = plan_watch(docs, out, doctreedir=dt)
    assert plan.origin == "environment" and root / "pkg" in plan.watch
    assert plan.ignore == (dt, out)  # both outside the project


# --------------------------------------------------------------------------- main


def test_dry_run_prints_the_command_and_the_watch_list(
    project: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project.path)
    assert cli_main(["serve", "--dry-run", "--", "--port", "9"]) == 0
    out, err = capsys.readouterr()
    docs = project.path / "docs"
    assert out.startswith(f"sphinx-autobuild {docs} {docs / '_build' / 'html'} --watch ")
    assert out.rstrip().endswith("--port 9")
    assert "from the configured roots" in err and f"\n  {project.path}\n" in err


def test_main_hands_the_command_to_sphinx_autobuild(
    project: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sphinx_autobuild.__main__ as autobuild

    seen: list[list[str]] = []
    monkeypatch.setattr(autobuild, "main", lambda argv: seen.append(list(argv)))
    docs = project.path / "docs"
    out = project.path / "site"
    assert serve.main([str(docs), str(out), "--", "--host", "127.0.0.1", "-j", "2"]) == 0
    plan = plan_watch(docs, out)
    assert seen == [autobuild_argv(plan, ["--host", "127.0.0.1", "-j", "2"])]


def test_usage_errors_exit_2(project: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert serve.main([str(project.path / "nodocs")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert serve.main(["--port", "8000"]) == 2  # autobuild options go after '--'
    assert "unrecognized arguments: --port" in capsys.readouterr().err
    (project.path / "docs" / "conf.py").write_text("ptyplan_root = 3\n", encoding="utf-8")
    assert serve.main([str(project.path / "docs")]) == 2
    assert "must be a string" in capsys.readouterr().err


def test_serve_help_does_not_import_sphinx() -> None:
    code = (
        "import sys\n"
        "from sphinx_ptyplan.cli import main\n"
        "try:\n"
        "    main(['serve', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "leaked = sorted(m for m in sys.modules if m == 'sphinx' or m.startswith('sphinx.'))\n"
        "assert not leaked, leaked\n"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "ptyplan serve" in done.stdout and "--all-roots" in done.stdout


def test_ptyplan_watch_adds_inputs_no_directive_names(tmp_path: Path) -> None:
    """conf.py replays snapshots into the root (the shipped example): they are watched too,
    and a git-ignored folder named there is never ignored."""
    repo = Repo(tmp_path / "r")
    _tree(repo.path, "docs/", "code/", "snapshots/one/")
    (repo.path / ".gitignore").write_text("snapshots/\n", encoding="utf-8")
    conf = repo.path / "docs" / "conf.py"
    conf.write_text(
        'ptyplan_root = "../code"\nptyplan_watch = ["../snapshots", "conf.py"]\n',
        encoding="utf-8",
    )
    plan = plan_watch(repo.path / "docs", repo.path / "docs" / "_build" / "html")
    assert repo.path / "snapshots" in plan.watch
    assert not any(p == repo.path / "snapshots" for p in plan.ignore)
    conf.write_text('ptyplan_watch = ["../missing"]\n', encoding="utf-8")
    with pytest.raises(ServeError, match="missing"):
        plan_watch(repo.path / "docs", repo.path / "docs" / "_build" / "html")
    conf.write_text('ptyplan_watch = "../snapshots"\n', encoding="utf-8")
    with pytest.raises(ServeError, match="must be a list"):
        plan_watch(repo.path / "docs", repo.path / "docs" / "_build" / "html")
