"""api_diff: every change kind, on hand-built parses (scan-independent)."""

from __future__ import annotations

from sphinx_ptyplan.core.checks.apidiff import (
    CHANGE_KINDS,
    ApiChange,
    api_diff,
    format_params,
    format_symbol,
)
from sphinx_ptyplan.core.models import ModuleInfo, Param, ParseProblem, Symbol, SymbolKind
from sphinx_ptyplan.core.sources.extract import parse_module


def func(name: str, *params: Param, returns: str | None = None, **kw: object) -> Symbol:
    return Symbol(name, SymbolKind.FUNCTION, 1, 2, params=params, returns=returns, **kw)  # type: ignore[arg-type]


def meth(name: str, *params: Param, **kw: object) -> Symbol:
    return Symbol(name, SymbolKind.METHOD, 1, 2, params=(Param("self", "arg"), *params), **kw)  # type: ignore[arg-type]


def field(name: str, annotation: str, default: str | None = None) -> Symbol:
    return Symbol(name, SymbolKind.FIELD, 1, 1, annotation=annotation, default=default)


def cls(name: str, *members: Symbol, bases: tuple[str, ...] = (), dc: bool = False) -> Symbol:
    return Symbol(name, SymbolKind.CLASS, 1, 9, bases=bases, members=members, is_dataclass=dc)


def mod(*symbols: Symbol, all_names: tuple[str, ...] | None = None) -> ModuleInfo:
    return ModuleInfo(total_lines=10, code_lines=8, symbols=symbols, all_names=all_names)


def details(changes: tuple[ApiChange, ...]) -> list[tuple[str, str, str]]:
    return [(c.kind, c.symbol, c.detail) for c in changes]


def test_identical_modules_have_no_changes() -> None:
    info = mod(func("f", Param("a", "arg")), cls("C", meth("run"), dc=False))
    assert api_diff(info, info) == ()


def test_added_and_removed_top_level_symbols() -> None:
    old = mod(func("gone", Param("x", "arg")), cls("Keep"))
    new = mod(cls("Keep"), cls("Fresh", bases=("Base",)), func("_private"))
    changes = api_diff(old, new)
    assert details(changes) == [
        ("added", "Fresh", "class `Fresh` added"),
        ("removed", "gone", "function `gone` removed"),
    ]
    assert changes[0].new == "class Fresh(Base)" and changes[0].old is None
    assert changes[1].old == "def gone(x)" and changes[1].new is None
    assert {c.kind for c in changes} <= set(CHANGE_KINDS)


def test_private_symbol_listed_in_all_is_compared() -> None:
    old = mod(func("_helper", Param("a", "arg")), all_names=("_helper",))
    new = mod(all_names=())
    assert details(api_diff(old, new)) == [("removed", "_helper", "function `_helper` removed")]


def test_parameter_added_removed_and_renamed_in_place() -> None:
    old = mod(func("train", Param("data", "arg"), Param("epochs", "arg"), Param("old", "arg")))
    new = mod(
        func(
            "train",
            Param("dataset", "arg"),
            Param("epochs", "arg"),
            Param("n_groups", "kwonly", "int", "1"),
        )
    )
    changes = api_diff(old, new)
    assert details(changes) == [
        ("signature", "train", "parameter `data` renamed to `dataset`"),
        ("signature", "train", "parameter `old` removed"),
        ("signature", "train", "parameter `n_groups` added"),
    ]
    assert (changes[0].old, changes[0].new) == ("data", "dataset")
    assert changes[2].new == "n_groups: int = 1"


def test_default_annotation_kind_and_return_changes() -> None:
    old = mod(
        func(
            "load",
            Param("path", "arg", "str"),
            Param("batch_size", "arg", None, "16"),
            Param("shuffle", "arg", None, "True"),
            returns="dict",
        )
    )
    new = mod(
        func(
            "load",
            Param("path", "arg", "Path"),
            Param("batch_size", "arg", None, "32"),
            Param("shuffle", "kwonly", None, None),
            returns="Dataset",
        )
    )
    changes = api_diff(old, new)
    assert [c.detail for c in changes] == [
        "annotation of `path` str -> Path",
        "default of `batch_size` 16 -> 32",
        "kind of `shuffle` arg -> kwonly",
        "default of `shuffle` (True) removed",
        "return annotation dict -> Dataset",
    ]
    by_detail = {c.detail: c for c in changes}
    assert by_detail["default of `batch_size` 16 -> 32"].old == "16"
    assert by_detail["default of `batch_size` 16 -> 32"].new == "32"


def test_new_default_and_reordering() -> None:
    old = mod(func("f", Param("a", "arg"), Param("b", "arg")))
    new = mod(func("f", Param("b", "arg"), Param("a", "arg", None, "0")))
    assert [c.detail for c in api_diff(old, new)] == [
        "`a` now has default 0",
        "parameters reordered (a, b) -> (b, a)",
    ]


def test_async_changes() -> None:
    plain = func("fetch", Param("url", "arg"))
    coro = Symbol("fetch", SymbolKind.FUNCTION, 1, 2, params=(Param("url", "arg"),), is_async=True)
    (change,) = api_diff(mod(plain), mod(coro))
    assert (change.kind, change.detail) == ("signature", "now async")
    assert (change.old, change.new) == ("def fetch(url)", "async def fetch(url)")
    assert [c.detail for c in api_diff(mod(coro), mod(plain))] == ["no longer async"]


def test_decorator_change_only() -> None:
    old = mod(func("f", decorators=("cache",)))
    new = mod(func("f", decorators=("lru_cache(2)",)))
    (change,) = api_diff(old, new)
    assert change.detail == "decorators @cache -> @lru_cache(2)"


def test_bases_change() -> None:
    old = mod(cls("Model", bases=("nn.Module",)))
    new = mod(cls("Model", bases=("L.LightningModule",)))
    (change,) = api_diff(old, new)
    assert change == ApiChange(
        "bases",
        "Model",
        "(nn.Module)",
        "(L.LightningModule)",
        "bases (nn.Module) -> (L.LightningModule)",
    )


def test_dataclass_fields_added_removed_changed() -> None:
    old = mod(
        cls(
            "ModelConfig",
            field("n_filters_scale", "int", "2"),
            field("object_big", "bool", "True"),
            field("gone", "float"),
            dc=True,
        )
    )
    new = mod(
        cls(
            "ModelConfig",
            field("n_filters_scale", "int", "4"),
            field("object_big", "bool", "True"),
            field("probe_mask", "bool", "False"),
            dc=True,
        )
    )
    assert details(api_diff(old, new)) == [
        (
            "field-changed",
            "ModelConfig.n_filters_scale",
            "field `n_filters_scale`: int = 2 -> int = 4",
        ),
        ("field-added", "ModelConfig.probe_mask", "field `probe_mask: bool = False` added"),
        ("field-removed", "ModelConfig.gone", "field `gone` removed"),
    ]


def test_field_type_change() -> None:
    old = mod(cls("C", field("n", "int", "1"), dc=True))
    new = mod(cls("C", field("n", "float", "1"), dc=True))
    (change,) = api_diff(old, new)
    assert (change.kind, change.old, change.new) == ("field-changed", "int = 1", "float = 1")


def test_kind_changes() -> None:
    old = mod(func("Loader"), cls("Cfg", dc=True))
    new = mod(cls("Loader"), cls("Cfg"))
    assert details(api_diff(old, new)) == [
        ("kind-changed", "Loader", "`Loader` changed from function to class"),
        ("kind-changed", "Cfg", "no longer a dataclass"),
    ]


def test_methods_added_removed_and_signature() -> None:
    old = mod(
        cls(
            "Trainer",
            meth("__init__", Param("cfg", "arg")),
            meth("fit", Param("data", "arg")),
            meth("old_api"),
            meth("_private"),
        )
    )
    new = mod(
        cls(
            "Trainer",
            meth("__init__", Param("cfg", "arg"), Param("logger", "kwonly", None, "None")),
            meth("fit", Param("data", "arg")),
            meth("predict", Param("x", "arg")),
            meth("_other_private"),
        )
    )
    assert details(api_diff(old, new)) == [
        ("signature", "Trainer.__init__", "parameter `logger` added"),
        ("added", "Trainer.predict", "method `Trainer.predict` added"),
        ("removed", "Trainer.old_api", "method `Trainer.old_api` removed"),
    ]


def test_unparseable_side_gives_no_changes() -> None:
    broken = ModuleInfo(0, 0, problem=ParseProblem("invalid syntax", 3))
    assert api_diff(broken, mod(func("f"))) == ()
    assert api_diff(mod(func("f")), broken) == ()


def test_format_params_and_symbol() -> None:
    params = (
        Param("a", "posonly"),
        Param("b", "arg", "int", "1"),
        Param("c", "kwonly", None, "2"),
        Param("kw", "varkw"),
    )
    assert format_params(params) == "a, /, b: int = 1, *, c=2, **kw"
    assert format_params((Param("args", "vararg"), Param("k", "kwonly"))) == "*args, k"
    assert format_symbol(func("f", *params, returns="None")) == (
        "def f(a, /, b: int = 1, *, c=2, **kw) -> None"
    )
    assert format_symbol(cls("D", bases=("A", "B"), dc=True)) == "@dataclass class D(A, B)"


