r"""Gradient noise on demand: a stand-in for mini-batch noise where there is no data.

:func:`with_gradient_noise` returns the same problem whose gradient carries
independent Gaussian noise,

.. math:: \tilde g = \nabla L(\theta) + s\,\xi, \qquad \xi \sim \mathcal N(0, I),

an unbiased, isotropic estimate of :math:`g` with variance :math:`s^2` per
coordinate. This is the noise of the escape-from-saddles theorems (Ge et al. 2015,
Jin et al. 2017), not the noise of a real mini-batch, whose shape the data decide.
"""

import numpy as np

from mlcourse._checks import check_int, check_range

__all__ = ["with_gradient_noise"]


def with_gradient_noise(problem, std, seed=0):
    """The same ``problem`` with Gaussian noise of standard deviation ``std`` on every gradient.

    Args:
        problem: a 2-D function or data problem from :mod:`mlcourse.problems` (a
            NamedTuple with ``grad`` and ``name``). Its ``loss`` is kept, so
            :func:`~mlcourse.train.minimize` still records the exact loss.
        std: standard deviation of the noise added to each coordinate (``>= 0``;
            0 gives the exact gradient).
        seed: seeds the noise. Each call of the returned ``grad`` draws fresh noise,
            so the new problem is stateful: build a new one (same seed) to replay a run.

    The noise has the shape and dtype of the gradient; a ``batch`` argument of a data
    problem is passed through, so mini-batch and injected noise can be combined.
    """
    std = check_range("std", std, low=0)
    seed = check_int("seed", seed, low=0)
    rng = np.random.default_rng(seed)
    exact_grad = problem.grad

    def noisy_grad(theta, *batch):
        g = exact_grad(theta, *batch)
        noise = rng.standard_normal(np.shape(g))
        return g + (std * noise).astype(np.result_type(g), copy=False)

    return problem._replace(grad=noisy_grad, name=f"{problem.name} + noise {std:g}")
