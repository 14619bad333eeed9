r"""What theory predicts for gradient descent, momentum and Nesterov: rates, thresholds, tunings.

Every formula of chapters 2, 4 and 5 that predicts how fast (or whether) a method
converges lives here once; the chapters, widgets and tests call these functions and
compare them with runs of :mod:`mlcourse.optim` through :func:`mlcourse.problems.minimize`.

**The model problem.** Most results are exact on a quadratic
:math:`L(\theta) = \tfrac12 (\theta - \theta^\star)^\top A (\theta - \theta^\star)` with
:math:`A` symmetric positive definite, whose eigenvalues (the *curvatures*) run from
:math:`\lambda_{\min} > 0` to :math:`\lambda_{\max}`; :math:`\kappa =
\lambda_{\max}/\lambda_{\min}` is the condition number. In the eigenvector basis every
method studied here acts on each coordinate :math:`z` of the error
:math:`\theta - \theta^\star` separately, with the curvature :math:`\lambda` of that
eigenvector, so a rate is a maximum over the curvatures. Near a strict minimum a smooth
loss looks like such a quadratic, so the rates also describe the *local* behaviour of
smooth losses; they are not global guarantees for them (see
:func:`nesterov_convex_bound` for one that is, and chapter 5 for a strongly convex
function on which the heavy ball's quadratic tuning fails).

**The methods**, in the textbook forms of :func:`mlcourse.optim.momentum` and
:func:`mlcourse.optim.nesterov` (with :math:`a = \eta\lambda`, velocity :math:`m`,
starting from rest, :math:`m_0 = 0`):

* gradient descent: :math:`z \leftarrow (1 - a)\, z`;
* heavy ball (momentum): :math:`m \leftarrow \beta m - a z,\ z \leftarrow z + m`;
* Nesterov: :math:`m \leftarrow \beta m - a (z + \beta m),\ z \leftarrow z + m`.

PyTorch's forms (``optim.sgd(momentum=β, nesterov=...)``) produce the same iterates for
a constant learning rate (Nesterov's: the same points, shifted by :math:`\beta m`), so
the same rates apply to them.

**Rates.** A two-step method's pair :math:`(z_t, m_t)` is multiplied by a 2×2
*iteration matrix* per step; the error shrinks asymptotically by its *spectral
radius* (the largest modulus of its eigenvalues) per step. The eigenvalues are the
roots of :math:`r^2 - T r + D` (:math:`T` the trace, :math:`D` the determinant).

Arguments are numbers or NumPy arrays (learning rates and momenta broadcast against
each other, for maps over the :math:`(\eta, \beta)` plane); a bad value raises
``ValueError`` naming the argument and showing the value.
"""

import math
from typing import NamedTuple

import numpy as np

from mlcourse._checks import check_int, check_range

__all__ = [
    "Tuning",
    "gd_rate", "gd_critical_lr", "gd_optimal", "gd_optimal_rate",
    "momentum_matrix", "momentum_rate", "momentum_critical_lr", "momentum_optimal", "momentum_optimal_rate",
    "momentum_error", "momentum_damping", "effective_lr",
    "nesterov_matrix", "nesterov_rate", "nesterov_critical_lr", "nesterov_optimal", "nesterov_error",
    "nesterov_strongly_convex",
    "steps_to_tolerance", "noise_floor",
    "nesterov_convex_momentum", "gd_convex_bound", "nesterov_convex_bound", "logistic_hessian",
    "logistic_smoothness",
]


class Tuning(NamedTuple):
    """A learning rate, a momentum and the rate per step they give (``beta = 0`` for GD)."""

    lr: float
    beta: float
    rate: float


# --- argument checks -------------------------------------------------------------------

def _array(name, value, low=None, high=None, low_open=False, high_open=False):
    """``value`` as a float64 array, every entry finite and within the bounds, or raise naming it."""
    if np.ndim(value) == 0:
        return np.float64(check_range(name, value, low, high, low_open=low_open, high_open=high_open))
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"invalid {name} with dtype {array.dtype}, expected real numbers")
    array = array.astype(np.float64)
    bad = ~np.isfinite(array)
    if low is not None:
        bad |= (array <= low) if low_open else (array < low)
    if high is not None:
        bad |= (array >= high) if high_open else (array > high)
    if bad.any():
        first = float(array[bad].flat[0])
        check_range(name, first, low, high, low_open=low_open, high_open=high_open)  # raises, naming it
    return array


