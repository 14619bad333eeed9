"""Sliders over fixed grids, and calling functions with the slider values they name.

A widget is a finite table of frames, one per point of the Cartesian product of its
slider grids: that is what lets the website show every frame without a kernel.
"""

import inspect
import itertools
import math
import numbers

#: Most frames (grid points) one widget may have. Each frame is stored in the page;
#: ~2,000 small frames stay within the course's 3 MB page budget.
MAX_FRAMES = 2000


class Slider:
    """A slider over a fixed, strictly increasing grid of numbers.

    Args:
        name: the parameter it feeds: every function given to a widget receives the
            slider values whose names match its parameters.
        values: the grid (ints stay ints, everything else becomes float).
        value: the starting value, one of ``values`` (default: the middle one).
        label: text shown next to the slider (default: ``name``).
        fmt: format string for the value shown next to the slider.
    """

    def __init__(self, name, values, value=None, label=None, fmt="{:.3g}"):
        if not isinstance(name, str):
            raise TypeError(f"invalid name = {name!r}, expected a str (a parameter name)")
        if not name.isidentifier():
            raise ValueError(f"invalid name = {name!r}, expected a Python identifier (a parameter name)")
        self.name = name
        self.values = _check_grid(name, values)
        if value is None:
            self.index = (len(self.values) - 1) // 2
        else:
            self.index = _find(name, value, self.values)
        if label is not None and not isinstance(label, str):
            raise TypeError(f"invalid label = {label!r} for slider {name!r}, expected a str")
        self.label = name if label is None else label
        if not isinstance(fmt, str):
            raise TypeError(f"invalid fmt = {fmt!r} for slider {name!r}, expected a format string like '{{:.3g}}'")
        try:
            fmt.format(self.values[0])
        except (ValueError, IndexError, KeyError) as error:
            raise ValueError(f"invalid fmt = {fmt!r} for slider {name!r}: {error}") from None
        self.fmt = fmt

    @property
    def value(self):
        """The starting value."""
        return self.values[self.index]

    def format(self, value):
        return self.fmt.format(value)

    def __repr__(self):
        return f"Slider({self.name!r}, {list(self.values)!r}, value={self.value!r})"


def _check_grid(name, values):
    try:
        items = list(values)
    except TypeError:
        raise TypeError(f"invalid values = {values!r} for slider {name!r}, expected a sequence of numbers") from None
    grid = []
    for item in items:
        if hasattr(item, "item") and getattr(item, "ndim", None) == 0:
            item = item.item()  # NumPy scalar -> Python number
        if isinstance(item, bool) or not isinstance(item, numbers.Real):
            raise TypeError(f"invalid values = {items!r} for slider {name!r}, expected real numbers")
        if not math.isfinite(item):
            raise ValueError(f"invalid values = {items!r} for slider {name!r}, expected finite numbers")
        grid.append(int(item) if isinstance(item, numbers.Integral) else float(item))
    if not grid:
        raise ValueError(f"invalid values = {items!r} for slider {name!r}, expected at least one value")
    if any(b <= a for a, b in zip(grid, grid[1:])):
        raise ValueError(f"invalid values = {items!r} for slider {name!r}, expected strictly increasing numbers")
    return tuple(grid)


def _find(name, value, grid):
    for i, v in enumerate(grid):
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isclose(value, v, rel_tol=1e-9):
            return i
    raise ValueError(f"invalid value = {value!r} for slider {name!r}, expected one of its values {list(grid)!r}")


def check_sliders(sliders):
    """Return ``sliders`` as a tuple, checking types, unique names and the frame count."""
    if isinstance(sliders, Slider):
        sliders = [sliders]
    try:
        sliders = tuple(sliders)
    except TypeError:
        raise TypeError(f"invalid sliders = {sliders!r}, expected a list of widgets.Slider") from None
    for s in sliders:
        if not isinstance(s, Slider):
            raise TypeError(f"invalid sliders: {s!r} is not a widgets.Slider")
    names = [s.name for s in sliders]
    for n in names:
        if names.count(n) > 1:
            raise ValueError(f"invalid sliders: two sliders are named {n!r}")
    frames = math.prod(len(s.values) for s in sliders)
    if frames > MAX_FRAMES:
        sizes = " × ".join(str(len(s.values)) for s in sliders)
        raise ValueError(
            f"invalid sliders: {frames} frames ({sizes} grid points), more than the "
            f"{MAX_FRAMES} a static page can hold (widgets.MAX_FRAMES); use coarser grids"
        )
    return sliders


def grid(sliders):
    """Every frame index: tuples of one grid index per slider, in row-major order."""
    return itertools.product(*(range(len(s.values)) for s in sliders))


def frame_key(index):
    """The key of a frame: its slider indices joined by commas ("" without sliders)."""
    return ",".join(str(i) for i in index)


def parameters(function, names, what):
    """The slider names ``function`` takes, checking that its required ones exist.

    A function with ``**kwargs`` takes every slider. ``what`` names the function in
    error messages (e.g. ``"optimizers['SGD']"``).
    """
    if not callable(function):
        raise TypeError(f"invalid {what} = {function!r}, expected a callable of slider values")
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        raise TypeError(f"invalid {what} = {function!r}: cannot read its parameters") from None
    taken = []
    for p in signature.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            return tuple(names)
        if p.kind is p.VAR_POSITIONAL:
            continue
        if p.name in names:
            if p.kind is p.POSITIONAL_ONLY:
                raise TypeError(f"invalid {what}: parameter {p.name!r} is positional-only, "
                                f"but slider values are passed by name")
            taken.append(p.name)
        elif p.default is p.empty:
            raise TypeError(f"invalid {what}: its parameter {p.name!r} matches no slider "
                            f"(sliders: {', '.join(names) or 'none'})")
    return tuple(taken)


def check_all_used(sliders, used):
    """Raise if a slider feeds no function: almost always a misspelt name."""
    for s in sliders:
        if s.name not in used:
            raise ValueError(f"invalid sliders: slider {s.name!r} is not a parameter of any of the functions given")
