"""Search spaces: the set of values a hyperparameter may take, and how to draw from it.

A space is a small immutable object with three methods:

* ``from_unit(u)`` maps a number ``u`` in ``[0, 1)`` to a value of the space by the
  inverse of its cumulative distribution. Every random draw is ``from_unit`` of a
  uniform number, so a quasi-random sequence (Sobol) of points in the unit cube
  becomes a quasi-random sequence of configurations, and ``from_unit(0.5)`` is the
  space's middle (the median of its distribution).
* ``sample(rng, size=None)`` draws one value (or a list of ``size`` values) with a
  NumPy ``Generator``.
* ``grid(n)`` gives ``n`` evenly spread values for grid search (all options of a
  :func:`choice`; at most the number of integers of :func:`integers`).

=======================  ===============================  ==============================
space                    draws                            use it for
=======================  ===============================  ==============================
``uniform(low, high)``   uniformly in ``[low, high)``     momentum β, dropout rates
``loguniform(low, high)``  ``log x`` uniform in            scale parameters: learning
                         ``[log low, log high)``          rate, weight decay, ε
``integers(low, high)``  ``low <= k <= high``, each       epochs, layers, patience
                         equally likely (both ends in)
``choice(options)``      one of ``options``, each         batch size, activation,
                         equally likely                   optimizer name
=======================  ===============================  ==============================

``integers`` includes ``high``, as Python's ``random.randint`` and Optuna's
``suggest_int`` do (NumPy's ``Generator.integers`` and scikit-learn's ``randint``
exclude it).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mlcourse._checks import check_int, check_list, check_number, check_range

__all__ = ["Space", "uniform", "loguniform", "integers", "choice", "is_space"]


def _unit(u):
    """``u`` as a float in ``[0, 1)``, or ValueError naming it."""
    return check_range("u", u, 0.0, 1.0, high_open=True)


class Space:
    """Base class of the spaces; subclasses define ``from_unit`` and ``grid``."""

    def from_unit(self, u: float) -> Any:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def grid(self, n: int) -> list:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int | None = None):
        """One value drawn from the space, or a list of ``size`` values."""
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"invalid rng = {rng!r}, expected a numpy.random.Generator "
                            "(np.random.default_rng(seed))")
        if size is None:
            return self.from_unit(float(rng.random()))
        size = check_int("size", size, low=0)
        return [self.from_unit(float(u)) for u in rng.random(size)]


class _Interval(Space):
    """A real interval ``[low, high)``, on a linear or a logarithmic scale."""

    def __init__(self, name, low, high, log):
        low, high = check_number("low", low), check_number("high", high)
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ValueError(f"invalid {name} bounds low = {low!r}, high = {high!r}, expected finite numbers")
        if log and low <= 0:
            raise ValueError(f"invalid low = {low!r}, expected low > 0 (a log-uniform range is on a log scale)")
        if not low < high:
            raise ValueError(f"invalid high = {high!r}, expected high > low = {low!r}")
        self.name, self.low, self.high, self.log = name, low, high, log

    def from_unit(self, u):
        u = _unit(u)
        if self.log:
            return float(math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low))))
        return float(self.low + u * (self.high - self.low))

    def grid(self, n):
        """``n`` values from ``low`` to ``high``, both ends included (geometric if log)."""
        n = check_int("n", n, low=1)
        if n == 1:
            return [self.from_unit(0.5)]
        if self.log:
            return [float(v) for v in np.geomspace(self.low, self.high, n)]
        return [float(v) for v in np.linspace(self.low, self.high, n)]

    def __repr__(self):
        return f"{self.name}({self.low!r}, {self.high!r})"

    def __eq__(self, other):
        return type(other) is type(self) and (self.name, self.low, self.high) == (other.name, other.low, other.high)

    def __hash__(self):
        return hash((self.name, self.low, self.high))


def uniform(low: float, high: float) -> Space:
    """Real values spread evenly over ``[low, high)``."""
    return _Interval("uniform", low, high, log=False)


def loguniform(low: float, high: float) -> Space:
    """Real values whose logarithm is spread evenly: as likely in [1e-4, 1e-3) as in
    [1e-2, 1e-1). Needs ``0 < low < high``. The right space for scale parameters."""
    return _Interval("loguniform", low, high, log=True)


class _Integers(Space):
    def __init__(self, low, high):
        self.low, self.high = check_int("low", low), check_int("high", high)
        if self.high < self.low:
            raise ValueError(f"invalid high = {high!r}, expected high >= low = {low!r}")

    def from_unit(self, u):
        count = self.high - self.low + 1
        return self.low + min(int(_unit(u) * count), count - 1)

    def grid(self, n):
        """``n`` evenly spread integers (fewer when the range holds fewer), ends included."""
        n = check_int("n", n, low=1)
        if n == 1:
            return [self.from_unit(0.5)]
        return sorted({int(round(v)) for v in np.linspace(self.low, self.high, n)})

    def __repr__(self):
        return f"integers({self.low!r}, {self.high!r})"

    def __eq__(self, other):
        return type(other) is type(self) and (self.low, self.high) == (other.low, other.high)

    def __hash__(self):
        return hash(("integers", self.low, self.high))


def integers(low: int, high: int) -> Space:
    """Integers ``low, low + 1, ..., high`` (both included), each equally likely."""
    return _Integers(low, high)


class _Choice(Space):
    def __init__(self, options):
        options = check_list("options", options, "values")
        if len(options) == 0:
            raise ValueError("invalid options = [], expected at least one value")
        self.options = tuple(options)

    def from_unit(self, u):
        count = len(self.options)
        return self.options[min(int(_unit(u) * count), count - 1)]

    def grid(self, n=None):
        """Every option, in the order given (``n`` is ignored: a choice has no in-between)."""
        return list(self.options)

    def __repr__(self):
        return f"choice({list(self.options)!r})"

    def __eq__(self, other):
        return type(other) is type(self) and self.options == other.options

    def __hash__(self):
        return hash(("choice", self.options))


def choice(options) -> Space:
    """One of ``options`` (a list), each equally likely."""
    return _Choice(options)


def is_space(value) -> bool:
    """Whether ``value`` is a space (anything else in a search space is a constant)."""
    return isinstance(value, Space)