def _curvatures(curvatures):
    """The curvatures as a 1-D array of positive numbers (a number is one curvature)."""
    lam = np.atleast_1d(_array("curvatures", curvatures, 0, low_open=True))
    if lam.ndim != 1 or lam.size == 0:
        raise ValueError(f"invalid curvatures with shape {np.shape(curvatures)}, expected a number "
                         "or a non-empty 1-D array of the Hessian's eigenvalues")
    return lam


def _extremes(smallest, largest):
    smallest = check_range("smallest", smallest, 0, low_open=True)
    largest = check_range("largest", largest, 0, low_open=True)
    if largest < smallest:
        raise ValueError(f"invalid largest = {largest!r}, expected largest >= smallest = {smallest!r}")
    return smallest, largest


def _lr(lr):
    return _array("lr", lr, 0, low_open=True)


def _beta(beta):
    return _array("beta", beta, 0, 1, high_open=True)


def _scalar(value):
    return float(value) if np.ndim(value) == 0 else value


def _spectral_radius(trace, det):
    r"""Largest modulus of the roots of :math:`r^2 - T r + D` (elementwise)."""
    disc = trace * trace - 4 * det
    real = (np.abs(trace) + np.sqrt(np.maximum(disc, 0))) / 2
    return np.where(disc < 0, np.sqrt(np.abs(det)), real)


def _over_curvatures(lr, beta, curvatures, trace_det):
    """max over the curvatures of the spectral radius, broadcasting ``lr`` and ``beta``."""
    lam = _curvatures(curvatures)
    lr, beta = np.broadcast_arrays(_lr(lr), _beta(beta))
    rate = np.zeros(lr.shape)
    for curvature in lam:  # the rate is a max over the spectrum; lam is short in practice
        trace, det = trace_det(lr * curvature, beta)
        rate = np.maximum(rate, _spectral_radius(trace, det))
    return _scalar(rate)


# --- gradient descent --------------------------------------------------------------------

def gd_rate(lr, curvatures):
    r"""Rate of gradient descent on a quadratic: :math:`\rho(\eta) = \max_i |1 - \eta\lambda_i|`.

    The error along eigenvector :math:`i` is multiplied by exactly :math:`1 - \eta\lambda_i`
    per step, so :math:`\lVert\theta_t - \theta^\star\rVert \le \rho^t
    \lVert\theta_0 - \theta^\star\rVert`, with equality when the start has a component along
    an extreme eigenvector. ``curvatures``: the Hessian's eigenvalues (only the smallest
    and the largest matter). ``lr`` may be an array.
    """
    lam = _curvatures(curvatures)
    lr = _lr(lr)
    return _scalar(np.maximum(np.abs(1 - lr * lam.min()), np.abs(1 - lr * lam.max())))


def gd_critical_lr(largest):
    r"""The divergence threshold of gradient descent on a quadratic, :math:`2/\lambda_{\max}`.

    Gradient descent converges from every start if and only if
    :math:`0 < \eta < 2/\lambda_{\max}`. For any function with a
    :math:`\lambda_{\max}`-Lipschitz gradient (not only quadratics), a step with
    :math:`\eta < 2/\lambda_{\max}` decreases the loss wherever the gradient is not zero.
    """
    return 2 / check_range("largest", largest, 0, low_open=True)


def gd_optimal(smallest, largest):
    r"""The best constant step on a quadratic: :math:`\eta^\star = 2/(\lambda_{\min} + \lambda_{\max})`.

    It balances the two extreme directions, :math:`1 - \eta\lambda_{\min} =
    \eta\lambda_{\max} - 1`, and gives the rate :func:`gd_optimal_rate`,
    :math:`(\kappa - 1)/(\kappa + 1)`. Returns a :class:`Tuning` with ``beta = 0``.
    """
    smallest, largest = _extremes(smallest, largest)
    return Tuning(lr=2 / (smallest + largest), beta=0.0, rate=gd_optimal_rate(largest / smallest))


