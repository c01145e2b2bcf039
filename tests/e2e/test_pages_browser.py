"""End to end: a plan page with all three directives in headless Chromium, per theme.

At 1280 px the page never scrolls sideways (wide tables scroll in their own box), the
summary line sits above its table, long paths wrap, and a stale citation in running text
carries a badge whose tooltip is the finding. Each directive's output is screenshotted under
the test's tmp folder (the path is printed).

Themes: alabaster (Sphinx's default) always; furo, pydata-sphinx-theme and sphinx-rtd-theme
from the ``test`` extra. Needs Debian's ``chromium`` and ``chromium-driver``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitutil import Repo
from tests.sphinx.util import build

pytestmark = pytest.mark.browser

WIDTH = 1280
THEMES = ("alabaster", "furo", "pydata_sphinx_theme", "sphinx_rtd_theme")

_LONG = "reconstruction_of_the_illuminated_object_with_physics_informed_networks"


def _module(n: int) -> str:
    funcs = "".join(
        f"\n\ndef compute_the_{n}_{k}_intermediate_probe_and_object_update(x, y, z=None):\n"
        "    return x\n"
        for k in range(8)
    )
    return f'"""{n}: a docstring that goes on for a while so the column has text to wrap."""{funcs}'


def _project(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "proj")
    repo.write(".gitignore", "docs/_build/\n")
    repo.git("remote", "add", "origin", "git@github.com:org/proj.git")
    repo.write("pkg/__init__.py", "")
    repo.write(f"pkg/{_LONG}/__init__.py", "")
    for n in range(3):
        repo.write(f"pkg/{_LONG}/stage_{n}_of_the_pipeline_with_a_long_name.py", _module(n))
    repo.write(
        "pkg/config.py",
        (
            "from dataclasses import dataclass\n\n\n@dataclass\nclass ModelConfig:\n"
            "    N: int = 64\n    gridsize: int = 1\n"
        ),
    )
    repo.write("plans/plan.md", f"# Plan\n\n## Phase A\n\n- `pkg/{_LONG}/`\n- `pkg/old_stage.py`\n")
    repo.write("pkg/old_stage.py", _module(9))
    repo.commit("first")
    repo.git("tag", "base")
    repo.remove("pkg/old_stage.py")
    repo.write(f"pkg/{_LONG}/stage_3_of_the_pipeline_with_a_long_name.py", _module(3))
    repo.commit("a new stage")
    repo.write(
        "specs/spec.md",
        (
            "# Spec\n\n- `pkg.config.ModelConfig` fields:\n  - `N` (int)\n"
            "  - `probe_scale` (float)\n\n"
            f"Stages: `pkg/{_LONG}/stage_0_of_the_pipeline_with_a_long_name.py:3`, "
            f"`pkg/{_LONG}/stage_9_of_the_pipeline_with_a_long_name.py`.\n"
        ),
    )
    repo.write(
        "docs/conf.py",
        (
            'extensions = ["myst_parser", "sphinx_ptyplan"]\nptyplan_root = ".."\n'
            'exclude_patterns = ["_build"]\n'
        ),
    )
    repo.write(
        "docs/index.md",
        (
            "# Plan page\n\n## Inventory\n\n```{ptyplan-inventory} pkg\n:since: base\n```\n\n"
            "## Delta\n\n```{ptyplan-delta}\n:tree: pkg\n:plan: plans/plan.md\n:base: base\n```\n\n"
            "## Spec hits\n\n```{ptyplan-spec-hits} specs/spec.md\n:tree: pkg\n```\n\n"
            "## Notes\n\nThe old stage `pkg/old_stage.py:2` is gone; "
            "`pkg/config.py:5` is right.\n"
        ),
    )
    repo.commit("spec and docs")
    return repo


@pytest.fixture(scope="module")
def driver() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    assert chromium and driver_path, "install Debian's chromium and chromium-driver (.ci/run)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--no-first-run",
        "--hide-scrollbars",
    ):
        options.add_argument(flag)
    drv = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()


def _fit_width(drv: object, width: int) -> None:
    """Size the window so the page's viewport (not the window) is ``width`` pixels wide."""
    drv.set_window_size(width, 1000)  # type: ignore[attr-defined]
    inner = drv.execute_script("return window.innerWidth")  # type: ignore[attr-defined]
    drv.set_window_size(width + (width - int(inner)), 1000)  # type: ignore[attr-defined]


