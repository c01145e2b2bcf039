"""The parse cache: extraction results keyed by content digest, kept between builds."""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

from sphinx_ptyplan.core.models import (
    ModuleInfo,
)
from sphinx_ptyplan.core.sources.extract import (
    _SCAN_VERSION,
    _too_large,
    digest,
    parse_module,
)
from sphinx_ptyplan.core.sources.notebooks import _Notebook, _notebook_info

__all__ = [
    "ParseCache",
]

# --------------------------------------------------------------------------- cache

_CACHE_TAG = ("ptyplan-parsecache", _SCAN_VERSION, sys.version_info[:2])
_PICKLE_ALLOWED = {
    ("sphinx_ptyplan.core.models", name)
    for name in ("ModuleInfo", "Symbol", "SymbolKind", "Param", "ParseProblem", "ImportedName")
}


class _SafeUnpickler(pickle.Unpickler):
    """Only our frozen models may be rebuilt: a tampered cache file cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _PICKLE_ALLOWED:
            raise pickle.UnpicklingError(f"forbidden class {module}.{name}")
        return super().find_class(module, name)


#: A cache entry not looked up by this many consecutive builds (that looked anything up)
#: is dropped: the file follows the tree without growing forever.
_CACHE_KEEP_BUILDS = 8


def _load_info(blob: bytes) -> ModuleInfo | None:
    try:
        info = _SafeUnpickler(io.BytesIO(blob)).load()
    except Exception:  # truncated or tampered entry: parse again
        return None
    return info if isinstance(info, ModuleInfo) else None


class ParseCache:
    """Content digest -> :class:`ModuleInfo`; can never serve stale results.

    Entries are keyed by the digest of the file bytes, so an edit is seen even when it keeps
    size and mtime. ``hits``/``misses`` count Python parses served from / added to the cache
    since creation. Notebook titles are cached alongside (not counted).

    The file keeps each entry pickled on its own: loading reads bytes only, an entry is
    unpickled when it is first looked up, and saving rewrites only entries parsed in this
    process (a no-change or one-file-change build touches almost nothing).
    """

    def __init__(self) -> None:
        self._modules: dict[str, ModuleInfo] = {}
        self._blobs: dict[str, bytes] = {}  # pickled entries read from the file
        self._notebooks: dict[str, _Notebook] = {}
        self._age: dict[str, int] = {}  # builds since an entry of the file was last used
        self._used: set[str] = set()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._modules.keys() | self._blobs.keys())

    def get(self, key: str) -> ModuleInfo | None:
        """The cached parse for a content digest (counts a hit), or ``None``."""
        info = self._modules.get(key)
        if info is None:
            blob = self._blobs.get(key)
            if blob is None:
                return None
            info = _load_info(blob)
            if info is None:
                del self._blobs[key]
                return None
            self._modules[key] = info
        self.hits += 1
        self._used.add(key)
        return info

    def put(self, key: str, info: ModuleInfo) -> None:
        """Store a fresh parse (counts a miss)."""
        self.misses += 1
        self._modules[key] = info
        self._blobs.pop(key, None)
        self._used.add(key)

    def get_or_parse(self, data: bytes, *, path: str, max_bytes: int) -> tuple[str, ModuleInfo]:
        """``(digest, info)`` for ``data``, parsing it only when its digest is unknown."""
        key = digest(data)
        if len(data) > max_bytes:  # depends on the limit: never cached
            return key, _too_large(len(data), max_bytes)
        info = self.get(key)
        if info is None:
            info = parse_module(data, path=path, max_bytes=max_bytes)
            self.put(key, info)
        return key, info

    def notebook(self, data: bytes) -> _Notebook:
        key = digest(data)
        found = self._notebooks.get(key)
        if found is None:
            found = _notebook_info(data)
            self._notebooks[key] = found
        self._used.add(key)
        return found

    @classmethod
    def load(cls, file: Path) -> ParseCache:
        """Read a cache saved by :meth:`save`; anything unusable gives an empty cache."""
        cache = cls()
        try:
            with open(file, "rb") as fh:
                payload = _SafeUnpickler(fh).load()  # str, int, bytes, tuples, dicts only
            if not (isinstance(payload, tuple) and len(payload) == 3):
                return cache
            tag, modules, notebooks = payload
            if tag != _CACHE_TAG or not isinstance(modules, dict):
                return cache
            if not isinstance(notebooks, dict):
                return cache
            if all(
                isinstance(v, tuple) and len(v) == 2 and type(v[0]) is int and type(v[1]) is bytes
                for v in modules.values()
            ) and all(
                isinstance(v, tuple)
                and len(v) == 2
                and type(v[0]) is int
                and isinstance(v[1], tuple)
                and len(v[1]) == 3
                for v in notebooks.values()
            ):
                cache._blobs = {k: blob for k, (_age, blob) in modules.items()}
                cache._notebooks = {k: nb for k, (_age, nb) in notebooks.items()}
                cache._age = {k: age for k, (age, _v) in (*modules.items(), *notebooks.items())}
        except Exception:  # missing, truncated, tampered, other python: start empty
            return cls()
        return cache

    def save(self, file: Path) -> None:
        """Write the cache atomically (temp file + replace).

        Entries used in this process are kept (fresh); the others age by one build and are
        dropped after ``_CACHE_KEEP_BUILDS`` builds without use, so the file follows the tree
        without growing forever. When nothing was looked up at all (a no-change rebuild
        re-reads no page) the file is left as it is. Write errors are ignored: the cache is
        only an optimisation.
        """
        used = self._used
        if not used:
            return

        def age(key: str) -> int:
            return 0 if key in used else self._age.get(key, 0) + 1

        modules: dict[str, tuple[int, bytes]] = {}
        for key in self._modules.keys() | self._blobs.keys():
            n = age(key)
            if n >= _CACHE_KEEP_BUILDS:
                continue
            blob = self._blobs.get(key)
            if blob is None:
                blob = pickle.dumps(self._modules[key], pickle.HIGHEST_PROTOCOL)
                self._blobs[key] = blob
            modules[key] = (n, blob)
        notebooks = {
            k: (age(k), v) for k, v in self._notebooks.items() if age(k) < _CACHE_KEEP_BUILDS
        }
        tmp: str | None = None
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", dir=file.parent)
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((_CACHE_TAG, modules, notebooks), fh, pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, file)
            tmp = None
        except OSError:
            pass
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
