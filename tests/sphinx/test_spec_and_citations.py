"""spec-hits and citation checks (ptyref role, plain literals) in real builds.

Static projects are test roots (``tests/roots/test-spec-hits*``, ``test-cites``); projects
that vary per test or need git are built in tmp folders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_colors

from tests.gitutil import Repo
from tests.sphinx.util import build, html, make_project, ptyplan_warnings, subtypes, write

pytestmark = pytest.mark.sphinx

CODE = {
    "ptycho/__init__.py": "",
    "ptycho/config/__init__.py": "",
    "ptycho/config/config.py": (
        "from dataclasses import dataclass\n\n\n@dataclass\nclass ModelConfig:\n"
        "    N: int = 64\n    gridsize: int = 1\n    n_filters_scale: int = 2\n"
    ),
    "ptycho/model.py": "def build_model(config):\n    return config\n",
    "ptycho_torch/__init__.py": "",
    "ptycho_torch/config_params.py": (
        "from dataclasses import dataclass\n\n\n@dataclass\nclass ModelConfig:\n"
        "    N: int = 64\n    n_filters_scale: int = 2\n\n\n"
        "@dataclass\nclass DataConfig:\n    N: int = 64\n    grid_size: tuple = (2, 2)\n"
    ),
    "ptycho_torch/model.py": "def forward(x):\n    return x\n",
    "ptycho_torch/generators/__init__.py": "",
    "ptycho_torch/generators/registry.py": "def resolve_generator(name):\n    return name\n",
}

SPEC = """# Ptychodus API spec

## Configuration

- `ptycho.config.config.ModelConfig` fields:
  - `N` (int): object size
  - `gridsize` (int)
  - `n_filters_scale` (int)
  - `probe_scale` (float): not in the code

The generator is chosen by `ptycho_torch.generators.registry.resolve_generator()`.
Tensors are `torch.complex64`; training uses `lightning.pytorch.Trainer`.
Outputs go to `{output_dir}/wts.h5.zip`; run `python -m ptycho_torch.train --help`.
Deprecated: `ptycho_torch.generators.registry.make_generator`.

```python
ptycho_torch.never.checked()
```
"""


def _spec_project(tmp_path: Path, directive_opts: str = "") -> Path:
    page = (
        "# Spec hits\n\n```{ptyplan-spec-hits} specs/api.md\n:tree: ptycho_torch, ptycho\n"
        f"{directive_opts}```\n\nAfter.\n"
    )
    src = make_project(
        tmp_path / "src",
        {"index.md": page},
        'ptyplan_root = "."\nptyplan_drift = False  # not a git checkout\n',
    )
    write(src, {**CODE, "specs/api.md": SPEC})
    return src


def _built(app: SphinxTestApp) -> str:
    """Build a test root's app (the ``app`` fixture); its warnings without colors."""
    app.build()
    return strip_colors(app.warning.getvalue())


@pytest.mark.sphinx("html", testroot="spec-hits")
def test_spec_hits_rows_and_warnings_at_spec_lines(app: SphinxTestApp) -> None:
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    assert sorted(subtypes("\n".join(found))) == ["schema", "stale"], found
    stale = next(w for w in found if "[ptyplan.stale]" in w)
    assert re.search(r"specs/api\.md:14: WARNING", stale) and "make_generator" in stale
    assert "resolve_generator" in stale  # did you mean
    schema = next(w for w in found if "[ptyplan.schema]" in w)
    assert re.search(r"specs/api\.md:9: WARNING", schema) and "probe_scale" in schema
    page = html(app)
    assert "ptycho/config/config.py:5" in page  # where ModelConfig resolves
    assert "external" in page and "torch.complex64" in page
    assert "never.checked" not in page
    assert "Spec touchpoints" in page and "After." in page


@pytest.mark.sphinx("html", testroot="spec-hits-problems")
def test_show_problems_and_per_directive_suppress(app: SphinxTestApp) -> None:
    warnings = _built(app)
    assert ptyplan_warnings(warnings) == []
    page = html(app)
    assert "make_generator" in page  # the stale row is still shown
    assert "torch.complex64" not in page  # only problems are listed


def test_strict_reports_undocumented_fields(tmp_path: Path) -> None:
    src = _spec_project(tmp_path, ":strict:\n")
    (src / "specs/api.md").write_text(SPEC.replace("  - `gridsize` (int)\n", ""))
    _, warnings = build(src, "html")
    found = [w for w in ptyplan_warnings(warnings) if "[ptyplan.schema]" in w]
    assert any("gridsize" in w for w in found), found


