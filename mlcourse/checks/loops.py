"""``check_descent_loop``, ``check_training_loop``, ``check_critical_lr``: whole runs.

The reference run is :func:`mlcourse.problems.minimize`; the critical learning rate of
a quadratic is :math:`2/\\lambda_{\\max}`, with :math:`\\lambda_{\\max}` the largest eigenvalue of
its Hessian (the course writes λ_max for a curvature: L is the loss).

These functions compose the student's other functions (the loop calls the student's
``gd_step``, the search calls the loop). Give the checker those functions too
(``step=gd_step``, ``loop=gradient_descent``): when the function under test fails, the
checker first checks them on the inputs of the failing run, and a failure there is
reported as the cause, naming the function that caused it.
"""

import math

import numpy as np

from mlcourse import optim, problems

from ._compare import CheckFailed, compare, make_rng
from ._draw import check_examples, check_space, draw, shown
from ._driver import checker, run_reference
from ._protocol import OptimizerSpec, ProblemSpec, ask, blame_callees, problem
from .mistakes import Mistake, check_mistakes
from .optim import builtin_mistakes as update_rule_mistakes
from .optim import run_steps


# --- wrong loops a student writes (student form: loop(grad, theta0, lr, steps)) --------------

def ascent_loop(grad, theta0, lr, steps):
    """Gradient *ascent*: θ ← θ + η·∇L(θ)."""
    path = [theta0]
    for _ in range(steps):
        path.append(path[-1] + lr * grad(path[-1]))
    return np.stack(path)


def frozen_gradient_loop(grad, theta0, lr, steps):
    """The gradient of θ0, computed once and reused at every step."""
    g0 = grad(theta0)
    return np.stack([theta0 - k * lr * g0 for k in range(steps + 1)])


LOOP_MISTAKES = [Mistake("wrong sign: gradient *descent* subtracts η·∇L(θ).", ascent_loop),
                 Mistake("the gradient must be recomputed at the current θ at every step, not once at θ0.",
                         frozen_gradient_loop)]


def _runs(rng, first):
    """(problem spec, start, lr, steps) for one case; lr is safely below 2/λ_max."""
    kappa = 5.0 if first else float(rng.uniform(1.5, 30))
    angle = 0.0 if first else float(rng.uniform(0, math.pi))
    bowl = problem("quadratic", condition_number=kappa, angle=angle)
    start = bowl.build().theta0 if first else rng.uniform(-4, 4, 2)
    fraction = 0.5 if first else float(rng.uniform(0.1, 0.95))
    yield bowl, start, fraction * 2 / kappa, 30
    yield problem("rosenbrock"), np.array([-1.2, 1.0]) if first else rng.uniform(-1.5, 1.5, 2), 1e-3, 50


def _describe(spec, start, lr, steps):
    return (f"{spec.label}, theta0 = {np.array2string(np.asarray(start), precision=4, separator=', ')}, "
            f"lr = {lr:.6g}, steps = {steps}")


def descent_run(loop, step, spec, start, lr, steps, context, mistakes=()):
    """Sub-check: one run of the student's loop against ``minimize`` with ``sgd(lr)``.

    On failure, ``step`` (the student's step function, if given) is first checked on
    this run's own iterates and gradients, and blamed if it is wrong.
    """
    bowl = spec.build()
    expected = problems.minimize(bowl, optim.sgd(lr=lr), steps, theta0=start).trajectory
    try:
        got = yield from ask(loop(spec.gradient(), start, lr, steps), context)
        if np.shape(got) == (steps, *np.shape(start)):
            raise CheckFailed(f"{loop.name} returned {steps} iterates, expected steps + 1 = {steps + 1}.\n  "
                              f"{context}\n  hint: the trajectory starts with theta0 itself, then one iterate "
                              "per step.")
        wrong = [(m.hint, lambda m=m: run_reference(m.wrong, bowl.grad, start, lr, steps))
                 for m in [*LOOP_MISTAKES, *mistakes]]
        compare(loop.name, got, expected, context, wrong, rtol=1e-8)
    except CheckFailed as failure:
        if step is not None:
            yield from blame_callees(loop, failure, [(step, run_steps(
                step, None, optim.sgd, {"lr": lr}, update_rule_mistakes(optim.sgd),
                f"in {loop.name}'s run on\n  {context}", start, bowl.grad, min(steps, 5)))])
        raise


