"""Performance scheduling: cut the learning rate when a monitored metric stops improving."""

import math
from typing import Callable, NamedTuple

from .._checks import check_choice, check_int, check_number, check_range


class PlateauState(NamedTuple):
    """Everything :func:`reduce_on_plateau` remembers between updates."""

    lr: float  # the current learning rate
    best: float  # the best metric so far (+inf in "min" mode before any update)
    num_bad_epochs: int  # updates since the last significant improvement
    cooldown_counter: int  # updates left before bad epochs count again


class Plateau(NamedTuple):
    """The stateful schedule: ``state = init()``, then ``lr, state = update(metric, state)``.

    The state comes last, as in the optimizers' ``update(params, grads, state)``.
    """

    init: Callable[[], PlateauState]
    update: Callable[[float, PlateauState], tuple[float, PlateauState]]


def reduce_on_plateau(
    lr,
    mode="min",
    factor=0.1,
    patience=10,
    threshold=1e-4,
    threshold_mode="rel",
    cooldown=0,
    min_lr=0,
    eps=1e-8,
):
    r"""Multiply the learning rate by ``factor`` when the metric has stopped improving.

    Call ``update(metric, state)`` once per evaluation (an epoch, or every N
    steps) with the monitored metric, e.g. the validation loss. A metric is an
    *improvement* when it beats the best so far by more than the threshold:

    .. math::
        \text{min, rel: } m < m^\ast (1 - \tau) \qquad
        \text{min, abs: } m < m^\ast - \tau \qquad
        \text{max, rel: } m > m^\ast (1 + \tau) \qquad
        \text{max, abs: } m > m^\ast + \tau

    Each update that is not an improvement is a *bad epoch*. When there have
    been more than ``patience`` bad epochs in a row,

    .. math:: \eta \leftarrow \max(\text{factor}\cdot\eta,\ \eta_{\min})

    (skipped if it would change :math:`\eta` by no more than ``eps``), the count
    restarts, and the next ``cooldown`` updates count no bad epochs.

    torch counterpart: ``torch.optim.lr_scheduler.ReduceLROnPlateau`` with the
    same arguments; the rate returned by each ``update`` equals the optimizer's
    ``param_group["lr"]`` after the matching ``scheduler.step(metric)``. Notes:

    - ``lr`` is an argument here (torch reads it from the optimizer), and
      ``min_lr`` is one number (torch also takes one per parameter group).
    - The first update is never a bad epoch: the best so far starts at
      :math:`\pm\infty`. A NaN metric is always a bad epoch, as in torch.
    - ``"rel"`` thresholds assume a positive metric, as in torch: for a negative
      best, :math:`m^\ast(1-\tau)` lies *above* :math:`m^\ast`, so in "min" mode a
      metric slightly worse than the best still counts as an improvement.
    - This is the one schedule that is not a function of the step: optimizers
      take a number or a function of ``t``, so a training loop feeds the rate
      from ``update`` to the optimizer itself.

    Args:
        lr: the initial learning rate, :math:`\ge 0`.
        mode: ``"min"`` (lower metric is better) or ``"max"``.
        factor: :math:`0 \le` factor :math:`< 1`.
        patience: bad epochs tolerated before a cut, an integer ``>= 0``.
        threshold: :math:`\tau \ge 0`.
        threshold_mode: ``"rel"`` or ``"abs"``.
        cooldown: updates after a cut during which bad epochs are not counted.
        min_lr: the floor :math:`\eta_{\min} \ge 0`.
        eps: the smallest change of rate worth making, :math:`\ge 0`.
    """
    lr = check_range("lr", lr, 0)
    mode = check_choice("mode", mode, ("min", "max"))
    factor = check_range("factor", factor, 0, 1, high_open=True)
    patience = check_int("patience", patience, low=0)
    threshold = check_range("threshold", threshold, 0)
    threshold_mode = check_choice("threshold_mode", threshold_mode, ("rel", "abs"))
    cooldown = check_int("cooldown", cooldown, low=0)
    min_lr = check_range("min_lr", min_lr, 0)
    eps = check_range("eps", eps, 0)

    def is_better(metric, best):
        if mode == "min":
            return metric < (best * (1.0 - threshold) if threshold_mode == "rel" else best - threshold)
        return metric > (best * (threshold + 1.0) if threshold_mode == "rel" else best + threshold)

    def init():
        worst = math.inf if mode == "min" else -math.inf
        return PlateauState(lr=lr, best=worst, num_bad_epochs=0, cooldown_counter=0)

    def update(metric, state):
        if isinstance(metric, PlateauState):
            raise TypeError(f"invalid metric = {metric!r}, expected a real number "
                            "(the arguments are update(metric, state): the state comes last)")
        if not isinstance(state, PlateauState):
            raise TypeError(f"invalid state = {state!r}, expected the PlateauState returned by init or update")
        metric = check_number("metric", metric)
        current_lr, best, num_bad_epochs, cooldown_counter = state
        if is_better(metric, best):
            best, num_bad_epochs = metric, 0
        else:
            num_bad_epochs += 1
        if cooldown_counter > 0:
            cooldown_counter -= 1
            num_bad_epochs = 0
        if num_bad_epochs > patience:
            reduced = max(current_lr * factor, min_lr)
            if current_lr - reduced > eps:
                current_lr = reduced
            cooldown_counter, num_bad_epochs = cooldown, 0
        return current_lr, PlateauState(current_lr, best, num_bad_epochs, cooldown_counter)

    return Plateau(init, update)
