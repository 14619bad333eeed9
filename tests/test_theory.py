"""mlcourse.theory: every prediction against runs of mlcourse.optim through problems.minimize."""

import math

import numpy as np
import pytest

from mlcourse import optim, problems, theory

KAPPAS = [1, 10, 100, 1000]


def bowl(kappa, angle=np.pi / 6):
    """A rotated 2-D quadratic with curvatures 1 and kappa (minimum at the origin)."""
    return problems.quadratic(condition_number=kappa, angle=angle)


def eigen(problem):
    """(curvatures, start in the eigenvector basis) of a quadratic bowl."""
    curvatures, vectors = np.linalg.eigh(problem.hessian(problem.theta0))
    return curvatures, vectors.T @ problem.theta0


def measured_steps(result, tolerance=1e-6):
    """First step at which the distance to the minimum (the origin) is below tolerance × start."""
    distance = np.linalg.norm(result.trajectory, axis=1)
    below = distance <= tolerance * distance[0]
    assert below.any(), "the run did not reach the tolerance"
    return int(np.argmax(below))


def measured_rate(result, last=200, span=100):
    """Per-step shrink factor of the distance over the last steps of a run (geometric mean)."""
    distance = np.linalg.norm(result.trajectory, axis=1)
    return (distance[-1] / distance[-1 - span]) ** (1 / span) if distance[-1] > 0 else 0.0


# --- gradient descent ----------------------------------------------------------------------

@pytest.mark.parametrize("kappa", KAPPAS)
def test_gd_optimal_step_predicts_the_measured_steps_exactly(kappa):
    problem = bowl(kappa)
    lam, _ = eigen(problem)
    tuning = theory.gd_optimal(lam[0], lam[-1])
    assert tuning.lr == pytest.approx(2 / (1 + kappa))
    assert tuning.rate == pytest.approx(theory.gd_optimal_rate(kappa)) == pytest.approx((kappa - 1) / (kappa + 1))
    assert theory.gd_rate(tuning.lr, lam) == pytest.approx(tuning.rate, abs=1e-12)
    result = problems.minimize(problem, optim.sgd(lr=tuning.lr), steps=10_000)
    assert measured_steps(result) == theory.steps_to_tolerance(tuning.rate, 1e-6)


@pytest.mark.parametrize("kappa", [2, 10, 50])
def test_gd_critical_lr_separates_convergence_from_divergence(kappa):
    problem = bowl(kappa)
    threshold = theory.gd_critical_lr(kappa)
    assert threshold == pytest.approx(2 / kappa)
    below = problems.minimize(problem, optim.sgd(lr=0.99 * threshold), steps=3000)
    above = problems.minimize(problem, optim.sgd(lr=1.01 * threshold), steps=3000)
    assert below.status == "ok" and below.losses[-1] < 1e-8 * below.losses[0]
    assert above.status == "diverged"


def test_gd_rate_is_the_measured_rate_and_broadcasts():
    problem = bowl(20)
    lam, _ = eigen(problem)
    for lr in [0.01, 0.05, 0.09]:
        result = problems.minimize(problem, optim.sgd(lr=lr), steps=400)
        assert measured_rate(result) == pytest.approx(theory.gd_rate(lr, lam), rel=1e-6)
    grid = theory.gd_rate(np.array([0.01, 0.05, 0.09]), lam)
    assert grid.shape == (3,)


# --- heavy ball ------------------------------------------------------------------------------

def test_momentum_matrix_is_one_step_of_optim_momentum():
    lr, beta, curvature = 0.3, 0.7, 2.0
    matrix = theory.momentum_matrix(lr, beta, curvature)
    opt = optim.momentum(lr=lr, beta=beta)
    theta, state = np.array([1.5]), opt.init(np.array([1.5]))
    pair = np.array([1.5, 0.0])
    for _ in range(5):
        theta, state = opt.update(theta, curvature * theta, state)
        pair = matrix @ pair
        assert pair == pytest.approx([theta[0], state.velocity[0]], rel=1e-12)
    assert np.trace(matrix) == pytest.approx(1 + beta - lr * curvature)
    assert np.linalg.det(matrix) == pytest.approx(beta)


