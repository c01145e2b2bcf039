"""``ptyplan init``: write a working docs project into an existing repository."""

from __future__ import annotations

import argparse
import shlex

from sphinx_ptyplan.cli.context import Command, Context, Result, register
from sphinx_ptyplan.cli.output import write_atomic
from sphinx_ptyplan.cli.settings import UsageError

__all__ = ["run_init"]


def _init_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--docs",
        metavar="DIR",
        default="docs",
        help="the docs folder, relative to the root (default: docs; created when missing; "
        "its Markdown files become pages)",
    )


def run_init(ctx: Context, args: argparse.Namespace) -> Result:
    """Write conf.py, a landing page and a plan page; refuse when any of them exists."""
    from sphinx_ptyplan.core.outputs.scaffold import scaffold
    from sphinx_ptyplan.core.paths import PathRefused, confine

    docs = str(args.docs).strip().rstrip("/") or "docs"
    try:
        confine(ctx.root, docs)
    except PathRefused as exc:
        raise UsageError(f"--docs {docs!r}: {exc}") from None
    files, found = scaffold(ctx.root, docs)
    conf = ctx.root / docs / "conf.py"
    if conf.exists():
        raise UsageError(f"{conf} exists: {docs}/ is already a Sphinx project; nothing written")
    taken = [rel for rel in files if (ctx.root / rel).exists()]
    if taken:
        raise UsageError(f"refusing to overwrite {', '.join(taken)}; nothing written")
    (ctx.root / docs).mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        write_atomic(ctx.root / rel, text)
    q = shlex.quote(docs)
    lines = [f"wrote {rel}" for rel in files]
    lines.append(
        "found: "
        + "; ".join(
            f"{what}: {', '.join(items) or 'none'}"
            for what, items in (
                ("packages", found.packages),
                ("plans", found.plans),
                ("specs", found.specs),
            )
        )
    )
    lines += [
        "",
        "build: sphinx-build -W --keep-going -b html " + f"{q} {q}/_build/html",
        f"serve: ptyplan serve {q}",
        "(needs: pip install sphinx-ptyplan myst-parser sphinx-autobuild)",
    ]
    return Result("init", text="\n".join(lines) + "\n", meta={"files": list(files)})


register(
    Command(
        "init",
        "write a docs project (conf.py, a landing page, a plan page) into this repository",
        _init_arguments,
        run_init,
        description="Write DOCS/conf.py (the extension, MyST settings for plain Markdown "
        "folders, warnings of hand-written Markdown silenced so -W gates on ptyplan "
        "findings), a landing page with a glob toctree over the Markdown already in DOCS, "
        "and ptyplan-plan.md with the three directives on the packages, plans and specs "
        "found; print the commands to build and to serve it. Refuses to overwrite.",
    )
)
