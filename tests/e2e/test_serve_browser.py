"""End to end: ``ptyplan serve`` on a real project, the plan page in headless Chromium.

A module added to the scanned tree reloads the page (sphinx-autobuild's websocket) with a new
inventory row; an edit that moves a cited line prints ``ptyplan.drift`` in the server's
output; deleting the module removes the row. The docs live inside the watched root and the
build output inside the docs, so the test also checks that a build never starts another.
Screenshots go to ``tests/e2e/_artefacts/`` (git-ignored).

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package (``.ci/run``
installs them); the test fails, never skips, when they are missing.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.gitutil import Repo, git_env

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = Path(__file__).resolve().parent / "_artefacts"
WAIT = 60.0  # seconds, for every wait below

ALPHA = '"""Alpha."""\n\n\ndef first():\n    return 1\n\n\ndef second():\n    return 2\n'
PLAN = """\
# Plan

```{ptyplan-inventory} pkg
```

The second step is `pkg/alpha.py:8`.
"""
CONF = 'extensions = ["myst_parser", "sphinx_ptyplan"]\nptyplan_root = ".."\n'
CONF += 'exclude_patterns = ["_build"]\n'

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def wait_for(what: str, check: Callable[[], bool], log: Callable[[], str]) -> None:
    """Poll ``check`` for up to WAIT seconds; fail with the server's output otherwise."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    pytest.fail(f"timed out after {WAIT:.0f} s waiting for {what}; server output:\n{log()[-6000:]}")


