"""The figures chapters ask for: optimizer trajectories, loss curves, schedules, anything.

Each builds a :class:`~mlcourse.widgets._widget.Widget` from two functions: what is
drawn once (the background) and which lines a frame has. The numbers all come from
:mod:`mlcourse` (``train.minimize``, the optimizers, the schedules): nothing here
re-implements a formula.
"""

import numpy as np

from .._checks import check_int
from ..optim import Optimizer
from ..problems.interface import is_problem
from ..train import minimize
from ._canvas import Layout, style
from ._sliders import check_all_used, check_sliders, grid, parameters
from ._widget import Widget

WIDTH, HEIGHT = 640, 420


def _values_for(names, values):
    return {n: values[n] for n in names}


def _check_lines(name, table):
    if not isinstance(table, dict) or not table:
        raise TypeError(f"invalid {name} = {table!r}, expected a non-empty dict {{label: callable}}")
    for label in table:
        if not isinstance(label, str):
            raise TypeError(f"invalid {name}: label {label!r} is not a str")
    return table


class _Runs:
    """``train.minimize`` of every (problem, optimizer) a frame needs, each run once.

    A run depends only on the sliders its problem and optimizer take, so a slider
    that one optimizer ignores does not rerun it.
    """

    def __init__(self, problem, optimizers, sliders, steps, theta0):
        names = [s.name for s in sliders]
        if is_problem(problem):
            self._problem, self.problem_names = (lambda: problem), ()
        else:
            self._problem, self.problem_names = problem, parameters(problem, names, "problem")
        self.optimizers, self.optimizer_names = {}, {}
        for label, make in _check_lines("optimizers", optimizers).items():
            if isinstance(make, Optimizer):  # an Optimizer itself, not a function of sliders
                make = (lambda opt: lambda: opt)(make)
            self.optimizers[label] = make
            self.optimizer_names[label] = parameters(make, names, f"optimizers[{label!r}]")
        check_all_used(sliders, set(self.problem_names).union(*self.optimizer_names.values()))
        self.steps = check_int("steps", steps, low=1)
        self.theta0 = None if theta0 is None else np.asarray(theta0, dtype=float)
        self._problems, self._runs = {}, {}

    def problem(self, values):
        key = tuple(values[n] for n in self.problem_names)
        if key not in self._problems:
            problem = self._problem(**_values_for(self.problem_names, values))
            if not is_problem(problem):
                raise TypeError(f"invalid problem: it returned {problem!r}, expected a problem from "
                                "mlcourse.problems (a Function2D, a DataProblem or a Function1D)")
            self._problems[key] = problem
        return self._problems[key]

    def run(self, values, label):
        """The ``MinimizeResult`` of optimizer ``label`` at these slider values."""
        names = self.optimizer_names[label]
        key = (tuple(values[n] for n in self.problem_names), label, tuple(values[n] for n in names))
        if key not in self._runs:
            optimizer = self.optimizers[label](**_values_for(names, values))
            self._runs[key] = minimize(self.problem(values), optimizer, self.steps, theta0=self.theta0)
        return self._runs[key]

    def label(self, values, label):
        """The legend text: the name, and where the run diverged if it did."""
        result = self.run(values, label)
        if result.status == "diverged":
            return f"{label}: diverged at step {result.diverged_at}"
        return label


