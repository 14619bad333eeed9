"""Fixtures shared by the browser tests of the website (tests/browser/) and of
`make lab` (tests/lab/)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def playwright_session():
    """One Playwright per test process. Its sync API refuses to start a second instance
    while one is running in the same thread ("using Playwright Sync API inside the
    asyncio loop"), and under `make test` one xdist worker may run both the website's
    and JupyterLab's browser tests: each launches its own Chromium from this one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright
