"""Issue 13 req 4: a bug inside our engine fails the docs build and the command line,
loudly; it never becomes a finding and is never swallowed. Only the parser libraries' own
failures on odd documents are findings."""

from __future__ import annotations

from pathlib import Path

import pytest
from sphinx.cmd.build import build_main
from sphinx.errors import ExtensionError

from sphinx_ptyplan.cli.run import main
from sphinx_ptyplan.core.checks.resolve import CodeIndex
from sphinx_ptyplan.core.models import FindingKind
from sphinx_ptyplan.core.sources.collect import _Collector
from sphinx_ptyplan.core.sources.documents import parse_document
from tests.gitutil import Repo
from tests.sphinx.util import build, make_project


class EngineBug(RuntimeError):
    """Raised by a monkeypatched part of the engine."""


def _broken(*_args: object, **_kwargs: object) -> object:
    raise EngineBug("the resolver broke")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A docs project in a git work tree whose page cites code (the resolver must run)."""
    repo = Repo(tmp_path / "repo")
    repo.write("code/pkg/__init__.py", "")
    repo.write("code/pkg/mod.py", "def run():\n    pass\n")
    repo.write("plans/plan.md", "# Plan\n\nSee `code/pkg/mod.py` and `code/pkg/gone.py`.\n")
    make_project(
        repo.path,
        {"index.md": "# Home\n\nSee `code/pkg/mod.py:1` and `code/pkg/gone.py`.\n"},
    )
    return repo.path


def test_the_project_checks_without_the_bug(project: Path) -> None:
    # the same project builds, and warns about the path git never saw (so the code below ran)
    _app, warnings = build(project, "html")
    assert "code/pkg/gone.py" in warnings and "[ptyplan.missing]" in warnings


def test_an_engine_bug_fails_the_docs_build(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CodeIndex, "kind_of", _broken)
    with pytest.raises(ExtensionError) as raised:
        build(project, "html")
    chain = []
    exc: BaseException | None = raised.value
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__ or getattr(exc, "orig_exc", None)
    assert any(isinstance(e, EngineBug) for e in chain), chain


def test_an_engine_bug_makes_sphinx_build_exit_non_zero(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(CodeIndex, "kind_of", _broken)
    out = project / "_build" / "html"
    code = build_main(["-q", "-b", "html", str(project), str(out)])
    err = capsys.readouterr().err
    assert code != 0
    assert "the resolver broke" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "plans/plan.md"],
        ["spec-hits", "plans/plan.md"],
        ["delta", "--tree", "code/pkg", "--plan", "plans/plan.md"],
    ],
)
def test_an_engine_bug_fails_the_command_loudly(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    assert main(["--root", str(project), *argv]) == 1  # a stale path: findings, exit 1
    capsys.readouterr()
    monkeypatch.setattr(CodeIndex, "kind_of", _broken)
    code = main(["--root", str(project), "--format", "json", *argv])
    captured = capsys.readouterr()
    assert code == 2  # never 1 ("findings") nor 0
    assert "ptyplan: internal error: EngineBug: the resolver broke" in captured.err
    assert "Traceback" in captured.err
    assert captured.out == ""  # no report was written as if the run were complete


def test_a_bug_in_our_document_walk_is_raised_not_a_parse_finding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_Collector, "heading", _broken)
    with pytest.raises(EngineBug):
        parse_document("# Title\n\ntext\n", "doc.md", "md")
    with pytest.raises(EngineBug):
        parse_document("Title\n=====\n\ntext\n", "doc.rst", "rst")


def test_a_parser_library_failure_is_a_parse_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    from docutils.parsers.rst import Parser
    from markdown_it import MarkdownIt

    def fails(*_args: object, **_kwargs: object) -> object:
        raise ValueError("the library gave up")

    monkeypatch.setattr(MarkdownIt, "parse", fails)
    monkeypatch.setattr(Parser, "parse", fails)
    for text, path, fmt in (("# T\n", "doc.md", "md"), ("T\n=\n", "doc.rst", "rst")):
        doc = parse_document(text, path, fmt)
        assert [(p.kind, p.message) for p in doc.problems] == [
            (
                FindingKind.PARSE,
                f"could not parse {path} as {fmt}: ValueError: the library gave up",
            )
        ]
