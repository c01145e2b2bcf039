"""End to end: the live preview of the shipped example, as docs/live.md tells a reader.

The docs' conf.py replays the example history (docs/example_repo.py) into
``_build/example-repo`` on every build; ``ptyplan serve`` watches that repository and the
example's snapshot folders (``ptyplan_watch``). A module written into the replayed
repository reloads the page with its row, and the next build leaves the edit in place.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import test_serve_browser
from tests.e2e.test_serve_browser import (
    Server,
    _free_port,
    _http_ok,
    _mark,
    _reloaded,
    _rows,
    _websocket_open,
    wait_for,
)

pytestmark = pytest.mark.browser
browser = test_serve_browser.browser  # the headless Chromium fixture

REPO_ROOT = Path(__file__).resolve().parents[2]

CONF = f"""\
import sys
from pathlib import Path

HERE = Path(__file__).parent.resolve()
sys.path.insert(0, {str(REPO_ROOT / "docs")!r})
from example_repo import build_example_repo

extensions = ["myst_parser", "sphinx_ptyplan"]
exclude_patterns = ["_build"]
ptyplan_root = str(build_example_repo(HERE / "_build" / "example-repo"))
ptyplan_watch = [{str(REPO_ROOT / "examples" / "ptychopinn")!r}]
"""
PAGE = "# Example\n\n```{ptyplan-inventory} ptycho_torch\n:maxdepth: 1\n```\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    docs = tmp_path / "project" / "docs"
    docs.mkdir(parents=True)
    (docs / "conf.py").write_text(CONF, encoding="utf-8")
    (docs / "index.md").write_text(PAGE, encoding="utf-8")
    return docs.parent


@pytest.fixture
def server(project: Path, tmp_path: Path) -> Iterator[Server]:
    srv = Server(project, _free_port(), tmp_path / "serve.log")
    try:
        wait_for(
            "the first build to be served",
            lambda: srv.proc.poll() is None
            and "Serving on" in srv.log()
            and _http_ok(srv.url + "/index.html"),
            srv.log,
        )
        yield srv
    finally:
        srv.stop()


def test_an_edit_of_the_replayed_example_shows_and_survives(
    project: Path, server: Server, browser: object, tmp_path: Path
) -> None:
    driver = browser
    example = project / "docs" / "_build" / "example-repo"
    log = server.log()
    assert str(REPO_ROOT / "examples" / "ptychopinn") in log  # ptyplan_watch is watched
    driver.get(server.url + "/index.html")  # type: ignore[attr-defined]
    wait_for("the inventory rows", lambda: "ptycho_torch/model.py" in _rows(driver), server.log)
    assert "ptycho_torch/live_edit.py" not in _rows(driver)
    wait_for("the livereload websocket", lambda: _websocket_open(driver), server.log)
    _mark(driver)
    module = example / "ptycho_torch" / "live_edit.py"
    module.write_text('"""Written while the preview runs."""\n\n\ndef live():\n    return 1\n')
    wait_for(
        "a reload showing the new module",
        lambda: _reloaded(driver) and "ptycho_torch/live_edit.py" in _rows(driver),
        server.log,
    )
    assert driver.save_screenshot(str(tmp_path / "example-live-edit.png"))  # type: ignore[attr-defined]
    print(f"screenshot: {tmp_path / 'example-live-edit.png'}")
    # the rebuild ran conf.py, which replays the example only when its history changed
    assert module.is_file(), "the replay wiped the edit"
    assert "live()" in driver.page_source  # type: ignore[attr-defined]
