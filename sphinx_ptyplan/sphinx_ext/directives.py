"""The directives: validate options into a Request on a placeholder node; compute nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from sphinx_ptyplan.core.models import Finding, FindingCode, FindingKind
from sphinx_ptyplan.core.outputs.tables import INVENTORY_COLUMNS, split_list
from sphinx_ptyplan.core.requests import (
    COMMON_OPTIONS,
    LAYOUT,
    NOTEBOOKS,
    REPORTS_OPTIONS,
    ROOT,
    SHOW,
    SUPPRESS,
    TREE_FORMATS,
    DeltaRequest,
    InventoryRequest,
    JobRequest,
    OptionError,
    ReportsRequest,
    SpecHitsRequest,
    named_root,
    parse_columns,
    parse_count,
    parse_globs,
    parse_initiative,
    parse_kind,
    parse_revision,
)
from sphinx_ptyplan.sphinx_ext.config import get_config, root_path
from sphinx_ptyplan.sphinx_ext.domain import Request, domain_of
from sphinx_ptyplan.sphinx_ext.nodes import ptyplan_placeholder

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx.application import Sphinx
    from sphinx.util.typing import OptionSpec

__all__ = [
    "DeltaDirective",
    "InventoryDirective",
    "ReportsDirective",
    "SpecHitsDirective",
    "setup_directives",
]

T = TypeVar("T")


class _Rejected(str):
    """An option value that its converter refused; ``run()`` reports it and drops it."""


class _TolerantSpec(dict):  # type: ignore[type-arg]
    """An option_spec under which docutils and MyST never fail: an unknown option is taken
    as text and a converter's error is kept as :class:`_Rejected`, so ``run()`` reports
    both as typed ``ptyplan.config`` warnings instead of an untyped error that drops the
    directive (reST) or a ``myst.directive_option`` warning."""

    def __missing__(self, key: str) -> Any:
        return directives.unchanged

    def __getitem__(self, key: str) -> Any:
        convert = super().__getitem__(key)

        def tolerant(value: str | None) -> Any:
            try:
                return convert(value)
            except (ValueError, TypeError) as exc:
                return _Rejected(" ".join(str(exc).split()))

        return tolerant


class _PtyplanDirective(SphinxDirective):
    """Shared machinery: options are taken as text and validated here, so that a bad value
    is a typed ``ptyplan.config`` warning (reported on every build) instead of a docutils
    error that ``suppress_warnings`` cannot reach and that vanishes on incremental builds."""

    #: the request kind (docutils sets ``self.name`` to the registered directive name)
    kind: ClassVar[str] = ""
    has_content = False
    optional_arguments = 1
    final_argument_whitespace = True
    common_options: ClassVar[OptionSpec] = {o.name: directives.unchanged for o in COMMON_OPTIONS}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "option_spec" in cls.__dict__:
            cls.option_spec = _TolerantSpec(cls.option_spec)

    def run(self) -> list[nodes.Node]:
        self._findings: list[Finding] = []
        for name in sorted(self.options):
            value = self.options[name]
            if name not in self.option_spec:
                known = ", ".join(sorted(self.option_spec or {}))
                self.problem(f"unknown option :{name}: (known: {known})")
                del self.options[name]
            elif isinstance(value, _Rejected):
                self.problem(f":{name}: {value}")
                del self.options[name]
        root_name = self.text_option(ROOT.name)
        if root_name is not None:
            try:
                named_root(get_config(self.config).roots, root_name)
            except OptionError as exc:
                self.problem(f":{ROOT.name}: {exc}")
                root_name = None
        self._root_name = root_name
        spec = self.validate()
        suppress: set[str] = set()
        for item in split_list(self.options.get(SUPPRESS.name)):
            try:  # each kind on its own: a typo drops that one, not the others
                suppress.add(parse_kind(item))
            except OptionError as exc:
                self.problem(f":{SUPPRESS.name}: {exc}")
        domain = domain_of(self.env)
        source, lineno = self.get_source_info()
        request = Request(
            id=domain.next_id(self.env.docname, self.kind),
            directive=self.kind,
            docname=self.env.docname,
            source=str(source),
            lineno=self.lineno or lineno or 0,
            spec=spec,
            root=root_name,
            findings=tuple(self._findings),
            suppress=frozenset(suppress),
        )
        domain.add_request(request)
        for file in self.dependencies(spec):
            self.env.note_dependency(file)
        node = ptyplan_placeholder(request_id=request.id, directive=self.kind, root=root_name or "")
        self.set_source_info(node)
        return [node]

    # -- helpers ---------------------------------------------------------
    def problem(self, message: str, kind: FindingKind = FindingKind.CONFIG) -> None:
        self._findings.append(Finding(kind, f"{self.name}: {message}", code=FindingCode.BAD_OPTION))

    def root(self) -> Path:
        return root_path(get_config(self.config), self._root_name)

    def text_option(self, name: str) -> str | None:
        value = self.options.get(name)
        if value is None:
            return None
        value = str(value).strip()
        if not value:
            self.problem(f":{name}: is empty")
            return None
        return value

    def parsed(self, name: str, parse: Callable[[str], T]) -> T | None:
        """An option through its one parser (shared with the command line); a bad value
        is a problem (reported) and ``None``."""
        value = self.text_option(name)
        if value is None:
            return None
        try:
            return parse(value)
        except OptionError as exc:
            self.problem(f":{name}: {exc}")
            return None

    def revision_option(self, name: str) -> str | None:
        return self.parsed(name, parse_revision)

    def choice_option(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.text_option(name)
        if value is None:
            return default
        if value not in choices:
            self.problem(f":{name}: must be one of {', '.join(choices)}, not {value!r}")
            return default
        return value

    def int_option(self, name: str) -> int | None:
        return self.parsed(name, parse_count)

    def list_option(self, name: str) -> tuple[str, ...]:
        return parse_globs(self.options.get(name))

    def path_argument(self, what: str) -> str | None:
        if not self.arguments or not self.arguments[0].strip():
            self.problem(f"missing {what} argument (a path relative to ptyplan_root)")
            return None
        argument: str = self.arguments[0]
        return argument.strip()

    def dependencies(self, spec: JobRequest | None) -> list[str]:
        """Document files this directive reads (noted so editing them re-reads the page)."""
        files = []
        root = self.root()
        from sphinx_ptyplan.core.paths import PathRefused, confine

        named = (
            spec.plan
            if isinstance(spec, DeltaRequest)
            else spec.spec
            if isinstance(spec, SpecHitsRequest)
            else None
        )
        for value in (named,):
            if value:
                try:
                    path = confine(root, value)
                except PathRefused:
                    continue
                if path.is_file():
                    files.append(str(path))
        return files

    def validate(self) -> JobRequest | None:
        """The typed request of this directive (``None`` when it cannot run)."""
        raise NotImplementedError


class InventoryDirective(_PtyplanDirective):
    """``ptyplan-inventory TREE``: the module inventory of a tree, read from the files."""

    kind = "inventory"
    option_spec: ClassVar[OptionSpec] = {
        **_PtyplanDirective.common_options,
        "since": directives.unchanged,
        "highlight": directives.unchanged,
        "notebooks": directives.unchanged,
        "assets": directives.unchanged,
        "maxdepth": directives.unchanged,
        "include": directives.unchanged,
        "exclude": directives.unchanged,
        "columns": directives.unchanged,
        LAYOUT.name: directives.unchanged,
    }

    def validate(self) -> InventoryRequest | None:
        columns = self.list_option("columns")
        for c in columns:
            try:
                parse_columns(c)
            except OptionError as exc:
                self.problem(f":columns: {exc}")
        tree = self.path_argument("tree")
        since = self.revision_option("since")
        request = InventoryRequest(
            tree or "",
            since=since,
            highlight=self.list_option("highlight"),
            notebooks=self.choice_option("notebooks", NOTEBOOKS, "informational"),
            assets=self.list_option("assets"),
            maxdepth=self.int_option("maxdepth"),
            include=self.list_option("include"),
            exclude=self.list_option("exclude"),
            columns=tuple(c for c in columns if c in INVENTORY_COLUMNS),
            format=self.choice_option(LAYOUT.name, TREE_FORMATS, "table"),
        )
        return request if tree is not None else None


class DeltaDirective(_PtyplanDirective):
    """``ptyplan-delta``: plan coverage of a tree, stale plan references, revision delta."""

    kind = "delta"
    option_spec: ClassVar[OptionSpec] = {
        **_PtyplanDirective.common_options,
        "tree": directives.unchanged,
        "plan": directives.unchanged,
        "base": directives.unchanged,
        "head": directives.unchanged,
        "redline": directives.unchanged,
    }

    def validate(self) -> DeltaRequest | None:
        redline = None
        if "redline" in self.options:
            # empty or ``draft``: the draft computed now; a folder: link to the newest
            # report's plan_redline.md in it
            redline = str(self.options.get("redline") or "").strip().strip("/") or "draft"
        tree = self.text_option("tree")
        if tree is None and self.arguments and self.arguments[0].strip():
            tree = self.arguments[0].strip()
        if tree is None:
            self.problem("missing :tree: option (a folder relative to ptyplan_root)")
        plan = self.text_option("plan")
        if plan is None:
            # The plan defaults to the document the directive stands in.
            source = Path(self.get_source_info()[0] or self.env.doc2path(self.env.docname))
            from sphinx_ptyplan.core.paths import rel_posix

            root = self.root()
            try:
                source.resolve().relative_to(root)
                plan = rel_posix(root, source.resolve())
            except ValueError:
                self.problem("the page is outside ptyplan_root; name the plan with :plan:")
        base = self.text_option("base")
        if base is not None and not base.endswith(".json"):
            base = self.revision_option("base")
        head = self.revision_option("head")
        if tree is None or plan is None:
            return None
        return DeltaRequest(tree, plan, base=base, head=head, redline=redline)


class SpecHitsDirective(_PtyplanDirective):
    """``ptyplan-spec-hits SPEC``: resolve a spec's code references against the tree."""

    kind = "spec-hits"
    option_spec: ClassVar[OptionSpec] = {
        **_PtyplanDirective.common_options,
        "tree": directives.unchanged,
        "show": directives.unchanged,
        "since": directives.unchanged,
        "strict": directives.flag,
        "prefer": directives.unchanged,
        "module": directives.unchanged,
    }

    def validate(self) -> SpecHitsRequest | None:
        spec = self.path_argument("spec")
        trees = self.list_option("tree")
        show = self.choice_option("show", SHOW, "all")
        since = self.revision_option("since")
        if spec is None:
            return None
        prefer = (*self.list_option("module"), *self.list_option("prefer"))
        return SpecHitsRequest(
            spec,
            trees=trees,
            show=show,
            since=since,
            strict="strict" in self.options,
            prefer=prefer,
        )


