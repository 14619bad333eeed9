"""mlcourse.search: samplers (grid, random, Sobol), successive halving and Hyperband.

Oracles: scikit-learn's ParameterGrid, ParameterSampler and HalvingRandomSearchCV
(where they overlap with ours), Li et al. (2018)'s Table 1, and distribution tests.
"""

import math

import numpy as np
import pytest
from scipy import stats

from mlcourse import search
from mlcourse.search import choice, integers, loguniform, uniform

SPACE = {"lr": loguniform(1e-4, 1.0), "momentum": uniform(0.0, 0.99), "hidden": integers(8, 64),
         "batch_size": choice([16, 32, 64]), "activation": "tanh"}


# --- grid ------------------------------------------------------------------------------

def test_grid_is_the_product_with_the_last_name_fastest():
    configs = search.grid({"a": choice([1, 2]), "b": uniform(0.0, 1.0), "c": "fixed"}, n=3)
    assert len(configs) == 6
    assert [(c["a"], c["b"]) for c in configs] == [(1, 0.0), (1, 0.5), (1, 1.0), (2, 0.0), (2, 0.5), (2, 1.0)]
    assert all(c["c"] == "fixed" and list(c) == ["a", "b", "c"] for c in configs)


def test_grid_grows_exponentially_with_the_dimension():
    for d in range(1, 6):
        space = {f"x{j}": uniform(0.0, 1.0) for j in range(d)}
        assert len(search.grid(space, n=4)) == 4**d


def test_grid_agrees_with_sklearn_parameter_grid():
    from sklearn.model_selection import ParameterGrid

    space = {"batch_size": choice([16, 32, 64]), "hidden": integers(8, 64), "lr": loguniform(1e-4, 1.0),
             "momentum": uniform(0.0, 0.9)}  # names in sorted order: sklearn sorts them
    ours = search.grid(space, n={"hidden": 2, "lr": 5, "momentum": 3})
    theirs = list(ParameterGrid({"batch_size": [16, 32, 64], "hidden": [8, 64],
                                 "lr": list(np.geomspace(1e-4, 1.0, 5)), "momentum": [0.0, 0.45, 0.9]}))
    assert len(ours) == len(theirs) == 90
    for a, b in zip(ours, theirs):
        assert a.keys() == b.keys()
        assert all(math.isclose(a[k], b[k], rel_tol=1e-12) for k in a)


def test_grid_refuses_an_exponential_blow_up_and_names_the_count():
    space = {f"x{j}": uniform(0.0, 1.0) for j in range(10)}
    with pytest.raises(ValueError, match=r"10 x 10 x .* = 10,000,000,000 configurations"):
        search.grid(space, n=10)


def test_grid_rejects_counts_for_unknown_names():
    with pytest.raises(ValueError, match=r"\['typo'\] are not searched names"):
        search.grid({"lr": loguniform(1e-3, 1.0)}, n={"typo": 3})


# --- random ----------------------------------------------------------------------------

def test_random_is_reproducible_and_a_prefix_of_a_longer_run():
    first = search.random(SPACE, 5, seed=3)
    assert first == search.random(SPACE, 5, seed=3)
    assert search.random(SPACE, 12, seed=3)[:5] == first
    assert search.random(SPACE, 5, seed=4) != first
    rng = np.random.default_rng(0)
    assert search.random(SPACE, 3, seed=rng) != search.random(SPACE, 3, seed=rng)  # the generator advances


def test_random_draws_each_space_from_its_distribution():
    draws = search.random(SPACE, 4000, seed=1)
    lr = np.array([c["lr"] for c in draws])
    assert stats.kstest(lr, stats.loguniform(1e-4, 1.0).cdf).pvalue > 1e-3
    momentum = np.array([c["momentum"] for c in draws])
    assert stats.kstest(momentum, stats.uniform(0.0, 0.99).cdf).pvalue > 1e-3
    hidden = np.array([c["hidden"] for c in draws])
    assert hidden.min() == 8 and hidden.max() == 64
    assert stats.chisquare(np.bincount(hidden - 8, minlength=57)).pvalue > 1e-3
    sizes = [c["batch_size"] for c in draws]
    assert stats.chisquare([sizes.count(b) for b in (16, 32, 64)]).pvalue > 1e-3
    assert all(c["activation"] == "tanh" for c in draws)


