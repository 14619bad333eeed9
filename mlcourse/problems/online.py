r"""Online convex problems: a different loss at every step, and the regret of a run.

In *online* optimization the loss changes from step to step: at step ``t`` the
learner plays :math:`\theta_t`, then sees the loss :math:`f_t` and pays
:math:`f_t(\theta_t)`. The **regret** after ``T`` steps compares what it paid with
the best single point in hindsight,

.. math:: R_T = \sum_{t=1}^{T} f_t(\theta_t) - \min_{\theta \in \mathcal F} \sum_{t=1}^{T} f_t(\theta),

and a method *converges* in this sense when the average regret :math:`R_T/T` tends
to 0. This is the setting in which AdaGrad, Adam and AMSGrad were analysed (Duchi
et al., 2011; Kingma & Ba, 2015; Reddi et al., 2018).

* :func:`reddi_counterexample`: the linear losses on which Adam fails to converge
  (Reddi, Kale & Kumar, 2018, section 3), a :class:`OnlineProblem`;
* :func:`run_online`: play an optimizer of :mod:`mlcourse.optim` on it, projecting
  onto the feasible interval after every update, and record the average regret.
"""

from typing import Callable, NamedTuple

import numpy as np

from mlcourse._checks import as_float_array, check_int, check_range

__all__ = ["OnlineProblem", "OnlineResult", "reddi_counterexample", "run_online"]


class OnlineProblem(NamedTuple):
    """A one-dimensional online problem: a loss for every step ``t = 1, 2, ...``.

    Attributes:
        name: a short label.
        loss: ``(theta, t) -> float``, :math:`f_t(\\theta)`.
        grad: ``(theta, t) -> array like theta``, :math:`\\nabla f_t(\\theta)`.
        bounds: ``(low, high)``, the feasible interval :math:`\\mathcal F`.
        best: the point of :math:`\\mathcal F` with the least total loss over every
            whole period of the losses (the minimiser in hindsight).
        period: the losses repeat every ``period`` steps.
        theta0: the default start.
    """

    name: str
    loss: Callable
    grad: Callable
    bounds: tuple
    best: float
    period: int
    theta0: np.ndarray


def reddi_counterexample(C=3.0):
    r"""Reddi, Kale and Kumar's (2018) online problem on which Adam does not converge.

    On :math:`\mathcal F = [-1, 1]` the losses are linear and repeat every three steps:

    .. math::
       f_t(\theta) = \begin{cases} C\,\theta & t \bmod 3 = 1 \\ -\theta & \text{otherwise} \end{cases}
       \qquad (C > 2).

    Over each period the total is :math:`(C - 2)\theta`, so the best point is
    :math:`\theta^\star = -1`: the rare, large gradient :math:`C` is the one that
    matters. With :math:`\beta_1 = 0` and :math:`\beta_2 = 1/(1 + C^2)`, Adam's
    second moment forgets the large gradient within a step or two, so the two small
    gradients of each period get almost as large a step as the large one, and Adam
    drifts to :math:`\theta = +1`, the *worst* point, with average regret tending to
    :math:`2(C-2)/3` (their Theorem 1). AMSGrad keeps the largest :math:`v` seen so
    far, so it remembers :math:`C` and converges to :math:`-1`.
    """
    C = check_range("C", C, 2, low_open=True)

    def slope(t):
        t = check_int("t", t, low=1)
        return C if t % 3 == 1 else -1.0

    def loss(theta, t):
        return float(slope(t) * as_float_array("theta", theta).sum())

    def grad(theta, t):
        theta = as_float_array("theta", theta)
        return np.full_like(theta, slope(t))

    return OnlineProblem(name=f"Reddi et al. counterexample (C = {C:g})", loss=loss, grad=grad,
                         bounds=(-1.0, 1.0), best=-1.0, period=3, theta0=np.array([0.0]))


class OnlineResult(NamedTuple):
    """What :func:`run_online` returns.

    Attributes:
        trajectory: ``(T + 1, *theta.shape)``, the points :math:`\\theta_1, \\dots,
            \\theta_{T+1}` played (the first is the start).
        average_regret: ``(T,)``, :math:`R_t / t` for ``t = 1 .. T``, measured
            against ``problem.best``.
    """

    trajectory: np.ndarray
    average_regret: np.ndarray


def run_online(problem, optimizer, steps, theta0=None):
    r"""Play ``optimizer`` on an online ``problem`` for ``steps`` steps.

    Step ``t = 1, 2, ...``: pay :math:`f_t(\theta_t)`, take
    :math:`g_t = \nabla f_t(\theta_t)`, update with the optimizer, then project onto
    the feasible interval, :math:`\theta_{t+1} = \Pi_{\mathcal F}(\text{update})`
    (clipping to ``problem.bounds``), as in the projected algorithms of Reddi et al.
    The optimizer's state is not touched by the projection. Average regret is
    measured against ``problem.best``, the minimiser in hindsight over whole periods.
    """
    steps = check_int("steps", steps, low=1)
    theta = as_float_array("theta0", problem.theta0 if theta0 is None else theta0).copy()
    low, high = problem.bounds
    state = optimizer.init(theta)
    path, regret = [theta], []
    best = np.full_like(theta, problem.best)
    for t in range(1, steps + 1):
        regret.append(problem.loss(theta, t) - problem.loss(best, t))
        theta, state = optimizer.update(theta, problem.grad(theta, t), state)
        theta = np.clip(theta, low, high)
        path.append(theta)
    return OnlineResult(trajectory=np.stack(path), average_regret=np.cumsum(regret) / np.arange(1, steps + 1))
