extensions = ["myst_parser", "sphinx_ptyplan"]
exclude_patterns = ["_build", "code", "plans", "specs"]