@pytest.mark.parametrize("lr,beta", [(0.02, 0.5), (0.05, 0.9), (0.1, 0.3), (0.15, 0.95), (0.005, 0.2)])
def test_momentum_rate_is_the_spectral_radius_and_the_measured_rate(lr, beta):
    problem = bowl(20)
    lam, _ = eigen(problem)
    predicted = theory.momentum_rate(lr, beta, lam)
    radius = max(np.abs(np.linalg.eigvals(theory.momentum_matrix(lr, beta, c))).max() for c in lam)
    assert predicted == pytest.approx(radius, rel=1e-9)
    result = problems.minimize(problem, optim.momentum(lr=lr, beta=beta), steps=1500)
    # a spiralling error shrinks by sqrt(beta) per step only on average: measure over many steps
    assert measured_rate(result, span=600) == pytest.approx(predicted, rel=2e-3)


def test_momentum_rate_map_broadcasts_over_the_plane():
    lrs, betas = np.linspace(0.01, 0.2, 5)[:, None], np.linspace(0, 0.9, 4)[None, :]
    rates = theory.momentum_rate(lrs, betas, [1.0, 20.0])
    assert rates.shape == (5, 4)
    assert rates[2, 3] == pytest.approx(theory.momentum_rate(float(lrs[2, 0]), float(betas[0, 3]), [1.0, 20.0]))


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_momentum_critical_lr_separates_convergence_from_divergence(beta):
    problem = bowl(10)
    threshold = theory.momentum_critical_lr(beta, 10)
    assert threshold == pytest.approx(2 * (1 + beta) / 10)
    assert theory.momentum_rate(0.999 * threshold, beta, [1, 10]) < 1 < theory.momentum_rate(1.001 * threshold, beta,
                                                                                              [1, 10])
    below = problems.minimize(problem, optim.momentum(lr=0.98 * threshold, beta=beta), steps=4000)
    above = problems.minimize(problem, optim.momentum(lr=1.02 * threshold, beta=beta), steps=4000)
    assert below.status == "ok" and below.losses[-1] < 1e-6 * below.losses[0]
    assert above.status == "diverged"


@pytest.mark.parametrize("kappa", KAPPAS)
def test_polyak_tuning_is_optimal_and_its_exact_error_predicts_the_measured_steps(kappa):
    problem = bowl(kappa)
    lam, z0 = eigen(problem)
    tuning = theory.momentum_optimal(lam[0], lam[-1])
    root = math.sqrt(kappa)
    assert tuning.rate == pytest.approx((root - 1) / (root + 1), abs=1e-12)
    assert tuning.beta == pytest.approx(tuning.rate ** 2, abs=1e-12)
    assert tuning.lr == pytest.approx(4 / (1 + root) ** 2)
    assert theory.momentum_optimal_rate(kappa) == pytest.approx(tuning.rate, abs=1e-12)
    assert theory.momentum_rate(tuning.lr, tuning.beta, lam) == pytest.approx(tuning.rate, abs=1e-6)
    # no point of a fine grid around the optimum does better
    lrs = tuning.lr * np.linspace(0.8, 1.2, 81)[:, None]
    betas = np.clip(tuning.beta + np.linspace(-0.1, 0.1, 81)[None, :], 0, 0.999)
    assert theory.momentum_rate(lrs, betas, lam).min() >= tuning.rate - 1e-6
    # the exact error (critical damping: a factor t) predicts the steps to the step
    result = problems.minimize(problem, optim.momentum(lr=tuning.lr, beta=tuning.beta), steps=2000)
    t = np.arange(2001)
    error = np.sqrt(sum((z * theory.momentum_error(tuning.lr, tuning.beta, c, t)) ** 2 for z, c in zip(z0, lam)))
    predicted = int(np.argmax(error <= 1e-6 * np.linalg.norm(z0)))
    assert measured_steps(result) == predicted
    assert predicted >= theory.steps_to_tolerance(tuning.rate, 1e-6)  # the rate alone is a lower estimate


@pytest.mark.parametrize("lr,beta", [(0.02, 0.5), (0.3, 0.81), (0.15, 0.2), (0.5, 0.1), (0.25, 0.0)])
def test_momentum_error_is_the_trajectory_in_eigen_coordinates(lr, beta):
    problem = bowl(4)
    lam, z0 = eigen(problem)
    _, vectors = np.linalg.eigh(problem.hessian(problem.theta0))
    result = problems.minimize(problem, optim.momentum(lr=lr, beta=beta), steps=60)
    measured = result.trajectory @ vectors
    for i, curvature in enumerate(lam):
        predicted = z0[i] * theory.momentum_error(lr, beta, curvature, np.arange(61))
        assert measured[:, i] == pytest.approx(predicted, rel=1e-7, abs=1e-12)
    assert theory.momentum_error(lr, beta, lam[0], 0) == pytest.approx(1.0)


