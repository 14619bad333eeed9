"""Learning-rate schedules: the learning rate as a function of the step count.

A schedule is a function of ``t``, the number of updates already done (0 for the
first update), returning the learning rate :math:`\\eta_t`::

    schedule = mlcourse.schedules.cosine_annealing(lr=0.1, T_max=100)
    schedule(0)                 # 0.1, a float
    schedule(np.arange(200))    # a float64 array

The value at ``t`` is the rate ``torch.optim.lr_scheduler`` gives after ``t``
calls of ``scheduler.step()`` (``t = 0``: before any), so an optimizer from
:mod:`mlcourse.optim` given ``lr=schedule`` takes the same steps as torch with
the matching scheduler stepped after every ``optimizer.step()``. Each factory
checks its arguments when it is called, and each schedule rejects negative or
non-integer ``t``.

- :mod:`~mlcourse.schedules.decay`: :func:`power`, :func:`exponential_decay`
  (the notes' two), :func:`exponential`, :func:`step`, :func:`multi_step`,
  :func:`piecewise_constant`.
- :mod:`~mlcourse.schedules.annealing`: :func:`linear` (warm-up),
  :func:`cosine_annealing`, :func:`one_cycle`.
- :mod:`~mlcourse.schedules.restarts`: :func:`cosine_annealing_warm_restarts` (SGDR).
- :mod:`~mlcourse.schedules.warmup`: :func:`warmup_cosine`, linear warm-up then cosine.
- :mod:`~mlcourse.schedules.plateau`: :func:`reduce_on_plateau`, the one
  stateful schedule (``init()`` and ``update(metric, state)``).
- :mod:`~mlcourse.schedules.chain`: :func:`sequential` (a warm-up, then another
  schedule).
"""

from ._base import Schedule
from .annealing import cosine_annealing, linear, one_cycle
from .chain import sequential
from .decay import exponential, exponential_decay, multi_step, piecewise_constant, power, step
from .plateau import Plateau, PlateauState, reduce_on_plateau
from .restarts import cosine_annealing_warm_restarts
from .warmup import warmup_cosine

__all__ = [
    "Schedule",
    "Plateau",
    "PlateauState",
    "power",
    "exponential_decay",
    "exponential",
    "step",
    "multi_step",
    "piecewise_constant",
    "linear",
    "cosine_annealing",
    "one_cycle",
    "cosine_annealing_warm_restarts",
    "warmup_cosine",
    "reduce_on_plateau",
    "sequential",
]
