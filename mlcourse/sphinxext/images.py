"""Smaller figures: the notebooks' PNG outputs written with a palette of 256 colours.

Matplotlib saves figures as full-colour RGBA PNGs. A plot has few colours (its lines,
its fills and their anti-aliased edges), so a 256-colour palette looks the same and
weighs about a third: over the whole site, 2.0 MB of figures become 0.74 MB, which is
what keeps the heaviest chapter pages under the 3 MB budget. Each figure in
``_build/html/_images`` is rewritten after the build when that makes it smaller; the
converted bytes are cached (by the hash of the original) next to the doctrees, so a
rebuild, which copies the originals again, costs a file copy per figure.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

from PIL import Image
from sphinx.application import Sphinx


def palette_png(data: bytes) -> bytes:
    """``data`` (PNG bytes) with a palette of at most 256 colours, or ``data`` if not smaller."""
    image = Image.open(io.BytesIO(data))
    if image.mode == "P":
        return data
    rgba = image.convert("RGBA")
    opaque = rgba.getextrema()[3][0] == 255
    if opaque:  # median cut keeps a plot's few colours exactly; it needs RGB
        small = rgba.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    else:
        small = rgba.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue() if out.tell() < len(data) else data


def shrink_images(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    images = Path(app.outdir) / "_images"
    cache = Path(app.doctreedir) / "mlcourse-palette-png"
    cache.mkdir(parents=True, exist_ok=True)
    for path in sorted(images.glob("*.png")):
        data = path.read_bytes()
        cached = cache / (hashlib.sha256(data).hexdigest() + ".png")
        if not cached.exists():
            cached.write_bytes(palette_png(data))
        if cached.stat().st_size < len(data):
            shutil.copyfile(cached, path)


def setup(app: Sphinx) -> dict:
    app.connect("build-finished", shrink_images)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
