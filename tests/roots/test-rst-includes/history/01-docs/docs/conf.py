extensions = ["sphinx_ptyplan"]
ptyplan_root = ".."
exclude_patterns = ["parts", "shared"]
