r"""Samplers: which configurations to try. Grid, random and quasi-random (Sobol).

A **search space** is a dict ``{name: space or constant}``: each value is a space from
:mod:`mlcourse.search.spaces` (``loguniform(1e-4, 1.0)``, ``choice([32, 64])``, ...)
or a constant that every configuration gets unchanged. A **configuration** is a plain
dict ``{name: value}``, one value per name, in the order of the space.

All three samplers return a list of configurations:

* :func:`grid`: the Cartesian product of ``n`` values per space (``space.grid(n)``):
  :math:`n^d` configurations for :math:`d` searched hyperparameters.
* :func:`random`: ``n`` independent draws, each value ``space.from_unit(u)`` of a
  uniform number :math:`u \in [0, 1)`.
* :func:`sobol`: the same map applied to the first ``n`` points of a scrambled Sobol
  sequence in :math:`[0, 1)^d` instead of independent uniform points.

Random and Sobol differ only in where the points of the unit cube come from; every
space maps ``u`` to a value by the inverse of its distribution, so a log-uniform space
stays log-uniform under both.
"""

from __future__ import annotations

import itertools
import math
import numbers
import warnings

import numpy as np

from mlcourse._checks import check_int
from mlcourse.search.spaces import is_space

__all__ = ["grid", "random", "sobol", "check_space", "MAX_GRID"]

#: Largest grid :func:`grid` builds. A grid grows like n^d; past a million
#: configurations it is a mistake, not a search.
MAX_GRID = 1_000_000


def check_space(space) -> dict:
    """Return ``space`` as a dict of names to spaces or constants, or raise naming it.

    Anything that is not a space is a constant, a pair such as Adam's
    ``betas=(0.9, 0.999)`` included: write ``uniform(a, b)`` or ``choice([a, b])`` to
    search over it."""
    if not isinstance(space, dict):
        raise TypeError(f"invalid space = {space!r}, expected a dict {{name: space or constant}}, "
                        "e.g. {'lr': loguniform(1e-4, 1.0)}")
    for name in space:
        if not isinstance(name, str):
            raise TypeError(f"invalid space: name {name!r} is not a str")
    return dict(space)


