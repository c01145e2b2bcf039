
from docutils import nodes
from docutils.parsers.rst import Directive


class Gen(Directive):
    """Made-up extension: a paragraph of literals that the page source does not hold."""

    def run(self):
        para = nodes.paragraph()
        para.source, para.line = self.state_machine.get_source_and_line(self.lineno)
        for text in ("pkg/b.py:99", "pkg/a.py:50", "pkg/b.py:2"):
            para += nodes.literal(text, text)
            para += nodes.Text(" ")
        return [para]


def setup(app):
    app.add_directive("gen", Gen)
    return {"parallel_read_safe": True}
