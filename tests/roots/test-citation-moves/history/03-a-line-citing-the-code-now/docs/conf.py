extensions = ["myst_parser", "sphinx_ptyplan"]
