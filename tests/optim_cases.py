"""The one registry of mlcourse.optim's optimizers, for the tests and the benchmark.

Each optimizer is one :class:`Case`: its torch class, representative settings, the
settings of its golden trajectories, how to draw random settings, what the benchmark
times, and its docstring's rule transcribed by hand. tests/golden/make_golden_optim.py,
tests/test_optim.py, tests/test_optim_torch.py and benchmarks/optim.py all read
``CASES``: adding an optimizer to mlcourse.optim means adding one Case here.

The transcriptions (``by_hand``) are deliberately naive: a loop over the steps with
the docstring's lines in plain NumPy, in the docstring's own order of operations, with
no helper of mlcourse; test_optim.py checks that the optimizer follows them.
"""

from typing import Callable, NamedTuple

import numpy as np

# Golden cases may give "lr" as a schedule spec: tests/golden/make_golden_optim.py runs
# the named torch.optim.lr_scheduler, and the recorded rates become our schedule.
STEP_LR = {"schedule": "StepLR", "lr": 0.1, "step_size": 7, "gamma": 0.5}
COSINE_LR = {"schedule": "CosineAnnealingLR", "lr": 0.05, "T_max": 20}


class Case(NamedTuple):
    name: str  # the factory in mlcourse.optim
    torch_class: str  # the torch.optim class it reproduces (textbook forms: the one proved equivalent)
    settings: dict  # representative settings, with most branches of the rule taken
    by_hand: Callable  # (theta0, grad, steps, **settings) -> the iterates, the docstring's rule by hand
    golden: tuple = ()  # settings of torch's golden trajectories (torch-style optimizers)
    draw: Callable | None = None  # rng -> random settings valid for both libraries (live torch tests)
    timed: tuple = ()  # (label, settings) pairs that benchmarks/optim.py times against torch
    to_torch: Callable = dict  # our settings -> the keyword arguments of torch_class

    @property
    def torch_style(self):
        """Whether the factory is torch's class itself (same names, defaults and values)."""
        return self.draw is not None


# ------------------------------------------------------------------ random draws
def _lr(rng, low=0.001, high=0.1):
    return float(rng.uniform(low, high))


def _betas(rng):
    return (float(rng.choice([0.0, rng.uniform(0, 0.99)])), float(rng.uniform(0.5, 0.9999)))


def _weight_decay(rng):
    return float(rng.choice([0.0, rng.uniform(0, 0.2)]))


def _eps(rng, low=-10, high=-2):
    return float(10 ** rng.uniform(low, high))


def _flag(rng):
    return bool(rng.integers(2))


def _draw_sgd(rng):
    momentum = float(rng.choice([0.0, rng.uniform(0.1, 0.95)]))
    nesterov = bool(momentum > 0 and rng.integers(2))  # torch refuses nesterov without momentum
    return {"lr": _lr(rng), "momentum": momentum,
            "dampening": 0.0 if nesterov else float(rng.choice([0.0, rng.uniform(0, 1)])),
            "weight_decay": _weight_decay(rng), "nesterov": nesterov}


def _draw_adam(rng):
    return {"lr": _lr(rng), "betas": _betas(rng), "eps": _eps(rng), "weight_decay": _weight_decay(rng),
            "amsgrad": _flag(rng), "decoupled_weight_decay": _flag(rng)}


def _draw_adamw(rng):
    return {"lr": _lr(rng), "betas": _betas(rng), "eps": _eps(rng),
            "weight_decay": float(rng.uniform(0, 0.3)), "amsgrad": _flag(rng)}


def _draw_adamax(rng):
    return {"lr": _lr(rng), "betas": _betas(rng), "eps": _eps(rng), "weight_decay": _weight_decay(rng)}


def _draw_nadam(rng):
    return {"lr": _lr(rng), "betas": _betas(rng), "eps": _eps(rng), "weight_decay": _weight_decay(rng),
            "momentum_decay": float(rng.choice([4e-3, rng.uniform(0, 0.5)])),
            "decoupled_weight_decay": _flag(rng)}


def _draw_adagrad(rng):
    return {"lr": _lr(rng, 0.01, 0.5), "lr_decay": float(rng.choice([0.0, rng.uniform(0, 0.2)])),
            "weight_decay": _weight_decay(rng), "eps": _eps(rng),
            "initial_accumulator_value": float(rng.choice([0.0, rng.uniform(0, 1)]))}


