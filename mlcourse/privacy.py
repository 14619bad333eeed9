r"""Differentially private SGD (Abadi et al., 2016) and what its noise buys, in numbers.

DP-SGD changes two things in the mini-batch SGD of chapter 3, both on the gradient:

1. **clip each example's gradient** to norm at most :math:`C` (the clipping of
   chapter 2, :func:`clip_by_norm`, applied per example instead of per batch), so that
   no single person can move the model by more than a bounded amount;
2. **add Gaussian noise** of standard deviation :math:`\sigma C` to their sum (the
   injected noise of chapter 3), which hides whether any one person was there.

.. math::
    \tilde g = \frac{1}{qN}\Big(\sum_{i \in \mathcal B} \mathrm{clip}_C\big(\nabla \ell_i(\theta)\big)
    + \sigma C\, \xi\Big), \qquad \xi \sim \mathcal N(0, I), \qquad
    \theta \leftarrow \theta - \eta\, \tilde g

The batch :math:`\mathcal B` is drawn by *Poisson sampling*: every one of the
:math:`N` examples joins independently with probability :math:`q` (the sampling rate),
so the batch size varies around :math:`qN`, the divisor. That is the sampling the
privacy analysis assumes (and Opacus's default).

The guarantee is :math:`(\varepsilon, \delta)`-differential privacy (Dwork and Roth,
2014): for any two training sets that differ in one person, the probability of any
outcome of training changes by at most a factor :math:`e^\varepsilon`, up to
:math:`\delta`. :func:`epsilon` computes :math:`\varepsilon` with the Rényi-DP
accountant for the sampled Gaussian mechanism (Mironov, 2017; Mironov, Talwar and
Zhang, 2019; Canonne, Kamath and Steinke, 2020); the course cites that analysis
rather than deriving it.
"""

import math
from typing import NamedTuple

import numpy as np

from mlcourse import optim as _optim
from mlcourse._checks import as_float_array, check_int, check_range
from mlcourse.problems import clip_by_norm  # the one clipping (chapter 2): mlcourse.train.clip_by_norm

__all__ = ["dp_sgd_gradient", "dp_sgd", "DPSGDResult", "rdp_sampled_gaussian", "epsilon",
           "membership_advantage_bound"]


def dp_sgd_gradient(per_example_grads, max_norm, noise_multiplier, rng, expected_batch_size=None):
    r"""The privatised gradient of one DP-SGD step, from the batch's per-example gradients.

    .. math::
        \tilde g = \frac1L\Big(\sum_{i=1}^{B} \mathrm{clip}_C(g_i) + \sigma C\,\xi\Big),
        \qquad \xi \sim \mathcal N(0, I)

    with :math:`C` = ``max_norm``, :math:`\sigma` = ``noise_multiplier``, :math:`g_i`
    the rows of ``per_example_grads`` (shape (B, dim); B may be 0 under Poisson
    sampling: then only noise is left) and :math:`L` = ``expected_batch_size``
    (default B). Each row is clipped by :func:`mlcourse.problems.clip_by_norm`, the one
    clipping of the course (with torch's and Opacus's :math:`10^{-6}` in the
    denominator). ``rng`` is a ``np.random.Generator``; ``noise_multiplier=0`` gives
    clipped SGD without noise.
    """
    grads = as_float_array("per_example_grads", per_example_grads)
    if grads.ndim != 2:
        raise ValueError(f"invalid per_example_grads with shape {grads.shape}, expected (batch, dim)")
    max_norm = check_range("max_norm", max_norm, low=0, low_open=True)
    sigma = check_range("noise_multiplier", noise_multiplier, low=0)
    if expected_batch_size is None:
        expected_batch_size = grads.shape[0]
    expected_batch_size = check_range("expected_batch_size", expected_batch_size, low=0, low_open=True)
    total = np.zeros(grads.shape[1], dtype=grads.dtype)
    for g in grads:  # one person at a time: no example may move theta by more than C / L
        total += clip_by_norm(g, max_norm)
    noise = sigma * max_norm * rng.standard_normal(grads.shape[1])
    return ((total + noise) / expected_batch_size).astype(grads.dtype, copy=False)


