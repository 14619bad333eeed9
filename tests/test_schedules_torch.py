"""mlcourse.schedules against live torch.optim.lr_scheduler, over random (seeded) arguments.

Skipped without torch. The torch side is tests/golden/make_golden_schedules.py's
``torch_lrs`` and ``torch_plateau_lrs``, the code that writes the golden file.
"""

import golden_scripts
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mlcourse import optim, schedules as S  # noqa: E402

golden = golden_scripts.load("make_golden_schedules")

STEPS = 200


def assert_matches_torch(ours, theirs):
    """As in test_schedules.py: rtol 1e-12 for torch's recursive rounding, and an
    absolute 1e-15 of the largest rate for rates that should be exactly zero."""
    theirs = np.asarray(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15 * np.abs(theirs).max())


def random_arguments(rng, name):
    """Arguments for ``mlcourse.schedules.<name>`` drawn from the ranges torch allows."""
    lr = float(rng.choice([1.0, 0.1, 3e-4]) * rng.uniform(0.5, 2))
    if name == "power":
        return dict(lr=lr, s=float(rng.uniform(0.5, 50)), c=float(rng.uniform(0, 3)))
    if name == "exponential_decay":
        return dict(lr=lr, s=float(rng.uniform(1, 100)), decay_rate=float(rng.choice([0.1, rng.uniform(0.05, 1)])))
    if name == "exponential":
        return dict(lr=lr, gamma=float(rng.uniform(0.8, 1.02)))
    if name == "step":
        return dict(lr=lr, step_size=int(rng.integers(1, 60)), gamma=float(rng.uniform(0, 1)))
    if name == "multi_step":
        milestones = rng.integers(0, STEPS + 10, size=rng.integers(0, 6)).tolist()  # repeats, any order
        return dict(lr=lr, milestones=milestones, gamma=float(rng.uniform(0.1, 1)))
    if name == "piecewise_constant":
        boundaries = sorted(set(rng.integers(1, STEPS, size=rng.integers(1, 6)).tolist()))
        gamma = float(rng.uniform(0.1, 0.9))
        return dict(boundaries=boundaries, values=[lr * gamma**k for k in range(len(boundaries) + 1)])
    if name == "linear":
        end_factor = float(rng.choice([0.0, 1.0, rng.uniform()]))
        return dict(lr=lr, start_factor=float(rng.uniform(0.01, 1)), end_factor=end_factor,
                    total_iters=int(rng.integers(1, 120)))
    if name == "cosine_annealing":
        eta_min = float(rng.choice([0.0, lr * rng.uniform(0, 0.5)]))
        return dict(lr=lr, T_max=int(rng.integers(1, 150)), eta_min=eta_min)
    if name == "one_cycle":
        total_steps = int(rng.integers(20, STEPS + 1))
        three_phase = bool(rng.integers(2))
        pct_start = float(rng.uniform(0.1, 0.45 if three_phase else 0.9))
        return dict(max_lr=lr, total_steps=total_steps, pct_start=pct_start,
                    anneal_strategy=str(rng.choice(["cos", "linear"])), div_factor=float(rng.uniform(2, 100)),
                    final_div_factor=float(10 ** rng.uniform(0, 5)), three_phase=three_phase)
    raise ValueError(name)


NAMES = ["power", "exponential_decay", "exponential", "step", "multi_step", "piecewise_constant",
         "linear", "cosine_annealing", "one_cycle"]


@pytest.mark.parametrize("name", NAMES)
def test_random_arguments_match_torch(name):
    rng = np.random.default_rng(sum(map(ord, name)))
    for _ in range(8):
        kwargs = random_arguments(rng, name)
        steps = kwargs.get("total_steps", STEPS)
        theirs = golden.torch_lrs(name, kwargs, steps)
        ours = getattr(S, name)(**kwargs)(np.arange(steps + 1))
        assert_matches_torch(ours, theirs)


def test_random_sequences_match_torch_sequential_lr():
    # Sub-schedules share the optimizer's lr, as torch's do (see sequential's docstring);
    # one_cycle is left out because torch rebases the others on max_lr / div_factor.
    rng = np.random.default_rng(7)
    for _ in range(10):
        count = int(rng.integers(1, 4))
        names = rng.choice([n for n in NAMES if n not in ("one_cycle", "piecewise_constant")], size=count)
        lr = float(rng.uniform(0.01, 1))
        parts = [(str(name), dict(random_arguments(rng, name), lr=lr)) for name in names]
        milestones = sorted(rng.choice(np.arange(1, STEPS), size=count - 1, replace=False).tolist())
        kwargs = dict(schedules=parts, milestones=milestones)
        theirs = golden.torch_lrs("sequential", kwargs, STEPS)
        ours = S.sequential([getattr(S, name)(**part) for name, part in parts], milestones)(np.arange(STEPS + 1))
        assert_matches_torch(ours, theirs)


def test_random_metrics_match_torch_reduce_lr_on_plateau():
    rng = np.random.default_rng(11)
    for trial in range(30):
        kwargs = dict(mode=str(rng.choice(["min", "max"])), factor=float(rng.uniform(0, 0.95)),
                      patience=int(rng.integers(0, 6)), threshold=float(rng.choice([0.0, 1e-4, 0.05, 0.3])),
                      threshold_mode=str(rng.choice(["rel", "abs"])), cooldown=int(rng.integers(0, 4)),
                      min_lr=float(rng.choice([0.0, 1e-3])), eps=float(rng.choice([1e-8, 1e-3])))
        metrics = golden.plateau_metrics(seed=100 + trial, count=100)
        if trial % 5 == 0:
            metrics[int(rng.integers(100))] = float("nan")
        plateau = S.reduce_on_plateau(0.1, **kwargs)
        state, ours = plateau.init(), []
        for metric in metrics:
            lr, state = plateau.update(metric, state)
            ours.append(lr)
        assert ours == golden.torch_plateau_lrs(0.1, kwargs, metrics), kwargs


def test_sgd_with_a_schedule_takes_torch_steps():
    """The contract end to end: optim.sgd(lr=schedule) follows torch.optim.SGD + scheduler.step()."""
    schedule = S.sequential([S.linear(0.05, total_iters=10), S.cosine_annealing(0.05, T_max=40)], milestones=[10])
    target = np.array([1.0, -2.0, 0.5])
    theta = np.array([3.0, 1.0, -1.0])
    opt = optim.sgd(lr=schedule, momentum=0.9)
    state = opt.init(theta)
    param = torch.nn.Parameter(torch.tensor(theta))
    torch_opt = torch.optim.SGD([param], lr=0.05, momentum=0.9)
    torch_schedule = torch.optim.lr_scheduler.SequentialLR(
        torch_opt,
        [torch.optim.lr_scheduler.LinearLR(torch_opt, total_iters=10),
         torch.optim.lr_scheduler.CosineAnnealingLR(torch_opt, T_max=40)],
        milestones=[10],
    )
    for _ in range(60):
        theta, state = opt.update(theta, 2 * (theta - target), state)
        torch_opt.zero_grad()
        ((param - torch.tensor(target)) ** 2).sum().backward()
        torch_opt.step()
        torch_schedule.step()
    np.testing.assert_allclose(theta, param.detach().numpy(), rtol=1e-12, atol=1e-14)
