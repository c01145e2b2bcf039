"""CLI settings: the ``[tool.ptyplan]`` table, exit codes and the usage error."""

from __future__ import annotations

import tomllib
from pathlib import Path

from sphinx_ptyplan.core.settings import SETTINGS, SettingError, Settings, settings_from

__all__ = [
    "EXIT_CLEAN",
    "EXIT_FINDINGS",
    "EXIT_USAGE",
    "FORMATS",
    "Settings",
    "UsageError",
    "find_root",
    "load_settings",
]

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

FORMATS = ("markdown", "json", "github", "sarif")


class UsageError(Exception):
    """A problem with how ptyplan was called or configured: one line, exit code 2."""


def load_settings(path: Path) -> Settings:
    """Read ``[tool.ptyplan]`` from a pyproject.toml; a missing table gives the defaults.
    The keys and their checks are the core's one declaration (``core/settings.py``).

    :raises UsageError: unreadable file, invalid TOML, unknown key or wrong value type.
    """
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise UsageError(f"cannot read config {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config {path} is not valid TOML: {exc}") from None
    table = data.get("tool", {}).get("ptyplan", {})
    if not isinstance(table, dict):
        raise UsageError(f"config {path}: [tool.ptyplan] must be a table")
    known = [s.name for s in SETTINGS]
    for key in table:
        if key not in known:
            hint = (
                f" (write {key.removeprefix('ptyplan_')!r})" if key.startswith("ptyplan_") else ""
            )
            raise UsageError(
                f"config {path}: unknown key {key!r} in [tool.ptyplan]{hint}; "
                f"known: {', '.join(known)}"
            )
    try:
        return settings_from(table)
    except SettingError as exc:
        raise UsageError(f"[tool.ptyplan] {exc}") from None


def find_root(start: Path) -> Path:
    """The git work tree holding ``start`` (the nearest folder with ``.git``), else ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start
