r"""Quantities that explain adaptive optimizers (chapter 6): rates, weights, bounds.

The optimizers themselves live in :mod:`mlcourse.optim`; this module computes what
one reads *off* them:

* :func:`bias_correction`: :math:`1 - \beta^t`, the weight a zero-started moving
  average has gathered after ``t`` updates (Adam divides by it);
* :func:`ema_weights`: the weight of each past gradient in such an average;
* :func:`effective_lr`: the per-coordinate learning rate of an adaptive
  optimizer's last update, read from its state;
* :func:`adam_step_bound`: how long one coordinate's Adam step can be, in units
  of η;
* :func:`adadelta_first_step`: the length of Adadelta's first step, set by ε;
* :func:`normalized_step`: :math:`\hat m / (\sqrt{\hat v} + \epsilon)`, the step per
  unit of η, with ε outside the square root (torch, the Adam paper) or inside it;
* :func:`nadam_momentum`: the momentum coefficient :math:`\mu_t` of NAdam's warm-up.

Each is tested against the optimizers' own updates (``tests/test_adaptive.py``).
"""

import numpy as np

from mlcourse._checks import check_int, check_range
from mlcourse.optim import AdagradState, AdamState, RMSpropState
from mlcourse.optim._base import check_betas

__all__ = ["bias_correction", "ema_weights", "effective_lr", "adam_step_bound", "adadelta_first_step",
           "normalized_step", "nadam_momentum"]


def _steps(t):
    """``t`` as an int or int array of update counts, each >= 1."""
    array = np.asarray(t)
    if array.dtype.kind not in "iu" or (array.size and array.min() < 1):
        raise ValueError(f"invalid t = {t!r}, expected an update count t >= 1 (an int or an int array)")
    return array


def bias_correction(beta, t):
    r"""The total weight :math:`1 - \beta^t` of a moving average started at zero.

    An exponential moving average :math:`a_t = \beta a_{t-1} + (1-\beta) x_t` with
    :math:`a_0 = 0` is, after ``t`` updates, a weighted sum of :math:`x_1 .. x_t`
    whose weights add up to :math:`1 - \beta^t` (:func:`ema_weights`). If the
    :math:`x_k` share one mean, :math:`\mathbb E[a_t] = (1-\beta^t)\,\mathbb E[x]`:
    the average is biased towards its zero start, and dividing by
    :math:`1 - \beta^t` removes that bias. Adam divides :math:`m_t` by
    :math:`1-\beta_1^t` and :math:`v_t` by :math:`1-\beta_2^t`, with ``t`` counted
    from 1 (at ``t = 0`` the factor is 0).

    Args:
        beta: the decay :math:`0 \le \beta < 1`.
        t: the number of updates so far, an int >= 1 or an int array of them.
    """
    beta = check_range("beta", beta, 0, 1, high_open=True)
    t = _steps(t)
    return 1.0 - beta ** t.astype(np.float64) if t.ndim else 1.0 - beta ** int(t)


def ema_weights(beta, t):
    r"""The weights of :math:`x_1, \dots, x_t` in a zero-started moving average after ``t`` updates.

    Unrolling :math:`a_t = \beta a_{t-1} + (1-\beta) x_t` from :math:`a_0 = 0` gives

    .. math:: a_t = \sum_{k=1}^{t} (1-\beta)\,\beta^{t-k}\, x_k ,

    so the newest value has weight :math:`1-\beta` and each older one :math:`\beta`
    times less: every past value keeps a (shrinking) positive weight, unlike a
    fixed window, which counts the last few values equally and forgets the rest.
    The weights add up to :func:`bias_correction` :math:`1-\beta^t`; their
    "memory", :math:`\sum_k (t-k)\,w_k / \sum_k w_k`, tends to
    :math:`\beta/(1-\beta)` steps back as ``t`` grows.

    Returns a float64 array of length ``t``, oldest first.
    """
    beta = check_range("beta", beta, 0, 1, high_open=True)
    t = check_int("t", t, low=1)
    age = np.arange(t - 1, -1, -1, dtype=np.float64)  # t - k for k = 1 .. t
    return (1.0 - beta) * beta ** age


