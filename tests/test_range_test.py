"""mlcourse.search.range_test: the learning-rate range test and its two suggestion rules."""

import math

import numpy as np
import pytest

from mlcourse import optim, problems
from mlcourse.search import RangeTest, range_test, suggest_lr


def recorder(losses):
    """A step that reports the given losses in turn and counts its calls in the state."""
    def step(state, lr):
        return losses[state], state + 1
    return step


def gradient_descent_on(problem):
    """A pure step of full-batch gradient descent: state = theta."""
    def step(theta, lr):
        return problem.loss(theta), theta - lr * problem.grad(theta)
    return step


def test_rates_are_geometric_or_linear_from_min_to_max():
    flat = recorder([1.0] * 50)
    log = range_test(flat, 0, min_lr=1e-4, max_lr=10.0, steps=50)
    np.testing.assert_allclose(log.lrs, np.geomspace(1e-4, 10.0, 50), rtol=1e-12)
    linear = range_test(flat, 0, min_lr=0.01, max_lr=2.0, steps=50, spacing="linear")
    np.testing.assert_allclose(linear.lrs, np.linspace(0.01, 2.0, 50), rtol=1e-12)
    assert log.stopped_at is None and log.lrs.size == log.losses.size == log.smoothed.size == 50


def test_smoothing_is_a_bias_corrected_moving_average():
    result = range_test(recorder([4.0, 2.0, 1.0]), 0, steps=3, smoothing=0.5, stop_factor=None)
    # a = 2 -> 2/0.5; a = 1 + 1 -> 2/0.75; a = 1 + 0.5 -> 1.5/0.875
    np.testing.assert_allclose(result.smoothed, [4.0, 2 / 0.75, 1.5 / 0.875], rtol=1e-15)
    np.testing.assert_array_equal(result.losses, [4.0, 2.0, 1.0])
    raw = range_test(recorder([3.0, 1.0, 2.0]), 0, steps=3, smoothing=0.0, stop_factor=None)
    np.testing.assert_array_equal(raw.smoothed, raw.losses)
    # a constant loss is its own average from the first step on: the bias correction at work
    np.testing.assert_allclose(range_test(recorder([2.5] * 10), 0, steps=10).smoothed, 2.5, rtol=1e-14)


def test_stops_when_the_smoothed_loss_exceeds_stop_factor_times_its_minimum():
    losses = [5.0, 2.0, 1.0, 3.0, 3.9, 4.1, 9.0, 9.0]
    result = range_test(recorder(losses), 0, steps=8, smoothing=0.0, stop_factor=4.0)
    assert result.stopped_at == 5 and result.losses.tolist() == losses[:6]  # 4.1 > 4 x 1.0
    assert range_test(recorder(losses), 0, steps=8, smoothing=0.0, stop_factor=None).stopped_at is None
    assert range_test(recorder(losses), 0, steps=8, smoothing=0.0, stop_factor=10.0).stopped_at is None
    # a non-finite loss always stops the test
    nan = range_test(recorder([1.0, math.nan, 1.0]), 0, steps=3, stop_factor=None)
    assert nan.stopped_at == 1 and nan.lrs.size == 2


def test_on_a_quadratic_the_loss_turns_up_past_two_over_lambda_max():
    diabetes = problems.linear_regression("diabetes")
    lam_max = np.linalg.eigvalsh(diabetes.hessian(diabetes.theta0))[-1]
    theta0 = diabetes.theta0.copy()
    result = range_test(gradient_descent_on(diabetes), theta0, min_lr=1e-4, max_lr=10.0, steps=200)
    np.testing.assert_array_equal(theta0, diabetes.theta0)  # the start is not modified
    assert result.stopped_at is not None
    # stable below 2/lambda_max; it takes a few steps past it for the loss to blow up
    assert result.lrs[result.stopped_at] > 2 / lam_max
    assert np.all(np.diff(result.losses[result.lrs < 1.5 / lam_max]) <= 0)
    # The loss is lowest well *past* 2/lambda_max: the unstable direction starts from a
    # tiny error and needs many steps to grow, while the flat ones keep improving. Hence
    # the rule of backing off a decade, which lands below the threshold here.
    lowest = result.lrs[np.argmin(result.smoothed)]
    assert lowest > 2 / lam_max
    assert suggest_lr(result, "minimum") == pytest.approx(lowest / 10, rel=1e-15)
    assert 0.1 * 2 / lam_max < suggest_lr(result, "minimum") < 2 / lam_max
    assert suggest_lr(result) < lowest


