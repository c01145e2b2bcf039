extensions = ["myst_parser", "sphinx_ptyplan"]
ptyplan_root = ".."
