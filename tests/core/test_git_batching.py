"""The batched git reads of a corpus-sized check give exactly the per-item answers (issue 16):
HEAD's listing for ``in_head``, the folders' log for ``doc_single_commits`` and blames run
ahead in a helper thread (``start_blame``), each compared with the plain way on real
repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphinx_ptyplan.core.sources.gitrepo import GitRepo
from tests.gitutil import Repo

# ------------------------------------------------------------------ in_head from a listing


def _history_repo(path: Path) -> Repo:
    r = Repo(path)
    r.write("pkg/a.py", "A = 1\n")
    r.write("pkg/sub/b.py", "B = 1\n")
    r.write("docs/plan.md", "# Plan\n")
    r.write("odd name/ü.py", "U = 1\n")
    r.commit("first")
    r.remove("pkg/a.py")  # deleted in the working tree only: still in HEAD
    r.write("pkg/new.py", "N = 1\n")  # not committed: not in HEAD
    return r


_ASKED = [
    "pkg/a.py",
    "pkg/sub/b.py",
    "pkg/sub",
    "pkg/sub/",
    "pkg",
    "pkg/new.py",
    "pkg/never.py",
    "never/x.py",
    "odd name/ü.py",
    "odd name",
    "./pkg/a.py",
    "pkg//sub/b.py",
    "pkg/a.py/x",
    "",
    "../outside.py",
    "docs/plan.md",
    "PKG/a.py",
]


@pytest.mark.parametrize("sub", ["", "pkg"])
def test_in_head_from_the_listing_is_cat_files_answer(tmp_path: Path, sub: str) -> None:
    r = _history_repo(tmp_path / "r")
    root = r.path / sub if sub else r.path
    asked = [p.removeprefix("pkg/") if sub else p for p in _ASKED]
    with GitRepo.open(root) as plain:
        expected = plain.in_head(asked)  # outside a run: one cat-file request per path
        assert plain._head_paths is None
    with GitRepo.open(root) as listed:
        listed.HEAD_LISTING_AFTER = 0
        with listed.one_run():
            got = listed.in_head(asked)
            assert listed._head_paths is not None and listed._head_paths[1]
            assert listed.in_head(asked) == got  # answered from the run's listing again
        assert listed._head_paths is None  # forgotten after the run
    assert got == expected
    assert ("a.py" if sub else "pkg/a.py") in got
    assert not any("never" in p or "new.py" in p for p in got)


def test_in_head_reads_the_listing_only_after_many_paths(tmp_path: Path) -> None:
    r = _history_repo(tmp_path / "r")
    with GitRepo.open(r.path) as g, g.one_run():
        g.HEAD_LISTING_AFTER = 5
        assert g.in_head(["pkg/a.py", "pkg/x.py"]) == {"pkg/a.py"}
        assert g._head_paths is None  # two paths asked: cat-file answered them
        assert g.in_head(["pkg/y.py", "pkg/z.py", "pkg/sub/b.py"]) == {"pkg/sub/b.py"}
        assert g._head_paths is not None  # five paths asked: HEAD was listed


# ------------------------------------------------------------------ doc_single_commits


def _single_both_ways(path: Path, docs: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    with GitRepo.open(path) as plain:
        plain.FOLDER_LOG_AFTER = 10**9  # the log of each document
        expected = plain.doc_single_commits(docs)
    with GitRepo.open(path) as folders:
        folders.FOLDER_LOG_AFTER = 0  # the log of their folders, when that is the same
        got = folders.doc_single_commits(docs)
    return expected, got


def test_single_commit_documents_from_the_folders_log(tmp_path: Path) -> None:
    """Documents of one commit, edited, committed twice, renamed (from a name that is no
    document any more), moved in from another folder, at the top, uncommitted: the
    folders' log gives the answer of the per-document log."""
    r = Repo(tmp_path / "r")
    r.write("README.md", "# top\n")
    r.write("docs/a.md", "# A\n\nline\n")
    r.write("docs/b.md", "# B\n")
    r.write("docs/plans/p1.md", "# P1\n" + "text\n" * 20)
    r.write("notes/moved.md", "# moved\n" + "words\n" * 20)
    r.write("code/x.py", "X = 1\n")
    r.commit("first")
    r.write("docs/b.md", "# B\n\nmore\n")
    r.move("docs/plans/p1.md", "docs/plans/p1-renamed.md")
    r.move("notes/moved.md", "docs/moved.md")
    r.write("code/x.py", "X = 2\n")
    r.commit("second")
    r.write("docs/c.md", "# C\n")
    r.commit("third")
    r.write("docs/c.md", "# C edited, not committed\n")
    r.write("docs/new.md", "# not committed\n")
    docs = [
        "README.md",
        "docs/a.md",
        "docs/b.md",
        "docs/c.md",
        "docs/new.md",
        "docs/moved.md",
        "docs/plans/p1-renamed.md",
    ]
    expected, got = _single_both_ways(r.path, docs)
    assert got == expected
    assert set(got) == {"README.md", "docs/a.md", "docs/moved.md", "docs/plans/p1-renamed.md"}


