"""Fuzzing the document side: the citation parser and the whole document -> citation
pipeline on random and mutated Markdown/reST (text and bytes) never raise, and what they
return keeps its invariants. (``classify`` and ``parse_document`` alone are fuzzed in
tests/core/test_references.py.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphinx_ptyplan.core.checks.citations import check_citations, citation_refs
from sphinx_ptyplan.core.checks.resolve import CodeIndex
from sphinx_ptyplan.core.models import FindingKind, RefKind
from sphinx_ptyplan.core.sources.documents import load_document, parse_document

CORPUS = Path(__file__).parents[1] / "corpus"
SOURCES = {
    "md": [
        (CORPUS / "ledger" / "commit1" / "docs" / "fix_plan.md").read_text(encoding="utf-8"),
        (CORPUS / "spec" / "ptychodus_api_spec.md").read_text(encoding="utf-8"),
    ],
    "rst": [(CORPUS / "spec" / "spec_part.rst").read_text(encoding="utf-8")],
}
TOPS = frozenset({"ptycho", "ptycho_torch", "pkg_a", "scripts", "docs"})

_N = int(os.environ.get("PTYPLAN_HYPOTHESIS_EXAMPLES", "0")) or 120
FUZZ = settings(
    max_examples=_N,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Characters that matter to citations and to Markdown/reST structure.
_CHARS = list("abcPTY_./:-#Ll0123456789 ,;()[]{}<>$*?'\"=`|~@^&!\n\r\t\\–é\x00\ufeff")
SPAN = st.text(st.sampled_from(_CHARS), max_size=80) | st.text(max_size=40)
_SNIPPETS = [
    "ptycho_torch/model.py:12",
    "ptycho/loader.py:3-40",
    "pkg_a/config.py#L5-L9",
    "pkg_a/config.py:ModelConfig.N",
    "model.py:2290",
    "../x.py:1",
    "/etc/passwd:1",
    "~/x.py:3",
    "ptycho_torch.config_params.DataConfig()",
    "```",
    "\n```python\n",
    "\n.. code-block:: python\n\n   ",
    "\n   ",
    "`",
    "``",
    "{ptyref}`",
    ":ptyref:`",
    "\n# ",
    "\n- ",
    "|",
    "\n:field: ",
    "[x](",
    "<!--",
    "\x00",
    "\r\n",
]


@st.composite
def mutated(draw: st.DrawFn, fmt: str) -> str:
    """A slice of a real document with a few insertions and deletions."""
    source = draw(st.sampled_from(SOURCES[fmt]))
    start = draw(st.integers(0, len(source)))
    text = source[start : start + draw(st.integers(0, 1500))]
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            insert = draw(st.sampled_from(_SNIPPETS) | st.text(st.sampled_from(_CHARS), max_size=8))
            text = text[:at] + insert + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(0, 20)) :]
    return text


@FUZZ
@given(SPAN, st.sampled_from(["code", "link", "role"]), st.integers(1, 10_000))
def test_citation_refs_never_raises(text: str, context: str, line: int) -> None:
    refs = citation_refs(text, doc_path="doc.md", doc_line=line, context=context, tops=TOPS)
    for ref in refs:
        assert ref.doc_line == line and ref.doc_path == "doc.md"
        assert ref.kind in RefKind
        if context != "role":
            assert ref.kind in (RefKind.PATH, RefKind.CITATION, RefKind.PATH_SYMBOL)
        if ref.path is not None:
            assert not ref.path.startswith(("/", "~")), ref
        if ref.start is not None and ref.end is not None:
            assert 0 <= ref.start <= ref.end, ref


@FUZZ
@given(st.sampled_from(["md", "rst"]).flatmap(lambda f: st.tuples(st.just(f), mutated(f))))
def test_document_to_citations_pipeline_never_raises(case: tuple[str, str]) -> None:
    fmt, text = case
    doc = parse_document(text, f"fuzz.{fmt}", fmt)
    lines = text.count("\n") + text.count("\r") + 2
    for span in doc.spans:
        assert 1 <= span.line <= lines
        for ref in citation_refs(
            span.text, doc_path=doc.path, doc_line=span.line, context=span.context, tops=TOPS
        ):
            assert ref.doc_line == span.line


@pytest.fixture(scope="module")
def index() -> CodeIndex:
    return CodeIndex(CORPUS / "spec")


@FUZZ
@given(st.lists(st.tuples(SPAN, st.integers(1, 50), st.sampled_from(["code", "role"])), max_size=8))
def test_check_citations_never_raises(index: CodeIndex, spans: list[tuple[str, int, str]]) -> None:
    report = check_citations(CORPUS / "spec", "docs/findings.md", spans, index=index, drift=False)
    for finding in report.findings:
        assert finding.kind in FindingKind and "\n" not in finding.message
        assert finding.path == "docs/findings.md" and finding.line is not None


@FUZZ
@given(
    st.binary(max_size=300)
    | mutated("md").map(lambda t: t.encode("utf-8"))
    | mutated("md").map(lambda t: t.encode("utf-16"))
    | mutated("rst").map(lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode("utf-8")),
    st.sampled_from(["doc.md", "doc.rst", "doc.txt"]),
)
def test_load_document_never_raises_on_any_bytes(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, name: str
) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    (root / name).write_bytes(data)
    doc = load_document(root, name)
    if doc.problems:
        assert {p.kind for p in doc.problems} <= {FindingKind.PARSE, FindingKind.IO}
        assert doc.references == ()
    for ref in doc.references:
        assert ref.doc_line >= 1
