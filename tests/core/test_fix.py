"""fix: rewrite only moved-and-unchanged citations, keep every other byte, idempotent."""

from __future__ import annotations

import csv
import os
import shutil
import stat
from pathlib import Path

import pytest

from sphinx_ptyplan.core.checks.citations import check_citations
from sphinx_ptyplan.core.checks.fix import FixResult, fix_document, write_fix
from sphinx_ptyplan.core.checks.resolve import CodeIndex
from sphinx_ptyplan.core.models import FindingKind
from sphinx_ptyplan.core.sources.documents import load_document
from sphinx_ptyplan.core.sources.gitrepo import GitRepo
from tests.gitutil import Repo

CORPUS = Path(__file__).parent.parent / "corpus" / "ledger"
LEDGER = "docs/fix_plan.md"


def build_ledger_repo(path: Path) -> Repo:
    repo = Repo(path)
    shutil.copytree(CORPUS / "commit1", path, dirs_exist_ok=True)
    repo.commit("code and the fix-plan ledger")
    for child in path.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    shutil.copytree(CORPUS / "commit2", path, dirs_exist_ok=True)
    repo.commit("refactor: move, edit, rename and delete code")
    with (path / LEDGER).open("a", encoding="utf-8") as fh:
        fh.write((CORPUS / "uncommitted.md").read_text(encoding="utf-8"))
    return repo


def fix(root: Path, doc: str, repo: GitRepo | None) -> FixResult:
    return fix_document(root, doc, index=CodeIndex(root), repo=repo)


def code(prefix: str, n: int) -> str:
    return "".join(f"{prefix}_{i} = {i}\n" for i in range(1, n + 1))


# --------------------------------------------------------------------------- the ledger


def test_fix_ledger_round_trip(tmp_path: Path) -> None:
    root = tmp_path / "r"
    build_ledger_repo(root)
    before = (root / LEDGER).read_bytes()
    with open(CORPUS / "expected.tsv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    wanted = {
        (int(r["line"]), r["citation"], r["replacement"]) for r in rows if r["replacement"] != "-"
    }
    with GitRepo.open(root) as g:
        result = fix(root, LEDGER, g)
        print("\n" + result.diff)
        assert result.changed and result.path == LEDGER
        assert result.diff.startswith(f"--- a/{LEDGER}\n+++ b/{LEDGER}\n")
        applied = {(f.line, f.subject, f.replacement) for f in result.rewrites}
        assert applied == wanted  # each rewrite is the judge's finding, as data
        assert len(result.applied) == len(result.rewrites)
        # every other byte is identical; rewritten lines differ only by their citations
        old_lines = before.split(b"\n")
        new_lines = result.new_bytes.split(b"\n")
        assert len(old_lines) == len(new_lines)
        touched = {line for line, _a, _b in wanted}
        for n, (old, new) in enumerate(zip(old_lines, new_lines, strict=True), 1):
            if n not in touched:
                assert old == new, n
            else:
                expect = old.decode()
                for line, a, b in sorted(wanted):
                    if line == n:
                        expect = expect.replace(f"`{a}`", f"`{b}`").replace(f"`{a},", f"`{b},")
                        expect = expect.replace(f" {a}`", f" {b}`")
                assert new.decode() == expect, n
        # the span holding two citations has both rewritten
        assert b"- Two in one span: `pkg_a/model.py:14-16, pkg_c/utils.py:3`." in new_lines
        assert (root / LEDGER).read_bytes() == before  # nothing written yet
        write_fix(root, result)
        assert (root / LEDGER).read_bytes() == result.new_bytes
        again = fix(root, LEDGER, g)
        assert (again.changed, again.diff, again.applied) == (False, "", ())
        assert again.new_bytes == result.new_bytes
        # after the fix: no moved citation is left, the renamed file's citations resolve
        parsed = load_document(root, LEDGER)
        report = check_citations(
            root,
            LEDGER,
            [(s.text, s.line, s.context) for s in parsed.spans],
            index=CodeIndex(root),
            repo=g,
        )
    assert not [c for c in report.checks if c.replacement is not None]
    assert not any(
        f.kind is FindingKind.DRIFT and f.code == "moved" for c in report.checks for f in c.findings
    )
    renamed = [c for c in report.checks if "new_name.py" in c.ref.text]
    assert len(renamed) >= 7 and all(not c.findings for c in renamed)