def _draw_rmsprop(rng):
    return {"lr": _lr(rng, 0.001, 0.05), "alpha": float(rng.uniform(0.5, 0.999)), "eps": _eps(rng, -8),
            "weight_decay": _weight_decay(rng), "momentum": float(rng.choice([0.0, rng.uniform(0, 0.9)])),
            "centered": _flag(rng)}


def _draw_adadelta(rng):
    return {"lr": _lr(rng, 0.1, 2.0), "rho": float(rng.uniform(0.5, 0.99)), "eps": _eps(rng, -8, -3),
            "weight_decay": _weight_decay(rng)}


# ------------------------------------------------------------------ the docstrings' rules, by hand
# Each yields θ_1, θ_2, ..., θ_steps from θ_0 = theta, calling grad(point) once per step.
def _adam_weight_decay(theta, g, lr, weight_decay, decoupled):
    """Adam's and NAdam's first line: θ ← θ(1 - ηλ) if decoupled, else g ← g + λθ; returns (θ, g)."""
    if decoupled:
        return theta * (1 - lr * weight_decay), g
    return theta, g + weight_decay * theta


def sgd_by_hand(theta, grad, steps, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    b = None
    for t in range(1, steps + 1):
        g = grad(theta)
        if weight_decay != 0:
            g = g + weight_decay * theta
        if momentum != 0:
            b = g if t == 1 else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        theta = theta - lr * g
        yield theta


def adam_by_hand(theta, grad, steps, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                 decoupled_weight_decay=False):
    (beta1, beta2), m, v, v_max = betas, 0 * theta, 0 * theta, 0 * theta
    for t in range(1, steps + 1):
        theta, g = _adam_weight_decay(theta, grad(theta), lr, weight_decay, decoupled_weight_decay)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        if amsgrad:
            v_max = np.maximum(v_max, v)
        v_denominator = v_max if amsgrad else v
        theta = theta - lr / (1 - beta1**t) * m / (np.sqrt(v_denominator) / np.sqrt(1 - beta2**t) + eps)
        yield theta


def adamw_by_hand(theta, grad, steps, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
    return adam_by_hand(theta, grad, steps, lr, betas, eps, weight_decay, amsgrad, decoupled_weight_decay=True)


def adamax_by_hand(theta, grad, steps, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    (beta1, beta2), m, u = betas, 0 * theta, 0 * theta
    for t in range(1, steps + 1):
        g = grad(theta) + weight_decay * theta
        m = beta1 * m + (1 - beta1) * g
        u = np.maximum(beta2 * u, np.abs(g) + eps)
        theta = theta - lr / (1 - beta1**t) * m / u
        yield theta


def nadam_by_hand(theta, grad, steps, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                  momentum_decay=4e-3, decoupled_weight_decay=False):
    (beta1, beta2), m, v, product = betas, 0 * theta, 0 * theta, 1.0
    for t in range(1, steps + 1):
        theta, g = _adam_weight_decay(theta, grad(theta), lr, weight_decay, decoupled_weight_decay)
        mu, mu_next = (beta1 * (1 - 0.5 * 0.96 ** (k * momentum_decay)) for k in (t, t + 1))
        product = product * mu
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = (1 - mu) * g / (1 - product) + mu_next * m / (1 - product * mu_next)
        v_hat = v / (1 - beta2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        yield theta


def adagrad_by_hand(theta, grad, steps, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                    eps=1e-10):
    s = np.full_like(theta, initial_accumulator_value)
    for t in range(1, steps + 1):
        g = grad(theta) + weight_decay * theta
        eta = lr / (1 + (t - 1) * lr_decay)
        s = s + g**2
        theta = theta - eta * g / (np.sqrt(s) + eps)
        yield theta


def rmsprop_by_hand(theta, grad, steps, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                    centered=False):
    v, b, g_bar = 0 * theta, 0 * theta, 0 * theta
    for _ in range(steps):
        g = grad(theta) + weight_decay * theta
        v = alpha * v + (1 - alpha) * g**2
        v_tilde = v
        if centered:
            g_bar = alpha * g_bar + (1 - alpha) * g
            v_tilde = v - g_bar**2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (np.sqrt(v_tilde) + eps)
        yield theta


def adadelta_by_hand(theta, grad, steps, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    v, u = 0 * theta, 0 * theta
    for _ in range(steps):
        g = grad(theta) + weight_decay * theta
        v = rho * v + (1 - rho) * g**2
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta**2
        theta = theta - lr * delta
        yield theta


def momentum_by_hand(theta, grad, steps, lr, beta=0.9):
    m = 0 * theta
    for _ in range(steps):
        m = beta * m - lr * grad(theta)
        theta = theta + m
        yield theta


def nesterov_by_hand(theta, grad, steps, lr, beta=0.9):
    m = 0 * theta
    for _ in range(steps):
        m = beta * m - lr * grad(theta + beta * m)
        theta = theta + m
        yield theta


def _sgd_with_momentum(nesterov):
    def to_torch(settings):
        return {"lr": settings["lr"], "momentum": settings.get("beta", 0.9), "nesterov": nesterov}
    return to_torch


CASES = [
    Case("sgd", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}, sgd_by_hand,
         golden=({"lr": 0.05},
                 {"lr": 0.05, "momentum": 0.9},
                 {"lr": 0.03, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.1},
                 {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
                 {"lr": STEP_LR, "momentum": 0.9}),
         draw=_draw_sgd,
         timed=(("sgd", {"lr": 1e-3}), ("sgd momentum", {"lr": 1e-3, "momentum": 0.9}),
                ("sgd nesterov", {"lr": 1e-3, "momentum": 0.9, "nesterov": True}))),
    Case("adam", "Adam", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1}, adam_by_hand,
         golden=({"lr": 0.1},
                 {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
                 {"lr": 0.05, "amsgrad": True},
                 {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
                 {"lr": COSINE_LR, "amsgrad": True, "weight_decay": 0.05}),
         draw=_draw_adam,
         timed=(("adam", {}), ("adam amsgrad", {"amsgrad": True}))),
    Case("adamw", "AdamW", {"lr": 0.1, "amsgrad": True}, adamw_by_hand,
         golden=({"lr": 0.05},
                 {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True},
                 {"lr": STEP_LR, "betas": (0.5, 0.9)}),
         draw=_draw_adamw,
         timed=(("adamw", {}),)),
    Case("adamax", "Adamax", {"lr": 0.1, "weight_decay": 0.1}, adamax_by_hand,
         golden=({"lr": 0.05},
                 {"lr": 0.1, "betas": (0.8, 0.95), "eps": 1e-4, "weight_decay": 0.1},
                 {"lr": COSINE_LR}),
         draw=_draw_adamax,
         timed=(("adamax", {}),)),
    Case("nadam", "NAdam", {"lr": 0.1, "weight_decay": 0.1, "decoupled_weight_decay": True}, nadam_by_hand,
         golden=({"lr": 0.05},
                 {"lr": 0.05, "betas": (0.8, 0.99), "momentum_decay": 0.05, "weight_decay": 0.1},
                 {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
                 {"lr": STEP_LR, "eps": 1e-3}),
         draw=_draw_nadam,
         timed=(("nadam", {}),)),
    Case("adagrad", "Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.1},
         adagrad_by_hand,
         golden=({"lr": 0.3},
                 {"lr": 0.3, "lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.1},
                 {"lr": COSINE_LR, "eps": 1e-3}),
         draw=_draw_adagrad,
         timed=(("adagrad", {}),)),
    Case("rmsprop", "RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1}, rmsprop_by_hand,
         golden=({"lr": 0.01},
                 {"lr": 0.01, "alpha": 0.9, "centered": True, "weight_decay": 0.05},
                 {"lr": 0.005, "momentum": 0.9, "eps": 1e-4},
                 {"lr": STEP_LR, "alpha": 0.95, "momentum": 0.5, "centered": True}),
         draw=_draw_rmsprop,
         timed=(("rmsprop", {}), ("rmsprop centered+mom", {"centered": True, "momentum": 0.9}))),
    Case("adadelta", "Adadelta", {"lr": 0.5, "weight_decay": 0.1}, adadelta_by_hand,
         golden=({},
                 {"lr": 0.5, "rho": 0.95, "eps": 1e-4, "weight_decay": 0.1},
                 {"lr": COSINE_LR, "rho": 0.5}),
         draw=_draw_adadelta,
         timed=(("adadelta", {}),)),
    Case("momentum", "SGD", {"lr": 0.1, "beta": 0.9}, momentum_by_hand,
         timed=(("momentum (textbook)", {"lr": 1e-3, "beta": 0.9}),), to_torch=_sgd_with_momentum(False)),
    Case("nesterov", "SGD", {"lr": 0.1, "beta": 0.9}, nesterov_by_hand,
         timed=(("nesterov (textbook)", {"lr": 1e-3, "beta": 0.9}),), to_torch=_sgd_with_momentum(True)),
]

BY_NAME = {case.name: case for case in CASES}
TORCH_STYLE = [case for case in CASES if case.torch_style]
