"""The thin Sphinx layer over the core: config, directives, role, domain, listeners."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sphinx_ptyplan import __version__

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

__all__ = ["setup"]

#: Bump when the shape of the data stored on the environment changes.
ENV_VERSION = 3  # 2: typed findings (FindingCode, PathStory, subject) and Located.once;
# 3: report rows and plain dependency keys (domain data_version 9)


def _add_static_path(app: Sphinx, config: object) -> None:
    from pathlib import Path

    static = str(Path(__file__).parent / "static")
    paths = app.config.html_static_path
    if static not in paths:
        app.config.html_static_path = [*paths, static]


def setup(app: Sphinx) -> ExtensionMetadata:
    from sphinx_ptyplan.sphinx_ext.config import register
    from sphinx_ptyplan.sphinx_ext.directives import setup_directives
    from sphinx_ptyplan.sphinx_ext.domain import PtyplanDomain
    from sphinx_ptyplan.sphinx_ext.listeners import setup_listeners
    from sphinx_ptyplan.sphinx_ext.nodes import (
        ptyplan_placeholder,
        ptyplan_ref,
        ptyplan_wbr,
        skip,
        visit_wbr_html,
    )
    from sphinx_ptyplan.sphinx_ext.roles import setup_roles

    register(app)
    app.add_domain(PtyplanDomain)
    # Placeholders never reach a writer: doctree-resolved replaces them with standard nodes.
    app.add_node(ptyplan_placeholder)
    app.add_node(ptyplan_ref)
    # Only HTML builders get it (render.Linker); the other writers skip it if one ever does.
    app.add_node(
        ptyplan_wbr,
        html=(visit_wbr_html, None),
        latex=(skip, None),
        text=(skip, None),
        man=(skip, None),
        texinfo=(skip, None),
    )
    setup_directives(app)
    setup_roles(app)
    setup_listeners(app)
    app.connect("config-inited", _add_static_path)
    app.add_css_file("ptyplan.css")
    return {
        "version": __version__,
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
