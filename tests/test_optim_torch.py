"""mlcourse.optim against live torch.optim: randomised hyperparameters, step by step.

For each optimizer, DRAWS seeded draws of hyperparameters (every flag, schedules
included), parameter shapes and dtypes; both run STEPS updates on the same gradients
and must agree at every step. The golden trajectories in test_optim.py cover the
same ground without torch.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mlcourse import optim  # noqa: E402

DRAWS, STEPS = 20, 40
SHAPES = [(), (1,), (7,), (3, 5), (2, 3, 4), (300,)]
TOLERANCE = {np.float64: 1e-10, np.float32: 1e-5}


def _betas(rng):
    return (float(rng.choice([0.0, rng.uniform(0, 0.99)])), float(rng.uniform(0.5, 0.9999)))


def _weight_decay(rng):
    return float(rng.choice([0.0, rng.uniform(0, 0.2)]))


# name -> (torch class, draw(rng) -> kwargs); kwargs use the names of both libraries.
DRAW = {
    "sgd": ("SGD", lambda rng: (lambda momentum, nesterov: {
        "lr": float(rng.uniform(0.001, 0.1)), "momentum": momentum,
        "dampening": 0.0 if nesterov else float(rng.choice([0.0, rng.uniform(0, 1)])),
        "weight_decay": _weight_decay(rng), "nesterov": nesterov,
    })(float(rng.choice([0.0, rng.uniform(0.1, 0.95)])), bool(rng.integers(2)))),
    "adam": ("Adam", lambda rng: {
        "lr": float(rng.uniform(0.001, 0.1)), "betas": _betas(rng), "eps": float(10 ** rng.uniform(-10, -2)),
        "weight_decay": _weight_decay(rng), "amsgrad": bool(rng.integers(2)),
        "decoupled_weight_decay": bool(rng.integers(2)),
    }),
    "adamw": ("AdamW", lambda rng: {
        "lr": float(rng.uniform(0.001, 0.1)), "betas": _betas(rng), "eps": float(10 ** rng.uniform(-10, -2)),
        "weight_decay": float(rng.uniform(0, 0.3)), "amsgrad": bool(rng.integers(2)),
    }),
}


def _fix(kwargs):
    """torch refuses nesterov without momentum; drop nesterov when momentum is 0."""
    if kwargs.get("nesterov") and kwargs.get("momentum") == 0:
        kwargs["nesterov"] = False
    return kwargs


def _gradient(rng, shape):
    """A smooth gradient field: curvatures 0.2..3, a centre and a bounded nonlinearity."""
    curvature, centre = rng.uniform(0.2, 3.0, shape), rng.normal(size=shape)
    return lambda theta: curvature * (theta - centre) + 0.5 * np.tanh(3 * theta)


@pytest.mark.parametrize("name", DRAW)
def test_random_hyperparameters_match_torch_step_by_step(name):
    torch_class, draw = DRAW[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    for trial in range(DRAWS):
        kwargs = _fix(draw(rng))
        shape = SHAPES[rng.integers(len(SHAPES))]
        dtype = (np.float64, np.float32)[rng.integers(2)]
        gradient = _gradient(rng, shape)
        theta = rng.normal(size=shape).astype(dtype)
        scheduled = bool(rng.integers(3) == 0)
        torch.set_default_dtype(torch.float64 if dtype == np.float64 else torch.float32)
        try:
            p = torch.tensor(theta, requires_grad=True)
            reference = getattr(torch.optim, torch_class)([p], **kwargs)
            scheduler = torch.optim.lr_scheduler.ExponentialLR(reference, gamma=0.93) if scheduled else None
            lrs = []  # torch's lr at each update, read by our schedule
            opt = getattr(optim, name)(**{**kwargs, "lr": (lambda t: lrs[t]) if scheduled else kwargs["lr"]})
            state = opt.init(theta)
            for step in range(STEPS):
                lrs.append(reference.param_groups[0]["lr"])
                g = gradient(opt.lookahead(theta, state)).astype(dtype)
                theta, state = opt.update(theta, g, state)
                p.grad = torch.tensor(np.asarray(gradient(p.detach().numpy()), dtype=dtype))
                reference.step()
                if scheduler is not None:
                    scheduler.step()
                tol = TOLERANCE[dtype]
                np.testing.assert_allclose(
                    theta, p.detach().numpy(), rtol=tol, atol=tol,
                    err_msg=f"{name}({kwargs}), shape {shape}, {dtype.__name__}, "
                            f"scheduled={scheduled}, trial {trial}, step {step}")
        finally:
            torch.set_default_dtype(torch.float32)
