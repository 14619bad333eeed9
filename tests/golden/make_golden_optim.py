"""Write tests/golden/optim.json: torch.optim trajectories that mlcourse.optim must reproduce.

Run from the repository root with torch installed (torch is a test oracle only):

    .venv/bin/python tests/golden/make_golden_optim.py

The settings come from the registry tests/optim_cases.py (each case's ``golden``);
the gradient functions ``PROBLEMS`` and ``case_id`` are also imported by
tests/test_optim.py (which never imports torch).
For each case, problem and dtype the file holds the parameters after every one of
``STEPS`` updates, and the learning rate torch used at each update (for a schedule,
the value of ``torch.optim.lr_scheduler`` after ``t`` calls of ``scheduler.step()``).
Float64 runs use ``torch.set_default_dtype(torch.float64)``, so torch's own scalar
state (``step``, NAdam's ``mu_product``) is float64 as ours is; float32 runs use
torch's default float32.
"""

import json
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # tests/, when run as a script
import optim_cases  # noqa: E402

STEPS = 30
OUT = pathlib.Path(__file__).with_name("optim.json")

# Deterministic gradient functions, evaluated with NumPy in both torch's run and ours.
CURVATURE = np.linspace(0.5, 5.0, 6).reshape(2, 3)
CENTRE = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
THETA0 = np.linspace(-1.5, 2.0, 6).reshape(2, 3)
PROBLEMS = {
    # L = sum h (θ - c)² / 2: an ill-conditioned quadratic (condition number 10)
    "quadratic": lambda theta: CURVATURE * (theta - CENTRE),
    # L = sum log cosh(θ - c) + 0.05 θ²: bounded gradients, a nonlinear valley
    "logcosh": lambda theta: np.tanh(theta - CENTRE) + 0.1 * theta,
}
# (mlcourse factory name, keyword arguments); "lr" may be a schedule spec (optim_cases.STEP_LR, ...).
CASES = [(case.name, settings) for case in optim_cases.TORCH_STYLE for settings in case.golden]


def case_id(name, kwargs):
    """A readable, unique key such as ``sgd(lr=0.05,momentum=0.9)``."""
    def show(value):
        return value["schedule"] if isinstance(value, dict) else repr(value)
    return f"{name}(" + ",".join(f"{k}={show(v)}" for k, v in kwargs.items()) + ")"


def torch_trajectory(torch, name, kwargs, problem, dtype):
    """Run torch.optim for STEPS updates; return (params after each update, lr of each)."""
    kwargs = dict(kwargs)
    schedule = kwargs.pop("lr") if isinstance(kwargs.get("lr"), dict) else None
    if schedule is not None:
        kwargs["lr"] = schedule["lr"]
    theta = torch.tensor(THETA0.astype(dtype), requires_grad=True)
    optimizer = getattr(torch.optim, optim_cases.BY_NAME[name].torch_class)([theta], **kwargs)
    scheduler = None
    if schedule is not None:
        options = {k: v for k, v in schedule.items() if k not in ("schedule", "lr")}
        scheduler = getattr(torch.optim.lr_scheduler, schedule["schedule"])(optimizer, **options)
    trajectory, lrs = [], []
    for _ in range(STEPS):
        lrs.append(float(optimizer.param_groups[0]["lr"]))
        grad = PROBLEMS[problem](theta.detach().numpy()).astype(dtype)
        theta.grad = torch.from_numpy(grad)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        trajectory.append(theta.detach().numpy().astype(np.float64).tolist())
    return trajectory, lrs


def main():
    import torch

    torch.set_num_threads(1)
    golden = {"torch": torch.__version__, "steps": STEPS, "cases": {}}
    for name, kwargs in CASES:
        for problem in PROBLEMS:
            for dtype in ("float64", "float32"):
                torch.set_default_dtype(torch.float64 if dtype == "float64" else torch.float32)
                trajectory, lrs = torch_trajectory(torch, name, kwargs, problem, dtype)
                key = f"{case_id(name, kwargs)}|{problem}|{dtype}"
                golden["cases"][key] = {"lr": lrs, "trajectory": trajectory}
    torch.set_default_dtype(torch.float32)
    # one case per line: small diffs when a case is added or torch changes
    lines = [f"{json.dumps(key)}: {json.dumps(value)}" for key, value in golden["cases"].items()]
    header = f'{{"torch": {json.dumps(golden["torch"])}, "steps": {STEPS}, "cases": {{\n'
    OUT.write_text(header + ",\n".join(lines) + "\n}}\n")
    print(f"wrote {len(golden['cases'])} trajectories to {OUT}")


if __name__ == "__main__":
    main()