class DPSGDResult(NamedTuple):
    """What :func:`dp_sgd` returns: the final parameters, the batch sizes drawn, and
    the hyperparameters the privacy accounting needs. (No loss history: evaluating the
    full training loss at every step would cost more than the step itself.)"""

    theta: np.ndarray
    batch_sizes: np.ndarray
    sample_rate: float
    noise_multiplier: float
    steps: int


def dp_sgd(problem, lr, steps, max_norm, noise_multiplier, sample_rate, seed=0, theta0=None, optimizer=None):
    r"""Train ``problem`` with DP-SGD: Poisson batches, per-example clipping, Gaussian noise.

    Each step draws a batch by Poisson sampling (each example with probability ``q`` =
    ``sample_rate``), computes its per-example gradients (``problem.per_example_grad``),
    privatises them with :func:`dp_sgd_gradient` (expected batch size :math:`qN`) and
    hands the result to ``optimizer`` (default ``optim.sgd(lr=lr)``; any optimizer may
    consume a privatised gradient without changing the guarantee). One generator,
    ``np.random.default_rng(seed)``, draws the batches and the noise.

    The privacy of the result depends only on ``(sample_rate, noise_multiplier,
    steps)``: pass them to :func:`epsilon`.
    """
    if getattr(problem, "per_example_grad", None) is None:
        raise ValueError(f"invalid problem = {getattr(problem, 'name', problem)!r}: DP-SGD needs "
                         "per-example gradients (problem.per_example_grad)")
    steps = check_int("steps", steps, low=0)
    q = check_range("sample_rate", sample_rate, low=0, high=1, low_open=True)
    opt = _optim.sgd(lr=lr) if optimizer is None else optimizer
    rng = np.random.default_rng(seed)
    theta = as_float_array("theta0", problem.theta0 if theta0 is None else theta0).copy()
    state = opt.init(theta)
    expected = q * problem.n_samples
    sizes = []
    for _ in range(steps):
        batch = np.flatnonzero(rng.random(problem.n_samples) < q)
        grads = problem.per_example_grad(theta, batch) if batch.size else np.zeros((0, theta.size), theta.dtype)
        noisy = dp_sgd_gradient(grads, max_norm, noise_multiplier, rng, expected_batch_size=expected)
        theta, state = opt.update(theta, noisy, state)
        sizes.append(batch.size)
    return DPSGDResult(theta=theta, batch_sizes=np.array(sizes, dtype=int), sample_rate=q,
                       noise_multiplier=float(noise_multiplier), steps=steps)


# --- accounting (cited, not derived) -------------------------------------------------------

DEFAULT_ORDERS = tuple(range(2, 257))


def rdp_sampled_gaussian(sample_rate, noise_multiplier, orders=DEFAULT_ORDERS):
    r"""Rényi-DP of one step of the sampled Gaussian mechanism, at integer orders α ≥ 2.

    For Poisson sampling with rate :math:`q` and noise :math:`\sigma` (per unit of
    sensitivity), Mironov, Talwar and Zhang (2019, Section 3.3) give, for integer
    :math:`\alpha`,

    .. math::
        \varepsilon_{\mathrm{RDP}}(\alpha) = \frac{1}{\alpha - 1} \log \sum_{k=0}^{\alpha}
        \binom{\alpha}{k} (1-q)^{\alpha-k} q^k \exp\!\Big(\frac{k^2 - k}{2\sigma^2}\Big)

    (with :math:`q = 1`, no sampling, it is :math:`\alpha / (2\sigma^2)`, the Gaussian
    mechanism's). RDP adds up over steps. Computed in log space; returns an array
    aligned with ``orders``; :math:`+\infty` when :math:`\sigma = 0`.
    """
    q = check_range("sample_rate", sample_rate, low=0, high=1)
    sigma = check_range("noise_multiplier", noise_multiplier, low=0)
    orders = np.asarray(orders)
    if orders.ndim != 1 or orders.size == 0 or orders.dtype.kind not in "iu" or orders.min() < 2:
        raise ValueError(f"invalid orders = {orders!r}, expected integers >= 2")
    if q == 0:
        return np.zeros(orders.size)
    if sigma == 0:
        return np.full(orders.size, math.inf)
    out = []
    for alpha in orders.tolist():
        k = np.arange(alpha + 1)
        log_binomial = np.array([math.lgamma(alpha + 1) - math.lgamma(j + 1) - math.lgamma(alpha - j + 1)
                                 for j in k])
        log_terms = (log_binomial + k * math.log(q) + (k * k - k) / (2 * sigma**2)
                     + ((alpha - k) * math.log1p(-q) if q < 1 else np.where(k == alpha, 0.0, -np.inf)))
        top = np.max(log_terms)
        out.append((top + math.log(np.sum(np.exp(log_terms - top)))) / (alpha - 1))
    return np.array(out)


