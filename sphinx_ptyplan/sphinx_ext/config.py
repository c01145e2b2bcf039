"""The ``ptyplan_*`` values of conf.py: registered from the core's declaration, validated."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.errors import ConfigError

from sphinx_ptyplan.core.settings import SETTINGS, SettingError, Settings, settings_from

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

__all__ = ["get_config", "register", "resolve_root", "root_path"]


def register(app: Sphinx) -> None:
    """Register every declared setting as ``ptyplan_<name>`` (type, default, help)."""
    for s in SETTINGS:
        default = list(s.default) if isinstance(s.default, tuple) else s.default
        app.add_config_value(
            f"ptyplan_{s.name}", default, s.rebuild, types=s.types, description=s.help
        )
    app.connect("config-inited", _validate, priority=800)


def _validate(app: Sphinx, config: Config) -> None:
    """Fail early (a ConfigError) on values that cannot work; page problems are warnings."""
    cfg = get_config(config)
    # Store the roots resolved (absolute), so that the rest of the build needs no confdir.
    config.ptyplan_root = str(resolve_root(app.confdir, cfg.root))
    config.ptyplan_roots = {
        name: str(resolve_root(app.confdir, folder)) for name, folder in cfg.roots.items()
    }


def root_path(cfg: Settings, name: str | None = None) -> Path:
    """The absolute folder of ``ptyplan_root`` (or of a named root), resolved at config-inited."""
    folder = cfg.roots[name] if name else cfg.root
    assert folder is not None, "ptyplan_root is resolved at config-inited"
    return Path(folder)


def get_config(config: Config) -> Settings:
    """The validated settings of conf.py (a ``ConfigError`` names the bad value)."""
    try:
        return settings_from({s.name: getattr(config, f"ptyplan_{s.name}") for s in SETTINGS})
    except SettingError as exc:
        # Sphinx only warns about a wrong type (and keeps the value): 'no' would be a true
        # ptyplan_drift, 'numpy' a list of five one-letter names.
        raise ConfigError(f"ptyplan_{exc}") from None


def resolve_root(confdir: str | os.PathLike[str], root: str | None) -> Path:
    """The absolute root: ``ptyplan_root`` relative to conf.py, else the enclosing work tree."""
    base = Path(confdir).resolve()
    if root is not None:
        path = (base / root).resolve()
        if not path.is_dir():
            raise ConfigError(f"ptyplan_root {root!r} is not a folder (resolved to {path})")
        return path
    for candidate in (base, *base.parents):
        if (candidate / ".git").exists():
            return candidate
    return base
