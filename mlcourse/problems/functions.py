r"""Two-dimensional test functions: small landscapes on which to watch optimizers move.

Each factory returns a :class:`Function2D` whose ``loss`` and ``grad`` accept ``theta``
of shape ``(..., 2)``: a single point ``(2,)`` gives a Python float (loss) or a ``(2,)``
array (grad); a grid ``(H, W, 2)`` gives an ``(H, W)`` array, ready for a contour plot.
Every gradient is analytic (the tests check it against finite differences).
"""

from typing import Callable, NamedTuple

import numpy as np

from mlcourse._checks import as_float_array, check_range

__all__ = ["Function2D", "quadratic", "rosenbrock", "beale", "saddle", "rastrigin"]


class Function2D(NamedTuple):
    """A 2-D test function with what the course needs to draw and test it.

    Attributes:
        name: a short label for legends.
        loss: ``theta (..., 2) -> (...)`` (a float for a single point).
        grad: ``theta (..., 2) -> (..., 2)``, the analytic gradient.
        minima: ``(k, 2)`` array of known minimisers, the global one(s) first.
        bounds: ``((xmin, xmax), (ymin, ymax))``, a good window for plots.
        theta0: ``(2,)`` default start, chosen to show the function's difficulty.
        lr: a learning rate with which plain gradient descent converges from ``theta0``
            (a sensible slider default, not a tuned optimum).
        hessian: ``theta (..., 2) -> (..., 2, 2)``, or None where not provided.
        saddle_points: ``(k, 2)`` array of known saddle points (often empty).
    """

    name: str
    loss: Callable
    grad: Callable
    minima: np.ndarray
    bounds: tuple
    theta0: np.ndarray
    lr: float
    hessian: Callable | None = None
    saddle_points: np.ndarray = np.empty((0, 2))


def _points(theta):
    theta = as_float_array("theta", theta)
    if theta.ndim == 0 or theta.shape[-1] != 2:
        raise ValueError(f"invalid theta with shape {theta.shape}, expected shape (..., 2)")
    return theta


def _make(name, value, partials, second=None, **fields):
    """Build a Function2D from formulas in x and y.

    ``value(x, y)`` gives the loss, ``partials(x, y)`` the pair (dL/dx, dL/dy) and
    ``second(x, y)`` the triple (d2L/dx2, d2L/dxdy, d2L/dy2).
    """
    def loss(theta):
        theta = _points(theta)
        out = np.asarray(value(theta[..., 0], theta[..., 1]), dtype=theta.dtype)
        return float(out) if theta.ndim == 1 else out

    def grad(theta):
        theta = _points(theta)
        gx, gy = partials(theta[..., 0], theta[..., 1])
        return np.stack(np.broadcast_arrays(gx, gy), axis=-1).astype(theta.dtype, copy=False)

    def hessian(theta):
        theta = _points(theta)
        xx, xy, yy = np.broadcast_arrays(*second(theta[..., 0], theta[..., 1]))
        rows = [np.stack([xx, xy], axis=-1), np.stack([xy, yy], axis=-1)]
        return np.stack(rows, axis=-2).astype(theta.dtype, copy=False)

    arrays = {key: np.asarray(fields[key], dtype=float) for key in ("minima", "theta0", "saddle_points")
              if key in fields}
    return Function2D(name=name, loss=loss, grad=grad, hessian=hessian if second else None,
                      **{**fields, **arrays})


def quadratic(condition_number=10.0, angle=0.0):
    r"""An ill-conditioned bowl :math:`L(\theta) = \tfrac12 \theta^\top A \theta`.

    :math:`A = R\,\mathrm{diag}(1, \kappa)\,R^\top` with :math:`\kappa` =
    ``condition_number`` and :math:`R` the rotation by ``angle`` (radians). Its
    eigenvalues (curvatures) are :math:`\lambda_{\min} = 1` and
    :math:`\lambda_{\max} = \kappa`. Gradient descent multiplies the error along an
    eigenvector of eigenvalue :math:`\lambda` by :math:`1 - \eta\lambda` per step, so it
    converges exactly when :math:`\eta < 2/\lambda_{\max} = 2/\kappa`, bounces between two
    points at that threshold and diverges past it; along the flat direction it creeps
    at rate :math:`1 - \eta\lambda_{\min}`, which is why a large :math:`\kappa` (a ravine)
    makes it slow. Minimum 0 at the origin; ``lr = 1/λ_max``.
    """
    kappa = check_range("condition_number", condition_number, low=1)
    angle = check_range("angle", angle)
    c, s = np.cos(angle), np.sin(angle)
    rotation = np.array([[c, -s], [s, c]])
    A = rotation @ np.diag([1.0, kappa]) @ rotation.T
    a, b, d = A[0, 0], A[0, 1], A[1, 1]
    return _make(
        f"quadratic (κ = {kappa:g})",
        lambda x, y: 0.5 * (a * x * x + 2 * b * x * y + d * y * y),
        lambda x, y: (a * x + b * y, b * x + d * y),
        lambda x, y: (a + 0 * x, b + 0 * x, d + 0 * x),
        minima=[[0.0, 0.0]], bounds=((-5.0, 5.0), (-5.0, 5.0)), theta0=[-4.0, 3.0], lr=1 / kappa,
    )


