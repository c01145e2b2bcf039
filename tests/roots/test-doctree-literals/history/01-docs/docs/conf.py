import sys, os
sys.path.insert(0, os.path.dirname(__file__))
extensions = ["myst_parser", "sphinx_ptyplan", "gen_ext"]
ptyplan_root = ".."