def test_the_test_is_pure_and_repeatable_with_a_real_optimizer():
    net = problems.mlp(hidden=8)
    batches = [b for b in problems.batches(net.n_samples, 64, seed=0, epochs=2)]

    def step(state, lr):
        theta, opt_state, t = state
        loss = net.loss(theta, batches[t])
        theta, opt_state = optim.sgd(lr=lr, momentum=0.9).update(theta, net.grad(theta, batches[t]), opt_state)
        return loss, (theta, opt_state, t + 1)

    start = (net.theta0, optim.sgd(lr=0.1, momentum=0.9).init(net.theta0), 0)
    first = range_test(step, start, min_lr=1e-3, max_lr=30.0, steps=len(batches))
    second = range_test(step, start, min_lr=1e-3, max_lr=30.0, steps=len(batches))
    np.testing.assert_array_equal(first.smoothed, second.smoothed)
    assert first.stopped_at is not None  # a rate of 30 with momentum 0.9 blows any network up
    assert 1e-3 < suggest_lr(first) < first.lrs[first.stopped_at]


def test_suggestions_on_a_known_curve():
    lrs = np.geomspace(1e-4, 1.0, 81)
    # a logistic drop centred at 1e-2 (steepest there), then a rise after 1e-1
    x = np.log10(lrs)
    smoothed = 2 - 1 / (1 + np.exp(-4 * (x + 2))) + np.where(x > -1, 10 * (x + 1) ** 2, 0)
    result = RangeTest(lrs, smoothed.copy(), smoothed, None)
    assert suggest_lr(result) == pytest.approx(1e-2, rel=1e-12)
    assert suggest_lr(result, rule="minimum") == pytest.approx(lrs[60] / 10, rel=1e-12)  # minimum at 1e-1


@pytest.mark.parametrize("call, error, message", [
    (lambda: range_test(0.1, 0), TypeError, "invalid step = 0.1, expected a function step"),
    (lambda: range_test(recorder([1]), 0, min_lr=0), ValueError, "invalid min_lr = 0.0, expected 0 < min_lr"),
    (lambda: range_test(recorder([1]), 0, min_lr=1.0, max_lr=0.5), ValueError,
     "invalid max_lr = 0.5, expected max_lr > min_lr = 1.0"),
    (lambda: range_test(recorder([1]), 0, max_lr=math.inf), ValueError, "invalid max_lr = inf"),
    (lambda: range_test(recorder([1]), 0, steps=1), ValueError, "invalid steps = 1, expected steps >= 2"),
    (lambda: range_test(recorder([1]), 0, steps=10.0), TypeError, "invalid steps = 10.0, expected an integer"),
    (lambda: range_test(recorder([1]), 0, spacing="exponential"), ValueError,
     "invalid spacing = 'exponential', expected one of 'log', 'linear'"),
    (lambda: range_test(recorder([1]), 0, smoothing=1.0), ValueError,
     "invalid smoothing = 1.0, expected 0 <= smoothing < 1"),
    (lambda: range_test(recorder([1]), 0, stop_factor=1.0), ValueError,
     "invalid stop_factor = 1.0, expected 1 < stop_factor"),
    (lambda: range_test(lambda state, lr: 1.0, 0), TypeError,
     r"invalid result of step at lr = 1e-06: float, expected a pair \(loss, new_state\)"),
    (lambda: range_test(lambda state, lr: ("low", state), 0), TypeError,
     "invalid loss = 'low' returned by step at lr = 1e-06, expected a real number"),
    (lambda: suggest_lr((np.ones(3), np.ones(3), np.ones(3), None)), TypeError,
     "invalid result of type tuple, expected a RangeTest"),
    (lambda: suggest_lr(range_test(recorder([1.0] * 5), 0, steps=5), rule="steep"), ValueError,
     "invalid rule = 'steep', expected one of 'steepest', 'minimum'"),
    (lambda: suggest_lr(range_test(recorder([1.0, 2.0, 3.0]), 0, steps=3)), ValueError,
     "invalid result: its smoothed loss is lowest at step 0"),
])
def test_errors_name_the_argument_and_value(call, error, message):
    with pytest.raises(error, match="^" + message):
        call()


def test_a_numpy_scalar_loss_is_accepted():
    result = range_test(lambda state, lr: (np.float32(1.5), state), None, steps=3)
    assert result.losses.dtype == np.float64 and result.losses.tolist() == [1.5] * 3