def test_the_distribution_test_has_power():
    """Uniform draws on [1e-4, 1] are not log-uniform: the same test rejects them."""
    lr = np.array([c["lr"] for c in search.random({"lr": uniform(1e-4, 1.0)}, 4000, seed=1)])
    assert stats.kstest(lr, stats.loguniform(1e-4, 1.0).cdf).pvalue < 1e-10


def test_random_agrees_in_distribution_with_sklearn_parameter_sampler():
    from sklearn.model_selection import ParameterSampler

    theirs = list(ParameterSampler({"lr": stats.loguniform(1e-4, 1.0), "hidden": stats.randint(8, 65)},
                                   n_iter=3000, random_state=0))
    ours = search.random({"lr": loguniform(1e-4, 1.0), "hidden": integers(8, 64)}, 3000, seed=0)
    assert stats.ks_2samp([c["lr"] for c in ours], [c["lr"] for c in theirs]).pvalue > 1e-3
    table = [np.bincount([c["hidden"] - 8 for c in side], minlength=57) for side in (ours, theirs)]
    assert stats.chi2_contingency(table).pvalue > 1e-3


# --- Sobol -----------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sobol_puts_one_point_in_every_stratum_of_every_coordinate(seed):
    space = {f"u{j}": uniform(0.0, 1.0) for j in range(4)}
    configs = search.sobol(space, 64, seed=seed)
    for name in space:
        strata = np.floor(np.array([c[name] for c in configs]) * 64).astype(int)
        assert sorted(strata) == list(range(64))


def test_sobol_has_lower_discrepancy_than_random_points():
    from scipy.stats import qmc

    space = {f"u{j}": uniform(0.0, 1.0) for j in range(3)}

    def discrepancy(configs):
        return qmc.discrepancy(np.array([[c[k] for k in space] for c in configs]))

    quasi = [discrepancy(search.sobol(space, 128, seed=s)) for s in range(5)]
    plain = [discrepancy(search.random(space, 128, seed=s)) for s in range(5)]
    assert max(quasi) < min(plain)


def test_sobol_maps_through_the_spaces_and_takes_prefixes_for_other_n():
    configs = search.sobol(SPACE, 20, seed=0)
    assert configs == search.sobol(SPACE, 32, seed=0)[:20]
    lr = np.log10([c["lr"] for c in search.sobol(SPACE, 256, seed=0)])
    assert sorted(np.floor(lr).astype(int).tolist()).count(-4) == 64  # a quarter of the points per decade
    plain = search.sobol({"x": uniform(2.0, 3.0)}, 4, scramble=False)
    assert [c["x"] for c in plain] == [2.0, 2.5, 2.75, 2.25]


# --- schedules ----------------------------------------------------------------------------

def test_hyperband_brackets_match_li_et_al_table_1():
    """Li et al. (2018), Table 1: R = 81, eta = 3."""
    table = {4: [(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)],
             3: [(34, 3), (11, 9), (3, 27), (1, 81)],
             2: [(15, 9), (5, 27), (1, 81)],
             1: [(8, 27), (2, 81)],
             0: [(5, 81)]}
    brackets = search.hyperband_schedule(1, 81, factor=3)
    assert [b.s for b in brackets] == [4, 3, 2, 1, 0]
    for bracket in brackets:
        assert [tuple(r) for r in bracket.rungs] == table[bracket.s]
    assert [b.total_budget for b in brackets] == [405, 363, 351, 378, 405]


def test_hyperband_units_and_non_integer_budgets():
    # the same table with a minimum budget of 10 (say, 10 steps per unit)
    scaled = search.hyperband_schedule(10, 810, factor=3)
    assert [[(n, r) for n, r in b.rungs] for b in scaled] == \
        [[(n, 10 * r) for n, r in b.rungs] for b in search.hyperband_schedule(1, 81)]
    # R = 20, factor 3: s_max = 2, every bracket ends at max_budget
    brackets = search.hyperband_schedule(1.0, 20.0, factor=3)
    assert [b.s for b in brackets] == [2, 1, 0]
    assert all(math.isclose(b.rungs[-1].budget, 20.0) for b in brackets)
    assert math.isclose(brackets[0].rungs[0].budget, 20 / 9)
    assert [r.n_configs for r in brackets[0].rungs] == [9, 3, 1]  # ceil(3 * 9 / 3) = 9
    assert [r.n_configs for r in brackets[1].rungs] == [5, 1]  # ceil(3 * 3 / 2) = 5


def test_schedule_cost_from_scratch_and_resumed():
    rungs = search.halving_schedule(27, 1, 9)
    assert search.schedule_cost(rungs) == 27 * 1 + 9 * 3 + 3 * 9
    assert search.schedule_cost(rungs, resume=True) == 27 * 1 + 9 * 2 + 3 * 6
    bracket = search.hyperband_schedule(1, 81)[0]
    assert search.schedule_cost(bracket.rungs) == bracket.total_budget == 405
    with pytest.raises(TypeError, match="invalid rungs"):
        search.schedule_cost([3, 9])


def test_halving_schedule_stops_at_the_budget_or_at_one_configuration():
    assert search.halving_schedule(27, 1, 81) == [(27, 1), (9, 3), (3, 9), (1, 27)]  # one left
    assert search.halving_schedule(81, 1, 9) == [(81, 1), (27, 3), (9, 9)]  # budget reached
    assert search.halving_schedule(8, 1, 8, factor=2) == [(8, 1), (4, 2), (2, 4), (1, 8)]
    assert search.halving_schedule(34, 1, 27) == [(34, 1), (11, 3), (3, 9), (1, 27)]
    assert search.halving_schedule(34, 1, 27, keep="ceil") == [(34, 1), (12, 3), (4, 9), (2, 27)]
    assert search.halving_schedule(1, 1, 81) == [(1, 1)]
    assert search.halving_schedule(10, 2, 20) == [(10, 2), (3, 6), (1, 18)]  # 18, not 20: as sklearn
    float_budgets = search.halving_schedule(9, 0.5, 4.5)
    assert [r.budget for r in float_budgets] == [0.5, 1.5, 4.5]


def _budgeted_estimator():
    """A scikit-learn estimator whose score depends on one parameter x and on its budget."""
    from sklearn.base import BaseEstimator

    class Budgeted(BaseEstimator):
        def __init__(self, x=0.0, budget=1):
            self.x, self.budget = x, budget

        def fit(self, X, y):
            return self

        def score(self, X, y):
            return -_budgeted_loss({"x": self.x}, self.budget)

    return Budgeted()


def _budgeted_loss(config, budget):
    """A deterministic learning curve whose ranking changes with the budget."""
    x = config["x"]
    return (x - 0.6) ** 2 + abs(math.sin(7 * x)) / budget


@pytest.mark.parametrize("n, low, high, factor", [(81, 1, 81, 3), (34, 1, 27, 3), (20, 2, 40, 2),
                                                  (50, 1, 100, 4), (10, 1, 1000, 3), (100, 3, 30, 3)])
def test_successive_halving_agrees_with_sklearn_halving_random_search(n, low, high, factor):
    """Resources and candidates per iteration, and which candidates survive (keep='ceil')."""
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    X, y = np.zeros((20, 1)), np.arange(20) % 2
    sk = HalvingRandomSearchCV(_budgeted_estimator(), {"x": stats.uniform(0, 1)}, n_candidates=n, resource="budget",
                               min_resources=low, max_resources=high, factor=factor, cv=2, random_state=0,
                               refit=False).fit(X, y)
    schedule = search.halving_schedule(n, low, high, factor=factor, keep="ceil")
    assert [r.n_configs for r in schedule] == sk.n_candidates_
    assert [r.budget for r in schedule] == sk.n_resources_

    configs = [{"x": p["x"]} for p in sk.cv_results_["params"][:n]]  # iteration 0: all candidates in order
    result = search.successive_halving(_budgeted_loss, configs, low, high, factor=factor, keep="ceil")
    iterations = np.asarray(sk.cv_results_["iter"])
    for rung in range(len(schedule)):
        theirs = sorted(p["x"] for p, i in zip(sk.cv_results_["params"], iterations) if i == rung)
        ours = sorted(t.config["x"] for t in result.trials if t.rung == rung)
        assert ours == theirs


# --- successive halving and Hyperband ----------------------------------------------------

def _recording(loss):
    calls = []

    def train(config, budget):
        calls.append((config["x"], budget))
        return loss(config, budget)

    return train, calls


