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
    source_url: str | bool | None = field(
        default=None,
        metadata=_meta(
            "Links to code. ``None`` (the default): when the root is in a git work tree whose "
            "remote is on GitHub, GitLab, Bitbucket or Gitea/Forgejo/Codeberg, cited files link "
            "to their lines at the built commit (files with uncommitted changes link to the "
            "branch, and say so). A URL template with ``{path}``, ``{line}`` and ``{revision}`` "
            "(``https://github.com/ORG/REPO/blob/{revision}/{path}#L{line}``) overrides that; "
            "``False`` turns links off.",
            (str, bool, type(None)),
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
    mark_problems: bool = field(
        default=True,
        metadata=_meta(
            "Mark every citation with a finding where it stands on the page: in HTML a "
            "badge whose tooltip is the finding and its fix, in LaTeX and text a numbered "
            "marker and a note at the end of the page. Correct citations are never marked.",
            (bool,),
            "html",
        ),
    )
    watch: list[str] = field(
        default_factory=list,
        metadata=_meta(
            "Extra files or folders (relative to conf.py) that ``ptyplan serve`` watches, "
            "for inputs the build reads that no directive names (for example the snapshots "
            "that ``conf.py`` replays into a repository). The build itself ignores it.",
            (list, tuple),
            "",
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
    if cfg.max_file_bytes <= 0:
        raise ConfigError(f"ptyplan_max_file_bytes must be positive, not {cfg.max_file_bytes!r}")
    if cfg.jobs < 0:
        raise ConfigError(f"ptyplan_jobs must be 0 (automatic) or more, not {cfg.jobs!r}")
    for name in ("external", "exclude", "watch"):
        items = getattr(cfg, name)
        if not all(isinstance(x, str) for x in items):
            raise ConfigError(f"ptyplan_{name} must be a list of strings, not {items!r}")
    if cfg.source_url is True:
        raise ConfigError(
            "ptyplan_source_url must be a URL template, None (links from the git remote) or "
            "False (no links), not True"
        )
    if isinstance(cfg.source_url, str) and "{path}" not in cfg.source_url:
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
