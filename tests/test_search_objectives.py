"""mlcourse.search.objectives: the digits MLP objective and the low-effective-dimension function."""

import math

import numpy as np
import pytest

from mlcourse import optim, problems, search

CONFIG = {"lr": 0.1, "momentum": 0.5, "batch_size": 128, "hidden": 16}


def test_splits_are_disjoint_stratified_and_cover_the_data():
    objective = search.digits_mlp(train_size=600, val_size=300)
    train, val, test = (objective.splits[k] for k in ("train", "val", "test"))
    assert (len(train), len(val), len(test)) == (600, 300, 897)
    assert len(np.unique(np.concatenate([train, val, test]))) == 1797
    _, y = problems.load_dataset("digits")
    assert np.all(np.bincount(y[val], minlength=10) >= 28)  # about 30 of each digit


def test_score_is_the_validation_loss_of_sgd_on_the_training_split():
    objective = search.digits_mlp(seed=3, train_size=500, val_size=200)
    score = objective(CONFIG, 2)
    # the same training written out with the course's pieces
    net = problems.mlp(hidden=16, seed=3)
    opt = optim.sgd(lr=0.1, momentum=0.5)
    theta, state = net.theta0, opt.init(net.theta0)
    train = objective.splits["train"]
    stream = problems.batches(500, 128, seed=3)
    for _ in range(2 * 4):  # ceil(500 / 128) = 4 steps per epoch
        theta, state = opt.update(theta, net.grad(theta, train[next(stream)]), state)
    assert math.isclose(score, net.loss(theta, objective.splits["val"]), rel_tol=1e-12)
    assert objective.cost.epochs == 2 and objective.cost.steps == 8 and objective.cost.gradients == 1000


def test_resuming_gives_the_same_score_as_one_go_and_is_counted_once():
    resumed, fresh = search.digits_mlp(train_size=400, val_size=200), search.digits_mlp(train_size=400, val_size=200)
    for budget in (1, 3, 9):
        last = resumed(CONFIG, budget)
    assert last == fresh(CONFIG, 9)
    assert resumed.cost.epochs == fresh.cost.epochs == 9
    # asking for fewer epochs than trained starts over
    assert resumed(CONFIG, 1) == search.digits_mlp(train_size=400, val_size=200)(CONFIG, 1)
    assert resumed.cost.epochs == 10


def test_test_split_is_separate_and_a_diverged_run_scores_inf():
    objective = search.digits_mlp(train_size=400, val_size=200)
    good = {**CONFIG, "lr": 0.5}
    val, test = objective.validate(good, 3), objective.test(good, 3)
    assert val.loss == objective(good, 3) and val.loss != test.loss
    assert 0.5 < val.accuracy <= 1 and 0.5 < test.accuracy <= 1
    relu = search.digits_mlp(train_size=400, val_size=200, activation="relu")
    assert relu({"lr": 1e100, "momentum": 0.9}, 3) == math.inf
    assert relu.cost.epochs == 1  # training stops at the first non-finite epoch


@pytest.mark.parametrize("config, error, message", [
    ({"momentum": 0.9}, ValueError, "expected a learning rate 'lr'"),
    ({"lr": 0.1, "betas": 0.9}, ValueError, r"unknown names \['betas'\]"),
    ({"lr": -0.1}, ValueError, "invalid lr = -0.1"),
    ({"lr": 0.1, "momentum": 1.0}, ValueError, "invalid momentum = 1.0"),
    ({"lr": 0.1, "batch_size": 0}, ValueError, "invalid batch_size = 0"),
    ([0.1], TypeError, "invalid config"),
])
def test_bad_configurations_are_named(config, error, message):
    with pytest.raises(error, match=message):
        search.digits_mlp(train_size=100, val_size=100)(config, 1)


def test_bad_budgets_and_sizes_are_named():
    objective = search.digits_mlp(train_size=100, val_size=100)
    with pytest.raises(TypeError, match="invalid budget = 2.5"):
        objective(CONFIG, 2.5)
    with pytest.raises(ValueError, match="invalid budget = 0"):
        objective(CONFIG, 0)
    assert objective(CONFIG, 2.0) == objective(CONFIG, 2)
    with pytest.raises(ValueError, match="invalid train_size = 1500"):
        search.digits_mlp(train_size=1500, val_size=400)


def test_low_effective_dimension_depends_mostly_on_the_first_coordinate():
    f = search.low_effective_dimension((1.0, 0.05))
    u = np.random.default_rng(0).random((4000, 2))
    values = f(u)
    assert values.shape == (4000,)
    assert np.isclose(f(np.array([0.7, 0.7])), 1.05 * f.effect(0.7))
    share = [np.corrcoef(f.weights[j] * f.effect(u[:, j]), values)[0, 1] ** 2 for j in range(2)]
    assert share[0] > 0.99 and share[1] < 0.01
    with pytest.raises(ValueError, match="invalid u with shape"):
        f(np.zeros(3))


def test_quadratic_bowl_is_the_squared_distance_in_the_space_s_unit_coordinates():
    space = {"lr": search.loguniform(1e-4, 1.0), "momentum": search.uniform(0.0, 0.8)}
    train = search.quadratic_bowl(space, {"lr": 1e-2, "momentum": 0.4})
    assert train({"lr": 1e-2, "momentum": 0.4}, 1) == 0.0
    # one decade of lr is a quarter of its range; 0.2 of momentum is a quarter of its range
    assert math.isclose(train({"lr": 1e-1, "momentum": 0.4}, 1), 0.25 ** 2, rel_tol=1e-12)
    assert math.isclose(train({"lr": 1e-3, "momentum": 0.6}, 5), 2 * 0.25 ** 2, rel_tol=1e-12)  # budget ignored
    assert train({"lr": -1.0, "momentum": 0.4}, 1) == math.inf  # off the log scale
    with pytest.raises(ValueError, match=r"invalid config = \{'lr': 0.1\}, expected a dict with the names "
                                         r"\['lr', 'momentum'\]"):
        train({"lr": 0.1}, 1)
    with pytest.raises(ValueError, match=r"invalid config\['momentum'\] = 'high', expected a finite number"):
        train({"lr": 0.1, "momentum": "high"}, 1)
    with pytest.raises(TypeError, match=r"invalid space\['batch'\] = choice"):
        search.quadratic_bowl({"batch": search.choice([16, 32])}, {"batch": 16})
    with pytest.raises(ValueError, match=r"invalid centre\['lr'\] = 2.0, expected a number in \[0.0001, 1\]"):
        search.quadratic_bowl(space, {"lr": 2.0, "momentum": 0.4})


def test_power_law_curves_cross_so_that_the_early_ranking_can_be_wrong():
    train = search.power_law_curves()
    fast, late = {"final": 0.5, "start": 0.2}, {"final": 0.1, "start": 1.0}
    assert train(fast, 1) == pytest.approx(0.7) and train(late, 1) == pytest.approx(1.1)
    assert train(late, 27) < train(fast, 27)  # the late bloomer wins on the full budget
    assert search.power_law_curves(exponent=2.0)(late, 2) == pytest.approx(0.1 + 1.0 / 4)
    with pytest.raises(ValueError, match="invalid budget = 0, expected a number > 0"):
        train(fast, 0)
    with pytest.raises(ValueError, match=r"expected a dict with the names \['final', 'start'\]"):
        train({"final": 0.5}, 1)
    with pytest.raises(ValueError, match="invalid exponent = -1"):
        search.power_law_curves(exponent=-1)