def test_missing_spec_and_unknown_tree(tmp_path: Path) -> None:
    page = "# S\n\n```{ptyplan-spec-hits} specs/none.md\n```\n\nAfter.\n"
    src = make_project(
        tmp_path / "src",
        {"index.md": page},
        'ptyplan_root = "."\nptyplan_drift = False  # not a git checkout\n',
    )
    write(src, CODE)
    app, warnings = build(src, "html")
    found = ptyplan_warnings(warnings)
    assert len(found) == 1 and "index.md:3" in found[0] and "none.md" in found[0]
    assert "After." in html(app)


CITES_PAGE = """# Ledger

- Model config at `ptycho_torch/config_params.py:5-7`; loader `ptycho/model.py:1`.
- Two in one span: `ptycho/model.py:1-2, ptycho_torch/model.py:forward`.
- Gone: `ptycho_torch/train_utils.py:12`.
- Past the end: `ptycho/model.py:40`.
- No such symbol: `ptycho_torch/model.py:forwrd`.
- Bare and ambiguous: `model.py:1`; bare and unique: `registry.py:1`.
- Not ours: `/home/someone/ptycho_torch/model.py:3`, `numpy/core.py:1`, `reports/<ts>/x.md`.
- A link: [`ptycho_torch/gone.py:1`](https://example.org/ptycho_torch/gone.py).
- Role: {ptyref}`ptycho_torch/config_params.py:6` and {ptyref}`ptycho_torch.config_params.DataConfig`.

```text
ptycho_torch/inside_a_fence.py:1
```
"""  # noqa: E501


def _cites_project(tmp_path: Path, page: str = CITES_PAGE, extra: str = "") -> Path:
    src = make_project(
        tmp_path / "src",
        {"index.md": page},
        'ptyplan_root = "."\nptyplan_drift = False  # not a git checkout\n' + extra,
    )
    write(src, CODE)
    return src


@pytest.mark.sphinx("html", testroot="cites")
def test_literal_citations_are_checked_without_false_alarms(app: SphinxTestApp) -> None:
    warnings = _built(app)
    found = ptyplan_warnings(warnings)
    by_line = {int(m.group(1)): w for w in found if (m := re.search(r"index\.md:(\d+):", w))}
    assert set(by_line) == {5, 6, 7, 8}, found
    assert "[ptyplan.stale]" in by_line[5] and "train_utils" in by_line[5]
    assert "[ptyplan.stale]" in by_line[6] and "40" in by_line[6]
    assert "[ptyplan.stale]" in by_line[7] and "forward" in by_line[7]  # did you mean
    assert "[ptyplan.ambiguous]" in by_line[8]
    assert "ptycho/model.py" in by_line[8] and "ptycho_torch/model.py" in by_line[8]
    assert len(found) == 4


@pytest.mark.sphinx(
    "html",
    testroot="cites",
    confoverrides={
        "ptyplan_source_url": "https://github.com/ORG/REPO/blob/{revision}/{path}#L{line}",
        "ptyplan_source_revision": "main",
    },
)
def test_ptyref_links_to_source_url(app: SphinxTestApp) -> None:
    _built(app)
    page = html(app)
    assert "https://github.com/ORG/REPO/blob/main/ptycho_torch/config_params.py#L6" in page
    # the dotted name links to the line that defines the class
    assert "https://github.com/ORG/REPO/blob/main/ptycho_torch/config_params.py#L11" in page


def test_check_literals_off_checks_only_roles(tmp_path: Path) -> None:
    page = CITES_PAGE + "\nRole gone: {ptyref}`ptycho_torch/nothing.py:3`\n"
    src = _cites_project(tmp_path, page, "ptyplan_check_literals = False\n")
    _, warnings = build(src, "html")
    found = ptyplan_warnings(warnings)
    assert len(found) == 1 and "nothing.py" in found[0]


def test_rest_role_and_literals(tmp_path: Path) -> None:
    page = (
        "Ledger\n======\n\nGone: ``ptycho_torch/train_utils.py:12``.\n\n"
        "Role: :ptyref:`ptycho_torch/model.py:backward`\n"
    )
    src = make_project(
        tmp_path / "src",
        {"index.rst": page},
        'ptyplan_root = "."\nptyplan_drift = False  # not a git checkout\n',
    )
    write(src, CODE)
    _, warnings = build(src, "html")
    found = ptyplan_warnings(warnings)
    assert len(found) == 2
    assert any("index.rst:4" in w and "train_utils" in w for w in found)
    assert any("index.rst:6" in w and "backward" in w for w in found)


