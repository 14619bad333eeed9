"""``check_update_rule`` and ``check_schedule``: update rules and schedules, step by step.

The student's rule and the :mod:`mlcourse.optim` reference run side by side on several
problems, with hyperparameters drawn at random, for many steps. At every step the
student receives the reference's parameters and gradient (so one early slip does not
snowball) and must return the reference's next parameters.
"""

import math

import numpy as np

from mlcourse import optim, problems, schedules, train

from . import _integrity
from ._compare import CheckFailed, compare, make_rng, protect, student_code

OPTIM_FILES = _integrity.module_files(optim) | _integrity.module_files(train)
SCHEDULE_FILES = _integrity.module_files(schedules)

# Related references whose difference from the one under test is a classic mistake:
# (name of the other factory in mlcourse.optim, the hint when the student matches it).
_RELATED = {
    "adamw": [("adam", "that is Adam with L2: you added weight_decay·θ to the gradient; AdamW "
                       "decays the weights directly, θ ← θ − η·λ·θ, outside the adaptive scaling.")],
    "adam": [("adamw", "that is AdamW's decoupled weight decay; Adam's weight_decay is L2, "
                       "added to the gradient before the moments.")],
}


def draw(hyperparameters, rng, first):
    """One value per hyperparameter: a list is a set of choices (the first is used for
    ``first``), a ``(low, high)`` tuple a log-uniform range (its geometric middle)."""
    values = {}
    for name, spec in hyperparameters.items():
        if isinstance(spec, tuple):
            low, high = spec
            u = 0.5 if first else rng.uniform()
            values[name] = float(math.exp(math.log(low) + u * (math.log(high) - math.log(low))))
        else:
            values[name] = spec[0] if first else spec[int(rng.integers(len(spec)))]
    return values


def _gradient_streams(rng):
    """(name, theta0, gradient function) triples: 2-D landscapes and random gradients."""
    kappa = float(rng.uniform(2, 20))
    angle = float(rng.uniform(0, math.pi))
    streams = []
    for problem in (problems.quadratic(kappa, angle), problems.rosenbrock()):
        streams.append((problem.name, problem.theta0 * 0.3, problem.grad))
    matrix = rng.normal(size=(4, 3))
    streams.append(("random gradients, shape (4, 3)", rng.normal(size=(4, 3)),
                    lambda theta: rng.normal(size=theta.shape) + 0.1 * matrix))
    theta32 = rng.normal(size=5).astype(np.float32)
    streams.append(("float32 parameters, shape (5,)", theta32,
                    lambda theta: (theta ** 3 - theta).astype(np.float32)))
    return streams


def _mistakes(reference, hyperparameters):
    """Deliberately wrong optimizers built from the reference's own pieces."""
    wrong_sign = reference(**hyperparameters)
    mistakes = [("wrong sign: the step must go *against* the gradient.", wrong_sign, lambda g: -g)]
    for other, hint in _RELATED.get(reference.__name__, []):
        mistakes.append((hint, getattr(optim, other)(**hyperparameters), lambda g: g))
    return mistakes


def _adam_mistakes(name, hp, theta, new_state):
    """Adam without bias correction, and with ε inside the square root, from the
    reference's own moments (only for a constant lr and no weight decay)."""
    if name not in ("adam", "adamw") or callable(hp.get("lr", 1e-3)) or hp.get("weight_decay", 0) \
            or getattr(new_state, "max_exp_avg_sq", None) is not None:
        return []
    lr, eps = hp.get("lr", 1e-3), hp.get("eps", 1e-8)
    beta1, beta2 = hp.get("betas", (0.9, 0.999))
    m, v, t = new_state.exp_avg, new_state.exp_avg_sq, new_state.step
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return [("missing bias correction: divide m by (1 − β1^t) and v by (1 − β2^t) before the step "
             "(t counts from 1).", theta - lr * m / (np.sqrt(v) + eps)),
            ("ε belongs outside the square root: θ ← θ − η·m̂ / (√v̂ + ε).",
             theta - lr * m_hat / np.sqrt(v_hat + eps))]


