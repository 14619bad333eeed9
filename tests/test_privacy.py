"""mlcourse.privacy: the DP-SGD step and loop, the RDP accountant and the advantage bound."""

import math

import numpy as np
import pytest

from mlcourse import optim, privacy
from mlcourse import problems as P


# --- the privatised gradient -------------------------------------------------------------------

def test_without_noise_it_is_the_mean_of_the_clipped_per_example_gradients():
    grads = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]])
    got = privacy.dp_sgd_gradient(grads, max_norm=1.0, noise_multiplier=0.0, rng=np.random.default_rng(0))
    clipped = [[3.0, 4.0] / np.float64(5 + 1e-6), [0.3, 0.4], [0.0, 0.0]]   # torch's 1e-6
    np.testing.assert_allclose(got, np.sum(clipped, axis=0) / 3)
    # each example moves the sum by at most C: changing one row changes the result by <= 2C / L
    other = grads.copy()
    other[0] = [-300.0, 0.0]
    moved = privacy.dp_sgd_gradient(other, 1.0, 0.0, np.random.default_rng(0)) - got
    assert np.linalg.norm(moved) <= 2 * 1.0 / 3 + 1e-12


def test_noise_has_standard_deviation_sigma_c_over_l_and_is_seeded():
    grads = np.zeros((8, 3))
    draws = np.stack([privacy.dp_sgd_gradient(grads, 2.0, 1.5, np.random.default_rng(s), expected_batch_size=10)
                      for s in range(4000)])
    np.testing.assert_allclose(draws.std(axis=0), 1.5 * 2.0 / 10, rtol=0.05)
    np.testing.assert_allclose(draws.mean(axis=0), 0.0, atol=5 * 0.3 / np.sqrt(4000))
    again = privacy.dp_sgd_gradient(grads, 2.0, 1.5, np.random.default_rng(7), expected_batch_size=10)
    np.testing.assert_array_equal(again, draws[7])


def test_an_empty_poisson_batch_gives_pure_noise_and_float32_stays_float32():
    noise = privacy.dp_sgd_gradient(np.zeros((0, 4)), 1.0, 1.0, np.random.default_rng(0), expected_batch_size=5)
    assert noise.shape == (4,) and np.all(noise != 0)
    assert privacy.dp_sgd_gradient(np.ones((2, 4), np.float32), 1.0, 1.0, np.random.default_rng(0)).dtype == np.float32


def test_clipping_reuses_the_course_clip_by_norm():
    rows = np.random.default_rng(1).normal(scale=3.0, size=(5, 6))
    got = privacy.dp_sgd_gradient(rows, 1.5, 0.0, np.random.default_rng(0))
    np.testing.assert_allclose(got, np.mean([P.clip_by_norm(r, 1.5) for r in rows], axis=0), rtol=1e-14)


# --- the training loop --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cancer():
    return P.logistic_regression("breast_cancer")


def test_dp_sgd_without_noise_and_with_huge_clip_is_poisson_sampled_sgd(cancer):
    result = privacy.dp_sgd(cancer, lr=0.5, steps=30, max_norm=1e9, noise_multiplier=0.0, sample_rate=0.1, seed=3)
    rng = np.random.default_rng(3)
    theta = cancer.theta0.copy()
    for _ in range(30):
        batch = np.flatnonzero(rng.random(cancer.n_samples) < 0.1)
        rng.standard_normal(theta.size)                            # the (zero-scaled) noise draw
        theta = theta - 0.5 * cancer.grad(theta, batch) * batch.size / (0.1 * cancer.n_samples)
    np.testing.assert_allclose(result.theta, theta, rtol=1e-10, atol=1e-12)
    assert result.batch_sizes.shape == (30,)
    assert abs(result.batch_sizes.mean() - 0.1 * cancer.n_samples) < 10


def test_dp_sgd_learns_and_more_noise_costs_accuracy(cancer):
    accuracies = []
    for sigma in [0.0, 1.0, 16.0]:
        runs = [privacy.dp_sgd(cancer, lr=0.5, steps=100, max_norm=1.0, noise_multiplier=sigma, sample_rate=0.1,
                               seed=s) for s in range(3)]
        accuracies.append(np.mean([cancer.accuracy(r.theta) for r in runs]))
    assert accuracies[0] > 0.95 and accuracies[0] >= accuracies[1] - 0.01 and accuracies[2] < accuracies[1]


def test_dp_sgd_takes_any_optimizer_and_is_seeded(cancer):
    a = privacy.dp_sgd(cancer, lr=None, steps=5, max_norm=1.0, noise_multiplier=1.0, sample_rate=0.05, seed=1,
                       optimizer=optim.adam(lr=0.01))
    b = privacy.dp_sgd(cancer, lr=None, steps=5, max_norm=1.0, noise_multiplier=1.0, sample_rate=0.05, seed=1,
                       optimizer=optim.adam(lr=0.01))
    np.testing.assert_array_equal(a.theta, b.theta)
    assert a.sample_rate == 0.05 and a.noise_multiplier == 1.0 and a.steps == 5