OLD_SOURCE = b"""
from dataclasses import dataclass, field


@dataclass
class TrainingConfig:
    batch_size: int = 16
    n_groups: int = 1
    tags: list[str] = field(default_factory=list)


class Trainer(Base):
    def __init__(self, config: TrainingConfig) -> None: ...

    def fit(self, data, epochs=10): ...

    def _step(self): ...


async def fetch(url: str) -> bytes: ...


def train(cfg, data, *, seed=0): ...
"""

NEW_SOURCE = b"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TrainingConfig:
    batch_size: int = 32
    tags: tuple[str, ...] = ()
    probe_scale: float = 4.0


class Trainer(Base, Mixin):
    def __init__(self, config: TrainingConfig, *, logger=None) -> None: ...

    def fit(self, dataset, epochs=10): ...

    def _other(self): ...


async def fetch(url: str, timeout: float = 5.0) -> bytes: ...


def train(cfg, data, *, seed: int = 0, n_groups): ...
"""


def test_async_flag_from_real_parses() -> None:
    old = parse_module(b"def fetch(url): ...\n", path="old.py")
    new = parse_module(b"async def fetch(url): ...\n", path="new.py")
    assert [(c.kind, c.detail) for c in api_diff(old, new)] == [("signature", "now async")]


def test_api_diff_of_real_parses() -> None:
    old = parse_module(OLD_SOURCE, path="old.py")
    new = parse_module(NEW_SOURCE, path="new.py")
    assert details(api_diff(old, new)) == [
        ("signature", "TrainingConfig", "decorators @dataclass -> @dataclass(frozen=True)"),
        ("field-changed", "TrainingConfig.batch_size", "field `batch_size`: int = 16 -> int = 32"),
        (
            "field-changed",
            "TrainingConfig.tags",
            "field `tags`: list[str] = field(default_factory=list) -> tuple[str, ...] = ()",
        ),
        (
            "field-added",
            "TrainingConfig.probe_scale",
            "field `probe_scale: float = 4.0` added",
        ),
        ("field-removed", "TrainingConfig.n_groups", "field `n_groups` removed"),
        ("bases", "Trainer", "bases (Base) -> (Base, Mixin)"),
        ("signature", "Trainer.__init__", "parameter `logger` added"),
        ("signature", "Trainer.fit", "parameter `data` renamed to `dataset`"),
        ("signature", "fetch", "parameter `timeout` added"),
        ("signature", "train", "annotation of `seed` none -> int"),
        ("signature", "train", "parameter `n_groups` added"),
    ]


def test_every_change_kind_names_its_function_or_class() -> None:
    """Issue 15 req 6: "`train_model`: parameter `trainer` added", never a bare "parameter
    `trainer` added" (of which function?)."""
    old = mod(
        func("train_model", Param("data", "arg")),
        func("gone"),
        cls("Cfg", field("a", "int", "1"), field("b", "int"), dc=True, bases=("Base",)),
        cls("Flip"),
        cls("Plain"),
    )
    new = mod(
        func("train_model", Param("data", "arg"), Param("trainer", "arg")),
        func("fresh"),
        cls("Cfg", field("a", "int", "2"), field("c", "str"), dc=True, bases=("Other",)),
        func("Flip"),
        cls("Plain", dc=True),
    )
    summaries = {(c.kind, c.summary) for c in api_diff(old, new)}
    assert summaries == {
        ("signature", "`train_model`: parameter `trainer` added"),
        ("added", "function `fresh` added"),
        ("removed", "function `gone` removed"),
        ("bases", "`Cfg`: bases (Base) -> (Other)"),
        ("field-changed", "`Cfg`: field `a`: int = 1 -> int = 2"),
        ("field-added", "`Cfg`: field `c: str` added"),
        ("field-removed", "`Cfg`: field `b` removed"),
        ("kind-changed", "`Flip` changed from class to function"),
        ("kind-changed", "`Plain`: now a dataclass"),
    }
    assert {k for k, _s in summaries} == set(CHANGE_KINDS)
    method = api_diff(
        mod(cls("T", meth("fit"))), mod(cls("T", meth("fit", Param("epochs", "arg", None, "1"))))
    )
    assert [c.summary for c in method] == ["`T.fit`: parameter `epochs` added"]
