"""One declaration of every setting (core/settings.py), read by both front ends and the docs."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from sphinx.errors import ConfigError

from sphinx_ptyplan.cli.settings import UsageError, load_settings
from sphinx_ptyplan.core.settings import SETTINGS, SettingError, Settings, settings_from
from tests.sphinx.util import build, make_project

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_declaration_is_the_settings_dataclass() -> None:
    assert [s.name for s in SETTINGS] == [f.name for f in dataclasses.fields(Settings)]
    assert Settings() == settings_from({})
    for s in SETTINGS:
        assert getattr(Settings(), s.name) == s.default
        assert s.help and s.rebuild in ("env", "html", "")  # "": only `ptyplan serve` reads it
        # the default passes its own check, and is already in Settings form
        assert s.validate(list(s.default) if isinstance(s.default, tuple) else s.default) == (
            s.default
        ), s.name


@pytest.mark.parametrize(
    ("name", "value", "want"),
    [
        ("max_file_bytes", 0, "a whole number >= 1"),
        ("jobs", -1, "a whole number >= 0"),
        ("jobs", True, "a whole number >= 0"),
        ("drift", "no", "true or false"),
        ("external", "numpy", "a list of strings"),
        ("exclude", [1], "a list of strings"),
        ("roots", {"a": 1}, "a table of names to folders"),
        (
            "source_url",
            "https://example.org/",
            "a URL template containing '{path}', None (links from the git remote) or False",
        ),
        (
            "source_url",
            True,
            "a URL template containing '{path}', None (links from the git remote) or False",
        ),
        ("mark_problems", "yes", "true or false"),
        ("watch", "snapshots", "a list of strings"),
        ("source_revision", "", "a non-empty string"),
    ],
)
def test_both_front_ends_refuse_a_bad_value_with_the_same_words(
    tmp_path: Path, name: str, value: object, want: str
) -> None:
    with pytest.raises(SettingError) as core:
        settings_from({name: value})
    assert core.value.want == want
    # command line: [tool.ptyplan]
    toml = tmp_path / "pyproject.toml"
    toml.write_text(f"[tool.ptyplan]\n{name} = {_toml(value)}\n", encoding="utf-8")
    with pytest.raises(UsageError) as cli:
        load_settings(toml)
    assert str(cli.value) == f"[tool.ptyplan] {name} must be {want}, not {value!r}"
    # docs build: conf.py
    src = make_project(tmp_path / "src", {"index.md": "# Page\n"}, f"ptyplan_{name} = {value!r}\n")
    with pytest.raises(ConfigError) as sphinx:
        build(src, "html")
    assert str(sphinx.value) == f"ptyplan_{name} must be {want}, not {value!r}"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value).replace("'", '"')
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return repr(value)


def test_good_values_mean_the_same_in_both_front_ends(tmp_path: Path) -> None:
    toml = tmp_path / "pyproject.toml"
    toml.write_text(
        '[tool.ptyplan]\nexternal = ["numpy"]\nexclude = ["gen_*"]\njobs = 1\ndrift = false\n',
        encoding="utf-8",
    )
    cli = load_settings(toml)
    assert cli == Settings(external=("numpy",), exclude=("gen_*",), jobs=1, drift=False)
    conf = 'ptyplan_external = ["numpy"]\nptyplan_exclude = ("gen_*",)\nptyplan_jobs = 1\n'
    src = make_project(tmp_path / "src", {"index.md": "# Page\n"}, conf + "ptyplan_drift = False\n")
    from sphinx_ptyplan.sphinx_ext.config import get_config

    app, _ = build(src, "html")
    got = get_config(app.config)
    assert dataclasses.replace(got, root=None, roots={}) == cli


def test_sphinx_registers_every_setting(tmp_path: Path) -> None:
    src = make_project(tmp_path / "src", {"index.md": "# Page\n"})
    app, _ = build(src, "html")
    for s in SETTINGS:
        value = app.config[f"ptyplan_{s.name}"]
        if s.name not in ("root", "roots"):  # resolved to absolute folders at config-inited
            assert (tuple(value) if isinstance(value, list) else value) == s.default, s.name
        assert app.config.values[f"ptyplan_{s.name}"].description == s.help


def test_the_configuration_page_is_generated_from_the_declaration() -> None:
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert "```{ptyplan-config-table}" in page
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        from ptyplan_docs import config_table
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    text = config_table().astext()
    for s in SETTINGS:
        assert f"ptyplan_{s.name}" in text and s.help.replace("``", "") in text, s.name
    assert text.count("ptyplan_") >= len(SETTINGS)
