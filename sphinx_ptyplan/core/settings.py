"""Every setting of ptyplan, declared once: name, type, default, validator and help.

conf.py reads each one as ``ptyplan_<name>`` (``sphinx_ext/config.py`` registers them from
here), the command line as ``<name>`` in the ``[tool.ptyplan]`` table of ``pyproject.toml``
(``cli/settings.py``), and the configuration page of the docs is generated from here. A
front end only says how a bad value is reported (``ConfigError`` or exit code 2).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["SETTINGS", "Setting", "SettingError", "Settings", "settings_from"]


class SettingError(ValueError):
    """A value a setting cannot take; ``want`` says what it must be."""

    def __init__(self, name: str, want: str, value: Any) -> None:
        super().__init__(f"{name} must be {want}, not {value!r}")
        self.name = name
        self.want = want
        self.value = value


Check = Callable[[Any], Any]
#: What a change invalidates (Sphinx's ``rebuild``): what is read, or only the HTML.
Rebuild = Literal["env", "html", ""]


def _meta(help: str, types: tuple[type, ...], check: Check, rebuild: Rebuild = "env") -> Any:
    """Field metadata: ``types`` are what conf.py may hold (Sphinx's ``types=``); ``check``
    turns a raw value into its :class:`Settings` form or raises ``_Bad(what it must be)``;
    ``rebuild`` is Sphinx's (``env``: changes what is read; ``html``: presentation only;
    ``""``: the build does not use it)."""
    return {"help": help, "types": types, "check": check, "rebuild": rebuild}


class _Bad(Exception):
    def __init__(self, want: str) -> None:
        super().__init__(want)
        self.want = want


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _Bad("a non-empty string")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _url(value: Any) -> str | bool | None:
    if value is None or value is False:
        return value  # None: links from the git remote; False: no links
    if not isinstance(value, str) or "{path}" not in value:
        raise _Bad("a URL template containing '{path}', None (links from the git remote) or False")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad("true or false")
    return value


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(x, str) for x in value):
        raise _Bad("a list of strings")
    return tuple(value)


def _whole(low: int) -> Check:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise _Bad(f"a whole number >= {low}")
        return value

    return check


def _named_folders(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in value.items()
    ):
        raise _Bad("a table of names to folders")
    return dict(value)


def _statuses(value: Any) -> dict[str, str]:
    from sphinx_ptyplan.core.checks.status import validate_rules

    try:
        return validate_rules(value)
    except ValueError as exc:
        raise _Bad(f"a table of path globs to live, pinned or archived ({exc})") from None


@dataclass(frozen=True)
class Settings:
    """The settings in force; each field is ``ptyplan_<name>`` in conf.py and ``<name>`` in
    ``[tool.ptyplan]``. Build one with :func:`settings_from` (validated)."""

    root: str | None = field(
        default=None,
        metadata=_meta(
            "Folder that directive paths are relative to (relative to conf.py; for the "
            "command line, to pyproject.toml). Default: the git work tree that contains "
            "conf.py, else the folder of conf.py. Nothing outside it is read.",
            (str, type(None)),
            _optional_text,
        ),
    )
    roots: dict[str, str] = field(
        default_factory=dict,
        metadata=_meta(
            "Extra named roots (name -> folder relative to conf.py; in ``[tool.ptyplan]``, to "
            "pyproject.toml) for directives (``:root: NAME``) and commands (``--root-name "
            "NAME``) that document another tree than ``ptyplan_root``, e.g. a second "
            "repository.",
            (dict,),
            _named_folders,
        ),
    )
    check_literals: bool = field(
        default=True,
        metadata=_meta(
            "Check every inline literal on every page that cites a file, line or symbol inside "
            "the root (``path/file.py:123``, ``path.py:symbol``).",
            (bool,),
            _flag,
        ),
    )
    drift: bool = field(
        default=True,
        metadata=_meta(
            "Detect file:line citations whose lines moved or changed since the citing line was "
            "written (git blame of the page, diff of the cited file).",
            (bool,),
            _flag,
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
            _url,
            "html",
        ),
    )
    source_revision: str = field(
        default="HEAD",
        metadata=_meta(
            "Revision substituted for ``{revision}`` in ``ptyplan_source_url`` (a git "
            "revision, resolved to its sha at build time; a branch name is kept as written "
            "when it cannot be resolved).",
            (str,),
            _text,
            "html",
        ),
    )
    external: tuple[str, ...] = field(
        default=(),
        metadata=_meta(
            "Top-level package names always treated as external (never checked), in addition "
            "to every name that is not a top-level package or folder of the root.",
            (list, tuple),
            _strings,
        ),
    )
    exclude: tuple[str, ...] = field(
        default=(),
        metadata=_meta(
            "Extra glob patterns excluded from every scan (on top of __pycache__, .git, build, "
            "egg-info and .gitignored files).",
            (list, tuple),
            _strings,
        ),
    )
    max_file_bytes: int = field(
        default=5_000_000,
        metadata=_meta(
            "Files larger than this are listed but not parsed (a ``ptyplan.parse`` warning).",
            (int,),
            _whole(1),
        ),
    )
    mark_problems: bool = field(
        default=True,
        metadata=_meta(
            "Mark every citation with a finding where it stands on the page: in HTML a "
            "badge whose tooltip is the finding and its fix, in LaTeX and text a numbered "
            "marker and a note at the end of the page. Correct citations are never marked.",
            (bool,),
            _flag,
            "html",
        ),
    )
    watch: tuple[str, ...] = field(
        default=(),
        metadata=_meta(
            "Extra files or folders (relative to conf.py) that ``ptyplan serve`` watches, "
            "for inputs the build reads that no directive names (for example the snapshots "
            "that ``conf.py`` replays into a repository). The build itself ignores it.",
            (list, tuple),
            _strings,
            "",
        ),
    )
    jobs: int = field(
        default=0,
        metadata=_meta(
            "Processes used to parse large trees (0: automatic, parallel only for trees large "
            "enough to pay for it; 1: never).",
            (int,),
            _whole(0),
        ),
    )
    status: dict[str, str] = field(
        default_factory=dict,
        metadata=_meta(
            "Document status by path glob (root-relative, ``fnmatch``: ``*`` also crosses "
            "``/``; the first match wins): ``live`` (checked against today's tree, the "
            "default), ``pinned`` (a reference is reported only when it was already wrong at "
            "the commit that wrote its line; no drift) or ``archived`` (not checked), e.g. "
            '``{"docs/plans/20*": "pinned", "docs/archive/**": "archived"}``. A document\'s '
            "own ``ptyplan: pinned`` front matter (or ``:ptyplan: pinned`` field) wins.",
            (dict,),
            _statuses,
        ),
    )
    baseline: str | None = field(
        default=None,
        metadata=_meta(
            "A baseline file written by ``ptyplan baseline`` (relative to the root): the "
            "findings it holds are not reported (their number is), so ``-W`` and ``ptyplan "
            "check`` fail only on new ones.",
            (str, type(None)),
            _optional_text,
        ),
    )


@dataclass(frozen=True)
class Setting:
    """One declared setting (a view of a :class:`Settings` field)."""

    name: str
    default: Any
    types: tuple[type, ...]
    help: str
    rebuild: Rebuild
    check: Check

    def validate(self, value: Any) -> Any:
        """The value in :class:`Settings` form.

        :raises SettingError: when the value cannot be used.
        """
        try:
            return self.check(value)
        except _Bad as exc:
            raise SettingError(self.name, exc.want, value) from None


def _declared() -> Iterator[Setting]:
    for f in dataclasses.fields(Settings):
        factory: Any = f.default_factory
        default = f.default if f.default is not dataclasses.MISSING else factory()
        m = f.metadata
        yield Setting(f.name, default, m["types"], m["help"], m["rebuild"], m["check"])


#: Every setting, in declaration order.
SETTINGS: tuple[Setting, ...] = tuple(_declared())


def settings_from(values: Mapping[str, Any]) -> Settings:
    """Validated :class:`Settings` from raw values by name (missing names: the default).

    :raises SettingError: the first value that cannot be used (or an unknown name, with
        ``want`` listing the known ones).
    """
    known = {s.name: s for s in SETTINGS}
    out: dict[str, Any] = {}
    for name, value in values.items():
        setting = known.get(name)
        if setting is None:
            raise SettingError(name, f"one of {', '.join(known)}", value)
        out[name] = setting.validate(value)
    return Settings(**out)