def test_fix_without_git_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "r"
    build_ledger_repo(root)
    result = fix(root, LEDGER, None)
    assert not result.changed
    assert result.new_bytes == (root / LEDGER).read_bytes()
    assert result.diff == "" and result.applied == ()


# --------------------------------------------------------------------------- bytes kept


@pytest.fixture
def crlf(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "r")
    repo.write("pkg/a.py", code("A", 20))
    repo.write("pkg/b.py", code("B", 10))
    doc = (
        "\ufeff# Plän — naïve\r\n"
        "\r\n"
        "- pkg/a.py:3 in plain text stays; the span `pkg/a.py:3` moves\r\n"
        "- two in a span: `pkg/a.py:5-6, pkg/b.py:2` and `pkg/a.py:5-6` again\r\n"
        "- an unchanged file: `pkg/b.py:4`\r\n"
        "\r\n"
        "```\r\n"
        "pkg/a.py:3 `pkg/a.py:3`\r\n"
        "```\r\n"
        "last line without newline `pkg/a.py:7`"
    )
    repo.write("docs/plan.md", doc.encode("utf-8"))
    repo.commit("plan")
    repo.write("pkg/a.py", "HEAD_1 = 1\nHEAD_2 = 2\n" + code("A", 20))
    repo.commit("two lines on top")
    return repo


def test_fix_keeps_crlf_bom_encoding_and_permissions(crlf: Repo) -> None:
    root = crlf.path
    target = root / "docs/plan.md"
    os.chmod(target, 0o640)
    before = target.read_bytes()
    with GitRepo.open(root) as g:
        result = fix(root, "docs/plan.md", g)
        expected = (
            before.replace(b"the span `pkg/a.py:3` moves", b"the span `pkg/a.py:5` moves")
            .replace(
                b"`pkg/a.py:5-6, pkg/b.py:2` and `pkg/a.py:5-6` again",
                b"`pkg/a.py:7-8, pkg/b.py:2` and `pkg/a.py:7-8` again",
            )
            .replace(b"without newline `pkg/a.py:7`", b"without newline `pkg/a.py:9`")
        )
        assert result.new_bytes == expected
        assert result.new_bytes.startswith("\ufeff# Plän — naïve\r\n".encode())
        assert result.new_bytes.count(b"\r\n") == before.count(b"\r\n")
        assert b"pkg/a.py:3 `pkg/a.py:3`\r\n" in result.new_bytes  # the fence is untouched
        assert b"- pkg/a.py:3 in plain text stays" in result.new_bytes
        assert len(result.applied) == 4
        assert "\r" not in result.diff
        print("\n" + result.diff)
        write_fix(root, result)
        assert target.read_bytes() == expected
        assert stat.S_IMODE(target.stat().st_mode) == 0o640
        assert sorted(p.name for p in target.parent.iterdir()) == ["plan.md"]  # no temp file
        again = fix(root, "docs/plan.md", g)
    assert not again.changed and again.new_bytes == expected


def test_write_fix_does_nothing_when_unchanged(crlf: Repo) -> None:
    target = crlf.path / "docs/plan.md"
    result = FixResult("docs/plan.md", False, b"something else", "")
    stamp = target.stat().st_mtime_ns
    write_fix(crlf.path, result)
    assert target.stat().st_mtime_ns == stamp
    assert target.read_bytes() != b"something else"


