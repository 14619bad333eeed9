"""mlcourse.adaptive, problems.sparse_features and problems.reddi_counterexample (chapter 6).

Every quantity is checked against the optimizers' own updates, so that it cannot drift
away from what mlcourse.optim (and torch) actually do.
"""

import numpy as np
import pytest

from mlcourse import adaptive, optim, problems, schedules


def run(opt, grads, theta0):
    """Apply ``opt`` to a stream of gradients; return the list of (old θ, new θ, g, state)."""
    theta, state, out = theta0, opt.init(theta0), []
    for g in grads:
        new, state = opt.update(theta, g, state)
        out.append((theta, new, g, state))
        theta = new
    return out


def gradient_stream(seed, steps=30, shape=(6,)):
    rng = np.random.default_rng(seed)
    scales = rng.lognormal(sigma=2.0, size=shape)  # coordinates of very different sizes
    return [rng.normal(size=shape) * scales + 0.3 * scales for _ in range(steps)]


# --- bias_correction and ema_weights -------------------------------------------------------

def test_bias_correction_values_and_arrays():
    assert adaptive.bias_correction(0.9, 1) == pytest.approx(0.1)
    assert adaptive.bias_correction(0.999, 2) == pytest.approx(1 - 0.999**2)
    np.testing.assert_allclose(adaptive.bias_correction(0.5, np.array([1, 2, 3])), [0.5, 0.75, 0.875])
    assert adaptive.bias_correction(0.0, 5) == 1.0


@pytest.mark.parametrize("bad, words", [
    (dict(beta=1.0, t=1), "invalid beta = 1.0"),
    (dict(beta=-0.1, t=1), "invalid beta = -0.1"),
    (dict(beta=0.9, t=0), "invalid t = 0"),
    (dict(beta=0.9, t=np.array([1, 0])), "invalid t"),
    (dict(beta=0.9, t=1.5), "invalid t = 1.5"),
])
def test_bias_correction_rejects_bad_input(bad, words):
    with pytest.raises(ValueError, match=words):
        adaptive.bias_correction(**bad)


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.999])
def test_ema_weights_reproduce_the_optimizers_moving_averages(beta):
    """Adam's m_t is exactly the ema_weights-weighted sum of the gradients so far."""
    grads = gradient_stream(1, steps=25)
    states = [s for *_, s in run(optim.adam(betas=(beta, 0.99)), grads, np.zeros(6))]
    for t in (1, 7, 25):
        weights = adaptive.ema_weights(beta, t)
        np.testing.assert_allclose(weights @ np.array(grads[:t]), states[t - 1].exp_avg, rtol=1e-12, atol=1e-14)
        assert weights.sum() == pytest.approx(adaptive.bias_correction(beta, t))


def test_ema_weights_memory_tends_to_beta_over_one_minus_beta():
    weights = adaptive.ema_weights(0.9, 2000)
    age = np.arange(weights.size)[::-1]
    assert (age @ weights) / weights.sum() == pytest.approx(0.9 / 0.1, rel=1e-6)
    assert np.all(np.diff(weights) > 0)  # newest last, heaviest; none is dropped


# --- effective_lr: the rate the update really used ------------------------------------------

@pytest.mark.parametrize("hp", [dict(lr=0.1), dict(lr=0.3, lr_decay=0.05, eps=1e-3),
                                dict(lr=0.05, initial_accumulator_value=0.5)])