@checker(students=("student_loop", "step"), under_test=(optim, problems.minimize))
def check_descent_loop(student_loop, *, step=None, seed=0, cases=3, examples=(), mistakes=()):
    """Check ``student_loop(grad, theta0, lr, steps)`` -> trajectory ``(steps + 1, *theta0.shape)``.

    The trajectory starts with ``theta0`` and holds every iterate; it is compared with
    ``mlcourse.problems.minimize(problem, mlcourse.optim.sgd(lr), steps, theta0)`` on a
    rotated quadratic and on Rosenbrock's function. ``step``: the student's one-step
    function the loop calls (``step(theta, grad, lr)``); when the loop fails, ``step`` is
    checked on the loop's own iterates first and blamed if wrong. A worked example is
    ``{"problem": checks.problem("quadratic", condition_number=4), "theta0": [1.0, 1.0],
    "lr": 0.1, "steps": 2}``. Recognised: wrong sign, the gradient computed once at θ0,
    θ0 missing from the trajectory, plus ``mistakes`` (wrong loops). Under test:
    ``mlcourse.optim`` and the training loop.
    """
    known = check_mistakes(mistakes, ("student_loop",))
    worked = check_examples(examples, ("problem", "theta0", "lr", "steps"))
    seed, rng = make_rng(seed)
    runs = [(e["problem"], np.asarray(e["theta0"], dtype=float), float(e["lr"]), int(e["steps"]), "worked example: ")
            for e in worked]
    for case in range(cases):
        runs += [(spec, start, lr, steps, "") for spec, start, lr, steps in _runs(rng, first=case == 0)]
    for spec, start, lr, steps, label in runs:
        if not isinstance(spec, ProblemSpec):
            raise TypeError(f"invalid examples problem = {spec!r}, expected checks.problem('quadratic', ...)")
        context = f"{label}{_describe(spec, start, lr, steps)} (seed={seed})"
        yield from descent_run(student_loop, step, spec, start, lr, steps, context, known)
    return f"{student_loop.name} matches mlcourse.problems.minimize with sgd on {len(runs)} runs (seed={seed})"


# --- a loop over any optimizer ------------------------------------------------------------------

def gradient_at_params_loop(grad, theta0, optimizer, steps):
    """The classic slip of a look-ahead method: the gradient taken at θ, not at the look-ahead point."""
    theta, state, path = theta0, optimizer.init(theta0), [theta0]
    for _ in range(steps):
        theta, state = optimizer.update(theta, grad(theta), state)
        path.append(theta)
    return np.stack(path)


@checker(students=("student_loop",), under_test=(problems.minimize,))
def check_training_loop(student_loop, reference, hyperparameters, *, seed=0, cases=3, steps=30, mistakes=()):
    """Check ``student_loop(grad, theta0, optimizer, steps)`` -> trajectory ``(steps + 1, ...)``.

    ``optimizer`` is ``reference(**hp)`` (a factory of :mod:`mlcourse.optim`,
    hyperparameters drawn from spaces as in :func:`check_update_rule`), built in the
    student's process; the loop must use its ``init``, ``lookahead`` and ``update`` and is
    compared with ``mlcourse.problems.minimize`` on rotated quadratics. Recognised: the
    gradient taken at θ instead of the look-ahead point, plus ``mistakes`` (wrong loops
    of the same signature). Under test: the training loop.
    """
    check_space(hyperparameters)
    if not callable(reference) or getattr(optim, getattr(reference, "__name__", ""), None) is not reference:
        raise TypeError(f"invalid reference = {reference!r}, expected a factory of mlcourse.optim such as optim.sgd")
    known = [Mistake("the gradient must be taken at optimizer.lookahead(theta, state), not at θ.",
                     gradient_at_params_loop), *check_mistakes(mistakes, ("student_loop",))]
    seed, rng = make_rng(seed)
    for case in range(cases):
        hp = draw(hyperparameters, rng, first=case == 0)
        spec = problem("quadratic", condition_number=float(rng.uniform(2, 10)), angle=float(rng.uniform(0, math.pi)))
        bowl = spec.build()
        start = bowl.theta0 if case == 0 else rng.uniform(-4, 4, 2)
        expected = problems.minimize(bowl, reference(**hp), steps, theta0=start).trajectory
        context = (f"{spec.label}, theta0 = {np.array2string(start, precision=4, separator=', ')}, "
                   f"{reference.__name__}({shown(hp)}), steps = {steps} (seed={seed})")
        optimizer = OptimizerSpec(reference.__name__, tuple(sorted(hp.items())))
        got = yield from ask(student_loop(spec.gradient(), start, optimizer, steps), context)
        wrong = [(m.hint, lambda m=m: run_reference(m.wrong, bowl.grad, start, reference(**hp), steps))
                 for m in known]
        compare(student_loop.name, got, expected, context, wrong, rtol=1e-8)
    return (f"{student_loop.name} matches mlcourse.problems.minimize with {reference.__name__} on {cases} runs "
            f"(seed={seed})")


