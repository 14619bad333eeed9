"""Checkers of exercise 9 (the audit): group error rates, the parity and odds
differences, the flip rate and the membership advantage, against :mod:`mlcourse.metrics`.

Each checker runs the student's function and the reference on a fixed worked example
and on random cases (drawn so that every known mistake shows: unequal groups, groups
named by strings or by unsorted numbers, losses that tie with the threshold), and
raises AssertionError at the first mismatch, naming the inputs, expected against got
and, when the student's value equals a known mistake's, its hint. The cases and the
mistakes are data: a generator ``case(rng) -> dict of arguments`` and a list of
``(hint, wrong implementation)``, each wrong implementation written as a student
would write it (the tests submit them and expect their hints).
"""

import numpy as np

from mlcourse import metrics

from . import _integrity
from ._compare import CheckFailed, compare, make_rng, student_code

_METRICS_FILES = _integrity.module_files(metrics)
_copy = _integrity.TRUSTED["numpy.copy"]
_array_equal = _integrity.TRUSTED["numpy.array_equal"]
_allclose = _integrity.TRUSTED["numpy.allclose"]

# --- the references, with the students' signatures --------------------------------------------

def group_error_rates(y_true, y_pred, groups):
    """The reference of Task 1: :func:`mlcourse.metrics.error_rate` within each group."""
    return metrics.by_group(metrics.error_rate, groups, y_true, y_pred)[1]


# --- cases ------------------------------------------------------------------------------------

_NAMES = np.array(["north", "east", "south", "west"])


def _groups(rng, n):
    """n group labels: 2 to 4 groups of unequal sizes, named by strings or by numbers
    whose sorted order differs from their order of appearance."""
    k = int(rng.integers(2, 5))
    names = _NAMES[:k] if rng.random() < 0.5 else np.array([7, 2, 9, 4][:k])
    shares = 0.7 * rng.dirichlet(np.ones(k)) + 0.3 / k
    return names[rng.choice(k, size=n, p=shares)]


def grouped_outcomes(rng):
    """``y_true, y_pred, groups`` with 0/1 outcomes; every group has positives and
    negatives (so every rate is defined) and its own base rate and accuracy."""
    while True:
        n = int(rng.integers(40, 240))
        groups = _groups(rng, n)
        names = np.unique(groups)
        base = dict(zip(names.tolist(), rng.uniform(0.2, 0.8, names.size)))
        right = dict(zip(names.tolist(), rng.uniform(0.55, 0.95, names.size)))
        y_true = (rng.random(n) < np.array([base[g] for g in groups.tolist()])).astype(int)
        correct = rng.random(n) < np.array([right[g] for g in groups.tolist()])
        y_pred = np.where(correct, y_true, 1 - y_true)
        if all(0 < y_true[groups == g].sum() < np.sum(groups == g) for g in names):
            return {"y_true": y_true, "y_pred": y_pred, "groups": groups}


def grouped_labels(rng):
    """``y_true, y_pred, groups`` with labels 0..9 half of the time (Task 1 works for
    any labels), else 0/1."""
    case = grouped_outcomes(rng)
    if rng.random() < 0.5:
        digits = rng.integers(0, 10, case["y_true"].size)
        wrong = (digits + rng.integers(1, 10, digits.size)) % 10
        case["y_pred"] = np.where(case["y_pred"] == case["y_true"], digits, wrong)
        case["y_true"] = digits
    return case


def grouped_selections(rng):
    """``y_pred, groups`` for the demographic parity difference."""
    case = grouped_outcomes(rng)
    return {"y_pred": case["y_pred"], "groups": case["groups"]}


def model_predictions(rng):
    """``predictions`` of shape (models, examples): labels 0..9, each model flipping a
    different few percent of a shared base prediction."""
    m, n = int(rng.integers(3, 9)), int(rng.integers(20, 300))
    base = rng.integers(0, 10, n)
    flips = rng.random((m, n)) < rng.uniform(0.02, 0.15)
    return {"predictions": np.where(flips, rng.integers(0, 10, (m, n)), base)}


def attack_losses(rng):
    """``member_losses, nonmember_losses, threshold``: members' losses lower on
    average; the threshold is often exactly one of the losses (a tie)."""
    members = rng.exponential(rng.uniform(0.05, 0.5), int(rng.integers(20, 200)))
    others = rng.exponential(rng.uniform(0.3, 1.0), int(rng.integers(20, 200)))
    members, others = np.round(members, 3), np.round(others, 3)   # ties happen
    pool = np.concatenate([members, others])
    threshold = float(rng.choice(pool)) if rng.random() < 0.7 else float(np.mean(members))
    return {"member_losses": members, "nonmember_losses": others, "threshold": threshold}


# --- known mistakes: wrong implementations, as students write them ------------------------------