def gd_optimal_rate(condition_number):
    r"""Gradient descent's rate at its best constant step: :math:`(\kappa - 1)/(\kappa + 1)`.

    About :math:`1 - 2/\kappa` for large :math:`\kappa`: about :math:`\tfrac{\kappa}{2}
    \ln(1/\varepsilon)` steps to shrink the error by a factor :math:`\varepsilon`.
    """
    kappa = _array("condition_number", condition_number, 1)
    return _scalar((kappa - 1) / (kappa + 1))


# --- heavy ball (momentum) -----------------------------------------------------------------

def _momentum_trace_det(a, beta):
    return 1 + beta - a, beta


def momentum_matrix(lr, beta, curvature):
    r"""The heavy ball's iteration matrix along an eigenvector of curvature :math:`\lambda`.

    With :math:`a = \eta\lambda`, one step :math:`m \leftarrow \beta m - a z,\ z \leftarrow
    z + m` maps the pair (error, velocity) linearly:

    .. math::
        \begin{pmatrix} z_{t+1} \\ m_{t+1} \end{pmatrix} =
        \begin{pmatrix} 1 - a & \beta \\ -a & \beta \end{pmatrix}
        \begin{pmatrix} z_t \\ m_t \end{pmatrix},

    with trace :math:`1 + \beta - a` and determinant :math:`\beta`: its eigenvalues are
    the roots of :math:`r^2 - (1 + \beta - a)\, r + \beta`. Returns a 2×2 array.
    """
    a = check_range("lr", lr, 0, low_open=True) * check_range("curvature", curvature, 0, low_open=True)
    beta = check_range("beta", beta, 0, 1, high_open=True)
    return np.array([[1 - a, beta], [-a, beta]])


def momentum_rate(lr, beta, curvatures):
    r"""Asymptotic rate of the heavy ball on a quadratic: the largest spectral radius over the curvatures.

    Along curvature :math:`\lambda` (:math:`a = \eta\lambda`) the eigenvalues
    :math:`r_{1,2} = \tfrac12\big(1 + \beta - a \pm \sqrt{(1 + \beta - a)^2 - 4\beta}\big)`
    are complex when :math:`(1 - \sqrt\beta)^2 < a < (1 + \sqrt\beta)^2`, and then both
    have modulus exactly :math:`\sqrt\beta`, whatever :math:`\eta`. Outside that band they
    are real and the larger modulus is :math:`\tfrac12(|1 + \beta - a| + \sqrt{\cdot})`.
    The rate is below 1 exactly in the region of :func:`momentum_critical_lr`.
    ``lr`` and ``beta`` may be arrays (they broadcast: a map over the plane).
    """
    return _over_curvatures(lr, beta, curvatures, _momentum_trace_det)


def momentum_critical_lr(beta, largest):
    r"""The heavy ball's divergence threshold: it converges iff :math:`0 < \eta < 2(1 + \beta)/\lambda_{\max}`.

    For :math:`0 \le \beta < 1` (Jury's test on :math:`r^2 - (1 + \beta - a) r + \beta`:
    :math:`|\beta| < 1`, the polynomial positive at :math:`r = 1`, which needs :math:`a > 0`,
    and at :math:`r = -1`, which needs :math:`a < 2 + 2\beta`). At :math:`\beta = 0` this is
    gradient descent's :math:`2/\lambda_{\max}`; momentum close to 1 almost doubles it
    again. ``beta`` may be an array.
    """
    beta = _beta(beta)
    return _scalar(2 * (1 + beta) / check_range("largest", largest, 0, low_open=True))


