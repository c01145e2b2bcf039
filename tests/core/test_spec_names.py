"""Spec references as a reader means them (issue 15): bare and short names, context
binding, signatures and expressions, field lists in the shapes real specs use, paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphinx_ptyplan.core.checks.spechits import SpecHits, spec_hits
from sphinx_ptyplan.core.models import RefKind, Status

TREE = {
    "ptycho/__init__.py": "",
    "ptycho/params.py": "cfg = {}\n\ndef get(key, default=None): ...\n",
    "ptycho/config/__init__.py": "",
    "ptycho/config/config.py": (
        "from dataclasses import dataclass\n"
        "from typing import Any, Dict\n\n"
        "@dataclass\nclass ModelConfig:\n    N: int = 64\n    gridsize: int = 1\n"
        "    object_big: bool = True\n\n"
        "@dataclass\nclass TrainingConfig:\n    model: ModelConfig = None\n"
        "    nepochs: int = 50\n\n"
        "def update_legacy_dict(cfg: Dict[str, Any], dataclass_obj: Any) -> None:\n"
        "    KEY_MAPPINGS = {'object_big': 'object.big'}\n"
        "    cfg.update(KEY_MAPPINGS)\n"
    ),
    "ptycho/raw_data.py": "class RawData:\n    def generate_grouped_data(self, N, K=4): ...\n",
    "ptycho_torch/__init__.py": "",
    "ptycho_torch/config_params.py": (
        "from dataclasses import dataclass\n\n"
        "@dataclass\nclass ModelConfig:\n    n_filters: int = 2\n\n"
        "@dataclass\nclass TrainingConfig:\n    epochs: int = 10\n"
    ),
    "ptycho_torch/cli/__init__.py": "",
    "ptycho_torch/cli/shared.py": (
        "from ptycho.config.config import TrainingConfig as TFTrainingConfig\n\n"
        "def resolve_accelerator(accelerator='auto', device=None) -> str: ...\n\n"
        "def build_config(args, mode='training') -> TFTrainingConfig: ...\n"
    ),
    "docs/README.md": "docs\n",
}

# Written for these tests in the shapes of a real API spec (bold owners, nested field
# items, a heading-owned table, signatures, expressions); the line numbers matter below.
SPEC = """\
# Configuration API

## 1. Dataclasses

These dataclasses are defined in `config/config.py`.

- **`ModelConfig`**: the network.
  - `N`: patch size.
  - `gridsize`: group size.
  - `object_bigg`: a field the class does not have.
- **`TrainingConfig`**: training.
  - `model`: a nested `ModelConfig`.

## 2. Bridge

- `update_legacy_dict(cfg: dict, dataclass_obj: Any)`: fills `params.cfg` using
  `KEY_MAPPINGS`; called as `update_legacy_dict(ptycho.params.cfg, config)`.
- Grouping reads `params.cfg['gridsize']` in `RawData.generate_grouped_data`.
- `resolve_accelerator(args)` and `build_config(args, mode)` live in
  `ptycho_torch/cli/shared.py`; `build_config` returns a `TFTrainingConfig`.

## 3. Loose mentions

`ModelConfig` and `TrainingConfig` appear here with nothing to say which.
`ModelConfig` again, same section: warned once. `RawData` is unique.
Words such as `model`, `N`, `config`, `object_big` and `NotAThing` are prose.

## 4. PyTorch (`ptycho_torch/config_params.py`)

`ModelConfig` here is the PyTorch one.

#### 4.1. `TrainingConfig` fields

| Field | Default | Notes |
| --- | --- | --- |
| `epochs` | `10` | fine |
| `True` | `None` | a literal in the first column is not a field |
| `nepochs` | `50` | not a field of this class |

## 5. Paths

