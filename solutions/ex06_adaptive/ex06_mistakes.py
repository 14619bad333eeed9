"""The mistakes exercise 6's tests recognise, each written as a student would write it.

Every ``Mistake`` pairs a wrong update rule (and its ``init``) with the hint a student
gets when their results match it. The checkers of ``mlcourse.checks`` add their own for
every update rule (wrong sign, state modified in place) and for Adam and AdamW (no bias
correction, ε inside the square root, L2 where AdamW decays the weights and back); the
ones below are specific to this exercise. ``tests/test_ex06_adaptive.py`` submits each
``wrong`` as a student's function and checks that it fails with its hint.
"""

import numpy as np

from mlcourse.checks import Mistake

# --- AdaGrad --------------------------------------------------------------------------


def adagrad_init(params):
    return {"sum": np.zeros_like(params)}


def adagrad_eps_inside_root(params, grads, state, lr=0.01, eps=1e-10):
    total = state["sum"] + grads**2
    return params - lr * grads / np.sqrt(total + eps), {"sum": total}


def adagrad_forgets_the_past(params, grads, state, lr=0.01, eps=1e-10):
    total = grads**2  # the sum should include the past: state["sum"] + grads**2
    return params - lr * grads / (np.sqrt(total) + eps), {"sum": total}


def adagrad_no_square_root(params, grads, state, lr=0.01, eps=1e-10):
    total = state["sum"] + grads**2
    return params - lr * grads / (total + eps), {"sum": total}


ADAGRAD = [
    Mistake("ε belongs outside the square root: θ ← θ − η·g / (√s + ε).", adagrad_eps_inside_root,
            init=adagrad_init),
    Mistake("the accumulator must keep the past: s ← s + g² (you used only the current g², which "
            "makes every step ±η).", adagrad_forgets_the_past, init=adagrad_init),
    Mistake("divide by the square root of the sum, √s + ε, not by s itself.", adagrad_no_square_root,
            init=adagrad_init),
]

# --- RMSProp --------------------------------------------------------------------------


def rmsprop_init(params):
    return {"square_avg": np.zeros_like(params)}


def rmsprop_sum(params, grads, state, lr=0.01, alpha=0.99, eps=1e-8):
    square_avg = state["square_avg"] + grads**2  # AdaGrad's sum, not a moving average
    return params - lr * grads / (np.sqrt(square_avg) + eps), {"square_avg": square_avg}


def rmsprop_swapped_alpha(params, grads, state, lr=0.01, alpha=0.99, eps=1e-8):
    square_avg = (1 - alpha) * state["square_avg"] + alpha * grads**2
    return params - lr * grads / (np.sqrt(square_avg) + eps), {"square_avg": square_avg}


def rmsprop_eps_inside_root(params, grads, state, lr=0.01, alpha=0.99, eps=1e-8):
    square_avg = alpha * state["square_avg"] + (1 - alpha) * grads**2
    return params - lr * grads / np.sqrt(square_avg + eps), {"square_avg": square_avg}


RMSPROP = [
    Mistake("that is a sum, AdaGrad's accumulator: RMSProp keeps a moving average, "
            "v ← α·v + (1 − α)·g².", rmsprop_sum, init=rmsprop_init),
    Mistake("α and 1 − α are swapped: the old average keeps the weight α, v ← α·v + (1 − α)·g².",
            rmsprop_swapped_alpha, init=rmsprop_init),
    Mistake("ε belongs outside the square root: θ ← θ − η·g / (√v + ε).", rmsprop_eps_inside_root,
            init=rmsprop_init),
]

# --- Adam and AdamW ------------------------------------------------------------------
# The checkers' own Adam mistakes (no bias correction, ε inside the root) cover Adam
# without weight decay only; the versions here, written with the exercise's weight decay
# (L2 for Adam, decoupled for AdamW), cover every case the tests draw.


def adam_init(params):
    return {"step": 0, "exp_avg": np.zeros_like(params), "exp_avg_sq": np.zeros_like(params)}