def test_fix_rest_document(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.write("pkg/a.py", code("A", 20))
    doc = (
        "Plan\n====\n\n"
        "See ``pkg/a.py:3`` and :ptyref:`pkg/a.py:10-11`.\n\n"
        "::\n\n    ``pkg/a.py:3``\n"
    )
    repo.write("docs/plan.rst", doc)
    repo.commit("plan")
    repo.write("pkg/a.py", "TOP = 0\n" + code("A", 20))
    repo.commit("one line on top")
    with GitRepo.open(repo.path) as g:
        result = fix(repo.path, "docs/plan.rst", g)
    assert result.new_bytes.decode() == doc.replace(
        "See ``pkg/a.py:3`` and :ptyref:`pkg/a.py:10-11`.",
        "See ``pkg/a.py:4`` and :ptyref:`pkg/a.py:11-12`.",
    )


# --------------------------------------------------------------------------- no lost edits


def _drifted(tmp_path: Path) -> tuple[Repo, str]:
    r = Repo(tmp_path / "r")
    r.write("pkg/a.py", code("a", 20))
    r.write("notes.md", "# Notes\n\nSee `pkg/a.py:5`.\n")
    r.commit("code and notes")
    r.write("pkg/a.py", "# one\n# two\n" + code("a", 20))
    r.commit("two lines on top")
    return r, "notes.md"


def test_fix_refuses_when_the_document_changed_after_it_was_read(tmp_path: Path) -> None:
    from sphinx_ptyplan.core.checks.fix import DocumentChanged

    r, doc = _drifted(tmp_path)
    with GitRepo.open(r.path) as g:
        result = fix(r.path, doc, g)
    assert result.changed and "pkg/a.py:7" in result.new_bytes.decode()
    edited = "# Notes\n\nSee `pkg/a.py:5`.\n\nA paragraph saved by the editor meanwhile.\n"
    (r.path / doc).write_text(edited)
    with pytest.raises(DocumentChanged) as err:
        write_fix(r.path, result)
    assert "changed while ptyplan fix was working" in str(err.value)
    assert (r.path / doc).read_text() == edited  # the edit is kept
    assert [p.name for p in r.path.iterdir() if "ptyplan" in p.name] == []  # no temp left


def test_cli_fix_exits_2_and_keeps_an_edit_saved_during_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sphinx_ptyplan.core.checks.fix as fixmod
    from sphinx_ptyplan.cli import main

    r, doc = _drifted(tmp_path)
    real = fixmod.fix_document
    saved = "# Notes\n\nSee `pkg/a.py:5`. Autosaved.\n"

    def slow_fix(*args: object, **kw: object) -> FixResult:
        result = real(*args, **kw)  # type: ignore[arg-type]
        (r.path / doc).write_text(saved)  # the editor saves while fix is working
        return result

    monkeypatch.setattr(fixmod, "fix_document", slow_fix)
    monkeypatch.chdir(r.path)
    assert main(["fix", doc]) == 2
    assert "notes.md changed while ptyplan fix was working" in capsys.readouterr().err
    assert (r.path / doc).read_text() == saved
    monkeypatch.setattr(fixmod, "fix_document", real)
    assert main(["fix", doc]) == 0  # run again: judged from the saved text (a new line,
    assert (r.path / doc).read_text() == saved  # written against today's code: left alone)


def test_next_fix_removes_the_temp_files_of_a_killed_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    from sphinx_ptyplan.cli import main

    r, doc = _drifted(tmp_path)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    child.kill()
    child.wait()
    dead = r.path / f".notes.md.ptyplan-{child.pid}-x1y2.ptyplan-tmp"
    dead.write_text("half a document")
    live = r.path / f".notes.md.ptyplan-{os.getppid()}-z3.ptyplan-tmp"  # a run still going
    live.write_text("another run's text")
    other = r.path / ".other.md.ptyplan-1-x.ptyplan-tmp"
    other.write_text("not ours to judge here")
    monkeypatch.chdir(r.path)
    assert main(["fix", doc]) == 0
    assert not dead.exists()
    assert live.exists() and other.exists()
    assert "pkg/a.py:7" in (r.path / doc).read_text()
