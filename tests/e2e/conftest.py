"""The headless Chromium both browser tests drive (Debian's ``chromium`` and
``chromium-driver`` with the ``selenium`` package; ``.ci/run`` installs them). A missing
browser fails the test, never skips it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

PAGE_LOAD_TIMEOUT = 60  # seconds

_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--no-first-run",
    "--hide-scrollbars",
    "--window-size=1200,900",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium per test module (a test that needs another window size sets it)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    assert chromium and driver_path, "install Debian's chromium and chromium-driver (.ci/run)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in _FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(PAGE_LOAD_TIMEOUT)
    try:
        yield driver
    finally:
        driver.quit()
