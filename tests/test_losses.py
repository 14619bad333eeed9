"""mlcourse.losses: gradients vs central finite differences, stability, dtypes, errors.

The comparison against torch autograd lives in test_losses_torch.py; nothing here
needs torch.
"""

import numpy as np
import pytest

from mlcourse import losses
from numerics import central_difference

rng = np.random.default_rng(0)
N, C = 7, 4


def _labels():
    return np.random.default_rng(1).integers(0, C, size=N)


def _soft_targets():
    return losses.softmax(np.random.default_rng(2).normal(size=(N, C)))


# name -> (loss, grad, prediction, target, kwargs). Predictions keep away from the kinks
# of mae (r = 0) and huber (|r| = delta) so that finite differences are meaningful there.
CASES = {
    "mse": (losses.mse, losses.mse_grad, rng.normal(size=(N, 3)), rng.normal(size=(N, 3)), {}),
    "mae": (losses.mae, losses.mae_grad, np.arange(12.0).reshape(3, 4) + 0.5, np.zeros((3, 4)), {}),
    "huber": (losses.huber, losses.huber_grad, np.linspace(-3, 3, 10) + 0.05, np.zeros(10), {"delta": 1.5}),
    "bce": (losses.binary_cross_entropy, losses.binary_cross_entropy_grad,
            rng.uniform(0.05, 0.95, size=N), rng.uniform(0, 1, size=N), {}),
    "bce_logits": (losses.binary_cross_entropy_with_logits, losses.binary_cross_entropy_with_logits_grad,
                   3 * rng.normal(size=(N, 2)), rng.integers(0, 2, size=(N, 2)).astype(float), {}),
    "ce_labels": (losses.cross_entropy, losses.cross_entropy_grad, 2 * rng.normal(size=(N, C)), _labels(), {}),
    "ce_probs": (losses.cross_entropy, losses.cross_entropy_grad, 2 * rng.normal(size=(N, C)), _soft_targets(), {}),
}


@pytest.mark.parametrize("name", CASES)
def test_gradient_matches_central_differences(name):
    loss, grad, prediction, target, kwargs = CASES[name]
    expected = central_difference(lambda p: loss(p, target, **kwargs), prediction)
    np.testing.assert_allclose(grad(prediction, target, **kwargs), expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", CASES)
def test_value_is_a_float_and_gradient_keeps_shape_and_float32(name):
    loss, grad, prediction, target, kwargs = CASES[name]
    assert type(loss(prediction, target, **kwargs)) is float
    for dtype in (np.float32, np.float64):
        g = grad(prediction.astype(dtype), target, **kwargs)
        assert g.shape == prediction.shape and g.dtype == dtype


@pytest.mark.parametrize("name", CASES)
def test_inputs_are_not_modified(name):
    loss, grad, prediction, target, kwargs = CASES[name]
    before = prediction.copy(), np.copy(target)
    loss(prediction, target, **kwargs)
    grad(prediction, target, **kwargs)
    np.testing.assert_array_equal(prediction, before[0])
    np.testing.assert_array_equal(target, before[1])


def test_values_by_hand():
    assert losses.mse([1.0, 3.0], [0.0, 0.0]) == 5.0
    assert losses.mae([1.0, -3.0], [0.0, 0.0]) == 2.0
    # |r| = 0.5 is quadratic (0.125), |r| = 3 is linear: 1 * (3 - 0.5) = 2.5
    assert losses.huber([0.5, 3.0], [0.0, 0.0]) == pytest.approx((0.125 + 2.5) / 2)
    assert losses.binary_cross_entropy([0.5], [1.0]) == pytest.approx(np.log(2))
    assert losses.cross_entropy(np.zeros((2, 5)), np.array([0, 3])) == pytest.approx(np.log(5))


def test_mae_subgradient_at_zero_is_zero():
    np.testing.assert_array_equal(losses.mae_grad([1.0, 2.0, 3.0], [1.0, 0.0, 5.0]), [0.0, 1 / 3, -1 / 3])


def test_binary_cross_entropy_clamps_log_at_minus_100():
    assert losses.binary_cross_entropy([0.0, 1.0], [1.0, 0.0]) == 100.0
    assert np.all(np.isfinite(losses.binary_cross_entropy_grad([0.0, 1.0], [1.0, 0.0])))


def test_logit_losses_agree_with_probability_losses():
    z = rng.normal(size=(N, C))
    y = rng.uniform(size=(N, C))
    assert losses.binary_cross_entropy_with_logits(z, y) == pytest.approx(
        losses.binary_cross_entropy(losses.sigmoid(z), y), rel=1e-12)
    labels = _labels()
    assert losses.cross_entropy(z, labels) == pytest.approx(losses.cross_entropy(z, np.eye(C)[labels]), rel=1e-12)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    z, labels = rng.normal(size=(N, C)), _labels()
    np.testing.assert_allclose(losses.cross_entropy_grad(z, labels), (losses.softmax(z) - np.eye(C)[labels]) / N)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_for_logits_of_1e4(dtype):
    z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=dtype)
    # right class at 1e4 costs 0; wrong class at -1e4 vs 1e4 costs 2e4; ties cost log 2
    assert losses.cross_entropy(z, np.array([0, 1])) == pytest.approx(np.log(2) / 2, rel=1e-6)
    assert losses.cross_entropy(z, np.array([1, 0])) == pytest.approx((2e4 + 2e4 + np.log(2)) / 2, rel=1e-6)
    g = losses.cross_entropy_grad(z, np.array([1, 0]))
    assert np.all(np.isfinite(g)) and g.dtype == dtype
    x = np.array([1e4, -1e4], dtype=dtype)
    assert losses.binary_cross_entropy_with_logits(x, [0.0, 1.0]) == pytest.approx(1e4)
    np.testing.assert_allclose(losses.binary_cross_entropy_with_logits_grad(x, [0.0, 1.0]), [0.5, -0.5])
    np.testing.assert_array_equal(losses.log_sigmoid(x), [0.0, -1e4])
    np.testing.assert_array_equal(losses.sigmoid(x), [1.0, 0.0])
    assert np.all(np.isfinite(losses.log_softmax(z)))
    np.testing.assert_allclose(losses.softmax(z).sum(axis=1), 1.0, rtol=1e-6)


