"""mlcourse.optim: torch's golden trajectories, the docstrings' rules, purity, dtypes, shapes, errors.

Nothing here imports torch: the trajectories were written by
tests/golden/make_golden_optim.py (which also holds the gradient functions,
imported below). The optimizers, their settings and their rules written by hand come
from the registry tests/optim_cases.py. Live comparisons with randomised
hyperparameters are in test_optim_torch.py.
"""

import json

import golden_scripts
import numpy as np
import optim_cases
import pytest

from mlcourse import optim

GOLDEN_DIR = golden_scripts.GOLDEN_DIR
golden_cases = golden_scripts.load("make_golden_optim")
GOLDEN = json.loads((GOLDEN_DIR / "optim.json").read_text())["cases"]
TOLERANCE = {"float64": 1e-12, "float32": 1e-6}


def make(name, kwargs, lrs=None):
    """The mlcourse optimizer of a golden case; a schedule spec becomes the recorded lrs."""
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("lr"), dict):
        kwargs["lr"] = lambda t: lrs[t]
    return getattr(optim, name)(**kwargs)


def run(opt, theta, grad, steps):
    state = opt.init(theta)
    trajectory = []
    for _ in range(steps):
        theta, state = opt.update(theta, grad(opt.lookahead(theta, state)).astype(theta.dtype), state)
        trajectory.append(theta)
    return np.array(trajectory), state


GOLDEN_PARAMS = [
    pytest.param(name, kwargs, problem, dtype, id=f"{golden_cases.case_id(name, kwargs)}-{problem}-{dtype}")
    for name, kwargs in golden_cases.CASES
    for problem in golden_cases.PROBLEMS
    for dtype in ("float64", "float32")
]


@pytest.mark.parametrize("name, kwargs, problem, dtype", GOLDEN_PARAMS)
def test_matches_torch_golden_trajectory(name, kwargs, problem, dtype):
    """30 updates reproduce torch.optim's parameters to ~1e-12 (float64) or ~1e-6 (float32)."""
    case = GOLDEN[f"{golden_cases.case_id(name, kwargs)}|{problem}|{dtype}"]
    theta0 = golden_cases.THETA0.astype(dtype)
    trajectory, state = run(make(name, kwargs, case["lr"]), theta0, golden_cases.PROBLEMS[problem],
                            len(case["trajectory"]))
    assert trajectory.dtype == np.dtype(dtype)
    assert state.step == len(case["trajectory"])
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(trajectory, np.array(case["trajectory"]), rtol=tol, atol=tol)


def test_golden_table_covers_every_optimizer():
    """Every public torch-style factory has golden cases, one with a schedule."""
    names = {name for name, _ in golden_cases.CASES}
    assert names == set(TORCH_STYLE)
    scheduled = {name for name, kwargs in golden_cases.CASES if isinstance(kwargs.get("lr"), dict)}
    assert scheduled == names


# One representative setting per optimizer for the generic properties below (the registry's).
TORCH_STYLE = {case.name: case.settings for case in optim_cases.TORCH_STYLE}
ALL = {case.name: case.settings for case in optim_cases.CASES}


def test_every_public_optimizer_is_tested():
    factories = {n for n in optim.__all__ if n[0].islower()}
    assert factories == set(ALL)


def _constant_lr_settings(case):
    """The representative settings and every golden setting with a constant lr."""
    return [case.settings] + [s for s in case.golden if not isinstance(s.get("lr"), dict)]


@pytest.mark.parametrize("case", optim_cases.CASES, ids=lambda case: case.name)
def test_update_is_the_docstring_rule(case):
    """A few general steps (every flag of the golden cases, off-centre start, float64)
    equal the docstring's rule transcribed by hand in tests/optim_cases.py."""
    for settings in _constant_lr_settings(case):
        theta0, grad = golden_cases.THETA0, golden_cases.PROBLEMS["logcosh"]
        expected = list(case.by_hand(theta0, grad, 6, **settings))
        trajectory, state = run(getattr(optim, case.name)(**settings), theta0, grad, 6)
        assert state.step == 6
        np.testing.assert_allclose(trajectory, expected, rtol=1e-13, atol=1e-15, err_msg=f"{case.name}({settings})")


def _problem(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(shape).astype(dtype)
    return theta, lambda x: (np.tanh(x) + 0.3 * x).astype(dtype)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("shape", [(3, 4), (300, 700)], ids=["one block", "many blocks"])
def test_inputs_are_never_modified(name, shape):
    """update leaves params, grads and every state buffer untouched."""
    opt = getattr(optim, name)(**ALL[name])
    theta, grad = _problem(shape, np.float64)
    state = opt.init(theta)
    for _ in range(3):  # past the first step, whose buffers are special
        theta, state = opt.update(theta, grad(theta), state)
    g = grad(theta)
    copies = [np.copy(a) for a in (theta, g, *[b for b in state if isinstance(b, np.ndarray)])]
    opt.update(theta, g, state)
    for before, after in zip(copies, (theta, g, *[b for b in state if isinstance(b, np.ndarray)])):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("dtype, expected", [(np.float32, np.float32), (np.float64, np.float64),
                                             (np.int64, np.float64), (np.float16, np.float64)])
def test_float32_stays_float32_everything_else_is_float64(name, dtype, expected):
    opt = getattr(optim, name)(**ALL[name])
    theta = np.arange(6, dtype=dtype).reshape(2, 3)
    state = opt.init(theta)
    new_theta, new_state = opt.update(theta, np.ones((2, 3), dtype), state)
    new_theta, new_state = opt.update(new_theta, np.ones((2, 3)), new_state)
    assert new_theta.dtype == expected
    assert all(b.dtype == expected for b in new_state if isinstance(b, np.ndarray))


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("shape", [(), (1,), (5,), (2, 3, 4), (0, 3), (40000,)])
def test_any_shape_gives_the_same_numbers_as_flat(name, shape):
    """Shape is irrelevant: an (n,)-shaped run gives the same numbers; scalars work too."""
    theta, grad = _problem(shape, np.float64)
    trajectory, _ = run(getattr(optim, name)(**ALL[name]), theta, grad, 4)
    flat, _ = run(getattr(optim, name)(**ALL[name]), theta.reshape(-1), grad, 4)
    assert trajectory.shape == (4, *shape)
    np.testing.assert_array_equal(trajectory.reshape(4, -1), flat)


@pytest.mark.parametrize("name", ALL)
def test_blocks_do_not_change_the_numbers(name, monkeypatch):
    """The cache-sized blocks of update are an implementation detail: any block size
    (here 7 elements, which splits the array unevenly) gives bit-identical results."""
    theta, grad = _problem((1000,), np.float32)
    whole, _ = run(getattr(optim, name)(**ALL[name]), theta, grad, 5)
    monkeypatch.setattr(optim._blocks, "BLOCK_BYTES", 7 * 4)
    blocked, _ = run(getattr(optim, name)(**ALL[name]), theta, grad, 5)
    np.testing.assert_array_equal(whole, blocked)


@pytest.mark.parametrize("name", ALL)
def test_non_contiguous_inputs(name):
    """Transposed / strided params and grads are handled like contiguous copies."""
    theta, grad = _problem((6, 4), np.float64)
    g = grad(theta)
    opt = getattr(optim, name)(**ALL[name])
    expected, _ = opt.update(np.ascontiguousarray(theta.T), np.ascontiguousarray(g.T), opt.init(theta.T))
    got, _ = opt.update(theta.T, g.T, opt.init(theta.T))
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", [*TORCH_STYLE, "momentum"])
def test_lookahead_of_torch_style_optimizers_is_params(name):
    opt = getattr(optim, name)(**ALL[name])
    theta = np.ones(3)
    assert opt.lookahead(theta, opt.init(theta)) is theta


@pytest.mark.parametrize("name", ALL)
def test_schedule_receives_the_step_count(name):
    """The schedule is called with t = 0, 1, 2, ... (the number of updates done)."""
    seen = []
    opt = getattr(optim, name)(**{**ALL[name], "lr": lambda t: seen.append(t) or 0.01})
    run(opt, np.ones(3), lambda x: x, 4)
    assert seen == [0, 1, 2, 3]


# ---------------------------------------------------------------- errors
ERRORS = [
    ("sgd", {"lr": -0.1}, ValueError, "invalid lr = -0.1, expected 0 <= lr"),
    ("sgd", {"lr": float("nan")}, ValueError, "invalid lr = nan"),
    ("sgd", {"lr": float("inf")}, ValueError, "invalid lr = inf"),
    ("sgd", {"lr": "0.1"}, TypeError, "invalid lr = '0.1', expected a real number"),
    ("sgd", {"momentum": -0.5}, ValueError, "invalid momentum = -0.5, expected 0 <= momentum"),
    ("sgd", {"weight_decay": -1}, ValueError, "invalid weight_decay = -1.0, expected 0 <= weight_decay"),
    ("sgd", {"momentum": 0.9, "dampening": 0.1, "nesterov": True}, ValueError,
     "invalid nesterov = True with momentum = 0.9 and dampening = 0.1, expected momentum > 0 and dampening = 0"),
    ("sgd", {"nesterov": True}, ValueError, "invalid nesterov = True with momentum = 0.0"),
    ("sgd", {"nesterov": "yes"}, TypeError, "invalid nesterov = 'yes', expected True or False"),
    ("adam", {"betas": (1.0, 0.999)}, ValueError, "invalid beta1 = 1.0, expected 0 <= beta1 < 1"),
    ("adam", {"betas": (0.9, -0.1)}, ValueError, "invalid beta2 = -0.1, expected 0 <= beta2 < 1"),
    ("adam", {"betas": 0.9}, TypeError, "invalid betas = 0.9, expected a pair (beta1, beta2)"),
    ("adam", {"eps": -1e-8}, ValueError, "invalid eps = -1e-08, expected 0 <= eps"),
    ("adam", {"weight_decay": -0.1}, ValueError, "invalid weight_decay = -0.1"),
    ("adam", {"amsgrad": 1}, TypeError, "invalid amsgrad = 1, expected True or False"),
    ("adamw", {"betas": (0.9, 1.5)}, ValueError, "invalid beta2 = 1.5, expected 0 <= beta2 < 1"),
    ("adamw", {"lr": -1e-3}, ValueError, "invalid lr = -0.001, expected 0 <= lr"),
    ("adamax", {"betas": (-0.1, 0.9)}, ValueError, "invalid beta1 = -0.1, expected 0 <= beta1 < 1"),
    ("adamax", {"eps": float("nan")}, ValueError, "invalid eps = nan, expected 0 <= eps"),
    ("nadam", {"momentum_decay": -0.004}, ValueError, "invalid momentum_decay = -0.004, expected 0 <= momentum_decay"),
    ("nadam", {"decoupled_weight_decay": "no"}, TypeError, "invalid decoupled_weight_decay = 'no', expected True or False"),
    ("adagrad", {"lr_decay": -0.1}, ValueError, "invalid lr_decay = -0.1, expected 0 <= lr_decay"),
    ("adagrad", {"initial_accumulator_value": -1}, ValueError,
     "invalid initial_accumulator_value = -1.0, expected 0 <= initial_accumulator_value"),
    ("adagrad", {"eps": -1.0}, ValueError, "invalid eps = -1.0, expected 0 <= eps"),
    ("rmsprop", {"alpha": 1.5}, ValueError, "invalid alpha = 1.5, expected 0 <= alpha <= 1"),
    ("rmsprop", {"alpha": -0.1}, ValueError, "invalid alpha = -0.1, expected 0 <= alpha <= 1"),
    ("rmsprop", {"momentum": -0.9}, ValueError, "invalid momentum = -0.9, expected 0 <= momentum"),
    ("rmsprop", {"centered": None}, TypeError, "invalid centered = None, expected True or False"),
    ("adadelta", {"rho": 1.01}, ValueError, "invalid rho = 1.01, expected 0 <= rho <= 1"),
    ("adadelta", {"weight_decay": float("inf")}, ValueError, "invalid weight_decay = inf"),
    ("momentum", {"lr": 0.1, "beta": 1.0}, ValueError, "invalid beta = 1.0, expected 0 <= beta < 1"),
    ("nesterov", {"lr": -0.1}, ValueError, "invalid lr = -0.1, expected 0 <= lr"),
    ("nesterov", {"lr": 0.1, "beta": -0.5}, ValueError, "invalid beta = -0.5, expected 0 <= beta < 1"),
]


@pytest.mark.parametrize("name, kwargs, error, message", ERRORS,
                         ids=[f"{n}-{next(iter(k))}-{i}" for i, (n, k, _, _) in enumerate(ERRORS)])
def test_bad_hyperparameters_are_named(name, kwargs, error, message):
    with pytest.raises(error) as info:
        getattr(optim, name)(**kwargs)
    assert message in str(info.value)


@pytest.mark.parametrize("name", ALL)
def test_bad_schedule_value_names_lr_and_step(name):
    opt = getattr(optim, name)(**{**ALL[name], "lr": lambda t: 0.1 if t < 2 else -1.0})
    with pytest.raises(ValueError, match=r"invalid lr = -1\.0, expected 0 <= lr \(returned by the lr schedule at step t = 2\)"):
        run(opt, np.ones(3), lambda x: x, 3)
    opt = getattr(optim, name)(**{**ALL[name], "lr": lambda t: None})
    with pytest.raises(TypeError, match=r"invalid lr = None, expected a real number \(.*t = 0\)"):
        run(opt, np.ones(3), lambda x: x, 1)


@pytest.mark.parametrize("name", ALL)
def test_bad_arrays_are_named(name):
    opt = getattr(optim, name)(**ALL[name])
    theta = np.ones((2, 3))
    state = opt.init(theta)
    with pytest.raises(ValueError, match=r"invalid grads with shape \(3, 2\), expected the shape of params \(2, 3\)"):
        opt.update(theta, np.ones((3, 2)), state)
    with pytest.raises(ValueError, match=r"invalid state\.\w+ with shape \(2, 3\), expected the shape of params \(4,\)"):
        opt.update(np.ones(4), np.ones(4), state)
    with pytest.raises(TypeError, match="invalid params with dtype <U1, expected a real numeric array"):
        opt.init("a")
    with pytest.raises(TypeError, match="invalid params with dtype object"):
        opt.update({"w": 1}, np.ones((2, 3)), state)
    with pytest.raises(TypeError, match="invalid grads with dtype object"):
        opt.update(theta, None, state)


def test_state_of_another_optimizer_is_refused():
    theta = np.ones(3)
    with pytest.raises(TypeError, match="invalid state of type SGDState, expected AdamState"):
        optim.adam().update(theta, theta, optim.sgd(momentum=0.9).init(theta))
    with pytest.raises(ValueError, match="invalid state with max_exp_avg_sq = None"):
        optim.adam(amsgrad=True).update(theta, theta, optim.adam().init(theta))
    with pytest.raises(ValueError, match="invalid state with momentum_buffer = None, .* momentum = 0.9"):
        optim.sgd(momentum=0.9).update(theta, theta, optim.sgd().init(theta))
    with pytest.raises(ValueError, match="invalid state without momentum_buffer or grad_avg"):
        optim.rmsprop(centered=True).update(theta, theta, optim.rmsprop().init(theta))
    with pytest.raises(TypeError, match="invalid state of type AdamState, expected NAdamState"):
        optim.nadam().update(theta, theta, optim.adamw().init(theta))
    with pytest.raises(TypeError, match="invalid state of type tuple, expected MomentumState"):
        optim.nesterov(0.1).lookahead(theta, (0, theta))


# ---------------------------------------------------------------- conventions
def test_sgd_momentum_buffer_starts_as_the_first_gradient_undampened():
    opt = optim.sgd(lr=0.1, momentum=0.9, dampening=0.5)
    g = np.array([1.0, -2.0])
    theta, state = opt.update(np.zeros(2), g, opt.init(np.zeros(2)))
    np.testing.assert_array_equal(state.momentum_buffer, g)
    np.testing.assert_array_equal(theta, -0.1 * g)
    _, state = opt.update(theta, g, state)
    np.testing.assert_allclose(state.momentum_buffer, 0.9 * g + 0.5 * g, rtol=1e-15)


def test_adam_first_step_is_lr_times_sign_thanks_to_bias_correction():
    """With eps = 0, m̂ = g and v̂ = g², so the first step is exactly -lr·sign(g)."""
    opt = optim.adam(lr=0.01, eps=0.0)
    g = np.array([3.0, -1e-3, 0.5])
    theta, _ = opt.update(np.zeros(3), g, opt.init(np.zeros(3)))
    np.testing.assert_allclose(theta, -0.01 * np.sign(g), rtol=1e-15)


def test_adamw_is_adam_with_decoupled_weight_decay_and_differs_from_l2():
    theta, grad = _problem((5,), np.float64)
    decoupled, _ = run(optim.adamw(lr=0.05, weight_decay=0.2), theta, grad, 10)
    same, _ = run(optim.adam(lr=0.05, weight_decay=0.2, decoupled_weight_decay=True), theta, grad, 10)
    l2, _ = run(optim.adam(lr=0.05, weight_decay=0.2), theta, grad, 10)
    np.testing.assert_array_equal(decoupled, same)
    assert np.max(np.abs(decoupled - l2)) > 1e-3


def test_adam_amsgrad_keeps_the_running_maximum_of_the_second_moment():
    opt = optim.adam(lr=0.1, amsgrad=True)
    theta, state, seen = np.zeros(2), opt.init(np.zeros(2)), []
    for g in ([3.0, 0.1], [0.1, 0.1], [0.2, 5.0], [0.0, 0.0]):
        theta, state = opt.update(theta, np.array(g), state)
        seen.append(state.exp_avg_sq)
    np.testing.assert_array_equal(state.max_exp_avg_sq, np.max(seen, axis=0))


def test_epsilon_placement_keeps_zero_gradients_finite():
    """eps outside the root (Adam, RMSprop, AdaGrad), inside it (Adadelta) or inside the
    max (Adamax): a zero gradient at the first step gives a zero step, never 0/0."""
    for name in TORCH_STYLE:
        opt = getattr(optim, name)()
        theta, _ = opt.update(np.ones(3), np.zeros(3), opt.init(np.ones(3)))
        decayed = {"adamw": 1 - 1e-3 * 1e-2}.get(name, 1.0)
        np.testing.assert_array_equal(theta, np.full(3, decayed), err_msg=name)


def test_adagrad_learning_rate_decays_as_lr_over_one_plus_step_minus_one_times_lr_decay():
    lr, lr_decay, s0, eps = 0.5, 0.25, 0.3, 1e-10
    opt = optim.adagrad(lr=lr, lr_decay=lr_decay, initial_accumulator_value=s0, eps=eps)
    theta, state, total = np.zeros(1), opt.init(np.zeros(1)), s0
    for t, g in enumerate([2.0, -1.0, 0.5], start=1):
        total += g * g
        expected = theta - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(total) + eps)
        theta, state = opt.update(theta, np.array([g]), state)
        np.testing.assert_allclose(theta, expected, rtol=1e-15)


