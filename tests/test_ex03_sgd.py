"""Exercise 3 (mini-batch SGD): its checkers pass correct code and name the usual mistakes."""

import os

import nbformat
import numpy as np
import pytest

from mlcourse import checks, problems  # checks first: it captures trusted references
from mlcourse.checks import _integrity
from mlcourse.grading.worker import calls_a_checker

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --- implementations a student might write -------------------------------------------

def clip_by_norm(grad, max_norm):
    norm = np.sqrt(np.sum(grad ** 2))
    return grad * min(1.0, max_norm / (norm + 1e-6))


def clip_textbook(grad, max_norm):
    """Divides by the norm itself (no 1e-6): accepted as well."""
    norm = np.linalg.norm(grad)
    return grad if norm <= max_norm else grad * (max_norm / norm)


def clip_componentwise(grad, max_norm):
    return np.clip(grad, -max_norm, max_norm)


def clip_always(grad, max_norm):
    return grad * (max_norm / np.linalg.norm(grad))


def make_epoch(order="permutation", clip=clip_by_norm, keep_last=True, sign=-1.0, batch=True,
               in_place=False, stale=False):
    """An sgd_epoch, correct by default, with one mistake switched on."""
    def sgd_epoch(problem, theta, lr, batch_size, rng, max_norm=None):
        n = problem.n_samples
        if order == "permutation":
            indices = rng.permutation(n)
        elif order == "sorted":
            indices = np.arange(n)
        else:  # with replacement
            indices = rng.integers(n, size=n)
        stop = n if keep_last else n - n % batch_size
        start_theta = theta
        for start in range(0, stop, batch_size):
            at = start_theta if stale else theta
            g = problem.grad(at, indices[start:start + batch_size] if batch else None)
            if max_norm is not None:
                g = clip(g, max_norm)
            if in_place:
                theta += sign * lr * g
            else:
                theta = theta + sign * lr * g
        return theta
    return sgd_epoch


def make_loop(epoch=make_epoch(), one_generator=True, initial_loss=True):
    def train_sgd(problem, theta0, lr, batch_size, epochs, seed, max_norm=None):
        rng = np.random.default_rng(seed)
        theta, losses = theta0, [problem.loss(theta0)]
        for _ in range(epochs):
            generator = rng if one_generator else np.random.default_rng(seed)
            theta = epoch(problem, theta, lr, batch_size, generator, max_norm)
            losses.append(problem.loss(theta))
        return theta, np.array(losses if initial_loss else losses[1:])
    return train_sgd


# --- correct code passes, visibly and with inputs drawn at grading time -------------------

@pytest.mark.parametrize("seed", [0, None])
def test_correct_implementations_pass(seed, capsys):
    checks.check_clip_by_norm(clip_by_norm, seed=seed)
    checks.check_clip_by_norm(clip_textbook, seed=seed)
    checks.check_sgd_epoch(make_epoch(), seed=seed)
    checks.check_sgd_loop(make_loop(), seed=seed)
    printed = capsys.readouterr().out
    assert printed.count("✔") == 4


# --- each mistake fails, with a message that says what is wrong ----------------------------

