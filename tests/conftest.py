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


# Fixtures that grade a whole batch with `mlcourse grade` (or build a course or an
# edition): a minute or two each. Under `make test` (pytest -n auto --dist loadgroup) the
# tests that use one share an xdist group, so that a single worker computes it, once
# (session scope: it also survives the other modules' tests that worker runs in between).
# Without the group, each worker that draws one of its tests grades the batch again.
BATCH_FIXTURES = ("graded", "ex01", "ex02", "course", "edition")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        used = [name for name in BATCH_FIXTURES if name in getattr(item, "fixturenames", ())]
        if used and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(f"{item.module.__name__}.{used[0]}"))
