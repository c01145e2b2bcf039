"""Whether paths are ignored by the repository's rules, asked of ONE persistent
``git check-ignore -v -n -z --stdin`` process.

Git answers paths that do not exist too (a build product, an ignored report folder), which
is what a citation of a never-committed path needs; a run asks a few paths per document,
so a process per question would cost more than the check (630 processes, 2.5 s on the
800-document corpus). In ``--stdin`` mode git flushes each answer: four NUL-terminated
fields (source, line, pattern, path; empty source when no rule matches). Paths reach git
on stdin, never as arguments. Any failure costs only the answer (nothing is said to be
ignored) and stops the process; the next question starts a new one.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

__all__ = ["IgnoreChecker", "stop"]


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


#: Bytes of paths written before their answers are read: under any pipe's capacity.
_CHUNK = 3072


class IgnoreChecker:
    """The persistent ``git check-ignore`` of one work tree (lazily started, fork-aware)."""

    def __init__(self, command: Sequence[str], env: dict[str, str], cwd: Path) -> None:
        self._command = list(command)
        # check-ignore refuses literal pathspecs; its paths come on stdin, never as options
        self._env = {k: v for k, v in env.items() if k != "GIT_LITERAL_PATHSPECS"}
        self._cwd = cwd
        self._proc: subprocess.Popen[bytes] | None = None
        self._pid = 0
        self._pending = b""  # bytes read past the last answer

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._pid == os.getpid() and self._proc.poll() is None:
            return self._proc
        if self._pid == os.getpid():
            self.close()
        self._proc = subprocess.Popen(
            [*self._command, "check-ignore", "-v", "-n", "-z", "--stdin"],
            cwd=self._cwd,
            env=self._env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._pid = os.getpid()
        self._pending = b""
        return self._proc

    def ignored(self, paths: Sequence[str]) -> dict[str, str] | None:
        """Those of ``paths`` (relative to the work tree, folders with a trailing "/") that
        a rule ignores, each with its rule (``pattern`` in ``file:line``, the file relative
        to the work tree when inside it); a rule starting with "!" re-includes, so its path
        is not ignored. None when git could not answer."""
        out: dict[str, str] = {}
        if not paths:
            return out
        try:
            proc = self._start()
            assert proc.stdin is not None and proc.stdout is not None
            chunk: list[str] = []
            size = 0
            for path in paths:
                chunk.append(path)
                size += len(path.encode("utf-8", "surrogateescape")) + 1
                if size >= _CHUNK:
                    out.update(self._ask(proc, chunk))
                    chunk, size = [], 0
            if chunk:
                out.update(self._ask(proc, chunk))
        except (OSError, ValueError, EOFError):
            self.close()
            return None
        return out

    def _ask(self, proc: subprocess.Popen[bytes], paths: list[str]) -> dict[str, str]:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in paths))
        proc.stdin.flush()
        want = 4 * len(paths)
        data = self._pending
        fd = proc.stdout.fileno()
        while data.count(b"\0") < want:
            more = os.read(fd, 65536)
            if not more:
                raise EOFError("git check-ignore stopped")
            data += more
        fields = data.split(b"\0", want)
        self._pending = fields[want] if len(fields) > want else b""
        out: dict[str, str] = {}
        for i, path in enumerate(paths):
            source, line, pattern = fields[4 * i], fields[4 * i + 1], fields[4 * i + 2]
            if source and not pattern.startswith(b"!"):
                out[path] = f"`{_text(pattern)}` in {self._where(_text(source))}:{_text(line)}"
        return out

    def _where(self, source: str) -> str:
        """A rule file as a reader finds it: relative to the work tree when inside it."""
        try:
            return Path(source).resolve().relative_to(self._cwd.resolve()).as_posix()
        except (ValueError, OSError):
            return source

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and self._pid == os.getpid():
            stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End a persistent git of ours: close its input, give it 5 s to finish, else kill it
    (only ever called by the process that started it, never across a fork)."""
    try:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
