"""Write tests/golden/schedules.json: learning rates from torch.optim.lr_scheduler.

Run with the project's venv (torch 2.13, CPU):  .venv/bin/python tests/golden/make_golden_schedules.py

Each case names an ``mlcourse.schedules`` factory and its arguments; this
script builds the matching torch scheduler (``torch_lrs``), records the
optimizer's ``param_groups[0]["lr"]`` before any ``scheduler.step()`` and after
each one, and stores those rates. tests/test_schedules.py compares against them
without torch; tests/test_schedules_torch.py imports ``torch_lrs`` and
``torch_plateau_lrs`` for live comparisons over random arguments.
"""

import json
import math
import warnings
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("schedules.json")


def _torch_scheduler(optimizer, name, kwargs):
    """The torch scheduler equivalent to ``mlcourse.schedules.<name>(**kwargs)``, on ``optimizer``."""
    from torch.optim import lr_scheduler as L

    kw = {key: value for key, value in kwargs.items() if key not in ("lr", "max_lr")}
    if name == "power":
        s, c = kw["s"], kw.get("c", 1)
        return L.LambdaLR(optimizer, lambda t: (1 + t / s) ** -c)
    if name == "exponential_decay":
        return L.LambdaLR(optimizer, lambda t: kw.get("decay_rate", 0.1) ** (t / kw["s"]))
    if name == "exponential":
        return L.ExponentialLR(optimizer, **kw)
    if name == "step":
        return L.StepLR(optimizer, **kw)
    if name == "multi_step":
        return L.MultiStepLR(optimizer, **kw)
    if name == "piecewise_constant":
        # torch's counterpart when the values form a geometric sequence.
        values = kw["values"]
        gamma = values[1] / values[0]
        assert all(math.isclose(b, a * gamma) for a, b in zip(values, values[1:]))
        return L.MultiStepLR(optimizer, milestones=kw["boundaries"], gamma=gamma)
    if name == "linear":
        return L.LinearLR(optimizer, **kw)
    if name == "cosine_annealing":
        return L.CosineAnnealingLR(optimizer, **kw)
    if name == "cosine_annealing_warm_restarts":
        return L.CosineAnnealingWarmRestarts(optimizer, **kw)
    if name == "warmup_cosine":
        warmup, total = kw["warmup_steps"], kw["total_steps"]
        return L.SequentialLR(optimizer, [
            L.LinearLR(optimizer, start_factor=kw.get("start_factor", 0.01), total_iters=warmup),
            L.CosineAnnealingLR(optimizer, T_max=total - warmup, eta_min=kw.get("eta_min", 0.0))],
            milestones=[warmup])
    if name == "one_cycle":
        return L.OneCycleLR(optimizer, max_lr=kwargs["max_lr"], cycle_momentum=False, **kw)
    if name == "sequential":
        schedulers = [_torch_scheduler(optimizer, sub, sub_kwargs) for sub, sub_kwargs in kw["schedules"]]
        return L.SequentialLR(optimizer, schedulers, milestones=kw["milestones"])
    raise ValueError(f"unknown schedule {name!r}")


def _initial_lr(name, kwargs):
    if name == "sequential":
        return _initial_lr(*kwargs["schedules"][0])
    if name == "piecewise_constant":
        return kwargs["values"][0]
    return kwargs["max_lr"] if name == "one_cycle" else kwargs["lr"]


def torch_lrs(name, kwargs, steps, optimizer_lr=None):
    """torch's learning rate before any ``scheduler.step()`` and after each of ``steps`` calls."""
    import torch

    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = torch.optim.SGD([param], lr=optimizer_lr or _initial_lr(name, kwargs))
    with warnings.catch_warnings():
        # "lr_scheduler.step() before optimizer.step()" cannot happen below;
        # SequentialLR's own constructor triggers harmless deprecation noise.
        warnings.simplefilter("ignore", UserWarning)
        scheduler = _torch_scheduler(optimizer, name, kwargs)
        lrs = [optimizer.param_groups[0]["lr"]]
        for _ in range(steps):
            optimizer.step()
            scheduler.step()
            lrs.append(optimizer.param_groups[0]["lr"])
    return [float(lr) for lr in lrs]