def test_effective_lr_of_adagrad_is_the_step_per_unit_gradient(hp):
    for old, new, g, state in run(optim.adagrad(**hp), gradient_stream(2), np.ones(6)):
        rate = adaptive.effective_lr(state, hp["lr"], hp.get("eps", 1e-10), lr_decay=hp.get("lr_decay", 0.0))
        np.testing.assert_allclose(new, old - rate * g, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("centered", [False, True])
def test_effective_lr_of_rmsprop(centered):
    for old, new, g, state in run(optim.rmsprop(lr=0.01, alpha=0.9, centered=centered), gradient_stream(3),
                                  np.ones(6)):
        rate = adaptive.effective_lr(state, 0.01, 1e-8)
        np.testing.assert_allclose(new, old - rate * g, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("factory, hp", [
    (optim.adam, dict(lr=1e-2)),
    (optim.adam, dict(lr=3e-2, betas=(0.5, 0.9), eps=1e-3, amsgrad=True)),
    (optim.adamw, dict(lr=1e-2, weight_decay=0.1)),
])
def test_effective_lr_of_adam_multiplies_the_first_moment(factory, hp):
    lr, wd = hp["lr"], hp.get("weight_decay", 0.0)
    betas, eps = hp.get("betas", (0.9, 0.999)), hp.get("eps", 1e-8)
    for old, new, g, state in run(factory(**hp), gradient_stream(4), np.ones(6)):
        rate = adaptive.effective_lr(state, lr, eps, betas)
        np.testing.assert_allclose(new, old * (1 - lr * wd) - rate * state.exp_avg, rtol=1e-10, atol=1e-15)


def test_effective_lr_of_adagrad_decays_like_one_over_sqrt_t():
    """Constant gradients: s_t = t g², so the rate is η / (√t |g|)."""
    steps = run(optim.adagrad(lr=1.0, eps=0.0), [np.array([2.0])] * 400, np.zeros(1))
    rates = np.array([adaptive.effective_lr(s, 1.0, 0.0)[0] for *_, s in steps])
    np.testing.assert_allclose(rates, 1 / (2 * np.sqrt(np.arange(1, 401))), rtol=1e-12)


def test_effective_lr_rejects_what_it_cannot_describe():
    theta = np.zeros(3)
    with pytest.raises(ValueError, match="momentum_buffer"):
        adaptive.effective_lr(optim.rmsprop(momentum=0.9).init(theta), 0.01, 1e-8)
    with pytest.raises(TypeError, match="invalid state of type SGDState"):
        adaptive.effective_lr(optim.sgd(lr=0.1).init(theta), 0.1, 0.0)
    with pytest.raises(ValueError, match="step = 0"):
        adaptive.effective_lr(optim.adam().init(theta), 1e-3, 1e-8)
    with pytest.raises(ValueError, match="invalid lr = -1"):
        adaptive.effective_lr(optim.adagrad().init(theta), -1.0, 1e-10)
    with pytest.raises(ValueError, match="invalid beta2 = 1"):
        adaptive.effective_lr(run(optim.adam(), [theta + 1], theta)[0][3], 1e-3, 1e-8, betas=(0.9, 1.0))


# --- adam_step_bound --------------------------------------------------------------------------

@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.99), (0.0, 0.99), (0.9, 0.9), (0.99, 0.999)])
def test_no_gradient_stream_exceeds_the_bound(betas):
    rng = np.random.default_rng(5)
    opt = optim.adam(lr=1.0, betas=betas, eps=0.0)
    streams = [rng.normal(size=(300, 4)) * rng.lognormal(size=4),                         # noisy
               (rng.random((300, 4)) < 0.05) * rng.normal(size=(300, 4)) + 1e-12,          # sparse
               np.where(np.arange(300)[:, None] < [50, 120, 200, 280], 1e-12, 1.0),        # silence, then on
               rng.normal(size=(300, 4)) + 3.0]                                            # steady
    for stream in streams:
        for t, (old, new, *_) in enumerate(run(opt, stream, np.zeros(4)), start=1):
            assert np.max(np.abs(new - old)) <= adaptive.adam_step_bound(1.0, betas, t) * (1 + 1e-9)


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.99), (0.0, 0.99)])
def test_the_bound_is_attained_by_gradients_growing_by_beta2_over_beta1(betas):
    beta1, beta2 = betas
    T = 60
    growth = beta2 / beta1 if beta1 else None
    stream = [np.array([growth**k if growth else float(k == T - 1) + 1e-100]) for k in range(T)]
    old, new, *_ = run(optim.adam(lr=1.0, betas=betas, eps=0.0), stream, np.zeros(1))[-1]
    assert abs(new - old)[0] == pytest.approx(adaptive.adam_step_bound(1.0, betas, T), rel=1e-9)