# --- where does gradient descent diverge? --------------------------------------------------------

@checker(students=("student_finder", "loop", "step"), under_test=(optim, problems.minimize))
def check_critical_lr(student_finder, *, loop=None, step=None, seed=0, cases=2, rtol=0.03, mistakes=()):
    """Check ``student_finder(grad, theta0)``, the divergence threshold of GD's learning rate.

    It gets only the gradient and a start of a quadratic
    :math:`\\tfrac12\\theta^\\top A\\theta` (condition numbers 4 and 10 for
    ``seed=0``; random condition number and rotation in hidden tests) and must return
    :math:`2/\\lambda_{\\max}` within ``rtol`` (3 %), where :math:`\\lambda_{\\max}` is the largest
    eigenvalue of A. ``loop`` and ``step``: the student's descent loop and step, which the
    search calls; when the search fails they are checked first on its problem and blamed if
    wrong. Recognised: 1/λ_max, 2/λ_min (the smallest curvature), plus ``mistakes`` (wrong
    finders).
    """
    known = check_mistakes(mistakes, ("student_finder",))
    seed, rng = make_rng(seed)
    for case in range(cases):
        kappa = (4.0, 10.0)[case % 2] if seed == 0 else float(rng.uniform(1.5, 40))
        angle = 0.0 if seed == 0 else float(rng.uniform(0, math.pi))
        spec = problem("quadratic", condition_number=kappa, angle=angle)
        bowl = spec.build()
        # a start with a fair share along both eigenvectors: along the steep one the
        # blow-up must show within a few hundred steps for any sensible search
        _, eigenvectors = np.linalg.eigh(bowl.hessian(bowl.theta0))
        start = bowl.theta0 if seed == 0 else eigenvectors @ (rng.uniform(1, 4, 2) * rng.choice([-1, 1], 2))
        curvatures = np.linalg.eigvalsh(bowl.hessian(start))
        largest, smallest = float(curvatures.max()), float(curvatures.min())
        expected = 2 / largest
        context = f"{spec.label}, theta0 = {np.array2string(start, precision=4, separator=', ')} (seed={seed})"
        try:
            got = yield from ask(student_finder(spec.gradient(), start), context)
            wrong = [("that is 1/λ_max, where GD reaches the minimum along the most curved direction in one "
                      "step; divergence starts at twice that.", 1 / largest),
                     ("that is 2/λ_min for the *smallest* curvature λ_min: GD already diverges along the most "
                      "curved direction, long before.", 2 / smallest)]
            wrong += [(m.hint, lambda m=m: run_reference(m.wrong, bowl.grad, start)) for m in known]
            compare(student_finder.name, got, expected, context, wrong, rtol=rtol, atol=0, show_tolerance=True)
        except CheckFailed as failure:
            lr = 0.9 * expected
            where = (f"{_describe(spec, start, lr, 50)} (seed={seed})\n"
                     f"  (a run like those {student_finder.name}'s search makes)")
            if loop is not None:
                yield from blame_callees(student_finder, failure,
                                         [(loop, descent_run(loop, step, spec, start, lr, 50, where))])
            elif step is not None:
                yield from blame_callees(student_finder, failure, [(step, run_steps(
                    step, None, optim.sgd, {"lr": lr}, update_rule_mistakes(optim.sgd), f"in a run on\n  {where}", start,
                    bowl.grad, 5))])
            raise
    return (f"{student_finder.name} finds 2/λ_max within {rtol:.0%} on {cases} quadratics (seed={seed})")