def torch_plateau_lrs(lr, kwargs, metrics):
    """The lr after each ``ReduceLROnPlateau.step(metric)``."""
    import torch

    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = torch.optim.SGD([param], lr=lr)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **kwargs)
    lrs = []
    for metric in metrics:
        scheduler.step(metric)
        lrs.append(float(optimizer.param_groups[0]["lr"]))
    return lrs


CASES = [
    # (name, kwargs, steps[, optimizer lr for torch when it differs from the first schedule's])
    ("power", dict(lr=0.1, s=10), 300),
    ("power", dict(lr=0.5, s=25, c=2), 300),
    ("power", dict(lr=0.1, s=3.5, c=0.5), 300),
    ("exponential_decay", dict(lr=0.1, s=50), 300),
    ("exponential_decay", dict(lr=1.0, s=7.5), 300),
    ("exponential_decay", dict(lr=0.1, s=40, decay_rate=0.5), 300),
    ("exponential", dict(lr=0.1, gamma=0.97), 300),
    ("exponential", dict(lr=0.05, gamma=1.01), 300),
    ("exponential", dict(lr=0.1, gamma=0.5), 300),
    ("step", dict(lr=0.1, step_size=30), 300),
    ("step", dict(lr=0.05, step_size=7, gamma=0.5), 300),
    ("step", dict(lr=1.0, step_size=1, gamma=0.9), 300),
    ("multi_step", dict(lr=0.1, milestones=[30, 80]), 300),
    ("multi_step", dict(lr=0.1, milestones=[0, 30, 30, 80], gamma=0.3), 300),
    ("multi_step", dict(lr=0.1, milestones=[200, 50, 100], gamma=0.5), 300),
    ("piecewise_constant", dict(boundaries=[5, 55], values=[0.1, 0.01, 0.001]), 300),
    ("piecewise_constant", dict(boundaries=[1, 2, 150], values=[0.2, 0.1, 0.05, 0.025]), 300),
    ("linear", dict(lr=0.1), 300),
    ("linear", dict(lr=0.05, start_factor=0.05, end_factor=1.0, total_iters=40), 300),
    ("linear", dict(lr=0.1, start_factor=1.0, end_factor=0.0, total_iters=77), 300),
    ("linear", dict(lr=0.1, start_factor=0.25, end_factor=0.75, total_iters=1), 300),
    ("cosine_annealing", dict(lr=0.1, T_max=100), 300),
    ("cosine_annealing", dict(lr=0.1, T_max=100, eta_min=0.001), 300),
    ("cosine_annealing", dict(lr=0.1, T_max=7, eta_min=0.01), 300),
    ("cosine_annealing", dict(lr=0.1, T_max=1), 300),
    ("cosine_annealing", dict(lr=0.05, T_max=250), 300),
    ("cosine_annealing_warm_restarts", dict(lr=0.1, T_0=10), 300),
    ("cosine_annealing_warm_restarts", dict(lr=0.1, T_0=10, T_mult=2, eta_min=0.001), 300),
    ("cosine_annealing_warm_restarts", dict(lr=0.5, T_0=1, T_mult=3), 300),
    ("cosine_annealing_warm_restarts", dict(lr=0.05, T_0=1), 300),
    ("cosine_annealing_warm_restarts", dict(lr=0.1, T_0=7, T_mult=5, eta_min=0.2), 300),
    ("warmup_cosine", dict(lr=0.1, warmup_steps=10, total_steps=100), 100),
    ("warmup_cosine", dict(lr=0.5, warmup_steps=1, total_steps=40, start_factor=0.2, eta_min=0.01), 40),
    ("warmup_cosine", dict(lr=3e-4, warmup_steps=50, total_steps=300, start_factor=1.0), 300),
    ("one_cycle", dict(max_lr=0.1, total_steps=100), 100),
    ("one_cycle", dict(max_lr=0.1, total_steps=100, anneal_strategy="linear"), 100),
    ("one_cycle", dict(max_lr=0.5, total_steps=300, pct_start=0.25, three_phase=True), 300),
    (
        "one_cycle",
        dict(max_lr=0.5, total_steps=57, pct_start=0.4, anneal_strategy="linear",
             div_factor=10.0, final_div_factor=100.0, three_phase=True),
        57,
    ),
    ("one_cycle", dict(max_lr=1.0, total_steps=10, pct_start=0.15), 10),
    ("sequential", dict(schedules=[("linear", dict(lr=0.1)), ("cosine_annealing", dict(lr=0.1, T_max=95))],
                        milestones=[5]), 300),
    ("sequential", dict(schedules=[("linear", dict(lr=0.1, start_factor=0.1, end_factor=0.1, total_iters=20)),
                                   ("exponential", dict(lr=0.1, gamma=0.9))], milestones=[20]), 300),
    ("sequential", dict(schedules=[("exponential", dict(lr=0.1, gamma=0.9)),
                                   ("linear", dict(lr=0.1, start_factor=0.5, total_iters=10)),
                                   ("step", dict(lr=0.1, step_size=7, gamma=0.5))], milestones=[3, 40]), 300),
    ("sequential", dict(schedules=[("cosine_annealing", dict(lr=0.1, T_max=10)),
                                   ("cosine_annealing", dict(lr=0.1, T_max=30, eta_min=0.001))],
                        milestones=[10]), 300),
    ("sequential", dict(schedules=[("multi_step", dict(lr=0.1, milestones=[2, 4])),
                                   ("exponential", dict(lr=0.1, gamma=0.9))], milestones=[0]), 300),
    # torch's OneCycleLR resets the shared base rate to max_lr / div_factor (see sequential's docstring).
    ("sequential", dict(schedules=[("linear", dict(lr=0.004)), ("one_cycle", dict(max_lr=0.1, total_steps=200))],
                        milestones=[5]), 205, 0.1),
]