def _contours(ax, problem, resolution=160):
    """Contours of ``problem.loss`` over ``problem.bounds``, levels spaced geometrically
    above the minimum so that both the steep walls and the flat floor show."""
    (x0, x1), (y0, y1) = problem.bounds
    x, y = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    with np.errstate(all="ignore"):
        z = np.asarray(problem.loss(np.stack([x, y], axis=-1)), dtype=float)
    finite = z[np.isfinite(z)]
    if finite.size and finite.max() > finite.min():
        low, high = finite.min(), finite.max()
        levels = low + (high - low) * np.geomspace(1e-3, 1, 16)
        ax.contour(x, y, z, levels=levels, cmap="viridis", linewidths=0.8)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def trajectories(problem, optimizers, sliders, steps=200, theta0=None, *, panels=False, title=None,
                 width=None, height=HEIGHT):
    """Paths of optimizers over the contours of a 2-D problem.

    Args:
        problem: a 2-D problem (``loss``, ``grad``, ``bounds``, ``minima``), or a
            callable of slider values returning one.
        optimizers: ``{label: callable of slider values returning an Optimizer}``.
        sliders: the :class:`Slider` list.
        steps: updates per run (``train.minimize``).
        theta0: the start (default ``problem.theta0``).
        panels: one panel per optimizer, side by side, instead of one shared panel.
        title: figure title (default: the problem's name).

    A diverged run is cut where it diverged and its legend entry says at which step.
    """
    sliders = check_sliders(sliders)
    runs = _Runs(problem, optimizers, sliders, steps, theta0)
    labels = list(runs.optimizers)
    ncols = len(labels) if panels else 1
    width = width or max(WIDTH, 320 * ncols)
    layout = Layout(width, height, ncols, len(labels), top=52 if panels else 30)

    def background(axes, values):
        p = runs.problem(values)
        start = p.theta0 if runs.theta0 is None else runs.theta0
        for i, ax in enumerate(axes):
            _contours(ax, p)
            minima = np.asarray(getattr(p, "minima", np.empty((0, 2))), dtype=float).reshape(-1, 2)
            ax.plot(minima[:, 0], minima[:, 1], "*", color="black", markersize=11, label="minimum", zorder=3)
            ax.plot(*np.asarray(start, dtype=float), "o", color="black", markersize=6, label="start", zorder=3)
            ax.set_xlabel("θ₁")
            if i == 0:
                ax.set_ylabel("θ₂")
                ax.legend(loc="upper right", fontsize=8, framealpha=0.8)
            ax.set_title(labels[i] if panels else (title or getattr(p, "name", "")), fontsize=10)
        if panels:
            axes[0].figure.suptitle(title or getattr(p, "name", ""), fontsize=11, y=1 - 8 / layout.height, va="top")

    def lines(values):
        out = []
        for i, label in enumerate(labels):
            path = runs.run(values, label).trajectory
            out.append({"axes": i if panels else 0, "x": path[:, 0], "y": path[:, 1],
                        "label": runs.label(values, label), "style": style(f"C{i}", width=1.5, marker="o", size=3.0)})
        return out

    return Widget(sliders, lines, background, layout, background_names=runs.problem_names)


def loss_curves(problem, optimizers, sliders, steps=200, log_y=True, theta0=None, *, ylim=None, title=None,
                width=WIDTH, height=HEIGHT):
    """Loss :math:`L(\\theta_t)` against step ``t`` for each optimizer.

    Arguments as :func:`trajectories`; ``problem`` may be any problem (2-D or data).
    The y range (unless ``ylim`` is given) is set by the runs at the sliders' starting
    values: from the largest loss of the runs that did not diverge down to their
    smallest (at most 12 decades on a log axis). A diverging curve leaves the top.
    """
    sliders = check_sliders(sliders)
    runs = _Runs(problem, optimizers, sliders, steps, theta0)
    labels = list(runs.optimizers)

    def background(axes, values):
        ax = axes[0]
        if log_y:
            ax.set_yscale("log")
        ax.set_xlim(0, runs.steps)
        ax.set_ylim(*(ylim or _loss_range([runs.run(values, label) for label in labels], log_y)))
        ax.set_xlabel("step t")
        ax.set_ylabel("loss L(θ)")
        ax.grid(True, which="major", alpha=0.3)
        ax.set_title(title or getattr(runs.problem(values), "name", ""), fontsize=10)

    def lines(values):
        return [{"axes": 0, "x": np.arange(len(runs.run(values, label).losses)), "y": runs.run(values, label).losses,
                 "label": runs.label(values, label), "style": style(f"C{i}", width=1.5)}
                for i, label in enumerate(labels)]

    layout = Layout(width, height, 1, len(labels))
    return Widget(sliders, lines, background, layout, background_names=runs.problem_names)


def _loss_range(results, log_y):
    kept = [r.losses for r in results if r.status == "ok"] or [r.losses[:1] for r in results]
    values = np.concatenate(kept)
    values = values[np.isfinite(values) & ((values > 0) if log_y else True)]
    if values.size == 0:
        return (1e-12, 1.0) if log_y else (0.0, 1.0)
    low, high = values.min(), values.max()
    if log_y:
        low = max(low, high * 1e-12)
        return low / 3, high * 3
    pad = 0.05 * (high - low) or 0.5 * abs(high) or 1.0
    return low - pad, high + pad


