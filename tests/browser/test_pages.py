"""Every page of the built website, opened in Chromium with the network cut off.

Run `make book` first (`make test` does). Screenshots of every page are saved in
test-artifacts/screenshots/ for a human to look at.
"""

from __future__ import annotations

import json
import re

import pytest

from browser_site import GENERATED_PAGES, screenshot_path, site_pages

# TeX that MathJax should have replaced: delimiters, or a command such as \theta.
RAW_TEX = re.compile(r"\$\$|\\\(|\\\)|\\\[|\\\]|\\[a-zA-Z]{2,}")

# The visible text of the article, without code (where TeX may legitimately appear).
VISIBLE_PROSE_JS = """() => {
    const article = document.querySelector('article.bd-article') || document.body;
    const copy = article.cloneNode(true);
    copy.querySelectorAll('pre, code, script, style, mjx-container, .math').forEach(e => e.remove());
    document.body.appendChild(copy);
    const text = copy.innerText;
    copy.remove();
    return text;
}"""

MATH_STATUS_JS = """async () => {
    const elements = [...document.querySelectorAll('article .math')];
    if (elements.length === 0) return {total: 0, typeset: 0, errors: 0};
    await window.MathJax.startup.promise;
    return {
        total: elements.length,
        typeset: elements.filter(e => e.querySelector('mjx-container')).length,
        errors: document.querySelectorAll('mjx-merror').length,
    };
}"""


def test_page_loads_offline_without_errors(open_page, page_path):
    """The page loads, asks nothing of another host, and logs no error."""
    page, log = open_page(page_path)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=screenshot_path(page_path), full_page=True)
    assert log.blocked == [], f"{page_path} tried to reach the network: {log.blocked}"
    assert log.failed == [], f"{page_path} requested missing files: {log.failed}"
    assert log.console_errors == [], f"{page_path} logged errors: {log.console_errors}"


def test_math_is_typeset(open_page, page_path):
    """Every formula is rendered by MathJax; no raw TeX is left in the prose."""
    page, log = open_page(page_path)
    if page.locator("article .math").count():
        page.wait_for_function("() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise")
    status = page.evaluate(MATH_STATUS_JS)
    assert status["typeset"] == status["total"], f"{page_path}: formulas left untypeset: {status}"
    assert status["errors"] == 0, f"{page_path}: MathJax reported TeX errors: {status}"
    leftovers = RAW_TEX.findall(page.evaluate(VISIBLE_PROSE_JS))
    assert leftovers == [], f"{page_path}: raw TeX visible in the text: {leftovers[:10]}"


def test_next_and_previous_links_walk_the_whole_book(open_page, site):
    """From the landing page, `next` visits every content page once; `previous` walks back."""
    content_pages = [p for p in site_pages() if p not in GENERATED_PAGES]
    page, _ = open_page("index.html")
    visited = [page.url]
    while page.locator("a.right-next").count():
        page.locator("a.right-next").first.click()
        page.wait_for_load_state("load")
        assert page.url not in visited, f"the next links loop back to {page.url}"
        visited.append(page.url)
    assert len(visited) == len(content_pages), (
        f"next links reach {len(visited)} pages, the site has {len(content_pages)}: {visited}"
    )
    back = [page.url]
    while page.locator("a.left-prev").count():
        page.locator("a.left-prev").first.click()
        page.wait_for_load_state("load")
        back.append(page.url)
    assert back == visited[::-1]


@pytest.mark.parametrize("query, expected_page", [
    ("gradient", "index.html"),
    ("nbgitpuller", "guide/how-to-use.html"),
])
def test_search_finds_pages(open_page, site, query, expected_page):
    """Typing a word into the search page lists the pages that contain it."""
    page, log = open_page("search.html")
    box = page.locator("form.bd-search input[name=q]:visible").first
    box.fill(query)
    box.press("Enter")
    # Sphinx lists results one by one, then writes "Search finished, found N page(s)".
    page.locator("#search-results .search-summary", has_text="found").wait_for(timeout=15_000)
    results = page.locator("#search-results ul.search li")
    links = [results.nth(i).locator("a").first.get_attribute("href") for i in range(results.count())]
    assert any(expected_page in (href or "") for href in links), f"{query!r} found {links}"
    assert log.blocked == [] and log.console_errors == []