def check_update_rule(student_step, reference, hyperparameters, *, student_init=None, seed=0,
                      cases=3, steps=40):
    """Check an update rule against ``reference``, a factory of :mod:`mlcourse.optim`.

    ``hyperparameters`` maps a name to a list of choices or a ``(low, high)`` range.
    Without ``student_init`` the rule is stateless: ``student_step(params, grads,
    **hyperparameters) -> new_params``. With it, ``student_init(params) -> state`` and
    ``student_step(params, grads, state, **hyperparameters) -> (new_params, new_state)``.
    Each case draws hyperparameters (the first uses the first choice of each) and runs
    ``steps`` updates on every gradient stream. ``seed=None`` draws at grading time.
    """
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    _integrity.assert_untouched("before the check")
    seed, rng = make_rng(seed)
    name = getattr(student_step, "__name__", "your update")
    checked = 0
    for case in range(cases):
        hp = draw(hyperparameters, rng, first=case == 0)
        shown = ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v!r}" for k, v in hp.items())
        for stream, theta0, gradient in _gradient_streams(rng):
            _run_stream(student_step, student_init, reference, hp, name,
                        f"(seed={seed}, {stream}, {shown})", theta0, gradient, steps)
            checked += 1
    _integrity.assert_untouched("after the check")
    _integrity.passed("check_update_rule", f"{name} matches mlcourse.optim.{reference.__name__} on "
                      f"{checked} runs of {steps} steps (seed={seed})")


def _run_stream(student_step, student_init, reference, hp, name, where, theta0, gradient, steps):
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    optimizer = reference(**hp)
    theta, state = theta0, optimizer.init(theta0)
    mistakes = [(hint, wrong, wrong.init(theta0), transform) for hint, wrong, transform in _mistakes(reference, hp)]
    student_state = None
    if student_init is not None:
        with student_code(getattr(student_init, "__name__", "your init")):
            student_state = student_init(theta0.copy())
    for t in range(steps):
        with np.errstate(all="ignore"):
            grad = gradient(optimizer.lookahead(theta, state))
            expected, new_state = optimizer.update(theta, grad, state)
            if not np.all(np.isfinite(expected)):
                break  # the reference itself diverged: nothing more to compare
            wrong_values = []
            for index, (hint, wrong, wrong_state, transform) in enumerate(mistakes):
                value, mistakes_state = wrong.update(theta, transform(grad), wrong_state)
                mistakes[index] = (hint, wrong, mistakes_state, transform)
                wrong_values.append((hint, value))
            wrong_values += _adam_mistakes(reference.__name__, hp, theta, new_state)
        context = f"step t={t} {where}\n  params = {_row(theta)}, grads = {_row(grad)}"
        buffers = [b for b in (student_state if isinstance(student_state, tuple) else (student_state,))
                   if isinstance(b, np.ndarray)]
        unchanged = protect(name, theta, grad, *buffers)
        with np.errstate(all="ignore"), student_code(name), _integrity.forbid_calls(OPTIM_FILES, name):
            if student_init is None:
                got = student_step(theta, grad, **hp)
            else:
                result = student_step(theta, grad, student_state, **hp)
        if student_init is not None:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise CheckFailed(f"{name} should return (new_params, new_state), got {type(result).__name__}.")
            got, student_state = result
        unchanged(context)
        compare(name, got, expected, context, wrong_values)
        theta, state = expected, new_state


def _row(array):
    return np.array2string(np.asarray(array).ravel()[:4], precision=5, separator=", ") + (
        " ..." if np.size(array) > 4 else "")


def check_schedule(student_schedule, reference, hyperparameters, *, seed=0, cases=3, steps=200):
    """Check ``student_schedule(t, **hyperparameters)`` against ``reference(**hp)(t)``.

    ``reference`` is a factory of :mod:`mlcourse.schedules`; the student's function
    takes the step count ``t = 0, 1, ...`` and the hyperparameters and returns the
    learning rate. Off-by-one steps are recognised.
    """
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    _integrity.assert_untouched("before the check")
    seed, rng = make_rng(seed)
    name = getattr(student_schedule, "__name__", "your schedule")
    for case in range(cases):
        hp = draw(hyperparameters, rng, first=case == 0)
        schedule = reference(**hp)
        shown = ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v!r}" for k, v in hp.items())
        for t in range(steps):
            expected = schedule(t)
            mistakes = [("off by one: that is the rate of step t + 1 (t counts updates already "
                         "done; t = 0 is the first update).", schedule(t + 1))]
            if t > 0:
                mistakes.append(("off by one: that is the rate of step t − 1.", schedule(t - 1)))
            with student_code(name), _integrity.forbid_calls(SCHEDULE_FILES, name):
                got = student_schedule(t, **hp)
            compare(name, got, expected, f"t={t} (seed={seed}, {shown})", mistakes)
    _integrity.assert_untouched("after the check")
    _integrity.passed("check_schedule", f"{name} matches mlcourse.schedules.{reference.__name__} on "
                      f"{cases} settings × {steps} steps (seed={seed})")