def test_helpers_keep_float32():
    x = np.linspace(-3, 3, 6, dtype=np.float32).reshape(2, 3)
    for f in (losses.sigmoid, losses.log_sigmoid, losses.softmax, losses.log_softmax):
        assert f(x).dtype == np.float32


@pytest.mark.parametrize("call, error, message", [
    (lambda: losses.mse(np.zeros(3), np.zeros(4)), ValueError,
     r"invalid target with shape \(4,\), expected the shape of prediction \(3,\)"),
    (lambda: losses.huber([1.0], [0.0], delta=0.0), ValueError, r"invalid delta = 0.0, expected 0 < delta"),
    (lambda: losses.huber_grad([1.0], [0.0], delta=-1), ValueError, r"invalid delta = -1.0"),
    (lambda: losses.huber([1.0], [0.0], delta="1"), TypeError, r"invalid delta = '1', expected a real number"),
    (lambda: losses.binary_cross_entropy([0.5, 1.2], [0.0, 1.0]), ValueError,
     r"invalid prediction = 1.2 \(at index 1 .*expected probabilities 0 <= prediction <= 1"),
    (lambda: losses.binary_cross_entropy_with_logits([0.5], [-0.5]), ValueError, r"invalid target = -0.5"),
    (lambda: losses.cross_entropy(np.zeros((2, 3)), np.array([0, 3])), ValueError,
     r"invalid target label = 3 at index 1, expected 0 <= label < 3 \(the number of classes\)"),
    (lambda: losses.cross_entropy_grad(np.zeros((2, 3)), np.array([-1, 0])), ValueError,
     r"invalid target label = -1 at index 0"),
    (lambda: losses.cross_entropy(np.zeros(3), np.array([0])), ValueError,
     r"invalid prediction with shape \(3,\), expected logits of shape \(N, C\)"),
    (lambda: losses.cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2])), ValueError,
     r"invalid target with shape \(3,\), expected integer labels of shape \(2,\)"),
    (lambda: losses.cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0])), ValueError,
     r"expected integer labels of shape \(2,\) or class probabilities of shape \(2, 3\)"),
    (lambda: losses.mse(["a"], ["b"]), TypeError, r"invalid prediction with dtype <U1"),
])
def test_errors_name_the_argument_and_value(call, error, message):
    with pytest.raises(error, match=message):
        call()