def rosenbrock(a=1.0, b=100.0):
    r"""Rosenbrock's banana :math:`L = (a - x)^2 + b\,(y - x^2)^2`.

    A curved, flat-bottomed valley along :math:`y = x^2`: finding the valley is easy,
    following it to the minimum :math:`(a, a^2)` (value 0) is slow for gradient
    descent, because the walls are :math:`b` times steeper than the floor.
    """
    a = check_range("a", a)
    b = check_range("b", b, low=0, low_open=True)
    return _make(
        "Rosenbrock",
        lambda x, y: (a - x) ** 2 + b * (y - x * x) ** 2,
        lambda x, y: (-2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)),
        lambda x, y: (2 - 4 * b * (y - 3 * x * x), -4 * b * x, 2 * b + 0 * x),
        minima=[[a, a * a]], bounds=((-2.0, 2.0), (-1.0, 3.0)), theta0=[-1.5, 2.5], lr=1e-3,
    )


def beale():
    r"""Beale's function :math:`L = \sum_{i=1}^{3} (c_i - x + x y^i)^2`, :math:`c = (1.5, 2.25, 2.625)`.

    Flat plateaus and sharp ridges with gradients differing by orders of magnitude;
    global minimum 0 at :math:`(3, 0.5)`. A classic picture for adaptive methods.
    """
    c = (1.5, 2.25, 2.625)

    def partials(x, y):
        r = [c[i] - x + x * y ** (i + 1) for i in range(3)]
        gx = sum(2 * r[i] * (y ** (i + 1) - 1) for i in range(3))
        gy = sum(2 * r[i] * (i + 1) * x * y**i for i in range(3))
        return gx, gy

    return _make(
        "Beale",
        lambda x, y: sum((c[i] - x + x * y ** (i + 1)) ** 2 for i in range(3)),
        partials,
        minima=[[3.0, 0.5]], bounds=((-4.5, 4.5), (-4.5, 4.5)), theta0=[1.0, 1.4], lr=0.01,
    )


def saddle():
    r"""A saddle at the origin between two minima: :math:`L = \tfrac12 x^2 + \tfrac14 y^4 - \tfrac12 y^2`.

    Near the origin it is the textbook saddle :math:`\tfrac12(x^2 - y^2)` (Hessian
    :math:`\mathrm{diag}(1, -1)`: up along :math:`x`, down along :math:`y`), but the
    quartic term makes it bounded below, so every descent ends at one of the two
    minima :math:`(0, \pm 1)` (value :math:`-\tfrac14`) instead of running to
    :math:`-\infty`. ``theta0`` sits almost on the line :math:`y = 0`: gradient descent
    first rushes to the saddle, lingers on a plateau while :math:`y` grows by a factor
    :math:`1 + \eta` per step, then escapes. Started exactly at :math:`y = 0` it never
    would; gradient noise would.
    """
    return _make(
        "saddle",
        lambda x, y: 0.5 * x * x + 0.25 * y**4 - 0.5 * y * y,
        lambda x, y: (x, y**3 - y),
        lambda x, y: (1 + 0 * x, 0 * x, 3 * y * y - 1),
        minima=[[0.0, 1.0], [0.0, -1.0]], saddle_points=[[0.0, 0.0]],
        bounds=((-2.0, 2.0), (-2.0, 2.0)), theta0=[1.8, 1e-3], lr=0.1,
    )


def _minima_1d(slope, curvature, starts, low, high):
    """Local minimisers in [low, high] of a 1-D function, by Newton's method on its slope.

    Newton is run from each start; results that are not a point of zero slope and
    positive curvature inside [low, high] are dropped, and so are repeats.
    """
    found = []
    for x in np.asarray(starts, dtype=float):
        for _ in range(50):
            x = x - slope(x) / curvature(x)
        is_minimum = low <= x <= high and abs(slope(x)) < 1e-9 and curvature(x) > 0
        if is_minimum and all(abs(x - f) > 1e-6 for f in found):
            found.append(float(x))
    return found


def rastrigin(A=10.0):
    r"""Rastrigin's function :math:`L = 2A + \sum_{j \in \{x, y\}} \big(j^2 - A \cos 2\pi j\big)`.

    A bowl covered in bumps: a local minimum near every integer point, the global one
    (value 0) at the origin. Gradient descent stops in whichever basin it starts in.
    ``minima`` lists the global minimum first, then every local minimum inside
    ``bounds``, sorted by loss. The function is separable (a sum of the same 1-D
    function of :math:`x` and of :math:`y`), so each minimum is a pair of 1-D
    minimisers, found to machine precision by Newton's method from each integer. The
    bumps are steep (curvature :math:`2 + 4\pi^2 A \approx 397` at the minima for
    :math:`A = 10`), hence the small ``lr``.
    """
    A = check_range("A", A, low=0, low_open=True)
    w = 2 * np.pi

    def value(x):
        return x * x - A * np.cos(w * x)

    def slope(x):
        return 2 * x + w * A * np.sin(w * x)

    def curvature(x):
        return 2 + w * w * A * np.cos(w * x)

    bounds = ((-5.12, 5.12), (-5.12, 5.12))
    ones = _minima_1d(slope, curvature, np.arange(-5, 6), *bounds[0])
    minima = np.array([[x, y] for x in ones for y in ones])
    f = _make(
        "Rastrigin",
        lambda x, y: 2 * A + value(x) + value(y),
        lambda x, y: (slope(x), slope(y)),
        lambda x, y: (curvature(x), 0 * x, curvature(y)),
        minima=minima, bounds=bounds, theta0=[2.3, -1.7], lr=1e-3,
    )
    return f._replace(minima=minima[np.argsort(f.loss(minima), kind="stable")])
