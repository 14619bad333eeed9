"""Known mistakes of exercise 7 (learning-rate schedules): each a wrong schedule as a student
would write it, and the hint they get when their function matches it.

Released with the notebook; the checkers of :mod:`mlcourse.checks` run these on the same
inputs as the student's function (see CONTRIBUTING.md, "Writing a checker"). A step off
by one either way, the commonest mistake of all, needs no entry here: ``check_schedule``
recognises it for every schedule (a piecewise-constant schedule that switches one step
late, Keras's convention, is exactly that).
"""

import math

from mlcourse.checks import Mistake

# --- exponential scheduling: the base and the exponent ----------------------------------------


def exponential_base_e(t, lr, s, decay_rate=0.1):
    return lr * math.exp(-t / s)


def exponential_fixed_tenth(t, lr, s, decay_rate=0.1):
    return lr * 0.1 ** (t / s)


def exponential_per_step(t, lr, s, decay_rate=0.1):
    return lr * decay_rate ** t


EXPONENTIAL_BASE_E = Mistake(
    "wrong base: that is lr · e^(−t/s). The base of the power is decay_rate (0.1 by default), "
    "η_t = lr · decay_rate^(t/s), so the rate falls by the factor decay_rate every s steps.",
    exponential_base_e)
EXPONENTIAL_FIXED_TENTH = Mistake(
    "that uses 0.1 as the base whatever decay_rate is: η_t = lr · decay_rate^(t/s).", exponential_fixed_tenth)
EXPONENTIAL_PER_STEP = Mistake(
    "the exponent is t/s, not t: the rate is multiplied by decay_rate once every s steps, spread evenly over "
    "them, not at every step.", exponential_per_step)

EXPONENTIAL = [EXPONENTIAL_BASE_E, EXPONENTIAL_FIXED_TENTH, EXPONENTIAL_PER_STEP]

# --- power scheduling ----------------------------------------------------------------------


def power_without_one(t, lr, s, c=1.0):
    return lr / (t / s) ** c if t else lr


def power_outside(t, lr, s, c=1.0):
    return lr / (1 + t / s) * c


POWER = [
    Mistake("the denominator is (1 + t/s)^c: without the 1 the rate is infinite at t = 0 and far too large "
            "after it.", power_without_one),
    Mistake("c is the power of (1 + t/s), not a factor: η_t = lr / (1 + t/s)^c.", power_outside),
]

# --- warm-up then cosine -------------------------------------------------------------------


def _cosine(t, lr, warmup_steps, total_steps, eta_min):
    progress = (t - warmup_steps) / (total_steps - warmup_steps)
    return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * progress)) / 2


def warmup_from_peak(t, lr, warmup_steps, total_steps, start_factor=0.01, eta_min=0.0):
    if t < warmup_steps:
        return lr
    return _cosine(t, lr, warmup_steps, total_steps, eta_min)


def warmup_from_zero(t, lr, warmup_steps, total_steps, start_factor=0.01, eta_min=0.0):
    if t < warmup_steps:
        return lr * t / warmup_steps
    return _cosine(t, lr, warmup_steps, total_steps, eta_min)


def cosine_from_zero(t, lr, warmup_steps, total_steps, start_factor=0.01, eta_min=0.0):
    if t < warmup_steps:
        return lr * (start_factor + (1 - start_factor) * t / warmup_steps)
    return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * t / total_steps)) / 2


WARMUP = [
    Mistake("your warm-up starts at the peak lr: during the first warmup_steps updates the rate must rise in a "
            "straight line from start_factor · lr (a small fraction of it) to lr.", warmup_from_peak),
    Mistake("the warm-up starts at start_factor · lr, not at 0: η_t = lr · (start_factor + (1 − start_factor) · "
            "t / warmup_steps).", warmup_from_zero),
    Mistake("the cosine starts when the warm-up ends: use (t − warmup_steps) / (total_steps − warmup_steps), "
            "so that the rate is exactly lr at t = warmup_steps and eta_min at t = total_steps.",
            cosine_from_zero),
]
