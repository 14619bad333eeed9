"""The checkers of mlcourse.checks, in this process (no kernels): verdicts, hints, tampering."""

import os
import sys

import numpy as np
import pytest

from mlcourse import checks, losses, optim, schedules
from mlcourse.checks import _integrity
from mlcourse.search import choice, loguniform


# --- implementations a student might write ---------------------------------------------
# The correct submission of the grading fixtures, run as a notebook runs a student's
# cells (one namespace), so that the end-to-end and the in-process tests share one answer.

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "grading_fixtures"))
import submissions as fixtures  # noqa: E402

_student = {"np": np}
exec(fixtures.MSE + fixtures.CROSS_ENTROPY + fixtures.STEP + fixtures.LOOP + fixtures.CRITICAL, _student)
mse, mse_grad = _student["mse"], _student["mse_grad"]
cross_entropy, cross_entropy_grad = _student["cross_entropy"], _student["cross_entropy_grad"]
gd_step, gradient_descent = _student["gd_step"], _student["gradient_descent"]
critical_learning_rate = _student["critical_learning_rate"]


# --- correct implementations pass, visibly and with random seeds -----------------------

@pytest.mark.parametrize("seed", [0, None])
def test_correct_implementations_pass(seed, capsys):
    checks.check_loss(mse, mse_grad, "mse", seed=seed)
    checks.check_loss(cross_entropy, cross_entropy_grad, "cross_entropy", seed=seed)
    checks.check_update_rule(gd_step, optim.sgd, {"lr": loguniform(1e-3, 0.1)}, seed=seed)
    checks.check_descent_loop(gradient_descent, seed=seed)
    checks.check_critical_lr(critical_learning_rate, seed=seed)
    printed = capsys.readouterr().out
    assert printed.count("✔") == 5
    assert "[receipt" not in printed  # no key armed outside the grader


def test_hidden_seeds_differ_and_are_printed(capsys):
    for _ in range(2):
        checks.check_loss(mse, mse_grad, "mse", seed=None, cases=2)
    first, second = capsys.readouterr().out.strip().splitlines()
    assert first.split("seed=")[1] != second.split("seed=")[1]


# --- wrong implementations fail with the right hint ------------------------------------

def _fails(match, check, *args, **kwargs):
    with pytest.raises(AssertionError, match=match) as info:
        check(*args, **kwargs)
    return str(info.value)


@pytest.mark.parametrize("loss, grad, name, hint", [
    (mse, lambda p, t: (p - t) / p.size, "mse", "missing factor 2"),
    (mse, lambda p, t: 2 * (p - t), "mse", r"missing 1/n"),
    (mse, lambda p, t: 2 * (t - p) / p.size, "mse", "wrong sign"),
    (lambda p, t: float(np.sum((p - t) ** 2)), mse_grad, "mse", "summed over the batch"),
    (lambda p, t: float(np.mean((p - t) ** 2)) / 2, mse_grad, "mse", "half the mean squared error"),
    (lambda p, t: float(np.mean(np.abs(p - t))), mse_grad, "mse", "mean \\*absolute\\* error"),
    (lambda p, t: (p - t) ** 2, mse_grad, "mse", "single number"),
    (mse, lambda p, t: (2 * (p - t) / p.size).astype(np.float64), "mse", "dtype float64, expected float32"),
    (mse, lambda p, t: (2 * (p - t) / p.size).reshape(-1, 1), "mse", "shape"),
    (mse, lambda p, t: None, "mse", "forget the `return`"),
    (lambda z, y: float(-np.mean(np.log((np.exp(z) / np.exp(z).sum(1, keepdims=True))[np.arange(len(y)), y]))),
     cross_entropy_grad, "cross_entropy", "log-sum-exp"),
    (cross_entropy, lambda z, y: cross_entropy_grad(z, y) + np.eye(z.shape[1])[y] / len(y),
     "cross_entropy", "one-hot"),
])
def test_wrong_losses_get_hints(loss, grad, name, hint):
    message = _fails(hint, checks.check_loss, loss, grad, name)
    assert "seed=0" in message or "single number" in message or "return" in message


def test_modifying_inputs_is_named():
    def grad_in_place(p, t):
        p -= t
        return 2 * p / p.size
    _fails("modified its input", checks.check_loss, mse, grad_in_place, "mse")


def test_not_implemented_is_named():
    def stub(p, t):
        raise NotImplementedError()
    _fails("not implemented yet", checks.check_loss, stub, stub, "mse")


def test_update_rule_hints_name_step_and_hyperparameters():
    message = _fails("wrong sign", checks.check_update_rule, lambda th, g, lr: th + lr * g, optim.sgd,
                     {"lr": loguniform(1e-3, 0.1)})
    assert "step t=0" in message and "lr=" in message and "expected:" in message and "got:" in message

    def in_place(theta, grad, lr):
        theta -= lr * grad
        return theta
    _fails("modified its input", checks.check_update_rule, in_place, optim.sgd, {"lr": choice([0.01])})


def test_adamw_against_adam_is_recognised():
    adam = optim.adam(lr=0.01, weight_decay=0.1)

    def init(params):
        return adam.init(params)

    def step(params, grads, state, lr, weight_decay):
        return adam.update(params, grads, state)

    # the "student" here is the reference Adam itself, so let it through the call tracing
    under_test = checks.check_update_rule.under_test
    checks.check_update_rule.under_test = ()
    try:
        _fails("Adam with L2", checks.check_update_rule, step, optim.adamw,
               {"lr": choice([0.01]), "weight_decay": choice([0.1])}, student_init=init, cases=1)
    finally:
        checks.check_update_rule.under_test = under_test