def _rng(seed):
    """A Generator from ``seed``: an int, None (fresh entropy) or a Generator (used as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0):
        return np.random.default_rng(seed)
    raise TypeError(f"invalid seed = {seed!r}, expected a non-negative int, None or a numpy.random.Generator")


def _searched(space):
    """The names of the entries that are spaces (the dimensions of the unit cube)."""
    return [name for name, value in space.items() if is_space(value)]


def from_unit(space, points) -> list[dict]:
    r"""Configurations from points of the unit cube: row ``k`` of ``points`` (shape
    ``(n, d)``, ``d`` = the number of spaces in ``space``, in order) becomes
    configuration ``k``, each value ``space[name].from_unit(u)``; constants are copied."""
    space = check_space(space)
    names = _searched(space)
    points = np.asarray(points, dtype=float)
    if points.ndim != 2 or points.shape[1] != len(names):
        raise ValueError(f"invalid points with shape {points.shape}, expected (n, {len(names)}): "
                         f"one column per searched name {names}")
    configs = []
    for row in points:
        values = dict(zip(names, row))
        configs.append({name: value.from_unit(float(values[name])) if name in values else value
                        for name, value in space.items()})
    return configs


def grid(space, n=3) -> list[dict]:
    r"""Grid search: every combination of ``n`` values per hyperparameter.

    .. math::
        \mathcal G = V_1 \times V_2 \times \cdots \times V_d, \qquad
        |\mathcal G| = \prod_{j=1}^{d} |V_j| = n^d \text{ when every } |V_j| = n,

    with :math:`V_j` = ``space[name_j].grid(n_j)``: evenly spaced values, both ends
    included (geometrically spaced for a log-uniform space), every option of a
    :func:`~mlcourse.search.spaces.choice`, at most the integers a range holds.

    Args:
        space: ``{name: space or constant}``.
        n: values per hyperparameter, an int for all or a dict ``{name: n}``
            (names left out get 3).

    Returns the configurations in the order of nested loops over the names as
    written, the *last* name changing fastest.

    Convention: scikit-learn's ``ParameterGrid`` sorts the names alphabetically
    before taking the product; here the order you wrote is kept. With names written
    in sorted order the two lists are identical.

    Raises ValueError when the grid would hold more than :data:`MAX_GRID`
    configurations (the message gives the count: that is the exponential cost).
    """
    space = check_space(space)
    names = _searched(space)
    if isinstance(n, dict):
        unknown = sorted(set(n) - set(names))
        if unknown:
            raise ValueError(f"invalid n: {unknown} are not searched names of the space {names}")
        counts = {name: check_int(f"n[{name!r}]", n.get(name, 3), low=1) for name in names}
    else:
        n = check_int("n", n, low=1)
        counts = {name: n for name in names}
    axes = [space[name].grid(counts[name]) for name in names]
    size = math.prod(len(axis) for axis in axes)
    if size > MAX_GRID:
        shape = " x ".join(str(len(axis)) for axis in axes)
        raise ValueError(f"invalid grid of {shape} = {size:,} configurations, expected at most "
                         f"{MAX_GRID:,}: a grid grows exponentially with the number of hyperparameters")
    configs = []
    for values in itertools.product(*axes):
        chosen = dict(zip(names, values))
        configs.append({name: chosen.get(name, value) if is_space(value) else value
                        for name, value in space.items()})
    return configs


def random(space, n, seed=0) -> list[dict]:
    r"""Random search: ``n`` independent configurations.

    .. math::
        u^{(k)} \sim \mathcal U[0, 1)^d \text{ independently}, \qquad
        c^{(k)}_j = F_j^{-1}\big(u^{(k)}_j\big), \qquad k = 1, \dots, n,

    where :math:`F_j^{-1}` is ``space[name_j].from_unit``: uniform for
    :func:`~mlcourse.search.spaces.uniform`, uniform in the logarithm for
    :func:`~mlcourse.search.spaces.loguniform`, each integer or option equally likely.

    Args:
        space: ``{name: space or constant}``.
        n: the number of configurations.
        seed: an int, None (fresh entropy) or a ``numpy.random.Generator`` (which is
            advanced, so that successive calls give new configurations).

    The uniform numbers are drawn as one ``(n, d)`` array, row by row, so the first
    ``m`` configurations of ``random(space, n, seed)`` are ``random(space, m, seed)``.

    Convention: scikit-learn's ``ParameterSampler`` draws with the legacy
    ``RandomState`` and, when every entry is a list, samples the grid *without*
    replacement; the two agree in distribution, not draw for draw.
    """
    space = check_space(space)
    n = check_int("n", n, low=0)
    rng = _rng(seed)
    return from_unit(space, rng.random((n, len(_searched(space)))))


def sobol(space, n, seed=0, scramble=True) -> list[dict]:
    r"""Quasi-random search: the first ``n`` points of a Sobol sequence, mapped like :func:`random`.

    A Sobol sequence (Sobol', 1967) fills :math:`[0, 1)^d` more evenly than independent
    points: for :math:`n = 2^m`, each coordinate has exactly one point in each of the
    :math:`2^m` intervals :math:`[i/2^m, (i+1)/2^m)`, and its discrepancy (the worst
    gap between the fraction of points in a box and the box's volume) shrinks like
    :math:`(\log n)^d / n` rather than the :math:`1/\sqrt n` of random points.
    Scrambling (Owen) randomises the sequence while keeping those properties, so
    different seeds give different, equally even point sets.

    Args:
        space: ``{name: space or constant}``.
        n: the number of configurations. The balance properties hold for powers of 2;
            other ``n`` take the first ``n`` points of the next power of 2 (no warning).
        seed: an int, None or a ``numpy.random.Generator``, for the scrambling.
        scramble: False gives the plain sequence, which starts at the corner
            :math:`u = 0` (the lowest value of every space).

    Uses ``scipy.stats.qmc.Sobol`` (SciPy comes with scikit-learn).
    """
    from scipy.stats import qmc

    space = check_space(space)
    n = check_int("n", n, low=0)
    if not isinstance(scramble, bool):
        raise TypeError(f"invalid scramble = {scramble!r}, expected True or False")
    rng = _rng(seed)
    d = len(_searched(space))
    if n == 0 or d == 0:
        return from_unit(space, np.zeros((n, d)))
    m = max(0, math.ceil(math.log2(n)))
    engine = qmc.Sobol(d, scramble=scramble, rng=rng)
    with warnings.catch_warnings():  # scipy warns when d is above its table; it never is here
        warnings.simplefilter("ignore", UserWarning)
        points = engine.random_base2(m)[:n]
    return from_unit(space, points)
