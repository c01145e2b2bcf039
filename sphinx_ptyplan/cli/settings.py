"""CLI settings: the ``[tool.ptyplan]`` table, exit codes and the usage error."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

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


@dataclass(frozen=True)
class Settings:
    """``[tool.ptyplan]``: the ``ptyplan_*`` configuration values without their prefix."""

    root: str | None = None
    roots: dict[str, str] = field(default_factory=dict)
    check_literals: bool = True
    drift: bool = True
    source_url: str | None = None
    source_revision: str = "HEAD"
    external: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_bytes: int = 5_000_000
    jobs: int = 0
    status: dict[str, str] = field(default_factory=dict)
    baseline: str | None = None


def _check(key: str, value: Any) -> Any:
    """Validate one ``[tool.ptyplan]`` value; return it in :class:`Settings` form."""

    def bad(want: str) -> UsageError:
        return UsageError(f"[tool.ptyplan] {key} must be {want}, not {value!r}")

    if key == "status":
        from sphinx_ptyplan.core.checks.status import validate_rules

        try:
            return validate_rules(value)
        except ValueError as exc:
            raise UsageError(f"[tool.ptyplan] status {exc}") from None
    if key in ("root", "source_url", "baseline"):
        if not isinstance(value, str) or not value:
            raise bad("a non-empty string")
        if key == "source_url" and "{path}" not in value:
            raise bad("a URL template containing '{path}'")
        return value
    if key == "source_revision":
        if not isinstance(value, str) or not value:
            raise bad("a non-empty string")
        return value
    if key in ("check_literals", "drift"):
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if key in ("external", "exclude"):
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise bad("a list of strings")
        return tuple(value)
    if key in ("max_file_bytes", "jobs"):
        low = 1 if key == "max_file_bytes" else 0
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise bad(f"a whole number >= {low}")
        return value
    if key == "roots":
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and k and isinstance(v, str) for k, v in value.items()
        ):
            raise bad("a table of names to folders")
        return dict(value)
    raise AssertionError(key)  # pragma: no cover - keys are checked before


def load_settings(path: Path) -> Settings:
    """Read ``[tool.ptyplan]`` from a pyproject.toml; a missing table gives the defaults.

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
    known = [f.name for f in fields(Settings)]
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            hint = (
                f" (write {key.removeprefix('ptyplan_')!r})" if key.startswith("ptyplan_") else ""
            )
            raise UsageError(
                f"config {path}: unknown key {key!r} in [tool.ptyplan]{hint}; "
                f"known: {', '.join(known)}"
            )
        values[key] = _check(key, value)
    return Settings(**values)


def find_root(start: Path) -> Path:
    """The git work tree holding ``start`` (the nearest folder with ``.git``), else ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start
