r"""Audit metrics: how a trained model treats groups, how arbitrary its answers are, what it leaks.

Chapter 9 measures a trained model with these functions, and exercise 9 is graded
against them. Conventions, shared by every function:

* Labels and predictions are 1-D arrays of one length :math:`n`. For the binary
  rates, the positive class is 1: ``y_true`` and ``y_pred`` hold 0/1 (ints, floats or
  bools). ``groups`` is a 1-D array of group labels (ints or strings), one per example.
* A rate is a fraction of a *stated* set of examples, and every docstring names the
  set: the true positive rate of group :math:`a` is a fraction of the group's
  *positives*, not of the group, nor of all examples.
* Group results come in the order of ``np.unique(groups)``.
* A difference between groups is the largest minus the smallest value, so it is
  :math:`\ge 0` and does not depend on the order of the groups (fairlearn's
  ``method="between_groups"``). A rate that is undefined (a group without positives
  has no true positive rate) raises ValueError naming the group, rather than
  returning a number that would silently enter a difference.

Where fairlearn (0.15) defines the same metric, the tests check that ours equals
it: :func:`selection_rate`, :func:`true_positive_rate`, :func:`false_positive_rate`,
:func:`demographic_parity_difference`, :func:`equalized_odds_difference` (named as
in fairlearn), and :func:`by_group` with :func:`error_rate` (fairlearn's
``MetricFrame`` with ``zero_one_loss``).
"""

import math

import numpy as np

from mlcourse._checks import check_number, check_range

__all__ = [
    "accuracy", "error_rate", "selection_rate", "true_positive_rate", "false_positive_rate",
    "by_group", "difference", "demographic_parity_difference", "equalized_odds_difference",
    "flip_rate", "discrepancy", "disagreement",
    "membership_advantage", "best_membership_advantage",
    "rank_correlation", "energy_kwh", "co2e_kg",
]


# --- argument checks -----------------------------------------------------------------------

def _vector(name, value):
    array = np.asarray(value)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"invalid {name} with shape {array.shape}, expected a non-empty 1-D array")
    return array


def _binary(name, value):
    array = _vector(name, value)
    if array.dtype.kind not in "biuf" or not np.all((array == 0) | (array == 1)):
        bad = array[~((array == 0) | (array == 1))][0] if array.dtype.kind in "biuf" else array[0]
        raise ValueError(f"invalid {name}: contains {bad.item()!r}, expected binary labels 0 and 1 (1 = positive)")
    return array.astype(bool)


def _same_length(**arrays):
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"invalid lengths: {described} entries; expected one entry per example in each")


def _fraction(count, total, what, among):
    if total == 0:
        raise ValueError(f"{what} is undefined: there are no {among}")
    return float(count / total)


# --- rates over one set of examples ----------------------------------------------------------

def accuracy(y_true, y_pred):
    r"""The fraction of examples whose predicted label equals the true one (any labels).

    .. math:: \mathrm{acc} = \frac1n \sum_i \mathbb 1[\hat y_i = y_i]
    """
    y_true, y_pred = _vector("y_true", y_true), _vector("y_pred", y_pred)
    _same_length(y_true=y_true, y_pred=y_pred)
    return float(np.mean(y_true == y_pred))


def error_rate(y_true, y_pred):
    r"""The fraction of examples predicted wrongly, :math:`1 - \mathrm{acc}` (any labels).

    .. math:: \mathrm{err} = \frac1n \sum_i \mathbb 1[\hat y_i \ne y_i]

    (fairlearn and scikit-learn call it ``zero_one_loss``.)
    """
    return 1.0 - accuracy(y_true, y_pred)


def selection_rate(y_pred):
    r"""The fraction of examples predicted positive, :math:`P(\hat Y = 1)`, over all of them.

    .. math:: \mathrm{sel} = \frac1n \sum_i \mathbb 1[\hat y_i = 1]
    """
    return float(np.mean(_binary("y_pred", y_pred)))


