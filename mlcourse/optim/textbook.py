r"""The textbook forms of momentum and Nesterov's accelerated gradient, and their link to torch's.

torch's :func:`~mlcourse.optim.sgd` writes both methods in other variables. The
docstrings below prove that the methods are the same; the tests check it.
"""

from typing import NamedTuple

import numpy as np

from .._checks import check_range
from ._base import Optimizer, as_params, check_update, learning_rate, same_point
from ._blocks import apply


class MomentumState(NamedTuple):
    step: int  # updates done so far
    velocity: np.ndarray  # m, the last step taken (m_0 = 0)


def _velocity_method(lr, beta, lookahead):
    """``m <- βm - ηg, θ <- θ + m``; the two methods differ only in where g is taken."""
    lr_at = learning_rate(lr)
    beta = check_range("beta", beta, 0, 1, high_open=True)

    def init(params):
        return MomentumState(step=0, velocity=np.zeros_like(as_params(params)))

    def update(params, grads, state):
        params, grads, state = check_update(params, grads, state, MomentumState)
        lr = lr_at(state.step)

        def rule(theta, g, m):
            m = beta * m - lr * g
            theta = theta + m
            return theta, m

        theta, m = apply(rule, params, grads, state.velocity)
        return theta, MomentumState(step=state.step + 1, velocity=m)

    def nesterov_point(params, state):
        """θ + βm, where Nesterov evaluates the next gradient."""
        if type(state) is not MomentumState:
            raise TypeError(f"invalid state of type {type(state).__name__}, expected MomentumState")
        params = as_params(params)
        return params + beta * state.velocity.astype(params.dtype, copy=False)

    return Optimizer(init, update, nesterov_point if lookahead else same_point)


def momentum(lr, beta=0.9):
    r"""Gradient descent with momentum, in the textbook form (Polyak, 1964; Sutskever et al., 2013).

    .. math::
       \begin{aligned}
       &\textbf{input: } \eta \text{ (lr)},\ \beta \text{ (beta)},\ \theta_0;
            \quad \textbf{initialize: } m_0 \leftarrow 0 \\
       &\textbf{for } t = 1, 2, \ldots \textbf{ do} \\
       &\quad m_t \leftarrow \beta m_{t-1} - \eta \nabla L(\theta_{t-1}) \\
       &\quad \theta_t \leftarrow \theta_{t-1} + m_t
       \end{aligned}

    The velocity :math:`m` is the step just taken; β is "one minus friction"
    (β = 0 is plain gradient descent).

    **Relation to torch's form.** ``sgd(lr=η, momentum=β)`` keeps
    :math:`b_t = \beta b_{t-1} + g_t` (:math:`b_1 = g_1`) and steps
    :math:`\theta_t = \theta_{t-1} - \eta b_t`. *Claim:* for a constant η, both
    produce the same :math:`\theta_t` for every t, with :math:`m_t = -\eta b_t`.

    *Proof* by induction on t. At t = 1, :math:`m_1 = \beta\cdot 0 - \eta g_1 = -\eta b_1`.
    If :math:`m_{t-1} = -\eta b_{t-1}` and both runs are at the same
    :math:`\theta_{t-1}` (hence see the same :math:`g_t`), then
    :math:`m_t = \beta m_{t-1} - \eta g_t = -\eta(\beta b_{t-1} + g_t) = -\eta b_t`,
    so :math:`\theta_{t-1} + m_t = \theta_{t-1} - \eta b_t`: the same :math:`\theta_t`. ∎

    (torch's :math:`b_1 = g_1` is what :math:`b_0 = 0` would give anyway; it only
    matters with ``dampening``.) With a schedule :math:`\eta_t` the identity
    breaks: the textbook velocity remembers each gradient with the η of its own
    step, :math:`m_t = -\sum_s \beta^{t-s}\eta_s g_s`, while torch rescales the whole
    sum by the current one, :math:`-\eta_t \sum_s \beta^{t-s} g_s`.

    The notes' rule ":math:`\theta_{n+1} = \beta m_{n-1} - \eta\nabla L(\theta_n)`" is
    garbled; the update is the pair above. ``lookahead`` returns θ.
    """
    return _velocity_method(lr, beta, lookahead=False)


def nesterov(lr, beta=0.9):
    r"""Nesterov's accelerated gradient, in the textbook form (Nesterov, 1983; Sutskever et al., 2013).

    .. math::
       \begin{aligned}
       &\textbf{input: } \eta \text{ (lr)},\ \beta \text{ (beta)},\ \theta_0;
            \quad \textbf{initialize: } m_0 \leftarrow 0 \\
       &\textbf{for } t = 1, 2, \ldots \textbf{ do} \\
       &\quad m_t \leftarrow \beta m_{t-1} - \eta \nabla L(\theta_{t-1} + \beta m_{t-1}) \\
       &\quad \theta_t \leftarrow \theta_{t-1} + m_t
       \end{aligned}

    Momentum that looks before it leaps: the gradient is taken at the point the
    momentum is about to carry us to, :math:`\theta + \beta m`, which ``lookahead``
    returns; every training loop evaluates the gradient there and passes it to
    ``update``.

    **Relation to torch's form.** ``sgd(lr=η, momentum=β, nesterov=True)`` takes the
    gradient at its own parameters φ and steps
    :math:`b_t = \beta b_{t-1} + g_t`, :math:`\varphi_t = \varphi_{t-1} - \eta(g_t + \beta b_t)`.
    *Claim:* for a constant η, torch's parameters are the textbook look-ahead
    points, :math:`\varphi_t = \theta_t + \beta m_t`, with :math:`m_t = -\eta b_t`.

    *Proof.* Let :math:`\varphi_t = \theta_t + \beta m_t`; then
    :math:`\varphi_0 = \theta_0` (as :math:`m_0 = 0`) and the textbook gradient is
    :math:`g_t = \nabla L(\varphi_{t-1})`, the one torch takes. By induction,
    :math:`m_t = -\eta b_t` as for :func:`momentum`. Then

    .. math::
       \varphi_t = \theta_{t-1} + m_t + \beta m_t
       = \varphi_{t-1} - \beta m_{t-1} + (1+\beta)(\beta m_{t-1} - \eta g_t)
       = \varphi_{t-1} + \beta(\beta m_{t-1} - \eta g_t) - \eta g_t
       = \varphi_{t-1} + \beta m_t - \eta g_t
       = \varphi_{t-1} - \eta(g_t + \beta b_t). \quad \blacksquare

    So the two differ only in which point they report: torch's parameters are
    where the gradient is taken (the look-ahead point φ), the textbook's are θ,
    and :math:`\theta_t = \varphi_t - \beta m_t`. Both converge to the same minimiser.
    """
    return _velocity_method(lr, beta, lookahead=True)
