"""``check_update_rule``: an update rule, step by step, against :mod:`mlcourse.optim`.

The student's rule and the reference run side by side on several problems, with
hyperparameters drawn from the spaces given, for many steps. At every step the student
receives the reference's parameters and gradient (so one early slip does not snowball)
and must return the reference's next parameters. A stateful rule keeps its state in
the kernel: the checker only ever refers to it (:class:`~._protocol.Kept`).
"""

import math

import numpy as np

from mlcourse import optim, problems

from ._compare import CheckFailed, compare, make_rng, row
from ._draw import check_examples, check_space, draw, shown
from ._driver import checker
from ._protocol import Kept, ask, blame_callees
from .mistakes import Mistake, check_mistakes


# --- mistakes: the course's own, as data ---------------------------------------------------

def _negated(reference):
    """The reference optimizer stepping *along* the gradient (an optimizer factory)."""

    def factory(**hyperparameters):
        optimizer = reference(**hyperparameters)
        return optimizer._replace(update=lambda params, grads, state: optimizer.update(params, -grads, state))

    return factory


def adam_init(params):
    """Student-style Adam state: (step count, first moment, second moment)."""
    return 0, np.zeros_like(params), np.zeros_like(params)


def _adam_moments(grads, state, betas):
    beta1, beta2 = betas
    t, m, v = state
    return t + 1, beta1 * m + (1 - beta1) * grads, beta2 * v + (1 - beta2) * grads ** 2


def _plain_adam_only(weight_decay, amsgrad, lr):
    if weight_decay or amsgrad or callable(lr):
        raise ValueError("this mistake is recognised only for Adam with a constant lr, no decay, no AMSGrad")


def adam_without_bias_correction(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                                 amsgrad=False, **ignored):
    """Adam that forgets to divide m by 1 − β1^t and v by 1 − β2^t."""
    _plain_adam_only(weight_decay, amsgrad, lr)
    t, m, v = _adam_moments(grads, state, betas)
    return params - lr * m / (np.sqrt(v) + eps), (t, m, v)


def adam_eps_inside_root(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                         amsgrad=False, **ignored):
    """Adam with ε under the square root, √(v̂ + ε), instead of √v̂ + ε."""
    _plain_adam_only(weight_decay, amsgrad, lr)
    t, m, v = _adam_moments(grads, state, betas)
    beta1, beta2 = betas
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return params - lr * m_hat / np.sqrt(v_hat + eps), (t, m, v)


_ADAM = [Mistake("missing bias correction: divide m by (1 − β1^t) and v by (1 − β2^t) before the step "
                 "(t counts from 1).", adam_without_bias_correction, init=adam_init),
         Mistake("ε belongs outside the square root: θ ← θ − η·m̂ / (√v̂ + ε).", adam_eps_inside_root,
                 init=adam_init)]

# Mistakes specific to one reference (by the factory's name); add your optimizer's here.
KNOWN_MISTAKES = {
    "adam": _ADAM + [Mistake.optimizer("that is AdamW's decoupled weight decay; Adam's weight_decay is L2, "
                                       "added to the gradient before the moments.", optim.adamw)],
    "adamw": _ADAM + [Mistake.optimizer("that is Adam with L2: you added weight_decay·θ to the gradient; AdamW "
                                        "decays the weights directly, θ ← θ − η·λ·θ, outside the adaptive "
                                        "scaling.", optim.adam)],
}


def builtin_mistakes(reference):
    """Wrong sign, then the mistakes :data:`KNOWN_MISTAKES` lists for ``reference``."""
    return [Mistake.optimizer("wrong sign: the step must go *against* the gradient.", _negated(reference)),
            *KNOWN_MISTAKES.get(reference.__name__, ())]


