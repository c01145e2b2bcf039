"""references: classify() decisions, Markdown/reST extraction with exact lines, parity, fuzz."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphinx_ptyplan.core.models import FindingKind, RefKind
from sphinx_ptyplan.core.sources.classify import classify, is_citation_candidate, references_in
from sphinx_ptyplan.core.sources.documents import load_document, parse_document

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "spec"


def one(text: str) -> tuple[str, str | None, int | None, int | None, str | None]:
    refs = classify(text)
    assert len(refs) == 1, refs
    r = refs[0]
    return r.kind.value, r.path, r.start, r.end, r.name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "ptycho_torch/api/base_api.py",
            ("path", "ptycho_torch/api/base_api.py", None, None, None),
        ),
        ("ptycho_torch/api/", ("path", "ptycho_torch/api/", None, None, None)),
        ("./ptycho/model.py", ("path", "ptycho/model.py", None, None, None)),
        ("model.py", ("path", "model.py", None, None, None)),
        ("setup.cfg", ("path", "setup.cfg", None, None, None)),
        ("model.py:2290", ("citation", "model.py", 2290, 2290, None)),
        ("ptycho/params.py:69-70", ("citation", "ptycho/params.py", 69, 70, None)),
        ("ptycho/params.py:L12", ("citation", "ptycho/params.py", 12, 12, None)),
        ("ptycho/params.py#L12-L30", ("citation", "ptycho/params.py", 12, 30, None)),
        ("ptycho/params.py:12:", ("citation", "ptycho/params.py", 12, 12, None)),
        ("docs/findings.md:4", ("citation", "docs/findings.md", 4, 4, None)),
        ("ptycho/params.py:get_bigN", ("path-symbol", "ptycho/params.py", None, None, "get_bigN")),
        ("a/b.py::C::test_d", ("path-symbol", "a/b.py", None, None, "C.test_d")),
        ("a/b.py::test_d[cpu-1]", ("path-symbol", "a/b.py", None, None, "test_d")),
        ("a/b.py:Cls.meth()", ("path-symbol", "a/b.py", None, None, "Cls.meth")),
        ("ptycho.model.train", ("dotted", None, None, None, "ptycho.model.train")),
        ("ptycho.model.train()", ("dotted", None, None, None, "ptycho.model.train")),
        ("pkg.f(a: int, b=2, *c)", ("dotted", None, None, None, "pkg.f")),
        ("ptycho.params.cfg", ("dotted", None, None, None, "ptycho.params.cfg")),
        ("torch.complex64", ("dotted", None, None, None, "torch.complex64")),
        ("lightning.pytorch.Trainer", ("dotted", None, None, None, "lightning.pytorch.Trainer")),
        ("ModelConfig.n_filters_scale", ("attr", None, None, None, "ModelConfig.n_filters_scale")),
        ("PtychoModel.train(data)", ("attr", None, None, None, "PtychoModel.train")),
        ("recon.npz", ("path", "recon.npz", None, None, None)),
        ("wts.h5.zip", ("path", "wts.h5.zip", None, None, None)),
    ],
)
def test_classify_recognises(text: str, expected: tuple[object, ...]) -> None:
    assert one(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "True",
        "None",
        "'float32'",
        '"abc"',
        "64",
        "1e-3",
        "1.2.3",
        "v2.0",
        "2025-10-17T030000Z",
        "python -m pytest tests/",
        "pytest tests/torch/test_x.py -v",
        "git log --oneline -- ptycho_torch/",
        "find ptycho_torch -maxdepth 2",
        "ls ptycho",
        "cd ptycho && make",
        "export A=1",
        "$ ptyplan check",
        "cat a.py | grep x",
        "<ts>",
        "reports/<ISO8601Z>/summary.md",
        "{output_dir}/recon.npz",
        "${VAR}/x.py",
        "lightning_logs/version_N/checkpoints/",
        "...",
        "XXX",
        "*.py",
        "ptycho/*.py",
        "tests/test_[ab].py",
        "http://example.org/a.py",
        "https://github.com/x/y",
        "file:///tmp/a.py",
        "key=value",
        "CUDA_VISIBLE_DEVICES=0",
        "CUDA_VISIBLE_DEVICES",
        "train",
        "ModelConfig",
        "cfg['N']",
        "self.model",
        "e.g.",
        "@dataclass",
        "__init__.py",
        "foo:12",
        "config.yaml:model",
        "",
        "   ",
    ],
)
def test_classify_ignores(text: str) -> None:
    assert classify(text) == []
    assert not is_citation_candidate(text)


def test_classify_splits_items_and_flags() -> None:
    refs = classify("ptycho/params.py:69-70, tests/torch/test_x.py; ptycho.model")
    assert [(r.kind, r.text) for r in refs] == [
        (RefKind.CITATION, "ptycho/params.py:69-70"),
        (RefKind.PATH, "tests/torch/test_x.py"),
        (RefKind.DOTTED, "ptycho.model"),
    ]
    absolute = classify("/home/user/ptycho/model.py")
    assert len(absolute) == 1 and absolute[0].external and not absolute[0].artefact
    assert not is_citation_candidate("/home/user/ptycho/model.py")
    art = classify("outputs/recon.npz")
    assert art[0].artefact and not art[0].external
    assert not classify("ptycho/model.py")[0].artefact


def test_references_in_places_each_item() -> None:
    refs = references_in("a/b.py:3, cc.dd", doc_path="plan.md", doc_line=7, context="role")
    assert [(r.doc_path, r.doc_line, r.context, r.span) for r in refs] == [
        ("plan.md", 7, "role", "a/b.py:3, cc.dd"),
        ("plan.md", 7, "role", "a/b.py:3, cc.dd"),
    ]


MD = """\
# Plan `ptycho` title