class Server:
    """``ptyplan serve`` in its own process group, its output in a file."""

    def __init__(self, root: Path, port: int, log_path: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        env = git_env()
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
        )
        env["PYTHONUNBUFFERED"] = "1"
        env["NO_COLOR"] = "1"
        command = [sys.executable, "-m", "sphinx_ptyplan", "serve", "docs", "docs/_build/html"]
        command += ["--", "--host", "127.0.0.1", "--port", str(port)]
        with open(log_path, "wb") as out:
            self.proc = subprocess.Popen(
                command,
                cwd=root,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def log(self) -> str:
        return _ANSI.sub("", self.log_path.read_text(encoding="utf-8", errors="replace"))

    def count(self, text: str) -> int:
        return self.log().count(text)

    def stop(self) -> None:
        """Stop the whole process group (server, build workers, sphinx-build)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # stragglers of the group, if any
        self.proc.wait(timeout=10)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status) == 200
    except OSError:
        return False


@pytest.fixture
def project(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "project")
    repo.write(".gitignore", "docs/_build/\n")
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/alpha.py", ALPHA)
    repo.write("docs/conf.py", CONF)
    repo.write("docs/index.md", "# Docs\n\n```{toctree}\nplan\n```\n")
    repo.write("docs/plan.md", PLAN)
    repo.commit("the plan and the code it cites")  # blame dates the citation
    return repo


@pytest.fixture
def server(project: Repo, tmp_path: Path) -> Iterator[Server]:
    srv = Server(project.path, _free_port(), tmp_path / "serve.log")
    try:
        wait_for(
            "the first build to be served",
            lambda: (
                srv.proc.poll() is None
                and "Serving on" in srv.log()
                and _http_ok(srv.url + "/plan.html")
            ),
            srv.log,
        )
        yield srv
    finally:
        srv.stop()
        print(f"ptyplan serve output: {srv.log_path}")


def _rows(driver: object) -> list[str]:
    """First cells of the inventory table ([] while the page is reloading)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    try:
        cells = driver.find_elements(  # type: ignore[attr-defined]
            By.CSS_SELECTOR, "table.ptyplan-inventory tbody tr td:first-child"
        )
        return [c.text.strip() for c in cells]
    except WebDriverException:
        return []


def _script(driver: object, code: str) -> object:
    from selenium.common.exceptions import WebDriverException

    try:
        return driver.execute_script(code)  # type: ignore[attr-defined]
    except WebDriverException:
        return None


def _mark(driver: object) -> None:
    """Mark the loaded page; a reload forgets the mark."""
    assert _script(driver, "window.__ptyplanMark = 1; return window.__ptyplanMark;") == 1


def _reloaded(driver: object) -> bool:
    return _script(driver, "return document.readyState === 'complete' && !window.__ptyplanMark")


def _websocket_open(driver: object) -> bool:
    # sphinx-autobuild injects `const ws = new WebSocket(...)` into every page it serves
    return _script(driver, "return typeof ws !== 'undefined' && ws.readyState === 1") is True


def _screenshot(driver: object, name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / name
    assert driver.save_screenshot(str(path)), path  # type: ignore[attr-defined]
    print(f"screenshot: {path}")
    return path


def _quiet(server: Server, seconds: float) -> None:
    """Wait until no build has started for ``seconds`` (a rebuild loop never gets there)."""
    last = [server.count("Rebuilding"), time.monotonic()]

    def settled() -> bool:
        now = server.count("Rebuilding")
        if now != last[0]:
            last[:] = [now, time.monotonic()]
            return False
        return time.monotonic() - float(last[1]) >= seconds and server.log().rstrip().endswith(
            server.url
        )

    wait_for(f"{seconds:.0f} s without a rebuild (a rebuild loop?)", settled, server.log)


def test_serve_reloads_the_plan_page_as_the_code_changes(
    project: Repo, server: Server, browser: object
) -> None:
    driver = browser
    log = server.log()
    # First start: no environment yet, so the configured root (the repository holding the
    # docs and their build output) is what is watched.
    assert "from the configured roots" in log
    assert f"\n  {project.path.resolve()}\n" in log
    assert "ptyplan.drift" not in log
    assert "Rebuilding" not in log

    driver.get(server.url + "/plan.html")  # type: ignore[attr-defined]
    wait_for("the inventory rows", lambda: "pkg/alpha.py" in _rows(driver), server.log)
    assert _rows(driver) == ["pkg/", "pkg/alpha.py"]
    wait_for("the livereload websocket", lambda: _websocket_open(driver), server.log)

    # 1. a new module in the scanned tree: the page reloads by itself and shows its row
    _mark(driver)
    project.write("pkg/beta.py", '"""Beta."""\n\n\ndef gamma():\n    return 3\n')
    wait_for(
        "a reload showing pkg/beta.py",
        lambda: _reloaded(driver) and "pkg/beta.py" in _rows(driver),
        server.log,
    )
    assert _rows(driver) == ["pkg/", "pkg/alpha.py", "pkg/beta.py"]
    _screenshot(driver, "serve-added-module.png")
    # The output (docs/_build/html, inside the watched root) was written: no rebuild follows.
    _quiet(server, seconds=6)
    builds = server.count("Rebuilding")
    assert builds >= 1

    # 2. lines inserted above the cited one: the citation drifted, the server says so
    wait_for("the livereload websocket", lambda: _websocket_open(driver), server.log)
    project.write("pkg/alpha.py", '"""Alpha."""\nimport os\nimport sys\n' + ALPHA.split("\n", 1)[1])
    wait_for("the ptyplan.drift warning", lambda: "ptyplan.drift" in server.log(), server.log)
    drift = {line for line in server.log().splitlines() if "[ptyplan.drift]" in line}
    assert len(drift) == 1, drift  # one finding, however many builds reported it
    (line,) = drift
    assert "plan.md:6" in line and "`pkg/alpha.py:8`: moved: now `pkg/alpha.py:10`" in line
    _quiet(server, seconds=3)
    reported = server.count("[ptyplan.drift]")
    wait_for("the livereload websocket", lambda: _websocket_open(driver), server.log)

    # 3. the module deleted: the page reloads without its row
    _mark(driver)
    project.remove("pkg/beta.py")
    wait_for(
        "a reload without pkg/beta.py",
        lambda: _reloaded(driver) and _rows(driver) == ["pkg/", "pkg/alpha.py"],
        server.log,
    )
    _screenshot(driver, "serve-removed-module.png")
    # Every build reports every finding: the drift is reported again by this rebuild.
    wait_for(
        "the drift reported again",
        lambda: server.count("[ptyplan.drift]") > reported,
        server.log,
    )
    _quiet(server, seconds=3)
    assert server.proc.poll() is None, "the server stopped"