class _Running:
    """One mistake run alongside the reference: fed the reference's θ and gradient at
    every step, it keeps its own state; a mistake that does not apply (raises) stops."""

    def __init__(self, mistake, hyperparameters, theta0):
        self.hint, self.state, self._step = mistake.hint, None, None
        try:
            with np.errstate(all="ignore"):
                if mistake.kind == "optimizer":
                    optimizer = mistake.wrong(**hyperparameters)
                    self.state = optimizer.init(theta0.copy())
                    self._step = optimizer.update
                elif mistake.init is not None:
                    self.state = mistake.init(theta0.copy())
                    self._step = lambda p, g, s: mistake.wrong(p, g, s, **hyperparameters)
                else:
                    self._step = lambda p, g, s: (mistake.wrong(p, g, **hyperparameters), None)
        except Exception:
            self._step = None

    def step(self, theta, grad):
        if self._step is None:
            return None
        try:
            with np.errstate(all="ignore"):
                value, self.state = self._step(theta.copy(), grad.copy(), self.state)
        except Exception:
            self._step = None
            return None
        return value


# --- the check ------------------------------------------------------------------------------

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


def run_steps(step, init, reference, hyperparameters, mistakes, where, theta0, gradient, steps):
    """Sub-check: ``steps`` steps of the student's rule against ``reference(**hp)``.

    ``gradient(point)`` gives the gradient at the reference's look-ahead point. Other
    checkers use it to check a student's step on the inputs of their own run.
    """
    optimizer = reference(**hyperparameters)
    theta, state = theta0, optimizer.init(theta0)
    running = [_Running(m, hyperparameters, theta0) for m in mistakes]
    if init is not None:
        yield from ask(init.keeping("state", theta0), f"{init.name}(params) {where}")
    for t in range(steps):
        with np.errstate(all="ignore"):
            grad = gradient(optimizer.lookahead(theta, state))
            expected, new_state = optimizer.update(theta, grad, state)
            if not np.all(np.isfinite(expected)):
                break  # the reference itself diverged: nothing more to compare
            wrong = [(r.hint, r.step(theta, grad)) for r in running]
        context = f"step t={t} {where}\n  params = {row(theta)}, grads = {row(grad)}"
        if init is None:
            call = step(theta, grad, **hyperparameters)
        else:
            call = step.keeping("state", theta, grad, Kept("state"), pair=True, **hyperparameters)
        got = yield from ask(call, context)
        compare(step.name, got, expected, context, wrong)
        theta, state = expected, new_state


def _as_params(value):
    array = np.asarray(value)
    return array if array.dtype == np.float32 else array.astype(float)


def _check_reference(reference, argument="reference"):
    if not callable(reference) or getattr(optim, getattr(reference, "__name__", ""), None) is not reference:
        raise TypeError(f"invalid {argument} = {reference!r}, expected a factory of mlcourse.optim such as optim.sgd")


def _callee_known(callee, callee_reference, callee_hyperparameters, callee_mistakes):
    """The callee's mistakes; TypeError naming a callee argument that is missing or wrong."""
    if callee is None:
        extra = [(name, value) for name, value in [("callee_reference", callee_reference),
                                                   ("callee_hyperparameters", callee_hyperparameters),
                                                   ("callee_mistakes", callee_mistakes)] if value]
        if extra:
            raise TypeError(f"invalid {extra[0][0]} = {extra[0][1]!r} without callee: give callee=<the student's "
                            "update rule that the one under test calls>, or leave it out")
        return []
    _check_reference(callee_reference, "callee_reference")
    if callee_hyperparameters is not None and not (
            isinstance(callee_hyperparameters, dict) and all(isinstance(k, str) for k in callee_hyperparameters)):
        raise TypeError(f"invalid callee_hyperparameters = {callee_hyperparameters!r}, expected a dict of "
                        "hyperparameters to change for the callee, {name: value, or None to leave it out}")
    return builtin_mistakes(callee_reference) + check_mistakes(callee_mistakes, ("callee",), "callee_mistakes")


def _for_callee(hyperparameters, changes):
    """The callee's hyperparameters: the rule's, with ``changes`` applied (None removes one)."""
    merged = {**hyperparameters, **(changes or {})}
    return {name: value for name, value in merged.items() if value is not None}


