"""Definitions inside other definitions (``core/sources/nested.py``) and what they mean for
``file.py::Name`` references: a class made in a function is defined in the file (found on
PtychoPINN: ``components.py::PtychoLightningDataset.__getitem__`` and
``model.py::compute_loss`` were reported as defining nothing), and a bare file name with a
symbol is the one candidate that defines it."""

from __future__ import annotations

from pathlib import Path

from sphinx_ptyplan.core.checks.resolve import CodeIndex, resolve
from sphinx_ptyplan.core.models import FindingCode, Status, SymbolKind
from sphinx_ptyplan.core.sources.extract import parse_module
from sphinx_ptyplan.core.sources.nested import nested_symbol
from tests.core.test_resolve import _ref, _write

SOURCE = b'''\
"""Mentions Dataset in a docstring."""

TOP = 1


def top():
    return 1


def make(source):
    note = "class Dataset: not a definition"

    class Dataset:
        size: int = 3

        def __getitem__(self, index):
            return source

    def helper():
        def deeper():
            return 2

        return deeper

    return Dataset, helper


class Model:
    def compute_loss(self, batch):
        return batch

    def later(self):
        class Dataset:  # a second one: the first in source order is meant
            pass
'''


def test_nested_definitions_are_found_in_source_order_and_top_level_ones_are_not() -> None:
    ds = nested_symbol(SOURCE, "Dataset")
    assert ds is not None and ds.kind is SymbolKind.CLASS and (ds.line, ds.end_line) == (13, 17)
    # built by the extractor's own code: members as for a top-level class
    assert [m.name for m in ds.members] == ["size", "__getitem__"]
    deeper = nested_symbol(SOURCE, "deeper")
    assert deeper is not None and deeper.kind is SymbolKind.FUNCTION and deeper.line == 20
    method = nested_symbol(SOURCE, "compute_loss")
    assert method is not None and method.kind is SymbolKind.METHOD and method.line == 29
    # top-level definitions are the extractor's: not answered here
    assert nested_symbol(SOURCE, "top") is None and nested_symbol(SOURCE, "Model") is None
    assert nested_symbol(SOURCE, "TOP") is None  # an assignment is not a definition
    assert nested_symbol(SOURCE, "note") is None
    # the same source seen by the extractor has none of them at the top
    info = parse_module(SOURCE)
    assert {s.name for s in info.symbols} == {"TOP", "top", "make", "Model"}


def test_sources_that_cannot_be_read_give_nothing() -> None:
    assert nested_symbol(b"def f(:\n    class A: pass\n", "A") is None  # syntax error
    assert nested_symbol(b"\x00\x01class A", "A") is None  # binary
    assert nested_symbol(SOURCE, "Dataset", max_bytes=10) is None  # too large
    assert nested_symbol(b"def f():\n    pass\n", "Absent") is None


def test_a_file_symbol_reference_finds_a_class_made_in_a_function(tmp_path: Path) -> None:
    root = _write(tmp_path / "root", {"pkg/__init__.py": "", "pkg/work.py": SOURCE.decode()})
    index = CodeIndex(root)

    def verdict(text: str) -> tuple[str, str | None, int | None]:
        res = resolve(_ref(text), index)
        return res.status.value, res.path, res.line

    assert verdict("pkg/work.py::Dataset") == ("resolved", "pkg/work.py", 13)
    assert verdict("pkg/work.py::Dataset.__getitem__") == ("resolved", "pkg/work.py", 16)
    assert verdict("pkg/work.py::compute_loss") == ("resolved", "pkg/work.py", 29)
    assert verdict("pkg/work.py::Model.compute_loss") == ("resolved", "pkg/work.py", 29)
    # what the file does not define anywhere is still reported
    assert verdict("pkg/work.py::Dataset.missing")[0] == "stale"
    assert verdict("pkg/work.py::Absent")[0] == "stale"


def test_a_bare_file_name_with_a_symbol_is_the_candidate_that_defines_it(tmp_path: Path) -> None:
    root = _write(
        tmp_path / "root",
        {
            "a/__init__.py": "",
            "a/components.py": "def run():\n    pass\n\ndef both():\n    pass\n",
            "b/__init__.py": "",
            "b/components.py": (
                "from a.components import run\n\n"  # imports it: does not define it
                "def both():\n    pass\n\n"
                "def build():\n    class Inner:\n        pass\n    return Inner\n"
            ),
            "c/components.py": "VALUE = 1\n",
        },
    )
    index = CodeIndex(root)
    one = resolve(_ref("components.py::run"), index)
    assert (one.status, one.path, one.line) == (Status.RESOLVED, "a/components.py", 1)
    assert "the only one of 3 files named so that defines run" in one.reason
    inner = resolve(_ref("components.py::Inner"), index)
    assert (inner.status, inner.path, inner.line) == (Status.RESOLVED, "b/components.py", 7)
    two = resolve(_ref("components.py::both"), index)
    assert two.status is Status.AMBIGUOUS and two.candidates == (
        "a/components.py",
        "b/components.py",
    )
    assert two.finding is not None and two.finding.code is FindingCode.AMBIGUOUS_PATH
    assert "matches 3 paths, 2 of them define both (a/components.py, b/components.py)" in (
        two.finding.message
    )
    none = resolve(_ref("components.py::nothing"), index)
    assert none.status is Status.AMBIGUOUS and len(none.candidates) == 3
    assert none.finding is not None and "of them define" not in none.finding.message


def test_a_name_matching_many_files_is_not_narrowed_by_parsing_them_all(tmp_path: Path) -> None:
    files = {f"p{k:02d}/mod.py": "" for k in range(13)}
    files["p07/mod.py"] = "def only_here():\n    pass\n"
    index = CodeIndex(_write(tmp_path / "root", files))
    res = resolve(_ref("mod.py::only_here"), index)
    assert res.status is Status.AMBIGUOUS and len(res.candidates) == 13
    assert index._infos == {} and index._defined == {}  # nothing was parsed for it
    del files["p12/mod.py"]
    few = CodeIndex(_write(tmp_path / "fewer", files))
    res = resolve(_ref("mod.py::only_here"), few)
    assert (res.status, res.path) == (Status.RESOLVED, "p07/mod.py")
