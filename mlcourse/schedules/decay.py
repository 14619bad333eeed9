"""Decay schedules: power, exponential, step, multi-step, piecewise constant.

:func:`exponential`, :func:`exponential_decay`, :func:`step` and :func:`multi_step`
are one geometric formula, :math:`\\eta_0 \\gamma^{k(t)}`, with different
exponents :math:`k(t)`: the step itself, a fraction ``t/s``, a floor
``t // step_size``, the number of milestones passed. :func:`power` decays
polynomially instead, and :func:`piecewise_constant` lists its values outright.
"""

import numpy as np

from .._checks import check_int, check_range
from ._base import Schedule, check_steps_list, describe


def _geometric(lr, gamma, exponent):
    """:math:`\\eta_0 \\gamma^{k}`, the formula shared by every exponential-type schedule."""
    return lr * np.power(gamma, exponent, dtype=np.float64)


def power(lr, s, c=1):
    r"""Power scheduling: :math:`\eta_t = \dfrac{\eta_0}{(1 + t/s)^{c}}`.

    After ``s`` steps the learning rate has fallen to :math:`\eta_0 / 2^c`, after
    ``2s`` steps to :math:`\eta_0 / 3^c`, ...: it drops quickly at first, then ever
    more slowly. With ``c = 1`` (the usual choice) this is the classic
    :math:`\eta_0 / (1 + t/s)`.

    torch has no named counterpart; ``LambdaLR(opt, lambda t: (1 + t / s) ** -c)``
    gives the same values up to rounding.

    Args:
        lr: the initial learning rate :math:`\eta_0 \ge 0`.
        s: the step scale :math:`s > 0` (need not be an integer).
        c: the power :math:`c \ge 0`.
    """
    lr = check_range("lr", lr, 0)
    s = check_range("s", s, 0, low_open=True)
    c = check_range("c", c, 0)
    return Schedule(lambda t: lr / (1 + t / s) ** c, describe("power", lr=lr, s=s, c=c))


def exponential_decay(lr, s, decay_rate=0.1):
    r"""Exponential scheduling: :math:`\eta_t = \eta_0 \cdot r^{t/s}`, with :math:`r` = ``decay_rate``.

    The learning rate is multiplied by ``decay_rate`` every ``s`` steps, smoothly (not
    in jumps as :func:`step` does): with the default 0.1 it falls tenfold every ``s``
    steps. This is :func:`exponential` with :math:`\gamma = r^{1/s}`, and what
    ``optax.exponential_decay(lr, transition_steps=s, decay_rate=r)`` means too.

    torch has no named counterpart; ``ExponentialLR(opt, gamma=decay_rate ** (1 / s))``
    gives the same values up to rounding.

    Args:
        lr: the initial learning rate :math:`\eta_0 \ge 0`.
        s: the number of steps over which the rate is multiplied by ``decay_rate``, :math:`s > 0`.
        decay_rate: the factor :math:`r \ge 0` per ``s`` steps.
    """
    lr = check_range("lr", lr, 0)
    s = check_range("s", s, 0, low_open=True)
    decay_rate = check_range("decay_rate", decay_rate, 0)
    return Schedule(lambda t: _geometric(lr, decay_rate, t / s),
                    describe("exponential_decay", lr=lr, s=s, decay_rate=decay_rate))


def exponential(lr, gamma):
    r"""Multiply the learning rate by ``gamma`` every step: :math:`\eta_t = \eta_0 \gamma^{t}`.

    torch counterpart: ``torch.optim.lr_scheduler.ExponentialLR(opt, gamma)``.
    torch multiplies the current rate by :math:`\gamma` at each ``step()``; the
    closed form here agrees with it up to rounding (about ``t`` units in the
    last place). ``gamma > 1`` grows the rate, as in a learning-rate range test.

    Args:
        lr: the initial learning rate :math:`\eta_0 \ge 0`.
        gamma: the factor per step, :math:`\gamma \ge 0`.
    """
    lr = check_range("lr", lr, 0)
    gamma = check_range("gamma", gamma, 0)
    return Schedule(lambda t: _geometric(lr, gamma, t), describe("exponential", lr=lr, gamma=gamma))