def effective_lr(state, lr, eps, betas=(0.9, 0.999), lr_decay=0.0):
    r"""The per-coordinate learning rate of the update that produced ``state``.

    Adaptive methods divide by a running size of each coordinate's gradients, so
    each coordinate gets its own step size. Read from the optimizer's state after an
    update (the hyperparameters must be those the optimizer was built with):

    * :func:`mlcourse.optim.adagrad` (``AdagradState``):
      :math:`\tilde\eta_t / (\sqrt{s_t} + \epsilon)` with
      :math:`\tilde\eta_t = \eta / (1 + (t-1)\delta)` (``lr_decay`` δ), so that the
      update was :math:`\theta_t = \theta_{t-1} - \text{rate}\cdot g_t`;
    * :func:`mlcourse.optim.rmsprop` without momentum (``RMSpropState``):
      :math:`\eta / (\sqrt{v_t} + \epsilon)`, or
      :math:`\eta / (\sqrt{v_t - \bar g_t^2} + \epsilon)` if centered; the update
      was :math:`\theta_t = \theta_{t-1} - \text{rate}\cdot g_t`;
    * :func:`mlcourse.optim.adam` and ``adamw`` (``AdamState``):
      :math:`\frac{\eta}{1-\beta_1^t} \big/ \big(\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon\big)`
      (with the running maximum of :math:`v` under AMSGrad), the factor that
      multiplies the first moment: :math:`\theta_t = \theta_{t-1} - \text{rate}\cdot m_t`
      (before AdamW's decay). Multiplied by ``weight_decay`` λ it is the
      fraction by which Adam's *L2* term shrinks each weight per step when
      :math:`\beta_1 = 0` (with momentum, spread over the following steps); AdamW
      shrinks every weight by :math:`\eta\lambda` instead.

    ``lr`` is the learning rate of that update (a number). Returns an array shaped
    like the parameters.
    """
    lr = check_range("lr", lr, 0)
    eps = check_range("eps", eps, 0)
    if isinstance(state, AdagradState):
        lr_decay = check_range("lr_decay", lr_decay, 0)
        return lr / (1 + (state.step - 1) * lr_decay) / (np.sqrt(state.sum) + eps)
    if isinstance(state, RMSpropState):
        if state.momentum_buffer is not None:
            raise ValueError("invalid state with a momentum_buffer: with momentum, RMSprop's step is "
                             "not a rate times the gradient, expected the state of an rmsprop with momentum = 0")
        square = state.square_avg if state.grad_avg is None else state.square_avg - state.grad_avg ** 2
        return lr / (np.sqrt(square) + eps)
    if isinstance(state, AdamState):
        beta1, beta2 = check_betas(betas)
        if state.step < 1:
            raise ValueError(f"invalid state with step = {state.step}, expected the state after an update")
        v = state.exp_avg_sq if state.max_exp_avg_sq is None else state.max_exp_avg_sq
        step_size = lr / bias_correction(beta1, state.step)
        return step_size / (np.sqrt(v) / np.sqrt(bias_correction(beta2, state.step)) + eps)
    raise TypeError(f"invalid state of type {type(state).__name__}, expected AdagradState, "
                    "RMSpropState or AdamState (the state of adagrad, rmsprop, adam or adamw)")


def adam_step_bound(lr, betas=(0.9, 0.999), t=None):
    r"""The longest step one coordinate can take in Adam's update ``t`` (ε = 0), over all gradients.

    The step is :math:`\Delta_t = \eta\, \hat m_t / \sqrt{\hat v_t}` with
    :math:`\hat m_t = \sum_k a_k g_k` and :math:`\hat v_t = \sum_k b_k g_k^2`, where
    :math:`a_k` and :math:`b_k` are the bias-corrected weights of the two averages
    (:func:`ema_weights` divided by :func:`bias_correction`). By the Cauchy–Schwarz
    inequality, :math:`|\sum_k a_k g_k| \le \sqrt{\sum_k a_k^2/b_k}\,\sqrt{\sum_k b_k g_k^2}`, so

    .. math::
       \frac{|\Delta_t|}{\eta} \le \sqrt{\sum_{k=1}^{t} \frac{a_k^2}{b_k}}
       = \frac{1-\beta_1}{1-\beta_1^t}\sqrt{\frac{1-\beta_2^t}{1-\beta_2}
         \sum_{j=0}^{t-1} r^j}, \qquad r = \frac{\beta_1^2}{\beta_2},

    with equality for gradients :math:`g_k \propto a_k/b_k`, i.e. growing by the
    factor :math:`\beta_2/\beta_1` per step: the bound is attained. It grows with
    ``t``; with ``t=None`` this returns its limit,
    :math:`\eta\,(1-\beta_1)/\sqrt{(1-\beta_2)(1-r)}`, finite exactly when
    :math:`\beta_1 < \sqrt{\beta_2}` (the condition of Adam's convergence theorems),
    ``inf`` otherwise. For the defaults (0.9, 0.999) it is about :math:`7.3\,\eta`.

    Kingma and Ba (2015, section 2.1) give the rougher picture: about η when
    gradients are steady (a mean is at most a root mean square), and
    :math:`\eta(1-\beta_1)/\sqrt{1-\beta_2}` (3.16 η for the defaults) for one
    gradient after a long silence. Either way the step's *length* is set by η,
    whatever the scale of the gradient.
    """
    lr = check_range("lr", lr, 0)
    beta1, beta2 = check_betas(betas)
    if beta2 == 0:  # v holds the last g² only: older gradients in m are unbounded next to it
        return float(lr) if beta1 == 0 else float("inf")
    r = beta1 * beta1 / beta2
    if t is None:
        return float(lr * (1 - beta1) / np.sqrt((1 - beta2) * (1 - r))) if r < 1 else float("inf")
    t = check_int("t", t, low=1)
    powers = t if r == 1 else (1 - r**t) / (1 - r)  # sum of r^j for j < t
    return float(lr * (1 - beta1) / bias_correction(beta1, t)
                 * np.sqrt(bias_correction(beta2, t) / (1 - beta2) * powers))


