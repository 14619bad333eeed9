"""Every page of the built website, opened in Chromium with the network cut off.

Run `make book` first (`make test` does). Screenshots of every page are saved in
test-artifacts/screenshots/ for a human to look at.
"""

from __future__ import annotations

import re

import pytest

from conftest import GENERATED_PAGES, screenshot_path, site_pages

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
    results = page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=15_000)
    links = [results.nth(i).locator("a").first.get_attribute("href") for i in range(results.count())]
    assert any(expected_page in (href or "") for href in links), f"{query!r} found {links}"
    assert log.blocked == [] and log.console_errors == []