def test_clean_tree_builds_without_ptyplan_warnings(tmp_path: Path) -> None:
    page = "# Clean\n\nSee `ptycho_torch/config_params.py:5-7`, `ptycho/model.py:build_model`.\n"
    _, warnings = build(_cites_project(tmp_path, page), "html")
    assert ptyplan_warnings(warnings) == []


def test_literals_under_a_top_folder_renamed_away(tmp_path: Path) -> None:
    """The package folder was renamed: old citations are stale (with the git story and the
    replacement), even with drift off; folders that never existed stay silent."""
    repo = Repo(tmp_path / "repo")
    repo.write("ptychopinn_torch/__init__.py", "")
    repo.write("ptychopinn_torch/model.py", "".join(f"L{i} = {i}\n" for i in range(1, 11)))
    repo.commit("legacy port")
    repo.move("ptychopinn_torch", "ptycho_torch")
    repo.commit("rename the package")
    page = (
        "# Plan\n\n"
        "Old: `ptychopinn_torch/model.py:3`.\n\n"
        "Never existed: `scratch/notes.py:4`.\n\n"
        "After.\n"
    )
    src = make_project(
        repo.path / "docs", {"index.md": page}, 'ptyplan_root = ".."\nptyplan_drift = False\n'
    )
    app, warnings = build(src, "html")
    found = ptyplan_warnings(warnings)
    assert len(found) == 1, found
    assert "index.md:3" in found[0] and "[ptyplan.stale]" in found[0]
    assert "renamed to ptycho_torch/model.py" in found[0]
    # without drift the cited lines were not followed: no exact replacement is claimed
    assert "update or remove the reference" in found[0]
    assert "After." in html(app)


def test_source_links_of_odd_file_names_are_percent_encoded(tmp_path: Path) -> None:
    url = "https://github.com/ORG/REPO/blob/{revision}/{path}#L{line}"
    names = ["odd #1.py", "pct%41.py", "Run #3 (50% done)?.py"]
    page = "# Odd\n\n```{ptyplan-inventory} code\n```\n"
    src = make_project(
        tmp_path / "src",
        {"index.md": page},
        f'ptyplan_root = "."\nptyplan_drift = False\nptyplan_source_url = {url!r}\n'
        "ptyplan_source_revision = 'main'\n",
    )
    write(src, {f"code/{n}": "def f():\n    pass\n" for n in names})
    app, _ = build(src, "html")
    page_html = html(app)
    base = "https://github.com/ORG/REPO/blob/main/code/"
    for encoded in ("odd%20%231.py", "pct%2541.py", "Run%20%233%20%2850%25%20done%29%3F.py"):
        assert f'href="{base}{encoded}"' in page_html, encoded


# -- issue 15: bare names, context, page module, signatures in a real build -------------

NAMES_SPEC = """# API

## Models

`ModelConfig` is used by both backends; `build_model(config, extra)` builds one.

## TensorFlow side (`ptycho/config/config.py`)

- **`ModelConfig`**: the model.
  - `N`: size.
  - `n_filterz`: misspelt.
"""


def _names_project(tmp_path: Path, directive_opts: str = "", front: str = "") -> Path:
    page = (
        "# Spec hits\n\n```{ptyplan-spec-hits} specs/names.md\n:tree: ptycho_torch, ptycho\n"
        f"{directive_opts}```\n"
    )
    src = make_project(
        tmp_path / "src",
        {"index.md": page},
        'ptyplan_root = "."\nptyplan_drift = False  # not a git checkout\n',
    )
    write(src, {**CODE, "specs/names.md": front + NAMES_SPEC})
    return src


def test_bare_names_context_and_signatures_in_a_build(tmp_path: Path) -> None:
    app, warnings = build(_names_project(tmp_path), "html")
    found = ptyplan_warnings(warnings)
    # section "Models" cannot say which ModelConfig: one ambiguous warning, at its line
    amb = [w for w in found if "[ptyplan.ambiguous]" in w]
    assert len(amb) == 1 and re.search(r"specs/names\.md:5: WARNING", amb[0]), found
    # the written signature names a parameter the code does not have
    sig = [w for w in found if "signature" in w or "build_model(config, extra)" in w]
    assert len(sig) == 1 and "[ptyplan.schema]" in sig[0] and "no parameter `extra`" in sig[0]
    assert "build_model(config)" in sig[0]  # the code's signature is in the message
    # the bold-owner bullet under the TensorFlow heading is checked against ptycho's class
    field = [w for w in found if "n_filterz" in w]
    assert len(field) == 1 and "[ptyplan.schema]" in field[0]
    assert "ptycho.config.config.ModelConfig" in field[0]
    assert "did you mean `n_filters_scale`" in field[0]
    page = html(app)
    assert "named in the section" in page or "heading" in page  # the how column


