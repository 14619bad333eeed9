"""Schedules that move between two rates along a line or a cosine: linear warm-up,
cosine annealing and the 1cycle policy.
"""

import numpy as np

from .._checks import check_choice, check_flag, check_int, check_range
from ._base import Schedule, describe


def _line(start, end, fraction):
    """A straight line from ``start`` (fraction 0) to ``end`` (fraction 1), as torch writes it."""
    return (end - start) * fraction + start


def linear(lr, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
    r"""Move the factor on ``lr`` linearly from ``start_factor`` to ``end_factor`` (a warm-up).

    .. math::
        \eta_t = \eta_0 \left(f_0 + (f_1 - f_0)\,\frac{\min(t, T)}{T}\right)

    with :math:`f_0` = ``start_factor``, :math:`f_1` = ``end_factor`` and
    :math:`T` = ``total_iters``; after :math:`T` steps the rate stays at
    :math:`f_1 \eta_0`. The defaults warm up from a third of ``lr`` to ``lr``
    in five steps.

    torch counterpart: ``torch.optim.lr_scheduler.LinearLR`` with the same
    arguments and ranges. torch multiplies the current rate by
    :math:`1 + (f_1 - f_0) / (T f_0 + (t - 1)(f_1 - f_0))` at each ``step()``,
    a product that telescopes to the closed form above; the two agree up to
    rounding.

    Args:
        lr: the base learning rate :math:`\eta_0 \ge 0`.
        start_factor: :math:`0 < f_0 \le 1`.
        end_factor: :math:`0 \le f_1 \le 1`.
        total_iters: :math:`T \ge 1` (torch also accepts 0, and then keeps
            :math:`f_0 \eta_0` for ever, which is surely not what was meant).
    """
    lr = check_range("lr", lr, 0)
    start_factor = check_range("start_factor", start_factor, 0, 1, low_open=True)
    end_factor = check_range("end_factor", end_factor, 0, 1)
    total_iters = check_int("total_iters", total_iters, low=1)

    def formula(t):
        return lr * _line(start_factor, end_factor, np.minimum(t, total_iters) / total_iters)

    description = describe(
        "linear", lr=lr, start_factor=start_factor, end_factor=end_factor, total_iters=total_iters
    )
    return Schedule(formula, description)


def _cosine(start, end, fraction):
    r"""Half a cosine from ``start`` (fraction 0) to ``end`` (fraction 1):
    :math:`e + \tfrac{1}{2}(s - e)(1 + \cos \pi x)`."""
    return end + (start - end) / 2.0 * (np.cos(np.pi * fraction) + 1)


def cosine_annealing(lr, T_max, eta_min=0.0):
    r"""Cosine annealing from ``lr`` down to ``eta_min`` over ``T_max`` steps.

    .. math::
        \eta_t = \eta_{\min} + \tfrac{1}{2}(\eta_0 - \eta_{\min})
                 \left(1 + \cos\frac{\pi t}{T_{\max}}\right)

    torch counterpart: ``torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max, eta_min)``.

    .. note:: **Beyond** ``T_max`` **the rate rises again.** torch computes the
       rate recursively, multiplying :math:`\eta_t - \eta_{\min}` by
       :math:`(1 + \cos\frac{\pi t}{T})/(1 + \cos\frac{\pi (t-1)}{T})`, and
       restarts that product with an explicit step at :math:`t = T+1, 3T+1, \ldots`
       (where the ratio would be 0/0). The result follows the closed form above
       for every ``t``, so past ``T_max`` the rate climbs back to ``lr`` at
       ``2 T_max``, falls again to ``eta_min`` at ``3 T_max``, and so on with
       period ``2 T_max``. This function matches that. It is *not* the
       "anneal, then hold ``eta_min``" schedule of optax's ``cosine_decay_schedule``;
       to hold, choose ``T_max`` = the run length, or chain a constant:
       ``sequential([cosine_annealing(lr, T), piecewise_constant([], [eta_min])], [T])``.

       The recursion telescopes (each step divides by the cosine term the step
       before multiplied by), so it agrees with the closed form up to rounding:
       measured over four half-periods with ``T_max`` up to 3000, the two differ
       by less than :math:`10^{-14}\,\eta_0`. Relative to the rate itself the
       difference grows only near the troughs, where the rate nears ``eta_min``
       (up to :math:`4 \cdot 10^{-12}` for ``T_max = 3000, eta_min = 0``).

    Args:
        lr: the rate at :math:`t = 0`, :math:`\eta_0 \ge 0`.
        T_max: the number of steps to reach ``eta_min``, an integer ``>= 1``.
        eta_min: the lowest rate, :math:`\eta_{\min} \ge 0`.
    """
    lr = check_range("lr", lr, 0)
    T_max = check_int("T_max", T_max, low=1)
    eta_min = check_range("eta_min", eta_min, 0)
    return Schedule(
        lambda t: _cosine(lr, eta_min, t / T_max),
        describe("cosine_annealing", lr=lr, T_max=T_max, eta_min=eta_min),
    )


def one_cycle(
    max_lr,
    total_steps,
    pct_start=0.3,
    anneal_strategy="cos",
    div_factor=25.0,
    final_div_factor=1e4,
    three_phase=False,
):
    r"""The 1cycle policy: warm up from ``max_lr / div_factor`` to ``max_lr``, then anneal far below.

    With :math:`\eta_{\text{init}} = \eta_{\max}/d` and
    :math:`\eta_{\text{final}} = \eta_{\text{init}}/d_f`, the rate moves through
    phases that end at (fractional) steps :math:`e_k` and, inside each, anneals
    from the phase's start rate :math:`a` to its end rate :math:`b` along

    .. math::
        \text{cos:}\;\; b + \tfrac12 (a - b)(1 + \cos \pi x), \qquad
        \text{linear:}\;\; a + (b - a)\,x, \qquad
        x = \frac{t - e_{k-1}}{e_k - e_{k-1}}, \;\; e_0 = 0

    - two phases (default): :math:`\eta_{\text{init}} \to \eta_{\max}` until
      :math:`e_1 = p N - 1`, then :math:`\eta_{\max} \to \eta_{\text{final}}` until
      :math:`e_2 = N - 1`;
    - ``three_phase=True`` (the original paper): up until :math:`p N - 1`, back
      down to :math:`\eta_{\text{init}}` until :math:`2 p N - 2`, then
      :math:`\eta_{\text{init}} \to \eta_{\text{final}}` until :math:`N - 1`;

    where :math:`N` = ``total_steps`` and :math:`p` = ``pct_start``.

    torch counterpart: the learning rate of ``torch.optim.lr_scheduler.OneCycleLR``
    with the same arguments, computed with the same floating-point operations.
    Differences, all deliberate:

    - torch also accepts ``epochs`` and ``steps_per_epoch`` and multiplies
      them; here pass ``total_steps = epochs * steps_per_epoch``.
    - torch also cycles the momentum; schedules here give the learning rate only.
    - Valid steps are ``0 <= t <= total_steps``, as in torch, which raises a
      ValueError after ``total_steps`` calls of ``step()``. The value at
      ``t = total_steps`` (reached by torch's last ``step()`` but never used by a
      ``total_steps``-update run) lies one step *past* the end of the last
      phase: with ``"cos"`` the rate has turned back up (it equals the value at
      ``total_steps - 2``), with ``"linear"`` it overshoots
      :math:`\eta_{\text{final}}` and is *negative*. Both are torch's values.
    - Every phase must span a positive number of steps. torch accepts degenerate
      phases and then divides by zero (e.g. ``pct_start * total_steps == 1``) or
      runs a phase backwards (``three_phase`` with ``pct_start > 0.5``); here
      those raise a ValueError at construction.

    Args:
        max_lr: the peak rate :math:`\eta_{\max} \ge 0`.
        total_steps: :math:`N`, the length of the cycle in steps, an integer ``>= 2``.
        pct_start: :math:`p`, the fraction of the cycle spent warming up, in
            [0, 1] and such that every phase spans a positive number of steps:
            :math:`pN > 1`, and :math:`p < 1` (two phases) or
            :math:`2pN < N + 1` (three phases).
        anneal_strategy: ``"cos"`` or ``"linear"``.
        div_factor: :math:`d > 0`.
        final_div_factor: :math:`d_f > 0`.
        three_phase: whether to use the paper's three phases.
    """
    max_lr = check_range("max_lr", max_lr, 0)
    total_steps = check_int("total_steps", total_steps, low=2)
    pct_start = check_range("pct_start", pct_start, 0, 1)
    anneal_strategy = check_choice("anneal_strategy", anneal_strategy, ("cos", "linear"))
    div_factor = check_range("div_factor", div_factor, 0, low_open=True)
    final_div_factor = check_range("final_div_factor", final_div_factor, 0, low_open=True)
    three_phase = check_flag("three_phase", three_phase)

    initial_lr = max_lr / div_factor
    final_lr = initial_lr / final_div_factor
    # (end step, start rate, end rate) of each phase, written as torch writes them
    # so that the floating-point results agree.
    if three_phase:
        phases = [
            (float(pct_start * total_steps) - 1, initial_lr, max_lr),
            (float(2 * pct_start * total_steps) - 2, max_lr, initial_lr),
            (total_steps - 1, initial_lr, final_lr),
        ]
    else:
        phases = [
            (float(pct_start * total_steps) - 1, initial_lr, max_lr),
            (total_steps - 1, max_lr, final_lr),
        ]
    starts = [0.0] + [end for end, _, _ in phases[:-1]]
    for k, ((end, _, _), start) in enumerate(zip(phases, starts)):
        if not end - start > 0:
            raise ValueError(
                f"invalid pct_start = {pct_start!r} with total_steps = {total_steps}"
                f"{' and three_phase = True' if three_phase else ''}: phase {k + 1} of "
                f"{len(phases)} would span {end - start:g} steps, expected > 0"
            )
    anneal = _cosine if anneal_strategy == "cos" else _line
    ends = np.array([end for end, _, _ in phases])

    def formula(t):
        # A step belongs to the first phase whose end it does not pass; the
        # last phase also takes t = total_steps, one step past its end.
        phase = np.minimum(np.searchsorted(ends, t, side="left"), len(phases) - 1)
        lrs = np.empty(t.shape)
        for k, (end, start_lr, end_lr) in enumerate(phases):
            inside = phase == k
            fraction = (t[inside] - starts[k]) / (end - starts[k])
            lrs[inside] = anneal(start_lr, end_lr, fraction)
        return lrs

    description = describe(
        "one_cycle",
        max_lr=max_lr,
        total_steps=total_steps,
        pct_start=pct_start,
        anneal_strategy=anneal_strategy,
        div_factor=div_factor,
        final_div_factor=final_div_factor,
        three_phase=three_phase,
    )
    return Schedule(formula, description, max_step=total_steps, max_name="total_steps")