@checker(students=("student_step", "student_init", "callee"), under_test=(optim, problems.minimize))
def check_update_rule(student_step, reference, hyperparameters, *, student_init=None, callee=None,
                      callee_reference=None, callee_hyperparameters=None, callee_mistakes=(), seed=0, cases=3,
                      steps=40, examples=(), mistakes=()):
    """Check an update rule against ``reference``, a factory of :mod:`mlcourse.optim`.

    ``hyperparameters`` maps each hyperparameter's name (the reference's own names)
    to a space of :mod:`mlcourse.search` or a constant:
    ``{"lr": loguniform(1e-3, 0.1), "betas": choice([(0.9, 0.999)])}``. Stateless rule:
    ``student_step(params, grads, **hp) -> new_params``. Stateful rule (give
    ``student_init``): ``student_init(params) -> state`` and ``student_step(params,
    grads, state, **hp) -> (new_params, new_state)``; the state is the student's own
    (any structure) and stays in the kernel. Each case draws hyperparameters (the first
    takes each space's middle) and runs ``steps`` updates on four gradient streams
    (rotated quadratic, Rosenbrock, random gradients, float32), each step from the
    reference's parameters. A worked example is ``{"params": [...], "grads": [...],
    "lr": 0.1, ...}``: one step from the initial state. Recognised: wrong sign, state
    modified in place, the mistakes ``KNOWN_MISTAKES`` lists for the reference (Adam:
    no bias correction, ε inside the root, AdamW's decay and back), plus ``mistakes``.
    ``callee``: another of the student's update rules that this one calls, of the same
    form and state (AdamW's ``adamw_update`` calls ``adam_update``), with its reference
    ``callee_reference`` (``optim.adam``), the changes to the hyperparameters it is
    called with, ``callee_hyperparameters`` (``{"weight_decay": 0.0}``; None leaves one
    out) and its ``callee_mistakes``; when the rule fails on a run, the callee is first
    checked on a run like it (the same start and gradient stream, the hyperparameters
    changed so) and blamed, with its own hint, if it is wrong there. Under test: ``mlcourse.optim`` and
    the training loop.
    """
    check_space(hyperparameters)
    _check_reference(reference)
    known = builtin_mistakes(reference) + check_mistakes(mistakes, ("student_step",))
    callee_known = _callee_known(callee, callee_reference, callee_hyperparameters, callee_mistakes)
    worked = check_examples(examples, ("params", "grads"), any_other=True)
    seed, rng = make_rng(seed)

    def run(hp, label, theta0, gradient, count):
        """The rule's run; on failure, the callee's on the same run, blamed if it is wrong."""
        try:
            yield from run_steps(student_step, student_init, reference, hp, known, f"({label}, {shown(hp)})",
                                 theta0, gradient, count)
        except CheckFailed as failure:
            if callee is not None:
                callee_hp = _for_callee(hp, callee_hyperparameters)
                where = f"(as {student_step.name} calls it in its run: {label}, {shown(callee_hp)})"
                yield from blame_callees(student_step, failure, [(callee, run_steps(
                    callee, student_init, callee_reference, callee_hp, callee_known, where, theta0, gradient,
                    count))])
            raise

    runs = 0
    for example in worked:
        theta, grad = _as_params(example["params"]), _as_params(example["grads"])
        hp = {**draw(hyperparameters, rng, first=True), **{k: v for k, v in example.items()
                                                          if k not in ("params", "grads")}}
        yield from run(hp, "worked example", theta, lambda point: grad, 1)
    for case in range(cases):
        hp = draw(hyperparameters, rng, first=case == 0)
        for stream, theta0, gradient in _gradient_streams(rng):
            yield from run(hp, f"seed={seed}, {stream}", theta0, gradient, steps)
            runs += 1
    return (f"{student_step.name} matches mlcourse.optim.{reference.__name__} on {runs} runs of {steps} steps"
            + (f" and {len(worked)} worked example{'s' * (len(worked) > 1)}" if worked else "") + f" (seed={seed})")
