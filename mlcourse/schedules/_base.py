"""What every schedule shares: checking the step count and the callable wrapper."""

import numbers

import numpy as np

from .._checks import check_list


def check_steps(t, max_step=None, max_name=None):
    """Return ``(steps, is_scalar)``: ``t`` as a flat int64 array, and whether it was a scalar.

    ``t`` is a step count ``0, 1, 2, ...`` (a Python or NumPy integer) or an
    array of them. Booleans, floats (even ``3.0``) and negative counts are
    rejected: a fractional step has no learning rate in ``torch``.
    """
    if isinstance(t, (bool, np.bool_)):
        raise TypeError(f"invalid t = {t!r}, expected an integer step count >= 0 or an array of them")
    is_scalar = isinstance(t, numbers.Integral)
    if not is_scalar and not isinstance(t, (np.ndarray, list, tuple, range)):
        raise TypeError(f"invalid t = {t!r}, expected an integer step count >= 0 or an array of them")
    steps = np.asarray(t)
    if steps.dtype.kind not in "iu":
        raise TypeError(f"invalid t with dtype {steps.dtype}, expected integer step counts >= 0")
    if steps.size and steps.min() < 0:
        shown = f"t = {int(steps.min())}" if is_scalar else f"t containing {int(steps.min())}"
        raise ValueError(f"invalid {shown}, expected t >= 0")
    if max_step is not None and steps.size and steps.max() > max_step:
        shown = f"t = {int(steps.max())}" if is_scalar else f"t containing {int(steps.max())}"
        raise ValueError(f"invalid {shown}, expected t <= {max_name} = {max_step}")
    return steps.astype(np.int64).ravel(), is_scalar


class Schedule:
    """A learning-rate schedule: ``schedule(t)`` is the learning rate at step ``t``.

    ``t`` counts the updates already done (0 for the first update), which is the
    learning rate ``torch`` gives after ``t`` calls of ``scheduler.step()``. An
    integer gives a float; an integer array gives a float64 array of its shape.

    The factories in :mod:`mlcourse.schedules` build these; ``formula`` maps a
    1-D int64 array of valid steps to the learning rates, and ``description``
    is what ``repr`` shows (the call that built the schedule).
    """

    __slots__ = ("formula", "description", "max_step", "max_name")

    def __init__(self, formula, description, max_step=None, max_name=None):
        self.formula = formula
        self.description = description
        self.max_step = max_step
        self.max_name = max_name

    def __call__(self, t):
        shape = np.shape(t)
        steps, is_scalar = check_steps(t, self.max_step, self.max_name)
        lrs = np.asarray(self.formula(steps), dtype=np.float64)
        if is_scalar:
            return float(lrs[0])
        return np.broadcast_to(lrs, steps.shape).reshape(shape).copy()

    def __repr__(self):
        return self.description


def describe(name, **arguments):
    """The call that builds a schedule, e.g. ``step(lr=0.1, step_size=30, gamma=0.1)``."""
    shown = ", ".join(f"{key}={value!r}" for key, value in arguments.items())
    return f"{name}({shown})"


def check_steps_list(name, values, *, low=0, increasing=False):
    """Return ``values`` as a list of ints ``>= low`` (strictly increasing if asked)."""
    values = check_list(name, values, "integers")
    for value in values:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(f"invalid {name} = {values!r}, expected a list of integers")
        if value < low:
            raise ValueError(f"invalid {name} = {values!r}, expected every entry >= {low}")
    if increasing and any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"invalid {name} = {values!r}, expected strictly increasing entries")
    return [int(value) for value in values]