def _by_group(function, groups, *arrays):
    return np.array([function(*(a[groups == g] for a in arrays)) for g in np.unique(groups)])


def errors_over_everyone(y_true, y_pred, groups):
    """Each group's errors divided by the number of *all* examples."""
    return np.array([np.sum((y_pred != y_true)[groups == g]) / len(y_true) for g in np.unique(groups)])


def accuracy_per_group(y_true, y_pred, groups):
    return _by_group(lambda t, p: np.mean(t == p), groups, y_true, y_pred)


def groups_in_order_of_appearance(y_true, y_pred, groups):
    _, first = np.unique(groups, return_index=True)
    order = groups[np.sort(first)]
    return np.array([np.mean(y_pred[groups == g] != y_true[groups == g]) for g in order])


GROUP_ERROR_MISTAKES = [
    ("each group's error rate is a fraction of that group's members: divide the group's "
     "errors by the group's size, not by the number of all examples.", errors_over_everyone),
    ("that is each group's accuracy; the error rate is the fraction predicted *wrongly* "
     "(1 − accuracy).", accuracy_per_group),
    ("the groups must come in the order of np.unique(groups) (sorted), not in the order "
     "in which they first appear.", groups_in_order_of_appearance),
]


def signed_parity(y_pred, groups):
    rates = _by_group(lambda p: np.mean(p == 1), groups, y_pred)
    return float(rates[0] - rates[-1])


def selected_over_everyone(y_pred, groups):
    rates = np.array([np.sum(y_pred[groups == g] == 1) / len(y_pred) for g in np.unique(groups)])
    return float(rates.max() - rates.min())


PARITY_MISTAKES = [
    ("the difference is the largest minus the smallest selection rate, so it is never "
     "negative and does not depend on the order of the groups (you subtracted one "
     "group's rate from another's).", signed_parity),
    ("a group's selection rate is a fraction of that group: divide the number selected in "
     "the group by the group's size, not by the number of all examples.", selected_over_everyone),
]


def _spread(values):
    return float(np.max(values) - np.min(values))


def _rates(y_true, y_pred, groups, tpr_over_group=False, fpr_over_group=False):
    tpr, fpr = [], []
    for g in np.unique(groups):
        t, p = y_true[groups == g], y_pred[groups == g]
        tpr.append(np.sum((p == 1) & (t == 1)) / (len(t) if tpr_over_group else np.sum(t == 1)))
        fpr.append(np.sum((p == 1) & (t == 0)) / (len(t) if fpr_over_group else np.sum(t == 0)))
    return np.array(tpr), np.array(fpr)


def tpr_over_the_group(y_true, y_pred, groups):
    tpr, fpr = _rates(y_true, y_pred, groups, tpr_over_group=True)
    return max(_spread(tpr), _spread(fpr))


def fpr_over_the_group(y_true, y_pred, groups):
    tpr, fpr = _rates(y_true, y_pred, groups, fpr_over_group=True)
    return max(_spread(tpr), _spread(fpr))


def rates_over_the_group(y_true, y_pred, groups):
    tpr, fpr = _rates(y_true, y_pred, groups, tpr_over_group=True, fpr_over_group=True)
    return max(_spread(tpr), _spread(fpr))


def true_positive_rates_only(y_true, y_pred, groups):
    tpr, _ = _rates(y_true, y_pred, groups)
    return _spread(tpr)


def mean_of_the_spreads(y_true, y_pred, groups):
    tpr, fpr = _rates(y_true, y_pred, groups)
    return (_spread(tpr) + _spread(fpr)) / 2


def signed_odds(y_true, y_pred, groups):
    tpr, fpr = _rates(y_true, y_pred, groups)
    return float(max(tpr[0] - tpr[-1], fpr[0] - fpr[-1]))


ODDS_MISTAKES = [
    ("the true positive rate is a fraction of the group's *positives* (y_true == 1), not of "
     "the whole group: P(ŷ = 1 | y = 1, group).", tpr_over_the_group),
    ("the false positive rate is a fraction of the group's *negatives* (y_true == 0), not of "
     "the whole group: P(ŷ = 1 | y = 0, group).", fpr_over_the_group),
    ("the true and false positive rates are fractions of the group's positives and "
     "negatives respectively, not of the whole group.", rates_over_the_group),
    ("equalised odds compares the false positive rates too: take the larger of the TPR "
     "spread and the FPR spread (comparing TPRs alone is 'equal opportunity').", true_positive_rates_only),
    ("take the larger of the two spreads, not their mean: a small FPR gap must not hide "
     "a large TPR gap.", mean_of_the_spreads),
    ("each spread is the largest minus the smallest rate over the groups (never negative), "
     "not one group's rate minus another's.", signed_odds),
]


