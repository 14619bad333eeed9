"""mlcourse.problems and mlcourse.train: gradients, minima, convergence and divergence, mini-batches, minimize."""

import itertools
import types
import warnings

import numpy as np
import pytest

from mlcourse import optim, train
from mlcourse import problems as P
from numerics import central_difference

FUNCTIONS = {
    "quadratic": P.quadratic(),
    "quadratic_rotated": P.quadratic(condition_number=50.0, angle=0.7),
    "rosenbrock": P.rosenbrock(),
    "rosenbrock_a2": P.rosenbrock(a=2.0, b=10.0),
    "beale": P.beale(),
    "saddle": P.saddle(),
    "rastrigin": P.rastrigin(),
}


def random_points(f, n=20, seed=0):
    (x0, x1), (y0, y1) = f.bounds
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


# --- 2-D functions ---------------------------------------------------------------------

@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_gradient_and_hessian_match_finite_differences(name):
    f = FUNCTIONS[name]
    theta = random_points(f)
    eps = 1e-6
    steps = np.eye(2) * eps
    numeric = np.stack([(f.loss(theta + s) - f.loss(theta - s)) / (2 * eps) for s in steps], axis=-1)
    np.testing.assert_allclose(f.grad(theta), numeric, rtol=1e-6, atol=1e-5)
    if f.hessian is not None:
        numeric = np.stack([(f.grad(theta + s) - f.grad(theta - s)) / (2 * eps) for s in steps], axis=-1)
        np.testing.assert_allclose(f.hessian(theta), numeric, rtol=1e-6, atol=1e-4)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_shapes_for_points_grids_and_float32(name):
    f = FUNCTIONS[name]
    (x0, x1), (y0, y1) = f.bounds
    grid = np.stack(np.meshgrid(np.linspace(x0, x1, 5), np.linspace(y0, y1, 3)), axis=-1)
    assert f.loss(grid).shape == (3, 5) and f.grad(grid).shape == (3, 5, 2)
    assert type(f.loss(f.theta0)) is float and f.grad(f.theta0).shape == (2,)
    assert f.loss(grid[1, 2]) == f.loss(grid)[1, 2]
    assert f.grad(grid.astype(np.float32)).dtype == np.float32
    assert f.loss(grid.astype(np.float32)).dtype == np.float32
    assert f.theta0.shape == (2,) and f.minima.ndim == 2 and f.minima.shape[1] == 2
    assert x0 <= f.theta0[0] <= x1 and y0 <= f.theta0[1] <= y1


@pytest.mark.parametrize("name", FUNCTIONS)
def test_minima_are_stationary_and_curve_upward(name):
    f = FUNCTIONS[name]
    np.testing.assert_allclose(f.grad(f.minima), 0, atol=1e-9)
    losses_at_minima = f.loss(f.minima)
    assert np.all(losses_at_minima >= losses_at_minima[0] - 1e-12)  # global first
    assert np.all(f.loss(random_points(f, 200)) >= losses_at_minima[0])
    if f.hessian is not None:
        assert np.all(np.linalg.eigvalsh(f.hessian(f.minima)) > 0)


def test_known_minimum_values_and_saddle_point():
    assert P.rosenbrock(a=2.0).loss([2.0, 4.0]) == 0.0
    assert P.beale().loss([3.0, 0.5]) == 0.0
    assert P.rastrigin().loss([0.0, 0.0]) == 0.0
    assert len(P.rastrigin().minima) == 121  # one per integer point in [-5, 5]^2
    s = P.saddle()
    np.testing.assert_array_equal(s.grad(s.saddle_points), 0.0)
    assert np.sort(np.linalg.eigvalsh(s.hessian(s.saddle_points[0]))).tolist() == [-1.0, 1.0]
    np.testing.assert_allclose(s.loss(s.minima), -0.25)


def test_quadratic_eigenvalues_are_one_and_condition_number():
    for kappa, angle in [(10.0, 0.0), (50.0, 0.7), (1.0, 2.0)]:
        f = P.quadratic(condition_number=kappa, angle=angle)
        np.testing.assert_allclose(np.linalg.eigvalsh(f.hessian(f.theta0)), [1.0, kappa])
        assert f.lr == 1 / kappa