def true_positive_rate(y_true, y_pred):
    r"""The fraction of the *positives* predicted positive, :math:`P(\hat Y = 1 \mid Y = 1)`.

    .. math:: \mathrm{TPR} = \frac{\#\{i : \hat y_i = 1,\ y_i = 1\}}{\#\{i : y_i = 1\}}

    Also called sensitivity or recall; :math:`1 - \mathrm{TPR}` is the false negative
    rate (the positives the model misses). Undefined without positives (ValueError).
    """
    y_true, y_pred = _binary("y_true", y_true), _binary("y_pred", y_pred)
    _same_length(y_true=y_true, y_pred=y_pred)
    return _fraction(np.sum(y_pred & y_true), np.sum(y_true), "the true positive rate", "positive examples (y_true == 1)")


def false_positive_rate(y_true, y_pred):
    r"""The fraction of the *negatives* predicted positive, :math:`P(\hat Y = 1 \mid Y = 0)`.

    .. math:: \mathrm{FPR} = \frac{\#\{i : \hat y_i = 1,\ y_i = 0\}}{\#\{i : y_i = 0\}}

    Undefined without negatives (ValueError).
    """
    y_true, y_pred = _binary("y_true", y_true), _binary("y_pred", y_pred)
    _same_length(y_true=y_true, y_pred=y_pred)
    return _fraction(np.sum(y_pred & ~y_true), np.sum(~y_true), "the false positive rate", "negative examples (y_true == 0)")


# --- the same rate in every group --------------------------------------------------------------

def by_group(metric, groups, *arrays):
    r"""``metric`` computed on each group's examples alone: ``(group labels, values)``.

    .. math:: m_a = \mathrm{metric}\big(\{\text{arrays}_i : g_i = a\}\big)

    ``arrays`` are the metric's arguments (``y_true, y_pred`` or just ``y_pred``), each
    restricted to the rows of one group at a time; so every rate is normalised within
    the group. Groups are in the order of ``np.unique(groups)``. Example::

        labels, errors = by_group(error_rate, groups, y_true, y_pred)
    """
    if not callable(metric):
        raise TypeError(f"invalid metric = {metric!r}, expected a function such as metrics.error_rate")
    groups = _vector("groups", groups)
    if not arrays:
        raise TypeError("by_group() needs the metric's arrays after groups, e.g. by_group(error_rate, groups, "
                        "y_true, y_pred)")
    arrays = [_vector(f"array {i + 1}", a) for i, a in enumerate(arrays)]
    _same_length(groups=groups, **{f"array {i + 1}": a for i, a in enumerate(arrays)})
    labels = np.unique(groups)
    values = []
    for label in labels:
        rows = groups == label
        try:
            values.append(metric(*(a[rows] for a in arrays)))
        except ValueError as error:
            raise ValueError(f"in group {label.item()!r}: {error}") from None
    return labels, np.array(values, dtype=float)


