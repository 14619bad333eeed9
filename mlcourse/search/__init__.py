"""Hyperparameter search: spaces to search over, samplers, and early-stopping searches.

* :mod:`~mlcourse.search.spaces`: :func:`uniform`, :func:`loguniform`,
  :func:`integers`, :func:`choice` — each maps a number in ``[0, 1)`` to a value
  (``from_unit``), draws with a seeded ``rng`` (``sample``) and lists values for a grid
  (``grid``). The checkers of :mod:`mlcourse.grading` use the same spaces to draw the
  hyperparameters they test a student's rule on.
* :mod:`~mlcourse.search.samplers`: :func:`grid`, :func:`random` and :func:`sobol`
  turn a space ``{name: space or constant}`` into a list of configurations.
* :mod:`~mlcourse.search.halving`: :func:`successive_halving` and :func:`hyperband`
  call ``train(config, budget)`` and return every trial with its budget and score;
  :func:`halving_schedule` and :func:`hyperband_schedule` give their rungs without
  training; :func:`evaluate` runs a list of configurations at one budget.
* :mod:`~mlcourse.search.objectives`: :func:`digits_mlp`, a real objective with
  validation and test splits and a cost counter, :func:`low_effective_dimension`, and
  two objectives that cost nothing, for testing a search: :func:`quadratic_bowl` and
  :func:`power_law_curves`.
* :mod:`~mlcourse.search.analysis`: :func:`main_effects`, how much of the spread of a
  random search's scores each hyperparameter explains on its own.
"""

from mlcourse.search.spaces import Space, choice, integers, is_space, loguniform, uniform
from mlcourse.search.samplers import grid, random, sobol
from mlcourse.search.halving import (Bracket, Rung, SearchResult, Trial, evaluate, halving_schedule, hyperband,
                                     hyperband_schedule, schedule_cost, successive_halving)
from mlcourse.search.objectives import digits_mlp, low_effective_dimension, power_law_curves, quadratic_bowl
from mlcourse.search.analysis import main_effects

__all__ = ["Space", "uniform", "loguniform", "integers", "choice", "is_space",
           "grid", "random", "sobol",
           "Rung", "Bracket", "Trial", "SearchResult", "halving_schedule", "hyperband_schedule",
           "schedule_cost", "successive_halving", "hyperband", "evaluate",
           "digits_mlp", "low_effective_dimension", "main_effects", "quadratic_bowl", "power_law_curves"]
