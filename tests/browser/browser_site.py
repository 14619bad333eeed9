"""Where the built website is, and which pages it has (shared by the browser tests)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Pages Sphinx writes that are not course content (and have no next/prev links).
GENERATED_PAGES = {"genindex.html", "search.html", "py-modindex.html"}


def site_pages() -> list[str]:
    """Every HTML page of the built site, as paths relative to its root."""
    if not (SITE / "index.html").is_file():
        return []
    return sorted(
        path.relative_to(SITE).as_posix()
        for path in SITE.rglob("*.html")
        if not path.relative_to(SITE).parts[0].startswith("_")
    )


def screenshot_path(page_path: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / (page_path.replace("/", "__").removesuffix(".html") + ".png")
