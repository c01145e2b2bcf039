extensions = ["myst_parser", "sphinx_ptyplan"]
# the history holds the plan in both markups; a test of the reST one excludes plan.md instead
exclude_patterns = ["_build", "code", "plans", "specs", "plan.rst"]
