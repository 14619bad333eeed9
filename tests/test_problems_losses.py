"""The ``loss=`` options of the linear models, and the sigmoid pieces they rest on.

linear_regression(loss="mse" | "mae" | "huber", delta) and
logistic_regression(loss="binary_cross_entropy" | "squared_error"): gradients against central
finite differences and torch's autograd, float32 in float32 out, a caller's (X, y) pair,
and errors that name the argument.
"""

import numpy as np
import pytest

from mlcourse import losses
from mlcourse import problems as P
from numerics import central_difference

PROBLEMS = {
    "mse": lambda: P.linear_regression(loss="mse"),
    "mae": lambda: P.linear_regression(loss="mae"),
    "huber": lambda: P.linear_regression(loss="huber"),
    "huber_0.3": lambda: P.linear_regression(loss="huber", delta=0.3),
    "binary_cross_entropy": lambda: P.logistic_regression(loss="binary_cross_entropy"),
    "squared_error": lambda: P.logistic_regression(loss="squared_error"),
}


def random_theta(problem, seed=0, scale=0.5):
    return np.random.default_rng(seed).normal(scale=scale, size=problem.theta0.shape)


@pytest.mark.parametrize("name", PROBLEMS)
def test_gradient_matches_central_differences(name):
    problem = PROBLEMS[name]()
    for seed in range(3):
        theta = random_theta(problem, seed)
        numeric = central_difference(problem.loss, theta)
        np.testing.assert_allclose(problem.grad(theta), numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", PROBLEMS)
def test_minibatch_gradient_matches_central_differences_and_float32_stays(name):
    problem = PROBLEMS[name]()
    batch = np.arange(0, problem.n_samples, 7)
    theta = random_theta(problem, seed=3)
    numeric = central_difference(lambda t: problem.loss(t, batch), theta)
    np.testing.assert_allclose(problem.grad(theta, batch), numeric, rtol=1e-5, atol=1e-8)
    g32 = problem.grad(theta.astype(np.float32), batch)
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, problem.grad(theta, batch), rtol=1e-3, atol=1e-5)


def torch_loss(name, output, target):
    F = pytest.importorskip("torch.nn.functional")
    import torch

    return {
        "mse": lambda: F.mse_loss(output, target),
        "mae": lambda: F.l1_loss(output, target),
        "huber": lambda: F.huber_loss(output, target, delta=1.0),
        "huber_0.3": lambda: F.huber_loss(output, target, delta=0.3),
        "binary_cross_entropy": lambda: F.binary_cross_entropy_with_logits(output, target),
        "squared_error": lambda: F.mse_loss(torch.sigmoid(output), target),
    }[name]()


