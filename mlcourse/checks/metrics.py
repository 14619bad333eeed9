"""Checkers of the audit metrics (exercise 9): group error rates, the parity and odds
differences, the flip rate and the membership advantage, against :mod:`mlcourse.metrics`.

Each is :func:`~mlcourse.checks.functions.function_cases` on a worked example and on
random cases drawn so that every known mistake shows (unequal groups, groups named by
strings or by unsorted numbers, losses that tie with the threshold). The cases and the
mistakes are data: a generator ``case(rng) -> dict of arguments`` and a list of
:class:`~mlcourse.checks.Mistake`, each wrong implementation written as a student would
write it (the tests submit them and expect their hints).
"""

import numpy as np

from mlcourse import metrics

from ._compare import make_rng
from ._draw import check_examples
from ._driver import checker
from .functions import function_cases
from .mistakes import Mistake, check_mistakes

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
    Mistake("each group's error rate is a fraction of that group's members: divide the group's "
     "errors by the group's size, not by the number of all examples.", errors_over_everyone),
    Mistake("that is each group's accuracy; the error rate is the fraction predicted *wrongly* "
     "(1 − accuracy).", accuracy_per_group),
    Mistake("the groups must come in the order of np.unique(groups) (sorted), not in the order "
     "in which they first appear.", groups_in_order_of_appearance),
]


def signed_parity(y_pred, groups):
    rates = _by_group(lambda p: np.mean(p == 1), groups, y_pred)
    return float(rates[0] - rates[-1])


def selected_over_everyone(y_pred, groups):
    rates = np.array([np.sum(y_pred[groups == g] == 1) / len(y_pred) for g in np.unique(groups)])
    return float(rates.max() - rates.min())


