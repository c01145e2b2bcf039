"""Sphinx configuration of the sphinx_ptyplan documentation.

The example plan pages document a throwaway git repository that is built (committed from
the snapshot folders in ``examples/ptychopinn``, with fixed dates) under ``_build/``, so
its history is real but independent of this repository's own history and of the network.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent.resolve()
sys.path[:0] = [str(HERE), str(HERE / "_ext")]

from example_repo import build_example_repo  # noqa: E402

EXAMPLE = build_example_repo(HERE / "_build" / "example-repo")

project = "sphinx_ptyplan"
author = "sphinx_ptyplan developers"
copyright = "2026, sphinx_ptyplan developers"

extensions = ["myst_parser", "sphinx_ptyplan", "ptyplan_docs"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["colon_fence", "fieldlist"]
myst_heading_anchors = 3

html_theme = "alabaster"
html_title = "sphinx_ptyplan"

# The example plan pages document the example repository ...
ptyplan_root = str(EXAMPLE)
# ... replayed from these snapshots at every build: `ptyplan serve` watches them too.
ptyplan_watch = ["../examples/ptychopinn"]
# ... and the "inventory of ourselves" page documents this package.
ptyplan_roots = {"self": str(HERE.parent)}
