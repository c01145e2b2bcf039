"""sphinx_ptyplan: keep plans and specs honest against the code they describe."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

__version__ = "0.1.0"


def setup(app: Sphinx) -> ExtensionMetadata:
    """Sphinx entry point; imports the Sphinx layer only when Sphinx calls it."""
    from sphinx_ptyplan.sphinx_ext import setup as _setup

    metadata: ExtensionMetadata = _setup(app)
    return metadata
