"""Hyperparameter search: spaces to search over (and, as chapter 8 grows, the samplers
and early-stopping searches that use them).

* :mod:`~mlcourse.search.spaces`: :func:`uniform`, :func:`loguniform`,
  :func:`integers`, :func:`choice` — each maps a number in ``[0, 1)`` to a value
  (``from_unit``), draws with a seeded ``rng`` (``sample``) and lists values for a grid
  (``grid``). The checkers of :mod:`mlcourse.grading` use the same spaces to draw the
  hyperparameters they test a student's rule on.
"""

from mlcourse.search.spaces import Space, choice, integers, is_space, loguniform, uniform
from mlcourse.search.range_test import RangeTest, range_test, suggest_lr  # noqa: F401  (the LR range test, chapter 7)

__all__ = ["Space", "uniform", "loguniform", "integers", "choice", "is_space"]