def step(lr, step_size, gamma=0.1):
    r"""Multiply the learning rate by ``gamma`` every ``step_size`` steps.

    .. math:: \eta_t = \eta_0 \, \gamma^{\lfloor t / \text{step\_size} \rfloor}

    torch counterpart: ``torch.optim.lr_scheduler.StepLR(opt, step_size, gamma)``.

    Args:
        lr: the initial learning rate :math:`\eta_0 \ge 0`.
        step_size: the period of the decay, an integer ``>= 1``.
        gamma: the factor applied at each period, :math:`\gamma \ge 0`.
    """
    lr = check_range("lr", lr, 0)
    step_size = check_int("step_size", step_size, low=1)
    gamma = check_range("gamma", gamma, 0)
    return Schedule(
        lambda t: _geometric(lr, gamma, t // step_size),
        describe("step", lr=lr, step_size=step_size, gamma=gamma),
    )


def multi_step(lr, milestones, gamma=0.1):
    r"""Multiply the learning rate by ``gamma`` at each milestone.

    .. math:: \eta_t = \eta_0 \, \gamma^{\#\{i \,:\, m_i \le t\}}

    The new rate applies *at* the milestone: with ``milestones=[30]`` steps
    0..29 use :math:`\eta_0` and step 30 uses :math:`\gamma\eta_0`. A milestone
    listed twice counts twice (torch stores them in a ``Counter``), and the order
    of the list does not matter, as in torch.

    torch counterpart: ``torch.optim.lr_scheduler.MultiStepLR(opt, milestones, gamma)``.

    Args:
        lr: the initial learning rate :math:`\eta_0 \ge 0`.
        milestones: the steps :math:`m_i \ge 0` at which the rate is multiplied.
        gamma: the factor applied at each milestone, :math:`\gamma \ge 0`.
    """
    lr = check_range("lr", lr, 0)
    milestones = check_steps_list("milestones", milestones)
    gamma = check_range("gamma", gamma, 0)
    ordered = np.sort(milestones)
    return Schedule(
        lambda t: _geometric(lr, gamma, np.searchsorted(ordered, t, side="right")),
        describe("multi_step", lr=lr, milestones=milestones, gamma=gamma),
    )


def piecewise_constant(boundaries, values):
    r"""Piecewise constant scheduling: ``values[i]`` from ``boundaries[i-1]`` to ``boundaries[i] - 1``.

    .. math::
        \eta_t = v_i \quad \text{for } b_{i-1} \le t < b_i,
        \qquad b_{-1} = 0,\; b_n = \infty

    With ``boundaries=[5, 55]`` and ``values=[0.1, 0.001, 1e-4]``, steps 0..4 use
    0.1, steps 5..54 use 0.001 and every later step 1e-4. As in
    :func:`multi_step`, the new value applies *at* the boundary (Keras's
    ``PiecewiseConstantDecay`` switches one step later, after the boundary).

    torch has no named counterpart; when each value is the previous one times
    :math:`\gamma` this is ``MultiStepLR(opt, milestones=boundaries, gamma)``.

    Args:
        boundaries: strictly increasing integer steps :math:`b_i \ge 1`.
        values: the learning rates, one more than there are boundaries.
    """
    boundaries = check_steps_list("boundaries", boundaries, low=1, increasing=True)
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"invalid values = {values!r}, expected a list of learning rates")
    values = [check_range(f"values[{i}]", value, 0) for i, value in enumerate(values)]
    if len(values) != len(boundaries) + 1:
        raise ValueError(
            f"invalid values = {values!r}, expected len(values) = len(boundaries) + 1 = "
            f"{len(boundaries) + 1}"
        )
    table = np.array(values, dtype=np.float64)
    return Schedule(
        lambda t: table[np.searchsorted(boundaries, t, side="right")],
        describe("piecewise_constant", boundaries=boundaries, values=values),
    )
