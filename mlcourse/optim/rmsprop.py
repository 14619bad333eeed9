r"""RMSprop: divide by a moving average of squared gradients (optionally centred, with momentum)."""

from typing import NamedTuple

import numpy as np

from .._checks import check_range
from ._base import (Optimizer, as_params, blockwise, check_flag, check_update, ema_into, empty, l2_into,
                    learning_rate, same_point, square_ema_into)


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
        zeros = np.zeros_like(as_params(params))
        return RMSpropState(step=0, square_avg=zeros, momentum_buffer=zeros if momentum > 0 else None,
                            grad_avg=zeros if centered else None)

    def update(params, grads, state):
        params, grads = check_update(params, grads, state, RMSpropState)
        if (momentum > 0 and state.momentum_buffer is None) or (centered and state.grad_avg is None):
            raise ValueError("invalid state without momentum_buffer or grad_avg, expected the state "
                             f"of an optimizer with momentum = {momentum!r}, centered = {centered!r}")
        lr = lr_at(state.step)
        new_params, new_v = empty(params, 2)
        new_b = empty(params)[0] if momentum > 0 else None
        new_mean = empty(params)[0] if centered else None

        def kernel(theta, g, v, b, mean, out_theta, out_v, out_b, out_mean, work, denom):
            g = l2_into(work, g, theta, weight_decay)
            square_ema_into(out_v, v, g, alpha, denom)
            if centered:  # denom = sqrt(v - mean(g)²) + eps, the standard deviation
                ema_into(out_mean, mean, g, alpha)
                np.multiply(out_mean, out_mean, out=denom)
                np.subtract(out_v, denom, out=denom)
                np.sqrt(denom, out=denom)
            else:
                np.sqrt(out_v, out=denom)
            np.add(denom, eps, out=denom)
            if momentum > 0:  # b = momentum b + g / denom; theta - lr b
                np.multiply(b, momentum, out=out_b)
                np.divide(g, denom, out=denom)
                np.add(out_b, denom, out=out_b)
                np.multiply(out_b, -lr, out=out_theta)
            else:
                np.multiply(g, -lr, out=out_theta)
                np.divide(out_theta, denom, out=out_theta)
            np.add(theta, out_theta, out=out_theta)

        blockwise(kernel, [params, grads, state.square_avg, state.momentum_buffer, state.grad_avg],
                  [new_params, new_v, new_b, new_mean], scratch=2)
        return new_params, RMSpropState(state.step + 1, new_v, new_b, new_mean)

    return Optimizer(init, update, same_point)
