"""Confinement: turn untrusted paths from documents into paths inside the configured root."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path, PurePosixPath

__all__ = ["PathRefused", "confine", "rel_posix"]


class PathRefused(ValueError):
    """A path from a document or option points outside the root (or is unusable)."""


def confine(root: Path, relpath: str) -> Path:
    """Return the real path of ``relpath`` under ``root``, refusing escapes.

    ``relpath`` is POSIX-style and relative to ``root``. Absolute paths, ``..`` that leave
    the root, NUL bytes and symlinks resolving outside the root raise :class:`PathRefused`.
    The returned path need not exist.
    """
    if "\x00" in relpath:
        raise PathRefused(f"path {relpath!r} contains a NUL byte")
    text = relpath.strip()
    if not text:
        raise PathRefused("empty path")
    pure = PurePosixPath(text)
    if pure.is_absolute() or (len(text) > 1 and text[1] == ":"):
        raise PathRefused(f"absolute path {relpath!r} is outside ptyplan_root ({root})")
    real_root = _real_root(root)
    candidate = (real_root / pure).resolve()
    if candidate != real_root and real_root not in candidate.parents:
        raise PathRefused(f"path {relpath!r} resolves outside ptyplan_root ({real_root})")
    return candidate


@lru_cache(maxsize=64)
def _real_root(root: Path) -> Path:
    """The configured root's real path (asked for every cited file: resolved once)."""
    return root.resolve()


def rel_posix(root: Path, path: Path) -> str:
    """POSIX path of ``path`` relative to ``root`` ("" for the root itself)."""
    rel = os.path.relpath(path, root)
    return "" if rel == "." else PurePosixPath(Path(rel)).as_posix()