def test_successive_halving_keeps_the_best_third_and_multiplies_the_budget():
    configs = [{"x": x} for x in np.linspace(0, 1, 27)]
    train, calls = _recording(_budgeted_loss)
    result = search.successive_halving(train, configs, 1, 27, factor=3)
    assert [t.budget for t in result.trials] == [1] * 27 + [3] * 9 + [9] * 3 + [27]
    assert len(calls) == 40 and result.total_budget == 27 + 27 + 27 + 27
    for rung in range(3):
        this = [t for t in result.trials if t.rung == rung]
        kept = {t.index for t in result.trials if t.rung == rung + 1}
        best = sorted(this, key=lambda t: t.score)[:len(kept)]
        assert kept == {t.index for t in best}
        assert max(t.score for t in best) <= min(t.score for t in this if t.index not in kept)
    assert result.best == result.trials[-1] and result.best.rung == 3


def test_nan_scores_never_survive_and_ties_go_to_the_first():
    configs = [{"x": k} for k in range(9)]

    def train(config, budget):
        return math.nan if config["x"] in (0, 1) else 1.0

    result = search.successive_halving(train, configs, 1, 9)
    assert [t.index for t in result.trials if t.rung == 1] == [2, 3, 4]
    assert result.best.index == 2


def test_hyperband_runs_every_bracket_on_fresh_random_configurations():
    space = {"x": uniform(0.0, 1.0)}
    result = search.hyperband(_budgeted_loss, space, 1, 27, factor=3, seed=5)
    schedule = search.hyperband_schedule(1, 27, factor=3)
    for bracket in schedule:
        trials = [t for t in result.trials if t.bracket == bracket.s]
        counts = [sum(t.rung == i for t in trials) for i in range(len(bracket.rungs))]
        assert counts == [r.n_configs for r in bracket.rungs]
        assert {t.budget for t in trials if t.rung == 0} == {bracket.rungs[0].budget}
    assert result.total_budget == sum(b.total_budget for b in schedule)
    finals = [t for t in result.trials if t.budget == 27]
    assert result.best.score == min(t.score for t in finals)
    # the configurations are those random search draws from one generator
    rng = np.random.default_rng(5)
    expected = [search.random(space, b.rungs[0].n_configs, seed=rng) for b in schedule]
    assert [t.config for t in result.trials if t.rung == 0] == [c for group in expected for c in group]
    assert search.hyperband(_budgeted_loss, space, 1, 27, seed=5) == result


def test_evaluate_runs_every_configuration_at_one_budget():
    configs = [{"x": x} for x in (0.1, 0.6, 0.9)]
    result = search.evaluate(_budgeted_loss, configs, 5)
    assert [t.budget for t in result.trials] == [5, 5, 5]
    assert result.best.config == min(configs, key=lambda c: _budgeted_loss(c, 5))
    assert result.total_budget == 15


@pytest.mark.parametrize("call, error, message", [
    (lambda: search.halving_schedule(9, 0, 9), ValueError, "invalid min_budget = 0"),
    (lambda: search.halving_schedule(9, 9, 3), ValueError, "invalid max_budget = 3, expected a finite max_budget >= min_budget = 9"),
    (lambda: search.halving_schedule(9, 1, 9, factor=1), ValueError, "invalid factor = 1.0"),
    (lambda: search.halving_schedule(0, 1, 9), ValueError, "invalid n = 0"),
    (lambda: search.halving_schedule(9, 1, 9, keep="round"), ValueError, "invalid keep = 'round'"),
    (lambda: search.hyperband_schedule(1, math.inf), ValueError, "invalid max_budget = inf"),
    (lambda: search.successive_halving(_budgeted_loss, [], 1, 9), ValueError, r"invalid configs = \[\]"),
    (lambda: search.successive_halving(_budgeted_loss, {"x": 1}, 1, 9), TypeError, "invalid configs"),
    (lambda: search.successive_halving(_budgeted_loss, [0.5], 1, 9), TypeError, r"invalid configs\[0\] = 0.5"),
    (lambda: search.successive_halving("train", [{"x": 1}], 1, 9), TypeError, "invalid train = 'train'"),
    (lambda: search.successive_halving(lambda c, b: "good", [{"x": 1}], 1, 9), TypeError, "invalid score = 'good'"),
    (lambda: search.evaluate(_budgeted_loss, [{"x": 1}], -1), ValueError, "invalid budget = -1"),
    (lambda: search.random([("lr", 0.1)], 3), TypeError, "invalid space"),
    (lambda: search.random(SPACE, -1), ValueError, "invalid n = -1"),
    (lambda: search.random(SPACE, 3, seed="zero"), TypeError, "invalid seed = 'zero'"),
    (lambda: search.sobol(SPACE, 4, scramble="yes"), TypeError, "invalid scramble = 'yes'"),
])
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()
