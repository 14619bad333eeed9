"""Exercise 4 (momentum): the mistakes its checkers recognise.

Each mistake is the wrong code as a student would write it (NumPy only, no reference),
with the hint the student gets when their function behaves like it
(:class:`mlcourse.checks.Mistake`). The same functions are the fixtures of
``tests/test_ex04_momentum.py``: submitted as a student's answer, each must fail its
test with its hint. This file is released with the notebook and restored from the
course's source when grading.
"""

import numpy as np

from mlcourse.checks import Mistake

# --- Task 1: textbook momentum, step(params, grads, velocity, lr, beta) -> (params, velocity)


def momentum_init(params):
    """The textbook state: the velocity, zero before the first step."""
    return np.zeros_like(params)


def beta_on_the_gradient(params, grads, velocity, lr, beta):
    velocity = velocity - beta * lr * grads  # β scales the gradient instead of the old velocity
    return params + velocity, velocity


def pytorch_step_on_the_velocity(params, grads, velocity, lr, beta):
    velocity = beta * velocity - lr * grads
    return params - lr * velocity, velocity  # PyTorch's step, θ − η·b, applied to the textbook velocity


def pytorch_buffer_with_the_textbook_step(params, grads, velocity, lr, beta):
    velocity = beta * velocity + grads  # PyTorch's buffer of raw gradients ...
    return params + velocity, velocity  # ... added as if it were the textbook velocity


BETA_ON_THE_GRADIENT = Mistake(
    "β multiplies the old velocity, not the gradient: m ← β·m − η·g, then θ ← θ + m.",
    beta_on_the_gradient, init=momentum_init)
VELOCITY_IN_THE_PYTORCH_STEP = Mistake(
    "the two forms are mixed up: the textbook velocity m ← β·m − η·g already contains −η, so the "
    "step adds it, θ ← θ + m. (θ ← θ − η·b is PyTorch's step, for its buffer b of raw gradients.)",
    pytorch_step_on_the_velocity, init=momentum_init)
PYTORCH_BUFFER_IN_THE_TEXTBOOK_STEP = Mistake(
    "the two forms are mixed up: b ← β·b + g is PyTorch's buffer (raw gradients, without −η). The "
    "textbook velocity is m ← β·m − η·g, and the step is θ ← θ + m.",
    pytorch_buffer_with_the_textbook_step, init=momentum_init)

TEXTBOOK = [BETA_ON_THE_GRADIENT, VELOCITY_IN_THE_PYTORCH_STEP, PYTORCH_BUFFER_IN_THE_TEXTBOOK_STEP]

# --- Task 2: PyTorch's form, step(params, grads, buffer, lr, momentum, dampening) -> (params, buffer)


def no_buffer(params):
    """PyTorch's state before the first step: no buffer yet."""
    return None


def zero_buffer(params):
    return np.zeros_like(params)


def missing_dampening(params, grads, buffer, lr, momentum, dampening):
    buffer = grads.copy() if buffer is None else momentum * buffer + grads  # (1 − τ) forgotten
    return params - lr * buffer, buffer


def buffer_started_at_zero(params, grads, buffer, lr, momentum, dampening):
    buffer = momentum * buffer + (1 - dampening) * grads  # from b = 0: the first gradient is dampened too
    return params - lr * buffer, buffer


def beta_on_the_gradient_pytorch(params, grads, buffer, lr, momentum, dampening):
    buffer = grads.copy() if buffer is None else (1 - dampening) * buffer + momentum * grads
    return params - lr * buffer, buffer


def velocity_in_the_buffer(params, grads, buffer, lr, momentum, dampening):
    # the textbook velocity (with −η inside) stored as the buffer, then PyTorch's step
    buffer = -lr * grads if buffer is None else momentum * buffer - lr * (1 - dampening) * grads
    return params - lr * buffer, buffer


MISSING_DAMPENING = Mistake(
    "the dampening factor is missing: after the first step b ← β·b + (1 − τ)·g, with τ = dampening.",
    missing_dampening, init=no_buffer)
BUFFER_STARTED_AT_ZERO = Mistake(
    "PyTorch starts the buffer at the first gradient, undampened (b₁ = g₁), not at zero: from b = 0 "
    "the first step would be (1 − τ)·g. Create the buffer at the first step (state None before it).",
    buffer_started_at_zero, init=zero_buffer)
BETA_ON_THE_GRADIENT_PYTORCH = Mistake(
    "β multiplies the old buffer and (1 − τ) the new gradient: b ← β·b + (1 − τ)·g.",
    beta_on_the_gradient_pytorch, init=no_buffer)
VELOCITY_IN_THE_BUFFER = Mistake(
    "the two forms are mixed up: PyTorch's buffer sums raw gradients, b ← β·b + (1 − τ)·g, without η "
    "or a minus sign; only the step θ ← θ − η·b applies them. (m ← β·m − η·g is the textbook velocity.)",
    velocity_in_the_buffer, init=no_buffer)

PYTORCH = [MISSING_DAMPENING, BUFFER_STARTED_AT_ZERO, BETA_ON_THE_GRADIENT_PYTORCH, VELOCITY_IN_THE_BUFFER]

# --- Task 3: the spectral radius, radius(lr, beta, curvature) -> float


def gradient_descent_factor(lr, beta, curvature):
    return abs(1 - lr * curvature)


def largest_real_part(lr, beta, curvature):
    a = lr * curvature
    return float(np.max(np.linalg.eigvals(np.array([[1 - a, beta], [-a, beta]])).real))


def always_sqrt_beta(lr, beta, curvature):
    return float(np.sqrt(beta))


SPECTRAL_RADIUS = [
    Mistake("that is gradient descent's factor |1 − ηλ|; with momentum the error and the velocity move "
            "together: take the eigenvalues of the 2×2 matrix [[1 − ηλ, β], [−ηλ, β]].",
            gradient_descent_factor),
    Mistake("the eigenvalues can be complex: the spectral radius is the largest modulus, "
            "np.abs(eigenvalues).max(), not the largest real part.", largest_real_part),
    Mistake("√β is the modulus only when the eigenvalues are complex (the underdamped band); outside it "
            "they are real and the larger |eigenvalue| is larger than √β.", always_sqrt_beta),
]

# --- Task 4: the best momentum by search, best_beta(lr, smallest, largest, betas) -> beta


def only_the_largest_curvature(lr, smallest, largest, betas):
    rates = []
    for beta in betas:  # the flattest direction is forgotten
        a = lr * largest
        rates.append(np.abs(np.linalg.eigvals(np.array([[1 - a, beta], [-a, beta]]))).max())
    return float(betas[int(np.argmin(rates))])


def only_the_smallest_curvature(lr, smallest, largest, betas):
    rates = []
    for beta in betas:  # the steepest direction is forgotten
        a = lr * smallest
        rates.append(np.abs(np.linalg.eigvals(np.array([[1 - a, beta], [-a, beta]]))).max())
    return float(betas[int(np.argmin(rates))])


SEARCH = [
    Mistake("the rate of a quadratic is that of its worst direction: minimise "
            "max(ρ(η, β, λmin), ρ(η, β, λmax)), not the rate of the steepest direction alone.",
            only_the_largest_curvature),
    Mistake("the rate of a quadratic is that of its worst direction: minimise "
            "max(ρ(η, β, λmin), ρ(η, β, λmax)), not the rate of the flattest direction alone.",
            only_the_smallest_curvature),
]