def test_rmsprop_centered_first_step_divides_by_the_standard_deviation():
    """v = (1-α)g², ḡ = (1-α)g, so v - ḡ² = α(1-α)g² at the first step."""
    alpha, lr, eps = 0.9, 0.01, 1e-8
    g = np.array([2.0, -0.5])
    opt = optim.rmsprop(lr=lr, alpha=alpha, eps=eps, centered=True)
    theta, _ = opt.update(np.zeros(2), g, opt.init(np.zeros(2)))
    np.testing.assert_allclose(theta, -lr * g / (np.sqrt(alpha * (1 - alpha)) * np.abs(g) + eps), rtol=1e-14)


def test_adadelta_first_step_is_set_by_eps_inside_the_roots():
    rho, eps, lr = 0.9, 1e-6, 1.0
    g = np.array([3.0, -0.01])
    opt = optim.adadelta(lr=lr, rho=rho, eps=eps)
    theta, state = opt.update(np.zeros(2), g, opt.init(np.zeros(2)))
    delta = np.sqrt(eps) / np.sqrt((1 - rho) * g**2 + eps) * g
    np.testing.assert_allclose(theta, -lr * delta, rtol=1e-14)
    np.testing.assert_allclose(state.acc_delta, (1 - rho) * delta**2, rtol=1e-14)


