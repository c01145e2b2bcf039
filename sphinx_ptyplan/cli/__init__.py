"""The ``ptyplan`` command line: the directives' tables and checks from a terminal or CI.

The CLI uses the core only (importing it never imports Sphinx). Every command shares its
option names and meanings with the matching directive; defaults come from the
``[tool.ptyplan]`` table of ``pyproject.toml`` (the ``ptyplan_*`` Sphinx values without the
prefix).

Exit codes:

``0``
    clean: the command ran and found nothing to report;
``1``
    findings: at least one finding (stale reference, parse problem, ...) was reported;
``2``
    usage error (unknown command or option, bad value), configuration error, git error,
    missing path or a path outside the root, unwritable output.

Modules, one job each: ``settings`` (``[tool.ptyplan]``, exit codes), ``context`` (what a
command gets and returns; the :data:`~sphinx_ptyplan.cli.context.COMMANDS` registry),
``commands`` (one function per subcommand), ``output`` (the formats), ``run`` (the parser and
:func:`main`). A new command is one ``Command`` whose ``run`` returns a ``Result``, passed to
``register``.
"""

from sphinx_ptyplan.cli.run import main

__all__ = ["main"]
