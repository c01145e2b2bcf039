"""Issue 14, requirement 6: a missing object degrades only what needs it. A real repository
in a tmp dir loses one blob of another folder (as in a partial clone); the changes under the
asked folder are still read, the object is named once, and the touchpoints never claim
"0 changed" when the history could not be read."""

from __future__ import annotations

import json
from pathlib import Path

from sphinx_ptyplan.cli import main as cli_main
from sphinx_ptyplan.core.sources.gitrepo import GitRepo
from tests.gitutil import Repo
from tests.sphinx.util import build, ptyplan_warnings


def damaged_repo(path: Path) -> tuple[Path, str]:
    """Commit 1: ``pkg/`` and a data file in ``data/``; commit 2: the data file is deleted,
    ``pkg/b.py`` renamed to ``pkg/c.py`` and ``pkg/new.py`` added. Then the data file's blob
    is deleted from the object store. Returns the root and commit 1."""
    repo = Repo(path)
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/a.py", "".join(f"a_{i} = {i}\n" for i in range(30)))
    repo.write("pkg/b.py", "".join(f"b_{i} = {i}\n" for i in range(30)))
    repo.write("data/run.npz", bytes(range(256)) * 64)
    repo.write(
        "spec.md",
        "# Spec\n\nThe model is `pkg/a.py:3`; the loader `pkg/b.py`; new `pkg/new.py`.\n",
    )
    first = repo.commit("code and data")
    blob = repo.git("rev-parse", f"{first}:data/run.npz")
    repo.remove("data/run.npz")
    repo.move("pkg/b.py", "pkg/c.py")
    repo.write("pkg/new.py", "".join(f"n_{i} = {i}\n" for i in range(30)))
    repo.write("pkg/a.py", "# top\n" + (path / "pkg/a.py").read_text())
    repo.commit("data removed, b renamed, new added")
    (path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    return path, first


def test_a_missing_blob_elsewhere_degrades_only_rename_detection(tmp_path: Path) -> None:
    root, first = damaged_repo(tmp_path / "repo")
    with GitRepo.open(root) as g:
        changes = g.changes(first, None, ["pkg"])
        missing = dict(g.missing_objects)
    by_path = {c.path: c.status for c in changes}
    assert by_path["pkg/a.py"] == "M"
    assert by_path["pkg/new.py"] == "A"
    assert by_path.get("pkg/c.py") in ("R", "A")  # renamed within pkg/ is still seen
    assert list(missing.values()) == ["data/run.npz"]


def test_spec_touchpoints_render_and_name_the_missing_object_once(tmp_path: Path) -> None:
    root, first = damaged_repo(tmp_path / "repo")
    out = tmp_path / "hits.json"
    code = cli_main(
        ["spec-hits", "--root", str(root), "--since", first, "--format", "json", "-o", str(out),
         "spec.md"]
    )  # fmt: skip
    assert code == 1  # the git finding; not a usage error (exit 2) as before
    data = json.loads(out.read_text(encoding="utf-8"))
    git = [f for f in data["findings"] if f["kind"] == "git"]
    assert len(git) == 1 and "data/run.npz" in git[0]["message"]
    touch = next(t for t in data["tables"] if t["title"] == "Spec touchpoints")
    assert "changed since" in touch["summary"] and "0 changed" not in touch["summary"]

    # the docs build: tables render, one ptyplan.git warning names the object
    (root / "docs").mkdir()
    (root / "docs/conf.py").write_text(
        'extensions = ["myst_parser", "sphinx_ptyplan"]\nptyplan_root = ".."\n'
    )
    (root / "docs/index.md").write_text(
        f"# Hits\n\n```{{ptyplan-spec-hits}} spec.md\n:since: {first}\n```\n\n"
        f"```{{ptyplan-spec-hits}} spec.md\n:since: {first}\n:show: problems\n```\n"
    )
    app, warnings = build(root / "docs", "html", outdir=tmp_path / "out")
    found = [w for w in ptyplan_warnings(warnings) if "[ptyplan.git]" in w]
    assert len(found) == 1 and "data/run.npz" in found[0]
    page = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert "changed since" in page and "pkg/a.py" in page


def test_touchpoints_say_when_history_could_not_be_read() -> None:
    from sphinx_ptyplan.core.checks.spechits import SpecHits, Touchpoint
    from sphinx_ptyplan.core.outputs.tables import spechits_tables

    hits = SpecHits("spec.md", touchpoints=(Touchpoint("pkg/a.py", "pkg.a", ()),))
    tables = spechits_tables(hits, since="v1", unread="the clone lacks v1")
    touch = next(t for t in tables if t.title == "Spec touchpoints")
    assert "could not be read (the clone lacks v1)" in touch.summary
    assert "0 changed" not in touch.summary
    assert touch.rows[0][3].text == "?"


def test_stories_are_read_around_a_missing_object(tmp_path: Path) -> None:
    """`git log -M` stops at the missing blob; the history is then read without rename
    detection (exact renames paired by blob id) and the object is named once."""
    root, _first = damaged_repo(tmp_path / "repo")
    with GitRepo.open(root) as g:
        stories = g.path_stories(["pkg/b.py", "data/run.npz"])
        assert list(g.missing_objects.values()) == ["data/run.npz"]  # named with its file
    assert stories["pkg/b.py"].describe().startswith("renamed to pkg/c.py in ")
    assert stories["data/run.npz"].describe().startswith("deleted in ")
    # the commit is named as everywhere else: its short sha (found on PtychoPINN, where the
    # history read around a missing object printed full shas in every drift message)
    for story in stories.values():
        assert story.commit is not None and len(story.commit.short) < 12, story.commit
        assert story.commit.sha.startswith(story.commit.short)
    (root / "plan.md").write_text("# Plan\n\nThe loader is `pkg/b.py:3`.\n")
    out = tmp_path / "check.json"
    code = cli_main(["check", "--root", str(root), "--format", "json", "-o", str(out), "plan.md"])
    assert code == 1
    found = json.loads(out.read_text(encoding="utf-8"))["findings"]
    stale = [f for f in found if f["kind"] == "stale"]
    assert len(stale) == 1 and "renamed to pkg/c.py" in stale[0]["message"]
    git = [f for f in found if f["kind"] == "git"]
    assert len(git) == 1 and git[0]["code"] == "missing-object"


def test_delta_names_the_module_whose_old_side_is_missing(tmp_path: Path) -> None:
    """`ptyplan delta` and the docs build on a repository that lost the first version of a
    modified module: the delta still lists every change, one typed warning (located at the
    directive in the build) names the module, and the command is not a failed git call."""
    root, first = damaged_repo(tmp_path / "repo")
    blob = Repo(root).git("rev-parse", f"{first}:pkg/a.py")
    (root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    (root / "plan.md").write_text("# Plan\n\nThe package `pkg/`.\n")
    out = tmp_path / "delta.json"
    code = cli_main(
        ["delta", "--root", str(root), "--tree", "pkg", "--plan", "plan.md", "--base", first,
         "--head", "HEAD", "--format", "json", "-o", str(out)]
    )  # fmt: skip
    assert code == 1  # a warning, not a git call that failed (exit 2)
    data = json.loads(out.read_text(encoding="utf-8"))
    git = [f for f in data["findings"] if f["kind"] == "git"]
    assert [(f["code"], f["subject"]) for f in git if f["subject"] == "pkg/a.py"] == [
        ("missing-object", "pkg/a.py")
    ]
    table = next(t for t in data["tables"] if "between" in t["summary"])
    text = json.dumps(table)
    assert "pkg/new.py" in text and "pkg/c.py" in text and "not compared" in text

    (root / "docs").mkdir()
    (root / "docs/conf.py").write_text(
        'extensions = ["myst_parser", "sphinx_ptyplan"]\nptyplan_root = ".."\n'
    )
    (root / "docs/index.md").write_text(
        f"# Delta\n\n\n```{{ptyplan-delta}} pkg\n:plan: plan.md\n:base: {first}\n:head: HEAD\n```\n"
    )
    app, warnings = build(root / "docs", "html", outdir=tmp_path / "out")
    found = [w for w in ptyplan_warnings(warnings) if "pkg/a.py: API changes" in w]
    assert len(found) == 1 and "index.md:4:" in found[0] and "[ptyplan.git]" in found[0]
    page = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert "pkg/new.py" in page and "not compared" in page