def adadelta_first_step(grad, rho=0.9, eps=1e-6, lr=1.0):
    r"""The length of Adadelta's first step, :math:`\eta\,\sqrt{\epsilon}\,|g_1| / \sqrt{(1-\rho)g_1^2 + \epsilon}`.

    Adadelta starts with no record of past steps (:math:`u_0 = 0`), so its first
    step is :math:`\sqrt{u_0+\epsilon}/\sqrt{v_1+\epsilon}\;g_1` with
    :math:`v_1 = (1-\rho)g_1^2`: about :math:`\sqrt{\epsilon/(1-\rho)}` whenever
    :math:`g_1^2 \gg \epsilon`, whatever the problem's scale. ε, not the gradient,
    sets how far Adadelta moves at first (and ``lr``, torch's extra factor).
    """
    rho = check_range("rho", rho, 0, 1)
    eps = check_range("eps", eps, 0)
    lr = check_range("lr", lr, 0)
    g = np.abs(np.asarray(grad, dtype=np.float64))
    return lr * np.sqrt(eps) * g / np.sqrt((1 - rho) * g * g + eps)


def normalized_step(m_hat, v_hat, eps=1e-8, eps_inside_root=False):
    r"""Adam's step per unit of learning rate, :math:`\hat m / (\sqrt{\hat v} + \epsilon)`.

    With ``eps_inside_root=True`` it is :math:`\hat m / \sqrt{\hat v + \epsilon}`
    instead, the form of some texts and of TensorFlow 1's ``RMSPropOptimizer``. The two
    agree while :math:`\hat v \gg \epsilon` and part ways for small gradients: with
    :math:`\epsilon = 10^{-8}` outside, a steady gradient of size :math:`10^{-6}`
    still gives a step of about η; inside, the floor is :math:`\sqrt\epsilon = 10^{-4}`,
    and the same gradient gives a step of about :math:`10^{-2}\eta`. torch's Adam,
    AdamW, NAdam, RMSprop and Adagrad put ε outside; Adadelta puts it inside.
    """
    eps = check_range("eps", eps, 0)
    m_hat = np.asarray(m_hat, dtype=np.float64)
    v_hat = np.asarray(v_hat, dtype=np.float64)
    if np.any(v_hat < 0):
        raise ValueError("invalid v_hat with a negative entry, expected a mean of squares (>= 0)")
    return m_hat / np.sqrt(v_hat + eps) if eps_inside_root else m_hat / (np.sqrt(v_hat) + eps)


def nadam_momentum(t, beta1=0.9, momentum_decay=4e-3):
    r"""NAdam's momentum coefficient of update ``t``, :math:`\mu_t = \beta_1\bigl(1 - \tfrac12\, 0.96^{t\psi}\bigr)`.

    Dozat's (2016) schedule, as torch's ``NAdam`` uses it with ψ = ``momentum_decay``
    (0.004 by default): the momentum starts at about :math:`\beta_1/2` and creeps up
    towards :math:`\beta_1`, slowly (for ψ = 0.004 it needs about 9 000 updates to
    pass :math:`0.8` when :math:`\beta_1 = 0.9`). :func:`mlcourse.optim.nadam` keeps
    the running product :math:`\Pi_t = \mu_1 \cdots \mu_t` in its state
    (``mu_product``) for its bias correction.

    ``t`` is the update count (1 for the first), an int or an int array.
    """
    beta1 = check_range("beta1", beta1, 0, 1, high_open=True)
    momentum_decay = check_range("momentum_decay", momentum_decay, 0)
    t = _steps(t).astype(np.float64)
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
    return float(mu) if mu.ndim == 0 else mu
