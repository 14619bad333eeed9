"""An instructor's own known mistake for a momentum exercise, as a test cell would import it.

Textbook momentum (``mlcourse.optim.momentum``): m ← β·m − η·g, then θ ← θ + m. A
mistake lives at the top level of an importable module, so that the checker can run it
wherever it runs (under the grader's oracle too).
"""

import numpy as np

from mlcourse.checks import Mistake


def momentum_init(params):
    return np.zeros_like(params)


def momentum_step(params, grads, state, lr, beta):
    """The correct rule, written as a student would."""
    velocity = beta * state - lr * grads
    return params + velocity, velocity


def beta_on_the_gradient(params, grads, state, lr, beta):
    velocity = state - beta * lr * grads  # β applied to the gradient instead of the old velocity
    return params + velocity, velocity


BETA_ON_THE_GRADIENT = Mistake("β multiplies the old velocity, not the gradient: m ← β·m − η·g, then θ ← θ + m.",
                               beta_on_the_gradient, init=momentum_init)
