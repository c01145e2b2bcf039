"""Signatures and expressions written in specs (issue 15 req 3): parsed, names, compared."""

from __future__ import annotations

import pytest

from sphinx_ptyplan.core.checks.signatures import compare_signature, parse_code_span, signature_of
from sphinx_ptyplan.core.sources.extract import parse_module

CODE = b"""
from typing import Any, Dict, Optional
from .config import TrainingConfig as TFTrainingConfig

def update_legacy_dict(cfg: Dict[str, Any], dataclass_obj: Any) -> None: ...

def to_training_config(
    model, data, pt_model, training, overrides: Optional[dict] = None
) -> TFTrainingConfig: ...

def resolve_accelerator(accelerator: str = "auto", device: Optional[str] = None) -> str: ...

def build(args, mode="training"): ...

def loose(*args, **kwargs): ...

class Loader:
    def load(self, path, *, strict=False) -> "Dataset": ...
"""


def sym(name: str):  # type: ignore[no-untyped-def]
    info = parse_module(CODE, path="m.py")
    if "." in name:
        cls, _, meth = name.partition(".")
        c = info.symbol(cls)
        assert c is not None
        m = c.member(meth)
        assert m is not None
        return m
    s = info.symbol(name)
    assert s is not None
    return s


def written(text: str):  # type: ignore[no-untyped-def]
    span = parse_code_span(text)
    assert span is not None and span.signature is not None, text
    return span.signature


@pytest.mark.parametrize(
    ("text", "kind", "names"),
    [
        (
            "update_legacy_dict(ptycho.params.cfg, config)",
            "call",
            ("update_legacy_dict", "ptycho.params.cfg", "config"),
        ),
        ("params.cfg['gridsize']", "subscript", ("params.cfg",)),
        ("ptycho.model.params()['intensity_scale']", "subscript", ("ptycho.model.params",)),
        ("create_training_payload()", "call", ("create_training_payload",)),
        ("np.sum(x.a, axis=0)", "call", ("np.sum", "x.a")),  # keyword names are not names
        ("to_model_config(data, model, overrides=None)", "signature", ("to_model_config",)),
        ("load('x.npz', cfg=params.cfg)", "call", ("load", "params.cfg")),  # literals never count
        ("update_legacy_dict(cfg: dict, dataclass_obj: Any)", "signature", ("update_legacy_dict",)),
        ("f(a, ..., c=None) -> T", "signature", ("f",)),
        ("resolve_accelerator(args)", "signature", ("resolve_accelerator",)),
    ],
)
def test_spans_and_the_names_they_contain(text: str, kind: str, names: tuple[str, ...]) -> None:
    span = parse_code_span(text)
    assert span is not None
    assert (span.kind, span.names) == (kind, names)


@pytest.mark.parametrize(
    "text",
    [
        "results['backend'] = config.backend",  # a statement
        "gridsize=2",
        "tensorboard --logdir {output_dir}/lightning_logs/",
        "config.backend == 'tensorflow'",
        "{'models': [...], 'version': 'X.Y'}",
        "plain words (with a note)",
        "f(a: int",  # unbalanced
        "x" * 700 + "()",
    ],
)
def test_not_signatures_or_expressions(text: str) -> None:
    assert parse_code_span(text) is None


def test_written_signature_shapes() -> None:
    sig = written(
        "to_training_config(model: TFModelConfig, data, ..., overrides=None) -> TFTrainingConfig"
    )
    assert sig.gap and not sig.sketch
    assert [(p.name, p.annotation, p.default) for p in sig.params] == [
        ("model", "TFModelConfig", None),
        ("data", None, None),
        ("overrides", None, "None"),
    ]
    assert sig.returns == "TFTrainingConfig"
    assert (
        sig.text()
        == "to_training_config(model: TFModelConfig, data, overrides=None, ...) -> TFTrainingConfig"
    )
    assert written("resolve_accelerator(args)").sketch
    star = written("f(a, *, b: int = 1, **kw)")
    assert [p.kind for p in star.params] == ["arg", "kwonly", "varkw"]


def test_matching_signatures_are_quiet() -> None:
    # ``dict`` for ``Dict[str, Any]``: annotations written loosely are not a mismatch
    assert (
        compare_signature(
            written("update_legacy_dict(cfg: dict, dataclass_obj: Any)"), sym("update_legacy_dict")
        )
        == []
    )
    assert (
        compare_signature(
            written("update_legacy_dict(cfg: dict, dataclass_obj) -> None"),
            sym("update_legacy_dict"),
        )
        == []
    )
    # the gap: only what is written is compared
    gap = written("to_training_config(model, data, ..., overrides=None) -> TFTrainingConfig")
    assert compare_signature(gap, sym("to_training_config")) == []
    assert compare_signature(written("build(args, mode)"), sym("build")) == []  # a sketch
    assert compare_signature(written("loose(a, b, c=1)"), sym("loose")) == []  # *args, **kwargs
    # a method: ``self`` is not written; quoted return annotations compare by name
    assert (
        compare_signature(written("load(path, *, strict=False) -> Dataset"), sym("Loader.load"))
        == []
    )