def test_nadam_mu_product_is_the_product_of_the_momentum_schedule():
    beta1, psi = 0.9, 4e-3
    opt = optim.nadam(betas=(beta1, 0.999), momentum_decay=psi)
    run_state = run(opt, np.ones(3), lambda x: x, 5)[1]
    mus = [beta1 * (1 - 0.5 * 0.96 ** (t * psi)) for t in range(1, 6)]
    np.testing.assert_allclose(run_state.mu_product, np.prod(mus), rtol=1e-15)
    state32 = run(opt, np.ones(3, np.float32), lambda x: x, 5)[1]
    assert state32.mu_product.dtype == np.float32  # as torch keeps it in its default dtype


def test_adamax_uses_the_infinity_norm_with_eps_inside_the_max():
    opt = optim.adamax(lr=0.1, betas=(0.9, 0.5), eps=1e-3)
    _, state = opt.update(np.zeros(2), np.array([4.0, -1.0]), opt.init(np.zeros(2)))
    np.testing.assert_array_equal(state.exp_inf, [4.001, 1.001])
    _, state = opt.update(np.zeros(2), np.array([1.0, 3.0]), state)
    np.testing.assert_array_equal(state.exp_inf, [2.0005, 3.001])


# ---------------------------------------------------------------- textbook forms
def test_textbook_momentum_is_torch_sgd_momentum_with_velocity_minus_lr_times_buffer():
    """For a constant lr: the same θ at every step, and m = -lr·b."""
    lr, beta = 0.05, 0.9
    grad = golden_cases.PROBLEMS["logcosh"]
    theta0 = golden_cases.THETA0
    textbook, torch_form = optim.momentum(lr, beta), optim.sgd(lr=lr, momentum=beta)
    a, sa, b, sb = theta0, textbook.init(theta0), theta0, torch_form.init(theta0)
    for _ in range(60):
        a, sa = textbook.update(a, grad(textbook.lookahead(a, sa)), sa)
        b, sb = torch_form.update(b, grad(b), sb)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(sa.velocity, -lr * sb.momentum_buffer, rtol=1e-12, atol=1e-12)


