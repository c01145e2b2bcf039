"""spechits: schema checks of spec field lists, touchpoints, findings, bounded time."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from sphinx_ptyplan.core.checks.resolve import CodeIndex
from sphinx_ptyplan.core.checks.spechits import SchemaCheck, spec_hits
from sphinx_ptyplan.core.models import FindingKind, Status
from sphinx_ptyplan.core.sources.parsecache import ParseCache

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "spec"
TREES = ("ptycho", "ptycho_torch")


def test_corpus_schema_checks() -> None:
    hits = spec_hits(CORPUS, "ptychodus_api_spec.md", trees=TREES)
    assert hits.schema == (
        SchemaCheck(
            owner="ptycho.config.config.ModelConfig",
            owner_path="ptycho/config/config.py",
            owner_line=11,
            doc_line=46,
            missing_in_code=(("probe_trainable", 56),),
            undocumented=("gaussian_smoothing_sigma",),
        ),
        SchemaCheck(
            owner="ptycho.config.config.TrainingConfig",
            owner_path="ptycho/config/config.py",
            owner_line=28,
            doc_line=57,
        ),
        SchemaCheck(
            owner="ptycho_torch.config_params.DataConfig",
            owner_path="ptycho_torch/config_params.py",
            owner_line=10,
            doc_line=83,
        ),
    )
    schema = [f for f in hits.findings if f.kind is FindingKind.SCHEMA]
    assert [(f.path, f.line, f.code) for f in schema] == [
        ("ptychodus_api_spec.md", 56, "schema-missing")
    ]
    assert "did you mean `probe_scale`" in schema[0].message
    assert "ptycho/config/config.py:11" in schema[0].message


def test_corpus_findings_and_strict() -> None:
    hits = spec_hits(CORPUS, "ptychodus_api_spec.md", trees=TREES)
    got = [(f.kind.value, f.line, f.code) for f in hits.findings]
    assert got == [
        ("schema", 56, "schema-missing"),
        ("ambiguous", 74, "ambiguous-attr"),
        ("stale", 139, "stale-attr"),
        ("ambiguous", 155, "ambiguous-path"),
        ("stale", 155, "stale-line"),
        ("stale", 156, "stale-symbol"),
        ("stale", 202, "stale-path"),
        # a bare file name with a symbol neither candidate defines (both define nothing
        # of that name, top level or inside a function): still ambiguous
        ("ambiguous", 217, "ambiguous-path"),
    ]
    strict = spec_hits(CORPUS, "ptychodus_api_spec.md", trees=TREES, strict=True)
    extra = [f for f in strict.findings if f.code == "schema-undocumented"]
    assert [(f.line, f.kind) for f in extra] == [(46, FindingKind.SCHEMA)]
    assert "`gaussian_smoothing_sigma`" in extra[0].message
    assert len(hits.rows) == 135  # 126 + 9 bare names (words naming nothing: no row)
    assert sum(r.status is Status.RESOLVED for r in hits.rows) == 106
    names = {
        (r.ref.doc_line, r.ref.text): (r.path, r.line, r.reason)
        for r in hits.rows
        if r.ref.kind.value == "name"
    }
    # two-package names bound by context, and the table says how
    assert names[(46, "ModelConfig")] == (
        "ptycho/config/config.py",
        11,
        "bound by `ptycho/config/config.py` (named in the same item (line 46))",
    )
    assert names[(70, "InferenceConfig")][:2] == ("ptycho/config/config.py", 48)
    assert "qualified mention at line 70" in names[(70, "InferenceConfig")][2]
    assert names[(80, "ModelConfig")][:2] == ("ptycho_torch/config_params.py", 24)
    assert names[(80, "DataConfig")] == ("ptycho_torch/config_params.py", 10, "")  # only one


def test_touchpoints_and_changed_modules() -> None:
    hits = spec_hits(
        CORPUS,
        "ptychodus_api_spec.md",
        trees=("ptycho_torch",),
        changed=frozenset({"ptycho_torch/api/base_api.py"}),
    )
    paths = [t.module_path for t in hits.touchpoints]
    assert paths == sorted(paths) and all(p.startswith("ptycho_torch/") for p in paths)
    assert "ptycho_torch/api/base_api.py" in paths
    by = {t.module_path: t for t in hits.touchpoints}
    api = by["ptycho_torch/api/base_api.py"]
    assert api.dotted == "ptycho_torch.api.base_api" and api.changed_since
    assert not by["ptycho_torch/config_params.py"].changed_since
    assert {r.ref.doc_line for r in api.refs} >= {12, 108, 118, 182}


def test_ambiguous_owner_and_fields_from_bases(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    (root / "a" / "__init__.py").write_text("")
    (root / "b" / "__init__.py").write_text("")
    dc = "from dataclasses import dataclass\n\n"
    (root / "a" / "cfg.py").write_text(
        dc + "@dataclass\nclass Base:\n    seed: int = 0\n\n"
        "@dataclass\nclass Config(Base):\n    n: int = 1\n    m: int = 2\n"
    )
    (root / "b" / "cfg.py").write_text(dc + "@dataclass\nclass Config:\n    n: int = 1\n")
    (root / "spec.md").write_text(
        "- `Config`:\n  - `n`\n\n"
        "- `Config` (a/cfg.py):\n  - `n`\n  - `seed`\n\n"
        "- `a.cfg.Config` fields:\n  - `m`\n  - `nope`\n\n"
        "- `Missing` (a/cfg.py):\n  - `x`\n"
    )
    hits = spec_hits(root, "spec.md", trees=(), strict=True)
    assert [(f.kind.value, f.line, f.code) for f in hits.findings] == [
        ("ambiguous", 1, "ambiguous-owner"),
        ("schema", 4, "schema-undocumented"),
        ("schema", 8, "schema-undocumented"),
        ("schema", 10, "schema-missing"),
    ]
    assert [(s.owner, s.missing_in_code, s.undocumented) for s in hits.schema] == [
        ("a.cfg.Config", (), ("m",)),
        ("a.cfg.Config", (("nope", 10),), ("seed", "n")),
    ]


def test_spec_problems_are_findings(tmp_path: Path) -> None:
    hits = spec_hits(tmp_path, "nope.md", trees=())
    assert [(f.kind, f.code) for f in hits.findings] == [(FindingKind.CONFIG, "missing-path")]
    (tmp_path / "s.md").write_text("`a/b.py` `c/d.py` `e/f.py`\n")
    capped = spec_hits(tmp_path, "s.md", trees=(), max_refs=2)
    assert len(capped.rows) == 2
    assert [f.code for f in capped.findings] == ["too-many-refs"]


def test_ten_thousand_references_each_module_parsed_once(tmp_path: Path) -> None:
    root = tmp_path / "big"
    shutil.copytree(CORPUS, root, ignore=shutil.ignore_patterns("*.md", "*.rst", "*.tsv"))
    kinds = [
        "`ptycho/config/config.py:{n}`",
        "`ptycho.config.config.ModelConfig`",
        "`ModelConfig.gridsize`",
        "`ptycho/params.py:get_bigN`",
        "`ptycho_torch/api/base_api.py`",
        "`ptycho/gone_{n}.py`",
        "`torch.float{n}`",
        "`ptycho.model.missing_{n}`",
        "`TrainingConfig.batch_size`",
        "`model.py:{n}`",
    ]
    lines = [kinds[i % len(kinds)].format(n=i) for i in range(10_000)]
    (root / "spec.md").write_text("\n".join(f"- {x}" for x in lines) + "\n")
    cache = ParseCache()
    index = CodeIndex(root, code_roots=TREES, cache=cache)
    t0 = time.perf_counter()
    hits = spec_hits(root, "spec.md", trees=TREES, index=index)
    elapsed = time.perf_counter() - t0
    print(f"\n10,000 references resolved in {elapsed:.2f}s")
    assert len(hits.rows) == 10_000
    assert {r.status for r in hits.rows} == set(Status)
    assert cache.misses < 40  # each module parsed once
    # No time limit here: speed is measured in bench/ as ratios, never asserted in tests.
