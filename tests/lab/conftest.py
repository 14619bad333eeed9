"""Fixtures of the JupyterLab tests: `make lab` for each role, and Chromium to drive it.

Every test module here is marked ``lab`` (select them with ``pytest -m lab``, leave them
out with ``-m "not lab"``) and put in the xdist group "lab", so that under ``make test``
(``--dist loadgroup``) one worker runs them all and each server starts once.
"""

from __future__ import annotations

import os

import pytest

from lab_harness import CHROMIUM, CHROMIUM_ARGS, ROOT, UI_TIMEOUT_MS, close_all, start_lab, stop_lab


def pytest_configure(config):
    config.addinivalue_line("markers", "lab: drives `make lab`'s JupyterLab in Chromium (tests/lab/)")


def _checkpoints() -> set[tuple[str, int]]:
    """The files in the course's .ipynb_checkpoints folders (not in .venv, .git or
    _build), with their modification times."""
    found = set()
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in (".venv", ".git", "_build", "node_modules")]
        if os.path.basename(folder) == ".ipynb_checkpoints":
            for name in files:
                path = os.path.join(folder, name)
                found.add((os.path.relpath(path, ROOT), os.stat(path).st_mtime_ns))
    return found


def _lab(role, tmp_path_factory):
    created = [p for p in (ROOT / "gradebook.db", ROOT / ".exchange") if not p.exists()]
    checkpoints = _checkpoints()
    home = tmp_path_factory.mktemp(f"lab-{role}")
    lab = start_lab(role, home)
    try:
        yield lab
    finally:
        stop_lab(lab)
        # Formgrader creates the course's gradebook; `make lab ROLE=instructor` the local
        # exchange. Both are git-ignored; remove what this test run created (if still empty).
        for path in created:
            try:
                path.unlink() if path.is_file() else path.rmdir()
            except OSError:
                pass
        # The tests save notebooks: their checkpoints stay in the lab's temporary home
        # (other tests compare the course's folders with what they expect).
        assert _checkpoints() <= checkpoints, sorted(_checkpoints() - checkpoints)


@pytest.fixture(scope="session")
def student_lab(tmp_path_factory):
    """`make lab` (the default role, student), running for the whole session."""
    yield from _lab("student", tmp_path_factory)


@pytest.fixture(scope="session")
def instructor_lab(tmp_path_factory):
    """`make lab ROLE=instructor`, running for the whole session."""
    yield from _lab("instructor", tmp_path_factory)


@pytest.fixture(scope="session")
def chromium(playwright_session):
    """Chromium, from the Playwright the website's browser tests share (tests/conftest.py)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium` "
            "(never `playwright install`)."
        )
    browser = playwright_session.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=UI_TIMEOUT_MS
    )
    yield browser
    browser.close()


def _page(chromium, lab):
    """One JupyterLab page for the whole session (loading JupyterLab is the slow part)."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(lab.page_url(), wait_until="load")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started", timeout=UI_TIMEOUT_MS)
    page.evaluate("() => window.jupyterapp.started")
    yield page
    context.close()


@pytest.fixture(scope="session")
def _student_page(chromium, student_lab):
    yield from _page(chromium, student_lab)


@pytest.fixture(scope="session")
def _instructor_page(chromium, instructor_lab):
    yield from _page(chromium, instructor_lab)


@pytest.fixture
def student(_student_page, student_lab):
    """JupyterLab as a student has it; each test leaves it with no tab open, no kernel."""
    _student_page.errors.clear()
    yield _student_page
    close_all(_student_page, student_lab)


@pytest.fixture
def instructor(_instructor_page, instructor_lab):
    """JupyterLab as an instructor has it (`make lab ROLE=instructor`)."""
    _instructor_page.errors.clear()
    yield _instructor_page
    close_all(_instructor_page, instructor_lab)