def test_mismatches_name_what_differs() -> None:
    assert compare_signature(written("resolve_accelerator(args)"), sym("resolve_accelerator")) == [
        "no parameter `args`"
    ]
    assert compare_signature(written("build(mode, args)"), sym("build")) == []  # sketch: names only
    assert compare_signature(written("build(mode: str = 'x', args=None)"), sym("build")) == [
        "order (mode, args) differs from the code (args, mode)",
        "`args` has no default in the code",
    ]
    assert compare_signature(
        written("update_legacy_dict(cfg: dict)"), sym("update_legacy_dict")
    ) == ["parameter `dataclass_obj` of the code is not written"]
    assert compare_signature(
        written("to_training_config(model, ..., overrides) -> TFModelConfig"),
        sym("to_training_config"),
    ) == [
        "`overrides` has a default (None) in the code",
        "returns `TFModelConfig`, the code `TFTrainingConfig`",
    ]
    assert compare_signature(written("build(a, b, c)"), sym("build")) == [
        "no parameter `a`",
        "no parameter `b`",
        "no parameter `c`",
    ]


def test_return_aliases_can_be_accepted_by_the_caller() -> None:
    sig = written("to_training_config(model, data, ..., overrides=None) -> TrainingConfig")
    assert compare_signature(sig, sym("to_training_config")) == [
        "returns `TrainingConfig`, the code `TFTrainingConfig`"
    ]
    alias = {("TrainingConfig", "TFTrainingConfig")}
    assert (
        compare_signature(sig, sym("to_training_config"), same_type=lambda w, c: (w, c) in alias)
        == []
    )


def test_signature_of_the_code() -> None:
    assert signature_of(sym("resolve_accelerator")) == (
        "resolve_accelerator(accelerator: str = 'auto', device: Optional[str] = None) -> str"
    )
    assert signature_of(sym("Loader.load")) == "load(path, *, strict=False) -> 'Dataset'"


ANNOTATED = b"""
from typing import Any, Dict, List, Optional, Union
from pathlib import Path
from .config import ModelConfig as TFModelConfig

def train(cfg: Dict[str, Any], sizes: List[int], out: Optional[Path] = None) -> None: ...

def scale(x: float, n: int, mode: Union[str, None], obj: "TFModelConfig") -> float: ...

def pick(items: list[str], key: str | None = None, factor: int = 2) -> str: ...
"""


def asym(name: str):  # type: ignore[no-untyped-def]
    s = parse_module(ANNOTATED, path="a.py").symbol(name)
    assert s is not None
    return s


@pytest.mark.parametrize(
    "text",
    [
        # loose spellings of the same annotations: never a mismatch
        "train(cfg: dict, sizes: list, out: Path | None = None)",
        "train(cfg: Dict, sizes: Sequence[int], out: Optional[Path] = None) -> None",
        "train(cfg: Mapping[str, Any], sizes: List[int], out: str = None)",
        "scale(x: int, n: int, mode: Optional[str], obj: ModelConfig) -> float",
        "scale(x: float, n: float, mode: str | None, obj: TFModelConfig)",
        "pick(items: List[str], key: Optional[str] = None, factor: Any = 2)",
        "pick(items: list, key=None, factor: int = 2) -> Optional[str]",
        # unannotated on either side: nothing to compare
        "pick(items, key: str = None, factor=2)",
    ],
)
def test_loose_parameter_annotations_are_not_mismatches(text: str) -> None:
    sig = written(text)
    assert compare_signature(sig, asym(sig.name)) == [], text


def test_parameter_annotations_that_contradict_the_code() -> None:
    assert compare_signature(
        written("train(cfg: list, sizes: dict, out: Path | None = None)"), asym("train")
    ) == [
        "`cfg` is `list`, the code `Dict[str, Any]`",
        "`sizes` is `dict`, the code `List[int]`",
    ]
    assert compare_signature(
        written("pick(items: list[str], key: int | None = None, factor: str = 2)"), asym("pick")
    ) == ["`key` is `int | None`, the code `str | None`", "`factor` is `str`, the code `int`"]
    # an import alias the caller knows is the same type
    sig = written("scale(x, n, mode, obj: InferenceConfig)")
    assert compare_signature(sig, asym("scale")) == [
        "`obj` is `InferenceConfig`, the code `'TFModelConfig'`"
    ]
    assert compare_signature(sig, asym("scale"), same_type=lambda w, c: "Config" in w) == []