# the learning rates and step counts the course relies on; Adam uses lr = 0.05 throughout
CONVERGENCE = [
    ("quadratic", "gd", 300, 1e-6),
    ("quadratic_rotated", "gd", 2000, 1e-6),
    ("rosenbrock", "gd", 20000, 1e-3),
    ("beale", "gd", 5000, 1e-6),
    ("saddle", "gd", 300, 1e-6),
    ("rastrigin", "gd", 300, 1e-6),
    ("quadratic", "adam", 3000, 1e-6),
    ("rosenbrock", "adam", 3000, 1e-6),
    ("beale", "adam", 3000, 1e-6),
    ("saddle", "adam", 3000, 1e-6),
    ("rastrigin", "adam", 3000, 1e-6),
]


@pytest.mark.parametrize("name, method, steps, tol", CONVERGENCE)
def test_gd_and_adam_reach_a_known_minimum_from_theta0(name, method, steps, tol):
    f = FUNCTIONS[name]
    optimizer = optim.sgd(lr=f.lr) if method == "gd" else optim.adam(lr=0.05)
    result = P.minimize(f, optimizer, steps)
    assert result.status == "ok"
    assert np.min(np.linalg.norm(f.minima - result.theta, axis=1)) < tol
    assert result.losses[-1] < result.losses[0]


def test_rastrigin_gd_stops_in_a_local_minimum_not_the_global_one():
    f = P.rastrigin()
    result = P.minimize(f, optim.sgd(lr=f.lr), 300)
    nearest = np.argmin(np.linalg.norm(f.minima - result.theta, axis=1))
    assert nearest > 0 and f.loss(result.theta) > 1.0


@pytest.mark.parametrize("kappa, angle", [(10.0, 0.0), (50.0, 0.7)])
def test_gd_on_the_quadratic_diverges_just_past_two_over_L(kappa, angle):
    f = P.quadratic(condition_number=kappa, angle=angle)
    L = np.linalg.eigvalsh(f.hessian(f.theta0))[-1]
    below = P.minimize(f, optim.sgd(lr=0.99 * 2 / L), 3000)
    assert below.status == "ok" and below.diverged_at is None and below.losses[-1] < 1e-8
    above = P.minimize(f, optim.sgd(lr=1.01 * 2 / L), 3000)
    assert above.status == "diverged"
    assert 0 < above.diverged_at < 3000
    assert len(above.losses) == above.diverged_at + 1 == len(above.trajectory)
    assert above.losses[-1] > 1e12 * (1 + above.losses[0]) >= above.losses[-2]


def test_overflow_is_reported_as_divergence_without_warnings():
    f = P.rosenbrock()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = P.minimize(f, optim.sgd(lr=1.0), 100, max_loss=np.finfo(float).max)
    assert result.status == "diverged" and not np.isfinite(result.losses[-1])
    assert result.diverged_at == len(result.losses) - 1 < 100
    start = P.minimize(f, optim.sgd(lr=1e-3), 10, theta0=[np.nan, 0.0])
    assert (start.status, start.diverged_at, len(start.losses), len(start.grad_norms)) == ("diverged", 0, 1, 0)


# --- data problems ---------------------------------------------------------------------

DATA = {
    "linear": P.linear_regression(),
    "logistic": P.logistic_regression(),
    "mlp_tanh": P.mlp(hidden=8),
    "mlp_relu": P.mlp(hidden=8, dataset="breast_cancer", activation="relu", seed=3),
}


@pytest.mark.parametrize("name", DATA)
@pytest.mark.parametrize("batch", [None, np.array([3, 1, 4, 1, 5, 9, 2, 6])])
def test_data_gradient_matches_finite_differences(name, batch):
    p = DATA[name]
    theta = p.theta0 + np.random.default_rng(1).normal(scale=0.3, size=p.theta0.shape)
    coords = np.random.default_rng(2).choice(theta.size, size=min(theta.size, 40), replace=False)
    grad = p.grad(theta, batch)
    for i in coords:
        e = np.zeros_like(theta)
        e[i] = 1e-6
        numeric = (p.loss(theta + e, batch) - p.loss(theta - e, batch)) / 2e-6
        assert grad[i] == pytest.approx(numeric, rel=1e-5, abs=1e-8), f"coordinate {i}"


