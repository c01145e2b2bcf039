"""What git tells about cited paths: a story for each (renamed, deleted), ``never`` for one
the history has never known."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx_ptyplan.core.models import PathStory
from sphinx_ptyplan.core.paths import PathRefused, confine

if TYPE_CHECKING:
    from sphinx_ptyplan.core.sources.gitrepo import GitRepo

__all__ = ["told_stories"]


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