@pytest.mark.parametrize(
    ("opts", "front"),
    [(":module: ptycho\n", ""), ("", "---\nptyplan-module: ptycho\n---\n")],
)
def test_page_module_decides_bare_names(tmp_path: Path, opts: str, front: str) -> None:
    app, warnings = build(_names_project(tmp_path, opts, front), "html")
    found = ptyplan_warnings(warnings)
    assert not [w for w in found if "[ptyplan.ambiguous]" in w], found
    # front matter keeps the spec's line numbers
    assert [w for w in found if "n_filterz" in w and re.search(r"names\.md:1[14]: ", w)]
    assert "`ptycho` (page setting)" in html(app)


# -- issue 15: the same context in a reST spec (item, paragraph, page module, bold owner) --

RST_NAMES_SPEC = """API
===

Models
------

``ModelConfig`` is used by both backends; ``build_model(config, extra)`` builds one.

Torch side
----------

- The port keeps ``ModelConfig`` with its own fields,
  as written in ``ptycho_torch/config_params.py``.

The adapter reads ``ModelConfig`` at import time, from
``ptycho/config/config.py``.

TensorFlow side (``ptycho/config/config.py``)
---------------------------------------------

- **ModelConfig**: the model.

  - ``N``: size.
  - ``n_filterz``: misspelt.
"""


def _rst_names_project(tmp_path: Path, head: str = "") -> Path:
    page = (
        "Spec hits\n=========\n\n.. ptyplan-spec-hits:: specs/names.rst\n"
        "   :tree: ptycho_torch, ptycho\n"
    )
    src = make_project(
        tmp_path / "src",
        {"index.rst": page},
        'ptyplan_root = "."\nptyplan_drift = False  # not a git checkout\n',
    )
    write(src, {**CODE, "specs/names.rst": head + RST_NAMES_SPEC})
    return src


def _row_of(page: str, line: int) -> str:
    """The text of the spec-hits table row of spec line ``line`` (tags dropped)."""
    rows = [re.sub(r"<[^>]+>", "", r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)]
    found = [" ".join(r.split()) for r in rows if re.match(rf"\s*{line}\s", r)]
    assert found, line
    return found[0]


def test_rest_spec_binds_names_by_item_paragraph_and_bold_owner(tmp_path: Path) -> None:
    app, warnings = build(_rst_names_project(tmp_path), "html")
    found = ptyplan_warnings(warnings)
    # only "Models" cannot say which ModelConfig: one ambiguous warning, at its line
    amb = [w for w in found if "[ptyplan.ambiguous]" in w]
    assert len(amb) == 1 and re.search(r"specs/names\.rst:7: WARNING", amb[0]), found
    sig = [w for w in found if "no parameter `extra`" in w]
    assert len(sig) == 1 and "[ptyplan.schema]" in sig[0]
    # the bold owner's field list is checked against the class its heading names
    field = [w for w in found if "n_filterz" in w]
    assert len(field) == 1 and "[ptyplan.schema]" in field[0], found
    assert "ptycho.config.config.ModelConfig" in field[0]
    assert re.search(r"names\.rst:24: ", field[0])
    page = html(app)
    # the list item names the PyTorch file two lines down: the item decides
    item = _row_of(page, 12)
    assert "ptycho_torch/config_params.py:5" in item and "same item" in item, item
    # the paragraph names the TensorFlow file on its next line: the paragraph decides
    # (the item's file above is not the section's introduction)
    para = _row_of(page, 15)
    assert "ptycho/config/config.py:5" in para and "same paragraph" in para, para


@pytest.mark.parametrize("directive", ["currentmodule", "module", "py:currentmodule"])
def test_rest_currentmodule_is_a_page_setting(tmp_path: Path, directive: str) -> None:
    app, warnings = build(_rst_names_project(tmp_path, f".. {directive}:: ptycho\n\n"), "html")
    found = ptyplan_warnings(warnings)
    assert not [w for w in found if "[ptyplan.ambiguous]" in w], found
    # the directive's two lines shift the spec: the warnings keep the file's own lines
    assert [w for w in found if "n_filterz" in w and re.search(r"names\.rst:26: ", w)]
    page = html(app)
    assert "`ptycho` (page setting)" in page
    models = _row_of(page, 9)
    assert "ptycho/config/config.py:5" in models, models
    # nearer context still wins over the page setting: the item keeps the PyTorch class
    assert "ptycho_torch/config_params.py:5" in _row_of(page, 14)
