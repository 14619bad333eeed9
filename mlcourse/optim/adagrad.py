r"""AdaGrad: per-coordinate step sizes from the sum of all past squared gradients."""

from typing import NamedTuple

import numpy as np

from .._checks import check_range
from ._base import Optimizer, as_params, check_update, learning_rate, same_point
from ._blocks import apply


class AdagradState(NamedTuple):
    step: int  # updates done so far
    sum: np.ndarray  # s, the running sum of squared gradients


def adagrad(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    r"""AdaGrad (Duchi, Hazan & Singer, 2011), exactly as ``torch.optim.Adagrad``.

    .. math::
       \begin{aligned}
       &\textbf{input: } \eta \text{ (lr)},\ \theta_0,\ \lambda \text{ (weight\_decay)},
            \ \delta \text{ (lr\_decay)},\ s_0 \text{ (initial\_accumulator\_value)},\ \epsilon \\
       &\textbf{for } t = 1, 2, \ldots \textbf{ do} \\
       &\quad g_t \leftarrow \nabla L(\theta_{t-1}) + \lambda\theta_{t-1} \\
       &\quad \tilde\eta_t \leftarrow \eta / \bigl(1 + (t-1)\delta\bigr) \\
       &\quad s_t \leftarrow s_{t-1} + g_t^2 \\
       &\quad \theta_t \leftarrow \theta_{t-1} - \tilde\eta_t\, \frac{g_t}{\sqrt{s_t} + \epsilon}
       \end{aligned}

    Each coordinate's step shrinks as its squared gradients pile up: large for
    rarely-updated coordinates, small for frequent ones, and ever smaller for all
    of them. That diminishing learning rate is AdaGrad's known weakness; it is
    RMSprop and Adadelta that replace the sum by a moving average to ease it.

    Conventions: ε is added *outside* the square root (some write
    :math:`\sqrt{s_t + \epsilon}`); the accumulator starts at
    ``initial_accumulator_value`` (0 by default; TensorFlow uses 0.1);
    ``lr_decay`` is torch's extra :math:`1/(1+(t-1)\delta)` decay, not in the paper;
    ``weight_decay`` is L2 (added to the gradient). torch's ``maximize``,
    ``foreach``, ``differentiable`` and ``fused`` flags are omitted.
    """
    lr_at = learning_rate(lr)
    lr_decay = check_range("lr_decay", lr_decay, 0)
    weight_decay = check_range("weight_decay", weight_decay, 0)
    initial_accumulator_value = check_range("initial_accumulator_value", initial_accumulator_value, 0)
    eps = check_range("eps", eps, 0)

    def init(params):
        params = as_params(params)
        return AdagradState(step=0, sum=np.full(params.shape, initial_accumulator_value, params.dtype))

    def update(params, grads, state):
        params, grads, state = check_update(params, grads, state, AdagradState)
        lr, t = lr_at(state.step), state.step + 1

        def rule(theta, g, s):
            if weight_decay:
                g = g + weight_decay * theta
            eta_t = lr / (1 + (t - 1) * lr_decay)
            s = s + g * g
            theta = theta - eta_t * g / (np.sqrt(s) + eps)
            return theta, s

        theta, s = apply(rule, params, grads, state.sum)
        return theta, AdagradState(step=t, sum=s)

    return Optimizer(init, update, same_point)
