r"""RMSprop: divide by a moving average of squared gradients (optionally centred, with momentum)."""

from typing import NamedTuple

import numpy as np

from .._checks import check_flag, check_range
from ._base import Optimizer, as_params, check_update, learning_rate, lerp, same_point
from ._blocks import apply


class RMSpropState(NamedTuple):
    step: int  # updates done so far
    square_avg: np.ndarray  # v, moving average of g²
    momentum_buffer: np.ndarray | None  # b; None when momentum = 0
    grad_avg: np.ndarray | None  # moving average of g; None unless centered


def rmsprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    r"""RMSprop (Hinton, 2012, lecture 6e), exactly as ``torch.optim.RMSprop``.

    .. math::
       \begin{aligned}
       &\textbf{input: } \eta \text{ (lr)},\ \alpha \text{ (alpha)},\ \theta_0,\ \epsilon,
            \ \lambda \text{ (weight\_decay)},\ \mu \text{ (momentum)},\ \textit{centered} \\
       &\textbf{initialize: } v_0 \leftarrow 0,\ b_0 \leftarrow 0,\ \bar g_0 \leftarrow 0 \\
       &\textbf{for } t = 1, 2, \ldots \textbf{ do} \\
       &\quad g_t \leftarrow \nabla L(\theta_{t-1}) + \lambda\theta_{t-1} \\
       &\quad v_t \leftarrow \alpha v_{t-1} + (1-\alpha) g_t^2 \\
       &\quad \tilde v_t \leftarrow v_t \\
       &\quad \textbf{if } \textit{centered}:\ \bar g_t \leftarrow \alpha \bar g_{t-1} + (1-\alpha) g_t,
            \ \tilde v_t \leftarrow v_t - \bar g_t^2 \\
       &\quad \textbf{if } \mu > 0:\ b_t \leftarrow \mu b_{t-1} + g_t / (\sqrt{\tilde v_t} + \epsilon),
            \ \theta_t \leftarrow \theta_{t-1} - \eta b_t \\
       &\quad \textbf{else: } \theta_t \leftarrow \theta_{t-1} - \eta\, g_t / (\sqrt{\tilde v_t} + \epsilon)
       \end{aligned}

    RMSprop keeps an *exponential moving average* of squared gradients (decay α),
    not a sum over a fixed window: old gradients fade geometrically. (The window is
    the idea that motivates Adadelta.)

    Conventions: ε is added *outside* the square root (TensorFlow 1's
    ``RMSPropOptimizer`` and some texts put it inside; Hinton's slides have none); there is no bias correction, so early steps are
    larger than Adam's (:math:`v_1 = (1-\alpha) g_1^2`); ``centered`` divides by an
    estimate of the standard deviation instead of the root mean square (Graves,
    2013); the momentum buffer starts at zero and accumulates already-scaled steps;
    ``weight_decay`` is L2. torch accepts any ``alpha >= 0``; we require
    ``0 <= alpha <= 1`` (an average). torch's ``maximize``, ``foreach``,
    ``capturable`` and ``differentiable`` flags are omitted.
    """
    lr_at = learning_rate(lr)
    alpha = check_range("alpha", alpha, 0, 1)
    eps = check_range("eps", eps, 0)
    weight_decay = check_range("weight_decay", weight_decay, 0)
    momentum = check_range("momentum", momentum, 0)
    centered = check_flag("centered", centered)

    def init(params):
        params = as_params(params)
        return RMSpropState(step=0, square_avg=np.zeros_like(params),
                            momentum_buffer=np.zeros_like(params) if momentum > 0 else None,
                            grad_avg=np.zeros_like(params) if centered else None)

    def update(params, grads, state):
        params, grads, state = check_update(params, grads, state, RMSpropState)
        if (momentum > 0 and state.momentum_buffer is None) or (centered and state.grad_avg is None):
            raise ValueError("invalid state without momentum_buffer or grad_avg, expected the state "
                             f"of an optimizer with momentum = {momentum!r}, centered = {centered!r}")
        lr = lr_at(state.step)

        def rule(theta, g, v, b, g_avg):
            if weight_decay:
                g = g + weight_decay * theta
            v = alpha * v + (1 - alpha) * g * g
            v_tilde = v
            if centered:
                g_avg = lerp(g_avg, g, 1 - alpha)
                v_tilde = v - g_avg * g_avg
            if momentum > 0:
                b = momentum * b + g / (np.sqrt(v_tilde) + eps)
                theta = theta - lr * b
            else:
                theta = theta - lr * g / (np.sqrt(v_tilde) + eps)
            return theta, v, b, g_avg

        theta, v, b, g_avg = apply(rule, params, grads, state.square_avg, state.momentum_buffer, state.grad_avg)
        return theta, RMSpropState(step=state.step + 1, square_avg=v, momentum_buffer=b, grad_avg=g_avg)

    return Optimizer(init, update, same_point)
