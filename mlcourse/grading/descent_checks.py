"""``check_descent_loop`` and ``check_critical_lr``: a whole gradient-descent run.

The reference run is :func:`mlcourse.problems.minimize` with :func:`mlcourse.optim.sgd`;
the critical learning rate of a quadratic is :math:`2/L`, with :math:`L` the largest
eigenvalue of the problem's Hessian.
"""

import math

import numpy as np

from mlcourse import optim, problems, train

from . import _integrity
from ._compare import CheckFailed, compare, make_rng, protect, student_code
from .update_checks import OPTIM_FILES, draw

MINIMIZE_FILES = _integrity.module_files(train)


def _runs(rng, first):
    """(problem, start, lr, steps) for one case; lr is safely below 2/L."""
    kappa = 5.0 if first else float(rng.uniform(1.5, 30))
    angle = 0.0 if first else float(rng.uniform(0, math.pi))
    quadratic = problems.quadratic(kappa, angle)
    start = quadratic.theta0 if first else rng.uniform(-4, 4, 2)
    fraction = 0.5 if first else float(rng.uniform(0.1, 0.95))
    yield quadratic, start, fraction * 2 / kappa, 30
    banana = problems.rosenbrock()
    yield banana, np.array([-1.2, 1.0]) if first else rng.uniform(-1.5, 1.5, 2), 1e-3, 50


def _loop_mistakes(problem, start, lr, steps):
    """Wrong trajectories: ascent, the gradient of θ0 reused, one iterate missing."""
    ascent = [start]
    frozen = [start]
    g0 = problem.grad(start)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            ascent.append(ascent[-1] + lr * problem.grad(ascent[-1]))
            frozen.append(frozen[-1] - lr * g0)
    return [("wrong sign: gradient *descent* subtracts η·∇L(θ).", np.stack(ascent)),
            ("the gradient must be recomputed at the current θ at every step, "
             "not once at θ0.", np.stack(frozen))]


def check_descent_loop(student_loop, *, seed=0, cases=3):
    """Check ``student_loop(grad, theta0, lr, steps)`` -> trajectory ``(steps + 1, *theta0.shape)``.

    The trajectory starts with ``theta0`` and holds every iterate. Compared with
    ``mlcourse.problems.minimize(problem, mlcourse.optim.sgd(lr), steps, theta0)`` on a
    rotated quadratic and on Rosenbrock's function.
    """
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    _integrity.assert_untouched("before the check")
    seed, rng = make_rng(seed)
    name = getattr(student_loop, "__name__", "your loop")
    runs = 0
    for case in range(cases):
        for problem, start, lr, steps in _runs(rng, first=case == 0):
            expected = problems.minimize(problem, optim.sgd(lr=lr), steps, theta0=start).trajectory
            context = (f"{problem.name}, theta0 = {np.array2string(start, precision=4, separator=', ')}, "
                       f"lr = {lr:.6g}, steps = {steps} (seed={seed})")
            unchanged = protect(name, start)
            with np.errstate(all="ignore"), student_code(name), _integrity.forbid_calls(OPTIM_FILES, name):
                got = student_loop(problem.grad, start, lr, steps)
            unchanged(context)
            got_shape = np.shape(got)
            if got_shape == (steps, *start.shape):
                raise CheckFailed(f"{name} returned {steps} iterates, expected steps + 1 = {steps + 1}.\n  "
                                  f"{context}\n  hint: the trajectory starts with theta0 itself, then "
                                  "one iterate per step.")
            compare(name, got, expected, context, _loop_mistakes(problem, start, lr, steps),
                    rtol=1e-8)
            runs += 1
    _integrity.assert_untouched("after the check")
    _integrity.passed("check_descent_loop", f"{name} matches mlcourse.problems.minimize with sgd on "
                      f"{runs} runs (seed={seed})")


def _at_params(problem, optimizer, start, steps):
    """The classic slip of a look-ahead method: the gradient taken at θ, not at the look-ahead point."""
    theta, state, path = start, optimizer.init(start), [start]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            theta, state = optimizer.update(theta, problem.grad(theta), state)
            path.append(theta)
    return np.stack(path)