def test_bound_limits_and_the_kingma_ba_case():
    assert adaptive.adam_step_bound(1.0) == pytest.approx(0.1 / np.sqrt(0.001 * (1 - 0.81 / 0.999)))
    assert adaptive.adam_step_bound(1.0, t=1) == 1.0  # the first corrected step is exactly ±η
    assert adaptive.adam_step_bound(2e-3, t=10**6) == pytest.approx(adaptive.adam_step_bound(2e-3))
    assert adaptive.adam_step_bound(1.0, (0.99, 0.98)) == float("inf")  # beta1 > sqrt(beta2)
    # one gradient after a long silence: Kingma and Ba's (1 - beta1) / sqrt(1 - beta2)
    stream = [np.array([1e-100])] * 5000 + [np.array([1.0])]
    old, new, *_ = run(optim.adam(lr=1.0, eps=0.0), stream, np.zeros(1))[-1]
    t = len(stream)
    corrections = np.sqrt(adaptive.bias_correction(0.999, t)) / adaptive.bias_correction(0.9, t)
    assert abs(new - old)[0] == pytest.approx(0.1 / np.sqrt(0.001) * corrections, rel=1e-9)
    assert abs(new - old)[0] < adaptive.adam_step_bound(1.0, t=t) / 2


def test_adadelta_first_step_matches_the_optimizer():
    g = np.array([1e-4, 0.1, 1.0, 300.0])
    for rho, eps, lr in [(0.9, 1e-6, 1.0), (0.95, 1e-2, 0.5)]:
        (old, new, *_), = run(optim.adadelta(lr=lr, rho=rho, eps=eps), [g], np.zeros(4))
        np.testing.assert_allclose(np.abs(new - old), adaptive.adadelta_first_step(g, rho, eps, lr), rtol=1e-12)
    assert adaptive.adadelta_first_step(1e3) == pytest.approx(np.sqrt(1e-6 / 0.1), rel=1e-6)


# --- normalized_step and nadam_momentum ---------------------------------------------------

def test_normalized_step_is_adams_step_per_unit_learning_rate():
    for old, new, g, state in run(optim.adam(lr=0.01, eps=1e-3), gradient_stream(6), np.ones(6)):
        t = state.step
        m_hat = state.exp_avg / adaptive.bias_correction(0.9, t)
        v_hat = state.exp_avg_sq / adaptive.bias_correction(0.999, t)
        np.testing.assert_allclose(new, old - 0.01 * adaptive.normalized_step(m_hat, v_hat, 1e-3), rtol=1e-10)


def test_eps_inside_the_root_differs_only_for_small_gradients():
    for g in (1.0, 1e-2):
        outside = adaptive.normalized_step(g, g * g)
        inside = adaptive.normalized_step(g, g * g, eps_inside_root=True)
        assert outside == pytest.approx(1.0, rel=1e-6) and inside == pytest.approx(1.0, rel=1e-3)
    assert adaptive.normalized_step(1e-6, 1e-12) == pytest.approx(1 / 1.01)
    assert adaptive.normalized_step(1e-6, 1e-12, eps_inside_root=True) == pytest.approx(1e-2, rel=1e-3)
    with pytest.raises(ValueError, match="invalid v_hat"):
        adaptive.normalized_step(1.0, -1.0)


def test_nadam_momentum_matches_the_optimizers_running_product():
    for beta1, psi in [(0.9, 4e-3), (0.8, 0.5)]:
        steps = run(optim.nadam(betas=(beta1, 0.999), momentum_decay=psi), gradient_stream(7, steps=40),
                    np.zeros(6))
        products = np.array([s.mu_product for *_, s in steps], dtype=np.float64)
        mu = adaptive.nadam_momentum(np.arange(1, 41), beta1, psi)
        np.testing.assert_allclose(products, np.cumprod(mu), rtol=1e-12)
    assert adaptive.nadam_momentum(1) == pytest.approx(0.9 * (1 - 0.5 * 0.96**0.004))
    assert adaptive.nadam_momentum(10**7) == pytest.approx(0.9)
    with pytest.raises(ValueError, match="invalid t = 0"):
        adaptive.nadam_momentum(0)


# --- sparse_features ------------------------------------------------------------------------

def test_sparse_features_frequencies_labels_and_reproducibility():
    data = problems.sparse_features(n_samples=20000, n_features=8, most=0.5, least=0.02, seed=3)
    assert data.X.shape == (20000, 8) and data.y.shape == (20000,)
    assert set(np.unique(data.X)) == {0.0, 1.0} and set(np.unique(data.y)) <= {0.0, 1.0}
    np.testing.assert_allclose(data.frequencies, np.geomspace(0.5, 0.02, 8))
    np.testing.assert_allclose(data.X.mean(axis=0), data.frequencies, rtol=0.15)
    assert set(data.weights) <= {-1.0, 1.0}
    # labels follow the logistic model: the mean label among samples with x·w = s is σ(s)
    score = data.X @ data.weights
    for s in (-1.0, 0.0, 1.0):
        assert data.y[score == s].mean() == pytest.approx(1 / (1 + np.exp(-s)), abs=0.03)
    again = problems.sparse_features(n_samples=20000, n_features=8, most=0.5, least=0.02, seed=3)
    assert np.array_equal(again.X, data.X) and np.array_equal(again.y, data.y)
    assert not data.X.flags.writeable and not data.y.flags.writeable
    assert problems.logistic_regression((data.X, data.y)).theta0.shape == (9,)