def epsilon(noise_multiplier, sample_rate, steps, delta, orders=DEFAULT_ORDERS):
    r"""The :math:`\varepsilon` of ``steps`` DP-SGD steps, at a given :math:`\delta`.

    Adds the per-step Rényi DP of :func:`rdp_sampled_gaussian` over the :math:`T`
    steps (RDP composes by addition) and converts it to
    :math:`(\varepsilon, \delta)`-DP, minimising over the orders:

    .. math::
        \varepsilon = \min_\alpha \Big( T\, \varepsilon_{\mathrm{RDP}}(\alpha)
        + \log\frac{\alpha - 1}{\alpha} - \frac{\log \delta + \log \alpha}{\alpha - 1} \Big)

    the conversion of Canonne, Kamath and Steinke (2020, Proposition 12), which
    Google's ``dp_accounting`` and Opacus use too; it improves on Mironov's (2017)
    :math:`T\varepsilon_{\mathrm{RDP}}(\alpha) + \log(1/\delta)/(\alpha - 1)` by the
    last terms. Returns :math:`+\infty` without noise, 0 without steps.
    """
    steps = check_int("steps", steps, low=0)
    delta = check_range("delta", delta, low=0, high=1, low_open=True, high_open=True)
    orders = np.asarray(orders)
    rdp = steps * rdp_sampled_gaussian(sample_rate, noise_multiplier, orders)
    eps = rdp + np.log1p(-1 / orders) - (math.log(delta) + np.log(orders)) / (orders - 1)
    # An RDP this small already gives delta through the KL bound delta <= sqrt(1 - e^-rdp),
    # with epsilon = 0 (as dp_accounting does; it matters only for almost no steps).
    eps = np.where(delta**2 + np.expm1(-rdp) > 0, 0.0, eps)
    return float(max(0.0, np.min(eps)))


def membership_advantage_bound(epsilon, delta=0.0):
    r"""The largest membership advantage any attack can have on an :math:`(\varepsilon, \delta)`-DP model.

    .. math:: \mathrm{Adv} \le \frac{e^\varepsilon - 1 + 2\delta}{e^\varepsilon + 1}

    It follows from the hypothesis-testing form of differential privacy (Kairouz, Oh
    and Viswanath, 2015): no test can have false positive rate :math:`\alpha` and
    false negative rate :math:`\beta` with :math:`\alpha + e^\varepsilon \beta < 1 - \delta`
    or :math:`e^\varepsilon\alpha + \beta < 1 - \delta`; the advantage is
    :math:`1 - \alpha - \beta`. (Yeom et al., 2018, prove the looser
    :math:`e^\varepsilon - 1` for :math:`\delta = 0`.)
    """
    delta = check_range("delta", delta, low=0, high=1)
    if epsilon == math.inf:  # no privacy guarantee (e.g. no noise): no bound below 1
        return 1.0
    eps = check_range("epsilon", epsilon, low=0)
    if eps > 700:  # e^eps overflows; the bound is 1 long before
        return 1.0
    return min(1.0, (math.exp(eps) - 1 + 2 * delta) / (math.exp(eps) + 1))
