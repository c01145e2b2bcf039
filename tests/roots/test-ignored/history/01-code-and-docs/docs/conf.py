extensions = ["myst_parser", "sphinx_ptyplan"]
ptyplan_root = ".."
ptyplan_drift = False
exclude_patterns = ["_build"]
