"""Per-document data: what each page asked for (requests, citations) and what it got (results)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from sphinx.domains import Domain

from sphinx_ptyplan.core.models import Finding
from sphinx_ptyplan.core.requests import JobRequest

if TYPE_CHECKING:
    from sphinx.environment import BuildEnvironment

__all__ = ["Cite", "PtyplanDomain", "Request", "domain_of"]


@dataclass(frozen=True, slots=True)
class Request:
    """One directive occurrence: its typed request and the problems found in its options.

    ``source`` is the file the directive is written in (an included file's own path);
    ``spec`` is the request the matching CLI command builds too (``None`` when a required
    argument is missing or unusable: only the problems are reported).
    """

    id: str
    directive: str
    docname: str
    source: str
    lineno: int
    spec: JobRequest | None
    root: str | None = None  # a name of ptyplan_roots (``:root:``), None for ptyplan_root
    findings: tuple[Finding, ...] = ()
    suppress: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Cite:
    """A checked citation on a page: a ``ptyref`` role (``id`` set), a plain inline literal
    (``context`` "code") or a relative link (``"link"``), at its exact file and line."""

    id: str | None
    docname: str
    source: str
    line: int
    text: str
    context: str = "code"


class PtyplanDomain(Domain):
    """Holds the ptyplan data of every document; cleared and merged per docname."""

    name = "ptyplan"
    label = "ptyplan"
    # 2: results pickled per page; 3: Cite.context; 4: typed requests, Dep; 5: lists per page;
    # 6: SpecHitsRequest.prefer, Reference.hints; 7: findings carry baseline keys;
    # 8: a file location is a typed FileLine; 9: findings pickled per page, their warnings
    # as plain rows, dependency keys as plain tuples (a build that reads nothing loads them)
    data_version = 9
    initial_data: ClassVar[dict[str, Any]] = {  # Sphinx deep-copies it
        "requests": {},  # docname -> list[Request]
        "cites": {},  # docname -> list[Cite], from read time until env-updated checks them
        "results": {},  # docname -> {request or cite id: result}
        "findings": {},  # docname -> pickled tuple[Located, ...] from the last compute
        "warnings": {},  # docname -> tuple of report rows of those findings (report.py)
        "fingerprints": {},  # dependency key (engine.DepKey) -> fingerprint
        "deps": {},  # docname -> tuple[DepKey, ...] (a Dep's fields: core/results.py)
    }

    def clear_doc(self, docname: str) -> None:
        for key in ("requests", "cites", "results", "findings", "warnings", "deps"):
            self.data[key].pop(docname, None)

    def merge_domaindata(self, docnames: Iterable[str], otherdata: dict[str, Any]) -> None:
        for key in ("requests", "cites", "deps"):
            for docname in docnames:
                if docname in otherdata[key]:
                    self.data[key][docname] = otherdata[key][docname]

    def resolve_any_xref(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []

    def add_request(self, request: Request) -> None:
        self.data["requests"].setdefault(request.docname, []).append(request)

    def add_cite(self, cite: Cite) -> None:
        # appended in place: a page with 50,000 literals must not copy a tuple per literal
        self.data["cites"].setdefault(cite.docname, []).append(cite)

    def next_id(self, docname: str, prefix: str) -> str:
        n = len(self.data["requests"].get(docname, ())) + len(self.data["cites"].get(docname, ()))
        return f"{docname}#{prefix}{n}"


def domain_of(env: BuildEnvironment) -> PtyplanDomain:
    domain = env.get_domain("ptyplan")
    assert isinstance(domain, PtyplanDomain)
    return domain
