extensions = ["myst_parser", "sphinx_ptyplan"]
exclude_patterns = ["_build", "code", "plans", "specs"]
ptyplan_root = "."
ptyplan_drift = False  # a copy in tmp, not a git checkout
ptyplan_source_url = 'https://github.com/ORG/REPO/blob/{revision}/{path}#L{line}'
ptyplan_source_revision = 'main'
