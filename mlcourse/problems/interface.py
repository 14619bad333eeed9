"""What a problem is: the one interface that the training loop, the widgets and the graders use.

A problem is one of three NamedTuples, and nothing else:

* :class:`~mlcourse.problems.functions.Function2D`, a 2-D test function:
  ``name``, ``loss(theta)``, ``grad(theta)``, ``theta0``, ``hessian`` (below), plus
  ``minima``, ``bounds``, ``lr`` and ``saddle_points`` for drawing; ``loss``, ``grad``
  and ``hessian`` accept ``theta`` of shape ``(..., 2)`` (a grid, for contour plots).
* :class:`~mlcourse.problems.models.DataProblem`, a model on a training set:
  ``name``, ``loss(theta, batch=None)``, ``grad(theta, batch=None)``, ``theta0``,
  ``hessian``, plus the training data (``n_samples``, ``X``, ``y``) and the helpers its
  docstring lists (``accuracy``, ``unpack``, ``pack``, ...); ``batch`` is an index
  array into the training set (None: all of it).
* :class:`~mlcourse.problems.counterexamples.Function1D`, a function of one parameter
  (a counterexample): ``name``, ``loss``, ``grad``, ``theta0``, ``hessian``, plus
  ``minima``, ``bounds``, ``lr`` and ``curvature_range``; ``theta`` has shape ``(..., 1)``.

All have ``hessian``: a function ``hessian(theta)`` returning the Hessian of the loss
at ``theta`` (``(..., 2, 2)`` for a 2-D function, ``(d, d)`` for a data problem with
``d`` parameters, ``(..., 1, 1)`` for a 1-D function), or ``None`` where the problem
provides none. A new problem generator returns one of these types
(``problem._replace(...)`` keeps the type), or adds its type to :data:`PROBLEM_TYPES`
if it has the common fields, so that :func:`mlcourse.train.minimize` and the widgets
accept it.
"""

from .counterexamples import Function1D
from .functions import Function2D
from .models import DataProblem

__all__ = ["PROBLEM_TYPES", "is_problem", "has_data", "check_problem"]

PROBLEM_TYPES = (Function2D, DataProblem, Function1D)


def is_problem(value):
    """Whether ``value`` is a problem: a ``Function2D``, a ``DataProblem`` or a ``Function1D``."""
    return isinstance(value, PROBLEM_TYPES)


def has_data(problem):
    """Whether ``problem`` has training samples (and so takes a ``batch`` in ``loss``/``grad``)."""
    return isinstance(problem, DataProblem)


def check_problem(name, value):
    """Return ``value`` if it is a problem, else raise TypeError naming the argument."""
    if not is_problem(value):
        raise TypeError(f"invalid {name} = {value!r}, expected a problem from mlcourse.problems "
                        "(a Function2D, a DataProblem or a Function1D)")
    return value
