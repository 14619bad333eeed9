"""The files of the built website: nothing unpublished, nothing remote, buttons present.

These read _build/html directly (no browser); `make book` builds it.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browser_site import ROOT, SITE, site_pages
from mlcourse.sphinxext.offline import MATHJAX_FILES, MATHJAX_ON_DEMAND

# Attributes through which a page makes the browser fetch something by itself.
LOADING_ATTRIBUTES = {
    "script": ["src"], "img": ["src", "srcset"], "iframe": ["src"], "source": ["src", "srcset"],
    "video": ["src", "poster"], "audio": ["src"], "embed": ["src"], "object": ["data"],
    "input": ["src"],
}
LOADING_LINK_RELS = {"stylesheet", "preload", "prefetch", "modulepreload", "icon", "manifest"}


class LoadedUrls(HTMLParser):
    """Collect the URLs an HTML page loads on its own (not the links a reader may click)."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        names = LOADING_ATTRIBUTES.get(tag, [])
        if tag == "link" and LOADING_LINK_RELS & set((attrs.get("rel") or "").split()):
            names = ["href"]
        for name in names:
            for value in (attrs.get(name) or "").split(","):
                if value.strip():
                    self.urls.append(value.strip().split()[0])


def is_remote(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme in {"http", "https"}


def page_text(path: str) -> str:
    return (SITE / path).read_text(encoding="utf-8")


def test_no_page_loads_anything_from_another_host(site, page_path):
    parser = LoadedUrls()
    parser.feed(page_text(page_path))
    remote = [url for url in parser.urls if is_remote(url)]
    assert remote == [], f"{page_path} loads from the network: {remote}"


def test_no_stylesheet_imports_from_another_host(site):
    offenders = [
        str(css.relative_to(SITE))
        for css in SITE.rglob("*.css")
        if any(marker in css.read_text(encoding="utf-8", errors="replace")
               for marker in ("url(http", "url('http", 'url("http', "@import url(http", '@import "http'))
    ]
    assert offenders == []


def test_solutions_are_never_published(site):
    published = [p for p in SITE.rglob("*") if "solutions" in p.relative_to(SITE).parts]
    assert published == [], f"solutions/ is in the site: {published[:5]}"


NOTEBOOK_FOLDERS = ("chapters", "exercises")


def notebook_files() -> list[Path]:
    """The site's files made from notebooks: their pages and their downloadable sources."""
    return [p for folder in NOTEBOOK_FOLDERS for base in (SITE, SITE / "_sources")
            for p in (base / folder).rglob("*") if p.is_file()]


def test_no_solution_or_hidden_test_region_is_published(site):
    # The guides may explain nbgrader's markers; no page made from a notebook may hold one.
    leaked = [str(p.relative_to(SITE)) for p in notebook_files()
              if any(marker in p.read_text(encoding="utf-8", errors="replace")
                     for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS"))]
    assert leaked == [], f"solution or hidden-test regions published in: {leaked}"


def solution_lines(notebook: Path) -> set[str]:
    """Distinctive lines of a source notebook's solution and hidden-test regions."""
    lines, inside = set(), False
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        for line in source.splitlines():
            if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
                inside = False
            elif inside and len(line.strip()) >= 30:
                lines.add(line.strip())
    return lines


def visible_text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


@pytest.mark.parametrize("source", sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("solutions/*/*.ipynb")))
def test_exercise_pages_show_no_solution_code(site, source):
    """No line of a solution or hidden test appears on the site's exercise pages."""
    release = ROOT / "exercises" / Path(source).relative_to("solutions")
    handed_out = "\n".join(
        "".join(cell["source"]) for cell in json.loads(release.read_text(encoding="utf-8"))["cells"]
    ) if release.is_file() else ""
    # A line the task text itself gives the student (`order = rng.permutation(...)`) is no secret.
    secret = {line for line in solution_lines(ROOT / source) if line not in handed_out}
    assert secret, f"{source} has no solution region to look for"
    pages = [p for p in (SITE / "exercises").rglob("*.html")] + [
        p for p in (SITE / "_sources" / "exercises").rglob("*") if p.is_file()]
    assert pages, "no exercise page in the site"
    for page in pages:
        text = visible_text(page) if page.suffix == ".html" else page.read_text(encoding="utf-8")
        shown = [line for line in secret if line in text]
        assert shown == [], f"{page.relative_to(SITE)} shows solution lines of {source}: {shown[:3]}"


def test_mathjax_is_served_from_the_site_and_only_what_it_needs(site):
    mathjax = SITE / "_static" / "mathjax"
    assert (mathjax / "startup.js").is_file()
    files = [p.relative_to(mathjax).as_posix() for p in mathjax.rglob("*") if p.is_file()]
    extra = [
        f for f in files
        if f not in MATHJAX_FILES and not any(f.startswith(folder + "/") for folder, _ in MATHJAX_ON_DEMAND)
    ]
    assert extra == [], f"MathJax files the site does not use: {extra[:10]}"
    assert not any(f.startswith(("sre/", "ui/")) for f in files), "no speech engine, no menu"


def test_pages_do_not_load_the_fontawesome_script(site):
    """The theme's 1.5 MB icon script is dropped (its webfont draws the icons)."""
    offenders = [p for p in site_pages() if "scripts/fontawesome.js" in page_text(p)]
    assert offenders == []


def exercise_pages() -> list[str]:
    return [p for p in site_pages() if p.startswith("exercises/")]


def test_chapter_pages_offer_download_and_launch(site, chapter_path):
    """A reader can take any chapter away as a notebook, or open it on a hub or Binder."""
    chapter = chapter_path
    assert (SITE / chapter).is_file(), f"no chapter page in the site ({chapter})"
    html = page_text(chapter)
    notebook = "_sources/" + chapter.removesuffix(".html") + ".ipynb"
    assert notebook in html and (SITE / notebook).is_file(), f"{chapter}: no .ipynb download"
    assert "hub/user-redirect/git-pull" in html, f"{chapter}: no JupyterHub launch button"
    assert "/v2/gh/" in html, f"{chapter}: no Binder launch button"


@pytest.mark.parametrize("exercise", exercise_pages())
def test_exercise_pages_are_shown_unexecuted(site, exercise):
    """Released exercises appear as the student gets them: no outputs, stubs intact."""
    html = page_text(exercise)
    assert "cell_output" not in html, f"{exercise} shows outputs"
    assert "NotImplementedError" in html


def test_widgets_use_their_static_view_on_the_site(site):
    """The website shows the text/html variant of mlcourse widgets, with no ipywidgets loader."""
    for path in site_pages():
        html = page_text(path)
        assert "application/vnd.jupyter.widget-state+json" not in html, path
        assert "application/vnd.jupyter.widget-view+json" not in html, path
        assert "embed-amd.js" not in html and "require.min.js" not in html, path


def test_the_site_uses_the_book_title(site):
    assert "How deep networks are trained" in page_text("index.html")