# Total bytes of the page and of everything it loaded (same-origin, so sizes are exposed).
PAGE_WEIGHT_JS = """() => {
    const entries = [...performance.getEntriesByType('navigation'),
                     ...performance.getEntriesByType('resource')];
    return entries.reduce((total, e) => total + (e.decodedBodySize || 0), 0);
}"""
CHAPTER_BUDGET_BYTES = 3_000_000


def test_chapter_pages_weigh_at_most_3_mb(open_page, site, chapter_path):
    """A chapter page and all it loads (scripts, styles, fonts, figures) fit in 3 MB."""
    assert (site / chapter_path).is_file(), "no chapter page in the built site"
    page, _ = open_page(chapter_path)
    page.wait_for_load_state("networkidle")
    weight = page.evaluate(PAGE_WEIGHT_JS)
    assert weight <= CHAPTER_BUDGET_BYTES, f"{chapter_path} weighs {weight / 1e6:.2f} MB"


def expected_polylines(data: dict, key: str) -> list[list[list[float]]]:
    """The polylines of frame `key`, decoded from the widget's JSON as static.js should draw them.

    Points are delta-encoded tenths of a pixel: [x0, y0, dx1, dy1, ...].
    """
    _, lines = data["frames"][key]
    polylines = []
    for _axes, _style, _label, path in lines:
        for encoded in data["paths"][path]:
            x = y = 0
            points = []
            for dx, dy in zip(encoded[0::2], encoded[1::2]):
                x, y = x + dx, y + dy
                points.append([x / 10, y / 10])
            polylines.append(points)
    return polylines


DRAWN_JS = """root => [...root.querySelectorAll('g.mlcourse-widget-lines polyline')].map(
    p => p.getAttribute('points').trim().split(/\\s+/).filter(s => s).map(xy => xy.split(',').map(Number)))"""


def assert_shows_frame(widget, data: dict, key: str, where: str):
    assert widget.get_attribute("data-frame-key") == key, where
    drawn = widget.evaluate(DRAWN_JS)
    expected = expected_polylines(data, key)
    assert len(drawn) == len(expected), f"{where}: {len(drawn)} polylines drawn, frame has {len(expected)}"
    for got, want in zip(drawn, expected):
        assert len(got) == len(want) and all(
            abs(g[0] - w[0]) < 1e-6 and abs(g[1] - w[1]) < 1e-6 for g, w in zip(got, want)
        ), f"{where}: a polyline differs from the frame's data"
    background = data["backgrounds"][data["frames"][key][0]]
    assert widget.locator("img.mlcourse-widget-background").get_attribute("src") == background, where


def test_widget_sliders_show_the_frame_of_their_value(open_page, page_path):
    """Moving any slider of any mlcourse widget draws the precomputed frame for the new value."""
    page, log = open_page(page_path)
    widgets = page.locator("div.mlcourse-widget")
    if widgets.count() == 0:
        pytest.skip("no mlcourse widget on this page")
    for w in range(widgets.count()):
        widget = widgets.nth(w)
        page.wait_for_function("root => root.getAttribute('data-ready') === 'true'", arg=widget.element_handle())
        data = json.loads(widget.locator("script.mlcourse-widget-data").text_content())
        sliders = widget.locator("input[type=range]")
        default = [sliders.nth(i).input_value() for i in range(sliders.count())]
        assert_shows_frame(widget, data, ",".join(default), f"{page_path} widget {w} at load")
        for i in range(sliders.count()):
            slider = sliders.nth(i)
            labels = json.loads(slider.get_attribute("data-labels"))
            for value in range(len(labels)):
                slider.fill(str(value))
                key = default.copy()
                key[i] = str(value)
                where = f"{page_path} widget {w} slider {slider.get_attribute('data-name')}={labels[value]}"
                assert_shows_frame(widget, data, ",".join(key), where)
                shown = slider.locator("xpath=..").locator("output").text_content()
                assert shown == labels[value], where
            slider.fill(default[i])
    assert log.console_errors == [], log.console_errors
