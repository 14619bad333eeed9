"""Sphinx extension: a course website that needs no network.

The book must read the same on a laptop in a train as on a server: every page
loads only files from the site itself. Four things would otherwise reach out:

* MathJax, which Sphinx loads from a CDN. We serve it from ``_static/mathjax``,
  copied from the ``django-static-mathjax`` package, and load it as separate
  components: the small ``startup.js`` loader, then TeX input, CommonHTML output
  and the assistive MathML that screen readers read. That is the combined
  ``tex-chtml.js`` bundle without its 430 kB context menu (zoom, "show TeX"),
  which would be a third of every page's weight. TeX extensions for rarer macros
  (``\\boldsymbol``, ``\\cancel``, ...) and the fonts are fetched from the site on
  demand; the rest of the package (speech-rule engine, SVG output, the other
  bundles) is left out.
* myst-nb's ipywidgets loader (require.js and the html-manager from a CDN).
  ``_config.yml`` switches it off with ``nb_ipywidgets_js: {}``; here we also
  drop the widget-state JSON it embeds, which nothing on the site reads (the
  website shows the static ``text/html`` variant of ``mlcourse.widgets``).
* sphinx-thebe, which Jupyter Book always loads: its script and stylesheet
  are dropped from every page when the book's ``launch_buttons.thebe`` is off,
  so no page even names the CDN it would load thebe from.
* anything else a theme or extension might add later: every script and
  stylesheet of every page is checked, and a remote one is a build warning,
  which ``make book`` (``-W``) turns into an error.

Enable it with ``sphinx: extra_extensions: [mlcourse.sphinxext.offline]``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

# Where the static files live relative to the output's _static directory.
MATHJAX_STATIC_DIR = "mathjax"
MATHJAX_ENTRY = "startup.js"
# The components every page with math loads, and the files they and the entry are in.
MATHJAX_COMPONENTS = ["input/tex", "output/chtml", "a11y/assistive-mml"]
MATHJAX_FILES = ["startup.js", "core.js", "input/tex.js", "output/chtml.js",
                 "output/chtml/fonts/tex.js", "a11y/assistive-mml.js"]
# Loaded on demand, relative to the entry script ([tex]/..., [mathjax]/output/...).
MATHJAX_ON_DEMAND = [("input/tex/extensions", "**/*.js"), ("output/chtml/fonts/woff-v2", "*.woff")]
# pydata-sphinx-theme loads Font Awesome twice: as a webfont through its stylesheet
# (which draws every icon of the theme) and as a 1.5 MB script that exists only so
# that a book can add custom SVG icons. This book adds none, so the script goes.
FONTAWESOME_SCRIPT = re.compile(r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?')
WIDGET_STATE_TYPE = "application/vnd.jupyter.widget-state+json"


def mathjax_source_dir() -> Path:
    """Return the ES5 build of MathJax 3 shipped by django-static-mathjax."""
    try:
        import mathjax  # the import name of django-static-mathjax
    except ImportError as error:
        raise ExtensionError(
            "mlcourse.sphinxext.offline needs the django-static-mathjax package "
            "(pip install -e '.[dev]')"
        ) from error
    source = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (source / MATHJAX_ENTRY).is_file():
        raise ExtensionError(f"MathJax bundle not found: {source / MATHJAX_ENTRY}")
    return source


def is_remote(url: str | None) -> bool:
    """True for URLs that point to another host (http, https or protocol-relative)."""
    if not url:
        return False
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme in {"http", "https"}


def use_local_mathjax(app: Sphinx, config) -> None:
    """Point ``mathjax_path`` at the local loader and tell it which components to load."""
    if is_remote(config.mathjax_path) or not config.mathjax_path:
        config.mathjax_path = f"{MATHJAX_STATIC_DIR}/{MATHJAX_ENTRY}"
    if config.mathjax_path != f"{MATHJAX_STATIC_DIR}/{MATHJAX_ENTRY}":
        raise ExtensionError(
            f"invalid mathjax_path = {config.mathjax_path!r}, expected "
            f"'{MATHJAX_STATIC_DIR}/{MATHJAX_ENTRY}' (the loader this extension copies)"
        )
    # myst-parser adds its own options to this dict later; both must survive.
    config.mathjax3_config = dict(config.mathjax3_config or {})
    loader = config.mathjax3_config.setdefault("loader", {})
    loader["load"] = list(dict.fromkeys([*loader.get("load", []), *MATHJAX_COMPONENTS]))


def thebe_enabled(app: Sphinx) -> bool:
    launch_buttons = (app.config.html_theme_options or {}).get("launch_buttons") or {}
    return bool(launch_buttons.get("thebe")) or bool(getattr(app.config, "use_thebe", False))


def is_unused_asset(asset, thebe_on: bool) -> bool:
    """True for assets that nothing on the page uses (see the module docstring)."""
    attributes = getattr(asset, "attributes", {}) or {}
    if attributes.get("type") == WIDGET_STATE_TYPE:
        return True
    if thebe_on:
        return False
    name = Path(str(getattr(asset, "filename", "") or "")).name
    body = str(attributes.get("body", ""))
    return name in {"sphinx-thebe.js", "sphinx-thebe.css"} or "THEBE_JS_URL" in body


def drop_thebe_config(app: Sphinx, doctree, docname: str) -> None:
    """Remove the inline thebe configuration sphinx-thebe appends to every page."""
    if thebe_enabled(app):
        return
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if "text/x-thebe-config" in text or text.startswith("<script>kernelName ="):
            node.parent.remove(node)


def check_page_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Drop unused assets and warn about any asset loaded from another host."""
    thebe_on = thebe_enabled(app)
    for kind in ("script_files", "css_files"):
        assets = context.get(kind)
        if assets is not None:
            # Filter in place: the builder shares these lists with the template context.
            assets[:] = [asset for asset in assets if not is_unused_asset(asset, thebe_on)]
    for kind in ("script_files", "css_files"):
        for asset in context.get(kind) or ():
            url = getattr(asset, "filename", asset)
            if is_remote(str(url)):
                logger.warning(
                    "offline: page %r would load %s from the network; the site must "
                    "be self-contained (vendor the file or switch the feature off)",
                    pagename,
                    url,
                    location=pagename,
                )


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """Copy the MathJax loader, its components, fonts and TeX extensions into ``_static/mathjax``."""
    if exception is not None or app.builder is None or app.builder.format != "html":
        return
    source = mathjax_source_dir()
    target = Path(app.builder.outdir, "_static", MATHJAX_STATIC_DIR)
    shutil.rmtree(target, ignore_errors=True)  # no stale files from an earlier layout
    files = list(MATHJAX_FILES)
    for folder, pattern in MATHJAX_ON_DEMAND:
        files += [file.relative_to(source).as_posix() for file in (source / folder).glob(pattern)]
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, target / name)


def drop_fontawesome_script(app: Sphinx, exception: Exception | None) -> None:
    """Remove the unused Font Awesome script from every page (see FONTAWESOME_SCRIPT)."""
    if exception is not None or app.builder is None or app.builder.format != "html":
        return
    for page in Path(app.builder.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        stripped = FONTAWESOME_SCRIPT.sub("", text)
        if stripped != text:
            page.write_text(stripped, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx.ext.mathjax")
    # After every other handler, so that we see what they set.
    app.connect("config-inited", use_local_mathjax, priority=900)
    app.connect("doctree-resolved", drop_thebe_config, priority=900)
    app.connect("html-page-context", check_page_assets, priority=900)
    app.connect("build-finished", copy_mathjax)
    app.connect("build-finished", drop_fontawesome_script)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
