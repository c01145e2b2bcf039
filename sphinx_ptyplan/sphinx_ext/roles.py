"""The ``ptyref`` role: an explicit, checked code citation (``path:12``, ``path:sym``, dotted)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sphinx.util.docutils import SphinxRole

from sphinx_ptyplan.sphinx_ext.domain import Cite, domain_of
from sphinx_ptyplan.sphinx_ext.nodes import ptyplan_ref

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx.application import Sphinx

__all__ = ["PtyrefRole", "setup_roles"]


class PtyrefRole(SphinxRole):
    """Records the citation for checking and leaves a node rendered in doctree-resolved."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        # imported here: a build that reads no page (a no-change rebuild) never needs it
        from sphinx_ptyplan.core.sources.classify import _role_target

        domain = domain_of(self.env)
        source, line = self.get_source_info()
        cite_id = domain.next_id(self.env.docname, "ref")
        # judged by its target, as ``ptyplan check`` does: ``the model <pkg/model.py:fn>``
        target = _role_target(self.text)
        domain.add_cite(Cite(cite_id, self.env.docname, str(source), line or 0, target, "role"))
        node = ptyplan_ref(self.rawtext, self.text, cite_id=cite_id)
        self.set_source_info(node)
        return [node], []


def setup_roles(app: Sphinx) -> None:
    app.add_role("ptyref", PtyrefRole())
