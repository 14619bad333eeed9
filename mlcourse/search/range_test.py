r"""The learning-rate range test (Smith, 2017): one short run with a growing rate.

Train for a few hundred steps while the learning rate grows from a tiny value to a
huge one, and watch the loss: it first barely moves (the rate is too small to
matter), then falls (the useful range), then turns ragged and shoots up (too
large). One run, costing a fraction of an epoch or a few epochs, brackets the rates
worth trying, where a grid search would train a model per candidate.

The caller supplies the training step, so the test works with any model and
optimizer::

    def step(state, lr):
        theta, opt_state, t = state
        batch = batches[t]
        loss = problem.loss(theta, batch)
        g = problem.grad(theta, batch)
        theta, opt_state = optim.sgd(lr=lr, momentum=0.9).update(theta, g, opt_state)
        return loss, (theta, opt_state, t + 1)

    result = range_test(step, (theta0, opt.init(theta0), 0), min_lr=1e-4, max_lr=10.0)
    suggest_lr(result)              # the rate where the loss falls fastest
"""

import math
import numbers
from typing import NamedTuple

import numpy as np

from mlcourse import schedules
from mlcourse._checks import check_choice, check_int, check_range

__all__ = ["RangeTest", "range_test", "suggest_lr"]


class RangeTest(NamedTuple):
    """What :func:`range_test` returns; each array has one entry per step taken.

    Attributes:
        lrs: the learning rate of each step.
        losses: the loss each step reported (the loss of the batch it trained on).
        smoothed: the bias-corrected exponential moving average of ``losses``.
        stopped_at: the step at which the test stopped because the smoothed loss
            exceeded ``stop_factor`` times its lowest value (or was not finite), or
            None if every step ran. That step is the last entry of the arrays.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    stopped_at: int | None


def range_test(step, state, min_lr=1e-6, max_lr=1.0, steps=100, spacing="log", smoothing=0.98,
               stop_factor=4.0):
    r"""Run the learning-rate range test of Smith (2017): train with a rate that grows every step.

    .. math::
       \begin{aligned}
       &\textbf{input: } \texttt{step}(s, \eta) \to (\ell, s'),\ s_0 \text{ (state)},\
            \eta_{\min}, \eta_{\max},\ N \text{ (steps)},\ \beta \text{ (smoothing)},\ c \text{ (stop\_factor)} \\
       &\textbf{initialize: } a \leftarrow 0,\ \ell^\ast \leftarrow +\infty \\
       &\textbf{for } k = 0, 1, \ldots, N - 1 \textbf{ do} \\
       &\quad \eta_k \leftarrow \eta_{\min} (\eta_{\max}/\eta_{\min})^{k/(N-1)}
             \quad\text{(log spacing; linear: } \eta_{\min} + (\eta_{\max}-\eta_{\min})\tfrac{k}{N-1}) \\
       &\quad \ell_k, s \leftarrow \texttt{step}(s, \eta_k) \\
       &\quad a \leftarrow \beta a + (1 - \beta)\,\ell_k, \qquad
             \bar\ell_k \leftarrow a / (1 - \beta^{k+1}) \\
       &\quad \ell^\ast \leftarrow \min(\ell^\ast, \bar\ell_k) \\
       &\quad \textbf{if } \bar\ell_k \text{ is not finite or } \bar\ell_k > c\,\ell^\ast:
             \textbf{ stop} \\
       &\textbf{return } (\eta_k, \ell_k, \bar\ell_k)_k
       \end{aligned}

    ``step(state, lr)`` performs one training update with learning rate ``lr`` and
    returns ``(loss, new_state)``, where ``loss`` is the loss of the mini-batch it
    trained on (measured before the update, as a training loop sees it). Keep it
    free of side effects (pass everything that changes, the parameters, the
    optimizer state, the position in the data, through ``state``) and the test is a
    pure function too. Start from the weights you intend to train: the result
    describes that start, that batch size and that optimizer.

    Reading the result (with :func:`suggest_lr` or a plot of ``smoothed``
    against ``lrs`` on a log axis): the loss is flat while the rate is too small
    to matter, falls over a range of useful rates and turns up, ragged, when the
    rate is too large. Smith (2017) took the rate where the curve starts to fall as
    the lower and the one where it stops falling as the upper bound of a cyclical
    schedule; for 1cycle the upper one is the peak (Smith and Topin, 2019).

    Conventions (where references differ):

    * **Spacing.** Smith (2017) let the rate grow *linearly* over a few epochs
      (``spacing="linear"``); later work and most libraries (fastai's ``lr_find``,
      Smith's own 2018 report) grow it *exponentially*, so that each decade of rates
      gets the same number of steps (``spacing="log"``, the default). The rates
      are :func:`mlcourse.schedules.exponential` and
      :func:`mlcourse.schedules.linear` schedules evaluated at ``k``.
    * **What is plotted.** Smith (2017) plotted validation accuracy; the loss of
      each training batch, smoothed, is what libraries record today, and needs no
      extra evaluation. The smoothing (:math:`\beta = 0.98`) and the divergence rule
      (stop once the smoothed loss exceeds four times its minimum) are fastai's.
      ``smoothing=0`` records the raw losses; ``stop_factor=None`` never stops
      early (a non-finite loss still stops the test).
    * The stop rule compares losses by ratio, so it assumes a positive loss
      (cross-entropy, squared error).

    Args:
        step: ``step(state, lr) -> (loss, new_state)``, one training update.
        state: the state before the first step, passed to ``step``.
        min_lr: the first rate, :math:`\eta_{\min} > 0`.
        max_lr: the last rate, :math:`\eta_{\max} > \eta_{\min}`.
        steps: :math:`N \ge 2`, the number of steps if none stops the test.
        spacing: ``"log"`` (geometric) or ``"linear"``.
        smoothing: :math:`0 \le \beta < 1`.
        stop_factor: :math:`c > 1`, or None to run every step.

    Returns:
        A :class:`RangeTest`.
    """
    if not callable(step):
        raise TypeError(f"invalid step = {step!r}, expected a function step(state, lr) -> (loss, new_state)")
    min_lr = check_range("min_lr", min_lr, 0, low_open=True)
    max_lr = check_range("max_lr", max_lr)
    if not max_lr > min_lr:
        raise ValueError(f"invalid max_lr = {max_lr!r}, expected max_lr > min_lr = {min_lr!r}")
    steps = check_int("steps", steps, low=2)
    spacing = check_choice("spacing", spacing, ("log", "linear"))
    smoothing = check_range("smoothing", smoothing, 0, 1, high_open=True)
    if stop_factor is not None:
        stop_factor = check_range("stop_factor", stop_factor, 1, low_open=True)

    if spacing == "log":
        rates = schedules.exponential(min_lr, (max_lr / min_lr) ** (1 / (steps - 1)))
    else:
        rates = schedules.linear(max_lr, start_factor=min_lr / max_lr, end_factor=1.0, total_iters=steps - 1)

    lrs, losses, smoothed = [], [], []
    average, best, stopped_at = 0.0, math.inf, None
    for k in range(steps):
        lr = rates(k)
        loss, state = _step(step, state, lr)
        average = smoothing * average + (1 - smoothing) * loss
        smooth = average / (1 - smoothing ** (k + 1))
        lrs.append(lr)
        losses.append(loss)
        smoothed.append(smooth)
        best = min(best, smooth)
        if not math.isfinite(smooth) or (stop_factor is not None and smooth > stop_factor * best):
            stopped_at = k
            break
    return RangeTest(np.array(lrs), np.array(losses), np.array(smoothed), stopped_at)


def _step(step, state, lr):
    """One call of the caller's step, its result checked: ``(loss as a float, new_state)``."""
    result = step(state, lr)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"invalid result of step at lr = {lr!r}: {type(result).__name__}, "
                        "expected a pair (loss, new_state)")
    loss, state = result
    if isinstance(loss, np.ndarray) and loss.shape == ():
        loss = loss.item()
    if isinstance(loss, (bool, np.bool_)) or not isinstance(loss, numbers.Real):
        raise TypeError(f"invalid loss = {loss!r} returned by step at lr = {lr!r}, expected a real number")
    return float(loss), state


def suggest_lr(result, rule="steepest"):
    r"""A learning rate read off a :class:`RangeTest`, by one of two common rules.

    * ``"steepest"``: the rate where the smoothed loss falls fastest per unit of
      :math:`\log\eta`, i.e. the most negative :math:`d\bar\ell / d\log\eta`
      (central differences, ``np.gradient``), looked for only up to the
      minimum of the smoothed loss. A rate at which training still makes fast
      progress, safely below the unstable ones.
    * ``"minimum"``: the rate at the minimum of the smoothed loss, divided by 10.
      At the minimum itself training is already on the edge (the loss turns up
      a few steps later), so a rule of thumb (fastai's) backs off one decade.

    Both are heuristics for a *constant* rate or the peak of a schedule, not
    optima: the smoothing delays the curve by about :math:`1/(1-\beta)` steps, so
    the rate at which the loss really turns up is somewhat below where the smoothed
    curve shows it. Check a suggestion with a short run.

    Args:
        result: a :class:`RangeTest` with at least 3 steps before its minimum for
            ``"steepest"``.
        rule: ``"steepest"`` or ``"minimum"``.
    """
    if not isinstance(result, RangeTest):
        raise TypeError(f"invalid result of type {type(result).__name__}, expected a RangeTest from range_test")
    rule = check_choice("rule", rule, ("steepest", "minimum"))
    smoothed = np.where(np.isfinite(result.smoothed), result.smoothed, np.inf)
    lowest = int(np.argmin(smoothed))
    if rule == "minimum":
        return float(result.lrs[lowest] / 10)
    if lowest < 2:
        raise ValueError(f"invalid result: its smoothed loss is lowest at step {lowest}, expected at least "
                         "3 steps before the minimum to find the steepest descent (start from a smaller min_lr)")
    slope = np.gradient(smoothed[:lowest + 1], np.log(result.lrs[:lowest + 1]))
    return float(result.lrs[int(np.argmin(slope))])
