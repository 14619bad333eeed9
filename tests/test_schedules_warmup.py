"""mlcourse.schedules.warmup_cosine: the composition it names, its end points, errors, torch.

The golden cases (torch's SequentialLR of LinearLR and CosineAnnealingLR) are checked
with every other schedule in test_schedules.py.
"""

import golden_scripts
import numpy as np
import pytest

from mlcourse import schedules as S


def test_is_linear_then_cosine_chained():
    schedule = S.warmup_cosine(0.2, warmup_steps=8, total_steps=50, start_factor=0.05, eta_min=0.01)
    chained = S.sequential([S.linear(0.2, start_factor=0.05, total_iters=8),
                            S.cosine_annealing(0.2, T_max=42, eta_min=0.01)], milestones=[8])
    t = np.arange(60)
    np.testing.assert_array_equal(schedule(t), chained(t))


def test_end_points():
    schedule = S.warmup_cosine(0.1, warmup_steps=10, total_steps=110)
    assert schedule(0) == pytest.approx(0.001, rel=1e-14)          # start_factor 0.01 by default
    assert schedule(5) == pytest.approx(0.1 * (0.01 + 0.99 * 0.5), rel=1e-14)
    assert schedule(10) == 0.1                                      # the peak, the cosine's step 0
    assert schedule(60) == pytest.approx(0.05, rel=1e-14)           # half-way down the cosine
    assert schedule(110) == pytest.approx(0.0, abs=1e-18)
    lrs = schedule(np.arange(111))
    assert np.all(np.diff(lrs[:11]) > 0) and np.all(np.diff(lrs[10:]) < 0)
    assert repr(schedule) == "warmup_cosine(lr=0.1, warmup_steps=10, total_steps=110, start_factor=0.01, eta_min=0.0)"
    assert type(schedule(3)) is float


@pytest.mark.parametrize("make, error, message", [
    (lambda: S.warmup_cosine(-1.0, 5, 10), ValueError, "invalid lr = -1.0, expected 0 <= lr"),
    (lambda: S.warmup_cosine(0.1, 0, 10), ValueError, "invalid warmup_steps = 0, expected warmup_steps >= 1"),
    (lambda: S.warmup_cosine(0.1, 5.0, 10), TypeError, "invalid warmup_steps = 5.0, expected an integer"),
    (lambda: S.warmup_cosine(0.1, 10, 10), ValueError,
     "invalid total_steps = 10, expected total_steps > warmup_steps = 10"),
    (lambda: S.warmup_cosine(0.1, 5, 10, start_factor=0.0), ValueError,
     "invalid start_factor = 0.0, expected 0 < start_factor <= 1"),
    (lambda: S.warmup_cosine(0.1, 5, 10, eta_min=-0.1), ValueError, "invalid eta_min = -0.1, expected 0 <= eta_min"),
])
def test_argument_errors_name_the_argument_and_value(make, error, message):
    with pytest.raises(error, match="^" + message):
        make()


def test_random_arguments_match_live_torch():
    pytest.importorskip("torch")
    golden = golden_scripts.load("make_golden_schedules")
    rng = np.random.default_rng(2019)
    for _ in range(10):
        total = int(rng.integers(2, 300))
        kwargs = dict(lr=float(rng.uniform(1e-4, 1)), warmup_steps=int(rng.integers(1, total)), total_steps=total,
                      start_factor=float(rng.uniform(0.001, 1)), eta_min=float(rng.choice([0.0, 1e-4])))
        theirs = np.asarray(golden.torch_lrs("warmup_cosine", kwargs, total))
        ours = S.warmup_cosine(**kwargs)(np.arange(total + 1))
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15 * theirs.max(), err_msg=str(kwargs))
