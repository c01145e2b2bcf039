"""Confinement: turn untrusted paths from documents into paths inside the configured root."""

from __future__ import annotations

import errno
import os
from functools import lru_cache
from pathlib import Path, PurePosixPath

__all__ = ["PathRefused", "SymlinkLoop", "confine", "rel_posix"]


class PathRefused(ValueError):
    """A path from a document or option points outside the root (or is unusable)."""


class SymlinkLoop(OSError):
    """A path through a symlink loop (``ln -s loop loop``, ``a -> b -> a``): no file can be
    read there. An ``OSError`` (``ELOOP``), so every reader handles it as the unreadable
    path it is, as a dangling symlink (``Path.resolve`` raises ``RuntimeError`` for it
    before Python 3.13, which no reader expects)."""


def confine(root: Path, relpath: str) -> Path:
    """Return the real path of ``relpath`` under ``root``, refusing escapes.

    ``relpath`` is POSIX-style and relative to ``root``. Absolute paths, ``..`` that leave
    the root, NUL bytes and symlinks resolving outside the root raise :class:`PathRefused`;
    a path through a symlink loop raises :class:`SymlinkLoop` (an ``OSError``, as reading
    it would raise). The returned path need not exist.
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
        try:
            candidate = (real_root / PurePosixPath(text)).resolve()
        except RuntimeError:  # a symlink loop, before Python 3.13
            raise SymlinkLoop(errno.ELOOP, "symlink loop", text) from None
        if candidate != real_root and real_root not in candidate.parents:
            raise PathRefused(f"path {relpath!r} resolves outside ptyplan_root ({real_root})")
        return candidate
    # What ``(real_root / PurePosixPath(text)).resolve()`` and the ``parents`` test do, on
    # strings: ``realpath`` is what ``Path.resolve`` calls, given the steps
    # ``PurePosixPath`` keeps (no "." or empty ones: after a symlink loop, ``realpath``
    # joins what is left as it was written, and "x//" then joins as "/"); a real path is
    # inside the root exactly when it is the root or starts with the root and a "/".
    # (Called for every cited file of a corpus: Path objects cost more than system calls.)
    base = str(real_root)
    if "//" in text or "./" in text or text == "." or text.endswith("/."):
        text = "/".join(step for step in text.split("/") if step not in ("", "."))
    real = os.path.realpath(base + "/" + text)
    _check_loop(real)
    if real != base and not real.startswith(base + "/" if base != "/" else base):
        raise PathRefused(f"path {relpath!r} resolves outside ptyplan_root ({real_root})")
    return Path(real)


def _check_loop(real: str) -> None:
    """Raise :class:`SymlinkLoop` when ``real`` goes through a symlink loop (``realpath``
    leaves such a path unresolved; ``Path.resolve`` before Python 3.13 stats it the same way
    and raises ``RuntimeError``)."""
    try:
        os.stat(real)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SymlinkLoop(errno.ELOOP, "symlink loop", exc.filename) from None


@lru_cache(maxsize=64)
def _real_root(root: Path) -> Path:
    """The configured root's real path (asked for every cited file: resolved once)."""
    return root.resolve()


def rel_posix(root: Path, path: Path) -> str:
    """POSIX path of ``path`` relative to ``root`` ("" for the root itself)."""
    rel = os.path.relpath(path, root)
    return "" if rel == "." else PurePosixPath(Path(rel)).as_posix()
