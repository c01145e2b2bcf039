"""Shared fixtures: sphinx.testing for real builds, tmp git repositories for history."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["sphinx.testing.fixtures"]

collect_ignore = ["roots", "corpus"]


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return Path(__file__).parent / "roots"
