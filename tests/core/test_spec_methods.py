"""Lower-case bare names that no top-level function has are methods when the context says
whose (issue 15): a qualified ``Class.method`` mention earlier in the section, or the class
named in the same list item, paragraph or an enclosing item. Without such context they stay
prose; a written signature of a bound method is checked, parameter annotations loosely."""

from __future__ import annotations

import pytest

from sphinx_ptyplan.core.checks.spechits import SpecHits, spec_hits

TREE = {
    "pkg/__init__.py": "",
    "pkg/manager.py": (
        "from typing import Any, Dict, Optional\n\n\n"
        "class ModelManager:\n"
        "    def load_model(self, path: str, strict: bool = True) -> Any: ...\n\n"
        "    def save_model(self, model: Any, params: Dict[str, Any]) -> None: ...\n\n\n"
        "class Trainer:\n"
        "    def fit_epochs(self, n: int, log: Optional[list] = None) -> None: ...\n\n"
        "    def save_model(self, where: str) -> None: ...\n\n\n"
        "def build_model(config):\n    return config\n"
    ),
    "other/__init__.py": "",
    "other/trainer.py": "class Trainer:\n    def fit_epochs(self, n): ...\n",
}

# written for these tests; the line numbers matter below
SPEC = """\
# Models

## 1. Loading

`ModelManager.load_model` reads a bundle; call `load_model()` before training.
`build_model` builds one.

## 2. Items

- `ModelManager` saves with `save_model(model: Any, params: dict)`.
- `Trainer` (`pkg/manager.py`):
  - `fit_epochs(n: int, log: list | None = None)` runs the loop.
  - `fit_epochs(n: str)` is written wrong.

## 3. No context

Call `save_model()` and `load_model` and `fit_epochs()` when ready.
"""


@pytest.fixture(scope="module")
def hits(tmp_path_factory: pytest.TempPathFactory) -> SpecHits:
    root = tmp_path_factory.mktemp("spec-methods")
    for rel, text in TREE.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    (root / "spec.md").write_text(SPEC, encoding="utf-8")
    return spec_hits(root, "spec.md", trees=("pkg", "other"))


def rows(hits: SpecHits, line: int) -> dict[str, tuple[str, str | None, int | None, str]]:
    return {
        r.ref.text: (r.status.value, r.path, r.line, r.reason)
        for r in hits.rows
        if r.ref.doc_line == line
    }


def test_a_qualified_mention_binds_the_bare_method(hits: SpecHits) -> None:
    status, path, line, how = rows(hits, 5)["load_model()"]
    assert (status, path, line) == ("resolved", "pkg/manager.py", 5)
    assert "method of `ModelManager`" in how and "ModelManager.load_model" in how
    # a top-level function is found as before
    assert rows(hits, 6)["build_model"][:3] == ("resolved", "pkg/manager.py", 16)


def test_the_class_in_the_item_binds_the_method(hits: SpecHits) -> None:
    status, path, line, how = rows(hits, 10)["save_model(model: Any, params: dict)"]
    assert (status, path, line) == ("resolved", "pkg/manager.py", 7)
    assert "class named in the same item" in how
    # two classes are called Trainer: the file in the enclosing item decides
    status, path, line, how = rows(hits, 12)["fit_epochs(n: int, log: list | None = None)"]
    assert (status, path, line) == ("resolved", "pkg/manager.py", 11)
    assert "class named in the enclosing item" in how


def test_a_bound_method_signature_is_checked_loosely(hits: SpecHits) -> None:
    found = [(f.line, f.code, f.message) for f in hits.findings]
    assert [(ln, code) for ln, code, _m in found] == [(13, "signature-mismatch")], found
    assert "`n` is `str`, the code `int`" in found[0][2]


def test_without_context_method_names_stay_prose(hits: SpecHits) -> None:
    # the class named in another section's item says nothing here; the qualified mention
    # of section 1 still does (once a spec has said which `load_model`, it keeps meaning it)
    found = rows(hits, 17)
    assert set(found) == {"load_model"}
    assert found["load_model"][:3] == ("resolved", "pkg/manager.py", 5)
    assert "an earlier section" in found["load_model"][3]
    assert not [f for f in hits.findings if f.line == 17]


def test_a_signature_with_a_union_annotation_is_no_shell_pipe(hits: SpecHits) -> None:
    assert "fit_epochs(n: int, log: list | None = None)" in rows(hits, 12)
