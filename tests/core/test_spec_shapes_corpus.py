"""The labelled corpus page in real spec shapes (tests/corpus/spec/api_shapes.md): every
label holds, and nothing unlabelled is warned about (issue 15)."""

from __future__ import annotations

import csv
from pathlib import Path

from sphinx_ptyplan.core.checks.spechits import spec_hits

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "spec"


def labels(name: str = "api_shapes.tsv") -> list[dict[str, str]]:
    with (CORPUS / name).open(encoding="utf-8") as fh:
        rows = csv.reader((line for line in fh if not line.startswith("#")), delimiter="\t")
        return [dict(zip(("line", "text", "expected", "target"), r, strict=True)) for r in rows]


def test_labelled_shapes() -> None:
    found = _check("api_shapes.md", "api_shapes.tsv")
    # the ambiguous name is warned once in its section, not once per mention
    assert [k for k in found if k[1] == "ambiguous-name"] == [(33, "ambiguous-name")]


def test_labelled_rest_shapes() -> None:
    """The reST twin: its page module, item/paragraph context, bold owner, methods bound by
    context and loose annotations hold their labels, and nothing else is warned about."""
    found = _check("api_shapes.rst", "api_shapes_rst.tsv")
    assert sorted(found) == [(16, "schema-missing"), (40, "signature-mismatch")]


def _check(page: str, tsv: str) -> dict[tuple[int | None, str], object]:
    hits = spec_hits(CORPUS, page, trees=("ptycho", "ptycho_torch"))
    rows = {(r.ref.doc_line, r.ref.text): r for r in hits.rows}
    found = {(f.line, f.code): f for f in hits.findings}
    wrong = []
    for lab in labels(tsv):
        key = (int(lab["line"]), lab["text"])
        row = rows.get(key)
        exp = lab["expected"]
        if exp == "resolved":
            got = f"{row.path}:{row.line}" if row and row.status.value == "resolved" else row
            if (
                got != lab["target"]
                or (key[0], "signature-mismatch") in found
                and (row and "(" in row.ref.text)
            ):
                wrong.append((key, exp, lab["target"], got))
        elif exp == "silent":
            if (row is not None and row.status.value != "external") or any(
                f.line == key[0] and key[1] in f.message for f in found.values()
            ):
                wrong.append((key, exp, row))
        elif (key[0], exp) not in found:
            wrong.append((key, exp, sorted(found)))
    assert wrong == []
    # nothing is warned about that the labels do not expect
    expected = {(int(lab["line"]), lab["expected"]) for lab in labels(tsv)}
    assert set(found) <= expected, sorted(set(found) - expected)
    return dict(found)
