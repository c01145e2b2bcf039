"""Every ``ptyplan_*`` configuration value: declared once, registered, validated at startup."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.errors import ConfigError

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

__all__ = ["PtyplanConfig", "get_config", "register", "resolve_root", "root_path"]


def _meta(help: str, types: tuple[type, ...], rebuild: str = "env") -> dict[str, Any]:
    return {"help": help, "types": types, "rebuild": rebuild}


@dataclass(frozen=True)
class PtyplanConfig:
    """The extension's configuration; each field is the Sphinx value ``ptyplan_<name>``."""

    root: str | None = field(
        default=None,
        metadata=_meta(
            "Folder that directive paths are relative to (relative to conf.py). Default: the "
            "git work tree that contains conf.py, else the folder of conf.py. Nothing outside "
            "it is read.",
            (str, type(None)),
        ),
    )
    roots: dict[str, str] = field(
        default_factory=dict,
        metadata=_meta(
            "Extra named roots (name -> folder relative to conf.py) for directives that document "
            "another tree than ``ptyplan_root`` (``:root: NAME``), e.g. a second repository.",
            (dict,),
        ),
    )
    check_literals: bool = field(
        default=True,
        metadata=_meta(
            "Check every inline literal on every page that cites a file, line or symbol inside "
            "the root (``path/file.py:123``, ``path.py:symbol``).",
            (bool,),
        ),
    )
    drift: bool = field(
        default=True,
        metadata=_meta(
            "Detect file:line citations whose lines moved or changed since the citing line was "
            "written (git blame of the page, diff of the cited file).",
            (bool,),
        ),
    )
    source_url: str | None = field(
        default=None,
        metadata=_meta(
            "URL template for links to code, with ``{path}``, ``{line}`` and ``{revision}``, e.g. "
            "``https://github.com/ORG/REPO/blob/{revision}/{path}#L{line}``.",
            (str, type(None)),
            "html",
        ),
    )
    source_revision: str = field(
        default="HEAD",
        metadata=_meta(
            "Revision substituted for ``{revision}`` in ``ptyplan_source_url`` (a git revision, "
            "resolved to its sha at build time; a branch name is kept as written when it cannot "
            "be resolved).",
            (str,),
            "html",
        ),
    )
    external: list[str] = field(
        default_factory=list,
        metadata=_meta(
            "Top-level package names always treated as external (never checked), in addition to "
            "every name that is not a top-level package or folder of the root.",
            (list, tuple),
        ),
    )
    exclude: list[str] = field(
        default_factory=list,
        metadata=_meta(
            "Extra glob patterns excluded from every scan (on top of __pycache__, .git, build, "
            "egg-info and .gitignored files).",
            (list, tuple),
        ),
    )
    max_file_bytes: int = field(
        default=5_000_000,
        metadata=_meta(
            "Files larger than this are listed but not parsed (a ``ptyplan.parse`` warning).",
            (int,),
        ),
    )
    jobs: int = field(
        default=0,
        metadata=_meta(
            "Processes used to parse large trees (0: automatic, parallel only for trees large "
            "enough to pay for it; 1: never).",
            (int,),
        ),
    )

    status: dict[str, str] = field(
        default_factory=dict,
        metadata=_meta(
            "Document status by path glob (root-relative, ``fnmatch``: ``*`` also crosses "
            "``/``; the first match wins): ``live`` (checked against today's tree, the "
            "default), ``pinned`` (a reference is reported only when it was already wrong at "
            "the commit that wrote its line; no drift) or ``archived`` (not checked), e.g. "
            '``{"docs/plans/20*": "pinned", "docs/archive/**": "archived"}``. A page\'s own '
            "``ptyplan: pinned`` front matter (or ``:ptyplan: pinned`` field) wins.",
            (dict,),
        ),
    )
    baseline: str | None = field(
        default=None,
        metadata=_meta(
            "A baseline file written by ``ptyplan baseline`` (relative to the root): findings "
            "it holds are not reported (their number is), so ``-W`` fails only on new ones.",
            (str, type(None)),
        ),
    )


def register(app: Sphinx) -> None:
    for f in dataclasses.fields(PtyplanConfig):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
        app.add_config_value(
            f"ptyplan_{f.name}",
            default,
            f.metadata["rebuild"],
            types=f.metadata["types"],
            description=f.metadata["help"],
        )
    app.connect("config-inited", _validate, priority=800)


def _validate(app: Sphinx, config: Config) -> None:
    """Fail early (a ConfigError) on values that cannot work; page problems are warnings."""
    cfg = get_config(config)
    # Store the roots resolved (absolute), so that the rest of the build needs no confdir.
    config.ptyplan_root = str(resolve_root(app.confdir, cfg.root))
    roots = {}
    for name, folder in cfg.roots.items():
        if not isinstance(name, str) or not isinstance(folder, str) or not name:
            raise ConfigError(f"ptyplan_roots must map names to folders, not {name!r}: {folder!r}")
        roots[name] = str(resolve_root(app.confdir, folder))
    config.ptyplan_roots = roots


def root_path(cfg: PtyplanConfig, name: str | None = None) -> Path:
    """The absolute folder of ``ptyplan_root`` (or of a named root), resolved at config-inited."""
    folder = cfg.roots[name] if name else cfg.root
    assert folder is not None, "ptyplan_root is resolved at config-inited"
    return Path(folder)


def get_config(config: Config) -> PtyplanConfig:
    values: dict[str, Any] = {}
    for f in dataclasses.fields(PtyplanConfig):
        values[f.name] = getattr(config, f"ptyplan_{f.name}")
    cfg = PtyplanConfig(**values)
    for f in dataclasses.fields(PtyplanConfig):
        # Sphinx only warns about a wrong type (and keeps the value): 'no' would be a true
        # ptyplan_drift, 'numpy' a list of five one-letter names.
        value, types = getattr(cfg, f.name), f.metadata["types"]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            want = " or ".join("None" if t is type(None) else t.__name__ for t in types)
            raise ConfigError(f"ptyplan_{f.name} must be {want}, not {value!r}")
    from sphinx_ptyplan.core.checks.status import validate_rules

    try:
        validate_rules(cfg.status)
    except ValueError as exc:
        raise ConfigError(f"ptyplan_status {exc}") from None
    if cfg.max_file_bytes <= 0:
        raise ConfigError(f"ptyplan_max_file_bytes must be positive, not {cfg.max_file_bytes!r}")
    if cfg.jobs < 0:
        raise ConfigError(f"ptyplan_jobs must be 0 (automatic) or more, not {cfg.jobs!r}")
    for name in ("external", "exclude"):
        items = getattr(cfg, name)
        if not all(isinstance(x, str) for x in items):
            raise ConfigError(f"ptyplan_{name} must be a list of strings, not {items!r}")
    if cfg.source_url is not None and "{path}" not in cfg.source_url:
        raise ConfigError(
            f"ptyplan_source_url must contain '{{path}}' (and usually '{{line}}'), "
            f"not {cfg.source_url!r}"
        )
    return cfg


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