def schedule_curves(schedules, sliders, steps=100, *, ylim=None, title=None, width=WIDTH, height=HEIGHT):
    """Learning rate :math:`\\eta_t` against step ``t`` for each schedule.

    ``schedules``: ``{label: callable of slider values returning a schedule}`` (a
    function of the step count ``t``). The y range, unless ``ylim`` is given, runs from
    0 to the largest rate over every frame, so curves never leave the plot.
    """
    sliders = check_sliders(sliders)
    names = [s.name for s in sliders]
    makers = _check_lines("schedules", schedules)
    uses = {label: parameters(make, names, f"schedules[{label!r}]") for label, make in makers.items()}
    check_all_used(sliders, set().union(*uses.values()))
    steps = check_int("steps", steps, low=1)
    t = np.arange(steps)

    def rates(values, label):
        schedule = makers[label](**_values_for(uses[label], values))
        try:
            return np.asarray(schedule(t), dtype=float).reshape(steps)
        except (TypeError, ValueError):  # a schedule of one int at a time
            return np.array([schedule(int(i)) for i in t], dtype=float)

    def background(axes, values):
        ax = axes[0]
        if ylim is None:
            top = max((np.nanmax(rates(dict(zip(names, (s.values[i] for s, i in zip(sliders, index)))), label))
                       for index in grid(sliders) for label in makers), default=1.0)
            ax.set_ylim(0, 1.05 * top if np.isfinite(top) and top > 0 else 1.0)
        else:
            ax.set_ylim(*ylim)
        ax.set_xlim(0, steps - 1)
        ax.set_xlabel("step t")
        ax.set_ylabel("learning rate η")
        ax.grid(True, alpha=0.3)
        if title:
            ax.set_title(title, fontsize=10)

    def lines(values):
        return [{"axes": 0, "x": t, "y": rates(values, label), "label": label, "style": style(f"C{i}", width=1.5)}
                for i, label in enumerate(makers)]

    return Widget(sliders, lines, background, Layout(width, height, 1, len(makers)))


def interactive(function, sliders, xlabel="", ylabel="", setup=None, title=None, *, xlim=None, ylim=None,
                width=WIDTH, height=HEIGHT):
    """Any figure of lines: ``function(**slider values) -> {label: (x, y)}``.

    A value may also be ``(x, y, style)`` with ``style`` a dict of ``color``, ``width``
    (points), ``dash`` ('-', '--', ':', '-.'), ``marker`` (None or 'o'), ``size``,
    ``alpha``; a label starting with "_" gets no legend entry. ``setup(ax)`` draws the
    static background once (points, reference curves, limits, scales). Limits not
    fixed by ``xlim``/``ylim`` or ``setup`` fit the lines at the sliders' starting values.
    """
    sliders = check_sliders(sliders)
    names = [s.name for s in sliders]
    takes = parameters(function, names, "function")
    check_all_used(sliders, set(takes))
    if setup is not None and not callable(setup):
        raise TypeError(f"invalid setup = {setup!r}, expected a callable setup(ax) or None")
    defaults = {s.name: s.value for s in sliders}

    def curves(values):
        table = function(**_values_for(takes, values))
        if not isinstance(table, dict):
            raise TypeError(f"invalid function: it returned {type(table).__name__}, expected a dict {{label: (x, y)}}")
        out = []
        for i, (label, line) in enumerate(table.items()):
            if not isinstance(line, (tuple, list)) or len(line) not in (2, 3):
                raise TypeError(f"invalid function: line {label!r} is {line!r}, expected (x, y) or (x, y, style)")
            options = {"color": f"C{i}", **(line[2] if len(line) == 3 else {})}
            out.append({"axes": 0, "x": line[0], "y": line[1], "style": style(**options),
                        "label": None if str(label).startswith("_") else str(label)})
        return out

    def background(axes, values):
        ax = axes[0]
        if setup is not None:
            setup(ax)
        if xlim is not None:
            ax.set_xlim(*xlim)
        if ylim is not None:
            ax.set_ylim(*ylim)
        if ax.get_autoscalex_on() or ax.get_autoscaley_on():
            for line in curves(defaults):
                xy = np.column_stack([np.ravel(line["x"]), np.ravel(line["y"])]).astype(float)
                ax.update_datalim(xy[np.isfinite(xy).all(axis=1)])
            ax.autoscale_view()
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title, fontsize=10)

    entries = sum(line["label"] is not None for line in curves(defaults))
    return Widget(sliders, curves, background, Layout(width, height, 1, entries))