def test_textbook_momentum_and_torch_momentum_differ_under_a_schedule():
    """The identity needs a constant lr: torch rescales the whole buffer by the current lr."""
    schedule = lambda t: 0.1 * 0.5**t  # noqa: E731
    grad = golden_cases.PROBLEMS["quadratic"]
    a, _ = run(optim.momentum(schedule, 0.9), golden_cases.THETA0, grad, 5)
    b, _ = run(optim.sgd(lr=schedule, momentum=0.9), golden_cases.THETA0, grad, 5)
    np.testing.assert_allclose(a[0], b[0], rtol=1e-15)  # the first step agrees
    assert np.max(np.abs(a[-1] - b[-1])) > 1e-2


def test_textbook_nesterov_lookahead_points_are_torch_nesterov_params():
    """torch's sgd(nesterov=True) holds φ = θ + βm, the point where the gradient is taken."""
    lr, beta = 0.05, 0.9
    grad = golden_cases.PROBLEMS["logcosh"]
    theta0 = golden_cases.THETA0
    textbook, torch_form = optim.nesterov(lr, beta), optim.sgd(lr=lr, momentum=beta, nesterov=True)
    theta, state, phi, torch_state = theta0, textbook.init(theta0), theta0, torch_form.init(theta0)
    for _ in range(60):
        theta, state = textbook.update(theta, grad(textbook.lookahead(theta, state)), state)
        phi, torch_state = torch_form.update(phi, grad(phi), torch_state)
        np.testing.assert_allclose(textbook.lookahead(theta, state), phi, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(state.velocity, -lr * torch_state.momentum_buffer, rtol=1e-12, atol=1e-12)
    assert np.max(np.abs(theta - phi)) > 1e-6  # the points themselves differ


def test_nesterov_lookahead_is_theta_plus_beta_m_and_differs_from_momentum():
    opt = optim.nesterov(0.1, beta=0.5)
    state = optim.MomentumState(step=3, velocity=np.array([1.0, -2.0]))
    np.testing.assert_array_equal(opt.lookahead(np.zeros(2), state), [0.5, -1.0])
    np.testing.assert_array_equal(opt.lookahead(np.zeros(2, np.float32), state).dtype, np.float32)
    a, _ = run(optim.momentum(0.1, 0.9), golden_cases.THETA0, golden_cases.PROBLEMS["logcosh"], 10)
    b, _ = run(optim.nesterov(0.1, 0.9), golden_cases.THETA0, golden_cases.PROBLEMS["logcosh"], 10)
    assert np.max(np.abs(a - b)) > 1e-3


# ---------------------------------------------------------------- outputs are new arrays
@pytest.mark.parametrize("name", ["sgd", "adam", "nesterov"])
def test_outputs_kept_alive_are_never_reused(name):
    """Arrays still referenced (here every params and state of a run, large enough to
    be cut into blocks) are never written again by later updates."""
    theta, grad = _problem((3, 50000), np.float32)  # larger than a block: cut into blocks
    opt = getattr(optim, name)(**ALL[name])
    kept, state = [], opt.init(theta)
    for _ in range(6):
        theta, state = opt.update(theta, grad(opt.lookahead(theta, state)), state)
        kept.append((theta, state, [np.copy(a) for a in (theta, *state) if isinstance(a, np.ndarray)]))
    for _ in range(6):  # more updates from a state of the middle, dropping the outputs
        opt.update(kept[2][0], grad(kept[2][0]), kept[2][1])
    for theta, state, copies in kept:
        for array, copy in zip([a for a in (theta, *state) if isinstance(a, np.ndarray)], copies):
            np.testing.assert_array_equal(array, copy)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("shape", [(3, 4), (300, 700)], ids=["one block", "many blocks"])
def test_outputs_share_no_memory_with_inputs_or_each_other(name, shape):
    """update returns new arrays, even where the rule keeps a value unchanged (SGD's
    first buffer is the gradient itself), and init's buffers are distinct arrays."""
    opt = getattr(optim, name)(**{**ALL[name], "weight_decay": 0.0} if "weight_decay" in ALL[name] else ALL[name])
    theta, grad = _problem(shape, np.float64)
    state = opt.init(theta)
    initial = [b for b in state if isinstance(b, np.ndarray)]
    for _ in range(2):
        g = grad(theta)
        new_theta, new_state = opt.update(theta, g, state)
        outputs = [new_theta, *[b for b in new_state if isinstance(b, np.ndarray)]]
        inputs = [theta, g, *[b for b in state if isinstance(b, np.ndarray)]]
        for i, output in enumerate(outputs):
            assert not any(np.shares_memory(output, other) for other in inputs + outputs[:i] + outputs[i + 1:])
        theta, state = new_theta, new_state
    assert not any(np.shares_memory(a, b) for i, a in enumerate(initial) for b in initial[i + 1:])
