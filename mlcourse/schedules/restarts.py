"""Cosine annealing with warm restarts (SGDR): anneal, jump back up, anneal again."""

import numpy as np

from .._checks import check_int, check_range
from ._base import Schedule, describe


def _cycles(steps, T_0, T_mult):
    """``(T_cur, T_i)`` of every step: the steps since the cycle began, and its length.

    Cycle ``k`` lasts :math:`T_0 T_{\\text{mult}}^k` steps. Integer arithmetic
    throughout, as torch's counters, so that a restart lands on exactly the
    step where torch's does (a logarithm could round across a cycle boundary).
    """
    if T_mult == 1:
        return steps % T_0, np.full(steps.shape, T_0, dtype=np.int64)
    last = int(steps.max()) if steps.size else 0
    starts, lengths = [0], [T_0]
    while starts[-1] + lengths[-1] <= last:  # a few dozen cycles at most: lengths grow geometrically
        starts.append(starts[-1] + lengths[-1])
        lengths.append(lengths[-1] * T_mult)
    which = np.searchsorted(np.array(starts, dtype=np.int64), steps, side="right") - 1
    return steps - np.array(starts, dtype=np.int64)[which], np.array(lengths, dtype=np.int64)[which]


def cosine_annealing_warm_restarts(lr, T_0, T_mult=1, eta_min=0.0):
    r"""Cosine annealing from ``lr`` towards ``eta_min``, restarted at ``lr`` after each cycle.

    .. math::
        \eta_t = \eta_{\min} + \tfrac{1}{2}(\eta_0 - \eta_{\min})
                 \left(1 + \cos\frac{\pi\, T_{\text{cur}}}{T_i}\right)

    where cycle :math:`i = 0, 1, 2, \ldots` lasts :math:`T_i = T_0\, T_{\text{mult}}^{\,i}`
    steps and :math:`T_{\text{cur}}` counts the steps since it began (0 at each
    restart). So the first cycle covers steps :math:`0 \ldots T_0 - 1`, the
    second :math:`T_0 \ldots T_0 + T_0 T_{\text{mult}} - 1`, and so on: with
    ``T_mult=1`` every cycle is ``T_0`` steps long, with ``T_mult=2`` each is
    twice as long as the one before. This is SGDR (Loshchilov and Hutter, 2017):
    the restart to ``lr`` is "warm" because training continues from the current
    parameters, not from a new initialisation.

    torch counterpart:
    ``torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0, T_mult, eta_min)``
    stepped once per update with ``scheduler.step()`` (no argument), which keeps
    :math:`T_{\text{cur}}` and :math:`T_i` as integer counters; here they come from
    the same integer arithmetic, and the rate from torch's floating-point
    operations, so the two agree to the last bit or two. Notes:

    - The rate never reaches ``eta_min``: the last step of a cycle has
      :math:`T_{\text{cur}} = T_i - 1`, and the next step restarts at ``lr``
      (torch's docstring mentions :math:`T_{\text{cur}} = T_i`, which its
      step counter never produces).
    - torch's ``step(epoch)`` with a fractional epoch (to restart in the middle
      of an epoch) computes the cycle with a floating-point logarithm; that
      variant is not reproduced here: ``t`` counts updates, an integer.
    - Like torch, ``eta_min`` may exceed ``lr`` (the rate then rises within each
      cycle); both must be ``>= 0`` here.

    Args:
        lr: the rate at each restart, :math:`\eta_0 \ge 0`.
        T_0: the length of the first cycle in steps, an integer ``>= 1``.
        T_mult: the factor by which each cycle is longer than the one before, an
            integer ``>= 1`` (torch's rule too).
        eta_min: the rate the cosine heads for, :math:`\eta_{\min} \ge 0`.
    """
    lr = check_range("lr", lr, 0)
    T_0 = check_int("T_0", T_0, low=1)
    T_mult = check_int("T_mult", T_mult, low=1)
    eta_min = check_range("eta_min", eta_min, 0)

    def formula(t):
        T_cur, T_i = _cycles(t, T_0, T_mult)
        # torch's order of operations, so that the two agree to the last bit or two
        return eta_min + (lr - eta_min) * (1 + np.cos(np.pi * T_cur / T_i)) / 2

    return Schedule(formula, describe("cosine_annealing_warm_restarts", lr=lr, T_0=T_0, T_mult=T_mult,
                                      eta_min=eta_min))