def test_a_deleted_document_reads_the_per_document_log(tmp_path: Path) -> None:
    """``a.md`` renamed to ``b.md``, then a new ``a.md``: with both asked, ``-M`` pairs the
    rename and ``b.md`` is not of one commit; a log without renames would say it is."""
    r = Repo(tmp_path / "r")
    r.write("docs/a.md", "# A\n" + "same text\n" * 20)
    r.commit("first")
    r.move("docs/a.md", "docs/b.md")
    r.commit("rename")
    r.write("docs/a.md", "# A again\n")
    r.commit("again")
    expected, got = _single_both_ways(r.path, ["docs/a.md", "docs/b.md"])
    assert got == expected
    assert "docs/b.md" not in got
    with GitRepo.open(r.path) as g:
        assert g._touched_by_folder(g.head() or "", ["docs/a.md", "docs/b.md"]) is None


def test_a_history_with_merges_reads_the_per_document_log(tmp_path: Path) -> None:
    """A side branch changed ``a.md`` and ``conf.py`` (no document), the merge kept main's
    ``a.md``: the documents' log simplifies the merge to main (the same documents as
    there) and ``a.md`` is of one commit; the folder's log walks the side branch too (the
    merge brought ``conf.py``) and would see ``a.md`` changed there."""
    r = Repo(tmp_path / "r")
    r.write("docs/a.md", "# A\n")
    r.write("docs/b.md", "# B\n")
    first = r.commit("first")
    r.git("checkout", "-q", "-b", "side")
    r.write("docs/a.md", "# A on the side\n")
    r.write("docs/conf.py", "project = 'x'\n")
    r.commit("side")
    r.git("checkout", "-q", "main")
    r.write("docs/b.md", "# B on main\n")
    r.commit("main")
    r.git("merge", "-q", "--no-ff", "--no-commit", "side")
    r.git("checkout", "main", "--", "docs/a.md")  # the merge keeps main's a.md
    r.commit("merge")
    docs = ["docs/a.md", "docs/b.md"]
    expected, got = _single_both_ways(r.path, docs)
    assert got == expected == {"docs/a.md": first}
    with GitRepo.open(r.path) as g:
        g.FOLDER_LOG_AFTER = 0
        assert g._touched_by_folder(g.head() or "", docs) is None
        real = g._run
        g._run = lambda cmd, *a: b"" if cmd == "rev_list" else real(cmd, *a)  # type: ignore[method-assign]
        assert "docs/a.md" not in g.doc_single_commits(docs)  # why merges are refused


