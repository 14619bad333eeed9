"""Build times and page weights of the course website.

    python benchmarks/book.py               # cold build, no-change rebuild, page weights
    python benchmarks/book.py --weights-only  # page weights of the existing _build/html

The cold build goes to a fresh temporary directory (no Sphinx environment, no
execution cache), with the same strict flags as `make book`; the rebuild repeats it
with nothing changed. A page's weight is what Chromium downloads to show it: the
HTML and every script, stylesheet, font and image it loads (measured with the
Resource Timing API on a local server; the budget is 3 MB per chapter page).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
STRICT = ["--builder", "html", "-W", "-n", "--keep-going", "--all"]
BUDGET_BYTES = 3_000_000
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
WEIGHT_JS = """() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
    .reduce((total, e) => total + (e.decodedBodySize || 0), 0)"""


def timed_build(output: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(JUPYTER_BOOK), "build", str(ROOT), "--path-output", str(output), *STRICT],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def page_weights(site: Path) -> dict[str, int]:
    """Bytes each page of `site` makes the browser load (network to other hosts blocked)."""
    from playwright.sync_api import sync_playwright

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                   if not p.relative_to(site).parts[0].startswith("_"))
    weights = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for path in pages:
                context = browser.new_context()
                context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
                page = context.new_page()
                page.goto(base + path, wait_until="networkidle")
                page.wait_for_timeout(300)  # MathJax requests its fonts after typesetting
                weights[path] = page.evaluate(WEIGHT_JS)
                context.close()
            browser.close()
    finally:
        httpd.shutdown()
    return weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights-only", action="store_true", help="measure the existing _build/html only")
    args = parser.parse_args()

    site = ROOT / "_build" / "html"
    if not args.weights_only:
        with tempfile.TemporaryDirectory(prefix="mlcourse-book-") as tmp:
            cold = timed_build(Path(tmp))
            rebuild = timed_build(Path(tmp))
            print(f"cold build (executes every chapter): {cold:7.1f} s")
            print(f"rebuild with no change:              {rebuild:7.1f} s")
            weights = page_weights(Path(tmp) / "_build" / "html")
    else:
        weights = page_weights(site)

    print(f"\n{'page':<48} {'weight':>9}")
    for path, weight in weights.items():
        flag = "  OVER BUDGET" if path.startswith("chapters/") and weight > BUDGET_BYTES else ""
        print(f"{path:<48} {weight / 1e6:7.2f} MB{flag}")
    chapters = [w for p, w in weights.items() if p.startswith("chapters/")]
    if chapters:
        print(f"heaviest chapter page: {max(chapters) / 1e6:.2f} MB (budget {BUDGET_BYTES / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
