"""Slider figures that are live in JupyterLab and still respond on the static website.

Usage in a chapter (the last expression of a cell displays the figure)::

    from mlcourse import widgets, optim, problems, schedules
    lr = widgets.Slider("lr", [0.01, 0.03, 0.1, 0.3], value=0.1, label="η")
    widgets.trajectories(
        lambda condition_number: problems.quadratic(condition_number=condition_number),
        {"SGD": lambda lr: optim.sgd(lr=lr),
         "Momentum": lambda lr, momentum: optim.sgd(lr=lr, momentum=momentum)},
        [lr, widgets.Slider("momentum", [0.0, 0.5, 0.9]),
         widgets.Slider("condition_number", [1, 10, 50])])

* :class:`Slider` ``(name, values, value=None, label=None, fmt="{:.3g}")``: a fixed grid.
* :func:`trajectories` ``(problem, optimizers, sliders, steps=200, theta0=None,
  panels=False)``: paths over the loss contours, known minima and start marked.
* :func:`loss_curves` ``(problem, optimizers, sliders, steps=200, log_y=True)``.
* :func:`schedule_curves` ``(schedules, sliders, steps=100)``.
* :func:`interactive` ``(function, sliders, xlabel="", ylabel="", setup=None,
  title=None)``: ``function(**values) -> {label: (x, y)}``.

Every callable (problem, optimizer or schedule factory, function) is called with
the slider values whose names match its parameters; a required parameter that
matches no slider, or a slider that no callable takes, is an error. A run that
diverges (``train.minimize`` status ``"diverged"``) is cut where it diverged and
its legend entry reads ``"<label>: diverged at step <t>"``.

How it works. A widget is a finite table of *frames*, one per point of the
Cartesian product of the slider grids (at most :data:`MAX_FRAMES` = 2,000). One
function, ``Widget.frame(index)``, computes a frame: each line projected with
matplotlib's own transforms into figure pixels (tenths of a pixel). Displaying a
widget gives two views of those frames:

* ``application/vnd.jupyter.widget-view+json`` (JupyterLab): ipywidgets sliders over
  an ``ipywidgets.Image``; on each change the frame is drawn onto the cached
  background (blitting on an Agg canvas) and the JPEG replaces the image.
* ``text/html`` (the website, also ``_repr_html_``): the same sliders as HTML range
  inputs, one background PNG and every frame as compact JSON, drawn as SVG by a
  small inline script; no kernel, no network, no external JavaScript.

With the environment variable ``MLCOURSE_WIDGETS_VIEW=static`` (set it for the
website build, e.g. ``MLCOURSE_WIDGETS_VIEW=static jupyter-book build .``) a widget
displays only ``text/html`` and ``text/plain``: no ipywidgets are created, so the
executed notebooks carry no widget state for myst-nb to embed in the pages.
``MLCOURSE_WIDGETS_VIEW=live`` does the opposite (only the ipywidgets view; no time
spent precomputing every frame). Unset, a widget offers both.

DOM contract of the static view (tests/browser rely on it):

* ``div.mlcourse-widget`` (unique ``id``) is the container. ``data-frame-key`` is the
  key of the frame shown: the sliders' grid indices joined by commas, in slider
  order (``"2,0,1"``; ``""`` without sliders). ``data-ready="true"`` once the script ran.
* One ``input[type=range]`` per slider, in slider order, ``min=0``,
  ``max=len(values)-1``, ``step=1``, ``value`` = grid index, ``data-name`` = slider
  name, ``data-values`` = JSON list of the grid, ``data-labels`` = JSON list of the
  formatted values; the sibling ``output`` shows the current formatted value.
  Moving a slider fires ``input``, which redraws the frame.
* ``img.mlcourse-widget-background``: the background (contours, axes, ticks).
* ``svg g.mlcourse-widget-lines > g.mlcourse-widget-line``: one group per line of
  the frame, with ``data-index`` (position in the frame) and ``data-label`` (legend
  text, absent for unlabelled lines), holding one ``polyline`` per unbroken piece
  (points in figure pixels of the ``viewBox``).
* ``svg g.mlcourse-widget-legend > g.mlcourse-widget-legend-entry``: the legend.
* ``script.mlcourse-widget-data``: the JSON of every frame (see
  ``Widget.static_data``).
"""

from ._plots import interactive, loss_curves, schedule_curves, trajectories
from ._sliders import MAX_FRAMES, Slider
from ._widget import Widget

__all__ = ["Slider", "trajectories", "loss_curves", "schedule_curves", "interactive", "Widget", "MAX_FRAMES"]
