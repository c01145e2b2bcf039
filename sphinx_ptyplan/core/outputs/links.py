"""Links to code: a ``ptyplan_source_url`` template, or one derived from the git remote.

Without configuration, a root in a git work tree whose remote is on a known host (GitHub,
GitLab, Bitbucket, Gitea/Forgejo/Codeberg; https or ssh URLs) links every cited file to its
lines **at the built commit** (a permalink). A file with uncommitted changes links to the
branch instead, and the link says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .report import source_link

__all__ = ["Link", "SourceLinks", "remote_templates"]

# scp-like ssh form: user@host:owner/repo(.git)
_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>[^/].*)$")


def _host_and_path(url: str) -> tuple[str, str] | None:
    url = url.strip()
    if "://" in url:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http", "ssh", "git", "git+ssh", "ssh+git"):
            return None
        host = (parts.hostname or "").lower()
        path = parts.path
    else:
        m = _SCP.match(url)
        if m is None:
            return None
        host, path = m["host"].lower(), m["path"]
    path = path.strip("/").removesuffix(".git").strip("/")
    if not host or path.count("/") < 1 or any(p in ("", ".", "..") for p in path.split("/")):
        return None
    return host, path


def remote_templates(url: str) -> tuple[str, str] | None:
    """``(commit template, branch template)`` for a remote URL on a known host, else None.

    Each template has ``{revision}``, ``{path}`` and ``{line}`` (see ``source_link``); the
    commit template takes a sha, the branch template a branch name (Gitea and Forgejo spell
    the two differently). Credentials and ports in the URL are dropped.
    """
    got = _host_and_path(url)
    if got is None:
        return None
    host, path = got
    base = f"https://{host}/{path}"
    if host == "github.com" or host.startswith("github."):
        t = f"{base}/blob/{{revision}}/{{path}}#L{{line}}"
        return t, t
    if "gitlab" in host:
        t = f"{base}/-/blob/{{revision}}/{{path}}#L{{line}}"
        return t, t
    if host == "bitbucket.org":
        t = f"{base}/src/{{revision}}/{{path}}#lines-{{line}}"
        return t, t
    if host in ("codeberg.org", "gitea.com") or "gitea" in host or "forgejo" in host:
        return (
            f"{base}/src/commit/{{revision}}/{{path}}#L{{line}}",
            f"{base}/src/branch/{{revision}}/{{path}}#L{{line}}",
        )
    return None


@dataclass(frozen=True, slots=True)
class Link:
    """A code link and, when it is not a permalink, why (for the link's title)."""

    url: str
    note: str = ""


class SourceLinks:
    """Code links for one root: ``link(path, line)``; paths are root-relative POSIX.

    :param setting: ``ptyplan_source_url``: a template, ``None`` (derive from the git
        remote) or ``False`` (no links).
    :param workspace: what knows the root's git (``repo()``, ``source_revision()``).
    """

    def __init__(self, setting: str | bool | None, workspace: Any) -> None:
        self.setting = setting
        self.ws = workspace
        self._ready = False
        self._commit: str | None = None  # template at a sha
        self._branch_t: str | None = None  # template at a branch
        self._revision = "HEAD"
        self._branch: str | None = None
        self._prefix = ""
        self._dirty: frozenset[str] = frozenset()

    def _prepare(self) -> None:
        self._ready = True
        if self.setting is False or self.setting == "":
            return
        if isinstance(self.setting, str):
            self._commit = self.setting
            self._revision = self.ws.source_revision()
            return
        from sphinx_ptyplan.core.sources.gitrepo import GitError

        try:
            repo = self.ws.repo()
        except GitError:
            return  # not a git work tree, or no git: no links, no warning
        url = repo.remote_url()
        templates = remote_templates(url) if url else None
        sha = repo.head()
        if templates is None or sha is None:
            return
        self._commit, self._branch_t = templates
        self._revision = sha
        self._branch = repo.branch()
        self._prefix = repo.prefix
        self._dirty = repo.uncommitted()

    def link(self, path: str, line: int | None) -> Link | None:
        if not self._ready:
            self._prepare()
        if self._commit is None:
            return None
        full = self._prefix + path
        if path in self._dirty and self._branch_t is not None:
            if self._branch:
                url = source_link(self._branch_t, self._branch, full, line)
                note = f"{path} has uncommitted changes: this links to the branch {self._branch}"
            else:
                url = source_link(self._commit, self._revision, full, line)
                note = f"{path} has uncommitted changes: this links to the last commit"
            return Link(url, note) if url else None
        url = source_link(self._commit, self._revision, full, line)
        return Link(url) if url else None
