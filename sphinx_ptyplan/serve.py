"""``ptyplan serve``: sphinx-autobuild for the docs, also watching the code they describe.

Sphinx-autobuild watches the documentation sources only. A plan page whose tables come
from a code tree must also be rebuilt when that tree changes, so ``ptyplan serve`` adds a
``--watch`` for every tree, plan, spec and cited file that the docs' ptyplan directives
used in the last build (the ``deps`` stored by the ``ptyplan`` domain in the environment
pickle), or, before a first build, for every configured root (``ptyplan_root``,
``ptyplan_roots``). The build output, the doctree folder (which holds the parse cache),
``.git`` internals (except ``HEAD`` and refs, so that a commit rebuilds the pages that name
revisions), ``__pycache__`` and other caches are ignored, so a build never triggers the
next one; so are git-ignored folders (other tools' output, data, training runs), which the
scans skip anyway. Which pages a rebuild re-reads is then decided by the extension's
``env-get-outdated`` fingerprints.

The computation is plain functions (:func:`watch_folders`, :func:`autobuild_argv`,
:func:`plan_watch`); :func:`main` runs sphinx-autobuild in this process. Sphinx is imported
only inside functions, so ``ptyplan --help`` stays Sphinx-free.
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import shlex
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sphinx_ptyplan.core.results import Dep

__all__ = [
    "IGNORE_REGEXES",
    "ServeError",
    "WatchPlan",
    "autobuild_argv",
    "configured_roots",
    "dependency_targets",
    "git_dir",
    "ignored_folders",
    "main",
    "plan_watch",
    "sphinx_options",
    "stored_deps",
    "watch_folders",
]

#: Regular expressions (``--re-ignore``, searched in absolute POSIX paths) for changes that
#: must never start a build: git internals except what moves a revision (HEAD, refs,
#: packed-refs; lock files excluded), Python and tool caches, editor swap/backup files,
#: and the parse cache wherever the doctree folder is.
_CACHE_DIRS = (
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    "node_modules",
    ".ipynb_checkpoints",
    ".eggs",
)
_CACHES = "|".join(re.escape(name) for name in _CACHE_DIRS)

IGNORE_REGEXES: tuple[str, ...] = (
    r"/\.git/(?!(?:worktrees/[^/]+/)?HEAD$|refs/|packed-refs$)",
    r"/\.git/.*\.lock$",
    rf"/(?:{_CACHES})(?:/|$)",
    r"\.py[cod]$",
    r"(?:~|\.sw[a-p]|\.tmp)$",
    r"/\.?#[^/]*$",
    r"/ptyplan-parse-cache[^/]*$",
)

_EPILOG = """\
Everything after '--' goes to sphinx-autobuild unchanged (and from there the Sphinx
options to sphinx-build), e.g.:

  ptyplan serve docs docs/_build/html -- --port 8001 --open-browser -W --keep-going