Reports: `docs/reports/run.md` and `docs/reports/run.log`; `outputs/x.log` is elsewhere.
"""


@pytest.fixture(scope="module")
def hits(tmp_path_factory: pytest.TempPathFactory) -> SpecHits:
    root = tmp_path_factory.mktemp("spec-names")
    for rel, text in TREE.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    (root / "spec.md").write_text(SPEC, encoding="utf-8")
    return spec_hits(root, "spec.md", trees=("ptycho", "ptycho_torch"), strict=True)


def row(hits: SpecHits, line: int, text: str) -> tuple[str, str | None, int | None, str]:
    found = [r for r in hits.rows if r.ref.doc_line == line and r.ref.text == text]
    assert len(found) == 1, (line, text, [(r.ref.doc_line, r.ref.text) for r in hits.rows])
    r = found[0]
    return r.status.value, r.path, r.line, r.reason


def findings(hits: SpecHits) -> list[tuple[int | None, str]]:
    return [(f.line, f.code) for f in hits.findings]


def test_bare_names_resolve_with_file_and_line(hits: SpecHits) -> None:
    assert row(hits, 25, "RawData")[:3] == ("resolved", "ptycho/raw_data.py", 1)
    # a local variable and an import alias resolve to what they are, and say so
    local = row(hits, 17, "KEY_MAPPINGS")
    assert local[:3] == ("resolved", "ptycho/config/config.py", 16)
    assert "local variable of `update_legacy_dict`" in local[3]
    alias = row(hits, 20, "TFTrainingConfig")
    assert alias[:3] == ("resolved", "ptycho/config/config.py", 11)
    assert "import alias of `ptycho.config.config.TrainingConfig`" in alias[3]


def test_words_that_name_nothing_are_silent(hits: SpecHits) -> None:
    texts = {(r.ref.doc_line, r.ref.text) for r in hits.rows}
    for word in ("model", "N", "config", "object_big", "NotAThing"):
        assert (26, word) not in texts
    assert not [f for f in hits.findings if f.line == 26]


def test_short_module_names(hits: SpecHits) -> None:
    status, path, line, how = row(hits, 16, "params.cfg")
    assert (status, path, line) == ("resolved", "ptycho/params.py", 1)
    assert "short module name of `ptycho.params.cfg`" in how
    sub = row(hits, 18, "params.cfg['gridsize']")
    assert sub[:3] == ("resolved", "ptycho/params.py", 1)


def test_calls_resolve_the_names_they_contain(hits: SpecHits) -> None:
    call = "update_legacy_dict(ptycho.params.cfg, config)"
    assert row(hits, 17, call)[:3] == ("resolved", "ptycho/config/config.py", 15)
    assert row(hits, 17, "ptycho.params.cfg")[:2] == ("resolved", "ptycho/params.py")
    assert not [r for r in hits.rows if r.ref.doc_line == 17 and r.ref.text == "config"]


def test_written_signatures_are_checked(hits: SpecHits) -> None:
    # dict for Dict[str, Any]: no mismatch
    assert row(hits, 16, "update_legacy_dict(cfg: dict, dataclass_obj: Any)")[0] == "resolved"
    assert (16, "signature-mismatch") not in findings(hits)
    # a sketch with matching names: quiet; with a parameter the code lacks: schema
    assert (19, "signature-mismatch") in findings(hits)
    (mismatch,) = [f for f in hits.findings if f.code == "signature-mismatch"]
    assert mismatch.kind.value == "schema"
    assert "`resolve_accelerator(args)`" in mismatch.message
    assert "`resolve_accelerator(accelerator='auto', device=None) -> str`" in mismatch.message
    assert "no parameter `args`" in mismatch.message


def test_context_binding_and_how(hits: SpecHits) -> None:
    # the section's introduction names config/config.py
    status, path, line, how = row(hits, 7, "ModelConfig")
    assert (status, path, line) == ("resolved", "ptycho/config/config.py", 5)
    assert "`config/config.py` (named in the section's introduction (line 5))" in how
    # the heading names the PyTorch file
    assert row(hits, 30, "ModelConfig")[:2] == ("resolved", "ptycho_torch/config_params.py")
    # nothing in section 3 decides, and no earlier qualified mention: ambiguous, once
    assert row(hits, 24, "ModelConfig")[0] == "ambiguous"
    assert row(hits, 25, "ModelConfig")[0] == "ambiguous"
    amb = [(f.line, f.message.split("`")[1]) for f in hits.findings if f.code == "ambiguous-name"]
    assert amb == [(24, "ModelConfig"), (24, "TrainingConfig")]


def test_field_lists_in_real_shapes(hits: SpecHits) -> None:
    by_line = {c.doc_line: c for c in hits.schema}
    bold = by_line[7]
    assert bold.owner == "ptycho.config.config.ModelConfig"
    assert bold.missing_in_code == (("object_bigg", 10),)
    assert bold.undocumented == ("object_big",)
    table = by_line[32]
    assert table.owner == "ptycho_torch.config_params.TrainingConfig"
    assert table.missing_in_code == (("nepochs", 38),)  # `True` in the first column: no field
    codes = findings(hits)
    assert (10, "schema-missing") in codes and (38, "schema-missing") in codes
    assert (7, "schema-undocumented") in codes


def test_paths_are_judged_alike_whatever_the_suffix(hits: SpecHits) -> None:
    assert row(hits, 42, "docs/reports/run.md")[0] == "stale"
    assert row(hits, 42, "docs/reports/run.log")[0] == "stale"
    assert row(hits, 42, "outputs/x.log")[0] == "external"  # no such top-level folder


def test_only_specs_see_bare_names(tmp_path: Path) -> None:
    from sphinx_ptyplan.core.sources.documents import parse_document

    plan = parse_document("Use `RawData` and `update_legacy_dict()`.\n", "plan.md", "md")
    assert plan.references == ()
    spec = parse_document("Use `RawData` and `update_legacy_dict()`.\n", "s.md", "md", names=True)
    assert [r.kind for r in spec.references] == [RefKind.NAME, RefKind.NAME]
    assert Status.RESOLVED.value == "resolved"