GEOMETRY = """
const doc = document.documentElement;
const out = {page: doc.scrollWidth, viewport: doc.clientWidth, boxes: [], badges: []};
for (const box of document.querySelectorAll('div.ptyplan')) {
  const r = box.getBoundingClientRect();
  const scroll = box.querySelector('.ptyplan-scroll');
  const summary = box.querySelector('.ptyplan-summary');
  const table = box.querySelector('table');
  out.boxes.push({
    classes: box.className, right: r.right,
    scrollRight: scroll ? scroll.getBoundingClientRect().right : null,
    summaryAbove: summary && table ?
      summary.getBoundingClientRect().bottom <= table.getBoundingClientRect().top : null,
  });
}
for (const b of document.querySelectorAll('abbr.ptyplan-badge')) {
  out.badges.push({label: b.textContent, title: b.title});
}
return out;
"""


@pytest.mark.parametrize("theme", THEMES)
def test_plan_page_fits_and_shows_its_problems(theme: str, tmp_path: Path, driver: object) -> None:
    __import__(theme)  # the themes come with the test extra: a missing one fails
    repo = _project(tmp_path)
    app, warnings = build(
        repo.path / "docs", confoverrides={"html_theme": theme}, outdir=tmp_path / "html"
    )
    page = Path(app.outdir) / "index.html"
    assert page.is_file(), warnings
    _fit_width(driver, WIDTH)
    driver.get(page.as_uri())  # type: ignore[attr-defined]
    geo = driver.execute_script(GEOMETRY)  # type: ignore[attr-defined]
    assert geo["viewport"] == WIDTH or geo["viewport"] <= WIDTH, geo
    # 1. the page never scrolls sideways: wide tables scroll in their own box
    assert geo["page"] <= geo["viewport"], (theme, geo)
    assert len(geo["boxes"]) >= 5, geo  # inventory, coverage, stale refs, delta, spec tables
    for box in geo["boxes"]:
        assert box["right"] <= geo["viewport"], (theme, box)
        if box["scrollRight"] is not None:
            assert box["scrollRight"] <= geo["viewport"], (theme, box)
        assert box["summaryAbove"] in (True, None), (theme, box)
    # 2. the stale citation in running text is marked, its tooltip says what and what to do
    stale = [b for b in geo["badges"] if "pkg/old_stage.py" in b["title"]]
    assert stale and stale[0]["label"] == "stale", geo["badges"]
    assert "update or remove the reference" in stale[0]["title"]
    assert not any("pkg/config.py:5" in b["title"] for b in geo["badges"])
    # 3. a screenshot of each directive's output (and of the page)
    from selenium.webdriver.common.by import By

    shots = tmp_path / "screenshots"
    shots.mkdir()
    boxes = driver.find_elements(By.CSS_SELECTOR, "div.ptyplan")  # type: ignore[attr-defined]
    for i, element in enumerate(boxes):
        driver.execute_script("arguments[0].scrollIntoView()", element)  # type: ignore[attr-defined]
        name = element.get_attribute("class").split()[1]
        # the viewport with the output at its top (an element screenshot beyond the
        # viewport can take the software renderer longer than its 10 s on a busy machine)
        assert driver.save_screenshot(str(shots / f"{theme}-{i}-{name}.png"))  # type: ignore[attr-defined]
    driver.execute_script("window.scrollTo(0, 0)")  # type: ignore[attr-defined]
    assert driver.save_screenshot(str(shots / f"{theme}-page.png"))  # type: ignore[attr-defined]
    print(f"screenshots: {shots}")