def momentum_optimal(smallest, largest):
    r"""Polyak's optimal heavy-ball tuning for a quadratic (Polyak, 1964).

    .. math::
        \eta^\star = \frac{4}{(\sqrt{\lambda_{\max}} + \sqrt{\lambda_{\min}})^2}, \qquad
        \beta^\star = \Big(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\Big)^2, \qquad
        \rho^\star = \sqrt{\beta^\star} = \frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}.

    Every curvature in :math:`[\lambda_{\min}, \lambda_{\max}]` then has complex
    eigenvalues of modulus :math:`\sqrt{\beta^\star}` (the two extremes a double real one,
    :math:`\pm\sqrt{\beta^\star}`: critical damping), and no other :math:`(\eta, \beta)`
    has a smaller rate. Only for quadratics: on other strongly convex functions this
    tuning can fail to converge (Lessard, Recht and Packard, 2016).
    """
    smallest, largest = _extremes(smallest, largest)
    root_min, root_max = math.sqrt(smallest), math.sqrt(largest)
    rate = (root_max - root_min) / (root_max + root_min)
    return Tuning(lr=4 / (root_max + root_min) ** 2, beta=rate * rate, rate=rate)


def momentum_optimal_rate(condition_number):
    r"""The optimally tuned heavy ball's rate, :math:`(\sqrt\kappa - 1)/(\sqrt\kappa + 1)`.

    About :math:`1 - 2/\sqrt\kappa`: :math:`\sqrt\kappa` where gradient descent has
    :math:`\kappa` (a hundred times fewer steps at :math:`\kappa = 10^4`).
    """
    root = np.sqrt(_array("condition_number", condition_number, 1))
    return _scalar((root - 1) / (root + 1))


def _error(trace, det, first, steps):
    r"""Exact :math:`z_t / z_0` of :math:`z_{t+1} = T z_t - D z_{t-1}` with :math:`z_1 = c\, z_0`.

    With roots :math:`r_1 \neq r_2`: :math:`z_t/z_0 = \big((c - r_2) r_1^t + (r_1 - c)
    r_2^t\big)/(r_1 - r_2)` (real even when the roots are complex); with a double root
    :math:`r`: :math:`z_t/z_0 = (1 + (c/r - 1)\,t)\, r^t`.
    """
    t = np.asarray(steps, dtype=float)
    disc = trace * trace - 4 * det
    if abs(disc) <= 1e-12 * max(trace * trace, 1e-300):  # a double root: the limit form
        r = trace / 2
        if r == 0:
            return np.where(t == 0, 1.0, np.where(t == 1, first, 0.0))
        return (1 + (first / r - 1) * t) * r ** t
    root = np.sqrt(complex(disc))
    r1, r2 = (trace + root) / 2, (trace - root) / 2
    with np.errstate(all="ignore"):
        value = ((first - r2) * np.power(r1, t) + (r1 - first) * np.power(r2, t)) / (r1 - r2)
    return np.real(value)


def momentum_error(lr, beta, curvature, steps):
    r"""Exact factor :math:`z_t/z_0` of the heavy ball's error along curvature :math:`\lambda`, from rest.

    The error obeys :math:`z_{t+1} = (1 + \beta - a) z_t - \beta z_{t-1}` with
    :math:`z_1 = (1 - a) z_0` (:math:`m_0 = 0`, :math:`a = \eta\lambda`). With distinct
    eigenvalues :math:`r_1, r_2` of :func:`momentum_matrix`,

    .. math:: \frac{z_t}{z_0} = \frac{r_1^{t+1}(1 - r_2) - r_2^{t+1}(1 - r_1)}{r_1 - r_2},

    and with a double eigenvalue :math:`r` (critical damping) :math:`z_t/z_0 =
    (1 + (1 - r)\,t)\,r^t`: the factor :math:`t` is why runs at Polyak's tuning need more
    steps than the rate alone predicts. ``steps``: an int or an array of step counts.
    """
    a = check_range("lr", lr, 0, low_open=True) * check_range("curvature", curvature, 0, low_open=True)
    beta = check_range("beta", beta, 0, 1, high_open=True)
    return _scalar(_error(1 + beta - a, beta, 1 - a, _steps(steps)))


