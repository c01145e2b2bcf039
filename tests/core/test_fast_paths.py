"""The fast paths of a corpus-sized check (issue 16) give exactly the plain answers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sphinx_ptyplan.core.models import RefKind
from sphinx_ptyplan.core.sources.classify import _split_items, classify


def test_classify_is_memoised_but_each_caller_owns_its_list() -> None:
    first = classify("ptycho/model.py:12, ptycho.params.cfg")
    assert [c.kind for c in first] == [RefKind.CITATION, RefKind.DOTTED]
    first.clear()  # a caller may change its list: the memo is not touched
    again = classify("ptycho/model.py:12, ptycho.params.cfg")
    assert [c.path or c.name for c in again] == ["ptycho/model.py", "ptycho.params.cfg"]
    assert again is not classify("ptycho/model.py:12, ptycho.params.cfg")


def _walk_split(text: str) -> list[str]:
    """The bracket walk of ``_split_items`` without its shortcut."""
    items: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        if ch in ",;" and depth == 0:
            items.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    items.append("".join(cur))
    return [i.strip() for i in items if i.strip()]


@given(st.text(alphabet=st.sampled_from(list("ab.(/)[]{}, ;:\t")), max_size=30))
def test_split_shortcut_is_the_bracket_walk(text: str) -> None:
    assert _split_items(text) == _walk_split(text)


def test_classify_one_item_without_separators() -> None:
    assert [c.path for c in classify("  ptycho/model.py  ")] == ["ptycho/model.py"]
    assert classify("   ") == []
    assert [c.name for c in classify("ptycho.model.run(x, y)")] == ["ptycho.model.run"]
