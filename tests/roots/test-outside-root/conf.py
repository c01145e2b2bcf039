import os

extensions = ["myst_parser", "sphinx_ptyplan"]
# the replayed repository beside this folder (tests/history.py replays test-outside-root
# into <tmp>/outside-root and this folder is its srcdir "../docs"), as an absolute path
ptyplan_root = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "outside-root")
