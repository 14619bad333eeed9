"""Numerical helpers shared by the tests (not part of mlcourse: they check it)."""

import numpy as np


def central_difference(f, x, eps=1e-6):
    """Gradient of a scalar function ``f`` at ``x`` (any shape) by central differences."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        grad[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad
