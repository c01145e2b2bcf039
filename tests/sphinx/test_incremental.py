"""Incremental builds: re-read exactly what changed, report the same findings, -j safe.

Projects: the static roots ``tests/roots/test-incremental`` (an inventory, a ledger citing
a gone file, a plain page) and ``test-parallel`` (six such pages), copied because the tests
write; the history roots ``test-head-moves`` (``:since: HEAD``) and ``test-ignored`` (docs
inside a repository with a .gitignore)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.history import Replayed
from tests.sphinx.util import build, html, ptyplan_warnings, write

pytestmark = pytest.mark.sphinx

CopyRoot = Callable[..., Path]


def _read_docs(status: str) -> list[str]:
    m = re.search(r"(\d+) added, (\d+) changed, (\d+) removed", status)
    assert m, status
    return [m.group(1), m.group(2), m.group(3)]


def _touch_later(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_no_change_rebuild_rereads_nothing_and_repeats_the_warnings(copy_root: CopyRoot) -> None:
    src = copy_root("incremental")
    app1, first = build(src, "html")
    assert len(ptyplan_warnings(first)) == 1
    app2, second = build(src, "html")
    assert _read_docs(app2.status.getvalue()) == ["0", "0", "0"]
    assert ptyplan_warnings(second) == ptyplan_warnings(first)


def test_the_environment_keeps_no_citations_and_only_used_fingerprints(copy_root: CopyRoot) -> None:
    """A page's citations are dropped once checked (every build loads the environment);
    the stored fingerprints are exactly the keys pages depend on, each key stored once."""
    from sphinx_ptyplan.sphinx_ext.domain import domain_of

    src = copy_root("incremental")
    app, _ = build(src, "html")
    data = domain_of(app.env).data
    assert data["cites"] == {}
    used = {k for keys in data["deps"].values() for k in keys}
    assert "pkg/gone.py" in {k[1] for k in used}  # (kind, value, exclude, root)
    assert set(data["fingerprints"]) == used
    stored = {id(k) for k in data["fingerprints"]}
    assert all(id(k) in stored for k in used)  # shared objects: pickled once
    # the ledger stops citing the gone file: its fingerprint goes with the citation
    _touch_later(src / "ledger.md", "# Ledger\n\nSee `pkg/model.py:1`.\n")
    app, warnings = build(src, "html")
    assert ptyplan_warnings(warnings) == []
    data = domain_of(app.env).data
    assert "pkg/gone.py" not in {k[1] for k in data["fingerprints"]}
    assert data["cites"] == {}


def test_editing_code_rereads_only_the_pages_that_use_it(copy_root: CopyRoot) -> None:
    src = copy_root("incremental")
    build(src, "html")
    write(src, {"pkg/extra.py": "def extra():\n    pass\n"})
    app, _ = build(src, "html")
    assert _read_docs(app.status.getvalue()) == ["0", "1", "0"]
    assert "pkg/extra.py" in html(app, "inventory")
    # creating the cited file fixes the ledger: its page is re-read and the warning goes
    write(src, {"pkg/gone.py": "a = 1\nb = 2\nc = 3\n"})
    app, warnings = build(src, "html")
    assert _read_docs(app.status.getvalue())[1] == "2"  # inventory (new file) and ledger
    assert ptyplan_warnings(warnings) == []


def test_edit_that_keeps_size_and_mtime_is_still_seen(copy_root: CopyRoot) -> None:
    src = copy_root("incremental")
    build(src, "html")
    target = src / "pkg" / "model.py"
    st = target.stat()
    target.write_text("def backward(y):\n    return y\n", encoding="utf-8")  # same size
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    time.sleep(0.01)
    app, _ = build(src, "html")
    assert "backward()" in html(app, "inventory")


@pytest.mark.sphinx(testroot="head-moves")
def test_moving_head_rereads_pages_that_name_a_revision(history: Replayed) -> None:
    repo, src = history.repo, history.srcdir
    app, _ = build(src, "html")
    assert "1 new since HEAD" in html(app)
    repo.commit("two")  # HEAD moves: later.py is no longer new
    app, _ = build(src, "html")
    assert _read_docs(app.status.getvalue()) == ["0", "1", "0"]
    assert "0 new since HEAD" in html(app)


def test_parallel_build_equals_serial(copy_root: CopyRoot, tmp_path: Path) -> None:
    serial_src = copy_root("parallel", tmp_path / "serial")
    par_src = copy_root("parallel", tmp_path / "par")
    app_s, warn_s = build(serial_src, "html")
    app_p, warn_p = build(par_src, "html", parallel=2)

    def norm(text: str, root: Path) -> list[str]:
        return sorted(w.replace(str(root), "ROOT") for w in ptyplan_warnings(text))

    assert norm(warn_s, serial_src) == norm(warn_p, par_src)
    assert len(norm(warn_s, serial_src)) == 3
    for i in range(6):
        assert html(app_s, f"page{i}") == html(app_p, f"page{i}")


@pytest.mark.sphinx(testroot="ignored")
def test_no_change_rebuild_in_a_repository_ignores_outputs_and_ignored_files(
    history: Replayed,
) -> None:
    """#14: git-ignored folders and Sphinx's own output inside the root (docs/_build, not
    in .gitignore) change between builds without re-reading a page."""
    repo, src = history.repo, history.srcdir
    build(src, "html")
    write(repo.path, {"scratch/run.log": "a log a test run wrote\n", "scratch/tmp.py": "X=1\n"})
    app, _ = build(src, "html")  # wrote docs/_build/html and .doctrees again
    assert _read_docs(app.status.getvalue()) == ["0", "0", "0"]
    assert "scratch/tmp.py" not in html(app, "inventory")
    write(repo.path, {"pkg/new.py": "Y = 2\n"})  # a real change is still seen
    app, _ = build(src, "html")
    assert _read_docs(app.status.getvalue())[1] == "2"


@pytest.mark.sphinx(testroot="ignored")
@pytest.mark.parametrize("where", [".gitignore", ".git/info/exclude", "excludes-file"])
def test_an_ignore_edit_rereads_like_a_clean_build(
    history: Replayed, tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#18: an untracked module that becomes ignored leaves the incremental inventory as
    it leaves the clean one (and comes back when the rule is removed)."""
    repo, src = history.repo, history.srcdir
    if where == "excludes-file":
        home = tmp_path / "home"
        (home / ".config" / "git").mkdir(parents=True)
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
        target = home / ".config" / "git" / "ignore"
    else:
        target = repo.path / where
    original = target.read_text() if target.exists() else ""
    write(repo.path, {"pkg/untracked.py": "Z = 3\n"})
    app, _ = build(src, "html")
    assert "pkg/untracked.py" in html(app, "inventory")
    target.write_text(original + "pkg/untracked.py\n")
    app, _ = build(src, "html")
    clean, _ = build(src, "html", freshenv=True, outdir=tmp_path / "clean")
    assert "pkg/untracked.py" not in html(clean, "inventory")
    assert "pkg/untracked.py" not in html(app, "inventory")
    target.write_text(original)
    app, _ = build(src, "html")
    assert "pkg/untracked.py" in html(app, "inventory")
