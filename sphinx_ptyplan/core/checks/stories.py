"""What git tells about cited paths: a story for each (renamed, deleted), ``never`` for one
the history has never known."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx_ptyplan.core.models import PathStory, RefKind
from sphinx_ptyplan.core.paths import PathRefused, confine

if TYPE_CHECKING:
    from sphinx_ptyplan.core.sources.gitrepo import GitRepo

    from .resolve import CodeIndex

__all__ = ["prefetch_ignored", "told_stories"]

_PATH_KINDS = (RefKind.PATH, RefKind.CITATION, RefKind.PATH_SYMBOL)


def prefetch_ignored(repo: GitRepo, index: CodeIndex, texts: Iterable[str]) -> None:
    """Ask the repository's ignore rules, in one exchange, about every path the inline
    spans ``texts`` cite that is not in the working tree: :func:`told_stories` asks them
    of the never-committed ones document by document (one round trip each), and finds the
    answers kept (``GitRepo.ignored_paths``). Changes no answer; never raises."""
    from sphinx_ptyplan.core.sources.classify import classify
    from sphinx_ptyplan.core.sources.gitrepo import GitError

    asked: dict[str, None] = {}
    _ = index.top_level  # walked first: kind_of answers from the walk, not path by path
    for text in texts:
        for c in classify(text):
            if c.kind in _PATH_KINDS and c.path and not c.external:
                key = posixpath.normpath(c.path.strip("/")) if c.path.strip("/") else ""
                if key and key != "." and key not in asked and index.kind_of(key) == "none":
                    asked[key] = None  # the key told_stories asks by (resolve.story_keys)
    try:
        repo.ignored_paths(list(asked))
    except (GitError, OSError):
        return


def told_stories(repo: GitRepo, root: Path, paths: Sequence[str]) -> dict[str, PathStory]:
    """``repo.path_stories`` (one ``git log`` per run), with ``never`` for a path git has no
    story for that is neither in the working tree nor in HEAD, in a clone that is not
    shallow (its history would be cut): a planned file, a typo, an uncommitted artefact
    (the story names the ignore rule when one matches), or a file of a branch not merged
    into HEAD (the story names the branch).

    :raises GitError: when git cannot answer (the caller reports it once).
    """
    stories = dict(repo.path_stories(list(paths)))
    unknown: list[str] = []
    for p, story in stories.items():
        if story.status != "unknown":
            continue
        rel = p.rstrip("/")
        try:
            if rel.startswith(("/", "..")) or "\x00" in rel:
                confine(root, rel)
            if os.path.lexists(Path(root) / rel):
                continue  # it is there: a line or a name in it is what is wrong
        except (PathRefused, OSError):
            continue
        unknown.append(p)
    if unknown and not repo.is_shallow:
        head = repo.in_head([p.rstrip("/") for p in unknown])
        never = [p for p in unknown if p.rstrip("/") not in head]
        # neither is a typo: an output the repository ignores (say by which rule), a file
        # of a branch not merged here (say where it is)
        ignored = repo.ignored_paths(never) if never else {}
        elsewhere = repo.on_other_branches([p.rstrip("/") for p in never]) if never else {}
        for p in never:
            branch = elsewhere.get(p.rstrip("/"))
            stories[p] = PathStory(p, "never", branch=branch, ignored=ignored.get(p))
    return stories