@pytest.mark.parametrize("name", DATA)
def test_minibatch_gradients_weighted_by_size_average_to_the_full_gradient(name):
    p = DATA[name]
    epoch = list(P.batches(p.n_samples, 50, seed=5, epochs=1))  # the last batch is shorter
    total = sum(len(b) * p.grad(p.theta0, b) for b in epoch)  # each batch gradient is a mean
    np.testing.assert_allclose(total / p.n_samples, p.grad(p.theta0), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", DATA)
def test_data_problem_shapes_dtypes_and_read_only_data(name):
    p = DATA[name]
    assert len(p.X) == len(p.y) == p.n_samples
    assert type(p.loss(p.theta0)) is float
    assert p.grad(p.theta0.astype(np.float32)).dtype == np.float32
    with pytest.raises(ValueError):
        p.X[0, 0] = 1.0
    if p.accuracy is not None:
        assert 0.0 <= p.accuracy(p.theta0) <= 1.0


def test_linear_regression_hessian_is_constant_and_matches_gradient_differences():
    p = P.linear_regression()
    H = p.hessian(p.theta0)
    theta = np.random.default_rng(0).normal(size=p.theta0.shape)
    np.testing.assert_allclose(p.grad(theta) - p.grad(p.theta0), H @ theta, atol=1e-12)
    L = np.linalg.eigvalsh(H)[-1]
    assert P.minimize(p, optim.sgd(lr=0.98 * 2 / L), 2000).status == "ok"
    assert P.minimize(p, optim.sgd(lr=1.02 * 2 / L), 2000).status == "diverged"


def test_data_problems_start_where_documented_and_learn():
    lin, log = P.linear_regression(), P.logistic_regression()
    assert lin.loss(lin.theta0) == pytest.approx(1.0)  # standardised target: its variance
    assert log.loss(log.theta0) == pytest.approx(np.log(2))
    net = P.mlp()
    assert net.loss(net.theta0) == pytest.approx(np.log(10), rel=0.05)
    for p, lr, accuracy in [(log, 0.5, 0.97), (net, 0.5, 0.9)]:
        result = P.minimize(p, optim.sgd(lr=lr), 200, batch_size=64)
        assert result.status == "ok" and p.accuracy(result.theta) > accuracy


def test_mlp_takes_an_x_y_pair_like_the_linear_models():
    """A caller's (X, y) gives the same network as the named data set it came from."""
    X, y = P.load_dataset("digits")
    named, given = P.mlp(hidden=6, seed=2), P.mlp(hidden=6, dataset=(X, y.astype(float)), seed=2)
    assert given.name == "MLP 64-6-10 (given data)" and named.name == "MLP 64-6-10 (digits)"
    np.testing.assert_array_equal(given.theta0, named.theta0)
    theta = named.theta0 + 0.1
    assert given.loss(theta) == named.loss(theta)
    np.testing.assert_array_equal(given.grad(theta, np.arange(50)), named.grad(theta, np.arange(50)))
    assert given.y.dtype == np.int64 and not given.X.flags.writeable and not given.y.flags.writeable
    small = P.mlp(hidden=4, dataset=(X[:40], y[:40] % 3))  # three classes: three outputs
    assert small.unpack(small.theta0)[3].shape == (3,) and small.n_samples == 40


def test_every_problem_follows_the_one_interface():
    """Every factory returns a Function2D, a DataProblem or a Function1D, whose hessian, where given,
    takes theta; minimize refuses anything else."""
    for p in [*FUNCTIONS.values(), *DATA.values(), P.with_gradient_noise(P.saddle(), 0.1), P.lessard_counterexample()]:
        assert P.is_problem(p) and isinstance(p, P.PROBLEM_TYPES)
        if p.hessian is not None:
            d = p.theta0.size
            assert p.hessian(p.theta0).shape == (d, d)
    lookalike = types.SimpleNamespace(name="bowl", loss=lambda t: float(t @ t), grad=lambda t: 2 * t, theta0=np.ones(2))
    assert not P.is_problem(lookalike)
    with pytest.raises(TypeError, match=r"^invalid problem = namespace\(.*\), expected a problem from mlcourse.problems"):
        train.minimize(lookalike, optim.sgd(lr=0.1), 3)


def test_training_loop_lives_in_mlcourse_train_and_is_re_exported():
    assert (P.minimize, P.MinimizeResult, P.clip_by_norm) == (train.minimize, train.MinimizeResult, train.clip_by_norm)
    assert train.minimize(P.quadratic(), optim.sgd(lr=0.1), 3).losses.shape == (4,)


def test_mlp_pack_unpack_round_trip_and_seeded_init():
    p = P.mlp(hidden=5)
    W1, b1, W2, b2 = p.unpack(p.theta0)
    assert (W1.shape, b1.shape, W2.shape, b2.shape) == ((64, 5), (5,), (5, 10), (10,))
    np.testing.assert_array_equal(p.pack(W1, b1, W2, b2), p.theta0)
    assert np.abs(W1).max() <= 1 / 8 and np.abs(W2).max() <= 1 / np.sqrt(5)
    np.testing.assert_array_equal(P.mlp(hidden=5).theta0, p.theta0)
    assert not np.array_equal(P.mlp(hidden=5, seed=1).theta0, p.theta0)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_mlp_matches_torch_autograd(activation):
    torch = pytest.importorskip("torch")
    p = P.mlp(hidden=16, activation=activation)
    theta = p.theta0 + np.random.default_rng(0).normal(scale=0.1, size=p.theta0.shape)
    batch = np.arange(0, p.n_samples, 7)
    tensors = [torch.tensor(a, requires_grad=True) for a in p.unpack(theta)]
    W1, b1, W2, b2 = tensors
    phi = torch.tanh if activation == "tanh" else torch.relu
    z = phi(torch.tensor(p.X[batch]) @ W1 + b1) @ W2 + b2
    loss = torch.nn.functional.cross_entropy(z, torch.tensor(p.y[batch]))
    loss.backward()
    assert p.loss(theta, batch) == pytest.approx(loss.item(), rel=1e-12)
    expected = p.pack(*(t.grad.numpy() for t in tensors))
    np.testing.assert_allclose(p.grad(theta, batch), expected, rtol=1e-10, atol=1e-14)


def test_datasets_are_loaded_once_and_cached():
    assert P.load_dataset("digits") is P.load_dataset("digits")
    assert P.mlp(hidden=3).X is P.mlp(hidden=4).X
    X, y = P.load_dataset("diabetes")
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose([X.std(axis=0).min(), y.std()], 1.0)
    X, y = P.load_dataset("digits")
    assert X.min() == 0.0 and X.max() == 1.0 and y.dtype == np.int64 and set(y) == set(range(10))


# --- mini-batches ----------------------------------------------------------------------

def test_batches_cover_every_sample_once_per_epoch_and_are_deterministic():
    first = list(itertools.islice(P.batches(10, 3, seed=7), 12))  # 4 batches per epoch
    again = list(itertools.islice(P.batches(10, 3, seed=7), 12))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert [len(b) for b in first[:4]] == [3, 3, 3, 1]
    epochs = [np.concatenate(first[i:i + 4]) for i in range(0, 12, 4)]
    for e in epochs:
        assert sorted(e) == list(range(10))
    assert not np.array_equal(epochs[0], epochs[1])  # reshuffled every epoch
    other = np.concatenate(list(itertools.islice(P.batches(10, 3, seed=8), 4)))
    assert not np.array_equal(other, epochs[0])


def test_batches_without_shuffle_with_drop_last_and_epochs():
    plain = list(P.batches(7, 3, shuffle=False, epochs=2))
    assert [b.tolist() for b in plain] == [[0, 1, 2], [3, 4, 5], [6]] * 2
    dropped = list(P.batches(7, 3, seed=0, drop_last=True, epochs=3))
    assert len(dropped) == 6 and all(len(b) == 3 for b in dropped)
    assert all(len(set(np.concatenate(dropped[i:i + 2]))) == 6 for i in (0, 2, 4))
    assert sorted(next(P.batches(5, 10, seed=1))) == [0, 1, 2, 3, 4]
    assert list(P.batches(5, 2, epochs=0)) == []


# --- minimize and clipping -------------------------------------------------------------

def test_minimize_result_shapes_and_inputs_untouched():
    f = P.quadratic()
    start = np.array([1.0, -2.0])
    result = P.minimize(f, optim.sgd(lr=0.05), 25, theta0=start)
    assert start.tolist() == [1.0, -2.0]
    assert result.trajectory.shape == (26, 2) and result.losses.shape == (26,)
    assert result.grad_norms.shape == (25,)
    np.testing.assert_array_equal(result.trajectory[0], start)
    np.testing.assert_array_equal(result.trajectory[-1], result.theta)
    np.testing.assert_allclose(result.losses, f.loss(result.trajectory))
    assert P.minimize(f, optim.sgd(lr=0.05), 0).trajectory.shape == (1, 2)


def test_minimize_keeps_no_trajectory_for_big_problems_unless_asked():
    p = P.mlp(hidden=32)
    assert P.minimize(p, optim.sgd(lr=0.1), 3, batch_size=32).trajectory is None
    kept = P.minimize(p, optim.sgd(lr=0.1), 3, batch_size=32, keep_trajectory=True)
    assert kept.trajectory.shape == (4, p.theta0.size)


def test_minimize_minibatches_are_seeded():
    p = P.logistic_regression()
    a, b, c = (P.minimize(p, optim.sgd(lr=0.1), 20, batch_size=16, seed=s) for s in (0, 0, 1))
    np.testing.assert_array_equal(a.trajectory, b.trajectory)
    assert not np.array_equal(a.theta, c.theta)


def test_minimize_takes_the_gradient_at_the_lookahead_point():
    # an optimizer that asks for its gradient one unit to the right and records it
    seen = []

    def update(params, grads, state):
        seen.append(grads)
        return params - 0.1 * grads, state

    shifted = optim.Optimizer(init=lambda p: None, update=update, lookahead=lambda p, s: p + np.array([1.0, 0.0]))
    f = P.quadratic()
    result = P.minimize(f, shifted, 3)
    for theta, grad in zip(result.trajectory, seen):
        np.testing.assert_array_equal(grad, f.grad(theta + [1.0, 0.0]))


def test_clip_by_norm_keeps_direction_and_matches_torch_rule():
    g = np.array([3.0, 4.0])
    np.testing.assert_allclose(P.clip_by_norm(g, 1.0), g * (1.0 / (5.0 + 1e-6)))
    np.testing.assert_array_equal(P.clip_by_norm(g, 10.0), g)
    assert P.clip_by_norm(g.astype(np.float32), 1.0).dtype == np.float32
    torch = pytest.importorskip("torch")
    t = torch.tensor(g.copy())
    t.grad = t.clone()
    torch.nn.utils.clip_grad_norm_([t], 1.0)
    np.testing.assert_allclose(P.clip_by_norm(g, 1.0), t.grad.numpy(), rtol=1e-15)


def test_clipping_keeps_a_cliff_from_throwing_theta_away():
    f = P.rosenbrock()
    wild = P.minimize(f, optim.sgd(lr=0.01), 50, theta0=[-2.0, -1.0])
    clipped = P.minimize(f, optim.sgd(lr=0.01), 50, theta0=[-2.0, -1.0], clip_norm=10.0)
    assert wild.status == "diverged" and clipped.status == "ok"
    steps = np.linalg.norm(np.diff(clipped.trajectory, axis=0), axis=1)
    assert steps.max() <= 0.01 * 10.0 + 1e-12
    assert clipped.grad_norms.max() > 10.0  # recorded before clipping


@pytest.mark.parametrize("call, error, message", [
    (lambda: P.quadratic().loss([1.0, 2.0, 3.0]), ValueError, r"invalid theta with shape \(3,\), expected shape \(\.\.\., 2\)"),
    (lambda: P.quadratic(condition_number=0.5), ValueError, r"invalid condition_number = 0.5, expected 1 <= condition_number"),
    (lambda: P.rosenbrock(b=0), ValueError, r"invalid b = 0.0, expected 0 < b"),
    (lambda: P.rastrigin(A=-1), ValueError, r"invalid A = -1.0"),
    (lambda: P.linear_regression("digits"), ValueError, r"invalid dataset = 'digits', expected one of 'diabetes'"),
    (lambda: P.mlp(hidden=0), ValueError, r"invalid hidden = 0, expected hidden >= 1"),
    (lambda: P.mlp(activation="sigmoid"), ValueError, r"invalid activation = 'sigmoid', expected one of 'tanh', 'relu'"),
    (lambda: P.mlp(dataset="iris"), ValueError, r"invalid dataset = 'iris', expected one of 'digits', 'breast_cancer'"),
    (lambda: P.mlp(dataset=(np.ones((3, 2)), [0, 1.5, 2])), ValueError,
     r"invalid y label = 1.5 at index 1, expected integer class labels 0, 1, ..., C - 1"),
    (lambda: P.mlp(dataset=(np.ones((3, 2)), [0, -1, 2])), ValueError, r"invalid y label = -1.0 at index 1"),
    (lambda: P.linear_regression().hessian(np.zeros(3)), ValueError, r"invalid theta with shape \(3,\), expected shape \(11,\)"),
    (lambda: P.logistic_regression().loss(np.zeros(30)), ValueError, r"invalid theta with shape \(30,\), expected shape \(31,\)"),
    (lambda: P.logistic_regression().grad(np.zeros(31), np.array([0, 569])), ValueError,
     r"invalid batch index = 569, expected 0 <= index < n_samples = 569"),
    (lambda: P.linear_regression().loss(np.zeros(11), np.array([0.5])), ValueError, r"invalid batch with shape \(1,\) and dtype float64"),
    (lambda: P.mlp(hidden=2).pack(np.zeros((2, 64)), np.zeros(2), np.zeros((2, 10)), np.zeros(10)), ValueError,
     r"invalid W1 with shape \(2, 64\), expected shape \(64, 2\)"),
    (lambda: P.batches(10, 0), ValueError, r"invalid batch_size = 0, expected batch_size >= 1"),
    (lambda: P.batches(10, 2.5), TypeError, r"invalid batch_size = 2.5, expected an integer"),
    (lambda: P.batches(4, 5, drop_last=True), ValueError, r"invalid batch_size = 5, expected batch_size <= n_samples = 4"),
    (lambda: P.minimize(P.beale(), optim.sgd(lr=0.1), 5, batch_size=4), ValueError, r"invalid batch_size = 4 for 'Beale'"),
    (lambda: P.minimize(P.beale(), optim.sgd(lr=0.1), -1), ValueError, r"invalid steps = -1, expected steps >= 0"),
    (lambda: P.minimize(P.beale(), optim.sgd(lr=0.1), 5, clip_norm=0), ValueError, r"invalid clip_norm = 0.0"),
    (lambda: P.clip_by_norm([1.0], -1), ValueError, r"invalid max_norm = -1.0, expected 0 < max_norm"),
    (lambda: P.load_dataset("iris"), ValueError, r"invalid dataset = 'iris', expected one of 'diabetes', 'breast_cancer', 'digits'"),
])
def test_errors_name_the_argument_and_value(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_with_gradient_noise_is_unbiased_seeded_and_keeps_the_loss():
    saddle = P.saddle()
    theta = np.array([0.3, -0.2])
    noisy = P.with_gradient_noise(saddle, 0.5, seed=3)
    draws = np.stack([noisy.grad(theta) for _ in range(20_000)])
    # mean within 5 standard errors of the exact gradient, spread = std per coordinate
    np.testing.assert_allclose(draws.mean(axis=0), saddle.grad(theta), atol=5 * 0.5 / np.sqrt(20_000))
    np.testing.assert_allclose(draws.std(axis=0), [0.5, 0.5], rtol=0.03)
    assert noisy.loss(theta) == saddle.loss(theta)
    assert noisy.name == "saddle + noise 0.5"
    replay = P.with_gradient_noise(saddle, 0.5, seed=3)
    np.testing.assert_array_equal(replay.grad(theta), draws[0])
    assert not np.array_equal(P.with_gradient_noise(saddle, 0.5, seed=4).grad(theta), draws[0])
    np.testing.assert_array_equal(P.with_gradient_noise(saddle, 0.0).grad(theta), saddle.grad(theta))


def test_with_gradient_noise_passes_the_batch_and_keeps_float32():
    reg = P.linear_regression("diabetes")
    batch = np.array([0, 5, 7])
    theta = np.full(11, 0.1)
    exact = reg.grad(theta, batch)
    noisy = P.with_gradient_noise(reg, 1e-3, seed=0).grad(theta, batch)
    assert noisy.shape == exact.shape and not np.array_equal(noisy, exact)
    np.testing.assert_allclose(noisy, exact, atol=1e-2)
    assert P.with_gradient_noise(reg, 1e-3).grad(theta.astype(np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match=r"invalid std = -1.0, expected 0 <= std"):
        P.with_gradient_noise(reg, -1)
    with pytest.raises(TypeError, match=r"invalid seed = 0.5, expected an integer"):
        P.with_gradient_noise(reg, 1.0, seed=0.5)
