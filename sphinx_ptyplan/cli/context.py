"""What every command gets (root, settings, lazy git) and what it returns; the registry."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sphinx_ptyplan.cli.settings import Settings, UsageError, find_root, load_settings
from sphinx_ptyplan.core.models import Finding
from sphinx_ptyplan.core.outputs.tables import Table
from sphinx_ptyplan.core.requests import OptionError, named_root
from sphinx_ptyplan.core.workspace import Workspace

__all__ = [
    "COMMANDS",
    "Command",
    "Context",
    "Result",
    "register",
]


class Context(Workspace):
    """What every command gets: the root, the settings, and lazily opened git."""

    def __init__(
        self, root: Path, settings: Settings, *, fmt: str, config: Path | None, argv: list[str]
    ) -> None:
        super().__init__(
            root,
            jobs=settings.jobs,
            source_revision=settings.source_revision,
            external=settings.external,
        )
        self.settings = settings
        self.format = fmt
        self.config = config
        self.argv = argv

    def path(self, value: str, what: str = "path", *, must_exist: bool = True) -> str:
        """A path argument as a root-relative POSIX path ("" for the root itself).

        Relative paths are taken from the current folder when it is inside the root (so
        shell completion works), else from the root. Paths outside the root are refused.

        :raises UsageError: outside the root, or missing when ``must_exist``.
        """
        from sphinx_ptyplan.core.paths import PathRefused, confine, rel_posix

        if not value.strip():
            raise UsageError(f"empty {what}")
        given = Path(value)
        if not given.is_absolute():
            cwd = Path.cwd().resolve()
            base = cwd if cwd == self.root or self.root in cwd.parents else self.root
            given = base / given
        full = Path(os.path.normpath(given))
        if full != self.root and self.root not in full.parents:
            full = given.resolve()  # e.g. reached through a symlinked parent folder
        if full != self.root and self.root not in full.parents:
            raise UsageError(f"{what} {value!r} is outside the root {self.root}")
        rel = rel_posix(self.root, full)
        if rel:
            try:
                target = confine(self.root, rel)
            except PathRefused as exc:
                raise UsageError(f"{what} {value!r}: {exc}") from None
            if must_exist and not target.exists():
                raise UsageError(f"{what} {value!r} does not exist (root: {self.root})")
        return rel


@dataclass(frozen=True)
class Result:
    """What a command produced. ``text``, when set, replaces the formatted document on
    stdout (e.g. ``inventory --json``); findings then go to stderr."""

    kind: str
    tables: tuple[Table, ...] = ()
    findings: tuple[Finding, ...] = ()
    text: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Command:
    """A subcommand: ``add_arguments`` declares its options, ``run`` does the work."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[Context, argparse.Namespace], Result]
    description: str = ""


#: The subcommands by name; :func:`register` adds one.
COMMANDS: dict[str, Command] = {}


def register(command: Command) -> Command:
    COMMANDS[command.name] = command
    return command


def _context(args: argparse.Namespace, argv: list[str]) -> Context:
    config = Path(args.config).resolve() if args.config else None
    if config is not None and not config.is_file():
        raise UsageError(f"config file {args.config!r} does not exist")
    if args.root is not None:
        root = Path(args.root).resolve()
        if not root.is_dir():
            raise UsageError(f"--root {args.root!r} is not a folder")
    else:
        root = find_root(Path.cwd())
    if config is None and (root / "pyproject.toml").is_file():
        config = root / "pyproject.toml"
    settings = load_settings(config) if config is not None else Settings()
    if args.root is None and settings.root is not None and config is not None:
        root = (config.parent / settings.root).resolve()
        if not root.is_dir():
            raise UsageError(f"[tool.ptyplan] root {settings.root!r} is not a folder ({root})")
    if args.root_name is not None:  # the directives' :root: NAME
        if args.root is not None:
            raise UsageError("give --root DIR or --root-name NAME, not both")
        try:
            folder = named_root(settings.roots, args.root_name)
        except OptionError as exc:
            raise UsageError(f"--root-name: {exc}") from None
        root = ((config.parent if config is not None else root) / folder).resolve()
        if not root.is_dir():
            raise UsageError(f"[tool.ptyplan] roots {args.root_name!r} is not a folder ({root})")
    return Context(root, settings, fmt=args.format, config=config, argv=argv)