Text with `ptycho/a.py:3` and
a second line {ptyref}`ptycho.b.C` and [link](../ptycho/a.py#L4-L6)
third `x/y.py`, [web](https://example.org/z.py) [anchor](#top)

```python
ptycho/fenced.py:1
```

    ptycho/indented.py:2 `ptycho/indented2.py`

## Tasks

| ID | Guidance |
| --- | --- |
| A1 | Run `python x.py` then see `ptycho/c.py` |
| A2 | multi `ptycho/d.py`, `ptycho/e.py:9` |

{math}`x.y` and {doc}`ptycho/guide` are not code roles.
"""


def test_markdown_extraction_lines_contexts_sections() -> None:
    doc = parse_document(MD, "docs/plan.md", "md")
    got = [(r.doc_line, r.text, r.context, r.section) for r in doc.references]
    assert got == [
        (3, "ptycho/a.py:3", "code", "Plan ptycho title"),
        (4, "ptycho.b.C", "role", "Plan ptycho title"),
        (4, "ptycho/a.py:4-6", "link", "Plan ptycho title"),
        (5, "x/y.py", "code", "Plan ptycho title"),
        (17, "ptycho/c.py", "code", "Tasks"),
        (18, "ptycho/d.py", "code", "Tasks"),
        (18, "ptycho/e.py:9", "code", "Tasks"),
    ]
    assert [(s.title, s.anchor, s.line, s.level) for s in doc.sections] == [
        ("Plan ptycho title", "plan-ptycho-title", 1, 1),
        ("Tasks", "tasks", 13, 2),
    ]
    link = doc.references[2]
    assert (link.kind, link.path, link.start, link.end) == (RefKind.CITATION, "ptycho/a.py", 4, 6)
    assert all("fenced" not in s.text and "indented" not in s.text for s in doc.spans)
    assert doc.problems == ()


def test_markdown_field_lists_bullets_and_tables() -> None:
    text = """\
- `ModelConfig` (ptycho/config/config.py):
  - `N` (int)
  - `a` / `b`, `c` (bool)
  - plain words `not_a_field`
- `ptycho.config.config.TrainingConfig` fields:
  - `TrainingConfig.nepochs` (int)

Fields of `DataConfig` in `ptycho_torch/config_params.py`:

| Field | Type |
| --- | --- |
| `nphotons` | float |
| plain | no code |
| `K` | int |

- `not an owner` item:
  - `x`
"""
    doc = parse_document(text, "spec.md", "md")
    got = [(f.owner.name, f.owner.path, f.line, f.fields) for f in doc.field_lists]
    assert got == [
        (
            "ModelConfig",
            "ptycho/config/config.py",
            1,
            (("N", 2), ("a", 3), ("b", 3), ("c", 3)),
        ),
        ("ptycho.config.config.TrainingConfig", None, 5, (("nepochs", 6),)),
        ("DataConfig", "ptycho_torch/config_params.py", 8, (("nphotons", 12), ("K", 14))),
    ]


RST = """\
=====
Title
=====

Text with ``ptycho/a.py:3`` and
a second line :ptyref:`ptycho.b.C` and `link <../ptycho/a.py#L4-L6>`_
third ``x/y.py``, :py:class:`~ptycho.m.Cls`, :ref:`ptycho/not_code.py`, :unknown:`q.r`

.. code-block:: python

   ptycho/fenced.py:1

.. toctree::

   ptycho/toc

.. ptyplan-inventory:: ptycho
   :assets: *.py

   ``ptycho/in_unknown_directive.py``

::

   ``ptycho/literal_block.py``

.. note:: A note about ``ptycho/note.py``.

Tasks
-----

.. list-table::

   * - A1
     - see ``ptycho/c.py``
"""


def test_rst_extraction_unknown_roles_and_directives() -> None:
    from docutils.parsers.rst import directives, roles

    role_before, directive_before = roles.role, directives.directive
    doc = parse_document(RST, "docs/plan.rst", "rst")
    assert (roles.role, directives.directive) == (role_before, directive_before)
    got = [(r.doc_line, r.text, r.context, r.section) for r in doc.references]
    assert got == [
        (5, "ptycho/a.py:3", "code", "Title"),
        (6, "ptycho.b.C", "role", "Title"),
        (6, "ptycho/a.py:4-6", "link", "Title"),
        (7, "x/y.py", "code", "Title"),
        (7, "ptycho.m.Cls", "role", "Title"),
        (26, "ptycho/note.py", "code", "Title"),
        (34, "ptycho/c.py", "code", "Tasks"),
    ]
    assert [(s.title, s.anchor, s.line) for s in doc.sections] == [
        ("Title", "title", 2),
        ("Tasks", "tasks", 28),
    ]
    assert doc.problems == ()


def test_markdown_and_rest_twins_extract_the_same() -> None:
    md = load_document(CORPUS, "spec_part.md")
    rst = load_document(CORPUS, "spec_part.rst")

    def refs(d: object) -> list[tuple[object, ...]]:
        return [
            (r.doc_line, r.text, r.kind, r.context, r.path, r.name, r.start, r.end, r.anchor)
            for r in d.references  # type: ignore[attr-defined]
        ]

    assert len(refs(md)) == 11
    assert refs(md) == refs(rst)
    assert [(s.text, s.line, s.context) for s in md.spans] == [
        (s.text, s.line, s.context) for s in rst.spans
    ]
    assert [(f.line, f.fields, f.owner.name, f.owner.path) for f in md.field_lists] == [
        (f.line, f.fields, f.owner.name, f.owner.path) for f in rst.field_lists
    ]
    assert md.sections == rst.sections


def test_load_document_problems(tmp_path: Path) -> None:
    (tmp_path / "bin.md").write_bytes(b"# x\x00y")
    (tmp_path / "latin.md").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "big.md").write_text("`a/b.py`\n" * 100)
    (tmp_path / "ok.rst").write_text("See ``a/b.py:1``.\n")
    (tmp_path / "notes.txt").write_text("See ``a/b.py:2``.\n")
    (tmp_path / "bom.md").write_bytes("\ufeff`a/b.py`".encode())

    def codes(name: str, **kw: int) -> list[tuple[FindingKind, str]]:
        return [(p.kind, p.code) for p in load_document(tmp_path, name, **kw).problems]

    assert codes("missing.md") == [(FindingKind.CONFIG, "missing-path")]
    assert codes("../outside.md") == [(FindingKind.CONFIG, "outside-root")]
    assert codes("bin.md") == [(FindingKind.PARSE, "binary")]
    assert codes("latin.md") == [(FindingKind.PARSE, "not-utf8")]
    assert codes("big.md", max_bytes=50) == [(FindingKind.PARSE, "too-large")]
    assert load_document(tmp_path, "big.md").references[99].doc_line == 100
    assert [r.text for r in load_document(tmp_path, "ok.rst").references] == ["a/b.py:1"]
    roles = parse_document(
        "A :literal:`a/b.py`, :code:`c/d.py:3`, `title/x.py` and :emphasis:`e/f.py`.\n",
        "x.rst",
        "rst",
    )
    assert [(r.text, r.context) for r in roles.references] == [
        ("a/b.py", "code"),
        ("c/d.py:3", "code"),
    ]
    assert [r.text for r in load_document(tmp_path, "notes.txt").references] == ["a/b.py:2"]
    assert [r.doc_line for r in load_document(tmp_path, "bom.md").references] == [1]


# ------------------------------------------------------------------------------ fuzz

_ALPHABET = st.sampled_from(list("abcXYZ_./:-#0123456789 ,;()[]{}<>$*?'\"=`|~\n\t\\é"))
_SPEC_TEXT = (CORPUS / "ptychodus_api_spec.md").read_text(encoding="utf-8")
_RST_TEXT = (CORPUS / "spec_part.rst").read_text(encoding="utf-8")

_FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(st.text(_ALPHABET, max_size=60) | st.text(max_size=60))
def test_classify_never_raises(text: str) -> None:
    for r in classify(text):
        assert r.kind in RefKind
        if r.kind is RefKind.CITATION:
            assert r.start is not None and r.end is not None


@st.composite
def _mutated(draw: st.DrawFn, source: str) -> str:
    start = draw(st.integers(0, len(source)))
    length = draw(st.integers(0, 400))
    chunk = source[start : start + length]
    insert = draw(st.text(_ALPHABET, max_size=20))
    cut = draw(st.integers(0, len(chunk)))
    return chunk[:cut] + insert + chunk[cut:]


@_FUZZ
@given(_mutated(_SPEC_TEXT) | st.text(_ALPHABET, max_size=200))
def test_parse_markdown_never_raises(text: str) -> None:
    doc = parse_document(text, "fuzz.md", "md")
    assert doc.problems == ()
    lines = text.count("\n") + 1
    assert all(1 <= r.doc_line <= lines for r in doc.references)


@_FUZZ
@given(
    _mutated(_RST_TEXT)
    | _mutated(RST)
    | st.text(st.sampled_from(list("ab`:_*-=.| \n")), max_size=200)
)
def test_parse_rest_never_raises(text: str) -> None:
    doc = parse_document(text, "fuzz.rst", "rst")
    assert doc.problems == ()
    lines = text.count("\n") + 2
    assert all(1 <= r.doc_line <= lines for r in doc.references)