@pytest.mark.parametrize("name", PROBLEMS)
def test_loss_and_gradient_match_torch_autograd(name):
    torch = pytest.importorskip("torch")
    problem = PROBLEMS[name]()
    theta = random_theta(problem, seed=5, scale=1.0)
    X, y = torch.tensor(problem.X), torch.tensor(problem.y)
    t = torch.tensor(theta, requires_grad=True)
    loss = torch_loss(name, X @ t[:-1] + t[-1], y)
    loss.backward()
    assert problem.loss(theta) == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(problem.grad(theta), t.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_defaults_are_unchanged():
    theta = random_theta(P.linear_regression(), seed=1)
    default, explicit = P.linear_regression(), P.linear_regression("diabetes", loss="mse")
    assert default.name == explicit.name == "linear regression (diabetes)"
    assert default.loss(theta) == explicit.loss(theta)
    np.testing.assert_array_equal(default.hessian(theta), explicit.hessian(theta))
    theta = random_theta(P.logistic_regression(), seed=1)
    default, explicit = P.logistic_regression(), P.logistic_regression(loss="binary_cross_entropy")
    assert default.name == explicit.name == "logistic regression (breast_cancer)"
    np.testing.assert_array_equal(default.grad(theta), explicit.grad(theta))
    # Huber's delta defaults to 1.0, as in torch and mlcourse.losses.huber
    huber = P.linear_regression(loss="huber")
    assert huber.loss(theta[:11]) == P.linear_regression(loss="huber", delta=1.0).loss(theta[:11])
    assert huber.hessian is None and P.linear_regression(loss="mae").hessian is None


def test_losses_are_the_ones_of_mlcourse_losses():
    X, y = P.load_dataset("diabetes")
    theta = random_theta(P.linear_regression(), seed=2)
    out = X @ theta[:-1] + theta[-1]
    assert P.linear_regression(loss="mae").loss(theta) == losses.mae(out, y)
    assert P.linear_regression(loss="huber", delta=0.5).loss(theta) == losses.huber(out, y, delta=0.5)
    X, y = P.load_dataset("breast_cancer")
    theta = random_theta(P.logistic_regression(), seed=2)
    z = X @ theta[:-1] + theta[-1]
    assert P.logistic_regression(loss="squared_error").loss(theta) == losses.mse(losses.sigmoid(z), y)


def test_squared_error_saturates_where_cross_entropy_does_not():
    # A confidently wrong start: flip and scale a direction that separates the classes.
    ce, se = P.logistic_regression(), P.logistic_regression(loss="squared_error")
    good = np.linalg.lstsq(np.column_stack([ce.X, np.ones(ce.n_samples)]), 2 * ce.y - 1, rcond=None)[0]
    wrong = -20 * good
    assert ce.accuracy(wrong) < 0.1
    assert np.linalg.norm(se.grad(wrong)) < 1e-2 * np.linalg.norm(ce.grad(wrong))


def test_given_data_pair_equals_the_named_data_set_and_its_batches():
    X, y = P.load_dataset("diabetes")
    rows = np.arange(50, 200)
    for loss in ("mse", "mae", "huber"):
        named = P.linear_regression(loss=loss)
        split = P.linear_regression((X[rows], y[rows]), loss=loss)
        assert split.n_samples == 150 and split.name.endswith("(given data)")
        theta = random_theta(named, seed=4)
        assert split.loss(theta) == pytest.approx(named.loss(theta, rows), rel=1e-14)
        np.testing.assert_allclose(split.grad(theta), named.grad(theta, rows), rtol=1e-12, atol=1e-15)
    Xc, yc = P.load_dataset("breast_cancer")
    pair = P.logistic_regression((Xc, yc), loss="squared_error")
    theta = random_theta(pair, seed=4)
    assert pair.loss(theta) == P.logistic_regression(loss="squared_error").loss(theta)


def test_given_data_is_copied_and_read_only():
    X, y = np.ones((5, 2)), np.arange(5.0)
    problem = P.linear_regression((X, y))
    y[0] = 100.0
    assert problem.y[0] == 0.0
    with pytest.raises(ValueError):
        problem.X[0, 0] = 2.0
    np.testing.assert_allclose(problem.hessian(problem.theta0), 2 * np.column_stack([problem.X, np.ones(5)]).T
                               @ np.column_stack([problem.X, np.ones(5)]) / 5)


def test_sigmoid_grad_matches_differences_saturates_and_keeps_float32():
    # differences of sigmoid are exact only where it is small (x <= 0): near 1 they
    # cancel; the other half follows from the symmetry sigma'(x) = sigma'(-x)
    x = np.linspace(-30, 0, 61)
    numeric = (losses.sigmoid(x + 1e-6) - losses.sigmoid(x - 1e-6)) / 2e-6
    np.testing.assert_allclose(losses.sigmoid_grad(x), numeric, rtol=1e-6, atol=1e-15)
    np.testing.assert_allclose(losses.sigmoid_grad(-x), losses.sigmoid_grad(x), rtol=1e-9)
    assert losses.sigmoid_grad(0.0) == 0.25
    assert losses.sigmoid_grad(np.float64(-10.0)) == pytest.approx(np.exp(-10) / (1 + np.exp(-10)) ** 2, rel=1e-12)
    assert losses.sigmoid_grad(np.float32([1, -50])).dtype == np.float32
    assert losses.mse_with_logits_grad(np.float32([-3, 4]), np.float32([1, 0])).dtype == np.float32


def test_mse_with_logits_matches_torch():
    torch = pytest.importorskip("torch")
    z = np.array([-12.0, -3.0, -0.4, 0.0, 0.7, 5.0, 15.0])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    t = torch.tensor(z, requires_grad=True)
    loss = torch.nn.functional.mse_loss(torch.sigmoid(t), torch.tensor(y))
    loss.backward()
    assert losses.mse_with_logits(z, y) == pytest.approx(loss.item(), rel=1e-14)
    # torch forms sigma (1 - sigma) from sigma near 1, which costs digits at z = 15
    np.testing.assert_allclose(losses.mse_with_logits_grad(z, y), t.grad.numpy(), rtol=1e-9, atol=1e-300)
    exact_at_15 = 2 / 7 * losses.sigmoid(15.0) * np.exp(-15) / (1 + np.exp(-15)) ** 2
    assert losses.mse_with_logits_grad(z, y)[-1] == pytest.approx(exact_at_15, rel=1e-14)


@pytest.mark.parametrize("make, error, message", [
    (lambda: P.linear_regression(loss="hinge"), ValueError,
     r"invalid loss = 'hinge', expected one of 'mse', 'mae', 'huber'"),
    (lambda: P.linear_regression(loss="cross_entropy"), ValueError, r"invalid loss = 'cross_entropy'"),
    (lambda: P.logistic_regression(loss="mse"), ValueError,
     r"invalid loss = 'mse', expected one of 'binary_cross_entropy', 'squared_error'"),
    (lambda: P.logistic_regression(loss="cross_entropy"), ValueError,
     r"invalid loss = 'cross_entropy', expected 'binary_cross_entropy' \(the binary cross-entropy of the logits, "
     r"renamed: 'cross_entropy' is the multi-class loss of mlcourse.losses\) or 'squared_error'"),
    (lambda: P.linear_regression(loss="huber", delta=-1), ValueError, r"invalid delta = -1.0, expected 0 < delta"),
    (lambda: P.linear_regression(loss="huber", delta="big"), TypeError, r"invalid delta = 'big'"),
    (lambda: P.linear_regression(loss="mse", delta=2.0), ValueError,
     r"invalid delta = 2.0 with loss = 'mse', expected delta only with loss = 'huber'"),
    (lambda: P.linear_regression("digits"), ValueError, r"invalid dataset = 'digits', expected one of 'diabetes'"),
    (lambda: P.linear_regression(3), TypeError, r"invalid dataset = 3, expected one of"),
    (lambda: P.linear_regression((np.ones((4, 2)), np.ones(3))), ValueError,
     r"invalid dataset with X of shape \(4, 2\) and y of shape \(3,\)"),
    (lambda: P.logistic_regression((np.ones(4), np.ones(4))), ValueError, r"invalid dataset with X of shape \(4,\)"),
])
def test_bad_arguments_name_the_argument_and_value(make, error, message):
    with pytest.raises(error, match=message):
        make()
