"""Chaining schedules: a warm-up, then another schedule, then another..."""

import numpy as np

from ._base import Schedule, check_steps_list, describe
from .plateau import Plateau


def sequential(schedules, milestones):
    r"""Run ``schedules[0]`` until ``milestones[0]``, then ``schedules[1]`` from its own step 0, ...

    .. math::
        \eta_t = \eta^{(i)}_{t - m_{i-1}} \quad \text{for } m_{i-1} \le t < m_i,
        \qquad m_{-1} = 0,\; m_n = \infty

    Each schedule restarts its count at its milestone: ``sequential([linear(0.1),
    cosine_annealing(0.1, T_max=95)], milestones=[5])`` warms up for steps 0..4,
    then anneals with step 5 as the cosine's step 0.

    torch counterpart: ``torch.optim.lr_scheduler.SequentialLR(opt, schedulers,
    milestones)``, which agrees with this definition when every scheduler is
    built on the one optimizer and ``lr`` here is that optimizer's ``lr``. Where
    torch differs, and why:

    - torch's schedulers share one ``param_group["lr"]``: each scheduler
      scales the optimizer's *initial* lr, and the recursive ones (ExponentialLR,
      CosineAnnealingLR, ...) continue from whatever rate the group holds. Here
      every schedule carries its own ``lr``, so a warm-up may end at a different
      rate from the one the next schedule starts at. Pass equal ``lr`` values to
      reproduce torch.
    - ``OneCycleLR`` overwrites the group's ``initial_lr`` with
      ``max_lr / div_factor`` when it is built; SequentialLR resets the group to
      that rate, and the recursive schedulers then scale it. So torch's
      ``SequentialLR([LinearLR(opt), OneCycleLR(opt, max_lr=0.1, ...)], [5])``
      on an optimizer with ``lr=0.1`` warms up from 0.004/3, not 0.1/3: it is
      ``sequential([linear(0.004), one_cycle(0.1, ...)], [5])`` here.
    - torch rejects ReduceLROnPlateau in a sequence; so does this function.
    - Milestones must be strictly increasing here; torch does not check, and
      its ``bisect`` then picks the wrong scheduler. A milestone 0 is allowed
      in both: the first schedule then never runs.

    Args:
        schedules: functions of the step (schedules from this module, or any
            function that accepts an integer array).
        milestones: strictly increasing steps, one fewer than there are schedules.
    """
    if isinstance(schedules, Plateau) or not isinstance(schedules, (list, tuple)):
        raise TypeError(f"invalid schedules = {schedules!r}, expected a list of schedules")
    schedules = list(schedules)
    if not schedules:
        raise ValueError("invalid schedules = [], expected at least one schedule")
    for i, schedule in enumerate(schedules):
        if isinstance(schedule, Plateau) or not callable(schedule):
            raise TypeError(
                f"invalid schedules[{i}] = {schedule!r}, expected a function of the step t "
                "(reduce_on_plateau depends on a metric, not on t, and cannot be chained)"
            )
    milestones = check_steps_list("milestones", milestones, increasing=True)
    if len(milestones) != len(schedules) - 1:
        raise ValueError(
            f"invalid milestones = {milestones!r}, expected len(milestones) = "
            f"len(schedules) - 1 = {len(schedules) - 1}"
        )
    starts = [0] + milestones

    def formula(t):
        which = np.searchsorted(milestones, t, side="right")
        lrs = np.empty(t.shape)
        for i, (schedule, start) in enumerate(zip(schedules, starts)):
            inside = which == i
            if inside.any():
                lrs[inside] = schedule(t[inside] - start)
        return lrs

    return Schedule(formula, describe("sequential", schedules=schedules, milestones=milestones))
