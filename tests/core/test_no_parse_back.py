"""Issue 13 req 2: outputs format from a finding's fields; nothing reads our own text back
(a message, a reason, a location string) to recover data."""

from __future__ import annotations

import ast
from pathlib import Path

from sphinx_ptyplan.core.checks.spechits import spec_hits
from sphinx_ptyplan.core.models import Finding, FindingCode, FindingKind, PathStory, Status
from sphinx_ptyplan.core.outputs.tables import spechits_tables

PACKAGE = Path(__file__).resolve().parents[2] / "sphinx_ptyplan"

#: string methods that take text apart
_PARSING = frozenset(
    {
        "split",
        "rsplit",
        "partition",
        "rpartition",
        "removeprefix",
        "removesuffix",
        "startswith",
        "endswith",
        "find",
        "rfind",
        "index",
    }
)
#: attributes holding text we composed ourselves
_OURS = frozenset({"message", "detail", "reason", "verdict", "location", "summary"})
#: names under which an exception (git's or the OS's text, not ours) is caught
_EXCEPTIONS = frozenset({"exc", "err", "error", "e"})


def _ours(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr in _OURS
        and not (isinstance(node.value, ast.Name) and node.value.id in _EXCEPTIONS)
    )


def _punctuation(call: ast.Call) -> bool:
    """``text.endswith(".")``: which punctuation joins two sentences, not data read back."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in ("startswith", "endswith")
        and len(call.args) == 1
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.args[0].value, str)
        and len(call.args[0].value) == 1
        and not call.args[0].value.isalnum()
    )


def _parse_backs(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _PARSING
            and _ours(node.func.value)
            and not _punctuation(node)
        ):
            found.append((node.lineno, f".{node.func.value.attr}.{node.func.attr}()"))  # type: ignore[attr-defined]
        if isinstance(node, ast.Call) and any(_ours(a) for a in node.args):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "re"
            ):
                found.append((node.lineno, f"re.{func.attr}(... our text ...)"))
        if isinstance(node, ast.Compare) and _ours(node.left):
            for comp in node.comparators:
                if isinstance(comp, ast.Constant) and isinstance(comp.value, str):
                    found.append((node.lineno, f"{node.left.attr} == {comp.value!r}"))  # type: ignore[attr-defined]
    return sorted(found)


def test_no_module_reads_our_own_text_back() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, what in _parse_backs(tree):
            offenders.append(f"{path.relative_to(PACKAGE)}:{line}: {what}")
    assert offenders == []


def test_the_guard_sees_the_parse_backs_it_forbids() -> None:
    code = (
        "a = res.message.removeprefix('x')\n"
        "b = f.message.split('`')[1]\n"
        "c = r.reason == 'no definition in the tree'\n"
        "d = re.search('renamed to (.*)', f.detail)\n"
        "e = exc.message.split()\n"  # an exception's text: not ours
        "g = f.message.endswith('.')\n"  # punctuation between two sentences
    )
    assert [line for line, _ in _parse_backs(ast.parse(code))] == [1, 2, 3, 4]


def test_message_is_subject_and_verdict() -> None:
    story = PathStory("pkg/old.py", "renamed", new_path="pkg/new.py")
    f = Finding(
        FindingKind.STALE,
        "pkg/old.py does not exist",
        code=FindingCode.STALE_PATH,
        subject="pkg/old.py:3",
        story=story,
        replacement="pkg/new.py:3",
    )
    assert f.message == f"`pkg/old.py:3`: {f.verdict}"
    assert f.verdict.startswith("pkg/old.py does not exist")
    assert f.verdict.endswith("replace it with `pkg/new.py:3`")
    bare = Finding(FindingKind.IO, "cannot read", path="x.py", code=FindingCode.UNREADABLE)
    assert bare.message == bare.verdict == "cannot read"


def test_spec_hits_target_cell_is_the_verdict(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text("def run():\n    pass\n")
    (tmp_path / "spec.md").write_text(
        "# Spec\n\nCalls `pkg/mod.py:run`, `pkg/xyzzy_plugh.cfg` and `pkg.mod.nothing`.\n"
    )
    hits = spec_hits(tmp_path, "spec.md", trees=())
    # the rows whose "resolves to" cell says what is wrong (no candidates to list)
    stale = [r for r in hits.rows if r.status is Status.STALE and not r.candidates]
    assert {r.ref.text for r in stale} == {"pkg/xyzzy_plugh.cfg", "pkg.mod.nothing"}
    table = spechits_tables(hits)[0]
    cells = {row[1].text: row[4].text for row in table.rows}
    for res in stale:
        assert res.finding is not None and res.finding.subject == res.ref.text
        assert cells[res.ref.text] == res.verdict
        assert res.message == f"`{res.ref.text}`: {cells[res.ref.text]}"
        assert not cells[res.ref.text].startswith(f"`{res.ref.text}`")