def test_loop_and_critical_lr_hints():
    _fails("steps \\+ 1", checks.check_descent_loop, lambda g, th, lr, n: gradient_descent(g, th, lr, n)[1:])
    _fails("recomputed at the current", checks.check_descent_loop,
           lambda g, th, lr, n: np.stack([th - k * lr * g(th) for k in range(n + 1)]))
    _fails("1/λ_max", checks.check_critical_lr, lambda g, th: critical_learning_rate(g, th) / 2)


def test_schedule_off_by_one():
    checks.check_schedule(lambda t, lr, gamma: lr * gamma ** t, schedules.exponential,
                          {"lr": choice([0.1]), "gamma": choice([0.9, 0.99])}, steps=20)
    _fails("off by one", checks.check_schedule, lambda t, lr, gamma: lr * gamma ** (t + 1),
           schedules.exponential, {"lr": choice([0.1]), "gamma": choice([0.9])}, steps=20)


# --- tampering ---------------------------------------------------------------------------

def test_calling_the_reference_is_tampering():
    message = _fails("TAMPERING DETECTED", checks.check_loss, losses.mse, losses.mse_grad, "mse")
    assert "calls the reference" in message
    wrapped = lambda p, t: losses.mse(p, t)  # noqa: E731 - hides it behind a lambda
    _fails("calls the reference", checks.check_loss, wrapped, mse_grad, "mse")

    def sgd_step(theta, grad, lr):
        opt = optim.sgd(lr=lr)
        return opt.update(theta, grad, opt.init(theta))[0]
    _fails("calls the reference", checks.check_update_rule, sgd_step, optim.sgd, {"lr": choice([0.1])})


def test_switching_off_the_tracer_is_tampering():
    import sys

    def sneaky(p, t):
        sys.setprofile(None)
        return losses.mse(p, t)
    _fails("switched off the grader's call tracing", checks.check_loss, sneaky, mse_grad, "mse")


def test_in_process_checks_print_no_receipt_and_the_oracle_module_is_the_grader(capsys):
    """Receipts and seals are gone: under `mlcourse grade` the oracle's record scores, and
    a replaced function in the student's process changes nothing there
    (tests/test_grading_attacks.py grades those attacks end to end)."""
    checks.check_loss(mse, mse_grad, "mse", cases=2)
    assert capsys.readouterr().out.startswith("✔ mse and mse_grad match")
    assert not hasattr(_integrity, "verify") and not hasattr(_integrity, "receipt_valid")


# --- stateful rules: Adam's classic slips ----------------------------------------------------

def _adam_init(params):
    return (0, np.zeros_like(params), np.zeros_like(params))


def _adam_step(bias_correction=True, eps_inside=False, in_place=False):
    def step(params, grads, state, lr, eps):
        beta1, beta2 = 0.9, 0.999
        t, m, v = state
        t += 1
        if in_place:
            m *= beta1
            m += (1 - beta1) * grads
        else:
            m = beta1 * m + (1 - beta1) * grads
        v = beta2 * v + (1 - beta2) * grads ** 2
        m_hat, v_hat = (m / (1 - beta1 ** t), v / (1 - beta2 ** t)) if bias_correction else (m, v)
        denominator = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        return params - lr * m_hat / denominator, (t, m, v)
    return step


ADAM_HP = {"lr": loguniform(1e-3, 0.1), "eps": loguniform(1e-3, 1e-1)}  # a large eps makes its place visible


def test_a_correct_stateful_rule_passes():
    checks.check_update_rule(_adam_step(), optim.adam, ADAM_HP, student_init=_adam_init, seed=None)


@pytest.mark.parametrize("mistake, hint", [
    (dict(bias_correction=False), "missing bias correction"),
    (dict(eps_inside=True), "outside the square root"),
    (dict(in_place=True), "modified its input \\(the state it was given\\)"),
])
def test_adam_mistakes_get_hints(mistake, hint):
    _fails(hint, checks.check_update_rule, _adam_step(**mistake), optim.adam, ADAM_HP, student_init=_adam_init)


def _loop(at_lookahead):
    def train(grad, theta0, optimizer, steps):
        theta, state, path = theta0, optimizer.init(theta0), [theta0]
        for _ in range(steps):
            point = optimizer.lookahead(theta, state) if at_lookahead else theta
            theta, state = optimizer.update(theta, grad(point), state)
            path.append(theta)
        return np.stack(path)
    return train


def test_training_loop_and_the_lookahead_slip():
    hp = {"lr": loguniform(1e-3, 0.05), "beta": choice([0.9, 0.5])}
    checks.check_training_loop(_loop(at_lookahead=True), optim.nesterov, hp, seed=None)
    _fails("optimizer.lookahead", checks.check_training_loop, _loop(at_lookahead=False), optim.nesterov, hp)


def test_training_loop_must_not_call_minimize():
    from mlcourse import problems

    def cheat(grad, theta0, optimizer, steps):
        return problems.minimize(problems.quadratic(), optimizer, steps, theta0=theta0).trajectory
    _fails("calls the reference", checks.check_training_loop, cheat, optim.sgd, {"lr": choice([0.01])})