PLATEAU_CASES = [
    dict(),
    dict(patience=2),
    dict(patience=0, factor=0.5),
    dict(patience=1, cooldown=3, factor=0.5),
    dict(patience=1, min_lr=0.004, factor=0.3),
    dict(mode="max", patience=2, factor=0.5),
    dict(mode="max", patience=1, threshold=0.5, threshold_mode="abs", cooldown=1),
    dict(patience=1, threshold=0.2, threshold_mode="abs"),
    dict(patience=0, factor=0.9, eps=0.005),  # cuts until a cut would be smaller than eps
]


def plateau_metrics(seed, count=120):
    """A noisy loss curve that falls, stalls, falls again: a random walk with drift."""
    rng = np.random.default_rng(seed)
    drift = np.where(np.arange(count) % 40 < 20, -0.05, 0.0)
    return (2.0 + np.cumsum(drift + rng.normal(0, 0.03, count))).tolist()


def main():
    import torch

    schedules = []
    for name, kwargs, steps, *optimizer_lr in CASES:
        lrs = torch_lrs(name, kwargs, steps, *optimizer_lr)
        schedules.append(dict(name=name, kwargs=kwargs, lr=lrs))
    plateau = []
    for seed, kwargs in enumerate(PLATEAU_CASES):
        metrics = plateau_metrics(seed)
        plateau.append(dict(lr0=0.1, kwargs=kwargs, metrics=metrics, lr=torch_plateau_lrs(0.1, kwargs, metrics)))
    data = dict(
        generated_by="tests/golden/make_golden_schedules.py (do not edit by hand)",
        torch=torch.__version__,
        schedules=schedules,
        plateau=plateau,
    )
    # One case per line keeps diffs readable; json writes floats with repr, which round-trips exactly.
    with OUT.open("w") as file:
        file.write("{\n")
        for key in ("generated_by", "torch"):
            file.write(f"  {json.dumps(key)}: {json.dumps(data[key])},\n")
        for key in ("schedules", "plateau"):
            rows = ",\n    ".join(json.dumps(case) for case in data[key])
            file.write(f"  {json.dumps(key)}: [\n    {rows}\n  ]{',' if key == 'schedules' else ''}\n")
        file.write("}\n")
    print(f"wrote {OUT} ({len(schedules)} schedules, {len(plateau)} plateau sequences)")


if __name__ == "__main__":
    main()