def test_momentum_error_at_critical_damping_has_the_factor_t():
    beta = 0.64
    lr = (1 - 0.8) ** 2  # a = (1 - sqrt(beta))^2 with curvature 1: a double eigenvalue 0.8
    t = np.arange(30)
    assert theory.momentum_error(lr, beta, 1.0, t) == pytest.approx((1 + 0.2 * t) * 0.8 ** t, rel=1e-9)
    assert theory.momentum_damping(lr, beta, 1.0) == "critically damped"


@pytest.mark.parametrize("beta,a,regime", [(0.5, 0.01, "overdamped"), (0.81, 0.5, "underdamped"),
                                           (0.81, 3.0, "underdamped"), (0.81, 3.7, "alternating")])
def test_momentum_damping_regimes_show_in_the_trajectory(beta, a, regime):
    # curvature 1, so a = lr; for beta = 0.81 the underdamped band is (0.1^2, 1.9^2) = (0.01, 3.61)
    assert theory.momentum_damping(a, beta, 1.0) == regime
    opt = optim.momentum(lr=a, beta=beta)
    theta, state, path = np.array([1.0]), opt.init(np.array([1.0])), [1.0]
    for _ in range(40):
        theta, state = opt.update(theta, theta, state)  # the gradient of theta^2 / 2
        path.append(theta[0])
    signs = np.sign(path)
    changes = int(np.sum(signs[1:] != signs[:-1]))
    if regime == "overdamped":
        assert changes == 0
    elif regime == "alternating":
        assert changes >= 35
    else:
        assert 1 <= changes < 35


def test_effective_lr_is_the_terminal_step_on_a_constant_slope():
    lr, beta, slope = 0.01, 0.9, np.array([2.0, -1.0])
    opt = optim.momentum(lr=lr, beta=beta)
    theta, state = np.zeros(2), opt.init(np.zeros(2))
    for _ in range(400):
        theta, state = opt.update(theta, slope, state)
    assert -state.velocity == pytest.approx(theory.effective_lr(lr, beta) * slope, rel=1e-9)
    torch_form = optim.sgd(lr=lr, momentum=beta)
    phi, torch_state = np.zeros(2), torch_form.init(np.zeros(2))
    for _ in range(400):
        phi, torch_state = torch_form.update(phi, slope, torch_state)
    assert phi == pytest.approx(theta, rel=1e-9)
    assert theory.effective_lr(0.1, 0.0) == 0.1


# --- Nesterov ---------------------------------------------------------------------------------

def test_nesterov_matrix_is_one_step_of_optim_nesterov():
    lr, beta, curvature = 0.3, 0.7, 2.0
    matrix = theory.nesterov_matrix(lr, beta, curvature)
    problem_grad = lambda theta: curvature * theta  # noqa: E731
    opt = optim.nesterov(lr=lr, beta=beta)
    theta, state = np.array([1.5]), opt.init(np.array([1.5]))
    pair = np.array([1.5, 0.0])
    for _ in range(5):
        theta, state = opt.update(theta, problem_grad(opt.lookahead(theta, state)), state)
        pair = matrix @ pair
        assert pair == pytest.approx([theta[0], state.velocity[0]], rel=1e-12)


@pytest.mark.parametrize("lr,beta", [(0.02, 0.5), (0.05, 0.9), (0.08, 0.3), (0.005, 0.95)])
def test_nesterov_rate_is_the_measured_rate(lr, beta):
    problem = bowl(20)
    lam, _ = eigen(problem)
    predicted = theory.nesterov_rate(lr, beta, lam)
    radius = max(np.abs(np.linalg.eigvals(theory.nesterov_matrix(lr, beta, c))).max() for c in lam)
    assert predicted == pytest.approx(radius, rel=1e-9)
    result = problems.minimize(problem, optim.nesterov(lr=lr, beta=beta), steps=1500)
    assert measured_rate(result, span=600) == pytest.approx(predicted, rel=2e-3)


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.95])
def test_nesterov_critical_lr_separates_convergence_from_divergence(beta):
    problem = bowl(10)
    threshold = theory.nesterov_critical_lr(beta, 10)
    assert threshold == pytest.approx(2 * (1 + beta) / ((1 + 2 * beta) * 10))
    below = problems.minimize(problem, optim.nesterov(lr=0.98 * threshold, beta=beta), steps=4000)
    above = problems.minimize(problem, optim.nesterov(lr=1.02 * threshold, beta=beta), steps=4000)
    assert below.status == "ok" and below.losses[-1] < 1e-6 * below.losses[0]
    assert above.status == "diverged"