def test_rare_features_have_small_curvature():
    """The Hessian's diagonal along w_j is roughly proportional to the frequency p_j."""
    data = problems.sparse_features(n_samples=20000, n_features=6, most=0.5, least=0.01)
    p = 0.5  # at theta = 0 every sigma(1 - sigma) is 1/4
    diagonal = (data.X ** 2).mean(axis=0) * p * (1 - p)
    np.testing.assert_allclose(diagonal / data.frequencies, 0.25, rtol=0.2)


@pytest.mark.parametrize("bad, error, words", [
    (dict(n_samples=0), ValueError, "invalid n_samples = 0"),
    (dict(n_features=1), ValueError, "invalid n_features = 1"),
    (dict(most=1.5), ValueError, "invalid most = 1.5"),
    (dict(least=0.0), ValueError, "invalid least = 0.0"),
    (dict(most=0.1, least=0.2), ValueError, "invalid least = 0.2"),
    (dict(seed=-1), ValueError, "invalid seed = -1"),
    (dict(n_samples=2.5), TypeError, "invalid n_samples = 2.5"),
])
def test_sparse_features_rejects_bad_input(bad, error, words):
    with pytest.raises(error, match=words):
        problems.sparse_features(**bad)


# --- the AMSGrad counterexample -------------------------------------------------------------

def reddi_optimizer(amsgrad, C=3.0):
    return optim.adam(lr=schedules.power(0.5, s=1, c=0.5), betas=(0.0, 1 / (1 + C**2)), amsgrad=amsgrad)


def test_adam_fails_and_amsgrad_converges_on_the_counterexample():
    problem = problems.reddi_counterexample(C=3.0)
    adam = problems.run_online(problem, reddi_optimizer(False), 3000)
    amsgrad = problems.run_online(problem, reddi_optimizer(True), 3000)
    assert adam.trajectory[-300:].min() > 0.95               # Adam sits at the worst point, +1
    assert adam.average_regret[-1] == pytest.approx(2 * (3 - 2) / 3, rel=0.05)
    assert amsgrad.trajectory[-300:].max() < -0.9            # AMSGrad at the best point, -1
    assert amsgrad.average_regret[-1] < 0.02
    assert amsgrad.average_regret[-1] < amsgrad.average_regret[300]  # and it keeps falling


def test_counterexample_losses_gradients_and_regret():
    problem = problems.reddi_counterexample(C=4.0)
    assert [problem.loss(np.array([0.5]), t) for t in (1, 2, 3, 4)] == [2.0, -0.5, -0.5, 2.0]
    assert problem.grad(np.array([0.2]), 1)[0] == 4.0 and problem.grad(np.array([0.2]), 3)[0] == -1.0
    # a learner that never moves from +1 pays (C - 2) per period more than -1 does... twice
    still = optim.sgd(lr=0.0)
    result = problems.run_online(problem, still, 300, theta0=np.array([1.0]))
    assert result.average_regret[-1] == pytest.approx(2 * (4 - 2) / 3)
    assert np.all(result.trajectory == 1.0)
    # the projection keeps every point inside [-1, 1]
    wild = problems.run_online(problem, optim.sgd(lr=10.0), 30)
    assert wild.trajectory.min() >= -1.0 and wild.trajectory.max() <= 1.0


@pytest.mark.parametrize("call, error, words", [
    (lambda: problems.reddi_counterexample(C=2.0), ValueError, "invalid C = 2.0"),
    (lambda: problems.reddi_counterexample().grad(np.zeros(1), 0), ValueError, "invalid t = 0"),
    (lambda: problems.run_online(problems.reddi_counterexample(), optim.sgd(lr=0.1), 0), ValueError,
     "invalid steps = 0"),
])
def test_counterexample_rejects_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()