def mean_pairwise_disagreement(predictions):
    m = len(predictions)
    pairs = [np.mean(predictions[i] != predictions[j]) for i in range(m) for j in range(i + 1, m)]
    return float(np.mean(pairs))


def first_two_models(predictions):
    return float(np.mean(predictions[0] != predictions[1]))


def disagreement_with_the_majority(predictions):
    majority = np.array([np.bincount(column).argmax() for column in predictions.T])
    return float(np.mean(predictions != majority))


def agreement_rate(predictions):
    return float(np.mean(np.all(predictions == predictions[0], axis=0)))


FLIP_MISTAKES = [
    ("an example counts once, fully, if *any* two models disagree on it; averaging the "
     "disagreement of every pair of models counts it only partly.", mean_pairwise_disagreement),
    ("compare all the models (rows), not only the first two.", first_two_models),
    ("count examples (columns) on which the models are not unanimous, not predictions "
     "that differ from the majority vote.", disagreement_with_the_majority),
    ("that is the fraction on which all models *agree*; the flip rate is the rest.", agreement_rate),
]


def member_above_the_threshold(member_losses, nonmember_losses, threshold):
    return float(np.mean(member_losses > threshold) - np.mean(nonmember_losses > threshold))


def member_at_or_above_the_threshold(member_losses, nonmember_losses, threshold):
    return float(np.mean(member_losses >= threshold) - np.mean(nonmember_losses >= threshold))


def strictly_below(member_losses, nonmember_losses, threshold):
    return float(np.mean(member_losses < threshold) - np.mean(nonmember_losses < threshold))


def attack_accuracy(member_losses, nonmember_losses, threshold):
    right = np.sum(member_losses <= threshold) + np.sum(nonmember_losses > threshold)
    return float(right / (len(member_losses) + len(nonmember_losses)))


def counts_over_everyone(member_losses, nonmember_losses, threshold):
    total = len(member_losses) + len(nonmember_losses)
    return float((np.sum(member_losses <= threshold) - np.sum(nonmember_losses <= threshold)) / total)


ATTACK_MISTAKES = [
    ("members have *low* loss: the attack guesses 'member' when the loss is at most the "
     "threshold (loss <= threshold), not above it.", member_above_the_threshold),
    ("members have *low* loss: the attack guesses 'member' when the loss is at most the "
     "threshold (loss <= threshold), not above it.", member_at_or_above_the_threshold),
    ("a loss equal to the threshold counts as 'member': use loss <= threshold, not <.", strictly_below),
    ("that is the attack's accuracy; the advantage is its true positive rate on members "
     "minus its false positive rate on non-members.", attack_accuracy),
    ("normalise each rate by its own set: members' guesses by the number of members, "
     "non-members' by the number of non-members, not both by the total.", counts_over_everyone),
]


# --- the checkers ------------------------------------------------------------------------------

def _show(value):
    text = np.array2string(np.asarray(value), threshold=8, edgeitems=3, separator=", ",
                           max_line_width=10**6).replace("\n", "")
    return text if np.ndim(value) == 0 else f"{text} (length {np.shape(value)[-1]})"


def _protect(name, arrays):
    """A function raising CheckFailed if any of ``arrays`` changed (group labels may be strings)."""
    copies = [_copy(a) for a in arrays]

    def check(context):
        __tracebackhide__ = True
        for before, now in zip(copies, arrays):
            floats = np.asarray(before).dtype.kind == "f"
            if not _array_equal(before, now, equal_nan=floats):
                raise CheckFailed(f"{name} modified one of its input arrays in place.\n  {context}\n"
                                  "  hint: compute new arrays instead of changing the ones you were given.")

    return check


def _same(got, value):
    """Whether the student's answer equals a mistake's (as compare would judge it)."""
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    return got.shape == np.shape(value) and bool(_allclose(got, value, rtol=1e-6, atol=1e-10))