def _moments(grads, state, betas):
    beta1, beta2 = betas
    m = beta1 * state["exp_avg"] + (1 - beta1) * grads
    v = beta2 * state["exp_avg_sq"] + (1 - beta2) * grads**2
    return m, v


def _adam(params, grads, state, lr, betas, eps, weight_decay, decoupled, bias_correction=True,
          eps_inside=False, t_from_zero=False):
    """Adam as a student would write it, with one mistake switched on."""
    beta1, beta2 = betas
    if decoupled:
        params = params * (1 - lr * weight_decay)
    else:
        grads = grads + weight_decay * params
    t = state["step"] if t_from_zero else state["step"] + 1
    m, v = _moments(grads, state, betas)
    m_hat, v_hat = (m / (1 - beta1**t), v / (1 - beta2**t)) if bias_correction else (m, v)
    denominator = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
    return params - lr * m_hat / denominator, {"step": state["step"] + 1, "exp_avg": m, "exp_avg_sq": v}


def adam_no_bias_correction(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    return _adam(params, grads, state, lr, betas, eps, weight_decay, False, bias_correction=False)


def adam_eps_inside_root(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    return _adam(params, grads, state, lr, betas, eps, weight_decay, False, eps_inside=True)


def adam_t_from_zero(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    return _adam(params, grads, state, lr, betas, eps, weight_decay, False, t_from_zero=True)


def adam_swapped_betas(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    return _adam(params, grads, state, lr, betas[::-1], eps, weight_decay, False)


def adamw_no_bias_correction(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    return _adam(params, grads, state, lr, betas, eps, weight_decay, True, bias_correction=False)


def adamw_eps_inside_root(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    return _adam(params, grads, state, lr, betas, eps, weight_decay, True, eps_inside=True)


def adamw_t_from_zero(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    return _adam(params, grads, state, lr, betas, eps, weight_decay, True, t_from_zero=True)


def adamw_decay_after_the_step(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    stepped, new_state = _adam(params, grads, state, lr, betas, eps, 0.0, True)
    return stepped * (1 - lr * weight_decay), new_state


def adamw_decay_without_lr(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    return _adam(params * (1 - weight_decay), grads, state, lr, betas, eps, 0.0, True)


NO_BIAS_CORRECTION = ("missing bias correction: divide m by (1 − β1^t) and v by (1 − β2^t) before the step "
                      "(t counts from 1).")
EPS_INSIDE = "ε belongs outside the square root: θ ← θ − η·m̂ / (√v̂ + ε)."
T_FROM_ZERO = ("t counts from 1: the first update divides by 1 − β^1 (you used t = 0, and 1 − β^0 = 0 "
               "divides by zero). Increase the step count before the bias correction.")

ADAM = [
    Mistake(NO_BIAS_CORRECTION, adam_no_bias_correction, init=adam_init),
    Mistake(EPS_INSIDE, adam_eps_inside_root, init=adam_init),
    Mistake(T_FROM_ZERO, adam_t_from_zero, init=adam_init),
    Mistake("β1 and β2 are swapped: m ← β1·m + (1 − β1)·g and v ← β2·v + (1 − β2)·g², with "
            "(β1, β2) = betas.", adam_swapped_betas, init=adam_init),
]

ADAMW = [
    Mistake(NO_BIAS_CORRECTION, adamw_no_bias_correction, init=adam_init),
    Mistake(EPS_INSIDE, adamw_eps_inside_root, init=adam_init),
    Mistake(T_FROM_ZERO, adamw_t_from_zero, init=adam_init),
    Mistake("decay θ before Adam's step, θ ← (1 − η·λ)·θ, then step from the decayed θ (you decayed "
            "after the step).", adamw_decay_after_the_step, init=adam_init),
    Mistake("torch's AdamW decays by η·λ per step, θ ← (1 − η·λ)·θ: you left out the learning rate.",
            adamw_decay_without_lr, init=adam_init),
]
