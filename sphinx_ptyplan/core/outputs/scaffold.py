"""``ptyplan init``: a docs project for an existing repository, as files to write.

Detection is static and cheap (a walk that skips the usual build, cache and virtualenv
folders): Python packages at the top (or under ``src/``), specs (files under a ``specs``
folder or named ``*spec*``), plans (under ``plans`` or named ``*plan*``, report folders
left out). Nothing here writes: :func:`scaffold` returns ``{path: text}``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..sources.walk import DEFAULT_EXCLUDES
from .tables import matches_any

__all__ = ["Detected", "detect", "scaffold"]

_DOC_SUFFIXES = (".md", ".markdown", ".rst")
_SKIP = (*DEFAULT_EXCLUDES, "_build", "node_modules", ".github", "site-packages")
_MAX = 3  # directives of each kind on the generated plan page


@dataclass(frozen=True)
class Detected:
    """What the plan page will show (root-relative POSIX paths)."""

    packages: tuple[str, ...]
    specs: tuple[str, ...]
    plans: tuple[str, ...]


def _documents(root: Path, docs: str) -> list[str]:
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and not matches_any(d, _SKIP)
        )
        if "reports" in rel_dir.split("/"):
            dirnames[:] = []  # evidence folders quote stale references on purpose
            continue
        for name in sorted(filenames):
            if name.lower().endswith(_DOC_SUFFIXES):
                out.append(f"{rel_dir}/{name}" if rel_dir != "." else name)
    return out


def _modules(folder: Path) -> int:
    """How many ``.py`` files a package holds (its size, to put the main package first)."""
    count = 0
    for _dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and not matches_any(d, _SKIP)]
        count += sum(name.endswith(".py") for name in filenames)
    return count


def _mentions(text: str, package: str) -> int:
    """How often ``text`` names something inside ``package`` (``pkg/x.py``, ``pkg.x``)."""
    name = re.escape(package.rsplit("/", 1)[-1])
    return len(re.findall(rf"(?<![\w/-]){name}[/.]\w", text))


def tree_for(root: Path, plan: str, packages: tuple[str, ...]) -> str:
    """The package a plan's coverage is shown for: the one the plan names most, else the
    first (the largest). A plan that cannot be read counts as naming none."""
    try:
        text = (root / plan).read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    counts = [_mentions(text, pkg) for pkg in packages]
    return packages[counts.index(max(counts))]


def detect(root: Path, docs: str = "docs") -> Detected:
    """Packages (largest first), specs and plans (shortest paths first) of ``root``, at
    most three of each."""
    packages: list[str] = []
    for base in ("", "src"):
        folder = root / base if base else root
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith((".", "_")) or matches_any(entry.name, _SKIP):
                continue
            if entry.name in ("tests", "test", "docs", "examples", "scripts"):
                continue
            if entry.is_dir() and (entry / "__init__.py").is_file():
                packages.append(f"{base}/{entry.name}" if base else entry.name)
    specs: list[str] = []
    plans: list[str] = []
    for rel in _documents(root, docs):
        parts = rel.lower().split("/")
        name = parts[-1]
        if "specs" in parts[:-1] or "spec" in name:
            specs.append(rel)
        elif "plans" in parts[:-1] or "plan" in name:
            plans.append(rel)

    def pick(items: list[str]) -> tuple[str, ...]:
        return tuple(sorted(items, key=lambda p: (p.count("/"), p))[:_MAX])

    sizes = {pkg: _modules(root / pkg) for pkg in packages}
    largest = sorted(packages, key=lambda p: (-sizes[p], p))[:_MAX]
    return Detected(tuple(largest), pick(specs), pick(plans))


_CONF = '''\
"""Sphinx configuration written by `ptyplan init` (edit freely).

Build: sphinx-build -b html {docs} {docs}/_build/html
Live:  ptyplan serve {docs}
"""

project = {project!r}
extensions = ["myst_parser", "sphinx_ptyplan"]
root_doc = {root_doc!r}
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "**/node_modules", "**/reports"]

# Plain Markdown folders, as GitHub renders them: links to headings, ::: fences,
# definition lists, task lists and field lists.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist", "fieldlist", "tasklist"]

# Hand-written Markdown is rarely a clean Sphinx project: headings that skip a level,
# links to files outside the docs (code, data), code fences in languages Pygments does
# not know, images that are not in the repository. These warnings are about the
# Markdown, not the plans; they are silenced so that `sphinx-build -W` fails on the
# ptyplan.* findings (stale, drift, ambiguous, ...). Remove lines to see them again.
suppress_warnings = [
    "myst.header",
    "myst.xref_missing",
    "myst.xref_ambiguous",
    "misc.highlighting_failure",
    "image.not_readable",
]

# sphinx_ptyplan: paths in directives and citations are relative to the repository.
ptyplan_root = {ptyplan_root!r}
'''


def _landing(title: str, plan_doc: str) -> str:
    return f"""# {title}

Documentation set up by `ptyplan init`. The plan page, {{doc}}`{plan_doc}`, shows the
module inventory, how the plans cover the code and what the specs reference, computed
from the repository at every build; stale or drifted citations are marked on every page.

```{{toctree}}
:glob:
:maxdepth: 1

**
```
"""


def _plan_page(root: Path, found: Detected) -> str:
    out = [
        "# Plan overview",
        "",
        "Written by `ptyplan init` from what it found in the repository; edit freely.",
        "",
    ]
    for pkg in found.packages:
        out += [f"## Inventory of `{pkg}/`", "", f"```{{ptyplan-inventory}} {pkg}", "```", ""]
    if found.packages and found.plans:
        for plan in found.plans:
            tree = tree_for(root, plan, found.packages)
            out += [
                f"## Coverage of `{tree}/` by `{plan}`",
                "",
                "```{ptyplan-delta}",
                f":tree: {tree}",
                f":plan: {plan}",
                "```",
                "",
            ]
    for spec in found.specs:
        out += [f"## References of `{spec}`", "", f"```{{ptyplan-spec-hits}} {spec}"]
        if found.packages:
            out.append(f":tree: {', '.join(found.packages)}")
        out += ["```", ""]
    if len(out) == 4:
        out += [
            "No Python package, plan or spec was found. Add directives by hand, e.g.:",
            "",
            "````md",
            "```{ptyplan-inventory} src/mypackage",
            "```",
            "````",
            "",
        ]
    return "\n".join(out)


def scaffold(root: Path, docs: str = "docs") -> tuple[dict[str, str], Detected]:
    """The files of a docs project in ``root/docs``: ``conf.py``, a landing page (``index.md``,
    or ``ptyplan-index.md`` with ``root_doc`` when an ``index.md`` is already there) and the
    plan page ``ptyplan-plan.md``. Keys are root-relative paths."""
    root = Path(root).resolve()
    docs = docs.strip("/") or "docs"
    folder = root / docs
    landing = "ptyplan-index" if (folder / "index.md").exists() else "index"
    found = detect(root, docs)
    rel_root = Path(os.path.relpath(root, folder)).as_posix()
    files = {
        f"{docs}/conf.py": _CONF.format(
            docs=docs, project=root.name, root_doc=landing, ptyplan_root=rel_root
        ),
        f"{docs}/{landing}.md": _landing(root.name, "ptyplan-plan"),
        f"{docs}/ptyplan-plan.md": _plan_page(root, found),
    }
    return files, found
