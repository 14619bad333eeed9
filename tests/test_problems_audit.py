"""mlcourse.problems for chapter 9: per-example losses and gradients, predictions on new
inputs, input gradients, the two-group data and the group objectives."""

import numpy as np
import pytest

from mlcourse import optim
from mlcourse import problems as P
from numerics import central_difference

DIGITS_X, DIGITS_Y = P.load_dataset("digits")

DATA = {
    "linear_mse": P.linear_regression(),
    "linear_huber": P.linear_regression(loss="huber", delta=0.5),
    "logistic": P.logistic_regression(),
    "mlp_tanh": P.mlp(hidden=8),
    "mlp_relu": P.mlp(hidden=8, dataset="breast_cancer", activation="relu", seed=3),
    "mlp_split": P.mlp(hidden=6, dataset=(DIGITS_X[:40], DIGITS_Y[:40]), classes=10, seed=2),
}
BATCH = np.array([3, 1, 4, 1, 5, 9, 2, 6])


def perturbed(p, seed=1, scale=0.3):
    return p.theta0 + np.random.default_rng(seed).normal(scale=scale, size=p.theta0.shape)


# --- per-example losses and gradients -------------------------------------------------------

@pytest.mark.parametrize("name", DATA)
@pytest.mark.parametrize("batch", [None, BATCH])
def test_per_example_rows_average_to_the_batch_loss_and_gradient(name, batch):
    p = DATA[name]
    theta = perturbed(p)
    losses, grads = p.per_example_loss(theta, batch), p.per_example_grad(theta, batch)
    rows = p.n_samples if batch is None else len(batch)
    assert losses.shape == (rows,) and grads.shape == (rows, theta.size)
    assert losses.mean() == pytest.approx(p.loss(theta, batch), rel=1e-12)
    np.testing.assert_allclose(grads.mean(axis=0), p.grad(theta, batch), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", DATA)
def test_each_row_is_that_example_alone(name):
    p = DATA[name]
    theta = perturbed(p, seed=4)
    losses, grads = p.per_example_loss(theta, BATCH), p.per_example_grad(theta, BATCH)
    for row, i in enumerate(BATCH):
        assert losses[row] == pytest.approx(p.loss(theta, np.array([i])), rel=1e-12)
        np.testing.assert_allclose(grads[row], p.grad(theta, np.array([i])), rtol=1e-10, atol=1e-14)
    assert np.all(losses >= 0) and not np.allclose(grads[0], grads[2])  # rows differ


@pytest.mark.parametrize("name", DATA)
def test_per_example_rows_keep_float32(name):
    p = DATA[name]
    theta = perturbed(p).astype(np.float32)
    assert p.per_example_grad(theta, BATCH).dtype == np.float32
    assert p.per_example_loss(theta, BATCH).dtype == np.float32


def test_mlp_per_example_gradients_match_torch_autograd():
    torch = pytest.importorskip("torch")
    p = DATA["mlp_tanh"]
    theta = perturbed(p, scale=0.1)
    got = p.per_example_grad(theta, BATCH)
    for row, i in enumerate(BATCH[:3]):
        tensors = [torch.tensor(a, requires_grad=True) for a in p.unpack(theta)]
        W1, b1, W2, b2 = tensors
        z = torch.tanh(torch.tensor(p.X[i:i + 1]) @ W1 + b1) @ W2 + b2
        torch.nn.functional.cross_entropy(z, torch.tensor(p.y[i:i + 1])).backward()
        np.testing.assert_allclose(got[row], p.pack(*(t.grad.numpy() for t in tensors)), rtol=1e-10, atol=1e-14)


# --- predictions on new inputs --------------------------------------------------------------

@pytest.mark.parametrize("name", DATA)
def test_predict_on_the_training_inputs_gives_the_training_accuracy(name):
    p = DATA[name]
    theta = perturbed(p, seed=7)
    out = p.predict(theta, p.X)
    if p.accuracy is None:  # regression: the outputs are x.w + b, and give the MSE back
        np.testing.assert_allclose(out, p.X @ theta[:-1] + theta[-1], rtol=1e-12)
        if name == "linear_mse":
            assert np.mean((out - p.y) ** 2) == pytest.approx(p.loss(theta), rel=1e-12)
        return
    predicted = out.argmax(axis=1) if out.ndim == 2 else (out > 0).astype(float)
    assert np.mean(predicted == p.y) == pytest.approx(p.accuracy(theta))


def test_predict_works_on_inputs_outside_the_training_set():
    train = P.mlp(hidden=6, dataset=(DIGITS_X[:40], DIGITS_Y[:40]), classes=10, seed=2)
    test = P.mlp(hidden=6, dataset=(DIGITS_X[40:90], DIGITS_Y[40:90]), classes=10)
    theta = perturbed(train)
    np.testing.assert_allclose(train.predict(theta, DIGITS_X[40:90]).argmax(1) == DIGITS_Y[40:90],
                               test.predict(theta, test.X).argmax(1) == test.y)
    assert train.predict(theta, DIGITS_X[40:90]).argmax(1).tolist() == \
        [int(np.argmax(train.predict(theta, x[None]))) for x in DIGITS_X[40:90]]
    with pytest.raises(ValueError, match=r"invalid X with shape \(3, 5\), expected shape \(m, 64\)"):
        train.predict(theta, np.zeros((3, 5)))


def test_mlp_on_a_split_keeps_the_shapes_of_the_whole_data_set():
    few = P.mlp(hidden=4, dataset=(DIGITS_X[:5], DIGITS_Y[:5]), classes=10)
    assert few.theta0.shape == P.mlp(hidden=4).theta0.shape and few.n_samples == 5
    assert few.name == "MLP 64-4-10 (given data)"
    assert P.mlp(hidden=4, dataset=(DIGITS_X[:5], DIGITS_Y[:5])).unpack(np.zeros(4 * 64 + 4 + 4 * 5 + 5))[3].shape \
        == (int(DIGITS_Y[:5].max()) + 1,)
    with pytest.raises(ValueError, match=r"invalid classes = 3, expected classes >= 5"):
        P.mlp(hidden=4, dataset=(DIGITS_X[:5], DIGITS_Y[:5]), classes=3)
    with pytest.raises(ValueError, match="integer class labels"):
        P.mlp(hidden=4, dataset=(DIGITS_X[:5], DIGITS_Y[:5] + 0.5))


# --- input gradients -----------------------------------------------------------------------

@pytest.mark.parametrize("name", DATA)
def test_input_gradients_match_finite_differences_of_each_loss(name):
    p = DATA[name]
    theta = perturbed(p, seed=3)
    got = P.input_gradients(p, theta, BATCH[:3])
    assert got.shape == (3, p.X.shape[1])
    for row, i in enumerate(BATCH[:3]):
        def loss_at(x, i=i):
            X = np.array(p.X)
            X[i] = x
            y = p.y[i:i + 1]
            single = (P.logistic_regression((X[i:i + 1], y)) if name == "logistic" else
                      P.linear_regression((X[i:i + 1], y), **({"loss": "huber", "delta": 0.5}
                                                             if name == "linear_huber" else {}))
                      if name.startswith("linear") else
                      P.mlp(hidden=p.unpack(theta)[0].shape[1], dataset=(X[i:i + 1], y),
                            classes=p.unpack(theta)[3].size, activation="relu" if name == "mlp_relu" else "tanh"))
            return single.loss(theta)
        np.testing.assert_allclose(got[row], central_difference(loss_at, np.array(p.X[i])), rtol=1e-5, atol=1e-8)


def test_input_gradients_match_torch_autograd_for_the_digits_mlp():
    torch = pytest.importorskip("torch")
    p = DATA["mlp_tanh"]
    theta = perturbed(p, scale=0.1)
    W1, b1, W2, b2 = (torch.tensor(a) for a in p.unpack(theta))
    x = torch.tensor(p.X[BATCH[:4]], requires_grad=True)
    z = torch.tanh(x @ W1 + b1) @ W2 + b2
    torch.nn.functional.cross_entropy(z, torch.tensor(p.y[BATCH[:4]]), reduction="sum").backward()
    np.testing.assert_allclose(P.input_gradients(p, theta, BATCH[:4]), x.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_input_gradients_need_per_example_gradients():
    with pytest.raises(ValueError, match="no per-example gradients"):
        P.input_gradients(P.saddle(), np.zeros(2))


# --- two groups ------------------------------------------------------------------------------

def test_two_groups_is_seeded_read_only_and_split_as_documented():
    d = P.two_groups(n=1000, minority=0.3, seed=4)
    assert d.X_train.shape == (500, 2) and d.X_test.shape == (500, 2)
    assert set(np.unique(d.y_train)) == {0.0, 1.0} and set(np.unique(d.group_test)) == {0, 1}
    share = np.mean(np.concatenate([d.group_train, d.group_test]))
    assert abs(share - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 1000)
    again = P.two_groups(n=1000, minority=0.3, seed=4)
    for a, b in zip(d, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(P.two_groups(n=1000, minority=0.3, seed=5).X_train, d.X_train)
    with pytest.raises(ValueError):
        d.X_train[0, 0] = 1.0
    assert P.two_groups(n=100, test_fraction=0.2).X_test.shape == (20, 2)


def test_two_groups_follows_its_documented_mechanism():
    """Within each group a logistic regression recovers the group's rule u_g, c_g."""
    d = P.two_groups(n=60_000, angle=60.0, seed=0)
    X = np.concatenate([d.X_train, d.X_test])
    y = np.concatenate([d.y_train, d.y_test])
    g = np.concatenate([d.group_train, d.group_test])
    phi = np.deg2rad(60.0)
    truth = {0: ([3.0, 0.0], 0.0, [0.0, 0.0]), 1: ([3 * np.cos(phi), 3 * np.sin(phi)], -1.0, [0.5, 0.5])}
    for group, (u, c, mean) in truth.items():
        rows = g == group
        np.testing.assert_allclose(X[rows].mean(axis=0), mean, atol=0.05)
        fit = P.minimize(P.logistic_regression((X[rows], y[rows])), optim.sgd(lr=2.0), 1500).theta
        np.testing.assert_allclose(fit, [*u, c], atol=0.2)


def test_a_model_of_the_average_serves_the_majority_better():
    d = P.two_groups(n=4000, seed=0)
    problem = P.logistic_regression((d.X_train, d.y_train))
    theta = P.minimize(problem, optim.sgd(lr=1.0), 300).theta
    wrong = (problem.predict(theta, d.X_test) > 0) != (d.y_test == 1)
    assert wrong[d.group_test == 1].mean() > wrong[d.group_test == 0].mean() + 0.05


# --- group objectives ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def grouped():
    d = P.two_groups(n=600, seed=1)
    return P.logistic_regression((d.X_train, d.y_train)), d.group_train


def test_group_shares_as_weights_give_back_the_average_loss(grouped):
    problem, groups = grouped
    shares = np.bincount(groups) / len(groups)
    weighted = P.group_weighted(problem, groups, shares)
    theta = np.array([0.5, -0.3, 0.2])
    assert weighted.loss(theta) == pytest.approx(problem.loss(theta), rel=1e-12)
    np.testing.assert_allclose(weighted.grad(theta), problem.grad(theta), rtol=1e-12)
    assert weighted.accuracy(theta) == problem.accuracy(theta)


def test_group_weighted_loss_is_the_weighted_sum_of_group_means(grouped):
    problem, groups = grouped
    theta = np.array([0.5, -0.3, 0.2])
    weighted = P.group_weighted(problem, groups, [0.25, 0.75])
    means = [problem.loss(theta, np.flatnonzero(groups == g)) for g in (0, 1)]
    assert weighted.loss(theta) == pytest.approx(0.25 * means[0] + 0.75 * means[1], rel=1e-12)
    np.testing.assert_allclose(weighted.grad(theta), central_difference(weighted.loss, theta), rtol=1e-6)
    assert "group weights (0.25, 0.75)" in weighted.name
    assert weighted.per_example_grad is None and weighted.per_example_loss is None


def test_group_weighted_minibatch_gradients_are_unbiased(grouped):
    problem, groups = grouped
    weighted = P.group_weighted(problem, groups, [0.3, 0.7])
    theta = np.array([0.2, 0.1, -0.4])
    # every batch of 4 examples, drawn uniformly: the average of their estimates is exact
    rng = np.random.default_rng(0)
    draws = [weighted.grad(theta, rng.choice(problem.n_samples, 4, replace=False)) for _ in range(20_000)]
    spread = np.std(draws, axis=0) / np.sqrt(len(draws))
    assert np.all(np.abs(np.mean(draws, axis=0) - weighted.grad(theta)) < 5 * spread)


def test_group_dro_equalises_the_group_losses_and_matches_a_fixed_weighting(grouped):
    problem, groups = grouped
    result = P.group_dro(problem, groups, optim.sgd(lr=1.0), steps=1500, group_lr=0.5)
    assert result.group_weights.shape == (1501, 2) and result.group_losses.shape == (1501, 2)
    np.testing.assert_allclose(result.group_weights.sum(axis=1), 1.0)
    final = result.group_losses[-1]
    assert abs(final[0] - final[1]) < 1e-3  # the worst group cannot be improved without hurting the other
    # Convex duality: the same point minimises the fixed weighting with DRO's final weights.
    fixed = P.minimize(P.group_weighted(problem, groups, result.group_weights[-1]), optim.sgd(lr=1.0), 3000).theta
    np.testing.assert_allclose(fixed, result.theta, atol=2e-2)
    erm = P.minimize(problem, optim.sgd(lr=1.0), 1500).theta
    worst_erm = max(problem.loss(erm, np.flatnonzero(groups == g)) for g in (0, 1))
    assert final.max() < worst_erm


@pytest.mark.parametrize("call, error, message", [
    (lambda p, g: P.group_weighted(p, g, [1.0]), ValueError, r"invalid weights = array\(\[1.\]\), expected 2"),
    (lambda p, g: P.group_weighted(p, g, [1.0, -1.0]), ValueError, r"expected 2 finite weights >= 0"),
    (lambda p, g: P.group_weighted(p, g[:10], [1.0, 1.0]), ValueError, r"invalid groups with shape \(10,\)"),
    (lambda p, g: P.group_weighted(p, np.zeros_like(g), [1.0]), ValueError, r"only 1 group"),
    (lambda p, g: P.group_weighted(P.saddle(), g, [1.0, 1.0]), TypeError, r"expected a data problem"),
    (lambda p, g: P.group_dro(p, g, optim.sgd(lr=1.0), 5, group_lr=-1), ValueError, r"invalid group_lr = -1.0"),
    (lambda p, g: P.two_groups(minority=1.0), ValueError, r"invalid minority = 1.0, expected 0 < minority < 1"),
    (lambda p, g: P.two_groups(n=2), ValueError, r"invalid n = 2, expected n >= 4"),
])
def test_group_errors_name_the_argument_and_value(grouped, call, error, message):
    with pytest.raises(error, match=message):
        call(*grouped)