PARITY_MISTAKES = [
    Mistake("the difference is the largest minus the smallest selection rate, so it is never "
     "negative and does not depend on the order of the groups (you subtracted one "
     "group's rate from another's).", signed_parity),
    Mistake("a group's selection rate is a fraction of that group: divide the number selected in "
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
    Mistake("the true positive rate is a fraction of the group's *positives* (y_true == 1), not of "
     "the whole group: P(ŷ = 1 | y = 1, group).", tpr_over_the_group),
    Mistake("the false positive rate is a fraction of the group's *negatives* (y_true == 0), not of "
     "the whole group: P(ŷ = 1 | y = 0, group).", fpr_over_the_group),
    Mistake("the true and false positive rates are fractions of the group's positives and "
     "negatives respectively, not of the whole group.", rates_over_the_group),
    Mistake("equalised odds compares the false positive rates too: take the larger of the TPR "
     "spread and the FPR spread (comparing TPRs alone is 'equal opportunity').", true_positive_rates_only),
    Mistake("take the larger of the two spreads, not their mean: a small FPR gap must not hide "
     "a large TPR gap.", mean_of_the_spreads),
    Mistake("each spread is the largest minus the smallest rate over the groups (never negative), "
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
    Mistake("an example counts once, fully, if *any* two models disagree on it; averaging the "
     "disagreement of every pair of models counts it only partly.", mean_pairwise_disagreement),
    Mistake("compare all the models (rows), not only the first two.", first_two_models),
    Mistake("count examples (columns) on which the models are not unanimous, not predictions "
     "that differ from the majority vote.", disagreement_with_the_majority),
    Mistake("that is the fraction on which all models *agree*; the flip rate is the rest.", agreement_rate),
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
    Mistake("members have *low* loss: the attack guesses 'member' when the loss is at most the "
     "threshold (loss <= threshold), not above it.", member_above_the_threshold),
    Mistake("members have *low* loss: the attack guesses 'member' when the loss is at most the "
     "threshold (loss <= threshold), not above it.", member_at_or_above_the_threshold),
    Mistake("a loss equal to the threshold counts as 'member': use loss <= threshold, not <.", strictly_below),
    Mistake("that is the attack's accuracy; the advantage is its true positive rate on members "
     "minus its false positive rate on non-members.", attack_accuracy),
    Mistake("normalise each rate by its own set: members' guesses by the number of members, "
     "non-members' by the number of non-members, not both by the total.", counts_over_everyone),
]


# --- the checkers ------------------------------------------------------------------------------

def _audit(student, reference, worked, generate, known, mistakes, examples, seed, cases):
    """The worked example (or the test cell's own), then ``cases`` random cases."""
    keys = tuple(worked)
    examples = check_examples(examples, keys)
    known = [*known, *check_mistakes(mistakes, ("student_function",))]
    seed, rng = make_rng(seed)
    runs = [("worked example", example) for example in (examples or [worked])]
    runs += [(f"case {i} of {cases} (seed={seed})", generate(rng)) for i in range(1, cases + 1)]
    yield from function_cases(student, reference, runs, known)
    return f"{student.name} matches mlcourse.metrics on {len(runs)} cases (seed={seed})"


@checker(students=("student_function",), under_test=(metrics,))
def check_group_error_rates(student_function, *, seed=0, cases=10, examples=(), mistakes=()):
    """Check ``group_error_rates(y_true, y_pred, groups)``, the error rate within each
    group in the order of ``np.unique(groups)``, against :func:`mlcourse.metrics.by_group`
    with :func:`mlcourse.metrics.error_rate`. A worked example is ``{"y_true": ...,
    "y_pred": ..., "groups": ...}`` (arrays; groups may be strings). Recognised: dividing
    by all examples, accuracy instead of error, groups in order of appearance, plus
    ``mistakes``. Under test: ``mlcourse.metrics``."""
    worked = {"y_true": np.array([1, 0, 1, 1, 0]), "y_pred": np.array([1, 1, 1, 0, 0]),
              "groups": np.array(["b", "a", "b", "a", "a"])}
    return (yield from _audit(student_function, group_error_rates, worked, grouped_labels, GROUP_ERROR_MISTAKES,
                              mistakes, examples, seed, cases))


@checker(students=("student_function",), under_test=(metrics,))
def check_demographic_parity_difference(student_function, *, seed=0, cases=10, examples=(), mistakes=()):
    """Check ``demographic_parity_difference(y_pred, groups)`` against
    :func:`mlcourse.metrics.demographic_parity_difference`. A worked example is
    ``{"y_pred": ..., "groups": ...}``. Recognised: a signed difference, dividing by all
    examples, plus ``mistakes``. Under test: ``mlcourse.metrics``."""
    worked = {"y_pred": np.array([1, 0, 0, 0, 1, 1, 1, 0]), "groups": np.array([0, 0, 0, 0, 1, 1, 1, 1])}
    return (yield from _audit(student_function, metrics.demographic_parity_difference, worked, grouped_selections,
                              PARITY_MISTAKES, mistakes, examples, seed, cases))


@checker(students=("student_function",), under_test=(metrics,))
def check_equalized_odds_difference(student_function, *, seed=0, cases=10, examples=(), mistakes=()):
    """Check ``equalized_odds_difference(y_true, y_pred, groups)`` against
    :func:`mlcourse.metrics.equalized_odds_difference`. A worked example is
    ``{"y_true": ..., "y_pred": ..., "groups": ...}``. Recognised: rates over the whole
    group, true positive rates only, the mean of the two spreads, a signed difference,
    plus ``mistakes``. Under test: ``mlcourse.metrics``."""
    worked = {"y_true": np.array([1, 1, 0, 0, 1, 0, 0, 0]), "y_pred": np.array([1, 0, 1, 0, 1, 1, 0, 0]),
              "groups": np.array([0, 0, 0, 0, 1, 1, 1, 1])}
    return (yield from _audit(student_function, metrics.equalized_odds_difference, worked, grouped_outcomes,
                              ODDS_MISTAKES, mistakes, examples, seed, cases))


@checker(students=("student_function",), under_test=(metrics,))
def check_flip_rate(student_function, *, seed=0, cases=10, examples=(), mistakes=()):
    """Check ``flip_rate(predictions)`` (models × examples) against
    :func:`mlcourse.metrics.flip_rate`. A worked example is ``{"predictions": ...}``.
    Recognised: the mean pairwise disagreement, the first two models only, disagreement
    with the majority, the agreement rate, plus ``mistakes``. Under test:
    ``mlcourse.metrics``."""
    worked = {"predictions": np.array([[0, 1, 2, 3], [0, 1, 2, 9], [0, 7, 2, 9]])}
    return (yield from _audit(student_function, metrics.flip_rate, worked, model_predictions, FLIP_MISTAKES,
                              mistakes, examples, seed, cases))


@checker(students=("student_function",), under_test=(metrics,))
def check_membership_advantage(student_function, *, seed=0, cases=10, examples=(), mistakes=()):
    """Check ``membership_advantage(member_losses, nonmember_losses, threshold)`` against
    :func:`mlcourse.metrics.membership_advantage` (member iff loss <= threshold). A worked
    example is ``{"member_losses": ..., "nonmember_losses": ..., "threshold": 0.3}``.
    Recognised: the wrong side of the threshold, ties, the attack's accuracy, rates over
    everyone, plus ``mistakes``. Under test: ``mlcourse.metrics``."""
    worked = {"member_losses": np.array([0.1, 0.2, 0.3, 1.0]),
              "nonmember_losses": np.array([0.2, 0.8, 1.5, 2.0, 3.0]), "threshold": 0.3}
    return (yield from _audit(student_function, metrics.membership_advantage, worked, attack_losses,
                              ATTACK_MISTAKES, mistakes, examples, seed, cases))