def momentum_damping(lr, beta, curvature):
    r"""How the heavy ball moves along curvature :math:`\lambda`: one of four regimes.

    With :math:`a = \eta\lambda`, the eigenvalues of :func:`momentum_matrix` are

    * ``"overdamped"`` for :math:`a < (1 - \sqrt\beta)^2`: two real positive ones; the
      error decays without changing sign (little momentum, or a flat direction);
    * ``"critically damped"`` at :math:`a = (1 - \sqrt\beta)^2`: a double one;
    * ``"underdamped"`` for :math:`(1 - \sqrt\beta)^2 < a < (1 + \sqrt\beta)^2`: complex;
      the error oscillates (spirals) inside an envelope :math:`\beta^{t/2}`;
    * ``"alternating"`` for :math:`a > (1 + \sqrt\beta)^2`: a real negative one dominates;
      the error changes sign every step, like gradient descent with :math:`\eta\lambda > 1`.

    ("critically damped" is decided with a relative tolerance of 1e-9.)
    """
    a = check_range("lr", lr, 0, low_open=True) * check_range("curvature", curvature, 0, low_open=True)
    root = math.sqrt(check_range("beta", beta, 0, 1, high_open=True))
    low, high = (1 - root) ** 2, (1 + root) ** 2
    if math.isclose(a, low, rel_tol=1e-9):
        return "critically damped"
    if a < low:
        return "overdamped"
    return "underdamped" if a <= high else "alternating"


def effective_lr(lr, beta):
    r"""The effective learning rate of momentum, :math:`\eta/(1 - \beta)`.

    On a constant slope :math:`g` the velocity :math:`m \leftarrow \beta m - \eta g`
    tends to its fixed point :math:`-\eta g/(1 - \beta)` (terminal velocity), so in the
    long run momentum moves like gradient descent with this learning rate. Fair
    comparisons of SGD and momentum match it. ``lr`` and ``beta`` may be arrays.
    """
    return _scalar(_lr(lr) / (1 - _beta(beta)))


# --- Nesterov ----------------------------------------------------------------------------

def _nesterov_trace_det(a, beta):
    return (1 + beta) * (1 - a), beta * (1 - a)


def nesterov_matrix(lr, beta, curvature):
    r"""Nesterov's iteration matrix along an eigenvector of curvature :math:`\lambda`.

    With :math:`a = \eta\lambda`, one step :math:`m \leftarrow \beta m - a(z + \beta m),\
    z \leftarrow z + m` is

    .. math::
        \begin{pmatrix} z_{t+1} \\ m_{t+1} \end{pmatrix} =
        \begin{pmatrix} 1 - a & \beta(1 - a) \\ -a & \beta(1 - a) \end{pmatrix}
        \begin{pmatrix} z_t \\ m_t \end{pmatrix},

    trace :math:`(1 + \beta)(1 - a)`, determinant :math:`\beta(1 - a)`. Compared with
    :func:`momentum_matrix`, the momentum term is scaled by :math:`1 - a`: along a steep
    direction (:math:`a` near 1) the look-ahead gradient cancels most of the momentum.
    """
    a = check_range("lr", lr, 0, low_open=True) * check_range("curvature", curvature, 0, low_open=True)
    beta = check_range("beta", beta, 0, 1, high_open=True)
    return np.array([[1 - a, beta * (1 - a)], [-a, beta * (1 - a)]])


def nesterov_rate(lr, beta, curvatures):
    r"""Asymptotic rate of Nesterov's method on a quadratic: the largest spectral radius.

    The eigenvalues along curvature :math:`\lambda` are the roots of
    :math:`r^2 - (1 + \beta)(1 - a)\, r + \beta(1 - a)` (:math:`a = \eta\lambda`). The rate
    is below 1 exactly in the region of :func:`nesterov_critical_lr`. ``lr`` and ``beta``
    may be arrays.
    """
    return _over_curvatures(lr, beta, curvatures, _nesterov_trace_det)


def nesterov_critical_lr(beta, largest):
    r"""Nesterov's divergence threshold: it converges iff :math:`0 < \eta < \frac{2(1 + \beta)}{(1 + 2\beta)\lambda_{\max}}`.

    For :math:`0 \le \beta < 1` (Jury's test on :math:`r^2 - (1 + \beta)(1 - a) r +
    \beta(1 - a)`: positive at :math:`r = 1` iff :math:`a > 0`, at :math:`r = -1` iff
    :math:`a < 2(1 + \beta)/(1 + 2\beta)`). It starts at gradient descent's
    :math:`2/\lambda_{\max}` for :math:`\beta = 0` and *shrinks* towards
    :math:`4/(3\lambda_{\max})` as :math:`\beta \to 1`: unlike the heavy ball's, which grows.
    """
    beta = _beta(beta)
    return _scalar(2 * (1 + beta) / ((1 + 2 * beta) * check_range("largest", largest, 0, low_open=True)))


