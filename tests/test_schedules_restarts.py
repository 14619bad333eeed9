"""mlcourse.schedules.cosine_annealing_warm_restarts: closed form, torch, vectorisation, errors.

The golden cases (torch 2.13, written by tests/golden/make_golden_schedules.py) are
checked with every other schedule in test_schedules.py; here are the properties of
SGDR itself and, when torch is installed, random arguments against live torch.
"""

import golden_scripts
import numpy as np
import pytest

from mlcourse import schedules as S

SGDR = S.cosine_annealing_warm_restarts


def test_restarts_at_the_end_of_each_cycle():
    schedule = SGDR(0.1, T_0=10)
    t = np.arange(40)
    lrs = schedule(t)
    # back to lr at 0, 10, 20, 30 and nowhere else
    np.testing.assert_array_equal(np.flatnonzero(lrs == 0.1), [0, 10, 20, 30])
    np.testing.assert_array_equal(lrs[10:20], lrs[:10])
    # within a cycle, the cosine of cosine_annealing with T_max = T_0
    np.testing.assert_allclose(lrs[:10], S.cosine_annealing(0.1, T_max=10)(np.arange(10)), rtol=1e-14)
    # the last step of a cycle is one step short of eta_min = 0, never at it
    assert lrs[9] == pytest.approx(0.05 * (1 + np.cos(0.9 * np.pi)), rel=1e-14) and lrs[9] > 0


def test_cycles_grow_by_T_mult():
    schedule = SGDR(1.0, T_0=3, T_mult=2, eta_min=0.1)
    lrs = schedule(np.arange(3 + 6 + 12 + 24))
    # restarts at 0, 3, 3 + 6 = 9, 9 + 12 = 21, 21 + 24 = 45 (outside)
    np.testing.assert_array_equal(np.flatnonzero(lrs == 1.0), [0, 3, 9, 21])
    for start, length in [(0, 3), (3, 6), (9, 12), (21, 24)]:
        cycle = lrs[start:start + length]
        expected = 0.1 + 0.9 * (1 + np.cos(np.pi * np.arange(length) / length)) / 2
        np.testing.assert_allclose(cycle, expected, rtol=1e-14)
        assert np.all(np.diff(cycle) < 0)


def test_T_0_of_one_is_constant_and_eta_min_above_lr_rises():
    np.testing.assert_array_equal(SGDR(0.3, T_0=1)(np.arange(20)), np.full(20, 0.3))
    rising = SGDR(0.1, T_0=5, eta_min=0.2)(np.arange(5))
    assert rising[0] == 0.1 and np.all(np.diff(rising) > 0)


def test_far_steps_use_exact_integer_cycles():
    # step 2**40 - 1 with T_0 = 1, T_mult = 2: cycles 1, 2, 4, ... end at 2**k - 1, so
    # 2**40 - 1 starts a cycle exactly (a floating-point logarithm would be at risk here)
    schedule = SGDR(1.0, T_0=1, T_mult=2)
    assert schedule(2**40 - 1) == 1.0
    assert schedule(2**40 - 2) < 1.0
    assert schedule(np.array([2**40 - 1, 0])).tolist() == [1.0, 1.0]


def test_vectorised_like_every_schedule():
    schedule = SGDR(0.1, T_0=4, T_mult=3, eta_min=0.01)
    t = np.arange(60).reshape(6, 10)
    lrs = schedule(t)
    assert lrs.shape == (6, 10) and lrs.dtype == np.float64
    assert [schedule(int(k)) for k in t.ravel()] == lrs.ravel().tolist()
    assert type(schedule(3)) is float
    assert schedule(np.array([], dtype=int)).shape == (0,)
    with pytest.raises(ValueError, match=r"^invalid t = -1, expected t >= 0$"):
        schedule(-1)
    with pytest.raises(TypeError, match=r"^invalid t = 2.5, expected an integer step count"):
        schedule(2.5)
    assert repr(schedule) == "cosine_annealing_warm_restarts(lr=0.1, T_0=4, T_mult=3, eta_min=0.01)"


@pytest.mark.parametrize("make, error, message", [
    (lambda: SGDR(-0.1, 10), ValueError, "invalid lr = -0.1, expected 0 <= lr"),
    (lambda: SGDR(0.1, 0), ValueError, "invalid T_0 = 0, expected T_0 >= 1"),
    (lambda: SGDR(0.1, 10.0), TypeError, "invalid T_0 = 10.0, expected an integer"),
    (lambda: SGDR(0.1, 10, T_mult=0), ValueError, "invalid T_mult = 0, expected T_mult >= 1"),
    (lambda: SGDR(0.1, 10, T_mult=1.5), TypeError, "invalid T_mult = 1.5, expected an integer"),
    (lambda: SGDR(0.1, 10, eta_min=-1e-3), ValueError, "invalid eta_min = -0.001, expected 0 <= eta_min"),
    (lambda: SGDR(0.1, 10, eta_min=float("nan")), ValueError, "invalid eta_min = nan"),
])
def test_argument_errors_name_the_argument_and_value(make, error, message):
    with pytest.raises(error, match="^" + message):
        make()


def test_random_arguments_match_live_torch():
    pytest.importorskip("torch")
    golden = golden_scripts.load("make_golden_schedules")
    rng = np.random.default_rng(2017)
    for _ in range(12):
        lr = float(rng.choice([1.0, 0.1, 3e-4]) * rng.uniform(0.5, 2))
        kwargs = dict(lr=lr, T_0=int(rng.integers(1, 40)), T_mult=int(rng.choice([1, 1, 2, 3])),
                      eta_min=float(rng.choice([0.0, lr * rng.uniform(0, 0.5), lr * rng.uniform(1, 2)])))
        theirs = np.asarray(golden.torch_lrs("cosine_annealing_warm_restarts", kwargs, 400))
        ours = SGDR(**kwargs)(np.arange(401))
        np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=1e-16 * abs(theirs).max(), err_msg=str(kwargs))