@pytest.mark.parametrize("kappa", [10, 100, 1000])
def test_nesterov_tunings_give_their_rates(kappa):
    problem = bowl(kappa)
    lam, z0 = eigen(problem)
    best = theory.nesterov_optimal(lam[0], lam[-1])
    assert best.rate == pytest.approx(1 - 2 / math.sqrt(3 * kappa + 1), abs=1e-12)
    assert theory.nesterov_rate(best.lr, best.beta, lam) == pytest.approx(best.rate, abs=1e-6)
    lrs = best.lr * np.linspace(0.8, 1.2, 81)[:, None]
    betas = np.clip(best.beta + np.linspace(-0.1, 0.1, 81)[None, :], 0, 0.999)
    assert theory.nesterov_rate(lrs, betas, lam).min() >= best.rate - 1e-6
    assert best.rate > theory.momentum_optimal_rate(kappa)  # on quadratics the heavy ball is faster
    standard = theory.nesterov_strongly_convex(lam[0], lam[-1])
    assert theory.nesterov_rate(standard.lr, standard.beta, lam) == pytest.approx(standard.rate, abs=1e-6)
    for tuning in (best, standard):
        result = problems.minimize(problem, optim.nesterov(lr=tuning.lr, beta=tuning.beta), steps=3000)
        t = np.arange(3001)
        error = np.sqrt(sum((z * theory.nesterov_error(tuning.lr, tuning.beta, c, t)) ** 2 for z, c in zip(z0, lam)))
        assert measured_steps(result) == int(np.argmax(error <= 1e-6 * np.linalg.norm(z0)))


def test_nesterov_strongly_convex_guarantee_holds_on_a_non_quadratic():
    f = problems.lessard_counterexample()
    smallest, largest = f.curvature_range
    tuning = theory.nesterov_strongly_convex(smallest, largest)
    for start in [3.3, -2.0, 10.0, 1.5]:
        result = problems.minimize(f, optim.nesterov(lr=tuning.lr, beta=tuning.beta), steps=200, theta0=[start])
        bound = tuning.rate ** np.arange(201) * (result.losses[0] + smallest / 2 * start ** 2)
        assert np.all(result.losses <= bound * (1 + 1e-12) + 1e-300)


# --- predictions from rates, noise -------------------------------------------------------------

def test_steps_to_tolerance():
    assert theory.steps_to_tolerance(0.5, 0.25) == 2       # an exact power: no extra step
    assert theory.steps_to_tolerance(0.5, 0.2) == 3
    assert theory.steps_to_tolerance(0.0, 1e-6) == 1
    assert theory.steps_to_tolerance(0.9, 1.0) == 0
    assert 0.9 ** theory.steps_to_tolerance(0.9, 1e-6) <= 1e-6 < 0.9 ** (theory.steps_to_tolerance(0.9, 1e-6) - 1)


@pytest.mark.parametrize("lr,beta,nesterov", [(0.05, 0.0, False), (0.005, 0.9, False), (0.01, 0.5, False),
                                              (0.005, 0.9, True)])
def test_noise_floor_is_the_measured_stationary_excess_loss(lr, beta, nesterov):
    problem = bowl(10)
    lam, _ = eigen(problem)
    chains = np.zeros((400, 2))  # 400 independent runs at once: the optimizers take any shape
    opt = (optim.nesterov if nesterov else optim.momentum)(lr=lr, beta=beta)
    state, rng, losses = opt.init(chains), np.random.default_rng(3), []
    for t in range(3000):
        point = opt.lookahead(chains, state)
        chains, state = opt.update(chains, problem.grad(point) + rng.standard_normal(chains.shape), state)
        if t >= 2000:  # past the transient (the slowest rate here is at most 0.995 per step)
            losses.append(problem.loss(chains).mean())
    assert np.mean(losses) == pytest.approx(theory.noise_floor(lr, beta, lam, 1.0, nesterov=nesterov), rel=0.05)


