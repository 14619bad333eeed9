r"""Generated data with sparse features: some switched on often, others rarely.

Text and recommendation data look like this: most words are rare, a few are
everywhere. For a linear model the curvature of the loss along a feature's weight
grows with how often the feature is on, so such data are badly conditioned along
the coordinate axes, the setting in which per-coordinate learning rates (AdaGrad,
chapter 6) help. :func:`sparse_features` returns the data; train on it with
``problems.logistic_regression((data.X, data.y))``.
"""

from typing import NamedTuple

import numpy as np

from mlcourse._checks import check_int, check_range

__all__ = ["SparseData", "sparse_features"]


class SparseData(NamedTuple):
    """What :func:`sparse_features` returns.

    Attributes:
        X: ``(n_samples, n_features)`` float64 array of 0.0/1.0, read-only.
        y: ``(n_samples,)`` float64 labels 0.0/1.0, read-only.
        frequencies: ``(n_features,)`` probability that each feature is on, most
            frequent first.
        weights: ``(n_features,)`` the true weights the labels were drawn with.
        bias: the true intercept.
    """

    X: np.ndarray
    y: np.ndarray
    frequencies: np.ndarray
    weights: np.ndarray
    bias: float


def sparse_features(n_samples=2000, n_features=20, most=0.5, least=0.01, bias=0.0, seed=0):
    r"""Binary features that are on with very different frequencies, and logistic labels.

    Feature :math:`j` is on (1.0) in each sample independently with probability
    :math:`p_j`, the :math:`p_j` spaced geometrically from ``most`` down to ``least``.
    Each true weight is :math:`w_j = \pm 1` (random signs), and each label is drawn
    from the logistic model,
    :math:`y_i = 1` with probability :math:`\sigma(x_i^\top w + b)`.

    For logistic regression on these data the Hessian's diagonal entry for
    :math:`w_j` is :math:`\frac1n\sum_i x_{ij}\,\sigma_i(1-\sigma_i)`, roughly
    proportional to :math:`p_j`: the curvatures along the weights differ by about
    ``most / least``, and they differ *along the coordinate axes*.

    Args:
        n_samples: number of samples ``n >= 1``.
        n_features: number of features ``d >= 2``.
        most, least: the largest and smallest frequency, ``0 < least <= most <= 1``.
        bias: the true intercept :math:`b`.
        seed: seeds ``np.random.default_rng``; the same arguments give the same data.
    """
    n_samples = check_int("n_samples", n_samples, low=1)
    n_features = check_int("n_features", n_features, low=2)
    most = check_range("most", most, 0, 1, low_open=True)
    least = check_range("least", least, 0, most, low_open=True)
    bias = check_range("bias", bias)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    frequencies = np.geomspace(most, least, n_features)
    X = (rng.random((n_samples, n_features)) < frequencies).astype(np.float64)
    weights = rng.choice([-1.0, 1.0], size=n_features)
    probability = 1.0 / (1.0 + np.exp(-(X @ weights + bias)))
    y = (rng.random(n_samples) < probability).astype(np.float64)
    for array in (X, y, frequencies, weights):
        array.flags.writeable = False
    return SparseData(X=X, y=y, frequencies=frequencies, weights=weights, bias=bias)