The folders watched for code come from the last build's environment (the trees, plans,
specs and cited files the docs' ptyplan directives used); without one, from ptyplan_root
and ptyplan_roots in conf.py. Restart after pointing a directive at a new tree, or use
--all-roots."""


_SHOWN = 12  # ignored folders listed at start


class ServeError(Exception):
    """A problem with the docs folder or their configuration: one line, exit code 2."""


@dataclass(frozen=True)
class WatchPlan:
    """What ``ptyplan serve`` hands to sphinx-autobuild.

    ``watch``: extra folders to watch (absolute); ``ignore``: absolute folders whose
    changes never rebuild (output, doctrees, git-ignored folders); ``origin``:
    ``"environment"`` when ``watch`` was narrowed to what the last build used, ``"roots"``
    when it is the configured roots for want of an environment, ``"all-roots"`` when asked.
    """

    sourcedir: Path
    outdir: Path
    doctreedir: Path
    roots: Mapping[str, Path]
    watch: tuple[Path, ...]
    ignore: tuple[Path, ...]
    origin: str
    uses_extension: bool = True

    def describe(self) -> str:
        where = {
            "environment": "what the last build used",
            "all-roots": "the configured roots (--all-roots)",
        }.get(self.origin, "the configured roots (no usable environment from a previous build)")
        lines = [f"ptyplan serve: watching, besides {self.sourcedir}, from {where}:"]
        lines += [f"  {p}" for p in self.watch] or ["  (nothing else)"]
        lines.append("ptyplan serve: ignoring the output, the doctrees and git-ignored folders:")
        lines += [f"  {p}" for p in self.ignore[:_SHOWN]]
        if len(self.ignore) > _SHOWN:
            lines.append(f"  ... and {len(self.ignore) - _SHOWN} more (see --dry-run)")
        if not self.uses_extension:
            lines.append("ptyplan serve: note: conf.py does not load sphinx_ptyplan")
        return "\n".join(lines)


# --------------------------------------------------------------------------- pure parts


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def git_dir(root: Path) -> Path | None:
    """The git folder of the work tree holding ``root`` (``.git``, or a worktree's gitdir)."""
    for folder in (root, *root.parents):
        dot = folder / ".git"
        if dot.is_dir():
            return dot
        if dot.is_file():
            try:
                text = dot.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                return None
            if text.startswith("gitdir:"):
                target = (folder / text.removeprefix("gitdir:").strip()).resolve()
                return target if target.is_dir() else None
            return None
    return None


def _existing_folder(path: Path, root: Path) -> Path:
    """The folder to watch for ``path`` inside ``root``: itself when it is a folder, else the
    nearest existing parent (a file is watched through its folder, so that editors that
    replace files by renaming are seen, and a path that does not exist yet is seen appearing).
    """
    if not _within(path, root):
        return root
    current = path
    while current != root and not current.is_dir():
        current = current.parent
    return current


def _collapse(paths: Iterable[Path]) -> tuple[Path, ...]:
    """Unique folders, none inside another (watching is recursive), in a stable order."""
    kept: list[Path] = []
    for p in sorted(set(paths), key=lambda p: (len(p.parts), p.as_posix())):
        if not any(_within(p, k) for k in kept):
            kept.append(p)
    return tuple(sorted(kept, key=lambda p: p.as_posix()))


def dependency_targets(roots: Mapping[str, Path], deps: Iterable[Dep] | None) -> list[Path]:
    """The existing folders that hold what the docs depend on (see :func:`watch_folders`)."""
    if deps is None:
        return [r.resolve() for r in roots.values() if r.is_dir()]
    targets: list[Path] = []
    for key in deps:
        if key.root not in roots:
            continue
        root = roots[key.root].resolve()
        if key.kind in ("tree", "file"):
            path = Path(os.path.normpath(root / key.value)) if key.value else root
            targets.append(_existing_folder(path, root))
        else:
            gd = git_dir(root)
            if gd is not None:
                targets.append(gd)
    return [t for t in targets if t.is_dir()]


def watch_folders(roots: Mapping[str, Path], deps: Iterable[Dep] | None) -> tuple[Path, ...]:
    """Folders to watch for the docs' code, plans and specs.

    :param roots: absolute root folders by name (``""`` is ``ptyplan_root``).
    :param deps: the dependencies the ptyplan domain stored (:class:`~sphinx_ptyplan.core.
        results.Dep`, the type the jobs write them with), or None (no usable environment):
        then every root is watched.
    :returns: existing absolute folders, none inside another. Trees are watched as
        folders, files through their folder, revisions through the git folder of the
        root (its HEAD and refs); keys of unknown roots are skipped.
    """
    return _collapse(dependency_targets(roots, deps))


_SKIP_NAMES = re.compile(rf"^(?:{_CACHES}|\.git)$")


def ignored_folders(folders: Iterable[Path], keep: Iterable[Path]) -> tuple[Path, ...]:
    """Git-ignored folders inside the watched ones: other tools' output, data, training
    runs. Changes there never start a build (the scans skip git-ignored files too).

    A folder holding something in ``keep`` (the docs, a root, a dependency) is not
    ignored; when git ignores such a folder wholesale (a nested repository in a build
    folder), nothing inside it is ignored either. One ``git ls-files --ignored`` per
    watched folder (through the core's GitRepo) and a walk of folder names, pruned at
    every ignored or cache folder.
    """
    from sphinx_ptyplan.core.workspace import Workspace

    kept = {k.resolve() for k in keep}
    found: list[Path] = []
    for folder in folders:
        if folder.name == ".git" or not folder.is_dir():
            continue
        ws = Workspace(folder)
        try:
            is_ignored = ws.ignored("")
        finally:
            ws.close()
        if is_ignored is None:
            continue
        inner = [k for k in kept if folder in k.parents]
        for dirpath, dirnames, _files in os.walk(folder):
            base = Path(dirpath)
            walk_on = []
            for name in sorted(dirnames):
                if _SKIP_NAMES.match(name):
                    continue  # IGNORE_REGEXES cover it
                full = base / name
                if not is_ignored(full.relative_to(folder).as_posix()):
                    walk_on.append(name)
                elif full in kept:
                    continue  # used by the docs, though git ignores it: not judged here
                elif any(full in k.parents for k in inner):
                    walk_on.append(name)  # holds a used folder: ignore only around it
                else:
                    found.append(full)
            dirnames[:] = walk_on
    return tuple(found)


def autobuild_argv(plan: WatchPlan, extra: Sequence[str] = ()) -> list[str]:
    """The sphinx-autobuild arguments for a plan: source, output, the ``--watch`` folders
    (those inside the source folder are already watched), the ignores, then ``extra``."""
    argv = [str(plan.sourcedir), str(plan.outdir)]
    for folder in plan.watch:
        if not _within(folder, plan.sourcedir):
            argv += ["--watch", str(folder)]
    for folder in plan.ignore:
        argv += ["--ignore", str(folder)]
    for regex in IGNORE_REGEXES:
        argv += ["--re-ignore", regex]
    return [*argv, *extra]


def sphinx_options(extra: Sequence[str]) -> tuple[str | None, str | None, dict[str, str]]:
    """The Sphinx options among the pass-through arguments that change what we read:
    ``-c CONFDIR``, ``-d DOCTREEDIR`` and ``-D name=value`` (long forms too)."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("-c", "--conf-dir", dest="confdir")
    parser.add_argument("-d", "--doctree-dir", dest="doctreedir")
    parser.add_argument("-D", "--define", dest="define", action="append", default=[])
    try:
        known, _rest = parser.parse_known_args(list(extra))
    except SystemExit:  # pragma: no cover - argparse errors; sphinx-autobuild will say why
        return None, None, {}
    defines = {}
    for item in known.define:
        name, sep, value = item.partition("=")
        if sep:
            defines[name.strip()] = value
    return known.confdir, known.doctreedir, defines


# --------------------------------------------------------------------------- reading


def configured_roots(confdir: Path, overrides: Mapping[str, str] | None = None) -> dict[str, Path]:
    """``ptyplan_root`` (name ``""``) and ``ptyplan_roots`` read from ``confdir/conf.py``,
    resolved as the extension resolves them (relative to conf.py; default: the git work
    tree holding conf.py). ``overrides`` are ``-D`` values (``ptyplan_root`` only).

    :raises ServeError: conf.py fails to run, or a root is not a folder.
    """
    return _roots(confdir, _conf_namespace(confdir), overrides)


def _roots(
    confdir: Path, ns: Mapping[str, object], overrides: Mapping[str, str] | None
) -> dict[str, Path]:
    from sphinx.errors import ConfigError

    from sphinx_ptyplan.sphinx_ext.config import resolve_root

    root = (overrides or {}).get("ptyplan_root", ns.get("ptyplan_root"))
    if root is not None and not isinstance(root, str):
        raise ServeError(f"ptyplan_root in {confdir / 'conf.py'} must be a string")
    named = ns.get("ptyplan_roots") or {}
    if not isinstance(named, dict):
        raise ServeError(f"ptyplan_roots in {confdir / 'conf.py'} must be a dict")
    try:
        roots = {"": resolve_root(confdir, root)}
        for name, folder in named.items():
            roots[str(name)] = resolve_root(confdir, str(folder))
    except ConfigError as exc:
        raise ServeError(str(exc)) from None
    return roots


def _conf_namespace(confdir: Path) -> dict[str, object]:
    conf = confdir / "conf.py"
    if not conf.is_file():
        return {}
    from sphinx.config import eval_config_file
    from sphinx.util.tags import Tags

    try:
        return eval_config_file(conf, Tags())
    except (Exception, SystemExit) as exc:  # ConfigError, or a conf.py that exits
        raise ServeError(f"cannot read {conf}: {exc}") from None


def _extra_watch(confdir: Path, ns: Mapping[str, object]) -> list[Path]:
    """``ptyplan_watch``: files or folders conf.py asks to watch (relative to conf.py)."""
    extra = ns.get("ptyplan_watch") or []
    if not isinstance(extra, (list, tuple)) or not all(isinstance(x, str) for x in extra):
        raise ServeError(f"ptyplan_watch in {confdir / 'conf.py'} must be a list of paths")
    out = []
    for item in extra:
        path = (confdir / item).resolve()
        if not path.exists():
            raise ServeError(f"ptyplan_watch names {item!r}, which does not exist ({path})")
        out.append(path if path.is_dir() else path.parent)
    return out


def stored_deps(doctreedir: Path) -> list[Dep] | None:
    """Every dependency key the ptyplan domain stored in the last build's environment,
    or None when there is no environment, it cannot be loaded, or it records none."""
    path = doctreedir / "environment.pickle"
    if not path.is_file():
        return None
    try:
        # The environment Sphinx itself wrote for these docs; loading it is what the next
        # sphinx-build does too.
        with open(path, "rb") as fh:
            env = pickle.load(fh)
        per_doc = env.domaindata["ptyplan"]["deps"]
        # stored as Dep's fields (sphinx_ext/engine.py DepKey); older environments: Dep
        keys = {
            k if isinstance(k, Dep) else Dep(*k)
            for keys in per_doc.values()
            for k in keys
            if isinstance(k, (Dep, tuple))
        }
    except Exception:  # an unpickled file can raise anything: no usable environment
        return None
    return sorted(keys) or None


def plan_watch(
    sourcedir: Path,
    outdir: Path,
    *,
    confdir: Path | None = None,
    doctreedir: Path | None = None,
    overrides: Mapping[str, str] | None = None,
    all_roots: bool = False,
) -> WatchPlan:
    """Read the docs' configuration (and the last environment) and decide what to watch.

    :raises ServeError: the source folder or conf.py is unusable.
    """
    sourcedir = sourcedir.resolve()
    if not sourcedir.is_dir():
        raise ServeError(f"source folder {sourcedir} does not exist")
    outdir = outdir.resolve()
    confdir = (confdir or sourcedir).resolve()
    doctreedir = (doctreedir or outdir / ".doctrees").resolve()
    ns = _conf_namespace(confdir)
    roots = _roots(confdir, ns, overrides)
    deps = None if all_roots else stored_deps(doctreedir)
    extensions = ns.get("extensions", [])
    uses = isinstance(extensions, (list, tuple)) and "sphinx_ptyplan" in extensions
    targets = [*dependency_targets(roots, deps), *_extra_watch(confdir, ns)]
    watch = _collapse(targets)
    keep = [sourcedir, *roots.values(), *targets]
    git_ignored = ignored_folders(_collapse([*watch, sourcedir]), keep)
    return WatchPlan(
        sourcedir=sourcedir,
        outdir=outdir,
        doctreedir=doctreedir,
        roots=roots,
        watch=watch,
        ignore=_collapse([outdir, doctreedir, *git_ignored]),
        origin="all-roots" if all_roots else "roots" if deps is None else "environment",
        uses_extension=uses,
    )


# --------------------------------------------------------------------------- command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ptyplan serve",
        usage="ptyplan serve [--all-roots] [--dry-run] [SOURCEDIR [OUTDIR]] "
        "[-- SPHINX-AUTOBUILD ARGS]",
        description="Live preview: sphinx-autobuild for the docs, also watching the code "
        "trees, plans and specs their ptyplan directives use.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "sourcedir", nargs="?", default="docs", metavar="SOURCEDIR", help="default: docs"
    )
    parser.add_argument(
        "outdir", nargs="?", metavar="OUTDIR", help="default: SOURCEDIR/_build/html"
    )
    parser.add_argument(
        "--all-roots",
        action="store_true",
        help="watch every configured root, not only what the last build used",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the sphinx-autobuild command line and exit",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ptyplan serve``; returns 0 when the server stops, 2 on a usage error."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    own, extra = args_list, []
    if "--" in args_list:
        cut = args_list.index("--")
        own, extra = args_list[:cut], args_list[cut + 1 :]
    try:
        args = _parser().parse_args(own)
    except SystemExit as exc:  # --help, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else 2
    confdir, doctreedir, defines = sphinx_options(extra)
    sourcedir = Path(args.sourcedir)
    outdir = Path(args.outdir) if args.outdir else sourcedir / "_build" / "html"
    try:
        plan = plan_watch(
            sourcedir,
            outdir,
            confdir=Path(confdir) if confdir else None,
            doctreedir=Path(doctreedir) if doctreedir else None,
            overrides=defines,
            all_roots=args.all_roots,
        )
    except ServeError as exc:
        print(f"ptyplan serve: error: {exc}", file=sys.stderr)
        return 2
    command = autobuild_argv(plan, extra)
    print(plan.describe(), file=sys.stderr, flush=True)
    if args.dry_run:
        print(shlex.join(["sphinx-autobuild", *command]))
        return 0
    try:
        from sphinx_autobuild.__main__ import main as autobuild
    except ImportError:
        print(
            "ptyplan serve: error: sphinx-autobuild is not installed "
            "(pip install 'sphinx-ptyplan[docs]' or pip install sphinx-autobuild)",
            file=sys.stderr,
        )
        return 2
    try:
        autobuild(command)
    except SystemExit as exc:  # its own usage errors
        return exc.code if isinstance(exc.code, int) else 2
    except KeyboardInterrupt:
        pass
    return 0