def test_noise_floor_at_matched_effective_lr_is_about_sgds():
    lam = [1.0, 10.0]
    sgd_floor = theory.noise_floor(0.01, 0.0, lam, 1.0)
    momentum_floor = theory.noise_floor(0.001, 0.9, lam, 1.0)  # same eta / (1 - beta)
    assert momentum_floor == pytest.approx(sgd_floor, rel=0.1)
    assert theory.noise_floor(0.3, 0.0, lam, 1.0) == math.inf  # past 2 / lambda_max


# --- smooth convex, not strongly convex --------------------------------------------------------

def test_nesterov_convex_momentum_is_beck_and_teboulles_sequence():
    betas = theory.nesterov_convex_momentum(200)
    assert betas.shape == (200,)
    assert betas[0] == betas[1] == 0
    assert betas[2] == pytest.approx((1.618033988749895 - 1) / ((1 + math.sqrt(1 + 4 * 1.618033988749895 ** 2)) / 2))
    assert np.all(np.diff(betas) >= 0) and np.all(betas < 1)
    assert 1 - betas[-1] == pytest.approx(3 / 200, rel=0.05)


def test_logistic_smoothness_is_the_curvature_at_zero():
    problem = problems.logistic_regression("breast_cancer")
    h, dim = 1e-5, problem.theta0.size
    columns = [(problem.grad(h * e) - problem.grad(-h * e)) / (2 * h) for e in np.eye(dim)]
    assert theory.logistic_smoothness(problem.X) == pytest.approx(np.linalg.eigvalsh(np.array(columns)).max(),
                                                                   rel=1e-6)


def test_logistic_hessian_is_the_derivative_of_the_gradient():
    X, y = problems.load_dataset("breast_cancer")
    problem = problems.logistic_regression((X[:, :5], y))
    theta = np.random.default_rng(0).normal(size=6)
    h = 1e-6
    columns = [(problem.grad(theta + h * e) - problem.grad(theta - h * e)) / (2 * h) for e in np.eye(6)]
    assert theory.logistic_hessian(X[:, :5], theta) == pytest.approx(np.array(columns), rel=1e-5, abs=1e-8)
    assert np.linalg.eigvalsh(theory.logistic_hessian(X[:, :5], np.zeros(6))).max() == pytest.approx(
        theory.logistic_smoothness(X[:, :5]))
    with pytest.raises(ValueError, match=r"invalid theta with shape \(5,\), expected shape \(6,\)"):
        theory.logistic_hessian(X[:, :5], np.zeros(5))


def test_convex_bounds_hold_on_logistic_regression():
    from sklearn.linear_model import LogisticRegression

    X, y = problems.load_dataset("breast_cancer")
    X = X[:, :10]  # the ten "mean" features: not separable, so a minimiser exists
    problem = problems.logistic_regression((X, y))
    fit = LogisticRegression(C=np.inf, solver="newton-cg", tol=1e-12, max_iter=1000).fit(X, y)
    star = np.concatenate([fit.coef_.ravel(), fit.intercept_])
    assert np.linalg.norm(problem.grad(star)) < 1e-9
    loss_star, distance = problem.loss(star), float(np.linalg.norm(problem.theta0 - star))
    largest, steps = theory.logistic_smoothness(X), 1000
    theta, state = problem.theta0, optim.nesterov(lr=1 / largest).init(problem.theta0)
    nag_losses = [problem.loss(theta)]
    for beta in theory.nesterov_convex_momentum(steps):
        opt = optim.nesterov(lr=1 / largest, beta=float(beta))
        theta, state = opt.update(theta, problem.grad(opt.lookahead(theta, state)), state)
        nag_losses.append(problem.loss(theta))
    gd = problems.minimize(problem, optim.sgd(lr=1 / largest), steps=steps)
    t = np.arange(1, steps + 1)
    gd_gap, nag_gap = gd.losses[1:] - loss_star, np.array(nag_losses[1:]) - loss_star
    assert np.all(gd_gap <= theory.gd_convex_bound(largest, distance, t))
    assert np.all(nag_gap <= theory.nesterov_convex_bound(largest, distance, t))
    assert nag_gap[-1] < 0.1 * gd_gap[-1]


# --- the counterexample ------------------------------------------------------------------------