@pytest.mark.parametrize("student, words", [
    (clip_componentwise, "clips each component"),
    (clip_always, "never above 1"),
    (lambda grad, max_norm: grad, "must be shortened"),
    (lambda grad, max_norm: grad * max_norm / np.linalg.norm(grad) ** 2, "square root"),
])
def test_clipping_mistakes_are_named(student, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_clip_by_norm(student)


def test_zero_gradient_must_not_give_nan():
    def divides_by_norm(grad, max_norm):
        return grad / np.linalg.norm(grad) * min(np.linalg.norm(grad), max_norm)
    with pytest.raises(AssertionError, match="zero gradient"):
        checks.check_clip_by_norm(divides_by_norm)


@pytest.mark.parametrize("epoch, words", [
    (make_epoch(order="sorted"), "no shuffling"),
    (make_epoch(order="with replacement"), "without replacement"),
    (make_epoch(keep_last=False), "last, shorter batch"),
    (make_epoch(batch=False), "full-batch gradient"),
    (make_epoch(in_place=True), "modified its input"),
    (make_epoch(sign=+1.0), "wrong sign"),
    (make_epoch(stale=True), "wrong θ"),
    (make_epoch(clip=clip_componentwise), "clip"),
    (make_epoch(clip=lambda g, c: g), "not clipped|not shortened"),
])
def test_epoch_mistakes_are_named(epoch, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_sgd_epoch(epoch)


def test_componentwise_clipping_gets_its_own_hint_where_it_differs():
    with pytest.raises(AssertionError, match="clips each component|every component is below"):
        checks.check_sgd_epoch(make_epoch(clip=clip_componentwise))


def test_a_fixed_order_every_epoch_is_named():
    with pytest.raises(AssertionError, match="same order as in the previous epoch"):
        checks.check_sgd_loop(make_loop(one_generator=False))


def test_missing_initial_loss_is_named():
    with pytest.raises(AssertionError, match="epochs \\+ 1"):
        checks.check_sgd_loop(make_loop(initial_loss=False))


def test_calling_the_reference_is_tampering():
    def borrowed(problem, theta, lr, batch_size, rng, max_norm=None):
        from mlcourse import optim
        return problems.minimize(problem, optim.sgd(lr=lr), -(-problem.n_samples // batch_size), theta0=theta,
                                 batch_size=batch_size, clip_norm=max_norm).theta

    def borrowed_batches(problem, theta, lr, batch_size, rng, max_norm=None):
        for batch in problems.batches(problem.n_samples, batch_size, seed=0, epochs=1):
            theta = theta - lr * problem.grad(theta, batch)
        return theta

    for student in (borrowed, borrowed_batches):
        with pytest.raises(_integrity.TamperingError):
            checks.check_sgd_epoch(student)


def test_the_oracle_scores_every_exercise_test_cell():
    """`mlcourse grade` scores from the oracle's record the cells that call a checker (`checks.check_...`)."""
    nb = nbformat.read(os.path.join(ROOT, "solutions", "ex03_sgd", "ex03_sgd.ipynb"), as_version=4)
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(tests) == 6
    for cell in tests:
        assert calls_a_checker(cell.source), cell.metadata["nbgrader"]["grade_id"]


@pytest.mark.parametrize("seed", range(8))
def test_textbook_clipping_passes_inside_the_loops(seed, capsys):
    """Dividing by ‖g‖ instead of ‖g‖ + 1e-6 drifts by at most η·1e-6 per clipped step: accepted."""
    epoch = make_epoch(clip=clip_textbook)
    checks.check_sgd_epoch(epoch, seed=1000 + seed)
    checks.check_sgd_loop(make_loop(epoch), seed=2000 + seed)
    assert capsys.readouterr().out.count("✔") == 2


# --- a failure names the function that caused it: the epoch calls clip_by_norm, the loop the epoch --------

def clip_stub(grad, max_norm):
    raise NotImplementedError("implement this function")


def _message(check, *args, **kwargs):
    with pytest.raises(checks.CheckFailed) as info:
        check(*args, **kwargs)
    return str(info.value)


def test_an_inner_stub_is_named_by_its_own_name():
    message = _message(checks.check_sgd_epoch, make_epoch(clip=clip_stub), clip=clip_stub)
    assert message.startswith("clip_stub is not implemented yet") and "sgd_epoch → clip_stub" in message
    epoch = make_epoch(clip=clip_stub)
    message = _message(checks.check_sgd_loop, make_loop(epoch), epoch=epoch, clip=clip_stub)
    assert message.startswith("clip_stub is not implemented yet") and "train_sgd → sgd_epoch → clip_stub" in message


def test_wrong_clipping_is_blamed_on_clip_by_norm_with_its_hint():
    message = _message(checks.check_sgd_epoch, make_epoch(clip=clip_componentwise), clip=clip_componentwise)
    assert message.startswith("sgd_epoch fails because of clip_componentwise, which it calls")
    assert "hint: that clips each component" in message and "Fix clip_componentwise first" in message


def test_a_wrong_epoch_is_blamed_in_the_loop():
    epoch = make_epoch(sign=+1.0)
    message = _message(checks.check_sgd_loop, make_loop(epoch), epoch=epoch, clip=clip_by_norm)
    assert message.startswith("train_sgd fails because of sgd_epoch, which it calls")
    assert "hint: wrong sign" in message
    epoch = make_epoch(clip=clip_componentwise)
    message = _message(checks.check_sgd_loop, make_loop(epoch), epoch=epoch, clip=clip_componentwise)
    assert message.startswith("train_sgd fails because of clip_componentwise, which it calls through sgd_epoch:")


def test_the_outer_functions_own_mistakes_keep_their_own_hints():
    message = _message(checks.check_sgd_loop, make_loop(one_generator=False), epoch=make_epoch(), clip=clip_by_norm)
    assert message.startswith("train_sgd visits the samples in the same order")
    message = _message(checks.check_sgd_epoch, make_epoch(order="sorted"), clip=clip_by_norm)
    assert message.startswith("sgd_epoch visits the samples in their stored order")


def test_worked_examples_go_through_the_checkers():
    message = _message(checks.check_clip_by_norm, clip_always, examples=[{"grad": [0.3, 0.4], "max_norm": 1.0}])
    assert "worked example: grad = [0.3 0.4]" in message and "never above 1" in message
    diabetes = checks.problem("linear_regression", "diabetes")
    message = _message(checks.check_sgd_epoch, make_epoch(keep_last=False), examples=[
        {"problem": diabetes, "theta": np.zeros(11), "lr": 0.01, "batch_size": 100, "seed": 0}])
    assert "worked example: problems.linear_regression('diabetes')" in message and "last, shorter batch" in message
    message = _message(checks.check_sgd_loop, make_loop(initial_loss=False), examples=[
        {"problem": diabetes, "theta0": np.zeros(11), "lr": 0.01, "batch_size": 64, "epochs": 2, "seed": 0}])
    assert "returned 2 losses, expected epochs + 1 = 3" in message
