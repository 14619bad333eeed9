"""mlcourse.metrics: the audit metrics of chapter 9, checked against their definitions,
against fairlearn where it defines the same metric, and against SciPy's Spearman."""

import math

import numpy as np
import pytest

from mlcourse import metrics as M


def random_case(seed, n=400, groups=3):
    rng = np.random.default_rng(seed)
    g = rng.integers(groups, size=n)
    y = (rng.random(n) < 0.3 + 0.15 * g).astype(int)          # base rates differ by group
    y_pred = np.where(rng.random(n) < 0.75, y, 1 - y)          # 75 % right
    return y, y_pred, np.array(["a", "b", "c", "d"])[g]


# --- hand-checked small cases ---------------------------------------------------------------

Y = np.array([1, 1, 0, 0, 1, 0, 0, 0])
P = np.array([1, 0, 1, 0, 1, 1, 0, 0])
G = np.array(["x", "x", "x", "x", "y", "y", "y", "y"])


def test_rates_on_a_hand_checked_example():
    assert M.accuracy(Y, P) == 5 / 8 and M.error_rate(Y, P) == 3 / 8
    assert M.selection_rate(P) == 4 / 8
    assert M.true_positive_rate(Y, P) == 2 / 3      # of the 3 positives, 2 predicted positive
    assert M.false_positive_rate(Y, P) == 2 / 5     # of the 5 negatives, 2 predicted positive


def test_by_group_normalises_within_each_group():
    labels, tpr = M.by_group(M.true_positive_rate, G, Y, P)
    assert labels.tolist() == ["x", "y"]
    np.testing.assert_allclose(tpr, [1 / 2, 1 / 1])  # x: 1 of its 2 positives; y: its 1 positive
    _, fpr = M.by_group(M.false_positive_rate, G, Y, P)
    np.testing.assert_allclose(fpr, [1 / 2, 1 / 3])
    _, sel = M.by_group(M.selection_rate, G, P)
    np.testing.assert_allclose(sel, [2 / 4, 2 / 4])
    _, err = M.by_group(M.error_rate, G, Y, P)
    np.testing.assert_allclose(err, [2 / 4, 1 / 4])


def test_differences_are_unsigned_and_symmetric_in_the_groups():
    assert M.demographic_parity_difference(P, G) == 0.0
    assert M.equalized_odds_difference(Y, P, G) == pytest.approx(max(1 / 2, 1 / 2 - 1 / 3))
    swapped = np.where(G == "x", "y", "x")
    assert M.equalized_odds_difference(Y, P, swapped) == M.equalized_odds_difference(Y, P, G)
    assert M.difference([0.2, 0.5, 0.1]) == pytest.approx(0.4)


def test_a_perfect_classifier_can_violate_demographic_parity_but_not_equalised_odds():
    y = np.array([1, 1, 1, 0, 1, 0, 0, 0])
    g = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    assert M.demographic_parity_difference(y, g) == 0.5   # base rates 3/4 and 1/4
    assert M.equalized_odds_difference(y, y, g) == 0.0


@pytest.mark.parametrize("y_true, y_pred", [([1, 0], [True, False]), ([1.0, 0.0], [1, 0])])
def test_binary_labels_may_be_ints_floats_or_bools(y_true, y_pred):
    assert M.true_positive_rate(y_true, y_pred) == 1.0


# --- fairlearn as the oracle -----------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
def test_group_metrics_equal_fairlearn(seed):
    fm = pytest.importorskip("fairlearn.metrics")
    y, y_pred, g = random_case(seed)
    assert M.selection_rate(y_pred) == pytest.approx(fm.selection_rate(y, y_pred))
    assert M.true_positive_rate(y, y_pred) == pytest.approx(fm.true_positive_rate(y, y_pred))
    assert M.false_positive_rate(y, y_pred) == pytest.approx(fm.false_positive_rate(y, y_pred))
    assert M.demographic_parity_difference(y_pred, g) == pytest.approx(
        fm.demographic_parity_difference(y, y_pred, sensitive_features=g))
    assert M.equalized_odds_difference(y, y_pred, g) == pytest.approx(
        fm.equalized_odds_difference(y, y_pred, sensitive_features=g))
    assert M.difference(M.by_group(M.error_rate, g, y, y_pred)[1]) == pytest.approx(
        fm.zero_one_loss_difference(y, y_pred, sensitive_features=g))
    frame = fm.MetricFrame(metrics={"tpr": fm.true_positive_rate, "fpr": fm.false_positive_rate},
                           y_true=y, y_pred=y_pred, sensitive_features=g)
    labels, tpr = M.by_group(M.true_positive_rate, g, y, y_pred)
    np.testing.assert_allclose(tpr, frame.by_group["tpr"].loc[labels].to_numpy())
    np.testing.assert_allclose(M.by_group(M.false_positive_rate, g, y, y_pred)[1],
                               frame.by_group["fpr"].loc[labels].to_numpy())


# --- predictive multiplicity -------------------------------------------------------------------

