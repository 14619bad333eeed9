r"""Adam and its variants: AdamW, Adamax, NAdam.

The variants reuse Adam's pieces (weight decay, the two moment averages) rather
than copying them; each keeps its own docstring, which states its rule.
"""

from typing import NamedTuple

import numpy as np

from .._checks import check_range
from ._base import (Optimizer, as_params, blockwise, check_betas, check_flag, check_update, empty,
                    ema_into, l2_into, square_ema_into, learning_rate, same_point)


class AdamState(NamedTuple):
    step: int  # updates done so far
    exp_avg: np.ndarray  # m, first moment
    exp_avg_sq: np.ndarray  # v, second moment
    max_exp_avg_sq: np.ndarray | None  # max of v so far (AMSGrad); None otherwise


def _check_common(lr, betas, eps, weight_decay):
    return (learning_rate(lr), *check_betas(betas), check_range("eps", eps, 0),
            check_range("weight_decay", weight_decay, 0))


def _decay(theta, g, lr, weight_decay, decoupled, out_theta, work):
    r"""Apply weight decay; return ``(theta, g)`` to use from here on.

    Decoupled (AdamW): :math:`\theta \leftarrow \theta(1 - \eta\lambda)`, the gradient
    is untouched. Otherwise L2: :math:`g \leftarrow g + \lambda\theta`, which then
    passes through the adaptive scaling (Loshchilov & Hutter, 2019, show why the
    two differ for adaptive methods).
    """
    if weight_decay and decoupled:
        return np.multiply(theta, 1 - lr * weight_decay, out=out_theta), g
    return theta, l2_into(work, g, theta, weight_decay)


def _moments(g, m, v, beta1, beta2, out_m, out_v, work):
    r""":math:`m \leftarrow \beta_1 m + (1-\beta_1) g,\ v \leftarrow \beta_2 v + (1-\beta_2) g^2`."""
    ema_into(out_m, m, g, beta1)
    square_ema_into(out_v, v, g, beta2, work)


def adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, *,
         decoupled_weight_decay=False):
    r"""Adam (Kingma & Ba, 2015), exactly as ``torch.optim.Adam``.

    .. math::
       \begin{aligned}
       &\textbf{input: } \eta \text{ (lr)},\ \beta_1, \beta_2 \text{ (betas)},\ \theta_0,
            \ \epsilon \text{ (eps)},\ \lambda \text{ (weight\_decay)},\ \textit{amsgrad} \\
       &\textbf{initialize: } m_0 \leftarrow 0,\ v_0 \leftarrow 0,\ \hat v_0^{\max} \leftarrow 0 \\
       &\textbf{for } t = 1, 2, \ldots \textbf{ do} \\
       &\quad g_t \leftarrow \nabla L(\theta_{t-1}) \\
       &\quad \textbf{if } \textit{decoupled\_weight\_decay}:\
            \theta_{t-1} \leftarrow \theta_{t-1}(1 - \eta\lambda)
            \quad\textbf{else: } g_t \leftarrow g_t + \lambda\theta_{t-1} \\
       &\quad m_t \leftarrow \beta_1 m_{t-1} + (1-\beta_1) g_t \\
       &\quad v_t \leftarrow \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
       &\quad \textbf{if } \textit{amsgrad}:\ v^{\max}_t \leftarrow \max(v^{\max}_{t-1}, v_t),
            \ v_t \leftarrow v^{\max}_t \text{ (in the denominator only)} \\
       &\quad \theta_t \leftarrow \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,
            \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}
       \end{aligned}

    Conventions (where references differ):

    * **Bias correction** divides :math:`m_t` by :math:`1-\beta_1^t` and
      :math:`\sqrt{v_t}` by :math:`\sqrt{1-\beta_2^t}`, undoing the pull of the
      zero start; ε is added *after* that correction and *outside* the square root
      (some write :math:`\sqrt{\hat v_t + \epsilon}`).
    * Adam is momentum (the first moment :math:`m`) with RMSprop's per-coordinate
      scaling (the second moment :math:`v`), plus bias correction; it is not
      "AdaGrad plus RMSprop".
    * **weight_decay** is L2 regularisation by default: :math:`\lambda\theta` joins
      the gradient and is then divided by :math:`\sqrt{v}`, so heavily-updated
      coordinates are decayed less. ``decoupled_weight_decay=True`` is AdamW
      (:func:`adamw`), which decays θ directly.
    * **AMSGrad** (Reddi et al., 2018) keeps the running maximum of :math:`v_t`
      and uses it, bias-corrected, in the denominator.
    * torch's ``maximize``, ``foreach``, ``capturable``, ``differentiable`` and
      ``fused`` flags are omitted (negate the gradient to maximise).
    """
    lr_at, beta1, beta2, eps, weight_decay = _check_common(lr, betas, eps, weight_decay)
    amsgrad = check_flag("amsgrad", amsgrad)
    decoupled = check_flag("decoupled_weight_decay", decoupled_weight_decay)

    def init(params):
        zeros = np.zeros_like(as_params(params))  # shared: nothing is ever written in place
        return AdamState(step=0, exp_avg=zeros, exp_avg_sq=zeros, max_exp_avg_sq=zeros if amsgrad else None)

    def update(params, grads, state):
        params, grads = check_update(params, grads, state, AdamState)
        if amsgrad and state.max_exp_avg_sq is None:
            raise ValueError("invalid state with max_exp_avg_sq = None, expected the state of an amsgrad=True optimizer")
        lr, step = lr_at(state.step), state.step + 1
        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        new_params, new_m, new_v, new_vmax = empty(params, 4) if amsgrad else (*empty(params, 3), None)

        def kernel(theta, g, m, v, vmax, out_theta, out_m, out_v, out_vmax, work, denom):
            theta, g = _decay(theta, g, lr, weight_decay, decoupled, out_theta, work)
            _moments(g, m, v, beta1, beta2, out_m, out_v, denom)
            if amsgrad:
                out_v = np.maximum(vmax, out_v, out=out_vmax)
            np.sqrt(out_v, out=denom)
            np.divide(denom, bias_correction2_sqrt, out=denom)
            np.add(denom, eps, out=denom)
            np.multiply(out_m, -step_size, out=work)
            np.divide(work, denom, out=work)
            np.add(theta, work, out=out_theta)

        blockwise(kernel, [params, grads, state.exp_avg, state.exp_avg_sq, state.max_exp_avg_sq],
                  [new_params, new_m, new_v, new_vmax], scratch=2)
        return new_params, AdamState(step, new_m, new_v, new_vmax)

    return Optimizer(init, update, same_point)


def adamw(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
    r"""AdamW (Loshchilov & Hutter, 2019), exactly as ``torch.optim.AdamW``.

    Adam with *decoupled* weight decay: each step first shrinks the parameters,
    :math:`\theta_{t-1} \leftarrow \theta_{t-1}(1 - \eta\lambda)`, then takes Adam's
    step with the unmodified gradient (see :func:`adam` for the rest of the rule).
    Note the default ``weight_decay=1e-2`` (Adam's is 0).

    AdamW is *not* "Adam with L2 regularisation": with L2 the penalty's gradient
    λθ is divided by :math:`\sqrt{\hat v}` like the rest of the gradient, so the
    effective decay differs from coordinate to coordinate; decoupling keeps the
    decay rate ηλ the same for every weight, which is the point of the method.
    (torch multiplies λ by the current η, as the paper's schedule multiplier does.)
    """
    return adam(lr, betas, eps, weight_decay, amsgrad, decoupled_weight_decay=True)