class ReportsDirective(_PtyplanDirective):
    """``ptyplan-reports``: the ledger of an initiative's report folders, newest first."""

    kind = "reports"
    optional_arguments = 0
    option_spec: ClassVar[OptionSpec] = {
        **_PtyplanDirective.common_options,
        **{o.name: directives.unchanged for o in REPORTS_OPTIONS},
    }

    def validate(self) -> ReportsRequest | None:
        from sphinx_ptyplan.core.outputs.reportdir import reports_dir

        initiative = self.parsed("initiative", parse_initiative)
        folder = self.text_option("folder")
        if folder is not None:
            folder = folder.strip("/") or None
        if folder is None and initiative is not None:
            folder = reports_dir(initiative)
        if folder is None and "folder" not in self.options and "initiative" not in self.options:
            self.problem("give :initiative: NAME or :folder: PATH (the reports folder)")
        limit = self.int_option("limit")
        if folder is None:
            return None
        return ReportsRequest(folder, initiative=initiative, limit=limit or None)


def setup_directives(app: Sphinx) -> None:
    app.add_directive("ptyplan-inventory", InventoryDirective)
    app.add_directive("ptyplan-delta", DeltaDirective)
    app.add_directive("ptyplan-spec-hits", SpecHitsDirective)
    app.add_directive("ptyplan-reports", ReportsDirective)