def test_flip_rate_discrepancy_and_disagreement_by_hand():
    predictions = np.array([[0, 1, 2, 3, 4],
                            [0, 1, 2, 3, 9],
                            [0, 7, 2, 3, 9]])
    assert M.flip_rate(predictions) == 2 / 5          # examples 1 and 4 are not unanimous
    assert M.discrepancy(predictions) == 2 / 5        # model 2 differs from model 0 on 2 of 5
    assert M.discrepancy(predictions, baseline=1) == 1 / 5
    assert M.disagreement(predictions[0], predictions[1]) == 1 / 5
    assert M.flip_rate(predictions[[0, 0]]) == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_multiplicity_orderings_hold(seed):
    rng = np.random.default_rng(seed)
    base = rng.integers(10, size=300)
    models = np.stack([np.where(rng.random(300) < 0.1, rng.integers(10, size=300), base) for _ in range(6)])
    flips = [M.flip_rate(models[:k]) for k in range(2, 7)]
    assert flips == sorted(flips)                       # more models can only flip more
    assert M.discrepancy(models) <= M.flip_rate(models)
    pairwise = max(M.disagreement(models[0], m) for m in models[1:])
    assert M.discrepancy(models) == pairwise


# --- membership inference --------------------------------------------------------------------

def test_membership_advantage_counts_losses_at_or_below_the_threshold():
    members = np.array([0.1, 0.2, 0.3, 1.0])
    others = np.array([0.2, 0.8, 1.5, 2.0, 3.0])
    assert M.membership_advantage(members, others, threshold=0.3) == pytest.approx(3 / 4 - 1 / 5)
    assert M.membership_advantage(members, others) == pytest.approx(3 / 4 - 1 / 5)  # tau = mean = 0.4
    assert M.membership_advantage(members, members) == 0.0
    assert M.membership_advantage(others, members, threshold=0.3) < 0   # the wrong way round


def test_best_membership_advantage_is_the_maximum_over_all_thresholds():
    rng = np.random.default_rng(0)
    members, others = rng.exponential(0.5, 200), rng.exponential(1.0, 150)
    best, tau = M.best_membership_advantage(members, others)
    grid = np.concatenate([members, others, [-1.0]])
    brute = max(M.membership_advantage(members, others, threshold=t) for t in grid)
    assert best == pytest.approx(brute) and M.membership_advantage(members, others, threshold=tau) == best
    assert M.best_membership_advantage(others, members)[0] >= 0.0


def test_a_perfect_attack_has_advantage_one():
    assert M.best_membership_advantage([0.0, 0.1], [1.0, 2.0]) == (1.0, 0.1)


# --- rank correlation, energy -----------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_rank_correlation_equals_scipy_spearman_with_ties(seed):
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 8, size=(8, 8)).astype(float)   # many ties, like saliency maps of blank pixels
    b = a + rng.normal(scale=2.0, size=a.shape)
    assert M.rank_correlation(a, b) == pytest.approx(stats.spearmanr(a.ravel(), b.ravel()).statistic)
    assert M.rank_correlation(a, a) == pytest.approx(1.0)
    assert M.rank_correlation(a, -a) == pytest.approx(-1.0)


def test_energy_and_emissions_units():
    assert M.energy_kwh(3600, 1000) == pytest.approx(1.0)          # 1 kW for an hour
    assert M.energy_kwh(3600, 1000, pue=1.58) == pytest.approx(1.58)
    assert M.co2e_kg(2.0, 0.4) == pytest.approx(0.8)


# --- argument errors name the argument and value -----------------------------------------------

@pytest.mark.parametrize("call, error, message", [
    (lambda: M.true_positive_rate([0, 0], [1, 0]), ValueError, "true positive rate is undefined"),
    (lambda: M.by_group(M.true_positive_rate, ["a", "b"], [1, 0], [1, 1]), ValueError,
     "in group 'b': the true positive rate is undefined"),
    (lambda: M.selection_rate([0, 2]), ValueError, r"invalid y_pred: contains 2, expected binary labels 0 and 1"),
    (lambda: M.accuracy([1, 2, 3], [1, 2]), ValueError, "y_true has 3, y_pred has 2 entries"),
    (lambda: M.by_group(M.error_rate, [0, 1, 1], [1, 0], [1, 0]), ValueError, "groups has 3"),
    (lambda: M.by_group("error_rate", [0, 1], [1, 0], [1, 0]), TypeError, "invalid metric = 'error_rate'"),
    (lambda: M.difference([0.3]), ValueError, "at least two groups"),
    (lambda: M.flip_rate([1, 2, 3]), ValueError, r"invalid predictions with shape \(3,\)"),
    (lambda: M.discrepancy([[1, 2], [1, 3]], baseline=2), ValueError, "invalid baseline = 2"),
    (lambda: M.membership_advantage([0.1, math.nan], [0.2]), ValueError, "invalid member_losses"),
    (lambda: M.membership_advantage([0.1], [0.2], threshold="low"), TypeError, "invalid threshold = 'low'"),
    (lambda: M.rank_correlation([1, 1, 1], [1, 2, 3]), ValueError, "one of the arrays is constant"),
    (lambda: M.rank_correlation([1, 2], [1, 2, 3]), ValueError, "invalid sizes 2 and 3"),
    (lambda: M.energy_kwh(10, 100, pue=0.9), ValueError, "invalid pue = 0.9, expected 1 <= pue"),
    (lambda: M.energy_kwh(-1, 100), ValueError, "invalid seconds = -1.0"),
])
def test_errors_name_the_argument_and_value(call, error, message):
    with pytest.raises(error, match=message):
        call()
