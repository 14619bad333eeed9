r"""Adam and its variants: AdamW, Adamax, NAdam.

AdamW is Adam with one flag (``decoupled_weight_decay``) and its own docstring;
Adamax and NAdam change the step itself, so each has its own rule, written, like
Adam's, line for line as its docstring's formula.
"""

from typing import NamedTuple

import numpy as np

from .._checks import check_flag, check_range
from ._base import Optimizer, as_params, check_betas, check_update, learning_rate, lerp, same_point
from ._blocks import apply


class AdamState(NamedTuple):
    step: int  # updates done so far
    exp_avg: np.ndarray  # m, first moment
    exp_avg_sq: np.ndarray  # v, second moment
    max_exp_avg_sq: np.ndarray | None  # max of v so far (AMSGrad); None otherwise


def _check_common(lr, betas, eps, weight_decay):
    return (learning_rate(lr), *check_betas(betas), check_range("eps", eps, 0),
            check_range("weight_decay", weight_decay, 0))


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
      (some write :math:`\sqrt{\hat v_t + \epsilon}`). The last line is the paper's
      :math:`\theta_t \leftarrow \theta_{t-1} - \eta\,\hat m_t / (\sqrt{\hat v_t} + \epsilon)`
      with :math:`\hat m_t = m_t/(1-\beta_1^t)` and :math:`\hat v_t = v_t/(1-\beta_2^t)`,
      arranged as torch computes it (the code follows torch's arrangement, so that
      the numbers agree to the last bit).
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
        params = as_params(params)
        return AdamState(step=0, exp_avg=np.zeros_like(params), exp_avg_sq=np.zeros_like(params),
                         max_exp_avg_sq=np.zeros_like(params) if amsgrad else None)

    def update(params, grads, state):
        params, grads, state = check_update(params, grads, state, AdamState)
        if amsgrad and state.max_exp_avg_sq is None:
            raise ValueError("invalid state with max_exp_avg_sq = None, "
                             "expected the state of an amsgrad=True optimizer")
        lr, t = lr_at(state.step), state.step + 1

        def rule(theta, g, m, v, v_max):
            if weight_decay:
                if decoupled:
                    theta = theta * (1 - lr * weight_decay)
                else:
                    g = g + weight_decay * theta
            m = lerp(m, g, 1 - beta1)  # β₁m + (1 - β₁)g, computed as torch computes it
            v = beta2 * v + (1 - beta2) * g * g
            if amsgrad:
                v_max = np.maximum(v_max, v)
            denominator = np.sqrt(v_max if amsgrad else v) / (1 - beta2**t) ** 0.5 + eps
            theta = theta - lr / (1 - beta1**t) * m / denominator
            return theta, m, v, v_max

        theta, m, v, v_max = apply(rule, params, grads, state.exp_avg, state.exp_avg_sq, state.max_exp_avg_sq)
        return theta, AdamState(step=t, exp_avg=m, exp_avg_sq=v, max_exp_avg_sq=v_max)

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
        params = as_params(params)
        return AdamaxState(step=0, exp_avg=np.zeros_like(params), exp_inf=np.zeros_like(params))

    def update(params, grads, state):
        params, grads, state = check_update(params, grads, state, AdamaxState)
        lr, t = lr_at(state.step), state.step + 1

        def rule(theta, g, m, u):
            if weight_decay:
                g = g + weight_decay * theta
            m = lerp(m, g, 1 - beta1)
            u = np.maximum(beta2 * u, np.abs(g) + eps)
            theta = theta - lr / (1 - beta1**t) * m / u
            return theta, m, u

        theta, m, u = apply(rule, params, grads, state.exp_avg, state.exp_inf)
        return theta, AdamaxState(step=t, exp_avg=m, exp_inf=u)

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
       &\quad \hat v_t \leftarrow \frac{v_t}{1-\beta_2^t} \\
       &\quad \theta_t \leftarrow \theta_{t-1}
              - \frac{\eta(1-\mu_t)}{1-\Pi_t}\,\frac{g_t}{\sqrt{\hat v_t} + \epsilon}
              - \frac{\eta\,\mu_{t+1}}{1-\Pi_t\mu_{t+1}}\,\frac{m_t}{\sqrt{\hat v_t} + \epsilon}
       \end{aligned}

    That is :math:`\theta_t = \theta_{t-1} - \eta\,\hat m_t / (\sqrt{\hat v_t} + \epsilon)`
    with the Nesterov-corrected moment
    :math:`\hat m_t = \frac{(1-\mu_t) g_t}{1-\Pi_t} + \frac{\mu_{t+1} m_t}{1-\Pi_t\mu_{t+1}}`,
    taken in two steps, the gradient's and the momentum's, as torch takes them.

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
        params = as_params(params)
        return NAdamState(step=0, mu_product=params.dtype.type(1.0), exp_avg=np.zeros_like(params),
                          exp_avg_sq=np.zeros_like(params))

    def update(params, grads, state):
        params, grads, state = check_update(params, grads, state, NAdamState)
        lr, t = lr_at(state.step), state.step + 1
        mu_t, mu_next = mu(t), mu(t + 1)
        mu_product = state.mu_product * params.dtype.type(mu_t)  # Π_t, rounded like torch's
        pi_t = float(mu_product)

        def rule(theta, g, m, v):
            if weight_decay:
                if decoupled:
                    theta = theta * (1 - lr * weight_decay)
                else:
                    g = g + weight_decay * theta
            m = lerp(m, g, 1 - beta1)
            v = beta2 * v + (1 - beta2) * g * g
            denominator = np.sqrt(v / (1 - beta2**t)) + eps
            theta = theta - lr * (1 - mu_t) / (1 - pi_t) * g / denominator
            theta = theta - lr * mu_next / (1 - pi_t * mu_next) * m / denominator
            return theta, m, v

        theta, m, v = apply(rule, params, grads, state.exp_avg, state.exp_avg_sq)
        return theta, NAdamState(step=t, mu_product=mu_product, exp_avg=m, exp_avg_sq=v)

    return Optimizer(init, update, same_point)
