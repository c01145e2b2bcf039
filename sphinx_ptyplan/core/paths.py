"""Confinement: turn untrusted paths from documents into paths inside the configured root."""

from __future__ import annotations

import errno
import os
import sys
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
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        raise PathRefused(f"absolute path {relpath!r} is outside ptyplan_root ({root})")
    real_root = _real_root(root)
    if os.name != "posix":  # pragma: no cover - Windows compares paths case-insensitively
        candidate = (real_root / PurePosixPath(text)).resolve()
        if candidate != real_root and real_root not in candidate.parents:
            raise PathRefused(f"path {relpath!r} resolves outside ptyplan_root ({real_root})")
        return candidate
    # What ``(real_root / PurePosixPath(text)).resolve()`` and the ``parents`` test do, on
    # strings: ``realpath`` is what ``Path.resolve`` calls, and drops the "." and empty
    # steps ``PurePosixPath`` drops; a real path is inside the root exactly when it is the
    # root or starts with the root and a "/". (Called for every cited file of a corpus:
    # the Path objects cost more than the system calls.)
    base = str(real_root)
    real = os.path.realpath(base + "/" + text)
    if _CHECK_LOOP:
        _check_loop(real)
    if real != base and not real.startswith(base + "/" if base != "/" else base):
        raise PathRefused(f"path {relpath!r} resolves outside ptyplan_root ({real_root})")
    return Path(real)


#: ``Path.resolve`` before Python 3.13 stats its answer and raises ``RuntimeError`` on a
#: symlink loop; :func:`confine` answers as it does on each version.
_CHECK_LOOP = sys.version_info < (3, 13)


def _check_loop(real: str) -> None:
    try:
        os.stat(real)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise RuntimeError(f"Symlink loop from {exc.filename!r}") from None


@lru_cache(maxsize=64)
def _real_root(root: Path) -> Path:
    """The configured root's real path (asked for every cited file: resolved once)."""
    return root.resolve()


def rel_posix(root: Path, path: Path) -> str:
    """POSIX path of ``path`` relative to ``root`` ("" for the root itself)."""
    rel = os.path.relpath(path, root)
    return "" if rel == "." else PurePosixPath(Path(rel)).as_posix()