# --- accounting ---------------------------------------------------------------------------------

def test_without_sampling_the_rdp_is_the_gaussian_mechanisms():
    orders = np.arange(2, 40)
    np.testing.assert_allclose(privacy.rdp_sampled_gaussian(1.0, 2.5, orders), orders / (2 * 2.5**2), rtol=1e-12)


@pytest.mark.parametrize("q, sigma, alpha", [(0.05, 1.0, 4), (0.2, 0.8, 3), (0.01, 2.0, 16)])
def test_rdp_is_the_renyi_divergence_of_the_sampled_gaussian_by_quadrature(q, sigma, alpha):
    """D_alpha(mu || mu0) with mu = (1-q) N(0, s^2) + q N(1, s^2), mu0 = N(0, s^2), integrated numerically."""
    integrate = pytest.importorskip("scipy.integrate")
    stats = pytest.importorskip("scipy.stats")

    def integrand(z):
        mu0 = stats.norm.pdf(z, 0, sigma)
        mu = (1 - q) * mu0 + q * stats.norm.pdf(z, 1, sigma)
        return mu0 * (mu / mu0) ** alpha

    moment, _ = integrate.quad(integrand, -30 * sigma, 30 * sigma, limit=400)
    assert privacy.rdp_sampled_gaussian(q, sigma, [alpha])[0] == pytest.approx(math.log(moment) / (alpha - 1),
                                                                                rel=1e-8)


# (q, sigma, steps, delta) -> epsilon from Google's dp_accounting 0.6.0, RdpAccountant with
# orders 2..256 (the same orders and conversion as ours): computed once, kept here.
DP_ACCOUNTING = [
    ((0.01, 1.1, 10000, 1e-5), 5.6543080001495145),
    ((0.05, 1.0, 300, 1e-5), 6.512742290627546),
    ((0.05, 4.0, 300, 1e-5), 0.9076844103983024),
    ((0.2, 0.7, 50, 1e-6), 24.296353095049355),
    ((1.0, 3.0, 10, 1e-5), 5.0305061145976),
]


@pytest.mark.parametrize("args, expected", DP_ACCOUNTING)
def test_epsilon_equals_dp_accounting(args, expected):
    q, sigma, steps, delta = args
    assert privacy.epsilon(sigma, q, steps, delta) == pytest.approx(expected, rel=1e-9)


def test_epsilon_grows_with_steps_and_sampling_and_falls_with_noise():
    base = privacy.epsilon(1.0, 0.05, 300, 1e-5)
    assert privacy.epsilon(1.0, 0.05, 600, 1e-5) > base > privacy.epsilon(2.0, 0.05, 300, 1e-5)
    assert privacy.epsilon(1.0, 0.1, 300, 1e-5) > base
    assert privacy.epsilon(0.0, 0.05, 300, 1e-5) == math.inf
    assert privacy.epsilon(1.0, 0.05, 0, 1e-5) == 0.0


def test_advantage_bound():
    assert privacy.membership_advantage_bound(0.0) == 0.0
    assert privacy.membership_advantage_bound(1.0) == pytest.approx((math.e - 1) / (math.e + 1))
    assert privacy.membership_advantage_bound(1.0, 1e-5) > privacy.membership_advantage_bound(1.0)
    assert privacy.membership_advantage_bound(math.inf) == 1.0
    assert privacy.membership_advantage_bound(1e4) == 1.0
    # never above Yeom et al.'s e^eps - 1 for pure DP
    for eps in [0.1, 0.5, 1.0, 3.0]:
        assert privacy.membership_advantage_bound(eps) <= math.exp(eps) - 1


@pytest.mark.parametrize("call, error, message", [
    (lambda: privacy.dp_sgd_gradient(np.ones(3), 1.0, 1.0, np.random.default_rng()), ValueError,
     r"invalid per_example_grads with shape \(3,\)"),
    (lambda: privacy.dp_sgd_gradient(np.ones((2, 3)), 0.0, 1.0, np.random.default_rng()), ValueError,
     "invalid max_norm = 0.0"),
    (lambda: privacy.dp_sgd_gradient(np.ones((2, 3)), 1.0, -1.0, np.random.default_rng()), ValueError,
     "invalid noise_multiplier = -1.0"),
    (lambda: privacy.dp_sgd(P.saddle(), 0.1, 5, 1.0, 1.0, 0.1), ValueError, "needs per-example gradients"),
    (lambda: privacy.dp_sgd(P.logistic_regression(), 0.1, 5, 1.0, 1.0, 0.0), ValueError,
     "invalid sample_rate = 0.0, expected 0 < sample_rate <= 1"),
    (lambda: privacy.epsilon(1.0, 0.1, 10, 0.0), ValueError, "invalid delta = 0.0"),
    (lambda: privacy.rdp_sampled_gaussian(0.1, 1.0, [1, 2]), ValueError, "invalid orders"),
    (lambda: privacy.membership_advantage_bound(-1.0), ValueError, "invalid epsilon = -1.0"),
])
def test_errors_name_the_argument_and_value(call, error, message):
    with pytest.raises(error, match=message):
        call()
