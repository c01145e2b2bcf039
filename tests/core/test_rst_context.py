"""reST specs give bare names the same context as Markdown ones (issue 15): list items,
paragraphs, the section's introduction, bold owners of field lists; and ``.. currentmodule::``
/ ``.. module::`` are read as the page's setting."""

from __future__ import annotations

from sphinx_ptyplan.core.sources.documents import parse_document

MD = """# Configs

The adapter in `ptycho/config/config.py` maps the fields.

- The port keeps `ModelConfig` with its own fields,
  as written in `ptycho_torch/config_params.py`.
  - `TrainingConfig` too.

The adapter reads `InferenceConfig` at import time, from
`ptycho/config/config.py`.

- **`ModelConfig`**: the model's settings

  - `N`: the size.
  - `gridsize` / `n_filters_scale`: the grid.
"""

RST = """Configs
=======

The adapter in ``ptycho/config/config.py`` maps the fields.

- The port keeps ``ModelConfig`` with its own fields,
  as written in ``ptycho_torch/config_params.py``.

  - ``TrainingConfig`` too.

The adapter reads ``InferenceConfig`` at import time, from
``ptycho/config/config.py``.

- **ModelConfig**: the model's settings

  - ``N``: the size.
  - ``gridsize`` / ``n_filters_scale``: the grid.
"""


def _how(doc: object) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in doc.references:  # type: ignore[attr-defined]
        out.setdefault(r.text, [f"{why.split(' (')[0]}: {where}" for why, where in r.hints])
    return out  # the first mention of each name


def test_rest_hints_are_the_markdown_hints() -> None:
    md = parse_document(MD, "s.md", "md", names=True)
    rst = parse_document(RST, "s.rst", "rst", names=True)
    want = {
        "ModelConfig": [
            "named in the same item: ptycho_torch/config_params.py",
            "named in the section's introduction: ptycho/config/config.py",
        ],
        "TrainingConfig": [
            "named in the enclosing item: ptycho_torch/config_params.py",
            "named in the section's introduction: ptycho/config/config.py",
        ],
        # the item's file above is not the section's introduction; the paragraph decides
        "InferenceConfig": [
            "named in the same paragraph: ptycho/config/config.py",
            "named in the section's introduction: ptycho/config/config.py",
        ],
    }
    for doc in (md, rst):
        how = _how(doc)
        for name, hints in want.items():
            assert how[name][: len(hints)] == hints, (doc.path, name, how[name])


def test_rest_bold_owner_is_a_field_list_owner() -> None:
    md = parse_document(MD, "s.md", "md", names=True)
    rst = parse_document(RST, "s.rst", "rst", names=True)
    md_fields = [(fl.owner.name, [f for f, _ in fl.fields]) for fl in md.field_lists]
    rst_fields = [(fl.owner.name, [f for f, _ in fl.fields]) for fl in rst.field_lists]
    assert rst_fields == md_fields == [("ModelConfig", ["N", "gridsize", "n_filters_scale"])]
    assert [ln for _f, ln in rst.field_lists[0].fields] == [16, 17, 17]


def test_a_plain_bold_owner_in_markdown_too() -> None:
    """reST cannot put a code span inside bold, so its owners are ``**ModelConfig**``;
    Markdown reads the same shape the same way."""
    text = "# C\n\n- **ModelConfig**: the model.\n  - `N`: size.\n  - `gridsize`: grid.\n"
    doc = parse_document(text, "s.md", "md", names=True)
    assert [(fl.owner.name, fl.line, [f for f, _ in fl.fields]) for fl in doc.field_lists] == [
        ("ModelConfig", 3, ["N", "gridsize"])
    ]
    # a bold word that is no class name, or bold text around more than a word: no owner
    for head in ("**Note**", "**the model**", "*ModelConfig*"):
        other = parse_document(text.replace("**ModelConfig**", head), "s.md", "md", names=True)
        assert [fl.owner.name for fl in other.field_lists] == (
            ["Note"] if head == "**Note**" else []
        )


def test_rest_bold_word_without_field_items_is_no_owner() -> None:
    doc = parse_document(
        "- **Note**: read this.\n\n  - plain words only\n", "s.rst", "rst", names=True
    )
    assert doc.field_lists == ()


def test_rest_module_directives_are_page_settings() -> None:
    text = (
        "Title\n=====\n\n.. currentmodule:: ptycho.config\n\n"
        ".. py:module:: ptycho.params\n   :synopsis: legacy\n\nUse ``ModelConfig``.\n"
    )
    doc = parse_document(text, "s.rst", "rst", names=True, prefer=("given",))
    (ref,) = [r for r in doc.references if r.text == "ModelConfig"]
    assert [h for h in ref.hints if h[0] == "page setting"] == [
        ("page setting", "ptycho.config"),
        ("page setting", "ptycho.params"),
        ("page setting", "given"),
    ]
    assert ref.doc_line == 9
    reset = parse_document(text.replace("ptycho.params", "None"), "s.rst", "rst", names=True)
    assert [h for r in reset.references for h in r.hints if h[0] == "page setting"] == [
        ("page setting", "ptycho.config")
    ]
    # a code block that shows the directive is not a setting
    shown = parse_document(
        "T\n=\n\n.. code-block:: rst\n\n   .. currentmodule:: x\n\nUse ``ModelConfig``.\n",
        "s.rst",
        "rst",
        names=True,
    )
    assert [h for r in shown.references for h in r.hints if h[0] == "page setting"] == []


def test_a_line_over_docutils_limit_is_a_parse_problem_not_silence() -> None:
    """docutils reads nothing of a document with a line over 10,000 characters; the
    document's citations were silently unchecked (found by the linear-time tests)."""
    from sphinx_ptyplan.core.models import FindingKind
    from sphinx_ptyplan.core.sources.documents import parse_document

    text = "Title\n=====\n\nSee ``pkg/a.py:1``.\n\n" + "a-" * 6000 + "\n"
    parsed = parse_document(text, "docs/long.rst", "rst")
    (problem,) = parsed.problems
    assert problem.kind is FindingKind.PARSE and "line-length-limit" in problem.message
    assert "Line 6" in problem.message
