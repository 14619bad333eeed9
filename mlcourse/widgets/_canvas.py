"""A matplotlib Agg figure drawn in two layers: a static background and per-frame lines.

The background (axes, ticks, contours, anything drawn by a widget's ``setup``) is
rendered once per background key. A frame is a list of lines already projected into
the figure's pixel coordinates with that background's own axes transforms; the live
widget draws those pixels onto the cached background with matplotlib (blitting), the
static page draws the very same pixels as SVG over the background PNG.

Pixel coordinates run right and *down* from the top-left corner, as in SVG; points
are stored in tenths of a pixel as integers, each polyline delta-encoded:
``[x0, y0, x1 - x0, y1 - y0, ...]`` (compact in JSON, and exact).
"""

import io
import math

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import IdentityTransform
from PIL import Image

DPI = 100
PX_PER_PT = DPI / 72
FONT_PT = 9
# Figure margins in pixels: room for tick labels, axis labels and a title.
LEFT, RIGHT, TOP, BOTTOM, GAP = 80, 16, 30, 46, 56
LEGEND_ROW, LEGEND_COLUMN, LEGEND_SAMPLE = 18, 300, 26


class Layout:
    """Sizes of the figure and its legend strip (below the axes), in pixels."""

    def __init__(self, width, height, ncols, legend_entries, top=TOP):
        self.width, self.height, self.ncols, self.top = int(width), int(height), int(ncols), int(top)
        self.legend_ncols = max(1, min(legend_entries, (self.width - LEFT) // LEGEND_COLUMN))
        rows = math.ceil(legend_entries / self.legend_ncols) if legend_entries else 0
        self.legend_top = self.height  # the strip is added below the requested height
        self.height += rows * LEGEND_ROW + (8 if rows else 0)

    def legend(self):
        """Where legend entry ``i`` goes: column ``i % ncols``, row ``i // ncols``."""
        return {"x": LEFT, "y": self.legend_top, "row": LEGEND_ROW, "col": LEGEND_COLUMN,
                "ncols": self.legend_ncols, "sample": LEGEND_SAMPLE, "font": round(FONT_PT * PX_PER_PT, 2)}


class Background:
    """One rendered background: the figure, its cached pixels and its axes transforms."""

    def __init__(self, layout, draw):
        """``draw(axes)`` draws everything static; it may set limits and scales."""
        self.layout = layout
        self.figure = Figure(figsize=(layout.width / DPI, layout.height / DPI), dpi=DPI)
        self.canvas = FigureCanvasAgg(self.figure)
        axes_width = (layout.width - LEFT - RIGHT - GAP * (layout.ncols - 1)) / layout.ncols
        self.axes = list(np.atleast_1d(self.figure.subplots(1, layout.ncols)))
        bottom = layout.height - layout.legend_top + BOTTOM
        self.figure.subplots_adjust(left=LEFT / layout.width, right=1 - RIGHT / layout.width,
                                    top=1 - layout.top / layout.height, bottom=bottom / layout.height,
                                    wspace=GAP / axes_width)
        draw(self.axes)
        for ax in self.axes:  # freeze the limits: later artists must not rescale anything
            ax.set_xlim(ax.get_xlim())
            ax.set_ylim(ax.get_ylim())
        self.canvas.draw()
        self.pixels = self.canvas.copy_from_bbox(self.figure.bbox)
        self.transforms = [ax.transData.frozen() for ax in self.axes]
        self.log = [(ax.get_xscale() == "log", ax.get_yscale() == "log") for ax in self.axes]
        self.clips = [_flip_box(ax.bbox.bounds, layout.height) for ax in self.axes]
        self._with_legend = {}

    def png(self, colors=256):
        """The background as PNG bytes, reduced to a palette of ``colors`` (smaller pages)."""
        self.canvas.restore_region(self.pixels)  # the live view may have drawn lines
        image = self._image().quantize(colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()

    def project(self, ax, x, y):
        """Data points -> list of delta-encoded polylines (tenths of a pixel, y down).

        Non-finite points (NaN, inf, non-positive values on a log axis) split the line;
        segments are clipped to a box one axes-size around the axes, so that a diverging
        run leaves the plot in the right direction without astronomically large numbers.
        """
        x = np.array(x, dtype=float).ravel()
        y = np.array(y, dtype=float).ravel()
        if x.shape != y.shape:
            raise ValueError(f"invalid line: x has {x.size} points but y has {y.size}")
        log_x, log_y = self.log[ax]
        with np.errstate(all="ignore"):
            if log_x:
                x[x <= 0] = np.nan
            if log_y:
                y[y <= 0] = np.nan
            ok = np.isfinite(x) & np.isfinite(y)
            points = np.full((x.size, 2), np.nan)
            if ok.any():
                points[ok] = self.transforms[ax].transform(np.column_stack([x[ok], y[ok]]))
        points[:, 1] = self.layout.height - points[:, 1]
        left, top, width, height = self.clips[ax]
        margin = max(width, height)
        low = np.array([left - margin, top - margin])
        high = np.array([left + width + margin, top + height + margin])
        polylines = []
        finite = np.isfinite(points).all(axis=1)
        for run in _runs(finite):
            for piece in _clip(points[run], low, high):
                polylines.append(_encode(piece))
        return polylines

    def draw(self, frame):
        """Draw ``frame`` on the cached background; return JPEG bytes (the live image).

        The legend changes rarely (a run starts or stops diverging), so the background
        with each legend is cached too: an update restores it and draws only the lines.
        """
        entries = legend_entries(frame)
        key = tuple((tuple(sorted((k, str(v)) for k, v in style.items())), label) for style, label in entries)
        if key not in self._with_legend:
            self.canvas.restore_region(self.pixels)
            self._draw_legend(entries)
            if len(self._with_legend) >= 8:
                self._with_legend.pop(next(iter(self._with_legend)))
            self._with_legend[key] = self.canvas.copy_from_bbox(self.figure.bbox)
        self.canvas.restore_region(self._with_legend[key])
        height = self.layout.height
        for line in frame["lines"]:
            for polyline in line["points"]:
                xy = decode(polyline)
                artist = _line2d(xy[:, 0], height - xy[:, 1], line["style"])
                artist.set_clip_box(self.axes[line["axes"]].bbox)
                self._draw(artist)
        out = io.BytesIO()
        # JPEG at quality 95 without chroma subsampling: lines stay crisp, and it encodes
        # in ~2 ms where PNG's deflate takes ~15 ms, a third of the 50 ms update budget.
        self._image().save(out, format="JPEG", quality=95, subsampling=0)
        return out.getvalue()

    def _draw_legend(self, entries):
        height, legend = self.layout.height, self.layout.legend()
        for i, (style, label) in enumerate(entries):
            x, y = legend_position(legend, i)
            self._draw(_line2d([x, x + legend["sample"]], [height - y] * 2, {**style, "marker": None}))
            if style["marker"]:
                self._draw(_line2d([x + legend["sample"] / 2], [height - y], style))
            self._draw(Text(x + legend["sample"] + 6, height - y, label, fontsize=FONT_PT, va="center",
                            transform=IdentityTransform()))

    def _image(self):
        """The canvas as an RGB image (a copy)."""
        size = self.canvas.get_width_height()
        return Image.frombuffer("RGBA", size, self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")

    def _draw(self, artist):
        artist.set_figure(self.figure)
        self.figure.draw_artist(artist)


def legend_entries(frame):
    """(style, label) of every labelled line, in drawing order: the legend's rows."""
    return [(line["style"], line["label"]) for line in frame["lines"] if line["label"] is not None]


def legend_position(legend, i):
    """Pixel position (left end of the sample, vertical centre) of legend entry ``i``."""
    row, col = divmod(i, legend["ncols"])
    return legend["x"] + col * legend["col"], legend["y"] + (row + 0.5) * legend["row"]


def style(color, width=1.5, dash="-", marker=None, size=4.0, alpha=1.0):
    """A line style in pixels (width, marker diameter), colours as hex: what both views draw.

    ``width`` and ``size`` are given in points, as in matplotlib.
    """
    if dash not in ("-", "--", ":", "-."):
        raise ValueError(f"invalid dash = {dash!r}, expected one of '-', '--', ':', '-.'")
    if marker not in (None, "o"):
        raise ValueError(f"invalid marker = {marker!r}, expected None or 'o'")
    return {"color": matplotlib.colors.to_hex(color), "width": round(width * PX_PER_PT, 2), "dash": dash,
            "dasharray": _dasharray(dash, width), "marker": marker,
            "size": round(size * PX_PER_PT, 2) if marker else 0, "alpha": float(alpha)}


def _dasharray(dash, width):
    """SVG dash lengths in pixels, as matplotlib scales its dash patterns by line width."""
    if dash == "-":
        return None
    key = {"--": "lines.dashed_pattern", ":": "lines.dotted_pattern", "-.": "lines.dashdot_pattern"}[dash]
    scale = width if matplotlib.rcParams["lines.scale_dashes"] else 1.0
    return [round(d * scale * PX_PER_PT, 2) for d in matplotlib.rcParams[key]]


def _line2d(x, y, style):
    line = Line2D(x, y, color=style["color"], linewidth=style["width"] / PX_PER_PT, linestyle=style["dash"],
                  marker=style["marker"] or "None", markersize=style["size"] / PX_PER_PT, markeredgewidth=0,
                  alpha=style["alpha"], transform=IdentityTransform())
    return line


def decode(polyline):
    """Delta-encoded tenths of a pixel -> ``(n, 2)`` float pixels."""
    xy = np.cumsum(np.asarray(polyline, dtype=np.int64).reshape(-1, 2), axis=0)
    return xy / 10.0


def _encode(points):
    tenths = np.rint(points * 10).astype(np.int64)
    keep = np.ones(len(tenths), dtype=bool)
    keep[1:] = np.any(tenths[1:] != tenths[:-1], axis=1)  # a repeated pixel adds nothing
    tenths = tenths[keep]
    deltas = np.diff(tenths, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return deltas.ravel().tolist()


def _runs(mask):
    """Slices of the maximal runs of True in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [slice(a, b) for a, b in zip(edges[::2], edges[1::2])]


def _clip(points, low, high):
    """Clip a polyline to the box [low, high] (Liang-Barsky per segment); list of pieces."""
    inside = np.all((points >= low) & (points <= high), axis=1)
    if inside.all():
        return [points]
    pieces, current = [], [points[0]] if inside[0] else []
    for i in range(1, len(points)):
        segment = _clip_segment(points[i - 1], points[i], low, high)
        if segment is None:
            if current:
                pieces.append(np.array(current))
            current = []
            continue
        start, end = segment
        if not current:
            current.append(start)
        current.append(end)
        if not inside[i]:
            pieces.append(np.array(current))
            current = []
    if current:
        pieces.append(np.array(current))
    return pieces


def _clip_segment(a, b, low, high):
    d = b - a
    t0, t1 = 0.0, 1.0
    for k in range(2):
        for p, q in ((-d[k], a[k] - low[k]), (d[k], high[k] - a[k])):
            if p == 0:
                if q < 0:
                    return None
            elif p < 0:
                t0 = max(t0, q / p)
            else:
                t1 = min(t1, q / p)
    if t0 > t1:
        return None
    return a + t0 * d, a + t1 * d


def _flip_box(bounds, height):
    """matplotlib's (x0, y0, w, h) with y up -> (left, top, w, h) with y down, rounded."""
    x0, y0, w, h = bounds
    return [round(x0, 1), round(height - y0 - h, 1), round(w, 1), round(h, 1)]
