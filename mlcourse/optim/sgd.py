r"""Stochastic gradient descent, with torch's momentum and Nesterov momentum."""

from typing import NamedTuple

import numpy as np

from .._checks import check_flag, check_range
from ._base import Optimizer, as_params, check_update, learning_rate, same_point
from ._blocks import apply


class SGDState(NamedTuple):
    step: int  # updates done so far
    momentum_buffer: np.ndarray | None  # b; None when momentum = 0


def sgd(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    r"""Stochastic gradient descent, exactly as ``torch.optim.SGD``.

    .. math::
       \begin{aligned}
       &\textbf{input: } \eta \text{ (lr)},\ \theta_0 \text{ (params)},\ \lambda \text{ (weight\_decay)},
            \ \mu \text{ (momentum)},\ \tau \text{ (dampening)},\ \textit{nesterov} \\
       &\textbf{for } t = 1, 2, \ldots \textbf{ do} \\
       &\quad g_t \leftarrow \nabla L(\theta_{t-1}) \\
       &\quad \textbf{if } \lambda \neq 0:\ g_t \leftarrow g_t + \lambda\theta_{t-1} \\
       &\quad \textbf{if } \mu \neq 0: \\
       &\qquad b_t \leftarrow g_t \textbf{ if } t = 1 \textbf{ else } \mu b_{t-1} + (1-\tau) g_t \\
       &\qquad g_t \leftarrow g_t + \mu b_t \textbf{ if } \textit{nesterov} \textbf{ else } b_t \\
       &\quad \theta_t \leftarrow \theta_{t-1} - \eta g_t
       \end{aligned}

    With ``momentum=0`` (the default) this is plain stochastic gradient descent,
    :math:`\theta \leftarrow \theta - \eta g`: SGD itself has no momentum; momentum is
    an addition to it.

    Conventions (where references differ):

    * **Momentum form.** torch keeps ``b``, a running sum of gradients, and
      multiplies by η when stepping: :math:`b \leftarrow \mu b + g,\ \theta
      \leftarrow \theta - \eta b`. The textbook form (Sutskever et al., 2013; the
      course's :func:`~mlcourse.optim.momentum`) keeps a velocity that already
      contains η: :math:`m \leftarrow \mu m - \eta g,\ \theta \leftarrow \theta + m`.
      With a constant η the two give the same θ at every step (:math:`m = -\eta b`);
      with a schedule they differ, because torch rescales past gradients by the
      *current* η.
    * **First step.** ``b_1 = g_1``: the buffer starts as the first gradient,
      undampened, rather than at zero. Without dampening that is what
      :math:`b_0 = 0` would give; with it, ``dampening`` acts from step 2 on.
    * **Nesterov.** torch does not evaluate the gradient at a look-ahead point:
      it steps with :math:`g + \mu b`, which is Nesterov's method rewritten in the
      variable :math:`\phi = \theta + \mu m` (see :func:`~mlcourse.optim.nesterov`
      for the change of variables and its proof).
    * **weight_decay** is L2 regularisation: :math:`\lambda\theta` is added to the
      gradient. Without momentum that equals shrinking θ by the factor
      :math:`1-\eta\lambda` each step; with momentum the penalty also enters the
      buffer.
    * torch's ``maximize``, ``foreach``, ``differentiable`` and ``fused`` flags are
      omitted: negate the gradient to maximise; the others only change how torch
      computes, not what.

    ``lr`` is a number or a schedule ``t -> lr`` (``t = 0`` for the first update).
    """
    lr_at = learning_rate(lr)
    momentum = check_range("momentum", momentum, 0)
    dampening = check_range("dampening", dampening)
    weight_decay = check_range("weight_decay", weight_decay, 0)
    nesterov = check_flag("nesterov", nesterov)
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError(
            f"invalid nesterov = True with momentum = {momentum!r} and dampening = "
            f"{dampening!r}, expected momentum > 0 and dampening = 0"
        )

    def init(params):
        params = as_params(params)
        return SGDState(step=0, momentum_buffer=np.zeros_like(params) if momentum else None)

    def update(params, grads, state):
        params, grads, state = check_update(params, grads, state, SGDState)
        if momentum and state.momentum_buffer is None:
            raise ValueError("invalid state with momentum_buffer = None, expected the state "
                             f"of an optimizer with momentum = {momentum!r}")
        lr, t = lr_at(state.step), state.step + 1

        def rule(theta, g, b):
            if weight_decay:
                g = g + weight_decay * theta
            if momentum:
                b = g if t == 1 else momentum * b + (1 - dampening) * g
                g = g + momentum * b if nesterov else b
            theta = theta - lr * g
            return theta, b

        theta, b = apply(rule, params, grads, state.momentum_buffer)
        return theta, SGDState(step=t, momentum_buffer=b)

    return Optimizer(init, update, same_point)
