"""Tests of the static scanner: tree -> Inventory, parse cache, fingerprints, snapshots."""

from __future__ import annotations

import ast
import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from sphinx_ptyplan.core.models import (
    EntryKind,
    FindingKind,
    Inventory,
    ModuleInfo,
    SymbolKind,
)
from sphinx_ptyplan.core.sources import extract, parsecache, walk
from sphinx_ptyplan.core.sources.extract import digest, parse_module
from sphinx_ptyplan.core.sources.parsecache import ParseCache
from sphinx_ptyplan.core.sources.scan import fingerprint_tree, scan_tree
from sphinx_ptyplan.core.sources.snapshot import inventory_from_dict, inventory_to_dict

CONFIG_PARAMS = '''\
"""Configuration dataclasses for the PyTorch port.

Mirrors ptycho/params.py.
"""

from __future__ import annotations

import dataclasses
from dataclasses import KW_ONLY, InitVar, dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

if TYPE_CHECKING:
    from pathlib import Path

    PathLike = str | Path
else:
    PathLike = str

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

DEFAULT_N = 64
mode: Literal["train", "infer"] = "train"
a, (b, c) = 1, (2, 3)


@dataclass(frozen=True)
class DataConfig:
    """Data settings."""

    N: int = 64
    grid_size: tuple[int, int] = (2, 2)
    probe_scale: float = field(default=4.0)
    REGISTRY: ClassVar[dict[str, int]] = {}
    _: KW_ONLY
    seed: InitVar[int] = 0
    label = "data"

    def __post_init__(self, seed: int) -> None:
        self.derived = seed * 2


@dataclasses.dataclass
class ModelConfig:
    n_filters_scale: int = 2
    amp_activation: str = "sigmoid"

    @property
    def depth(self) -> int:
        return 3


class TrainingConfig(ModelConfig, metaclass=type):
    """Not a dataclass."""

    epochs: int = 50
    batch_size = 16

    def __init__(self, epochs: int = 50) -> None:
        self.epochs = epochs
        self.learning_rate: float = 1e-3
        self.history, self.best = [], None

    class Inner:
        flag = True


def update_legacy_dict(cfg: dict, /, source, *extra, strict: bool = False, **kw) -> dict:
    return cfg


async def fetch(url: str) -> bytes:
    return b""


__all__ = ["DataConfig", "ModelConfig"]
__all__ += ["update_legacy_dict"]
'''

BASE_API = '''\
"""Base API for ptycho_torch workflows."""


class BaseAPI:
    def __init__(self, config):
        self.config = config

    @staticmethod
    @some.decorator(arg=1)
    def run(x: int = 1) -> None:
        """Run it.

        Details.
        """


def validate_paths(train, test=None):
    pass
'''

NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "source": ["import numpy as np\n", "x = 1\n"]},
        {"cell_type": "markdown", "source": ["Some intro text\n"]},
        {"cell_type": "markdown", "source": ["## Reconstruction demo\n", "# Later\n"]},
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def line_of(source: str, needle: str) -> int:
    """1-based line of the first line of ``source`` containing ``needle``."""
    for number, line in enumerate(source.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small ptycho_torch-like repository."""
    root = tmp_path / "repo"
    pt = root / "ptycho_torch"
    write(pt / "__init__.py", '"""PyTorch port of PtychoPINN."""\n__all__ = ["config_params"]\n')
    write(pt / "config_params.py", CONFIG_PARAMS)
    write(pt / "api" / "__init__.py", "")
    write(pt / "api" / "base_api.py", BASE_API)
    write(pt / "reassembly_utils.py", "def reassemble(patches):\n    return patches\n")
    write(pt / "reassembly_legacy.py", "OLD = True\n")
    write(pt / "scripts" / "train.py", "# a script\n\nprint('train')\n")
    write(pt / "scripts" / "deep" / "eval.py", "X = 1\n")
    write(pt / "notebooks" / "demo.ipynb", json.dumps(NOTEBOOK))
    write(pt / "notebooks" / "broken.ipynb", "{not json")
    write(pt / "datasets" / "probe.npz", b"\x93NUMPY\x00\x01")
    write(pt / "datasets" / "notes.txt", "not an asset\n")
    write(pt / "README.md", "# ptycho_torch\n")
    write(pt / "__pycache__" / "config_params.cpython-311.pyc", b"\x00\x01")
    write(pt / "build" / "lib" / "stale.py", "STALE = 1\n")
    write(pt / "pkg.egg-info" / "PKG-INFO", "x\n")
    write(root / "ptycho" / "__init__.py", '"""TensorFlow original."""\n')
    write(root / "ptycho" / "params.py", "cfg = {}\n")
    return root


def rows(inv: Inventory) -> list[tuple[str, str, str | None]]:
    return [(e.path, e.kind.value, e.dotted) for e in inv.entries]


def codes(inv: Inventory) -> list[tuple[str, str | None, str]]:
    return [(f.kind.value, f.path, f.code) for f in inv.findings]


# --------------------------------------------------------------------------- inventory rows


def test_rows_of_a_realistic_tree(project: Path) -> None:
    inv = scan_tree(project, "ptycho_torch", assets=["*.npz"])
    assert inv.root == project.resolve().as_posix()
    assert inv.tree == "ptycho_torch"
    assert rows(inv) == [
        ("ptycho_torch", "package", "ptycho_torch"),
        ("ptycho_torch/api", "package", "ptycho_torch.api"),
        ("ptycho_torch/api/base_api.py", "module", "ptycho_torch.api.base_api"),
        ("ptycho_torch/config_params.py", "module", "ptycho_torch.config_params"),
        ("ptycho_torch/datasets/probe.npz", "asset", None),
        ("ptycho_torch/notebooks/broken.ipynb", "notebook", None),
        ("ptycho_torch/notebooks/demo.ipynb", "notebook", None),
        ("ptycho_torch/reassembly_legacy.py", "module", "ptycho_torch.reassembly_legacy"),
        ("ptycho_torch/reassembly_utils.py", "module", "ptycho_torch.reassembly_utils"),
        ("ptycho_torch/scripts", "namespace", "ptycho_torch.scripts"),
        ("ptycho_torch/scripts/deep", "namespace", "ptycho_torch.scripts.deep"),
        ("ptycho_torch/scripts/deep/eval.py", "module", "ptycho_torch.scripts.deep.eval"),
        ("ptycho_torch/scripts/train.py", "module", "ptycho_torch.scripts.train"),
    ]
    # the broken notebook is listed and reported; nothing else is wrong
    assert codes(inv) == [("parse", "ptycho_torch/notebooks/broken.ipynb", "notebook-json")]
    by = inv.by_path()
    demo = by["ptycho_torch/notebooks/demo.ipynb"]
    assert demo.title == "Reconstruction demo"
    assert demo.lines == 2
    assert demo.digest == digest(json.dumps(NOTEBOOK).encode())
    pkg = by["ptycho_torch"]
    assert pkg.info is not None and pkg.info.docstring == "PyTorch port of PtychoPINN."
    assert pkg.info.all_names == ("config_params",)
    assert pkg.source_path == "ptycho_torch/__init__.py"
    init_bytes = (project / "ptycho_torch" / "__init__.py").read_bytes()
    assert pkg.digest == digest(init_bytes)
    train = by["ptycho_torch/scripts/train.py"]
    assert train.info is not None
    assert (train.lines, train.info.code_lines) == (3, 1)


def test_scan_of_the_whole_root(project: Path) -> None:
    inv = scan_tree(project)
    paths = [e.path for e in inv.entries]
    assert "ptycho" in paths and "ptycho/params.py" in paths
    assert "ptycho_torch/config_params.py" in paths
    assert "" not in paths  # the root itself is not a row
    assert not any("build" in p or "__pycache__" in p for p in paths)
    assert inv.tree == ""
    assert inv.by_path()["ptycho/params.py"].dotted == "ptycho.params"


def test_scan_is_deterministic(project: Path) -> None:
    assert scan_tree(project, "ptycho_torch") == scan_tree(project, "./ptycho_torch/")


def test_single_file_tree(project: Path) -> None:
    inv = scan_tree(project, "ptycho_torch/api/base_api.py")
    assert rows(inv) == [("ptycho_torch/api/base_api.py", "module", "ptycho_torch.api.base_api")]
    assert inv.findings == ()
    info = inv.entries[0].info
    assert info is not None and info.symbol("validate_paths") is not None


def test_tree_outside_root_and_missing(project: Path, tmp_path: Path) -> None:
    write(tmp_path / "elsewhere" / "x.py", "X = 1\n")
    for tree in ("../elsewhere", str(tmp_path / "elsewhere"), "ptycho_torch/../../elsewhere"):
        inv = scan_tree(project, tree)
        assert inv.entries == ()
        assert codes(inv) == [("config", None, "outside-root")], tree
    inv = scan_tree(project, "ptycho_torch/nope")
    assert inv.entries == ()
    assert codes(inv) == [("config", None, "missing-path")]
    assert "ptycho_torch/nope" in inv.findings[0].message


def test_dotted_is_none_for_non_identifiers(tmp_path: Path) -> None:
    write(tmp_path / "my-tools" / "run.py", "X = 1\n")
    write(tmp_path / "pkg" / "2d_utils.py", "X = 1\n")
    write(tmp_path / "pkg" / "class.py", "X = 1\n")
    write(tmp_path / "pkg" / "ok.py", "X = 1\n")
    by = scan_tree(tmp_path).by_path()
    assert by["my-tools/run.py"].dotted is None
    assert by["pkg/2d_utils.py"].dotted is None
    assert by["pkg/class.py"].dotted is None  # a keyword cannot be imported
    assert by["pkg/ok.py"].dotted == "pkg.ok"


# --------------------------------------------------------------------------- symbols


def test_module_symbols_constants_and_all() -> None:
    info = parse_module(CONFIG_PARAMS.encode(), path="config_params.py")
    assert info.problem is None
    assert info.docstring == "Configuration dataclasses for the PyTorch port."
    assert info.all_names == ("DataConfig", "ModelConfig", "update_legacy_dict")
    names = [(s.name, s.kind) for s in info.symbols]
    C, F, K = SymbolKind.CONSTANT, SymbolKind.FUNCTION, SymbolKind.CLASS
    assert names == [
        ("PathLike", C),  # under `if TYPE_CHECKING`: first definition wins
        ("torch", C),  # `except ImportError:` fallback
        ("DEFAULT_N", C),
        ("mode", C),
        ("a", C),
        ("b", C),
        ("c", C),
        ("DataConfig", K),
        ("ModelConfig", K),
        ("TrainingConfig", K),
        ("update_legacy_dict", F),
        ("fetch", F),
        ("__all__", C),
    ]
    mode = info.symbol("mode")
    assert mode is not None
    assert (mode.annotation, mode.default) == ("Literal['train', 'infer']", "'train'")
    assert info.symbol("DEFAULT_N") is not None and info.symbol("DEFAULT_N").default == "64"  # type: ignore[union-attr]
    assert info.symbol("a").default is None  # type: ignore[union-attr]
    assert info.symbol("dataclass") is None  # imports are not symbols
    assert info.total_lines == CONFIG_PARAMS.count("\n")
    assert [s.name for s in info.public_symbols] == [
        "DataConfig",
        "ModelConfig",
        "update_legacy_dict",
    ]


def test_dataclass_fields_and_attributes() -> None:
    info = parse_module(CONFIG_PARAMS.encode())
    data = info.symbol("DataConfig")
    assert data is not None and data.is_dataclass
    assert data.decorators == ("dataclass(frozen=True)",)
    assert data.docstring == "Data settings."
    members = [(m.name, m.kind.value) for m in data.members]
    assert members == [
        ("N", "field"),
        ("grid_size", "field"),
        ("probe_scale", "field"),
        ("REGISTRY", "attribute"),  # ClassVar
        ("seed", "attribute"),  # InitVar is not a field
        ("label", "attribute"),
        ("__post_init__", "method"),
        ("derived", "attribute"),  # self.derived in __post_init__
    ]
    assert [f.name for f in data.fields] == ["N", "grid_size", "probe_scale"]
    n = data.member("N")
    assert n is not None and (n.annotation, n.default, n.line) == (
        "int",
        "64",
        line_of(CONFIG_PARAMS, "N: int = 64"),
    )
    ps = data.member("probe_scale")
    assert ps is not None and ps.default == "field(default=4.0)"
    derived = data.member("derived")
    assert derived is not None and derived.line == line_of(CONFIG_PARAMS, "self.derived")

    model = info.symbol("ModelConfig")
    assert model is not None and model.is_dataclass
    assert [f.name for f in model.fields] == ["n_filters_scale", "amp_activation"]
    depth = model.member("depth")
    assert depth is not None and depth.kind is SymbolKind.METHOD
    assert depth.decorators == ("property",)
    assert depth.line == line_of(
        CONFIG_PARAMS, "def depth"
    )  # the `def` line, not the decorator line


def test_plain_class_attributes_and_init_assignments() -> None:
    info = parse_module(CONFIG_PARAMS.encode())
    tc = info.symbol("TrainingConfig")
    assert tc is not None and not tc.is_dataclass
    assert tc.bases == ("ModelConfig",)
    assert tc.fields == ()  # annotations on a non-dataclass are attributes
    members = [(m.name, m.kind.value, m.line) for m in tc.members]
    assert members == [
        ("epochs", "attribute", line_of(CONFIG_PARAMS, "epochs: int = 50")),
        ("batch_size", "attribute", line_of(CONFIG_PARAMS, "batch_size =")),
        ("__init__", "method", line_of(CONFIG_PARAMS, "def __init__")),
        ("learning_rate", "attribute", line_of(CONFIG_PARAMS, "self.learning_rate")),
        ("history", "attribute", line_of(CONFIG_PARAMS, "self.history")),
        ("best", "attribute", line_of(CONFIG_PARAMS, "self.history")),
        ("Inner", "class", line_of(CONFIG_PARAMS, "class Inner")),
    ]
    lr = tc.member("learning_rate")
    assert lr is not None and (lr.annotation, lr.default) == ("float", "0.001")
    inner = tc.member("Inner")
    assert inner is not None and inner.member("flag") is not None
    assert (tc.line, tc.end_line) == (
        line_of(CONFIG_PARAMS, "class TrainingConfig"),
        line_of(CONFIG_PARAMS, "flag = True"),
    )


def test_function_params_and_returns() -> None:
    info = parse_module(CONFIG_PARAMS.encode())
    fn = info.symbol("update_legacy_dict")
    assert fn is not None and fn.kind is SymbolKind.FUNCTION
    assert [(p.name, p.kind, p.annotation, p.default) for p in fn.params] == [
        ("cfg", "posonly", "dict", None),
        ("source", "arg", None, None),
        ("extra", "vararg", None, None),
        ("strict", "kwonly", "bool", "False"),
        ("kw", "varkw", None, None),
    ]
    assert fn.returns == "dict"
    fetch = info.symbol("fetch")
    assert fetch is not None and fetch.kind is SymbolKind.FUNCTION and fetch.returns == "bytes"
    assert fetch.is_async and not info.symbol("update_legacy_dict").is_async  # type: ignore[union-attr]

    api = parse_module(BASE_API.encode())
    run = api.symbol("BaseAPI").member("run")  # type: ignore[union-attr]
    assert run is not None
    assert run.decorators == ("staticmethod", "some.decorator(arg=1)")
    assert (run.line, run.end_line) == (
        line_of(BASE_API, "def run"),
        line_of(BASE_API, "Details") + 1,
    )
    assert run.docstring == "Run it."
    assert [(p.name, p.default) for p in run.params] == [("x", "1")]
    vp = api.symbol("validate_paths")
    assert vp is not None and [(p.name, p.default) for p in vp.params] == [
        ("train", None),
        ("test", "None"),
    ]
    config = api.symbol("BaseAPI").member("config")  # type: ignore[union-attr]
    assert (
        config is not None
        and config.kind is SymbolKind.ATTRIBUTE
        and config.line == line_of(BASE_API, "self.config")
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('__all__ = ("a", "b")\n', ("a", "b")),
        ('__all__ = ["a"]\n__all__.extend(["b"])\n__all__.append("c")\n', ("a", "b", "c")),
        ('__all__: list[str] = ["a"]\n', ("a",)),
        ("__all__ = [name for name in dir()]\n", None),
        ('__all__ = ["a"]\n__all__ += other.__all__\n', None),
        ("X = 1\n", None),
    ],
)
def test_all_names(source: str, expected: tuple[str, ...] | None) -> None:
    assert parse_module(source.encode()).all_names == expected


def test_line_counts() -> None:
    src = b'"""Doc."""\n\n# comment\n   # indented comment\nx = 1  # trailing\n\n\ny = 2'
    info = parse_module(src)
    assert (info.total_lines, info.code_lines) == (8, 3)
    assert parse_module(b"x = 1\n").total_lines == 1


# --------------------------------------------------------------------------- parse problems


@pytest.mark.parametrize(
    ("data", "code", "line"),
    [
        (b"def ok():\n    pass\n\ndef broken(:\n    pass\n", "syntax-error", 4),
        (b"x = 1\ny = 2\0\nz = 3\n", "syntax-error", 2),
        (bytes(range(256)) * 4, "binary", 0),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary", 0),
        (b"x = 1\ny = '\xff\xfe'\n", "encoding", 2),
        (b"# -*- coding: klingon -*-\nx = 1\n", "encoding", 0),
        (b"x = " + b"-" * 200_000 + b"1\n", "too-complex", 0),
    ],
)
def test_problems_never_raise(data: bytes, code: str, line: int) -> None:
    info = parse_module(data, path="bad.py")
    assert info.problem is not None
    assert info.problem.code == code, info.problem
    assert info.problem.line == line
    assert info.symbols == ()


def test_syntax_error_keeps_counts() -> None:
    info = parse_module(b"x = 1\n\ndef broken(:\n")
    assert info.problem is not None and info.problem.line == 3
    assert (info.total_lines, info.code_lines) == (3, 2)


def test_latin1_cookie_bom_crlf_and_empty() -> None:
    latin = "# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n".encode("latin-1")
    info = parse_module(latin)
    assert info.problem is None
    assert info.symbol("NAME").default == "'caf\xe9'"  # type: ignore[union-attr]

    bom = b"\xef\xbb\xbf" + '"""Module with BOM."""\nX = "\xe9"\n'.encode()
    info = parse_module(bom)
    assert info.problem is None and info.docstring == "Module with BOM."
    assert info.symbol("X").line == 2  # type: ignore[union-attr]

    crlf = b'"""Doc."""\r\n\r\nclass A:\r\n    x = 1\r\n\r\ndef f():\r\n    return 1\r\n'
    info = parse_module(crlf)
    assert info.problem is None
    assert (info.total_lines, info.code_lines) == (7, 5)
    assert [(s.name, s.line, s.end_line) for s in info.symbols] == [("A", 3, 4), ("f", 6, 7)]

    empty = parse_module(b"")
    assert empty == ModuleInfo(total_lines=0, code_lines=0)

    bad_bom = b"\xef\xbb\xbf# coding: latin-1\nx = 1\n"
    bad = parse_module(bad_bom)
    assert bad.problem is not None and bad.problem.code == "encoding"


def test_too_large_in_parse_module() -> None:
    info = parse_module(b"x = 1\n" * 10, max_bytes=20)
    assert info.problem is not None and info.problem.code == "too-large"


def test_problem_files_are_listed_and_reported(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "__init__.py", "def broken(:\n")
    write(tmp_path / "pkg" / "nul.py", b"x = 1\n\0\n")
    write(tmp_path / "pkg" / "blob.py", bytes(range(150)))
    write(tmp_path / "pkg" / "big.py", "x = 1\n" * 50)
    write(tmp_path / "pkg" / "latin.py", b"# coding: latin-1\nS = '\xe9'\n")
    write(tmp_path / "pkg" / "bad_enc.py", b"S = '\xe9'\n")
    write(tmp_path / "pkg" / "empty.py", b"")
    inv = scan_tree(tmp_path, "pkg", max_file_bytes=200)
    assert [(e.path, e.kind.value) for e in inv.entries] == [
        ("pkg", "package"),
        ("pkg/bad_enc.py", "module"),
        ("pkg/big.py", "module"),
        ("pkg/blob.py", "module"),
        ("pkg/empty.py", "module"),
        ("pkg/latin.py", "module"),
        ("pkg/nul.py", "module"),
    ]
    assert [(f.kind, f.path, f.line, f.code) for f in inv.findings] == [
        (FindingKind.PARSE, "pkg/__init__.py", 1, "syntax-error"),
        (FindingKind.PARSE, "pkg/bad_enc.py", 1, "encoding"),
        (FindingKind.PARSE, "pkg/big.py", None, "too-large"),
        (FindingKind.PARSE, "pkg/blob.py", None, "binary"),
        (FindingKind.PARSE, "pkg/nul.py", 2, "syntax-error"),
    ]
    by = inv.by_path()
    big = by["pkg/big.py"]
    assert (big.lines, big.digest) == (0, "")
    assert big.info is not None and big.info.problem is not None
    assert by["pkg"].info is not None and by["pkg"].info.problem is not None
    assert by["pkg/latin.py"].info is not None and by["pkg/latin.py"].info.problem is None
    assert by["pkg/empty.py"].lines == 0


def test_too_large_files_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "huge.py", "x = 1\n" * 1000)
    write(tmp_path / "small.py", "x = 1\n")
    opened: list[str] = []
    real_open = open

    def spy(file: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(walk, "open", spy, raising=False)
    inv = scan_tree(tmp_path, max_file_bytes=100)
    assert [os.path.basename(p) for p in opened] == ["small.py"]
    assert codes(inv) == [("parse", "huge.py", "too-large")]


def test_scanning_never_imports_or_executes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path / "evilpkg_ptyplan" / "__init__.py",
        'open("PWNED", "w").write("x")\nimport os\nos.system("touch PWNED2")\n',
    )
    write(
        tmp_path / "evilpkg_ptyplan" / "evil_mod_ptyplan.py",
        'open("PWNED", "w").write("x")\nraise SystemExit(3)\n',
    )
    monkeypatch.chdir(tmp_path)
    inv = scan_tree(tmp_path, jobs=2)
    assert [e.path for e in inv.entries] == [
        "evilpkg_ptyplan",
        "evilpkg_ptyplan/evil_mod_ptyplan.py",
    ]
    assert not (tmp_path / "PWNED").exists()
    assert not (tmp_path / "PWNED2").exists()
    assert "evilpkg_ptyplan" not in sys.modules
    assert "evilpkg_ptyplan.evil_mod_ptyplan" not in sys.modules
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evilpkg_ptyplan"]


# --------------------------------------------------------------------------- walking rules


def test_symlink_outside_root_is_skipped(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    write(outside / "secret.py", "SECRET = 1\n")
    write(root / "pkg" / "__init__.py", "")
    write(root / "pkg" / "real.py", "REAL = 1\n")
    (root / "pkg" / "leak").symlink_to(outside, target_is_directory=True)
    (root / "pkg" / "leak_file.py").symlink_to(outside / "secret.py")
    (root / "pkg" / "alias.py").symlink_to(root / "pkg" / "real.py")  # inside: followed
    (root / "pkg" / "dangling.py").symlink_to(root / "pkg" / "gone.py")
    inv = scan_tree(root, "pkg")
    assert [e.path for e in inv.entries] == ["pkg", "pkg/alias.py", "pkg/real.py"]
    assert codes(inv) == [
        ("io", "pkg/dangling.py", "unreadable"),
        ("io", "pkg/leak", "symlink-outside-root"),
        ("io", "pkg/leak_file.py", "symlink-outside-root"),
    ]
    alias = inv.by_path()["pkg/alias.py"]
    assert alias.info is not None and alias.info.symbol("REAL") is not None
    # a tree that is itself a link to the outside is refused outright
    (root / "out").symlink_to(outside, target_is_directory=True)
    assert codes(scan_tree(root, "out")) == [("config", None, "outside-root")]


def test_symlink_loop_terminates(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "__init__.py", "")
    write(tmp_path / "pkg" / "sub" / "mod.py", "X = 1\n")
    (tmp_path / "pkg" / "sub" / "up").symlink_to(tmp_path / "pkg", target_is_directory=True)
    (tmp_path / "pkg" / "self").symlink_to("self")  # a link to itself
    (tmp_path / "pkg" / "other").symlink_to(tmp_path / "pkg" / "sub", target_is_directory=True)
    inv = scan_tree(tmp_path, "pkg")
    # links to folders of the scanned tree itself are not followed: every file is listed
    # once, under its real path (no duplicate rows, no false "ambiguous" bare names)
    assert [e.path for e in inv.entries] == ["pkg", "pkg/sub", "pkg/sub/mod.py"]
    assert codes(inv) == [("io", "pkg/self", "unreadable")]
    # one policy for every tree (and for the code index): a folder link inside the root is
    # never followed, also when it leads out of the scanned tree, so there is no loop to
    # follow and the rows of a tree are the root's listing under it
    inner = scan_tree(tmp_path, "pkg/sub")
    assert [e.path for e in inner.entries] == ["pkg/sub", "pkg/sub/mod.py"]
    assert codes(inner) == []


def test_unreadable_folder_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "pkg" / "__init__.py", "")
    write(tmp_path / "pkg" / "ok.py", "X = 1\n")
    write(tmp_path / "pkg" / "locked" / "hidden.py", "X = 1\n")
    write(tmp_path / "pkg" / "noperm.py", "X = 1\n")
    (tmp_path / "pkg" / "locked").chmod(0)  # no effect as root: simulated below
    locked = str(tmp_path / "pkg" / "locked")
    real_scandir, real_open = os.scandir, open

    def scandir(path: Any = ".") -> Any:
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    def fake_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if os.fspath(file).endswith("noperm.py"):
            raise PermissionError(13, "Permission denied", file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(walk, "open", fake_open, raising=False)
    try:
        inv = scan_tree(tmp_path, "pkg")
        fp = fingerprint_tree(tmp_path, "pkg")
    finally:
        (tmp_path / "pkg" / "locked").chmod(0o755)
    assert [e.path for e in inv.entries] == ["pkg", "pkg/ok.py"]
    assert codes(inv) == [
        ("io", "pkg/locked", "unreadable"),
        ("io", "pkg/noperm.py", "unreadable"),
    ]
    assert "Permission denied" in inv.findings[0].message
    monkeypatch.undo()
    assert fingerprint_tree(tmp_path, "pkg") != fp  # the unreadable folder is part of it


def test_include_exclude_and_defaults(project: Path) -> None:
    inv = scan_tree(project, "ptycho_torch", exclude=["reassembly_*", "scripts/", "notebooks"])
    paths = [e.path for e in inv.entries]
    assert "ptycho_torch/reassembly_utils.py" not in paths
    assert not any("/scripts" in p or "/notebooks" in p for p in paths)
    assert "ptycho_torch/config_params.py" in paths

    inv = scan_tree(project, "ptycho_torch", include=["api/"])
    assert rows(inv) == [
        ("ptycho_torch/api", "package", "ptycho_torch.api"),
        ("ptycho_torch/api/base_api.py", "module", "ptycho_torch.api.base_api"),
    ]
    inv = scan_tree(project, "ptycho_torch", include=["reassembly_*", "scripts/deep/*"])
    assert [e.path for e in inv.entries] == [
        "ptycho_torch/reassembly_legacy.py",
        "ptycho_torch/reassembly_utils.py",
        "ptycho_torch/scripts/deep",
        "ptycho_torch/scripts/deep/eval.py",
    ]
    # a file pattern without "/" matches at any depth
    inv = scan_tree(project, "ptycho_torch", include=["eval.py"])
    assert [e.path for e in inv.entries] == ["ptycho_torch/scripts/deep/eval.py"]
    # DEFAULT_EXCLUDES always apply, even with an include that would match
    inv = scan_tree(project, "ptycho_torch", include=["*.py"])
    assert not any("build" in e.path for e in inv.entries)
    assert {"__pycache__", "build", "*.egg-info", ".git", ".venv"} <= set(walk.DEFAULT_EXCLUDES)


def test_ignored_callback(project: Path) -> None:
    asked: list[str] = []

    def ignored(rel: str) -> bool:
        asked.append(rel)
        return rel in ("ptycho_torch/scripts/", "ptycho_torch/reassembly_legacy.py")

    inv = scan_tree(project, "ptycho_torch", ignored=ignored)
    paths = [e.path for e in inv.entries]
    assert "ptycho_torch/reassembly_legacy.py" not in paths
    assert not any("scripts" in p for p in paths)
    assert "ptycho_torch/api/" in asked and "ptycho_torch/config_params.py" in asked
    assert "ptycho_torch/scripts/train.py" not in asked  # pruned folders are not entered


def test_maxdepth(project: Path) -> None:
    inv = scan_tree(project, "ptycho_torch", maxdepth=1)
    assert [e.path for e in inv.entries] == [
        "ptycho_torch",
        "ptycho_torch/api",
        "ptycho_torch/config_params.py",
        "ptycho_torch/reassembly_legacy.py",
        "ptycho_torch/reassembly_utils.py",
        "ptycho_torch/scripts",
    ]
    inv = scan_tree(project, "ptycho_torch", maxdepth=2)
    paths = [e.path for e in inv.entries]
    assert "ptycho_torch/scripts/train.py" in paths
    assert "ptycho_torch/scripts/deep" in paths
    assert "ptycho_torch/scripts/deep/eval.py" not in paths
    assert [e.path for e in scan_tree(project, "ptycho_torch", maxdepth=0).entries] == [
        "ptycho_torch"
    ]


def test_assets_and_notebooks_exclude(project: Path) -> None:
    inv = scan_tree(project, "ptycho_torch", assets=["datasets/*", "README.md"])
    assets = [e.path for e in inv.entries if e.kind is EntryKind.ASSET]
    assert assets == [
        "ptycho_torch/README.md",
        "ptycho_torch/datasets/notes.txt",
        "ptycho_torch/datasets/probe.npz",
    ]
    inv = scan_tree(project, "ptycho_torch", notebooks="exclude")
    assert not any(e.kind is EntryKind.NOTEBOOK for e in inv.entries)
    assert inv.findings == ()  # the broken notebook is not even read
    inv = scan_tree(project, "ptycho_torch")
    assert not any(e.kind is EntryKind.ASSET for e in inv.entries)


def test_notebook_variants(tmp_path: Path) -> None:
    write(
        tmp_path / "nb" / "str_source.ipynb",
        json.dumps({"cells": [{"cell_type": "markdown", "source": "# Title  ##\ntext"}]}),
    )
    write(
        tmp_path / "nb" / "no_heading.ipynb",
        json.dumps({"cells": [{"cell_type": "markdown", "source": "#hashtag, not a heading"}]}),
    )
    write(tmp_path / "nb" / "list.ipynb", "[1, 2]")
    write(tmp_path / "nb" / "big.ipynb", json.dumps({"cells": [], "pad": "x" * 500}))
    inv = scan_tree(tmp_path, "nb", max_file_bytes=300)
    by = inv.by_path()
    assert by["nb/str_source.ipynb"].title == "Title"
    assert by["nb/no_heading.ipynb"].title is None
    assert by["nb/big.ipynb"].title is None
    assert codes(inv) == [("parse", "nb/list.ipynb", "notebook-json")]


# --------------------------------------------------------------------------- cache


def test_cache_hits_misses_and_edits(project: Path) -> None:
    cache = ParseCache()
    first = scan_tree(project, "ptycho_torch", cache=cache)
    modules = [e for e in first.entries if e.kind in (EntryKind.MODULE, EntryKind.PACKAGE)]
    assert cache.misses == len(modules) - 0 and cache.hits == 0
    cache.hits = cache.misses = 0
    assert scan_tree(project, "ptycho_torch", cache=cache) == first
    assert (cache.hits, cache.misses) == (len(modules), 0)  # the second scan parses nothing

    cache.hits = cache.misses = 0
    write(project / "ptycho_torch" / "reassembly_utils.py", "def reassemble2(p):\n    return p\n")
    third = scan_tree(project, "ptycho_torch", cache=cache)
    assert cache.misses == 1  # exactly the edited file is re-parsed
    info = third.by_path()["ptycho_torch/reassembly_utils.py"].info
    assert info is not None and info.symbol("reassemble2") is not None


def test_cache_sees_edit_keeping_size_and_mtime(tmp_path: Path) -> None:
    path = write(tmp_path / "m.py", "AAA = 1\n")
    st = path.stat()
    cache = ParseCache()
    scan_tree(tmp_path, cache=cache)
    path.write_text("BBB = 1\n")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    info = scan_tree(tmp_path, cache=cache).entries[0].info
    assert info is not None and [s.name for s in info.symbols] == ["BBB"]
    assert cache.misses == 2


def test_cache_save_load_and_pruning(project: Path, tmp_path: Path) -> None:
    file = tmp_path / "cache" / "scan.pickle"
    cache = ParseCache()
    scan_tree(project, "ptycho_torch", cache=cache)
    scan_tree(project, "ptycho", cache=cache)
    cache.save(file)
    assert file.exists() and not [p for p in file.parent.iterdir() if p != file]

    loaded = ParseCache.load(file)
    assert len(loaded) == len(cache)
    assert scan_tree(project, "ptycho_torch", cache=loaded) == scan_tree(project, "ptycho_torch")
    assert loaded.misses == 0 and loaded.hits > 0
    # entries not used by a build age; after _CACHE_KEEP_BUILDS builds they are dropped
    for _build in range(parsecache._CACHE_KEEP_BUILDS - 1):
        loaded = ParseCache.load(file)
        scan_tree(project, "ptycho_torch", cache=loaded)  # ptycho/ is not looked up
        loaded.save(file)
    kept = ParseCache.load(file)
    scan_tree(project, "ptycho", cache=kept)
    assert kept.misses == 0  # still there after 7 builds without use
    for _build in range(parsecache._CACHE_KEEP_BUILDS):
        loaded = ParseCache.load(file)
        scan_tree(project, "ptycho_torch", cache=loaded)
        loaded.save(file)
    again = ParseCache.load(file)
    scan_tree(project, "ptycho", cache=again)
    assert again.misses == 2  # ptycho/__init__.py and ptycho/params.py were dropped
    scan_tree(project, "ptycho_torch", cache=again)
    assert again.misses == 2


def test_cache_entries_are_read_lazily_and_one_bad_entry_costs_one_parse(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    file = tmp_path / "scan.pickle"
    cache = ParseCache()
    scan_tree(project, "ptycho_torch", cache=cache)
    cache.save(file)
    tag, modules, notebooks = pickle.loads(file.read_bytes())
    assert all(type(blob) is bytes for _age, blob in modules.values())  # pickled per entry
    victim = next(iter(modules))
    modules[victim] = (0, b"cos\nsystem\n(S'touch PWNED_ENTRY'\ntR.")  # refused, not run
    file.write_bytes(pickle.dumps((tag, modules, notebooks)))
    loaded = ParseCache.load(file)
    assert loaded._modules == {} and len(loaded) == len(modules)  # nothing unpickled yet
    assert scan_tree(project, "ptycho_torch", cache=loaded) == scan_tree(project, "ptycho_torch")
    assert loaded.misses == 1 and loaded.hits == len(modules) - 1
    assert not (tmp_path / "PWNED_ENTRY").exists()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not a pickle at all",
        pickle.dumps({"some": "dict"}),
        pickle.dumps((("ptyplan-parsecache", -1, (3, 0)), {}, {})),
        pickle.dumps((parsecache._CACHE_TAG, {"k": "not a ModuleInfo"}, {})),
        pickle.dumps((parsecache._CACHE_TAG, {"k": (0, "not bytes")}, {})),
        # a tampered cache must not run code: os.system is refused by the unpickler
        b"cos\nsystem\n(S'touch PWNED_CACHE'\ntR.",
    ],
)
def test_cache_load_of_bad_files(
    tmp_path: Path, content: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    file = write(tmp_path / "cache.pickle", content)
    cache = ParseCache.load(file)
    assert len(cache) == 0 and (cache.hits, cache.misses) == (0, 0)
    assert not (tmp_path / "PWNED_CACHE").exists()
    assert len(ParseCache.load(tmp_path / "missing.pickle")) == 0


def test_get_or_parse() -> None:
    cache = ParseCache()
    key, info = cache.get_or_parse(b"X = 1\n", path="m.py", max_bytes=100)
    assert key == digest(b"X = 1\n") and info.symbol("X") is not None
    assert cache.get_or_parse(b"X = 1\n", path="other.py", max_bytes=100) == (key, info)
    assert (cache.hits, cache.misses) == (1, 1)
    _, big = cache.get_or_parse(b"X = 1\n" * 100, path="m.py", max_bytes=100)
    assert big.problem is not None and big.problem.code == "too-large"
    assert len(cache) == 1


# --------------------------------------------------------------------------- fingerprint


def test_fingerprint(project: Path) -> None:
    fp = fingerprint_tree(project, "ptycho_torch")
    assert fp == fingerprint_tree(project, "ptycho_torch")
    assert fp != fingerprint_tree(project, "ptycho")
    # excluded or default-excluded files do not count
    write(project / "ptycho_torch" / "__pycache__" / "new.pyc", b"\0")
    assert fingerprint_tree(project, "ptycho_torch") == fp
    new = write(project / "ptycho_torch" / "new.py", "X = 1\n")
    added = fingerprint_tree(project, "ptycho_torch")
    assert added != fp
    assert fingerprint_tree(project, "ptycho_torch", exclude=["new.py"]) == fp
    new.unlink()
    assert fingerprint_tree(project, "ptycho_torch") == fp

    path = project / "ptycho_torch" / "api" / "base_api.py"
    st = path.stat()
    time.sleep(0.05)  # ctime ticks coarser than ns on some file systems
    path.write_text(BASE_API.replace("pass", "PASS"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    assert fingerprint_tree(project, "ptycho_torch") != fp

    assert fingerprint_tree(project, "missing") == fingerprint_tree(project, "missing")
    assert fingerprint_tree(project, "../..")  # refused, but never raises
    single = fingerprint_tree(project, "ptycho/params.py")
    write(project / "ptycho" / "params.py", "cfg = {'a': 1}\n")
    assert fingerprint_tree(project, "ptycho/params.py") != single


# --------------------------------------------------------------------------- parallel


def _big_tree(root: Path, n: int = 260) -> None:
    for i in range(n):
        body = f'"""Module {i}."""\n\n@dataclass\nclass C{i}:\n    x: int = {i}\n\n'
        body += f"def f{i}(a, b={i}):\n    return a\n"
        write(root / "big" / f"sub{i % 7}" / f"m{i}.py", body)
    write(root / "big" / "sub0" / "broken.py", "def (:\n")
    write(root / "big" / "sub1" / "__init__.py", "X = 1\n")


def test_jobs_two_equals_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _big_tree(tmp_path)
    calls: list[int] = []
    real_pool = walk._parse_in_pool

    def spy(paths: list[str], max_bytes: int, jobs: int) -> Any:
        calls.append(len(paths))
        return real_pool(paths, max_bytes, jobs)

    monkeypatch.setattr(walk, "_parse_in_pool", spy)
    serial = scan_tree(tmp_path, "big", jobs=1)
    assert calls == []
    cache = ParseCache()
    parallel = scan_tree(tmp_path, "big", jobs=2, cache=cache)
    assert calls == [262]
    assert parallel == serial
    assert cache.misses == 262
    assert codes(parallel) == [("parse", "big/sub0/broken.py", "syntax-error")]

    # warm cache with one edit: too few misses for a pool, same answer as serial
    write(tmp_path / "big" / "sub3" / "m3.py", "Y = 2\n")
    cache.hits = cache.misses = 0
    warm = scan_tree(tmp_path, "big", jobs=2, cache=cache)
    assert calls == [262]
    assert cache.misses == 1
    assert warm == scan_tree(tmp_path, "big", jobs=1)


def test_jobs_falls_back_to_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _big_tree(tmp_path)

    def broken(paths: list[str], max_bytes: int, jobs: int) -> Any:
        raise OSError("cannot fork")

    serial = scan_tree(tmp_path, "big")
    monkeypatch.setattr(walk, "_parse_in_pool", broken)
    assert scan_tree(tmp_path, "big", jobs=4) == serial


# --------------------------------------------------------------------------- snapshots


def test_snapshot_round_trip(project: Path) -> None:
    inv = scan_tree(project, "ptycho_torch", assets=["*.npz"])
    data = json.loads(json.dumps(inventory_to_dict(inv)))
    assert data["schema"] == "ptyplan-inventory/1"
    assert inventory_from_dict(data) == inv
    empty = Inventory(root="/r", tree="")
    assert inventory_from_dict(inventory_to_dict(empty)) == empty


def test_snapshot_without_is_async_reads_as_not_async(project: Path) -> None:
    """Snapshots written before ``is_async`` existed still load (as plain functions)."""
    inv = scan_tree(project, "ptycho_torch")
    data = inventory_to_dict(inv)
    seen = 0
    for entry in data["entries"]:
        for sym in (entry.get("info") or {}).get("symbols", []):
            seen += "is_async" in sym
            sym.pop("is_async", None)
    assert seen
    old = inventory_from_dict(data)
    assert all(not s.is_async for e in old.entries if e.info for s in e.info.symbols)


def _mutations() -> list[tuple[str, Any]]:
    def drop(d: dict[str, Any], key: str) -> dict[str, Any]:
        d.pop(key)
        return d

    return [
        ("not a dict", lambda d: [d]),
        ("wrong schema", lambda d: {**d, "schema": "ptyplan-inventory/2"}),
        ("no schema", lambda d: drop(d, "schema")),
        ("entries not a list", lambda d: {**d, "entries": {}}),
        ("no root", lambda d: drop(d, "root")),
        ("bad kind", lambda d: (d["entries"][0].update(kind="widget"), d)[1]),
        ("bad lines", lambda d: (d["entries"][0].update(lines="12"), d)[1]),
        ("bool as int", lambda d: (d["entries"][0].update(lines=True), d)[1]),
        ("bad symbol", lambda d: (d["entries"][0]["info"]["symbols"].append(3), d)[1]),
        ("bad finding", lambda d: (d["findings"].append({"kind": "nope"}), d)[1]),
        ("bad all", lambda d: (d["entries"][0]["info"].update(all_names=[1]), d)[1]),
    ]


@pytest.mark.parametrize(("label", "mutate"), _mutations())
def test_snapshot_rejects_corrupt_data(project: Path, label: str, mutate: Any) -> None:
    inv = scan_tree(project, "ptycho_torch")
    data = json.loads(json.dumps(inventory_to_dict(inv)))
    with pytest.raises(ValueError, match="inventory snapshot"):
        inventory_from_dict(mutate(data))


def test_importing_scan_does_not_import_sphinx() -> None:
    code = "import sys, sphinx_ptyplan.core.sources.scan; print('sphinx' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    assert out.stdout.strip() == "False"


TRICKY_EXPRESSIONS = [
    "x",
    "a.b.c",
    "None",
    "True",
    "0",
    "-1",
    "1.5",
    "1e100",
    "1e309",
    "...",
    "'s'",
    "u's'",
    "'it\\'s'",
    "'a\\nb'",
    "b'x'",
    "list[float]",
    "tuple[int, ...]",
    "dict[str, Any]",
    "x[0,]",
    "x[()]",
    "x[a | b]",
    "int | None",
    "A | B | C",
    "A | (B | C)",
    "(A, B)",
    "a.b[c.d, e]",
    "Optional['Model']",
    "f(x)",
    "x[1:2]",
    "typing.List[int]",
    "'" + "x" * 80 + "'",
]


@pytest.mark.parametrize("source", TRICKY_EXPRESSIONS)
def test_fast_text_equals_unparse(source: str) -> None:
    node = ast.parse(source, mode="eval").body
    assert extract._text(node) == ast.unparse(node)[: extract._MAX_TEXT]


def test_fast_text_equals_unparse_on_sphinx_sources() -> None:
    import sphinx

    checked = 0
    for path in sorted(Path(sphinx.__file__).parent.joinpath("util").glob("*.py")):
        tree = ast.parse(path.read_bytes())
        for node in ast.walk(tree):
            if isinstance(node, ast.expr) and (fast := extract._simple(node)) is not None:
                assert fast == ast.unparse(node), (path, fast)
                checked += 1
    assert checked > 10_000
