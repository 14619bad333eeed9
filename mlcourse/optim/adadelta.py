r"""Adadelta: RMSprop whose step size is itself a moving RMS of past updates."""

from typing import NamedTuple

import numpy as np

from .._checks import check_range
from ._base import (Optimizer, as_params, blockwise, check_update, empty, l2_into, learning_rate, same_point,
                    square_ema_into)


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
        zeros = np.zeros_like(as_params(params))
        return AdadeltaState(step=0, square_avg=zeros, acc_delta=zeros)

    def update(params, grads, state):
        params, grads = check_update(params, grads, state, AdadeltaState)
        lr = lr_at(state.step)
        new_params, new_v, new_u = empty(params, 3)

        def kernel(theta, g, v, u, out_theta, out_v, out_u, work, delta):
            g = l2_into(work, g, theta, weight_decay)
            square_ema_into(out_v, v, g, rho, delta)
            # delta = sqrt(u + eps) / sqrt(v + eps) * g, with out_theta as scratch
            np.add(out_v, eps, out=out_theta)
            np.sqrt(out_theta, out=out_theta)
            np.add(u, eps, out=delta)
            np.sqrt(delta, out=delta)
            np.divide(delta, out_theta, out=delta)
            np.multiply(delta, g, out=delta)
            square_ema_into(out_u, u, delta, rho, out_theta)
            np.multiply(delta, -lr, out=delta)
            np.add(theta, delta, out=out_theta)

        blockwise(kernel, [params, grads, state.square_avg, state.acc_delta], [new_params, new_v, new_u],
                  scratch=2)
        return new_params, AdadeltaState(state.step + 1, new_v, new_u)

    return Optimizer(init, update, same_point)
