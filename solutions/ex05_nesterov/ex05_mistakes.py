"""Exercise 5 (Nesterov): the mistakes its checkers recognise.

Each mistake is the wrong code as a student would write it (NumPy only, no reference),
with the hint the student gets when their function behaves like it
(:class:`mlcourse.checks.Mistake`). The same functions are the fixtures of
``tests/test_ex05_nesterov.py``: submitted as a student's answer, each must fail its
test with its hint. (The gradient taken at θ instead of the look-ahead point, in a
training loop, is recognised by ``mlcourse.checks.check_training_loop`` itself.) This
file is released with the notebook and restored from the course's source when grading.
"""

import numpy as np

from mlcourse.checks import Mistake

# --- Task 1: the look-ahead point and the step


def lookahead_without_beta(params, velocity, beta):
    return params + velocity


def lookahead_backwards(params, velocity, beta):
    return params - beta * velocity


LOOKAHEAD = [
    Mistake("the look-ahead point is where momentum alone carries θ in one step: θ + β·m (the velocity is "
            "multiplied by β).", lookahead_without_beta),
    Mistake("the velocity m is the step about to be added, θ ← θ + m: the look-ahead point is θ + β·m, "
            "not θ − β·m.", lookahead_backwards),
]


def nesterov_init(params):
    """The textbook state: the velocity, zero before the first step."""
    return np.zeros_like(params)


def beta_on_the_gradient(params, grads, velocity, lr, beta):
    velocity = velocity - beta * lr * grads  # β scales the gradient instead of the old velocity
    return params + velocity, velocity


def pytorch_step_on_the_velocity(params, grads, velocity, lr, beta):
    velocity = beta * velocity - lr * grads
    return params - lr * velocity, velocity  # PyTorch's step, θ − η·b, applied to the textbook velocity


STEP = [
    Mistake("β multiplies the old velocity, not the gradient: m ← β·m − η·g, then θ ← θ + m.",
            beta_on_the_gradient, init=nesterov_init),
    Mistake("the two forms are mixed up: the textbook velocity m ← β·m − η·g already contains −η, so the "
            "step adds it, θ ← θ + m.", pytorch_step_on_the_velocity, init=nesterov_init),
]

# --- Task 3: PyTorch's SGD with momentum, step(params, grads, buffer, lr, momentum, nesterov)


def no_buffer(params):
    """PyTorch's state before the first step: no buffer yet."""
    return None


def nesterov_ignored(params, grads, buffer, lr, momentum, nesterov):
    buffer = grads.copy() if buffer is None else momentum * buffer + grads
    return params - lr * buffer, buffer  # the plain momentum direction, whatever `nesterov` says


def beta_on_the_wrong_term(params, grads, buffer, lr, momentum, nesterov):
    buffer = grads.copy() if buffer is None else momentum * buffer + grads
    direction = momentum * grads + buffer if nesterov else buffer  # should be g + β·b
    return params - lr * direction, buffer


def velocity_in_the_buffer(params, grads, buffer, lr, momentum, nesterov):
    # the textbook velocity (with −η inside) stored as the buffer, then PyTorch's step
    buffer = -lr * grads if buffer is None else momentum * buffer - lr * grads
    direction = grads + momentum * buffer if nesterov else buffer
    return params - lr * direction, buffer


PYTORCH = [
    Mistake("with nesterov=True PyTorch steps along g + β·b (the gradient plus the look-ahead "
            "correction), not along the buffer b alone: φ ← φ − η·(g + β·b).", nesterov_ignored,
            init=no_buffer),
    Mistake("β multiplies the buffer, not the gradient: the Nesterov direction is g + β·b.",
            beta_on_the_wrong_term, init=no_buffer),
    Mistake("the two forms are mixed up: PyTorch's buffer sums raw gradients, b ← β·b + g, without η or "
            "a minus sign; only the step φ ← φ − η·(g + β·b) applies them.", velocity_in_the_buffer,
            init=no_buffer),
]
