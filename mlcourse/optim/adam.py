r"""Adam and its variants: AdamW, Adamax, NAdam.

The variants reuse Adam's pieces (weight decay, the two moment averages) rather
than copying them; each keeps its own docstring, which states its rule.
"""

from typing import NamedTuple

import numpy as np

from .._checks import check_range
from ._base import (Optimizer, as_params, blockwise, check_betas, check_flag, check_update, empty,
                    ema_into, l2_into, learning_rate, same_point, square_ema_into)


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
       &\textbf{initialize: } m_0 \leftarrow 0,\ v_0 \leftarrow 0,\ v_0^{\max} \leftarrow 0 \\
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
      "AdaGrad plus RMSprop". Both moments average the *current* gradient
      :math:`g_t` into the past ones (the notes' "carbon gradient" is a slip).
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
            raise ValueError("invalid state with max_exp_avg_sq = None, "
                             "expected the state of an amsgrad=True optimizer")
        lr, step = lr_at(state.step), state.step + 1
        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        new_params, new_m, new_v, new_vmax = empty(params, 4) if amsgrad else (*empty(params, 3), None)

        def kernel(theta, g, m, v, vmax, out_theta, out_m, out_v, out_vmax, work, denom):
            theta, g = _decay(theta, g, lr, weight_decay, decoupled, out_theta, work)
            _moments(g, m, v, beta1, beta2, out_m, out_v, denom)
            if amsgrad:  # the denominator uses the largest v so far
                out_v = np.maximum(vmax, out_v, out=out_vmax)
            # denom = sqrt(v) / sqrt(1 - beta2^t) + eps
            np.sqrt(out_v, out=denom)
            np.divide(denom, bias_correction2_sqrt, out=denom)
            np.add(denom, eps, out=denom)
            # theta - lr / (1 - beta1^t) * m / denom
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

    AdamW is *not* "Adam with L2 regularisation" (the notes' wording): with L2 the
    penalty's gradient λθ is divided by :math:`\sqrt{\hat v}` like the rest of the
    gradient, so the effective decay differs from coordinate to coordinate and is
    weakest where gradients are large; decoupling keeps the decay rate ηλ the same
    for every weight, which is the point of the method. For plain SGD the two
    coincide, which is why the names get mixed up.

    Convention: torch shrinks by :math:`\eta\lambda` with η the full (scheduled)
    learning rate; the paper writes :math:`\eta_t\lambda` with :math:`\eta_t` the
    schedule *multiplier* only, so that there λ does not change when the base
    learning rate does. Here, as in torch, doubling ``lr`` doubles the decay.
    """
    return adam(lr, betas, eps, weight_decay, amsgrad, decoupled_weight_decay=True)


class AdamaxState(NamedTuple):
    step: int  # updates done so far
    exp_avg: np.ndarray  # m, first moment
    exp_inf: np.ndarray  # u, exponentially weighted infinity norm


def adamax(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    r"""Adamax (Kingma & Ba, 2015, section 7), exactly as ``torch.optim.Adamax``.

    .. math::
       \begin{aligned}
       &\textbf{input: } \eta \text{ (lr)},\ \beta_1, \beta_2 \text{ (betas)},\ \theta_0,
            \ \epsilon \text{ (eps)},\ \lambda \text{ (weight\_decay)} \\
       &\textbf{initialize: } m_0 \leftarrow 0,\ u_0 \leftarrow 0 \\
       &\textbf{for } t = 1, 2, \ldots \textbf{ do} \\
       &\quad g_t \leftarrow \nabla L(\theta_{t-1}) + \lambda\theta_{t-1} \\
       &\quad m_t \leftarrow \beta_1 m_{t-1} + (1-\beta_1) g_t \\
       &\quad u_t \leftarrow \max(\beta_2 u_{t-1},\ |g_t| + \epsilon) \\
       &\quad \theta_t \leftarrow \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,\frac{m_t}{u_t}
       \end{aligned}

    Adam with the :math:`L^2` norm of past gradients replaced by the :math:`L^\infty`
    norm: :math:`u_t` needs no bias correction. Conventions: ε sits *inside* the
    maximum, added to :math:`|g_t|` (the paper has no ε; Keras adds it outside,
    :math:`m/(u+\epsilon)`, which differs once gradients get small); ``weight_decay``
    is L2 (added to the gradient). torch's ``maximize``, ``foreach``, ``capturable`` and
    ``differentiable`` flags are omitted.
    """
    lr_at, beta1, beta2, eps, weight_decay = _check_common(lr, betas, eps, weight_decay)

    def init(params):
        zeros = np.zeros_like(as_params(params))
        return AdamaxState(step=0, exp_avg=zeros, exp_inf=zeros)

    def update(params, grads, state):
        params, grads = check_update(params, grads, state, AdamaxState)
        lr, step = lr_at(state.step), state.step + 1
        clr = lr / (1 - beta1**step)
        new_params, new_m, new_u = empty(params, 3)

        def kernel(theta, g, m, u, out_theta, out_m, out_u, work):
            g = l2_into(work, g, theta, weight_decay)
            ema_into(out_m, m, g, beta1)
            # u = max(beta2 u, |g| + eps), with out_theta as scratch
            np.multiply(u, beta2, out=out_u)
            np.abs(g, out=out_theta)
            np.add(out_theta, eps, out=out_theta)
            np.maximum(out_u, out_theta, out=out_u)
            # theta - lr / (1 - beta1^t) * m / u
            np.multiply(out_m, -clr, out=out_theta)
            np.divide(out_theta, out_u, out=out_theta)
            np.add(theta, out_theta, out=out_theta)

        blockwise(kernel, [params, grads, state.exp_avg, state.exp_inf], [new_params, new_m, new_u], scratch=1)
        return new_params, AdamaxState(step, new_m, new_u)

    return Optimizer(init, update, same_point)


class NAdamState(NamedTuple):
    step: int  # updates done so far
    mu_product: np.floating  # product of the momentum coefficients mu_1 ... mu_t
    exp_avg: np.ndarray  # m, first moment
    exp_avg_sq: np.ndarray  # v, second moment


def nadam(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
          decoupled_weight_decay=False):
    r"""NAdam (Dozat, 2016), exactly as ``torch.optim.NAdam``: Adam with Nesterov momentum.

    .. math::
       \begin{aligned}
       &\textbf{input: } \eta \text{ (lr)},\ \beta_1, \beta_2 \text{ (betas)},\ \theta_0,
            \ \epsilon,\ \lambda \text{ (weight\_decay)},\ \psi \text{ (momentum\_decay)} \\
       &\textbf{initialize: } m_0 \leftarrow 0,\ v_0 \leftarrow 0,\ \Pi_0 \leftarrow 1 \\
       &\textbf{for } t = 1, 2, \ldots \textbf{ do} \\
       &\quad g_t \leftarrow \nabla L(\theta_{t-1}) \\
       &\quad \textbf{if } \textit{decoupled\_weight\_decay}:\
            \theta_{t-1} \leftarrow \theta_{t-1}(1 - \eta\lambda)
            \quad\textbf{else: } g_t \leftarrow g_t + \lambda\theta_{t-1} \\
       &\quad \mu_t \leftarrow \beta_1\bigl(1 - \tfrac12 0.96^{t\psi}\bigr),\quad
              \mu_{t+1} \leftarrow \beta_1\bigl(1 - \tfrac12 0.96^{(t+1)\psi}\bigr),\quad
              \Pi_t \leftarrow \Pi_{t-1}\mu_t \\
       &\quad m_t \leftarrow \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
              v_t \leftarrow \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
       &\quad \hat m_t \leftarrow \frac{(1-\mu_t)\, g_t}{1-\Pi_t}
              + \frac{\mu_{t+1}\, m_t}{1-\Pi_t\mu_{t+1}},\quad
              \hat v_t \leftarrow \frac{v_t}{1-\beta_2^t} \\
       &\quad \theta_t \leftarrow \theta_{t-1} - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}
       \end{aligned}

    Conventions: the Nesterov look-ahead is folded into the step (the current
    gradient enters with weight :math:`1-\mu_t`, the momentum with the *next*
    coefficient :math:`\mu_{t+1}`), so the gradient is still taken at θ, as in
    torch's SGD-Nesterov; the momentum coefficient :math:`\mu_t` warms up from
    :math:`\beta_1/2` towards :math:`\beta_1` at a rate set by ψ (Dozat's schedule),
    and :math:`\Pi_t` (torch's ``mu_product``) is its running product, used for
    bias correction. ε is outside the square root. ``weight_decay`` is L2 unless
    ``decoupled_weight_decay=True`` (AdamW-style, "NAdamW"). ``mu_product`` is kept
    in the parameters' dtype, as torch keeps it in its default dtype (set
    ``torch.set_default_dtype(torch.float64)`` to compare float64 runs). torch's
    ``maximize``, ``foreach``, ``capturable`` and ``differentiable`` flags are omitted.
    """
    lr_at, beta1, beta2, eps, weight_decay = _check_common(lr, betas, eps, weight_decay)
    momentum_decay = check_range("momentum_decay", momentum_decay, 0)
    decoupled = check_flag("decoupled_weight_decay", decoupled_weight_decay)

    def mu(t):
        return beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))

    def init(params):
        zeros = np.zeros_like(as_params(params))
        return NAdamState(step=0, mu_product=zeros.dtype.type(1.0), exp_avg=zeros, exp_avg_sq=zeros)

    def update(params, grads, state):
        params, grads = check_update(params, grads, state, NAdamState)
        lr, step = lr_at(state.step), state.step + 1
        bias_correction2 = 1 - beta2**step
        mu_now, mu_next = mu(step), mu(step + 1)
        mu_product = state.mu_product * params.dtype.type(mu_now)  # rounded like torch's
        grad_weight = -lr * (1.0 - mu_now) / (1.0 - float(mu_product))
        avg_weight = (-lr * mu_next) / (1.0 - float(mu_product) * mu_next)
        new_params, new_m, new_v = empty(params, 3)

        def kernel(theta, g, m, v, out_theta, out_m, out_v, work, denom):
            theta, g = _decay(theta, g, lr, weight_decay, decoupled, out_theta, work)
            _moments(g, m, v, beta1, beta2, out_m, out_v, denom)
            # denom = sqrt(v / (1 - beta2^t)) + eps: inside the root, unlike Adam's
            np.divide(out_v, bias_correction2, out=denom)
            np.sqrt(denom, out=denom)
            np.add(denom, eps, out=denom)
            # two steps, as torch's two addcdiv_: the gradient's, then the momentum's
            np.multiply(g, grad_weight, out=work)
            np.divide(work, denom, out=work)
            np.add(theta, work, out=out_theta)
            np.multiply(out_m, avg_weight, out=work)
            np.divide(work, denom, out=work)
            np.add(out_theta, work, out=out_theta)

        blockwise(kernel, [params, grads, state.exp_avg, state.exp_avg_sq], [new_params, new_m, new_v], scratch=2)
        return new_params, NAdamState(step, mu_product, new_m, new_v)

    return Optimizer(init, update, same_point)
