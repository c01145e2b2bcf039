"""The ``ptyplan`` parser and :func:`main` (exit codes 0 clean, 1 findings, 2 usage)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from sphinx_ptyplan import __version__
from sphinx_ptyplan.cli import init as _init  # noqa: F401 - registers ``init``
from sphinx_ptyplan.cli import report as _report  # noqa: F401 - registers ``report``
from sphinx_ptyplan.cli.context import COMMANDS, Context, _context
from sphinx_ptyplan.cli.options import add_option
from sphinx_ptyplan.cli.output import (
    _document,
    _stderr_findings,
    _write_stdout,
    findings_markdown,
    write_atomic,
)
from sphinx_ptyplan.cli.settings import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, FORMATS, UsageError
from sphinx_ptyplan.core.oneline import visible
from sphinx_ptyplan.core.requests import ROOT, SUPPRESS

if TYPE_CHECKING:
    pass

__all__ = [
    "build_parser",
    "main",
]

_EPILOG = """\
exit codes:
  0  clean: nothing to report
  1  findings were reported (stale references, parse problems, ...)
  2  usage or configuration error, git error, missing path, unwritable output

Paths are relative to the current folder when it is inside the root, else to the root.
Defaults come from [tool.ptyplan] in pyproject.toml (the ptyplan_* Sphinx values without
the prefix).

Live preview: ptyplan serve [SOURCEDIR [OUTDIR]] [-- sphinx-autobuild args]
(sphinx-autobuild watching the trees, plans and specs the docs use; ptyplan serve --help)."""


class _ArgError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and no ``sys.exit`` (``main`` returns the code)."""

    def error(self, message: str) -> NoReturn:
        raise _ArgError(f"{self.prog}: error: {message} (see '{self.prog} --help')")


def _global_options(p: argparse.ArgumentParser, *, suppress: bool) -> None:
    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    p.add_argument(
        "--root",
        metavar="DIR",
        default=default(None),
        help="folder that paths are relative to and nothing outside of is read "
        "(default: [tool.ptyplan] root, else the git work tree of the current folder, "
        "else the current folder)",
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default=default("markdown"),
        help="output: Markdown tables (findings on stderr), JSON, GitHub annotations "
        "or SARIF 2.1.0 (default: markdown)",
    )
    p.add_argument(
        "--config",
        metavar="PYPROJECT",
        default=default(None),
        help="pyproject.toml whose [tool.ptyplan] table gives defaults "
        "(default: ROOT/pyproject.toml when present)",
    )
    add_option(p, SUPPRESS, default=default(frozenset()))
    add_option(p, ROOT, default=default(None))
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        default=default(None),
        help="write the output to FILE (atomically) instead of stdout",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ptyplan",
        description="Keep planning and spec documents honest against the code they describe.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ptyplan {__version__}")
    _global_options(parser, suppress=False)
    common = _Parser(add_help=False)
    _global_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in COMMANDS.values():
        p = sub.add_parser(
            cmd.name,
            help=cmd.help,
            description=cmd.description or cmd.help,
            parents=[common],
            epilog=_EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        cmd.add_arguments(p)
    # `serve` has its own parser (serve.py; main() hands it the arguments before this
    # parser runs): listed here so that `ptyplan --help` names every command.
    sub.add_parser(
        "serve",
        help="live preview: sphinx-autobuild that also watches the code, plans and specs "
        "the docs use (ptyplan serve --help)",
        add_help=False,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ptyplan``; return the exit code (0 clean, 1 findings, 2 usage/git error)."""
    from sphinx_ptyplan.core.sources.gitrepo import GitError

    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["serve"]:  # a server, not a report: own parser (serve.py, issue 6)
        from sphinx_ptyplan.serve import main as serve

        return serve(args_list[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except _ArgError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    ctx: Context | None = None
    try:
        ctx = _context(args, args_list)
        result = COMMANDS[args.command].run(ctx, args)
        if args.suppress:
            kept = tuple(f for f in result.findings if f.kind.value not in args.suppress)
            result = dataclasses.replace(result, findings=kept)
        document = _document(ctx, result)
        if args.output:
            if ctx.format == "markdown" and not result.tables and result.text is None:
                document = findings_markdown(result.findings)  # check: the findings
            write_atomic(Path(args.output), document)
        else:
            _write_stdout(document)
        sys.stderr.write(_stderr_findings(ctx, result))
    except UsageError as exc:
        print(f"ptyplan: error: {visible(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except GitError as exc:
        print(f"ptyplan: git error: {visible(' '.join(exc.message.split()))}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # a bug: say so, but never let CI read it as "findings" (1)
        import traceback

        traceback.print_exc()
        print(
            f"ptyplan: internal error: {type(exc).__name__}: {visible(str(exc))} "
            "(please report this)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    finally:
        if ctx is not None:
            ctx.close()
    return EXIT_FINDINGS if result.findings else EXIT_CLEAN


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
