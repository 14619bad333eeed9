"""Fixtures for the tests of the built website (``make book`` builds it).

The site is served from ``_build/html`` on 127.0.0.1 by a thread of the test
process, and read with Debian's Chromium through Playwright. Every request to any
other host is aborted and recorded, so a test can assert that none was made.
"""

from __future__ import annotations

import functools
import http.server
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browser_site import CHROMIUM, CHROMIUM_ARGS, SITE, site_pages


def pytest_generate_tests(metafunc):
    # One test per page. Without a built site there is one parameter, and the
    # `site` fixture fails it with instructions.
    if "page_path" in metafunc.fixturenames:
        pages = site_pages() or ["<site not built>"]
        metafunc.parametrize("page_path", pages)
    if "chapter_path" in metafunc.fixturenames:
        chapters = [p for p in site_pages() if p.startswith("chapters/")] or ["<no chapter built>"]
        metafunc.parametrize("chapter_path", chapters)


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"the website is not built: run `make book` (expected {SITE}/index.html)")
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="session")
def server(site):
    """Base URL of the site, served by a local HTTP server thread."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser(playwright_session):
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need Debian's "
            "Chromium. Install it with `apt-get install -y chromium` "
            "(never `playwright install`)."
        )
    browser = playwright_session.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@dataclass
class PageLog:
    """What a page did while it loaded: requests blocked, errors, failed loads."""

    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser, server):
    """Open a page of the site with the network cut off; return (page, log)."""
    contexts = []
    local_host = urlsplit(server).netloc

    def open_(path: str, *, width: int = 1280, height: int = 900, init_script: str | None = None):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        if init_script is not None:
            context.add_init_script(init_script)
        log = PageLog()

        def route(route):
            if urlsplit(route.request.url).netloc == local_host:
                route.continue_()
            else:
                log.blocked.append(route.request.url)
                route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on(
            "console",
            lambda message: message.type == "error" and log.console_errors.append(message.text),
        )
        page.on("pageerror", lambda error: log.console_errors.append(f"uncaught: {error}"))
        page.on(
            "response",
            lambda response: response.status >= 400
            and log.failed.append(f"{response.status} {response.url}"),
        )
        page.goto(server + path, wait_until="load")
        return page, log

    yield open_
    for context in contexts:
        context.close()
