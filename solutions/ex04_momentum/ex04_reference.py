"""Exercise 4 (momentum): references and cases for the checks that ``mlcourse`` has no
function of the student's signature for (the search of task 4), and the calls that
search makes to the student's spectral radius (to blame it when it is wrong).

They only call :mod:`mlcourse.theory`, the one home of the formulas. A student's code
must not call them (the checkers refuse it). Released with the notebook and restored
from the course's source when grading.
"""

import numpy as np

from mlcourse import theory


def best_beta(lr, smallest, largest, betas):
    """The reference search: the β of ``betas`` with the smallest worst-direction rate at ``lr``."""
    betas = np.asarray(betas, dtype=float)
    rates = theory.momentum_rate(lr, betas, [smallest, largest])
    return float(betas[np.argmin(rates)])


def radius_calls(lr, smallest, largest, betas):
    """The calls ``best_beta(lr, smallest, largest, betas)`` makes to the spectral radius:
    every β of the grid at both extreme curvatures (the checker's ``callee_calls``)."""
    return [{"lr": lr, "beta": float(beta), "curvature": curvature}
            for beta in np.asarray(betas, dtype=float) for curvature in (smallest, largest)]


def search_cases(rng):
    """A curvature range, a learning rate near Polyak's η* and a grid of momenta.

    The learning rate is below η* or above it, with equal chances. Why both: at a given
    η the best β is where the *binding* extreme curvature becomes critically damped, the
    flattest one below η* and the steepest one above it, so a search that looks at one
    curvature only is right on one side of η* and wrong on the other. Above η* the
    steepest direction nears the edge of convergence (η*·λmax tends to 4 as κ grows,
    and momentum needs η·λmax < 2(1 + β) < 4), so those cases keep κ ≤ 50 and
    η·λmax ≤ 3.5, where some β of the grid converges.
    """
    smallest = float(np.exp(rng.uniform(np.log(0.1), np.log(10))))
    if rng.integers(2):
        largest = smallest * float(np.exp(rng.uniform(np.log(4), np.log(1e4))))
        lr = theory.momentum_optimal(smallest, largest).lr * float(rng.uniform(0.6, 0.9))
    else:
        largest = smallest * float(rng.uniform(4, 50))
        optimal = theory.momentum_optimal(smallest, largest).lr
        lr = optimal * float(rng.uniform(1.03, min(1.3, 3.5 / (optimal * largest))))
    betas = np.linspace(0.0, 0.99, int(rng.integers(40, 200)))
    return {"lr": lr, "smallest": smallest, "largest": largest, "betas": betas}