def check_training_loop(student_loop, reference, hyperparameters, *, seed=0, cases=3, steps=30):
    """Check ``student_loop(grad, theta0, optimizer, steps)`` -> trajectory ``(steps + 1, ...)``.

    ``optimizer`` is ``reference(**hyperparameters)`` (a factory of :mod:`mlcourse.optim`,
    hyperparameters drawn as in :func:`check_update_rule`); the student's loop must use its
    ``init``, ``lookahead`` and ``update`` and is compared with ``mlcourse.problems.minimize``
    on rotated quadratics. Taking the gradient at θ instead of the look-ahead point is
    recognised.
    """
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    _integrity.assert_untouched("before the check")
    seed, rng = make_rng(seed)
    name = getattr(student_loop, "__name__", "your loop")
    for case in range(cases):
        hp = draw(hyperparameters, rng, first=case == 0)
        problem = problems.quadratic(float(rng.uniform(2, 10)), float(rng.uniform(0, math.pi)))
        start = problem.theta0 if case == 0 else rng.uniform(-4, 4, 2)
        expected = problems.minimize(problem, reference(**hp), steps, theta0=start).trajectory
        shown = ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v!r}" for k, v in hp.items())
        context = (f"{problem.name}, theta0 = {np.array2string(start, precision=4, separator=', ')}, "
                   f"{reference.__name__}({shown}), steps = {steps} (seed={seed})")
        with np.errstate(all="ignore"), student_code(name), _integrity.forbid_calls(MINIMIZE_FILES, name):
            got = student_loop(problem.grad, start, reference(**hp), steps)
        mistakes = [("the gradient must be taken at optimizer.lookahead(theta, state), not at θ.",
                     _at_params(problem, reference(**hp), start, steps))]
        compare(name, got, expected, context, mistakes, rtol=1e-8)
    _integrity.assert_untouched("after the check")
    _integrity.passed("check_training_loop", f"{name} matches mlcourse.problems.minimize with "
                      f"{reference.__name__} on {cases} runs (seed={seed})")


def check_critical_lr(student_finder, *, seed=0, cases=2, rtol=0.03):
    """Check ``student_finder(grad, theta0)``, the learning rate past which GD diverges.

    It gets only the gradient and a start of a quadratic :math:`\\tfrac12\\theta^\\top A
    \\theta` (random condition number and rotation in hidden tests) and must return
    :math:`2/L` within ``rtol``, where :math:`L` is the largest eigenvalue of A.
    """
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    _integrity.assert_untouched("before the check")
    seed, rng = make_rng(seed)
    name = getattr(student_finder, "__name__", "your function")
    for case in range(cases):
        kappa = (4.0, 10.0)[case % 2] if seed == 0 else float(rng.uniform(1.5, 40))
        angle = 0.0 if seed == 0 else float(rng.uniform(0, math.pi))
        problem = problems.quadratic(kappa, angle)
        # a start with a fair share along both eigenvectors: along the steep one the
        # blow-up must show within a few hundred steps for any sensible search
        _, eigenvectors = np.linalg.eigh(problem.hessian(problem.theta0))
        start = problem.theta0 if seed == 0 else eigenvectors @ (rng.uniform(1, 4, 2) * rng.choice([-1, 1], 2))
        curvature = float(np.linalg.eigvalsh(problem.hessian(start)).max())
        expected = 2 / curvature
        context = (f"{problem.name}, angle = {angle:.4g}, theta0 = "
                   f"{np.array2string(start, precision=4, separator=', ')} (seed={seed})")
        with np.errstate(all="ignore"), student_code(name), _integrity.forbid_calls(OPTIM_FILES, name):
            got = student_finder(problem.grad, start)
        smallest = float(np.linalg.eigvalsh(problem.hessian(start)).min())
        mistakes = [("that is 1/L, where GD reaches the minimum along the steepest direction "
                     "in one step; divergence starts at twice that.", 1 / curvature),
                    ("that is 2/μ for the *smallest* curvature μ: GD already diverges along "
                     "the steepest direction, long before.", 2 / smallest)]
        compare(name, got, expected, context, mistakes, rtol=rtol, atol=0)
    _integrity.assert_untouched("after the check")
    _integrity.passed("check_critical_lr", f"{name} finds 2/L within {rtol:.0%} on {cases} quadratics "
                      f"(seed={seed})")
