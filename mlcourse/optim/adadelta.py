r"""Adadelta: RMSprop whose step size is itself a moving RMS of past updates."""

from typing import NamedTuple

import numpy as np

from .._checks import check_range
from ._base import Optimizer, as_params, check_update, learning_rate, same_point
from ._blocks import apply


class AdadeltaState(NamedTuple):
    step: int  # updates done so far
    square_avg: np.ndarray  # v, moving average of g²
    acc_delta: np.ndarray  # u, moving average of the squared updates Δθ²


def adadelta(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    r"""Adadelta (Zeiler, 2012), exactly as ``torch.optim.Adadelta``.

    .. math::
       \begin{aligned}
       &\textbf{input: } \eta \text{ (lr)},\ \rho \text{ (rho)},\ \theta_0,\ \epsilon,
            \ \lambda \text{ (weight\_decay)} \\
       &\textbf{initialize: } v_0 \leftarrow 0,\ u_0 \leftarrow 0 \\
       &\textbf{for } t = 1, 2, \ldots \textbf{ do} \\
       &\quad g_t \leftarrow \nabla L(\theta_{t-1}) + \lambda\theta_{t-1} \\
       &\quad v_t \leftarrow \rho v_{t-1} + (1-\rho) g_t^2 \\
       &\quad \Delta_t \leftarrow \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t \\
       &\quad u_t \leftarrow \rho u_{t-1} + (1-\rho) \Delta_t^2 \\
       &\quad \theta_t \leftarrow \theta_{t-1} - \eta \Delta_t
       \end{aligned}

    Zeiler's motivation is to accumulate squared gradients over a window of recent
    steps, implemented as an exponential moving average; the numerator
    :math:`\sqrt{u+\epsilon}` gives the step the units of θ, so the paper needs no
    learning rate at all: it is torch's ``lr = 1.0``, kept as an extra factor.

    Conventions: ε is *inside* both square roots (as in the paper; RMSprop and Adam
    put it outside), and at the start it sets the step size
    (:math:`\sqrt{\epsilon}/\sqrt{v_1+\epsilon}`), so Adadelta's ε is not a
    negligible safeguard; ``weight_decay`` is L2. torch's ``maximize``,
    ``foreach``, ``capturable`` and ``differentiable`` flags are omitted.
    """
    lr_at = learning_rate(lr)
    rho = check_range("rho", rho, 0, 1)
    eps = check_range("eps", eps, 0)
    weight_decay = check_range("weight_decay", weight_decay, 0)

    def init(params):
        params = as_params(params)
        return AdadeltaState(step=0, square_avg=np.zeros_like(params), acc_delta=np.zeros_like(params))

    def update(params, grads, state):
        params, grads, state = check_update(params, grads, state, AdadeltaState)
        lr = lr_at(state.step)

        def rule(theta, g, v, u):
            if weight_decay:
                g = g + weight_decay * theta
            v = rho * v + (1 - rho) * g * g
            delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
            u = rho * u + (1 - rho) * delta * delta
            theta = theta - lr * delta
            return theta, v, u

        theta, v, u = apply(rule, params, grads, state.square_avg, state.acc_delta)
        return theta, AdadeltaState(step=state.step + 1, square_avg=v, acc_delta=u)

    return Optimizer(init, update, same_point)
