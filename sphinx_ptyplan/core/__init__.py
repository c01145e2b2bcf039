"""The pure core of sphinx_ptyplan: stdlib, GitPython and markdown-it-py/docutils; never Sphinx."""