def difference(values):
    r"""The largest minus the smallest of per-group values: :math:`\max_a m_a - \min_a m_a \ge 0`."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size < 2:
        raise ValueError(f"invalid values with shape {values.shape}, expected one value per group, "
                         "at least two groups")
    return float(values.max() - values.min())


def demographic_parity_difference(y_pred, groups):
    r"""The spread of the selection rates across groups.

    .. math:: \Delta_{\mathrm{DP}} = \max_a P(\hat Y = 1 \mid A = a) - \min_a P(\hat Y = 1 \mid A = a)

    0 when every group is predicted positive equally often (demographic parity, or
    statistical parity). It ignores the true labels: a perfect classifier violates it
    whenever the groups' base rates :math:`P(Y = 1 \mid A = a)` differ. As
    ``fairlearn.metrics.demographic_parity_difference``.
    """
    return difference(by_group(selection_rate, groups, y_pred)[1])


def equalized_odds_difference(y_true, y_pred, groups):
    r"""The larger of the spreads of the true and the false positive rates across groups.

    .. math::
        \Delta_{\mathrm{EO}} = \max\Big(\max_a \mathrm{TPR}_a - \min_a \mathrm{TPR}_a,\;
        \max_a \mathrm{FPR}_a - \min_a \mathrm{FPR}_a\Big)

    0 when the groups share one TPR and one FPR (equalised odds, Hardt et al., 2016):
    among people with the same true label, the prediction does not depend on the
    group. As ``fairlearn.metrics.equalized_odds_difference`` (``agg="worst_case"``).
    """
    tpr = by_group(true_positive_rate, groups, y_true, y_pred)[1]
    fpr = by_group(false_positive_rate, groups, y_true, y_pred)[1]
    return max(difference(tpr), difference(fpr))


# --- the same question asked of many models ----------------------------------------------------

def _predictions(predictions):
    array = np.asarray(predictions)
    if array.ndim != 2 or array.shape[0] < 2 or array.shape[1] == 0:
        raise ValueError(f"invalid predictions with shape {array.shape}, expected (models, examples) "
                         "with at least two models")
    return array


def flip_rate(predictions):
    r"""The fraction of examples on which the models do not all predict the same label.

    ``predictions`` has shape (m models, n examples), e.g. one row per training seed:

    .. math:: \mathrm{flip} = \frac1n \sum_i \mathbb 1\big[\exists\, j, k : \hat y^{(j)}_i \ne \hat y^{(k)}_i\big]

    For models that are all about equally accurate this is the *ambiguity* of Marx,
    Calmon and Ustun (2020), measured on the models at hand: the share of people whose
    prediction depends on which of these equally good models was deployed. It can only
    grow as models are added.
    """
    predictions = _predictions(predictions)
    return float(np.mean(np.any(predictions != predictions[0], axis=0)))


def discrepancy(predictions, baseline=0):
    r"""The largest fraction of examples on which one model differs from the baseline model.

    .. math:: \mathrm{disc} = \max_j \frac1n \sum_i \mathbb 1\big[\hat y^{(j)}_i \ne \hat y^{(b)}_i\big]

    with :math:`b` = ``baseline`` (a row index). Marx, Calmon and Ustun (2020): if you
    had deployed the baseline, how many decisions could an equally good model change?
    Always at most :func:`flip_rate`.
    """
    predictions = _predictions(predictions)
    if isinstance(baseline, bool) or not isinstance(baseline, (int, np.integer)) \
            or not 0 <= baseline < predictions.shape[0]:
        raise ValueError(f"invalid baseline = {baseline!r}, expected a row index 0 <= baseline < "
                         f"{predictions.shape[0]}")
    return float(np.max(np.mean(predictions != predictions[baseline], axis=1)))


def disagreement(y_pred_a, y_pred_b):
    r"""The fraction of examples on which two models predict different labels (churn).

    .. math:: \frac1n \sum_i \mathbb 1[\hat y^{(a)}_i \ne \hat y^{(b)}_i]
    """
    a, b = _vector("y_pred_a", y_pred_a), _vector("y_pred_b", y_pred_b)
    _same_length(y_pred_a=a, y_pred_b=b)
    return float(np.mean(a != b))


# --- membership inference -------------------------------------------------------------------

def _losses(name, value):
    array = np.asarray(value, dtype=float) if np.asarray(value).dtype.kind in "biuf" else None
    if array is None or array.ndim != 1 or array.size == 0 or not np.all(np.isfinite(array)):
        raise ValueError(f"invalid {name}: expected a non-empty 1-D array of finite per-example losses")
    return array


def membership_advantage(member_losses, nonmember_losses, threshold=None):
    r"""The advantage of the loss-threshold membership attack (Yeom et al., 2018).

    The attack guesses "this example was in the training set" when the model's loss on
    it is at most :math:`\tau` (training examples tend to have lower loss). Its
    *membership advantage* is its true positive rate on members minus its false
    positive rate on non-members:

    .. math::
        \mathrm{Adv} = \underbrace{\frac{\#\{i \in \text{members} : \ell_i \le \tau\}}
        {\#\,\text{members}}}_{P(\text{guess member} \mid \text{member})}
        - \underbrace{\frac{\#\{i \in \text{non-members} : \ell_i \le \tau\}}
        {\#\,\text{non-members}}}_{P(\text{guess member} \mid \text{non-member})}

    0 for a guess that ignores the model (a coin, or "always member"), 1 for a perfect
    attack; negative if the threshold points the wrong way. ``threshold=None`` uses
    the average loss over the members (the average training loss), the choice of
    Yeom et al.
    """
    members = _losses("member_losses", member_losses)
    others = _losses("nonmember_losses", nonmember_losses)
    tau = float(np.mean(members)) if threshold is None else check_number("threshold", threshold)
    return float(np.mean(members <= tau) - np.mean(others <= tau))


def best_membership_advantage(member_losses, nonmember_losses):
    r"""The largest :func:`membership_advantage` over every threshold, and that threshold.

    Returns ``(advantage, threshold)``. It is the attack's best case, found with the
    answers in hand (like reading the best point off a ROC curve), so it overstates
    what an attacker who must pick :math:`\tau` in advance achieves; it is never below
    0, since a threshold under every loss gives 0.
    """
    members = _losses("member_losses", member_losses)
    others = _losses("nonmember_losses", nonmember_losses)
    candidates = np.concatenate([[-np.inf], np.unique(np.concatenate([members, others]))])
    members, others = np.sort(members), np.sort(others)
    tpr = np.searchsorted(members, candidates, side="right") / members.size
    fpr = np.searchsorted(others, candidates, side="right") / others.size
    best = int(np.argmax(tpr - fpr))
    return float(tpr[best] - fpr[best]), float(candidates[best])


# --- interpretability -------------------------------------------------------------------------

def _ranks(values):
    """Ranks 1..n, ties sharing the average of their ranks."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(values.size)
    ranks[order] = np.arange(1, values.size + 1)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return sums[inverse] / counts[inverse]


def rank_correlation(a, b):
    r"""Spearman's rank correlation of two arrays of one size (flattened).

    The Pearson correlation of their ranks (ties get the average rank):

    .. math:: \rho = \frac{\sum_i (r_i - \bar r)(s_i - \bar s)}
        {\sqrt{\sum_i (r_i - \bar r)^2 \sum_i (s_i - \bar s)^2}}

    1 when one array orders the entries exactly like the other. Adebayo et al. (2018)
    use it to compare two saliency maps of one image: a map that hardly changes when
    the model's weights are randomised does not explain the trained model.
    """
    a, b = np.ravel(np.asarray(a, dtype=float)), np.ravel(np.asarray(b, dtype=float))
    if a.size != b.size or a.size < 2:
        raise ValueError(f"invalid sizes {a.size} and {b.size}, expected two arrays of one size >= 2")
    r, s = _ranks(a), _ranks(b)
    r, s = r - r.mean(), s - s.mean()
    denominator = math.sqrt(np.sum(r * r) * np.sum(s * s))
    if denominator == 0:
        raise ValueError("rank correlation is undefined: one of the arrays is constant")
    return float(np.sum(r * s) / denominator)


# --- compute and energy -----------------------------------------------------------------------

def energy_kwh(seconds, watts, pue=1.0):
    r"""Electric energy in kWh of hardware drawing ``watts`` for ``seconds``.

    .. math:: E = \mathrm{PUE} \cdot P \cdot t \,/\, 3.6 \times 10^6 \quad (\text{J per kWh})

    The power usage effectiveness PUE :math:`\ge 1` adds the data centre's overhead
    (cooling, power conversion): Strubell et al. (2019) used 1.58, the industry
    average they cite; efficient cloud data centres report about 1.1 (Patterson et
    al., 2021).
    """
    seconds = check_range("seconds", seconds, low=0)
    watts = check_range("watts", watts, low=0)
    pue = check_range("pue", pue, low=1)
    return pue * watts * seconds / 3.6e6


def co2e_kg(kwh, kg_per_kwh):
    r"""Emissions in kg of CO₂-equivalent for ``kwh`` of electricity.

    .. math:: \mathrm{CO_2e} = E \cdot I

    with :math:`I` the carbon intensity of the electricity (kg CO₂e per kWh), which
    varies several-fold between grids and hours.
    """
    return check_range("kwh", kwh, low=0) * check_range("kg_per_kwh", kg_per_kwh, low=0)
