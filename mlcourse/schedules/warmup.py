"""Linear warm-up followed by cosine annealing: the most common recipe, as one schedule."""

from .._checks import check_int, check_range
from ._base import Schedule, describe
from .annealing import cosine_annealing, linear
from .chain import sequential


def warmup_cosine(lr, warmup_steps, total_steps, start_factor=0.01, eta_min=0.0):
    r"""Warm up linearly from ``start_factor * lr`` to ``lr``, then anneal along a cosine to ``eta_min``.

    .. math::
        \eta_t = \begin{cases}
            \eta_0 \left(f_0 + (1 - f_0)\,\dfrac{t}{W}\right) & 0 \le t < W \\[1ex]
            \eta_{\min} + \tfrac12 (\eta_0 - \eta_{\min})
                \left(1 + \cos\dfrac{\pi (t - W)}{T - W}\right) & W \le t
        \end{cases}

    with :math:`W` = ``warmup_steps``, :math:`T` = ``total_steps`` and :math:`f_0` =
    ``start_factor``. The first update uses :math:`f_0\eta_0`, the rate reaches
    :math:`\eta_0` at :math:`t = W` (the cosine's step 0) and :math:`\eta_{\min}` at
    :math:`t = T`. It is :func:`sequential` of :func:`linear` and
    :func:`cosine_annealing`, nothing more: a name for the composition that most
    recipes use (optax calls it ``warmup_cosine_decay_schedule``).

    torch counterpart: ``SequentialLR(opt, [LinearLR(opt, start_factor, total_iters=W),
    CosineAnnealingLR(opt, T_max=T - W, eta_min)], milestones=[W])``. As with
    :func:`cosine_annealing`, the rate rises again past ``total_steps``: plan the run
    to end there.

    Args:
        lr: the peak rate :math:`\eta_0 \ge 0`.
        warmup_steps: :math:`W \ge 1`, the length of the warm-up.
        total_steps: :math:`T > W`, the length of the whole schedule.
        start_factor: :math:`0 < f_0 \le 1`, the fraction of ``lr`` the warm-up starts
            at (torch's ``LinearLR`` does not allow 0).
        eta_min: the final rate, :math:`\eta_{\min} \ge 0`.
    """
    lr = check_range("lr", lr, 0)
    warmup_steps = check_int("warmup_steps", warmup_steps, low=1)
    total_steps = check_int("total_steps", total_steps, low=1)
    if total_steps <= warmup_steps:
        raise ValueError(f"invalid total_steps = {total_steps}, expected total_steps > warmup_steps = "
                         f"{warmup_steps}")
    start_factor = check_range("start_factor", start_factor, 0, 1, low_open=True)
    eta_min = check_range("eta_min", eta_min, 0)
    chained = sequential(
        [linear(lr, start_factor=start_factor, end_factor=1.0, total_iters=warmup_steps),
         cosine_annealing(lr, T_max=total_steps - warmup_steps, eta_min=eta_min)],
        milestones=[warmup_steps])
    return Schedule(chained.formula, describe("warmup_cosine", lr=lr, warmup_steps=warmup_steps,
                                              total_steps=total_steps, start_factor=start_factor,
                                              eta_min=eta_min))