def test_single_commits_of_a_root_below_the_top(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    r.write("site/docs/a.md", "# A\n")
    r.write("site/index.md", "# index\n")
    r.write("elsewhere/a.md", "# not ours\n")
    first = r.commit("first")
    r.write("site/docs/b.md", "# B\n")
    r.write("elsewhere/a.md", "# changed\n")
    r.commit("second")
    r.write("site/index.md", "# index, edited\n")
    r.commit("third")
    with GitRepo.open(r.path / "site") as g:
        g.FOLDER_LOG_AFTER = 0
        got = g.doc_single_commits(["docs/a.md", "docs/b.md", "index.md"])
    expected, _ = _single_both_ways(r.path / "site", ["docs/a.md", "docs/b.md", "index.md"])
    assert got == expected
    assert got["docs/a.md"] == first and "index.md" not in got


# ------------------------------------------------------------------ blames started ahead


def _blame_repo(path: Path) -> Repo:
    r = Repo(path)
    r.write("docs/plan.md", "".join(f"line {i}\n" for i in range(1, 11)))
    r.commit("first")
    text = (r.path / "docs/plan.md").read_text()
    r.write("docs/plan.md", text.replace("line 3\n", "line three\n") + "line 11\n")
    r.commit("second")
    r.move("docs/plan.md", "docs/plan-renamed.md")
    r.commit("rename")
    text = (r.path / "docs/plan-renamed.md").read_text()
    r.write("docs/plan-renamed.md", text.replace("line 5\n", "line five\n") + "line 12\n")
    r.commit("fourth")
    text = (r.path / "docs/plan-renamed.md").read_text()
    r.write("docs/plan-renamed.md", text.replace("line 7\n", "line 7, not committed\n"))
    r.write("docs/untracked.md", "a\nb\n")
    return r


#: lines blamed (the whole file last: once known, it answers every later request)
_LINE_SETS: list[tuple[int, ...]] = [(1,), (3, 4, 5), (7,), (11, 12), (2, 7, 12), (99,), ()]


@pytest.mark.parametrize("doc", ["docs/plan-renamed.md", "docs/untracked.md", "docs/absent.md"])
def test_started_blames_are_the_blames_git_gives(tmp_path: Path, doc: str) -> None:
    """Renames, several commits, uncommitted lines, an untracked file (git fails: the
    failure is handled as without starting), a missing one: every answer is the one of
    ``git blame`` run when asked."""
    r = _blame_repo(tmp_path / "r")
    with GitRepo.open(r.path) as plain:
        expected = [plain.blame(doc, lines) for lines in _LINE_SETS]
        again = [plain.blame(doc, lines) for lines in _LINE_SETS]  # the whole file known
    with GitRepo.open(r.path) as ahead:
        for lines in _LINE_SETS:
            ahead.start_blame(doc, lines)
        got = [ahead.blame(doc, lines) for lines in _LINE_SETS]
        assert ahead._started_blames == {}  # every blame started was taken
        assert [ahead.blame(doc, lines) for lines in _LINE_SETS] == again
    assert got == expected
    if doc == "docs/plan-renamed.md":
        whole = expected[-1]
        assert len(set(whole)) == 4 and whole[6] is None  # three commits and uncommitted


def test_a_started_blame_is_not_used_for_other_content(tmp_path: Path) -> None:
    """Started, then the document changed: the blame asked later is of the new content."""
    r = _blame_repo(tmp_path / "r")
    doc = r.path / "docs/plan-renamed.md"
    with GitRepo.open(r.path) as g:
        g.start_blame("docs/plan-renamed.md", (7,))
        doc.write_text(doc.read_text().replace("line 7, not committed\n", "line 7\n"))
        got = g.blame("docs/plan-renamed.md", (7,))
    with GitRepo.open(r.path) as plain:
        assert got == plain.blame("docs/plan-renamed.md", (7,))
    assert got[6] is not None  # line 7 is the first commit's again


# ------------------------------------------------------------------ line maps asked twice


def test_line_maps_asked_again_read_the_working_tree_once_per_run(tmp_path: Path) -> None:
    """The second ``line_maps`` of a commit (each document asks again after the prefetch)
    answers as a fresh repository would; after ``refresh`` an edited file is read again."""
    r = Repo(tmp_path / "r")
    r.write("pkg/a.py", "".join(f"a{i}\n" for i in range(10)))
    r.write("pkg/b.py", "b\n")
    r.write("pkg/gone.py", "g\n")
    sha = r.commit("first")
    r.write("pkg/a.py", "new\n" + "".join(f"a{i}\n" for i in range(10)))
    r.move("pkg/b.py", "pkg/b2.py")
    r.remove("pkg/gone.py")
    paths = ["pkg/a.py", "pkg/b.py", "pkg/gone.py", "pkg/never.py"]
    with GitRepo.open(r.path) as g:
        first = g.line_maps(sha, paths)
        again = g.line_maps(sha, paths)
        assert again == first
        r.write("pkg/a.py", "".join(f"a{i}\n" for i in range(10)))  # the edit undone
        assert g.line_maps(sha, paths) == first  # the same run: the tree as first read
        g.refresh()
        after = g.line_maps(sha, paths)
    with GitRepo.open(r.path) as fresh:
        assert after == fresh.line_maps(sha, paths)
    assert first["pkg/a.py"].map(1) == 2 and after["pkg/a.py"].map(1) == 1
    assert first["pkg/b.py"].new_path == "pkg/b2.py" and first["pkg/gone.py"].new_path is None


# ------------------------------------------------------------------ existed before, at once


def test_prefetched_existence_is_what_each_commit_says(tmp_path: Path) -> None:
    """Files there before a commit, added by it, renamed by it, never there; the root
    commit (no parent): one ``--batch-check`` for all gives the per-commit answers."""
    r = Repo(tmp_path / "r")
    r.write("pkg/a.py", "a\n")
    r.write("pkg/old.py", "".join(f"line {i}\n" for i in range(20)))
    root = r.commit("first")
    r.write("pkg/b.py", "b\n")
    r.move("pkg/old.py", "pkg/new.py")
    second = r.commit("second")
    asked = ["pkg/a.py", "pkg/b.py", "pkg/old.py", "pkg/new.py", "pkg/never.py", "pkg"]
    asked.append("./pkg/a.py")
    pairs = [(sha, p) for sha in (root, second) for p in asked]
    with GitRepo.open(r.path) as plain:
        expected = {sha: plain.existed_before_many(sha, asked) for sha in (root, second)}
    with GitRepo.open(r.path) as batched:
        batched.prefetch_existed(pairs)
        batched._cat.requests = None  # type: ignore[assignment,method-assign]  # not asked again
        got = {sha: batched.existed_before_many(sha, asked) for sha in (root, second)}
    assert got == expected
    assert expected[root] == frozenset()
    assert expected[second] == {"pkg/a.py", "pkg/old.py", "pkg", "./pkg/a.py"}


# ------------------------------------------------------------------ ignore rules, at once


def test_ignored_paths_asked_ahead_tell_the_same_stories(tmp_path: Path) -> None:
    """``stories.prefetch_ignored`` asks the ignore rules about every cited path that is
    not in the working tree before the documents are checked: the stories told after it
    are the stories told without it, and no document asks check-ignore again."""
    from sphinx_ptyplan.core.checks.resolve import CodeIndex
    from sphinx_ptyplan.core.checks.stories import prefetch_ignored, told_stories
    from sphinx_ptyplan.core.sources.classify import classify
    from tests.test_never_existed import GUIDE, _ignoring_repo

    r = _ignoring_repo(tmp_path / "r")
    (r.path / "scripts/build/app.bin").unlink()
    texts = [t for line in GUIDE.splitlines() for t in line.split("`")[1::2]]
    keys = sorted({c.path.rstrip("/") for t in texts for c in classify(t) if c.path})
    assert "docs/reports/2025-10-02" in keys and "data/train.npz" in keys
    with GitRepo.open(r.path) as plain:
        expected = told_stories(plain, r.path, keys)
    with GitRepo.open(r.path) as ahead:
        prefetch_ignored(ahead, CodeIndex(r.path), texts)
        assert "data/train.npz" in ahead._ignored_memo
        ahead._ignore = None  # told_stories must not need the process any more
        ahead.ignored_paths = lambda paths: {  # type: ignore[method-assign]
            p: rule for p in paths if (rule := ahead._ignored_memo[p]) is not None
        }
        got = told_stories(ahead, r.path, keys)
    assert got == expected
    assert got["data/train.npz"].ignored == "`*.npz` in .gitignore:3"
