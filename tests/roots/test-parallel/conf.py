extensions = ["myst_parser", "sphinx_ptyplan"]
ptyplan_root = "."
ptyplan_drift = False  # a copy in tmp, not a git checkout
exclude_patterns = ["_build", "pkg"]
