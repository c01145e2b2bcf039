"""Per-document data: what each page asked for (requests, citations) and what it got (results)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sphinx.domains import Domain

from sphinx_ptyplan.core.models import Finding

if TYPE_CHECKING:
    from sphinx.environment import BuildEnvironment

__all__ = ["Cite", "PtyplanDomain", "Request", "domain_of"]


@dataclass(frozen=True, slots=True)
class Request:
    """One directive occurrence: validated options and the problems found in them.

    ``source`` is the file the directive is written in (an included file's own path);
    ``options`` are the validated values as sorted ``(name, value)`` pairs of plain data.
    """

    id: str
    directive: str
    docname: str
    source: str
    lineno: int
    options: tuple[tuple[str, Any], ...]
    findings: tuple[Finding, ...] = ()
    suppress: frozenset[str] = frozenset()

    def opt(self, name: str, default: Any = None) -> Any:
        for k, v in self.options:
            if k == name:
                return v
        return default


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
    data_version = 4  # 2: results are pickled per page; 3: Cite.context; 4: baseline keys
    initial_data: dict[str, Any] = {  # noqa: RUF012 (Sphinx deep-copies it)
        "requests": {},  # docname -> tuple[Request, ...]
        "cites": {},  # docname -> tuple[Cite, ...]
        "results": {},  # docname -> {request or cite id: result}
        "findings": {},  # docname -> tuple[(Finding, location), ...] from the last compute
        "fingerprints": {},  # dependency key -> fingerprint, from the last compute
        "deps": {},  # docname -> tuple of dependency keys
    }

    def clear_doc(self, docname: str) -> None:
        for key in ("requests", "cites", "results", "findings", "deps"):
            self.data[key].pop(docname, None)

    def merge_domaindata(self, docnames: Iterable[str], otherdata: dict[str, Any]) -> None:
        for key in ("requests", "cites", "deps"):
            for docname in docnames:
                if docname in otherdata[key]:
                    self.data[key][docname] = otherdata[key][docname]

    def resolve_any_xref(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []

    def add_request(self, request: Request) -> None:
        self.data["requests"][request.docname] = (
            *self.data["requests"].get(request.docname, ()),
            request,
        )

    def add_cite(self, cite: Cite) -> None:
        self.data["cites"][cite.docname] = (*self.data["cites"].get(cite.docname, ()), cite)

    def next_id(self, docname: str, prefix: str) -> str:
        n = len(self.data["requests"].get(docname, ())) + len(self.data["cites"].get(docname, ()))
        return f"{docname}#{prefix}{n}"


def domain_of(env: BuildEnvironment) -> PtyplanDomain:
    domain = env.get_domain("ptyplan")
    assert isinstance(domain, PtyplanDomain)
    return domain
