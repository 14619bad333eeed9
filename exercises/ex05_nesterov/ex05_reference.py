"""Exercise 5 (Nesterov): the reference of the look-ahead point in the student's
signature, and its cases.

``mlcourse.optim.nesterov`` computes the point from its own state (its ``lookahead``);
this adapter calls it. A student's code must not call it (the checkers refuse it).
Released with the notebook and restored from the course's source when grading.
"""

import numpy as np

from mlcourse import optim
from mlcourse.optim import MomentumState


def lookahead(params, velocity, beta):
    """θ + β·m, by mlcourse.optim.nesterov's own ``lookahead``."""
    params = np.asarray(params)
    state = MomentumState(step=0, velocity=np.asarray(velocity, dtype=params.dtype))
    return optim.nesterov(lr=1.0, beta=beta).lookahead(params, state)


def lookahead_cases(rng):
    """Parameters and a velocity of a random shape, and a momentum."""
    shape = [(2,), (5,), (3, 4)][int(rng.integers(3))]
    return {"params": rng.normal(size=shape), "velocity": rng.normal(scale=0.5, size=shape),
            "beta": float(rng.uniform(0.0, 0.99))}