def nesterov_optimal(smallest, largest):
    r"""The tuning of Nesterov's method with the smallest rate on a quadratic (Lessard et al., 2016).

    .. math::
        \eta = \frac{4}{3\lambda_{\max} + \lambda_{\min}}, \qquad
        \beta = \frac{\sqrt{3\kappa + 1} - 2}{\sqrt{3\kappa + 1} + 2}, \qquad
        \rho = 1 - \frac{2}{\sqrt{3\kappa + 1}}.

    About :math:`1 - 1.15/\sqrt\kappa`: on a quadratic the best-tuned heavy ball
    (:math:`1 - 2/\sqrt\kappa`) is faster. Nesterov's strength is elsewhere: a guarantee
    for every smooth strongly convex function (:func:`nesterov_strongly_convex`).
    """
    smallest, largest = _extremes(smallest, largest)
    root = math.sqrt(3 * largest / smallest + 1)
    return Tuning(lr=4 / (3 * largest + smallest), beta=(root - 2) / (root + 2), rate=1 - 2 / root)


def nesterov_strongly_convex(smallest, largest):
    r"""Nesterov's constant-momentum tuning for strongly convex functions, and its guaranteed rate.

    .. math::
        \eta = \frac{1}{\lambda_{\max}}, \qquad
        \beta = \frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}, \qquad
        \rho = 1 - \frac{1}{\sqrt\kappa}.

    For every :math:`\lambda_{\min}`-strongly convex function whose gradient is
    :math:`\lambda_{\max}`-Lipschitz (not only quadratics),
    :math:`L(\theta_t) - L^\star \le \rho^t \big(L(\theta_0) - L^\star +
    \tfrac{\lambda_{\min}}{2}\lVert\theta_0 - \theta^\star\rVert^2\big)`
    (Nesterov, 2018, section 2.2). On a quadratic the spectral
    radius at this tuning is exactly :math:`1 - 1/\sqrt\kappa` as well.
    """
    smallest, largest = _extremes(smallest, largest)
    root = math.sqrt(largest / smallest)
    return Tuning(lr=1 / largest, beta=(root - 1) / (root + 1), rate=1 - 1 / root)


def nesterov_error(lr, beta, curvature, steps):
    r"""Exact factor :math:`z_t/z_0` of Nesterov's error along curvature :math:`\lambda`, from rest.

    The error obeys :math:`z_{t+1} = (1 + \beta)(1 - a) z_t - \beta(1 - a) z_{t-1}` with
    :math:`z_1 = (1 - a) z_0`; the closed form is that of :func:`momentum_error` with
    these coefficients. ``steps``: an int or an array of step counts.
    """
    a = check_range("lr", lr, 0, low_open=True) * check_range("curvature", curvature, 0, low_open=True)
    beta = check_range("beta", beta, 0, 1, high_open=True)
    return _scalar(_error((1 + beta) * (1 - a), beta * (1 - a), 1 - a, _steps(steps)))


def _steps(steps):
    if np.ndim(steps) == 0:
        return check_int("steps", steps, 0)
    array = np.asarray(steps)
    if array.dtype.kind not in "iu" or (array < 0).any():
        raise ValueError(f"invalid steps = {steps!r}, expected non-negative integers")
    return array


# --- predictions from a rate -----------------------------------------------------------------

def steps_to_tolerance(rate, tolerance):
    r"""Steps until an error shrinking by ``rate`` per step is below ``tolerance`` times its start.

    The smallest integer :math:`t` with :math:`\rho^t \le \varepsilon`:
    :math:`t = \lceil \ln\varepsilon / \ln\rho \rceil` (0 if :math:`\varepsilon \ge 1`,
    1 if :math:`\rho = 0`). Exact for gradient descent at its optimal step on a
    quadratic; for two-step methods :math:`\rho` is an asymptotic rate and the count a
    lower estimate (see :func:`momentum_error`).
    """
    rate = check_range("rate", rate, 0, 1, high_open=True)
    tolerance = check_range("tolerance", tolerance, 0, low_open=True)
    if tolerance >= 1:
        return 0
    if rate == 0:
        return 1
    steps = math.log(tolerance) / math.log(rate)
    return max(1, math.ceil(steps - 1e-9 * steps))  # no extra step from rounding at an exact power


def noise_floor(lr, beta, curvatures, noise_std, nesterov=False):
    r"""Expected excess loss :math:`\mathbb E[L] - L^\star` in the stationary state under gradient noise.

    The methods run on a quadratic with gradients :math:`\nabla L(\theta) + s\,\xi_t`,
    :math:`\xi_t \sim \mathcal N(0, I)` independent (``noise_std`` :math:`= s`), a
    constant :math:`\eta` and momentum :math:`\beta` (``beta = 0``: SGD). Along curvature
    :math:`\lambda` the error is an AR(2) process :math:`z_{t+1} = \phi_1 z_t + \phi_2
    z_{t-1} - \eta s \xi_t`, with :math:`(\phi_1, \phi_2) = (1 + \beta - a, -\beta)` for
    the heavy ball and :math:`((1 + \beta)(1 - a), -\beta(1 - a))` for Nesterov, whose
    stationary variance is

    .. math::
        \mathrm{Var}\, z = \frac{(1 - \phi_2)\,\eta^2 s^2}{(1 + \phi_2)\big((1 - \phi_2)^2 - \phi_1^2\big)},
        \qquad \mathbb E[L] - L^\star = \sum_i \tfrac12 \lambda_i \mathrm{Var}\, z_i .

    For the heavy ball and small :math:`a` this is about :math:`\tfrac{\eta s^2}{4(1 - \beta)}`
    per direction: the floor of SGD with the effective learning rate
    :math:`\eta/(1 - \beta)`. Momentum averages the noise, but it also takes longer
    steps, and the two cancel. Infinite where the method does not converge.
    """
    noise_std = check_range("noise_std", noise_std, 0)
    lam = _curvatures(curvatures)
    lr = check_range("lr", lr, 0, low_open=True)
    beta = check_range("beta", beta, 0, 1, high_open=True)
    rates = nesterov_rate if nesterov else momentum_rate
    if rates(lr, beta, lam) >= 1:
        return math.inf
    total = 0.0
    for curvature in lam:
        a = lr * curvature
        phi1, phi2 = ((1 + beta) * (1 - a), -beta * (1 - a)) if nesterov else (1 + beta - a, -beta)
        variance = (1 - phi2) * (lr * noise_std) ** 2 / ((1 + phi2) * ((1 - phi2) ** 2 - phi1 ** 2))
        total += 0.5 * curvature * variance
    return total


# --- smooth convex functions (not strongly convex) --------------------------------------------

def nesterov_convex_momentum(steps):
    r"""The momentum :math:`\beta_t` of Nesterov's method for smooth convex functions, steps 1..``steps``.

    Beck and Teboulle's sequence (FISTA without a proximal term, 2009):
    :math:`s_1 = 1,\ s_{k+1} = \tfrac12\big(1 + \sqrt{1 + 4 s_k^2}\big)`; step 1 is a plain
    gradient step (:math:`\beta_1 = 0`) and step :math:`t \ge 2` uses
    :math:`\beta_t = (s_{t-1} - 1)/s_t`, which grows like :math:`1 - 3/t` towards 1. Used
    with the textbook :func:`mlcourse.optim.nesterov` (β of step ``t`` in both the
    look-ahead and the velocity) and :math:`\eta = 1/\lambda_{\max}`, it gives the bound
    :func:`nesterov_convex_bound`. Returns an array of ``steps`` momenta.
    """
    steps = check_int("steps", steps, 0)
    s = np.empty(steps + 1)
    s[0] = 1.0
    for k in range(steps):
        s[k + 1] = (1 + math.sqrt(1 + 4 * s[k] ** 2)) / 2
    betas = np.zeros(steps)
    betas[1:] = (s[:-2] - 1) / s[1:-1]
    return betas


