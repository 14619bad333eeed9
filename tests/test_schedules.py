"""mlcourse.schedules against torch's golden values, closed forms, vectorisation and errors.

No torch needed: tests/golden/schedules.json holds torch 2.13's rates, written by
tests/golden/make_golden_schedules.py.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from mlcourse import schedules as S

GOLDEN = json.loads((Path(__file__).parent / "golden" / "schedules.json").read_text())


def build(name, kwargs):
    """The schedule a golden case describes (sequential's parts are [name, kwargs] pairs)."""
    if name == "sequential":
        kwargs = dict(kwargs, schedules=[build(*part) for part in kwargs["schedules"]])
    return getattr(S, name)(**kwargs)


def case_id(case):
    return f"{case['name']}({', '.join(f'{k}={v}' for k, v in case['kwargs'].items())})"[:90]


def assert_matches_torch(ours, theirs):
    """Agreement up to rounding.

    torch updates most rates recursively (lr <- lr * ratio at every step), so
    it drifts from the closed form by a few units in the last place per step:
    ~1e-14 relative after 300 steps, and up to ~1e-12 near cosine annealing's
    troughs, where the rate nears eta_min (see cosine_annealing's docstring). rtol=1e-12 covers
    that. The absolute term, 1e-15 of the schedule's largest rate, is for rates
    that should be exactly zero: torch's LinearLR decaying to end_factor=0 lands
    on 8.7e-19, not 0.
    """
    theirs = np.asarray(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15 * np.abs(theirs).max())


@pytest.mark.parametrize("case", GOLDEN["schedules"], ids=case_id)
def test_matches_torch_golden(case):
    schedule = build(case["name"], case["kwargs"])
    assert_matches_torch(schedule(np.arange(len(case["lr"]))), case["lr"])


def test_golden_covers_every_schedule():
    names = {case["name"] for case in GOLDEN["schedules"]}
    functions = {name for name in S.__all__ if name[0].islower() and name != "reduce_on_plateau"}
    assert names == functions
    assert GOLDEN["plateau"]


@pytest.mark.parametrize("case", GOLDEN["plateau"], ids=lambda case: str(case["kwargs"]))
def test_reduce_on_plateau_matches_torch_golden(case):
    # Exact equality: both sides do the same float operations (one multiply, one max).
    plateau = S.reduce_on_plateau(case["lr0"], **case["kwargs"])
    state, lrs = plateau.init(), []
    for metric in case["metrics"]:
        lr, state = plateau.update(metric, state)
        lrs.append(lr)
    assert lrs == case["lr"]
    assert min(lrs) < case["lr0"], "each golden sequence should cut the rate at least once"


# One schedule of every kind, for the table-driven tests below.
EXAMPLES = {
    "power": S.power(0.1, s=10, c=2),
    "exponential_decay": S.exponential_decay(0.1, s=20),
    "exponential": S.exponential(0.1, gamma=0.95),
    "step": S.step(0.1, step_size=7, gamma=0.5),
    "multi_step": S.multi_step(0.1, milestones=[3, 10, 10], gamma=0.5),
    "piecewise_constant": S.piecewise_constant([4, 9], [0.1, 0.05, 0.01]),
    "linear": S.linear(0.1, total_iters=8),
    "cosine_annealing": S.cosine_annealing(0.1, T_max=12, eta_min=0.01),
    "one_cycle": S.one_cycle(0.1, total_steps=40, three_phase=True),
    "sequential": S.sequential([S.linear(0.1), S.cosine_annealing(0.1, T_max=20)], milestones=[5]),
}


@pytest.mark.parametrize("name", EXAMPLES)
def test_array_t_equals_elementwise_scalars(name):
    schedule = EXAMPLES[name]
    t = np.arange(40).reshape(5, 8)
    lrs = schedule(t)
    assert lrs.shape == (5, 8) and lrs.dtype == np.float64
    scalars = [schedule(int(step)) for step in t.ravel()]
    assert all(type(lr) is float for lr in scalars)
    np.testing.assert_array_equal(lrs.ravel(), scalars)
    # other integer types and containers give the same numbers
    np.testing.assert_array_equal(schedule(t.astype(np.uint8)), lrs)
    np.testing.assert_array_equal(schedule(list(range(40))), lrs.ravel())
    assert schedule(np.int32(3)) == scalars[3]
    zero_d = schedule(np.array(3))
    assert isinstance(zero_d, np.ndarray) and zero_d.shape == () and zero_d == scalars[3]
    assert schedule(np.array([], dtype=int)).shape == (0,)


@pytest.mark.parametrize("name", EXAMPLES)
def test_does_not_modify_t(name):
    t = np.arange(10)
    EXAMPLES[name](t)
    np.testing.assert_array_equal(t, np.arange(10))


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize(
    "t, error, message",
    [
        (-1, ValueError, "invalid t = -1, expected t >= 0"),
        (np.array([0, 3, -2]), ValueError, "invalid t containing -2, expected t >= 0"),
        (2.0, TypeError, "invalid t = 2.0, expected an integer step count >= 0 or an array of them"),
        (True, TypeError, "invalid t = True, expected an integer step count"),
        ("3", TypeError, "invalid t = '3', expected an integer step count"),
        (None, TypeError, "invalid t = None, expected an integer step count"),
        (np.array([1.0, 2.0]), TypeError, "invalid t with dtype float64, expected integer step counts >= 0"),
        (np.array([True]), TypeError, "invalid t with dtype bool, expected integer step counts >= 0"),
    ],
)
def test_rejects_bad_t(name, t, error, message):
    with pytest.raises(error, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        EXAMPLES[name](t)


def test_one_cycle_stops_after_total_steps_like_torch():
    schedule = S.one_cycle(0.1, total_steps=40)
    schedule(40)  # torch allows total_steps calls of step()
    with pytest.raises(ValueError, match=r"^invalid t = 41, expected t <= total_steps = 40$"):
        schedule(41)
    with pytest.raises(ValueError, match=r"^invalid t containing 50, expected t <= total_steps = 40$"):
        schedule(np.array([0, 50]))
    with pytest.raises(ValueError, match="t <= total_steps = 40"):
        S.sequential([S.linear(0.1), schedule], milestones=[5])(46)


def test_repr_shows_the_call():
    assert repr(S.step(0.1, 30)) == "step(lr=0.1, step_size=30, gamma=0.1)"
    assert repr(S.sequential([S.exponential(0.1, 0.9)], [])) == (
        "sequential(schedules=[exponential(lr=0.1, gamma=0.9)], milestones=[])"
    )


# ---------------------------------------------------------------- closed forms
def test_power_closed_form():
    schedule = S.power(0.3, s=10, c=2)
    assert schedule(0) == 0.3
    assert schedule(10) == pytest.approx(0.3 / 4, rel=1e-15)
    assert schedule(20) == pytest.approx(0.3 / 9, rel=1e-15)
    assert S.power(0.3, s=10)(30) == pytest.approx(0.3 / 4, rel=1e-15)  # c = 1 by default
    assert S.power(0.3, s=10, c=0)(1000) == 0.3


def test_exponential_decay_is_tenfold_every_s_steps():
    schedule = S.exponential_decay(0.5, s=25)
    assert schedule(0) == 0.5
    np.testing.assert_allclose(schedule(np.array([25, 50, 75])), [0.05, 0.005, 0.0005], rtol=1e-14)
    # the same schedule as exponential with gamma = 0.1 ** (1 / s), up to rounding
    t = np.arange(300)
    np.testing.assert_allclose(schedule(t), S.exponential(0.5, 0.1 ** (1 / 25))(t), rtol=1e-13)


def test_exponential_decay_multiplies_by_decay_rate_every_s_steps():
    """optax's meaning: decay_rate ** (t / s); the default 0.1 is the tenfold decay above."""
    schedule = S.exponential_decay(0.4, s=10, decay_rate=0.5)
    np.testing.assert_allclose(schedule(np.array([0, 10, 20, 5])), [0.4, 0.2, 0.1, 0.4 * 0.5**0.5], rtol=1e-15)
    assert repr(schedule) == "exponential_decay(lr=0.4, s=10.0, decay_rate=0.5)"
    assert S.exponential_decay(0.4, s=10)(10) == S.exponential_decay(0.4, s=10, decay_rate=0.1)(10)


def test_exponential_step_multi_step_closed_forms():
    t = np.arange(100)
    np.testing.assert_allclose(S.exponential(0.2, 0.9)(t), 0.2 * 0.9**t, rtol=1e-15)
    assert S.exponential(0.2, 0.0)(0) == 0.2 and S.exponential(0.2, 0.0)(1) == 0.0
    np.testing.assert_allclose(S.step(0.2, 10, 0.5)(t), 0.2 * 0.5 ** (t // 10), rtol=1e-15)
    multi_step = S.multi_step(1.0, milestones=[30, 10, 30], gamma=0.5)  # order free, 30 twice
    assert [multi_step(k) for k in (0, 9, 10, 29, 30, 99)] == [1.0, 1.0, 0.5, 0.5, 0.125, 0.125]
    assert S.multi_step(1.0, [0], 0.5)(0) == 0.5  # a milestone at 0 applies at once, as in torch
    assert S.multi_step(1.0, [])(50) == 1.0


def test_piecewise_constant_switches_at_each_boundary():
    schedule = S.piecewise_constant([5, 55], [0.1, 0.001, 1e-4])
    assert [schedule(k) for k in (0, 4, 5, 54, 55, 10**9)] == [0.1, 0.1, 0.001, 0.001, 1e-4, 1e-4]
    assert S.piecewise_constant([], [0.3])(7) == 0.3
    # a geometric sequence of values is multi_step
    t = np.arange(100)
    np.testing.assert_allclose(
        S.piecewise_constant([10, 40], [0.1, 0.05, 0.025])(t), S.multi_step(0.1, [10, 40], 0.5)(t), rtol=1e-15
    )


def test_linear_warm_up_end_points():
    schedule = S.linear(0.3, start_factor=0.1, end_factor=1.0, total_iters=4)
    np.testing.assert_allclose(schedule(np.arange(7)), 0.3 * np.array([0.1, 0.325, 0.55, 0.775, 1, 1, 1]), rtol=1e-15)
    assert S.linear(0.3)(0) == pytest.approx(0.1, rel=1e-15)  # defaults: a third of lr ...
    assert S.linear(0.3)(5) == 0.3  # ... to lr in five steps


def test_cosine_annealing_closed_form_and_beyond_T_max():
    lr, eta_min, T = 0.1, 0.01, 20
    schedule = S.cosine_annealing(lr, T_max=T, eta_min=eta_min)
    assert schedule(0) == lr
    assert schedule(T // 2) == pytest.approx((lr + eta_min) / 2, rel=1e-14)
    assert schedule(T) == pytest.approx(eta_min, rel=1e-14)
    # torch does not hold eta_min after T_max: the rate rises back with period 2 T_max
    assert schedule(2 * T) == pytest.approx(lr, rel=1e-14)
    t = np.arange(3 * T)
    np.testing.assert_allclose(schedule(t + 2 * T), schedule(t), rtol=1e-13)
    np.testing.assert_allclose(schedule(T + t[:T]), schedule(T - t[:T]), rtol=1e-13)
    # to hold eta_min instead, chain a constant
    held = S.sequential([schedule, S.piecewise_constant([], [eta_min])], milestones=[T])
    np.testing.assert_array_equal(held(t[: T + 1]), schedule(t[: T + 1]))
    assert held(5 * T) == eta_min


def test_one_cycle_phases():
    N = 100
    two = S.one_cycle(1.0, total_steps=N, pct_start=0.31, div_factor=10.0, final_div_factor=100.0)
    assert two(0) == pytest.approx(0.1, rel=1e-15)  # max_lr / div_factor (torch too gets 0.09999999999999998)
    assert two(30) == 1.0  # the peak, at pct_start * N - 1
    assert two(N - 1) == pytest.approx(0.1 / 100, rel=1e-12)  # initial_lr / final_div_factor
    assert np.all(np.diff(two(np.arange(31))) > 0) and np.all(np.diff(two(np.arange(30, N))) < 0)
    three = S.one_cycle(1.0, total_steps=N, pct_start=0.31, div_factor=10.0, three_phase=True)
    assert three(30) == 1.0 and three(60) == pytest.approx(0.1, rel=1e-15)  # back to initial_lr at 2 p N - 2
    assert three(N - 1) == pytest.approx(0.1 / 1e4, rel=1e-12)
    # t = total_steps is one step past the last phase (as in torch): the cosine turns back up ...
    assert two(N) == pytest.approx(two(N - 2), rel=1e-12)
    linear = S.one_cycle(1.0, total_steps=N, pct_start=0.31, div_factor=10.0, anneal_strategy="linear")
    assert linear(N) < 0  # ... and the linear anneal overshoots below zero
    np.testing.assert_allclose(linear(np.arange(31)), 0.1 + 0.9 * np.arange(31) / 30, rtol=1e-15)


def test_sequential_restarts_each_schedule_at_its_milestone():
    warm, decay, tail = S.linear(0.1, total_iters=5), S.exponential(0.2, 0.9), S.step(0.05, 3)
    schedule = S.sequential([warm, decay, tail], milestones=[5, 12])
    t = np.arange(30)
    expected = np.where(t < 5, warm(t), np.where(t < 12, decay(np.maximum(t - 5, 0)), tail(np.maximum(t - 12, 0))))
    np.testing.assert_array_equal(schedule(t), expected)
    # a plain function of t may be chained too; a milestone 0 skips the first schedule
    assert S.sequential([warm, lambda t: 0.5 + 0 * t], milestones=[5])(7) == 0.5
    np.testing.assert_array_equal(S.sequential([warm, decay], milestones=[0])(t), decay(t))


# ---------------------------------------------------------------- reduce_on_plateau by hand
def run_plateau(metrics, lr=1.0, **kwargs):
    plateau = S.reduce_on_plateau(lr, **kwargs)
    state, lrs = plateau.init(), []
    for metric in metrics:
        lr, state = plateau.update(metric, state)
        lrs.append(lr)
    return lrs


def test_plateau_patience():
    # the first metric sets the best; then every flat one is a bad epoch
    assert run_plateau([5, 5, 5, 5, 5, 5], patience=2, factor=0.5) == [1, 1, 1, 0.5, 0.5, 0.5]
    # patience 0: cut at the first bad epoch, and at each one after
    assert run_plateau([5, 6, 4, 7, 7], patience=0, factor=0.5) == [1, 0.5, 0.5, 0.25, 0.125]
    # an improvement resets the count
    assert run_plateau([5, 6, 6, 4, 6, 6, 6], patience=2, factor=0.5) == [1, 1, 1, 1, 1, 1, 0.5]


def test_plateau_cooldown():
    # after a cut, `cooldown` updates count no bad epochs
    assert run_plateau([5] * 9, patience=1, cooldown=2, factor=0.5) == [1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    assert run_plateau([5] * 9, patience=1, cooldown=0, factor=0.5) == [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.0625]


def test_plateau_min_lr_and_eps():
    assert run_plateau([5] * 6, patience=0, factor=0.5, min_lr=0.3) == [1, 0.5, 0.3, 0.3, 0.3, 0.3]
    # a cut smaller than eps is skipped
    assert run_plateau([5] * 4, lr=0.01, patience=0, factor=0.5, eps=0.006) == [0.01] * 4
    assert run_plateau([5] * 4, lr=0.01, patience=0, factor=0.5, eps=0.004) == [0.01, 0.005, 0.005, 0.005]


def test_plateau_max_mode_and_thresholds():
    rising = [1, 2, 3, 3, 3, 4]
    assert run_plateau(rising, mode="max", patience=1, factor=0.5) == [1, 1, 1, 1, 0.5, 0.5]
    assert run_plateau(rising, mode="min", patience=1, factor=0.5) == [1, 1, 0.5, 0.5, 0.25, 0.25]
    # abs threshold: 10 -> 9.6 improves by less than 0.5, so it is a bad epoch; 9 is an improvement
    assert run_plateau([10, 9.6, 9.6, 9], patience=1, threshold=0.5, threshold_mode="abs", factor=0.5) == [1, 1, 0.5, 0.5]
    assert run_plateau([10, 9.6, 9.6, 9], patience=1, threshold=0.0, threshold_mode="abs", factor=0.5) == [1, 1, 1, 1]
    # rel threshold 10%: 10 -> 9.5 is not enough, 8.9 is
    assert run_plateau([10, 9.5, 8.9, 8.5], patience=0, threshold=0.1, factor=0.5) == [1, 0.5, 0.5, 0.25]
    assert run_plateau([1, 1.05, 1.2], mode="max", patience=0, threshold=0.1, factor=0.5) == [1, 0.5, 0.5]


def test_plateau_nan_is_a_bad_epoch_and_state_is_immutable():
    assert run_plateau([5, float("nan"), 4], patience=0, factor=0.5) == [1, 0.5, 0.5]
    plateau = S.reduce_on_plateau(0.1, patience=0)
    state = plateau.init()
    _, new_state = plateau.update(3.0, state)
    assert state == S.PlateauState(lr=0.1, best=math.inf, num_bad_epochs=0, cooldown_counter=0)
    assert new_state == S.PlateauState(lr=0.1, best=3.0, num_bad_epochs=0, cooldown_counter=0)
    assert S.reduce_on_plateau(0.1, mode="max").init().best == -math.inf
    assert plateau.update(np.float32(2.5), state)[1].best == 2.5  # NumPy scalars are metrics too
    with pytest.raises(TypeError, match=r"^invalid metric = 'low', expected a real number$"):
        plateau.update("low", state)
    with pytest.raises(TypeError, match=r"invalid metric = PlateauState\(.*\), expected a real number "
                                        r"\(the arguments are update\(metric, state\): the state comes last\)"):
        plateau.update(state, 3.0)
    with pytest.raises(TypeError, match=r"invalid state = None, expected the PlateauState"):
        plateau.update(3.0, None)


# ---------------------------------------------------------------- argument errors
ERRORS = [
    (lambda: S.power(-0.1, 10), ValueError, "invalid lr = -0.1, expected 0 <= lr"),
    (lambda: S.power(0.1, 0), ValueError, "invalid s = 0.0, expected 0 < s"),
    (lambda: S.power(0.1, 10, c=-1), ValueError, "invalid c = -1.0, expected 0 <= c"),
    (lambda: S.power("0.1", 10), TypeError, "invalid lr = '0.1', expected a real number"),
    (lambda: S.exponential_decay(0.1, -5), ValueError, "invalid s = -5.0, expected 0 < s"),
    (lambda: S.exponential_decay(0.1, 5, decay_rate=-0.5), ValueError, "invalid decay_rate = -0.5, expected 0 <= decay_rate"),
    (lambda: S.exponential(0.1, -0.5), ValueError, "invalid gamma = -0.5, expected 0 <= gamma"),
    (lambda: S.exponential(float("nan"), 0.5), ValueError, "invalid lr = nan, expected 0 <= lr"),
    (lambda: S.step(0.1, 0), ValueError, "invalid step_size = 0, expected step_size >= 1"),
    (lambda: S.step(0.1, 2.5), TypeError, "invalid step_size = 2.5, expected an integer"),
    (lambda: S.multi_step(0.1, [10, -3]), ValueError, r"invalid milestones = \[10, -3\], expected every entry >= 0"),
    (lambda: S.multi_step(0.1, [10, 2.5]), TypeError, r"invalid milestones = \[10, 2.5\], expected a list of integers"),
    (lambda: S.multi_step(0.1, 10), TypeError, "invalid milestones = 10, expected a list of integers"),
    (lambda: S.piecewise_constant([5, 5], [1, 2, 3]), ValueError,
     r"invalid boundaries = \[5, 5\], expected strictly increasing entries"),
    (lambda: S.piecewise_constant([0, 5], [1, 2, 3]), ValueError, r"invalid boundaries = \[0, 5\], expected every entry >= 1"),
    (lambda: S.piecewise_constant([5], [1, 2, 3]), ValueError,
     r"invalid values = \[1.0, 2.0, 3.0\], expected len\(values\) = len\(boundaries\) \+ 1 = 2"),
    (lambda: S.piecewise_constant([5], [1, -2]), ValueError, r"invalid values\[1\] = -2.0, expected 0 <= values\[1\]"),
    (lambda: S.piecewise_constant([5], 0.1), TypeError, "invalid values = 0.1, expected a list of learning rates"),
    (lambda: S.linear(0.1, start_factor=0), ValueError, "invalid start_factor = 0.0, expected 0 < start_factor <= 1"),
    (lambda: S.linear(0.1, end_factor=1.5), ValueError, "invalid end_factor = 1.5, expected 0 <= end_factor <= 1"),
    (lambda: S.linear(0.1, total_iters=0), ValueError, "invalid total_iters = 0, expected total_iters >= 1"),
    (lambda: S.cosine_annealing(0.1, T_max=0), ValueError, "invalid T_max = 0, expected T_max >= 1"),
    (lambda: S.cosine_annealing(0.1, T_max=10.0), TypeError, "invalid T_max = 10.0, expected an integer"),
    (lambda: S.cosine_annealing(0.1, 10, eta_min=-1e-3), ValueError, "invalid eta_min = -0.001, expected 0 <= eta_min"),
    (lambda: S.one_cycle(0.1, total_steps=1), ValueError, "invalid total_steps = 1, expected total_steps >= 2"),
    (lambda: S.one_cycle(0.1, 100, pct_start=1.2), ValueError, "invalid pct_start = 1.2, expected 0 <= pct_start <= 1"),
    (lambda: S.one_cycle(0.1, 100, anneal_strategy="cosine"), ValueError,
     "invalid anneal_strategy = 'cosine', expected one of 'cos', 'linear'"),
    (lambda: S.one_cycle(0.1, 100, div_factor=0), ValueError, "invalid div_factor = 0.0, expected 0 < div_factor"),
    (lambda: S.one_cycle(0.1, 100, final_div_factor=-1), ValueError, "invalid final_div_factor = -1.0"),
    (lambda: S.one_cycle(0.1, 100, three_phase=1), TypeError, "invalid three_phase = 1, expected True or False"),
    (lambda: S.one_cycle(0.1, 10, pct_start=0.1), ValueError,
     "invalid pct_start = 0.1 with total_steps = 10: phase 1 of 2 would span 0 steps, expected > 0"),
    (lambda: S.one_cycle(0.1, 10, pct_start=1.0), ValueError,
     "invalid pct_start = 1.0 with total_steps = 10: phase 2 of 2 would span 0 steps, expected > 0"),
    (lambda: S.one_cycle(0.1, 100, pct_start=0.6, three_phase=True), ValueError,
     "invalid pct_start = 0.6 with total_steps = 100 and three_phase = True: phase 3 of 3 would span -19 steps"),
    (lambda: S.reduce_on_plateau(0.1, mode="minimum"), ValueError, "invalid mode = 'minimum', expected one of 'min', 'max'"),
    (lambda: S.reduce_on_plateau(0.1, threshold_mode="relative"), ValueError,
     "invalid threshold_mode = 'relative', expected one of 'rel', 'abs'"),
    (lambda: S.reduce_on_plateau(0.1, factor=1.0), ValueError, "invalid factor = 1.0, expected 0 <= factor < 1"),
    (lambda: S.reduce_on_plateau(0.1, patience=-1), ValueError, "invalid patience = -1, expected patience >= 0"),
    (lambda: S.reduce_on_plateau(0.1, patience=2.0), TypeError, "invalid patience = 2.0, expected an integer"),
    (lambda: S.reduce_on_plateau(0.1, cooldown=-2), ValueError, "invalid cooldown = -2, expected cooldown >= 0"),
    (lambda: S.reduce_on_plateau(0.1, threshold=-0.1), ValueError, "invalid threshold = -0.1, expected 0 <= threshold"),
    (lambda: S.reduce_on_plateau(0.1, min_lr=-1), ValueError, "invalid min_lr = -1.0, expected 0 <= min_lr"),
    (lambda: S.reduce_on_plateau(0.1, eps=float("inf")), ValueError, "invalid eps = inf, expected 0 <= eps"),
    (lambda: S.sequential(S.linear(0.1), []), TypeError, r"invalid schedules = linear\(.*\), expected a list of schedules"),
    (lambda: S.sequential([], []), ValueError, r"invalid schedules = \[\], expected at least one schedule"),
    (lambda: S.sequential([S.linear(0.1), S.reduce_on_plateau(0.1)], [5]), TypeError,
     r"invalid schedules\[1\] = Plateau\(.*\), expected a function of the step t"),
    (lambda: S.sequential([S.linear(0.1), 0.1], [5]), TypeError, r"invalid schedules\[1\] = 0.1, expected a function"),
    (lambda: S.sequential([S.linear(0.1), S.linear(0.1)], [5, 10]), ValueError,
     r"invalid milestones = \[5, 10\], expected len\(milestones\) = len\(schedules\) - 1 = 1"),
    (lambda: S.sequential([S.linear(0.1)] * 3, [10, 5]), ValueError,
     r"invalid milestones = \[10, 5\], expected strictly increasing entries"),
]


@pytest.mark.parametrize("make, error, message", ERRORS, ids=[message[:50] for _, _, message in ERRORS])
def test_argument_errors_name_the_argument_and_value(make, error, message):
    with pytest.raises(error, match="^" + message):
        make()