def test_lessard_counterexample_is_smooth_strongly_convex_with_the_stated_constants():
    f = problems.lessard_counterexample()
    x = np.linspace(-3, 4, 7001)[:, None]
    slope = f.grad(x)[:, 0]
    h = 1e-6
    numeric = (f.loss(x + h) - f.loss(x - h)) / (2 * h)
    assert slope == pytest.approx(numeric, rel=1e-6, abs=1e-5)
    assert np.all(np.diff(slope) > 0)                      # convex: the slope increases
    second = f.hessian(x)[:, 0, 0]
    assert set(np.unique(second)) == {1.0, 25.0} and f.curvature_range == (1.0, 25.0)
    assert f.loss(np.array([0.0])) == 0.0 and np.all(f.loss(x) >= 0)
    with pytest.raises(ValueError, match=r"invalid theta with shape \(2,\)"):
        f.loss(np.zeros(2))


def test_heavy_ball_cycles_on_the_counterexample_while_gd_and_nesterov_converge():
    f = problems.lessard_counterexample()
    smallest, largest = f.curvature_range
    polyak = theory.momentum_optimal(smallest, largest)
    assert (polyak.lr, polyak.beta) == (pytest.approx(1 / 9), pytest.approx(4 / 9))
    for start in [3.07, 3.3, 3.46]:
        heavy = problems.minimize(f, optim.momentum(lr=polyak.lr, beta=polyak.beta), steps=600, theta0=[start])
        tail = heavy.trajectory[-6:, 0]
        assert tail[:3] == pytest.approx(tail[3:], abs=1e-9)              # period three
        assert np.abs(tail).min() > 0.5 and heavy.losses[-1] > 1          # far from the minimum
    gd = problems.minimize(f, optim.sgd(lr=theory.gd_optimal(smallest, largest).lr), steps=600)
    nag = theory.nesterov_optimal(smallest, largest)
    nesterov = problems.minimize(f, optim.nesterov(lr=nag.lr, beta=nag.beta), steps=600)
    assert gd.losses[-1] < 1e-20 and nesterov.losses[-1] < 1e-20


# --- argument errors ----------------------------------------------------------------------------

@pytest.mark.parametrize("call,message", [
    (lambda: theory.gd_rate(-0.1, [1, 2]), r"invalid lr = -0\.1, expected 0 < lr"),
    (lambda: theory.gd_rate(0.1, [1, -2]), r"invalid curvatures = -2\.0"),
    (lambda: theory.gd_rate(0.1, []), r"invalid curvatures with shape \(0,\)"),
    (lambda: theory.gd_critical_lr(0), r"invalid largest = 0\.0"),
    (lambda: theory.gd_optimal(5, 1), r"invalid largest = 1\.0, expected largest >= smallest = 5\.0"),
    (lambda: theory.gd_optimal_rate(0.5), r"invalid condition_number = 0\.5, expected 1 <= condition_number"),
    (lambda: theory.momentum_rate(0.1, 1.0, [1]), r"invalid beta = 1\.0, expected 0 <= beta < 1"),
    (lambda: theory.momentum_rate(np.array([0.1, np.nan]), 0.5, [1]), r"invalid lr = nan"),
    (lambda: theory.momentum_matrix(0.1, 0.5, 0), r"invalid curvature = 0\.0"),
    (lambda: theory.momentum_error(0.1, 0.5, 1, -1), r"invalid steps = -1"),
    (lambda: theory.momentum_error(0.1, 0.5, 1, np.array([1.5])), r"invalid steps = array"),
    (lambda: theory.effective_lr(0.1, -0.1), r"invalid beta = -0\.1"),
    (lambda: theory.nesterov_critical_lr(0.5, -1), r"invalid largest = -1\.0"),
    (lambda: theory.steps_to_tolerance(1.0, 0.1), r"invalid rate = 1\.0, expected 0 <= rate < 1"),
    (lambda: theory.steps_to_tolerance(0.5, 0), r"invalid tolerance = 0\.0"),
    (lambda: theory.noise_floor(0.1, 0.5, [1], -1), r"invalid noise_std = -1\.0"),
    (lambda: theory.nesterov_convex_momentum(-3), r"invalid steps = -3"),
    (lambda: theory.gd_convex_bound(1, 1, 0), r"invalid steps = 0\.0, expected 1 <= steps"),
    (lambda: theory.logistic_smoothness(np.zeros(3)), r"invalid X with shape \(3,\)"),
])
def test_bad_arguments_are_named_with_their_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_bad_types_are_named():
    with pytest.raises(TypeError, match=r"invalid lr = 'fast'"):
        theory.gd_rate("fast", [1.0])
    with pytest.raises(TypeError, match=r"invalid curvatures with dtype"):
        theory.gd_rate(0.1, np.array(["a"]))
