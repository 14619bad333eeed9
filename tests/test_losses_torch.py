"""mlcourse.losses against torch.nn.functional and its autograd, in float64 and float32."""

import numpy as np
import pytest

from mlcourse import losses

torch = pytest.importorskip("torch")
F = torch.nn.functional

N, C = 9, 5


def _inputs():
    rng = np.random.default_rng(42)
    r = rng.normal(size=(N, 3))
    r[0, 0] = 0.0  # an exact kink for mae (sign(0) = 0) and huber
    r[1, 1] = 1.0  # exactly |r| = delta for huber
    p = rng.uniform(0, 1, size=N)
    p[:2] = [0.0, 1.0]  # torch's -100 clamp and 1e-12 floor
    return {
        "regression": (r, np.zeros((N, 3))),
        "probabilities": (p, rng.uniform(0, 1, size=N)),
        "logits": (5 * rng.normal(size=(N, 2)), rng.integers(0, 2, size=(N, 2)).astype(float)),
        "labels": (5 * rng.normal(size=(N, C)), rng.integers(0, C, size=N)),
        # unnormalised soft targets: the gradient is softmax * sum(q) - q, not softmax - q
        "soft": (5 * rng.normal(size=(N, C)), rng.uniform(0, 1, size=(N, C))),
        "huge": (np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]]), np.array([1, 0])),
    }


CASES = [
    ("mse", losses.mse, losses.mse_grad, F.mse_loss, "regression", {}),
    ("mae", losses.mae, losses.mae_grad, F.l1_loss, "regression", {}),
    ("huber", losses.huber, losses.huber_grad, F.huber_loss, "regression", {"delta": 1.0}),
    ("huber_0.3", losses.huber, losses.huber_grad, F.huber_loss, "regression", {"delta": 0.3}),
    ("bce", losses.binary_cross_entropy, losses.binary_cross_entropy_grad, F.binary_cross_entropy,
     "probabilities", {}),
    ("bce_logits", losses.binary_cross_entropy_with_logits, losses.binary_cross_entropy_with_logits_grad,
     F.binary_cross_entropy_with_logits, "logits", {}),
    ("ce_labels", losses.cross_entropy, losses.cross_entropy_grad, F.cross_entropy, "labels", {}),
    ("ce_soft", losses.cross_entropy, losses.cross_entropy_grad, F.cross_entropy, "soft", {}),
    ("ce_huge", losses.cross_entropy, losses.cross_entropy_grad, F.cross_entropy, "huge", {}),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, loss, grad, torch_loss, inputs, kwargs", CASES, ids=[c[0] for c in CASES])
def test_value_and_gradient_match_torch_autograd(name, loss, grad, torch_loss, inputs, kwargs, dtype):
    prediction, target = _inputs()[inputs]
    prediction = prediction.astype(dtype)
    if target.dtype.kind == "f":
        target = target.astype(dtype)
    tp = torch.tensor(prediction, requires_grad=True)
    value = torch_loss(tp, torch.tensor(target), **kwargs)
    value.backward()
    tol = {"rtol": 1e-12, "atol": 1e-14} if dtype == np.float64 else {"rtol": 2e-6, "atol": 1e-7}
    assert loss(prediction, target, **kwargs) == pytest.approx(value.item(), rel=tol["rtol"], abs=tol["atol"])
    ours = grad(prediction, target, **kwargs)
    assert ours.dtype == dtype
    np.testing.assert_allclose(ours, tp.grad.numpy(), **tol)


@pytest.mark.parametrize("ours, theirs", [
    (losses.sigmoid, torch.sigmoid),
    (losses.log_sigmoid, F.logsigmoid),
    (losses.softmax, lambda t: torch.softmax(t, dim=-1)),
    (losses.log_softmax, lambda t: torch.log_softmax(t, dim=-1)),
])
def test_helpers_match_torch(ours, theirs):
    x = np.concatenate([np.random.default_rng(0).normal(size=(4, 3)) * 10, [[1e4, -1e4, 0.0]]])
    np.testing.assert_allclose(ours(x), theirs(torch.tensor(x)).numpy(), rtol=1e-12, atol=1e-300)
