"""The display object: one frame function, two views (live ipywidgets, static HTML)."""

import base64
import collections
import functools
import hashlib
import html
import itertools
import json
import math
import os
import pathlib
import warnings

from ._canvas import Background, Layout
from ._sliders import check_sliders, frame_key, grid

#: A static page above this many bytes triggers a warning (chapter pages stay <= 3 MB).
PAGE_WARNING_BYTES = 1_500_000
_HERE = pathlib.Path(__file__).parent
_ids = itertools.count()


class Widget:
    """A figure with sliders. Display it (last expression of a cell) to see it.

    Both views draw :meth:`frame`: the live view (``live()``, an ipywidgets box) draws
    it on the cached background when a slider moves; the static view (``html()``)
    computes it for every grid point at build time.

    Args:
        sliders: the :class:`Slider` list.
        lines: ``values -> [dict(axes, x, y, label, style), ...]`` in data coordinates.
        background: ``(axes, values) -> None`` draws what does not change with the
            sliders outside ``background_names``; called once per background.
        background_names: the sliders the background depends on (often none).
        layout: a :class:`~mlcourse.widgets._canvas.Layout`.
    """

    def __init__(self, sliders, lines, background, layout, background_names=()):
        self.sliders = check_sliders(sliders)
        self._lines = lines
        self._draw_background = background
        self._background_sliders = [i for i, s in enumerate(self.sliders) if s.name in background_names]
        self.layout = layout
        self._backgrounds = {}
        self._live = None
        self._rendered = collections.OrderedDict()
        self.default_index = tuple(s.index for s in self.sliders)
        self.last_frame = None  # what the live view drew last
        self.frame(self.default_index)  # errors in the user's functions surface here

    # -- the one frame function -------------------------------------------------
    def values(self, index):
        """Slider values of a frame index, by slider name."""
        return {s.name: s.values[i] for s, i in zip(self.sliders, index)}

    def background(self, index):
        """(number, :class:`Background`) of the background frame ``index`` sits on."""
        number = 0
        for i in self._background_sliders:  # row-major over the background sliders
            number = number * len(self.sliders[i].values) + index[i]
        if number not in self._backgrounds:
            # Drawn at the default values of the other sliders, so it never depends on
            # which frame happened to ask first.
            at = list(self.default_index)
            for i in self._background_sliders:
                at[i] = index[i]
            values = self.values(at)
            self._backgrounds[number] = Background(self.layout, lambda axes: self._draw_background(axes, values))
        return number, self._backgrounds[number]

    def frame(self, index):
        """What both views draw at frame ``index`` (a tuple of slider grid indices).

        Returns ``{"key", "background", "lines": [{"axes", "label", "style",
        "points"}]}`` with points as delta-encoded polylines in tenths of a pixel.
        """
        index = tuple(index)
        try:
            number, background = self.background(index)
            lines = []
            for line in self._lines(self.values(index)):
                points = background.project(line["axes"], line["x"], line["y"])
                lines.append({"axes": line["axes"], "label": line["label"], "style": line["style"], "points": points})
        except Exception as error:  # say which grid point, or the author must hunt for it
            at = ", ".join(f"{s.name} = {s.values[i]!r}" for s, i in zip(self.sliders, index))
            error.add_note(f"(mlcourse.widgets: while computing the frame at {at})")
            raise
        return {"key": frame_key(index), "background": number, "lines": lines}

    def frame_count(self):
        return math.prod(len(s.values) for s in self.sliders)

    # -- live view --------------------------------------------------------------
    def render(self, index):
        """JPEG bytes of frame ``index``: the frame drawn on its cached background."""
        return self._render(tuple(index))

    def _render(self, index):
        if index in self._rendered:
            self._rendered.move_to_end(index)
        else:
            frame = self.frame(index)
            self._rendered[index] = frame, self.background(index)[1].draw(frame)
            if len(self._rendered) > 64:  # revisited frames come back at once
                self._rendered.popitem(last=False)
        self.last_frame, image = self._rendered[index]
        return image

    def live(self):
        """The ipywidgets view: one ``SelectionSlider`` per slider above an ``Image``."""
        if self._live is None:
            import ipywidgets

            controls = [
                ipywidgets.SelectionSlider(
                    options=[(s.format(v), i) for i, v in enumerate(s.values)], value=s.index,
                    description=s.label, continuous_update=True, readout=True,
                    style={"description_width": "initial"}, layout=ipywidgets.Layout(width="min(100%, 460px)"))
                for s in self.sliders
            ]
            image = ipywidgets.Image(value=self.render(self.default_index), format="jpeg",
                                     layout=ipywidgets.Layout(width=f"{self.layout.width}px", max_width="100%"))

            def update(_change):
                image.value = self.render(tuple(c.value for c in controls))

            for control in controls:
                control.observe(update, names="value")
            box = ipywidgets.VBox([*controls, image])
            box.add_class("mlcourse-widget-live")
            self.controls, self.image, self._live = controls, image, box
        return self._live

    # -- static view ------------------------------------------------------------
    def static_data(self):
        """Every frame, in the compact form the page stores (tables of shared parts).

        ``frames[key] = [background, [[axes, style, label, path], ...]]`` where the last
        three index ``styles``, ``labels`` (-1: no legend entry) and ``paths`` (a path is
        a list of delta-encoded polylines). Lines that do not change between frames
        (an optimizer a slider does not affect) are stored once.
        """
        tables = {"styles": {}, "labels": {}, "paths": {}}

        def intern(table, item):
            key = json.dumps(item, sort_keys=True, separators=(",", ":"))
            return tables[table].setdefault(key, (len(tables[table]), item))[0]

        frames, used = {}, set()
        for index in grid(self.sliders):
            frame = self.frame(index)
            used.add(frame["background"])
            frames[frame["key"]] = [frame["background"], [
                [line["axes"], intern("styles", line["style"]),
                 -1 if line["label"] is None else intern("labels", line["label"]), intern("paths", line["points"])]
                for line in frame["lines"]]]
        backgrounds = [None] * (max(used) + 1)
        clips = [None] * len(backgrounds)
        for number, background in self._backgrounds.items():
            if number in used:
                backgrounds[number] = "data:image/png;base64," + base64.b64encode(background.png()).decode("ascii")
                clips[number] = background.clips
        return {
            "size": [self.layout.width, self.layout.height],
            "legend": self.layout.legend(),
            "backgrounds": backgrounds,
            "clips": clips,
            **{name: [item for _, item in table.values()] for name, table in tables.items()},
            "frames": frames,
            "default": frame_key(self.default_index),
        }

    def html(self):
        """The kernel-free page fragment: range inputs, background image, SVG, script."""
        data = json.dumps(self.static_data(), separators=(",", ":"), allow_nan=False)
        embedded = data.replace("</", "<\\/")  # nothing in the JSON may close the script
        uid = f"mlcw-{hashlib.sha1(data.encode()).hexdigest()[:10]}-{next(_ids)}"
        width, height = self.layout.width, self.layout.height
        inputs = "".join(
            f'<label class="mlcourse-widget-slider"><span class="mlcourse-widget-name">{html.escape(s.label)}</span>'
            f'<input type="range" min="0" max="{len(s.values) - 1}" step="1" value="{s.index}" '
            f'data-name="{html.escape(s.name)}" aria-label="{html.escape(s.label)}" '
            f'data-values="{html.escape(json.dumps(list(s.values)))}" '
            f'data-labels="{html.escape(json.dumps([s.format(v) for v in s.values]))}">'
            f'<output class="mlcourse-widget-value">{html.escape(s.format(s.value))}</output></label>'
            for s in self.sliders
        )
        page = (
            f'<div class="mlcourse-widget" id="{uid}" data-frame-key="{frame_key(self.default_index)}" '
            f'style="max-width:{width}px">'
            f"<style>{_asset('static.css')}</style>"
            f'<div class="mlcourse-widget-sliders">{inputs}</div>'
            f'<div class="mlcourse-widget-figure">'
            # "dark-light": the pydata theme's dark mode would dim the image but not
            # the SVG lines over it; the figure stays as drawn, white, in both modes.
            f'<img class="mlcourse-widget-background dark-light" alt="figure" width="{width}" height="{height}">'
            f'<svg viewBox="0 0 {width} {height}" role="img">'
            f'<g class="mlcourse-widget-lines"></g><g class="mlcourse-widget-legend"></g></svg></div>'
            f'<script type="application/json" class="mlcourse-widget-data">{embedded}</script>'
            f"</div>"
            f"<script>{_asset('static.js')}\nmlcourseWidget(document.getElementById({json.dumps(uid)}));</script>"
        )
        if len(page) > PAGE_WARNING_BYTES:
            warnings.warn(f"this widget adds {len(page) / 1e6:.1f} MB to its page (budget: 3 MB per chapter); "
                          f"use coarser slider grids or fewer steps", stacklevel=2)
        return page

    # -- display protocol -------------------------------------------------------
    def _repr_mimebundle_(self, include=None, exclude=None):
        view = os.environ.get("MLCOURSE_WIDGETS_VIEW", "")
        if view == "static":
            # Building the website: no ipywidgets, so no widget state (and its image
            # bytes) is saved in the executed notebook and embedded in the page.
            return {"text/plain": repr(self), "text/html": self.html()}
        bundle = self.live()._repr_mimebundle_()
        if view != "live":  # "live" skips computing every frame: quicker in JupyterLab
            bundle["text/html"] = self.html()
        return bundle

    def _repr_html_(self):
        return self.html()

    def __repr__(self):
        names = ", ".join(s.name for s in self.sliders)
        return f"<mlcourse widget: {self.frame_count()} frames over sliders ({names})>"


@functools.cache
def _asset(name):
    return (_HERE / name).read_text(encoding="utf-8")
