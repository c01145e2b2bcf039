"""Bare and short names (issue 15 req 1) and context binding (req 2), on a small real tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphinx_ptyplan.core.checks.names import Binding, NameIndex, bind
from sphinx_ptyplan.core.checks.resolve import CodeIndex
from sphinx_ptyplan.core.sources.codespans import is_bare_name

FILES = {
    "ptycho/__init__.py": "",
    "ptycho/params.py": "cfg = {}\n\ndef get(key): ...\n",
    "ptycho/config/__init__.py": "",
    "ptycho/config/config.py": (
        "from dataclasses import dataclass\n\n"
        "@dataclass\nclass ModelConfig:\n    N: int = 64\n\n"
        "def dataclass_to_legacy_dict(obj):\n"
        "    KEY_MAPPINGS = {'object_big': 'object.big'}\n"
        "    return KEY_MAPPINGS\n"
    ),
    "ptycho/baselines.py": "n_filters_scale = 2\n\ndef train(): ...\n",
    "ptycho/model.py": "def train(): ...\nMAX_N = 3\n",
    "ptycho_torch/__init__.py": "",
    "ptycho_torch/config_params.py": "class ModelConfig: ...\n\nclass DataConfig: ...\n",
    "ptycho_torch/config_bridge.py": (
        "from ptycho.config.config import ModelConfig as TFModelConfig\n"
        "from ptycho_torch.config_params import ModelConfig, DataConfig\n\n"
        "def to_model_config(data, model, overrides=None) -> TFModelConfig: ...\n"
    ),
}


@pytest.fixture
def tree(tmp_path: Path) -> tuple[CodeIndex, NameIndex]:
    for rel, text in FILES.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    index = CodeIndex(tmp_path)
    return index, NameIndex(index)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("RawData", "class"),
        ("Simulator", "class"),
        ("KEY_MAPPINGS", "constant"),
        ("MAX", "constant"),
        ("update_legacy_dict", "function"),
        ("create_training_payload()", "function"),
        ("train()", "function"),
        ("N", None),  # one or two letters: a parameter, not a definition reference
        ("K", None),
        ("model", None),  # a plain word is prose
        ("cfg", None),
        ("not a name", None),
        ("x.y", None),
    ],
)
def test_which_words_are_names(text: str, kind: str | None) -> None:
    assert is_bare_name(text) == kind


def where(defs: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(f"{d.where} {d.kind}" for d in defs)


def test_lookup_top_level_locals_and_aliases(tree: tuple[CodeIndex, NameIndex]) -> None:
    _index, names = tree
    assert where(names.lookup("ModelConfig", "class")) == [
        "ptycho/config/config.py:4 class",
        "ptycho_torch/config_params.py:1 class",
    ]
    assert where(names.lookup("dataclass_to_legacy_dict", "function")) == [
        "ptycho/config/config.py:7 function"
    ]
    # a local variable of a function, found only because no top-level name matches
    (local,) = names.lookup("KEY_MAPPINGS", "constant")
    assert (local.where, local.kind, local.owner) == (
        "ptycho/config/config.py:8",
        "local",
        "dataclass_to_legacy_dict",
    )
    # an import alias says what it imports
    (alias,) = names.lookup("TFModelConfig", "class")
    assert (alias.where, alias.kind, alias.target) == (
        "ptycho_torch/config_bridge.py:1",
        "alias",
        "ptycho.config.config.ModelConfig",
    )
    # lower-case names mean functions and classes, never a module variable of that name
    assert names.lookup("n_filters_scale", "function") == []
    assert where(names.lookup("train", "function")) == [
        "ptycho/baselines.py:3 function",
        "ptycho/model.py:1 function",
    ]
    assert names.lookup("NOT_THERE", "constant") == []


def test_binding_nearest_hint_first(tree: tuple[CodeIndex, NameIndex]) -> None:
    index, names = tree
    defs = names.lookup("ModelConfig", "class")

    def bound(*hints: tuple[str, str]) -> str:
        got = bind("ModelConfig", defs, list(hints), index)
        return f"{got.definition.where} {got.how}" if isinstance(got, Binding) else str(got)

    # a file named next to it, as written (a suffix of the tree path)
    assert (
        bound(("section intro", "config/config.py"))
        == "ptycho/config/config.py:4 `config/config.py` (section intro)"
    )
    # a qualified mention
    q = ("qualified mention at line 2", "ptycho_torch.config_params.ModelConfig")
    assert bound(q, ("heading", "config/config.py")) == (
        "ptycho_torch/config_params.py:1 "
        "`ptycho_torch.config_params.ModelConfig` (qualified mention at line 2)"
    )
    # a module that imports the name decides through its import
    assert bound(("named in the same item (line 3)", "ptycho_torch.config_bridge")) == (
        "ptycho_torch/config_params.py:1 "
        "`ptycho_torch.config_bridge` (named in the same item (line 3))"
    )
    # ... but the page setting decides only by what the module defines
    assert bound(("page setting", "ptycho_torch.config_bridge")) == "None"
    # a package folder
    assert bound(("page", "ptycho")) == "ptycho/config/config.py:4 `ptycho` (page)"
    assert (
        bound(("heading", "ptycho_torch/"))
        == "ptycho_torch/config_params.py:1 `ptycho_torch/` (heading)"
    )
    # hints that say nothing are skipped; none left: undecided
    assert (
        bound(("named in the same item (line 3)", "ptycho/params.py"), ("heading", "docs/x.md"))
        == "None"
    )
    # a module outside the tree in the same item claims the functions next to it ...
    outside = ("named in the same item (line 3)", "ptychodus.model.reconstructor")
    assert bind("train", names.lookup("train", "function"), [outside], index) == "outside"
    # ... not a class the tree defines
    assert bound(outside) == "None"
    # ... but a far outside mention does not silence it
    assert bound(("heading", "ptychodus.model.reconstructor")) == "None"
