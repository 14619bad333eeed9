r"""Data in which people belong to groups, and training objectives that weigh the groups.

Chapter 9 asks how a model trained by minimising an *average* loss treats a group that
is a small part of the average. :func:`two_groups` generates such data with a
mechanism you can read below, and :func:`group_weighted` and :func:`group_dro` are
two ways to make training care about each group, not just the average:

* :func:`group_weighted` minimises :math:`\sum_g w_g L_g(\theta)`, a fixed weighting
  of the groups' mean losses :math:`L_g` (reweighting);
* :func:`group_dro` minimises the worst group's loss :math:`\max_g L_g(\theta)` with
  the online algorithm of Sagawa et al. (2020), which adapts the weights as it trains.
"""

from typing import NamedTuple

import numpy as np

from mlcourse._checks import as_float_array, check_int, check_range
from mlcourse.problems.models import DataProblem, _rows

__all__ = ["GroupData", "two_groups", "group_weighted", "group_dro", "GroupDROResult"]


class GroupData(NamedTuple):
    """A train/test split of data with a group label per example (see :func:`two_groups`).

    ``X_*`` has shape (n, 2), ``y_*`` holds 0.0/1.0, ``group_*`` holds 0 (the
    majority) or 1 (the minority). The group is *not* among the features.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    group_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    group_test: np.ndarray


def two_groups(n=2000, minority=0.2, angle=60.0, seed=0, test_fraction=0.5):
    r"""A screening problem with two groups whose outcomes follow different rules.

    The mechanism, for each person :math:`i` independently:

    1. group :math:`a_i = 1` (the minority) with probability ``minority``, else 0;
    2. two measurements :math:`x_i \sim \mathcal N(\mu_{a_i}, I_2)`, with
       :math:`\mu_0 = (0, 0)` and :math:`\mu_1 = (0.5, 0.5)`;
    3. the outcome :math:`y_i = \mathbb 1[\, u_{a_i}^\top x_i + c_{a_i} + \epsilon_i > 0 \,]`
       with logistic noise :math:`\epsilon_i` (so :math:`P(y = 1 \mid x, a) =
       \sigma(u_a^\top x + c_a)`, a logistic model *within* each group), where
       :math:`u_0 = 3\,(1, 0)` and :math:`u_1 = 3\,(\cos\varphi, \sin\varphi)`:
       the same kind of rule, turned by :math:`\varphi` = ``angle`` degrees for the
       minority, with intercepts :math:`c_0 = 0`, :math:`c_1 = -1`. Together with
       the shifted mean this gives the groups different base rates
       :math:`P(y = 1 \mid a)` (about 0.5 and 0.6 at the default angle).

    A single linear rule cannot follow both groups when :math:`\varphi \neq 0`, and
    a model trained on the average follows mostly the majority's. Nothing else
    differs: the groups' measurements are equally precise, so whatever gap a model
    shows comes from the mismatch of rules and the mix of the groups, the mechanism
    chapter 9 studies. The first ``test_fraction`` of the ``n`` people go to the test
    set, the rest to the training set; the group is returned, not used as a feature.
    """
    n = check_int("n", n, low=4)
    minority = check_range("minority", minority, low=0, high=1, low_open=True, high_open=True)
    angle = check_range("angle", angle, low=-180, high=180)
    test_fraction = check_range("test_fraction", test_fraction, low=0, high=1, low_open=True, high_open=True)
    rng = np.random.default_rng(seed)
    group = (rng.random(n) < minority).astype(np.int64)
    means = np.array([[0.0, 0.0], [0.5, 0.5]])
    X = means[group] + rng.standard_normal((n, 2))
    phi = np.deg2rad(angle)
    directions = 3.0 * np.array([[1.0, 0.0], [np.cos(phi), np.sin(phi)]])
    offsets = np.array([0.0, -1.0])
    logits = np.sum(X * directions[group], axis=1) + offsets[group]
    y = (logits + rng.logistic(size=n) > 0).astype(np.float64)
    cut = int(round(test_fraction * n))
    arrays = (X[cut:], y[cut:], group[cut:], X[:cut], y[:cut], group[:cut])
    for array in arrays:
        array.flags.writeable = False
    return GroupData(*arrays)


def _group_rows(problem, groups):
    groups = np.asarray(groups)
    if groups.shape != (problem.n_samples,):
        raise ValueError(f"invalid groups with shape {groups.shape}, expected one group label per training "
                         f"example, shape ({problem.n_samples},)")
    labels = np.unique(groups)
    if labels.size < 2:
        raise ValueError(f"invalid groups: only {labels.size} group, expected at least 2")
    return labels, [np.flatnonzero(groups == label) for label in labels]


def group_weighted(problem, groups, weights):
    r"""The problem with loss :math:`L_w(\theta) = \sum_g w_g\, L_g(\theta)`, a weighting of groups.

    :math:`L_g` is the mean loss over group :math:`g`'s training examples and ``weights``
    holds one :math:`w_g \ge 0` per group, in the order of ``np.unique(groups)``.
    The weights :math:`w_g = n_g / n` (each group's share) give back the ordinary
    average loss; equal weights count each group as much as the other, whatever its
    size. (Weights that sum to 1 keep the loss on the ordinary scale; the minimiser
    depends only on their ratios.)

    With a ``batch`` the loss and gradient are the unbiased estimate
    :math:`\sum_g w_g \frac{N}{n_g} \frac{|B_g|}{|B|} L_{B_g}(\theta)` from the batch's
    members :math:`B_g` of each group, so mini-batch SGD works unchanged. Everything
    else (``accuracy``, ``predict``, ...) is the original problem's;
    ``per_example_loss`` and ``per_example_grad`` are dropped, since they are unweighted.
    """
    if not isinstance(problem, DataProblem):
        raise TypeError(f"invalid problem = {problem!r}, expected a data problem from mlcourse.problems")
    labels, members = _group_rows(problem, groups)
    weights = as_float_array("weights", weights)
    if weights.shape != labels.shape or np.any(weights < 0) or not np.all(np.isfinite(weights)):
        raise ValueError(f"invalid weights = {weights!r}, expected {labels.size} finite weights >= 0, "
                         f"one per group {labels.tolist()}")
    n = problem.n_samples
    membership = np.searchsorted(labels, np.asarray(groups))

    def parts(batch):
        """(weight, rows) for every group present: the terms of the weighted sum."""
        if batch is None:
            return [(w, rows) for w, rows in zip(weights, members)]
        index = _rows(batch, n)
        found = membership[index]
        return [(w * n / len(rows) * np.mean(found == g), index[found == g])
                for g, (w, rows) in enumerate(zip(weights, members)) if np.any(found == g)]

    def loss(theta, batch=None):
        return float(sum(w * problem.loss(theta, rows) for w, rows in parts(batch)))

    def grad(theta, batch=None):
        total = np.zeros_like(as_float_array("theta", theta))
        for w, rows in parts(batch):
            total = total + total.dtype.type(w) * problem.grad(theta, rows)
        return total

    shown = ", ".join(f"{w:.3g}" for w in weights)
    return problem._replace(name=f"{problem.name}, group weights ({shown})", loss=loss, grad=grad,
                            hessian=None, per_example_loss=None, per_example_grad=None)


class GroupDROResult(NamedTuple):
    """What :func:`group_dro` returns: the final parameters, the group weights
    :math:`q` after every step (shape (steps + 1, groups)) and each group's mean
    training loss before every update (shape (steps + 1, groups), the last row at
    the final parameters)."""

    theta: np.ndarray
    group_weights: np.ndarray
    group_losses: np.ndarray


def group_dro(problem, groups, optimizer, steps, group_lr, theta0=None):
    r"""Minimise the worst group's loss, :math:`\max_g L_g(\theta)`, with online group DRO.

    Sagawa et al. (2020, Algorithm 1), full-batch: keep a weight :math:`q_g` per group
    (starting equal); at every step

    .. math::
        q_g \leftarrow \frac{q_g\, e^{\eta_q L_g(\theta)}}{\sum_h q_h\, e^{\eta_q L_h(\theta)}},
        \qquad
        \theta \leftarrow \mathrm{update}\Big(\theta,\ \sum_g q_g \nabla L_g(\theta)\Big)

    with :math:`\eta_q` = ``group_lr`` and ``optimizer`` any optimizer of
    :mod:`mlcourse.optim`. The weights move towards the groups whose loss is high
    (exponentiated gradient ascent on :math:`q`), so the parameters are pulled towards
    the worst group. For a convex loss the min-max problem has the value of the best
    fixed weighting: its solution minimises some :func:`group_weighted` loss.
    """
    labels, members = _group_rows(problem, groups)
    steps = check_int("steps", steps, low=0)
    eta_q = check_range("group_lr", group_lr, low=0)
    theta = as_float_array("theta0", problem.theta0 if theta0 is None else theta0).copy()
    state = optimizer.init(theta)
    q = np.full(labels.size, 1.0 / labels.size)
    history_q, history_losses = [q], []
    for _ in range(steps):
        group_losses = np.array([problem.loss(theta, rows) for rows in members])
        history_losses.append(group_losses)
        q = q * np.exp(eta_q * (group_losses - group_losses.max()))  # shifted: no overflow
        q = q / q.sum()
        g = sum(q_g * problem.grad(theta, rows) for q_g, rows in zip(q, members))
        theta, state = optimizer.update(theta, g, state)
        history_q.append(q)
    history_losses.append(np.array([problem.loss(theta, rows) for rows in members]))
    return GroupDROResult(theta=theta, group_weights=np.array(history_q), group_losses=np.array(history_losses))