def _check(student, reference, label, worked, generate, mistakes, seed, cases):
    """Run ``student`` and ``reference`` on the worked example and ``cases`` random cases.

    A wrong answer is reported for the first case it occurs in, but only after every
    case has run: the hint shown is that of a known mistake which agrees with *all*
    of the student's answers, so that two mistakes that coincide on one case are told
    apart.
    """
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    _integrity.assert_untouched("before the check")
    seed, rng = make_rng(seed)
    name = getattr(student, "__name__", "your function")
    candidates = list(mistakes)
    first_failure = None
    runs = [("the worked example", worked)]
    runs += [(f"case {i} of {cases} (seed={seed})", generate(rng)) for i in range(1, cases + 1)]
    for where, arguments in runs:
        context = f"{where}: " + ", ".join(f"{key} = {_show(value)}" for key, value in arguments.items())
        values = list(arguments.values())
        expected = reference(*values)
        expected = np.asarray(expected, dtype=float) if np.ndim(expected) else float(expected)
        unchanged = _protect(name, [v for v in values if isinstance(v, np.ndarray)])
        with np.errstate(all="ignore"), student_code(name), _integrity.forbid_calls(_METRICS_FILES, name):
            got = _plain(student(*values), expected)
        unchanged(context)
        wrong = {mistake: (np.asarray(mistake(*values), dtype=float) if np.ndim(expected)
                           else float(mistake(*values))) for _, mistake in candidates}
        try:
            compare(name, got, expected, context)
        except CheckFailed:
            if first_failure is None:
                first_failure = (got, expected, context, wrong)
        candidates = [(hint, mistake) for hint, mistake in candidates if _same(got, wrong[mistake])]
    if first_failure is not None:
        got, expected, context, wrong = first_failure
        hints = list(dict.fromkeys(hint for hint, _ in candidates))  # each once, in order
        known = [(" Or: ".join(hints), wrong[candidates[0][1]])] if candidates else []
        compare(name, got, expected, context, known)
    _integrity.assert_untouched("after the check")
    _integrity.passed(label, f"{name} matches mlcourse.metrics on {len(runs)} cases (seed={seed})")


def _plain(got, expected):
    """NumPy scalars as floats and integer or boolean arrays as float arrays, for compare."""
    if np.ndim(expected) == 0 and isinstance(got, (np.ndarray, np.floating, np.integer)) and np.ndim(got) == 0:
        return float(got)
    if np.ndim(expected) and isinstance(got, list):
        got = np.asarray(got)
    if isinstance(got, np.ndarray) and got.dtype.kind in "iub":
        return got.astype(float)
    return got


def check_group_error_rates(student, *, seed=0, cases=10):
    """Task 1: ``group_error_rates(y_true, y_pred, groups)``, the error rate within each
    group in the order of ``np.unique(groups)``, against :func:`mlcourse.metrics.by_group`
    with :func:`mlcourse.metrics.error_rate`."""
    __tracebackhide__ = True
    worked = {"y_true": np.array([1, 0, 1, 1, 0]), "y_pred": np.array([1, 1, 1, 0, 0]),
              "groups": np.array(["b", "a", "b", "a", "a"])}
    _check(student, group_error_rates, "check_group_error_rates", worked, grouped_labels,
           GROUP_ERROR_MISTAKES, seed, cases)


def check_demographic_parity_difference(student, *, seed=0, cases=10):
    """Task 2: ``demographic_parity_difference(y_pred, groups)`` against
    :func:`mlcourse.metrics.demographic_parity_difference`."""
    __tracebackhide__ = True
    worked = {"y_pred": np.array([1, 0, 0, 0, 1, 1, 1, 0]), "groups": np.array([0, 0, 0, 0, 1, 1, 1, 1])}
    _check(student, metrics.demographic_parity_difference, "check_demographic_parity_difference", worked,
           grouped_selections, PARITY_MISTAKES, seed, cases)


def check_equalized_odds_difference(student, *, seed=0, cases=10):
    """Task 2: ``equalized_odds_difference(y_true, y_pred, groups)`` against
    :func:`mlcourse.metrics.equalized_odds_difference`."""
    __tracebackhide__ = True
    worked = {"y_true": np.array([1, 1, 0, 0, 1, 0, 0, 0]), "y_pred": np.array([1, 0, 1, 0, 1, 1, 0, 0]),
              "groups": np.array([0, 0, 0, 0, 1, 1, 1, 1])}
    _check(student, metrics.equalized_odds_difference, "check_equalized_odds_difference", worked,
           grouped_outcomes, ODDS_MISTAKES, seed, cases)


def check_flip_rate(student, *, seed=0, cases=10):
    """Task 3: ``flip_rate(predictions)`` against :func:`mlcourse.metrics.flip_rate`."""
    __tracebackhide__ = True
    worked = {"predictions": np.array([[0, 1, 2, 3], [0, 1, 2, 9], [0, 7, 2, 9]])}
    _check(student, metrics.flip_rate, "check_flip_rate", worked, model_predictions, FLIP_MISTAKES, seed, cases)


def check_membership_advantage(student, *, seed=0, cases=10):
    """Task 4: ``membership_advantage(member_losses, nonmember_losses, threshold)``
    against :func:`mlcourse.metrics.membership_advantage` (member iff loss <= threshold)."""
    __tracebackhide__ = True
    worked = {"member_losses": np.array([0.1, 0.2, 0.3, 1.0]),
              "nonmember_losses": np.array([0.2, 0.8, 1.5, 2.0, 3.0]), "threshold": 0.3}
    _check(student, metrics.membership_advantage, "check_membership_advantage", worked, attack_losses,
           ATTACK_MISTAKES, seed, cases)
