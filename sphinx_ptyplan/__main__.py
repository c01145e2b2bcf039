"""``python -m sphinx_ptyplan``: the ptyplan command line."""

import sys

from sphinx_ptyplan.cli import main

sys.exit(main())