def gd_convex_bound(largest, distance, steps):
    r"""Gradient descent's guarantee on a smooth convex function: :math:`L(\theta_t) - L^\star \le \frac{\lambda_{\max} R^2}{2t}`.

    For every convex function whose gradient is :math:`\lambda_{\max}`-Lipschitz and that
    has a minimiser :math:`\theta^\star`, gradient descent with :math:`\eta =
    1/\lambda_{\max}` started at distance :math:`R = \lVert\theta_0 - \theta^\star\rVert`
    (``distance``) satisfies this for every :math:`t \ge 1` (Beck and Teboulle, 2009,
    theorem 3.1): an :math:`O(1/t)` rate. ``steps``: an int or array of :math:`t \ge 1`.
    """
    largest = check_range("largest", largest, 0, low_open=True)
    distance = check_range("distance", distance, 0)
    t = _array("steps", steps, 1)
    return _scalar(largest * distance ** 2 / (2 * t))


def nesterov_convex_bound(largest, distance, steps):
    r"""Nesterov's guarantee on a smooth convex function: :math:`L(\theta_t) - L^\star \le \frac{2\lambda_{\max} R^2}{(t + 1)^2}`.

    Same assumptions as :func:`gd_convex_bound`, with :math:`\eta = 1/\lambda_{\max}` and
    the momenta of :func:`nesterov_convex_momentum` (Beck and Teboulle, 2009, theorem 4.4;
    Nesterov, 1983): an :math:`O(1/t^2)` rate, which no method that only combines
    gradients can beat on this class in the worst case, for :math:`t` below about half
    the dimension (Nesterov, 2018, section 2.1).
    """
    largest = check_range("largest", largest, 0, low_open=True)
    distance = check_range("distance", distance, 0)
    t = _array("steps", steps, 1)
    return _scalar(2 * largest * distance ** 2 / (t + 1) ** 2)


def _design(X):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] == 0 or not np.all(np.isfinite(X)):
        raise ValueError(f"invalid X with shape {X.shape}, expected a finite (n, d) array with n >= 1")
    return np.column_stack([X, np.ones(X.shape[0])])


def logistic_hessian(X, theta):
    r"""The Hessian of logistic regression's mean cross-entropy at ``theta``.

    For a linear model :math:`z_i = x_i^\top w + b` with :math:`\theta = (w, b)`, trained
    with binary cross-entropy (:func:`mlcourse.problems.logistic_regression`),

    .. math:: \nabla^2 L(\theta) = \frac1n \tilde X^\top D \tilde X, \qquad
        \tilde X = [X\ 1], \quad D = \mathrm{diag}\big(\sigma(z_i)(1 - \sigma(z_i))\big),

    whatever the labels. Its eigenvalues are the curvatures at ``theta``; the loss is
    convex because they are never negative. ``X``: the (n, d) inputs; ``theta``: d + 1
    numbers.
    """
    X1 = _design(X)
    theta = np.asarray(theta, dtype=float)
    if theta.shape != (X1.shape[1],):
        raise ValueError(f"invalid theta with shape {theta.shape}, expected shape ({X1.shape[1]},)")
    p = 1 / (1 + np.exp(-(X1 @ theta)))
    return X1.T @ (X1 * (p * (1 - p))[:, None]) / X1.shape[0]


def logistic_smoothness(X):
    r"""The largest curvature :math:`\lambda_{\max}` of logistic regression's mean cross-entropy, anywhere.

    In :func:`logistic_hessian` every :math:`\sigma'(z_i) = \sigma(1 - \sigma) \le \tfrac14`,
    with equality at :math:`z = 0`, so the gradient is :math:`\lambda_{\max}`-Lipschitz with

    .. math:: \lambda_{\max} = \frac{1}{4n}\, \lambda_{\max}\big(\tilde X^\top \tilde X\big),

    and the bound is attained at :math:`\theta = 0`. ``X``: the (n, d) inputs.
    """
    X1 = _design(X)
    return float(np.linalg.eigvalsh(X1.T @ X1).max()) / (4 * X1.shape[0])
