"""resolve: the labelled spec corpus (precision/recall) and each resolution rule on small trees."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from sphinx_ptyplan.core.checks.resolve import CodeIndex, resolve, resolve_all
from sphinx_ptyplan.core.models import (
    CommitInfo,
    Finding,
    FindingCode,
    FindingKind,
    PathStory,
    Reference,
    RefKind,
    Status,
)
from sphinx_ptyplan.core.sources.classify import references_in
from sphinx_ptyplan.core.sources.documents import load_document
from sphinx_ptyplan.core.sources.gitrepo import GitError
from sphinx_ptyplan.core.sources.parsecache import ParseCache

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "spec"
STATUSES = ("resolved", "stale", "ambiguous", "external", "ignored")


def _expected() -> dict[tuple[int, str], list[str]]:
    out: dict[tuple[int, str], list[str]] = {}
    for raw in (CORPUS / "expected.tsv").read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        line, text, status = raw.split("\t")
        assert status in STATUSES, raw
        out.setdefault((int(line), text), []).append(status)
    return out


def _actual() -> dict[tuple[int, str], list[str]]:
    doc = load_document(CORPUS, "ptychodus_api_spec.md")
    assert doc.problems == ()
    index = CodeIndex(CORPUS, code_roots=["ptycho", "ptycho_torch"])
    out: dict[tuple[int, str], list[str]] = {}
    with_refs: set[tuple[int, str, str]] = set()
    for res in resolve_all(doc.references, index):
        r = res.ref
        with_refs.add((r.doc_line, r.span, r.context))
        out.setdefault((r.doc_line, r.text), []).append(res.status.value)
    for span in doc.spans:
        if (span.line, span.text, span.context) not in with_refs:
            out.setdefault((span.line, span.text), []).append("ignored")
    return out


def test_labelled_spec_corpus_precision_and_recall() -> None:
    expected, actual = _expected(), _actual()
    assert sum(len(v) for v in expected.values()) >= 150
    exp = Counter((k, s) for k, v in expected.items() for s in v)
    act = Counter((k, s) for k, v in actual.items() for s in v)
    lines = []
    for status in STATUSES:
        e = Counter({k: n for k, n in exp.items() if k[1] == status})
        a = Counter({k: n for k, n in act.items() if k[1] == status})
        tp = sum((e & a).values())
        precision = tp / sum(a.values()) if a else 1.0
        recall = tp / sum(e.values()) if e else 1.0
        lines.append(
            f"{status:9s} n={sum(e.values()):3d} precision={precision:.0%} recall={recall:.0%}"
        )
    print("\nspec corpus classification:\n  " + "\n  ".join(lines))
    missing = sorted((exp - act).elements())
    extra = sorted((act - exp).elements())
    assert (missing, extra) == ([], [])
    # the deliberate problems of the corpus, each with a message that says what to do
    assert exp[((155, "model.py:2290"), "ambiguous")] == 1
    assert exp[((74, "ModelConfig.n_filters_scale"), "ambiguous")] == 1
    assert exp[((202, "ptycho_torch/api/trainer_api.py"), "stale")] == 1


def test_corpus_findings_are_located_and_actionable() -> None:
    doc = load_document(CORPUS, "ptychodus_api_spec.md")
    index = CodeIndex(CORPUS, code_roots=["ptycho", "ptycho_torch"])
    found = {r.ref.text: r for r in resolve_all(doc.references, index) if r.finding is not None}
    stale_path = found["ptycho_torch/api/trainer_api.py"].finding
    assert stale_path is not None
    assert (stale_path.kind, stale_path.path, stale_path.line, stale_path.code) == (
        FindingKind.STALE,
        "ptychodus_api_spec.md",
        202,
        "stale-path",
    )
    assert "did you mean `ptycho_torch/api/base_api.py`" in stale_path.message
    amb = found["ModelConfig.n_filters_scale"]
    assert amb.status is Status.AMBIGUOUS
    assert amb.candidates == (
        "ptycho.config.config.ModelConfig.n_filters_scale (ptycho/config/config.py:16)",
        "ptycho_torch.config_params.ModelConfig.n_filters_scale (ptycho_torch/config_params.py:28)",
    )
    line = found["ptycho/model.py:2290"]
    assert "cites line 2290 of ptycho/model.py, which has 39 lines" in line.message
    sym = found["ptycho/loader.py:load_from_cache"]
    assert sym.finding is not None and sym.finding.code == "stale-symbol"


def _ref(text: str, *, line: int = 3) -> Reference:
    refs = references_in(text, doc_path="plan.md", doc_line=line)
    assert len(refs) == 1, refs
    return refs[0]


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "root",
        {
            "pkg/__init__.py": "from .core import Engine\n",
            "pkg/core.py": (
                "import torch\n\n"
                "class Base:\n    base_attr = 1\n\n"
                "class Engine(Base):\n    def __init__(self):\n        self.speed = 2\n\n"
                "    def run(self):\n        pass\n\n"
                "class Net(torch.nn.Module):\n    def forward(self):\n        pass\n"
            ),
            "pkg/helpers.py": "def helper():\n    pass\n",
            "pkg/broken.py": "def f(:\n",
            "pkg/sub/__init__.py": "from ..helpers import *\n",
            "pkg/sub/mod.py": "X = 1\n",
            "other/mod.py": "Y = 2\n",
            "other/data/recon.npz": "",
            "docs/a.md": "# A\n",
            "docs/reports/1/summary.md": "# S\n",
            "docs/reports/2/summary.md": "# S\n",
            "src/lib/__init__.py": "",
            "src/lib/api.py": "def call():\n    pass\n",
        },
    )


def test_paths_citations_and_symbols(tree: Path) -> None:
    index = CodeIndex(tree)

    def status(text: str) -> tuple[str, str | None, int | None]:
        res = resolve(_ref(text), index)
        return res.status.value, res.path, res.line

    assert status("pkg/core.py") == ("resolved", "pkg/core.py", 1)
    assert status("pkg/sub/") == ("resolved", "pkg/sub", None)
    assert status("core.py") == ("resolved", "pkg/core.py", 1)  # unique bare name
    assert status("sub/mod.py") == ("resolved", "pkg/sub/mod.py", 1)  # partial path
    assert status("mod.py")[0] == "ambiguous"  # pkg/sub/mod.py and other/mod.py
    # several summary.md (one per report folder): a mention in passing is not a finding...
    assert status("summary.md") == ("external", None, None)
    # ... but a citation of one, or an explicit ptyref, is
    assert status("summary.md:1")[0] == "ambiguous"
    role = references_in("summary.md", doc_path="plan.md", doc_line=3, context="role")[0]
    assert resolve(role, index).status.value == "ambiguous"
    assert status("nowhere.py") == ("external", None, None)  # bare name not in the tree
    assert status("pkg/gone.py")[0] == "stale"
    assert status("pkg/core.py:15") == ("resolved", "pkg/core.py", 15)
    assert status("pkg/core.py:15-16")[0] == "stale"  # 15 lines
    assert status("pkg/core.py:0")[0] == "stale"
    assert status("pkg/sub:1")[0] == "stale"  # a folder, not a file
    assert status("pkg/core.py:Engine.run") == ("resolved", "pkg/core.py", 10)
    assert status("pkg/core.py:Engine.speed") == ("resolved", "pkg/core.py", 8)
    assert status("pkg/core.py:Engine.walk")[0] == "stale"
    assert status("pkg/broken.py:f")[0] == "external"  # unparsable: not checked
    assert status("recon.npz") == ("resolved", "other/data/recon.npz", 1)
    # issue 15 req 5: a root-relative path under an existing top-level folder is judged
    # the same whatever its suffix (never committed: broken, .md or .log or .npz alike)
    assert status("other/data/missing.npz")[0] == "stale"
    assert status("other/run.log")[0] == status("other/run.md")[0] == "stale"
    assert status("docs/reports/smoke.log")[0] == status("docs/b.md")[0] == "stale"
    # a bare artefact name, or one under a folder the root does not have, is not checked
    assert status("missing.npz")[0] == "external"
    assert status("outputs/run/missing.log")[0] == status("outputs/run/x.md")[0] == "external"
    assert status("/home/user/pkg/core.py")[0] == "external"
    assert status("../outside.py")[0] == "external"
    assert status("docs/a.md") == ("resolved", "docs/a.md", 1)
    assert status("docs/b.md")[0] == "stale"


def test_did_you_mean_for_paths_and_symbols(tree: Path) -> None:
    index = CodeIndex(tree)
    res = resolve(_ref("pkg/cores.py"), index)
    assert res.candidates == ("pkg/core.py",)
    assert "did you mean `pkg/core.py`" in res.message
    moved = resolve(_ref("other/helpers.py"), index)  # same file name elsewhere
    assert moved.candidates[0] == "pkg/helpers.py"
    sym = resolve(_ref("pkg/core.py:Engin"), index)
    assert sym.candidates == ("pkg/core.py:Engine",)
    assert sym.finding is not None and sym.finding.line == 3 and sym.finding.path == "plan.md"


def test_did_you_mean_offers_only_the_same_kind_inside_the_scanned_roots(tree: Path) -> None:
    _write(
        tree,
        {
            "pkg/sub/helpers.py": "",
            "pkg/subs/x.py": "",
            # the docs' build output in a folder of no conventional name (`_build` is
            # never listed): the build's `avoid` keeps it out
            "docs/out/html/pkg/core.py": "",
            "docs/pkg_core.md": "# a page\n",
        },
    )
    index = CodeIndex(tree, avoid=["docs/out", "docs/pkg_core.md"])
    # a missing folder under a file path: the whole path under the similar folder, when it
    # exists, never the folder itself
    res = resolve(_ref("pkg/sbu/mod.py"), index)
    assert set(res.candidates) == {"pkg/sub/mod.py", "other/mod.py"}, res.candidates
    res = resolve(_ref("pkg/sbu/absent.py"), index)
    assert res.candidates == (), res.candidates  # not `pkg/sub/`, not `pkg/subs/`
    # files for files (the folder pkg/sub/ has the same name as a missing file `sub`...)
    res = resolve(_ref("pkg/gone/helpers.py"), index)
    assert set(res.candidates) == {"pkg/helpers.py", "pkg/sub/helpers.py"}, res.candidates
    # folders for folders
    res = resolve(_ref("pkg/sbu/"), index)
    assert set(res.candidates) <= {"pkg/sub", "pkg/subs"} and res.candidates, res.candidates
    assert all(index.is_dir(c) for c in res.candidates)
    # never the docs' own output or pages
    res = resolve(_ref("other/core.py"), index)
    assert "pkg/core.py" in res.candidates, res.candidates
    assert not any(c.startswith("docs/") for c in res.candidates), res.candidates
    unguarded = CodeIndex(tree)
    assert "docs/out/html/pkg/core.py" in resolve(_ref("other/core.py"), unguarded).candidates
    with_roots = CodeIndex(tree, code_roots=["pkg"], avoid=["docs/out"])
    res = resolve(_ref("other/helpers.py"), with_roots)
    assert res.candidates == ("pkg/helpers.py", "pkg/sub/helpers.py"), res.candidates
    res = resolve(_ref("pkg/mod.py"), with_roots)
    assert "other/mod.py" not in res.candidates  # outside the scanned roots


def test_dotted_names(tree: Path) -> None:
    index = CodeIndex(tree)

    def status(text: str) -> tuple[str, str, str | None, int | None]:
        res = resolve(_ref(text), index)
        return res.status.value, res.target_kind, res.path, res.line

    assert status("pkg.core") == ("resolved", "module", "pkg/core.py", 1)
    assert status("pkg.sub") == ("resolved", "package", "pkg/sub/__init__.py", 1)
    assert status("pkg.core.Engine.run()") == ("resolved", "method", "pkg/core.py", 10)
    assert status("pkg.Engine") == ("resolved", "class", "pkg/core.py", 6)  # re-export
    assert status("pkg.sub.helper")[0] == "external"  # star import: cannot tell
    assert status("pkg.helper")[0] == "stale"
    assert status("pkg.core.torch") == ("resolved", "import", "pkg/core.py", 1)
    stale = resolve(_ref("pkg.core.Engines"), index)
    assert stale.status is Status.STALE and stale.candidates == ("pkg.core.Engine",)
    assert resolve(_ref("pkg.cor.Engine"), index).candidates == ("pkg.core",)
    assert status("torch.nn.Module")[0] == "external"
    assert status("other.mod.Y")[0] == "resolved"  # a namespace folder of modules
    only_pkg = CodeIndex(tree, code_roots=["pkg"])
    assert resolve(_ref("other.mod.Y"), only_pkg).status is Status.EXTERNAL
    src = CodeIndex(tree, code_roots=["src"])
    assert resolve(_ref("lib.api.call"), src).path == "src/lib/api.py"
    assert src.dotted_of("src/lib/api.py") == "lib.api"
    ext = CodeIndex(tree, external=["pkg"])
    assert resolve(_ref("pkg.core.Nope"), ext).status is Status.EXTERNAL


def test_class_attributes(tree: Path) -> None:
    _write(tree, {"pkg/alt.py": "class Engine:\n    run = None\n    gear = 1\n"})
    index = CodeIndex(tree)

    def status(text: str) -> str:
        return resolve(_ref(text), index).status.value

    assert status("Engine.speed") == "resolved"  # self.x in __init__, only one Engine has it
    assert status("Engine.base_attr") == "resolved"  # inherited from an indexed base
    assert status("Engine.run") == "ambiguous"
    assert status("Engine.walk") == "stale"
    assert status("Net.parameters") == "external"  # may come from torch.nn.Module
    assert status("Path.exists") == "external"  # no such class in the tree


def test_story_gives_history_and_replacement(tree: Path) -> None:
    index = CodeIndex(tree)
    calls: list[list[str]] = []
    renamed = PathStory(
        "pkg/engine.py",
        "renamed",
        "pkg/core.py",
        CommitInfo("abc1234f", "abc1234", "2025-10-02", ""),
    )
    deleted = PathStory(
        "pkg/old.py", "deleted", None, CommitInfo("def5678a", "def5678", "2025-10-03", "")
    )

    def story(paths: list[str]) -> dict[str, PathStory]:
        calls.append(paths)
        known = {"pkg/engine.py": renamed, "pkg/old.py": deleted}
        return {p: known[p] for p in paths if p in known}

    refs = [
        _ref("pkg/engine.py"),
        _ref("pkg/engine.py:Engine"),
        _ref("pkg/engine.py:12"),
        _ref("pkg.engine.Engine.run"),
        _ref("pkg/old.py"),
        _ref("pkg/core.py"),
    ]
    res = resolve_all(refs, index, story=story)
    assert len(calls) == 1  # one batch for every stale reference
    replacements = [r.finding.replacement if r.finding else None for r in res]
    assert replacements == [
        "pkg/core.py",
        "pkg/core.py:Engine",
        None,  # cited lines may have moved: no exact replacement
        "pkg.core.Engine.run",
        None,
        None,
    ]
    assert "renamed to pkg/core.py in abc1234" in res[0].message
    assert "replace it with `pkg/core.py`" in res[0].message
    assert "deleted in def5678" in res[4].message
    # the story travels as data: the finding holds git's object, not its text
    assert res[0].finding is not None and res[0].finding.story == renamed
    assert res[4].finding is not None and res[4].finding.story == deleted
    assert res[0].finding.subject == "pkg/engine.py"

    unknown = PathStory("pkg/engine.py", "unknown")
    told_nothing = resolve(_ref("pkg/engine.py"), index, story=lambda ps: {p: unknown for p in ps})
    assert told_nothing.finding is not None and told_nothing.finding.replacement is None
    assert "git:" not in told_nothing.message

    def broken(paths: list[str]) -> dict[str, PathStory]:
        raise GitError(FindingCode.SHALLOW, "the clone is too shallow")

    problems: list[Finding] = []
    got = resolve_all([_ref("pkg/engine.py")], index, story=broken, problems=problems)
    assert got[0].status is Status.STALE and got[0].story is None
    assert [(p.kind, p.code) for p in problems] == [(FindingKind.GIT, FindingCode.SHALLOW)]


def test_symlink_out_of_root_is_never_read(tree: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("SECRET = 1\n" * 5)
    os.symlink(secret, tree / "pkg" / "link.py")
    index = CodeIndex(tree)
    assert resolve(_ref("pkg/link.py:3"), index).status is Status.EXTERNAL
    assert resolve(_ref("pkg/link.py:SECRET"), index).status is Status.EXTERNAL


def test_index_is_lazy(tree: Path) -> None:
    cache = ParseCache()
    index = CodeIndex(tree, cache=cache)
    resolve(_ref("pkg.core.Engine"), index)
    # only the module named was parsed, and only the symbol named extracted (no full
    # parse to cache: extract.defined_symbol)
    assert cache.misses == 0 and set(index._defined) == {("pkg/core.py", "Engine")}
    resolve(_ref("pkg/core.py:7"), index)
    assert cache.misses == 0  # citations only count lines
    resolve(_ref("Engine.speed"), index)
    assert cache.misses > 1  # class lookups parse the code roots once


def test_ref_kinds_cover_every_branch() -> None:
    assert {
        RefKind.PATH,
        RefKind.CITATION,
        RefKind.PATH_SYMBOL,
        RefKind.DOTTED,
        RefKind.ATTR,
        RefKind.NAME,
    } == set(RefKind)


def test_did_you_mean_for_a_generic_name_prefers_the_folders_it_shares(tmp_path: Path) -> None:
    # Found on nanoBragg: `plans/active/perf-pytorch-compile-refactor/plan.md`, archived
    # with edits (git saw a deletion), was answered with `plans/cellparams/plan.md` first
    # and the archived plan third; `docs/docs/architecture/README.md` did not get
    # `docs/architecture/README.md` at all (five other README.md came first).
    files = {f"plans/archive/topic-{k}/plan.md": "# p\n" for k in range(6)}
    files |= {f"area{k}/README.md": "# r\n" for k in range(6)}
    files |= {
        "plans/cellparams/plan.md": "# p\n",
        "plans/archive/perf-refactor/plan.md": "# p\n",
        "docs/architecture/README.md": "# r\n",
        "docs/README.md": "# r\n",
    }
    index = CodeIndex(_write(tmp_path / "root", files))
    moved = resolve(_ref("plans/active/perf-refactor/plan.md"), index)
    assert moved.candidates[0] == "plans/archive/perf-refactor/plan.md", moved.candidates
    doubled = resolve(_ref("docs/docs/architecture/README.md"), index)
    assert doubled.candidates[:2] == ("docs/architecture/README.md", "docs/README.md")
    assert len(doubled.candidates) == 5
