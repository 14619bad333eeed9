r"""A one-dimensional function on which the heavy ball, tuned as for a quadratic, never converges.

Lessard, Recht and Packard (2016, section 4.6) built a strongly convex, smooth function
of one variable, three quadratic pieces glued together with continuous slopes, on which
Polyak's heavy ball with the tuning that is optimal for quadratics of the same
curvature range (:func:`mlcourse.theory.momentum_optimal`) settles into a cycle of
period three instead of converging. Gradient descent and Nesterov's method converge on
it, as their guarantees for strongly convex functions promise.
"""

from typing import Callable, NamedTuple

import numpy as np

from mlcourse._checks import as_float_array

__all__ = ["Function1D", "lessard_counterexample"]


class Function1D(NamedTuple):
    """A function of one parameter, with what the course needs to draw and test it.

    Attributes:
        name: a short label for legends.
        loss: ``theta (..., 1) -> (...)`` (a float for a single point of shape ``(1,)``).
        grad: ``theta (..., 1) -> (..., 1)``, the analytic gradient.
        hessian: ``theta (..., 1) -> (..., 1, 1)``, the second derivative.
        minima: ``(k, 1)`` array of minimisers.
        bounds: ``((low, high),)``, a window for plots.
        theta0: ``(1,)`` default start.
        lr: a learning rate with which gradient descent converges from ``theta0``.
        curvature_range: ``(smallest, largest)`` second derivative over the whole line:
            the strong convexity and smoothness constants.
    """

    name: str
    loss: Callable
    grad: Callable
    hessian: Callable
    minima: np.ndarray
    bounds: tuple
    theta0: np.ndarray
    lr: float
    curvature_range: tuple


def _points(theta):
    theta = as_float_array("theta", theta)
    if theta.ndim == 0 or theta.shape[-1] != 1:
        raise ValueError(f"invalid theta with shape {theta.shape}, expected shape (..., 1)")
    return theta


def lessard_counterexample():
    r"""Lessard, Recht and Packard's (2016) strongly convex counterexample to the heavy ball.

    .. math::
        L(\theta) = \begin{cases}
            \tfrac{25}{2}\theta^2 & \theta < 1 \\
            \tfrac12\theta^2 + 24\theta - 12 & 1 \le \theta < 2 \\
            \tfrac{25}{2}\theta^2 - 24\theta + 36 & \theta \ge 2
        \end{cases}

    Its slope :math:`25\theta,\ \theta + 24,\ 25\theta - 24` is continuous and its second
    derivative is 25, 1 or 25, so it is 1-strongly convex with a 25-Lipschitz gradient
    (``curvature_range = (1, 25)``, condition number 25): every quadratic with curvatures
    in that range is minimised fastest by the heavy ball with :math:`\eta = 1/9`,
    :math:`\beta = 4/9` (rate 2/3). On this function the same heavy ball, started at rest
    from :math:`\theta_0 \in [3.07, 3.46]` (the paper's range; ``theta0 = 3.3``), falls
    into a cycle of period three and never converges. The minimum is 0 at
    :math:`\theta = 0`.
    """
    def loss(theta):
        x = _points(theta)[..., 0]
        value = np.where(x < 1, 12.5 * x * x,
                         np.where(x < 2, 0.5 * x * x + 24 * x - 12, 12.5 * x * x - 24 * x + 36))
        return float(value) if np.ndim(value) == 0 else value.astype(x.dtype, copy=False)

    def grad(theta):
        x = _points(theta)
        return np.where(x < 1, 25 * x, np.where(x < 2, x + 24, 25 * x - 24)).astype(x.dtype, copy=False)

    def hessian(theta):
        x = _points(theta)
        return np.where(x < 1, 25.0, np.where(x < 2, 1.0, 25.0))[..., None].astype(x.dtype, copy=False)

    return Function1D(name="Lessard et al.'s piecewise quadratic", loss=loss, grad=grad, hessian=hessian,
                      minima=np.zeros((1, 1)), bounds=((-3.0, 4.0),), theta0=np.array([3.3]), lr=1 / 25,
                      curvature_range=(1.0, 25.0))
