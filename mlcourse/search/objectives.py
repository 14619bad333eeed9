r"""Objectives to search on: a real one (an MLP on the digits) and a synthetic one.

* :func:`digits_mlp`: ``train(config, budget)`` that trains the course's MLP
  (:func:`mlcourse.problems.mlp`) with :func:`mlcourse.optim.sgd` on a training split
  of scikit-learn's digits for ``budget`` epochs and returns the validation
  cross-entropy. It keeps checkpoints (a configuration asked for 9 epochs after 3
  trains 6 more), counts what it spends (epochs, per-example gradients, seconds), and
  keeps the test split apart: :meth:`DigitsMLP.test` is the only way to it.
* :func:`low_effective_dimension`: :math:`f(u) = \sum_j w_j\, g(u_j)` on the unit
  cube with a few large weights: the kind of function on which Bergstra and Bengio
  (2012) showed random search beats grid search.
* :func:`quadratic_bowl` and :func:`power_law_curves`: made-up ``train(config,
  budget)`` objectives that cost nothing to evaluate, for testing a search (the
  checkers of exercise 8 hand them to the student's random search and successive
  halving): a bowl around a known best configuration, and learning curves that cross.
"""

from __future__ import annotations

import math
import numbers
import time
from typing import NamedTuple

import numpy as np

from mlcourse._checks import check_int, check_range
from mlcourse.search.spaces import choice, integers, is_space, loguniform, uniform

__all__ = ["DigitsMLP", "Evaluation", "Cost", "digits_mlp", "low_effective_dimension", "quadratic_bowl",
           "power_law_curves"]


class Evaluation(NamedTuple):
    """A trained configuration measured on one split."""

    loss: float  # mean cross-entropy (inf if training diverged)
    accuracy: float  # fraction classified correctly (chance is 0.1)


class Cost(NamedTuple):
    """What training has cost so far (evaluations on validation or test are not counted)."""

    epochs: int  # passes over the training split
    gradients: int  # per-example gradient evaluations: the sum of all batch sizes
    steps: int  # optimizer updates
    seconds: float  # wall-clock time spent training


_DEFAULTS = {"lr": None, "momentum": 0.0, "weight_decay": 0.0, "batch_size": 32, "hidden": 32}


class _Run:
    """One configuration's training state, so that a longer budget resumes it."""

    def __init__(self, problem, optimizer, batches):
        self.problem, self.optimizer, self.batches = problem, optimizer, batches
        self.theta = problem.theta0
        self.state = optimizer.init(self.theta)
        self.epochs = 0
        self.diverged = False


class DigitsMLP:
    """``train(config, budget) -> validation loss`` for the digits MLP; see :func:`digits_mlp`."""

    def __init__(self, seed, train_size, val_size, split_seed, activation):
        from sklearn.model_selection import train_test_split

        from mlcourse.problems import load_dataset

        self.seed = check_int("seed", seed, low=0)
        train_size = check_int("train_size", train_size, low=10)
        val_size = check_int("val_size", val_size, low=10)
        split_seed = check_int("split_seed", split_seed, low=0)
        X, y = load_dataset("digits")
        n = len(y)
        if train_size + val_size >= n:
            raise ValueError(f"invalid train_size = {train_size} with val_size = {val_size}, expected "
                             f"train_size + val_size < {n} (the rest is the test split)")
        index = np.arange(n)
        rest, test = train_test_split(index, test_size=n - train_size - val_size, stratify=y,
                                      random_state=split_seed)
        train, val = train_test_split(rest, train_size=train_size, stratify=y[rest], random_state=split_seed)
        self.splits = {"train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}
        for part in self.splits.values():
            part.flags.writeable = False
        self.activation = activation
        self._problems, self._runs = {}, {}
        self._epochs = self._gradients = self._steps = 0
        self._seconds = 0.0

    # -- configurations -------------------------------------------------------------
    def _config(self, config):
        if not isinstance(config, dict):
            raise TypeError(f"invalid config = {config!r}, expected a dict such as {{'lr': 0.1}}")
        unknown = sorted(set(config) - set(_DEFAULTS))
        if unknown:
            raise ValueError(f"invalid config: unknown names {unknown}, expected names among {list(_DEFAULTS)}")
        if "lr" not in config:
            raise ValueError(f"invalid config = {config!r}, expected a learning rate 'lr'")
        full = {**_DEFAULTS, **config}
        full["lr"] = check_range("lr", full["lr"], low=0, low_open=True)
        full["momentum"] = check_range("momentum", full["momentum"], 0, 1, high_open=True)
        full["weight_decay"] = check_range("weight_decay", full["weight_decay"], low=0)
        full["batch_size"] = check_int("batch_size", full["batch_size"], low=1)
        full["hidden"] = check_int("hidden", full["hidden"], low=1)
        return full

    @staticmethod
    def _epochs_of(budget):
        if isinstance(budget, numbers.Real) and not isinstance(budget, bool) and float(budget).is_integer():
            budget = int(budget)
        return check_int("budget", budget, low=1)

    def _problem(self, hidden):
        from mlcourse.problems import mlp

        if hidden not in self._problems:
            self._problems[hidden] = mlp(hidden=hidden, dataset="digits", seed=self.seed,
                                         activation=self.activation)
        return self._problems[hidden]

    def _new_run(self, c):
        from mlcourse import optim
        from mlcourse.problems import batches

        problem = self._problem(c["hidden"])
        optimizer = optim.sgd(lr=c["lr"], momentum=c["momentum"], weight_decay=c["weight_decay"])
        n_train = len(self.splits["train"])
        return _Run(problem, optimizer, batches(n_train, c["batch_size"], seed=self.seed))

    def _trained(self, config, budget):
        """The run of ``config`` trained for exactly ``budget`` epochs (resumed when possible)."""
        c = self._config(config)
        epochs = self._epochs_of(budget)
        key = tuple(sorted(c.items()))
        run = self._runs.get(key)
        if run is None or run.epochs > epochs:
            run = self._runs[key] = self._new_run(c)
        train = self.splits["train"]
        per_epoch = -(-len(train) // c["batch_size"])
        start = time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore"):
            while run.epochs < epochs and not run.diverged:
                for _ in range(per_epoch):
                    rows = train[next(run.batches)]
                    grad = run.problem.grad(run.theta, rows)
                    run.theta, run.state = run.optimizer.update(run.theta, grad, run.state)
                    self._gradients += len(rows)
                self._steps += per_epoch
                self._epochs += 1
                run.epochs += 1
                run.diverged = not np.all(np.isfinite(run.theta))
        if run.diverged:
            run.epochs = max(run.epochs, epochs)  # a diverged run stays diverged
        self._seconds += time.perf_counter() - start
        return run

    def _measure(self, run, split):
        if run.diverged:
            return Evaluation(math.inf, 0.1)
        rows = self.splits[split]
        with np.errstate(over="ignore", invalid="ignore"):
            loss = run.problem.loss(run.theta, rows)
        loss = loss if math.isfinite(loss) else math.inf
        return Evaluation(float(loss), float(run.problem.accuracy(run.theta, rows)))

    # -- the public surface ------------------------------------------------------------
    def __call__(self, config, budget) -> float:
        """Train ``config`` for ``budget`` epochs; the validation cross-entropy (lower is better)."""
        return self._measure(self._trained(config, budget), "val").loss

    def validate(self, config, budget) -> Evaluation:
        """Loss and accuracy on the validation split after ``budget`` epochs."""
        return self._measure(self._trained(config, budget), "val")

    def training(self, config, budget) -> Evaluation:
        """Loss and accuracy on the training split after ``budget`` epochs."""
        return self._measure(self._trained(config, budget), "train")

    def test(self, config, budget) -> Evaluation:
        """Loss and accuracy on the test split: call it once, for the configuration a
        search chose, after the search is over."""
        return self._measure(self._trained(config, budget), "test")

    @property
    def cost(self) -> Cost:
        """Training done so far by this objective (resumed epochs are not counted twice)."""
        return Cost(self._epochs, self._gradients, self._steps, self._seconds)

    #: The search space of the chapter's experiments.
    space = {
        "lr": loguniform(1e-3, 3.0),
        "momentum": uniform(0.0, 0.95),
        "weight_decay": loguniform(1e-6, 1e-1),
        "batch_size": choice([32, 64, 128, 256]),
        "hidden": integers(8, 64),
    }

    def __repr__(self):
        sizes = ", ".join(f"{k} {len(v)}" for k, v in self.splits.items())
        return f"digits_mlp(seed={self.seed}; {sizes})"


def digits_mlp(seed=0, train_size=1000, val_size=400, split_seed=0, activation="tanh") -> DigitsMLP:
    r"""A search objective on real data: the digits MLP trained by SGD, scored on validation.

    ``objective(config, budget)`` trains :func:`mlcourse.problems.mlp` (64 inputs,
    ``hidden`` units, 10 classes) from its seeded initialisation with
    ``optim.sgd(lr, momentum, weight_decay)`` on mini-batches of ``batch_size`` drawn
    from the training split (a fresh shuffle every epoch, :func:`~mlcourse.problems.batches`),
    for ``budget`` epochs, and returns the mean cross-entropy on the validation split.

    Args:
        seed: seeds the initial weights and the order of the mini-batches; every
            configuration of one objective shares them (so two configurations differ
            only by their hyperparameters), and another seed is another repeat.
        train_size, val_size: the sizes of the training and validation splits of the
            1797 digits; the rest is the test split. The splits are stratified by
            digit and drawn with ``split_seed``.
        activation: ``"tanh"`` or ``"relu"``.

    A configuration is a dict with ``lr`` (required), ``momentum`` (0),
    ``weight_decay`` (0, L2 added to the gradient as torch's SGD does),
    ``batch_size`` (32) and ``hidden`` (32). :attr:`DigitsMLP.space` is the search
    space of chapter 8.

    Conventions: a run whose weights become non-finite is *diverged* and scores
    ``inf``; a configuration asked again for a longer budget resumes from its
    checkpoint, so its score after 9 epochs is the same whether it was trained in one
    go or in rungs of 1, 3 and 9, and :attr:`DigitsMLP.cost` counts each epoch once.
    """
    from mlcourse._checks import check_choice

    check_choice("activation", activation, ("tanh", "relu"))
    return DigitsMLP(seed, train_size, val_size, split_seed, activation)


def low_effective_dimension(weights=(1.0, 0.05)):
    r"""A function on :math:`[0, 1)^d` that depends mostly on a few coordinates.

    .. math::
        f(u) = \sum_{j=1}^{d} w_j\, g(u_j), \qquad
        g(x) = 1 - \exp\!\Big(-\frac{(x - 0.7)^2}{2 \cdot 0.08^2}\Big)
               - 0.3\exp\!\Big(-\frac{(x - 0.25)^2}{2 \cdot 0.1^2}\Big),

    with :math:`d` = ``len(weights)``: each coordinate's effect :math:`g` has a narrow
    best value near 0.7 and a wider, worse dip near 0.25. With weights
    ``(1, 0.05)`` only the first coordinate matters much: the effective dimension is
    1, the situation of Bergstra and Bengio's (2012) nine-trial figure. Lower is better.

    Returns ``f``, which takes points of shape ``(..., d)`` and returns shape ``(...)``;
    ``f.effect`` is :math:`g` and ``f.weights`` the weights.
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"invalid weights = {weights!r}, expected a non-empty list of finite numbers >= 0")

    def effect(x):
        x = np.asarray(x, dtype=float)
        return 1 - np.exp(-((x - 0.7) ** 2) / (2 * 0.08**2)) - 0.3 * np.exp(-((x - 0.25) ** 2) / (2 * 0.1**2))

    def f(u):
        u = np.asarray(u, dtype=float)
        if u.shape[-1:] != (w.size,):
            raise ValueError(f"invalid u with shape {u.shape}, expected shape (..., {w.size})")
        return effect(u) @ w

    f.effect, f.weights = effect, w
    return f


def _config_values(config, names):
    """``config``'s values for ``names``, as floats, or an error naming the config."""
    if not isinstance(config, dict) or set(config) != set(names):
        raise ValueError(f"invalid config = {config!r}, expected a dict with the names {sorted(names)}")
    for name in names:
        value = config[name]
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(f"invalid config[{name!r}] = {value!r}, expected a finite number")
    return {name: float(config[name]) for name in names}


def quadratic_bowl(space, centre):
    r"""A made-up validation loss: a quadratic bowl around the configuration ``centre``.

    .. math::
        \text{score}(c) = \sum_k \big(u_k(c_k) - u_k(\text{centre}_k)\big)^2, \qquad
        u_k(x) = \frac{x - \text{low}_k}{\text{high}_k - \text{low}_k}
        \ \Big(\text{or } \frac{\log x - \log \text{low}_k}{\log \text{high}_k - \log \text{low}_k}
        \text{ for a log-uniform } k\Big),

    the squared distance in the coordinates in which the space is uniform (the unit
    interval of each hyperparameter), so that every hyperparameter matters as much.

    Args:
        space: ``{name: uniform(low, high) or loguniform(low, high)}``.
        centre: ``{name: value}``, the best configuration (score 0), inside the space.

    Returns ``train(config, budget) -> score``, lower is better; the budget is ignored
    (the bowl does not learn), and a config with other names than the space's is a
    ValueError naming it. It costs nothing to evaluate: use it to test a search.
    """
    if not isinstance(space, dict) or not space:
        raise TypeError(f"invalid space = {space!r}, expected a dict of uniform(...) or loguniform(...)")
    scales = {}
    for name, value in space.items():
        if not (is_space(value) and hasattr(value, "log")):
            raise TypeError(f"invalid space[{name!r}] = {value!r}, expected uniform(low, high) or "
                            "loguniform(low, high)")
        scale = math.log if value.log else float
        scales[name] = (scale, scale(value.low), scale(value.high) - scale(value.low))
    if not isinstance(centre, dict) or set(centre) != set(space):
        raise ValueError(f"invalid centre = {centre!r}, expected a dict with the names {sorted(space)}")
    for name, value in centre.items():
        low, high = space[name].low, space[name].high
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low <= value <= high:
            raise ValueError(f"invalid centre[{name!r}] = {value!r}, expected a number in [{low:g}, {high:g}]")

    def unit(name, value):
        scale, offset, width = scales[name]
        return (scale(value) - offset) / width

    middle = {name: unit(name, float(value)) for name, value in centre.items()}

    def train(config, budget):
        values = _config_values(config, scales)
        if any(scales[name][0] is math.log and values[name] <= 0 for name in values):
            return math.inf  # outside a log scale: as far as can be
        return float(sum((unit(name, values[name]) - middle[name]) ** 2 for name in scales))

    return train


def power_law_curves(exponent=1.0):
    r"""Made-up learning curves that cross: each configuration carries its own curve.

    .. math::
        \text{score}(c, b) = c_{\text{final}} + c_{\text{start}}\; b^{-\alpha},

    the loss of configuration :math:`c` after budget :math:`b`: it falls from
    :math:`c_{\text{final}} + c_{\text{start}}` at :math:`b = 1` towards
    :math:`c_{\text{final}}`, with :math:`\alpha` = ``exponent`` > 0. A configuration
    with a high ``start`` and a low ``final`` (a late bloomer) looks bad on a small
    budget and wins on a large one: the bet that successive halving makes at each rung.

    Returns ``train(config, budget) -> score`` for configurations ``{"final": f,
    "start": s}`` (numbers) and budgets > 0; anything else is a ValueError naming it.
    It costs nothing to evaluate: use it to test a search.
    """
    if isinstance(exponent, bool) or not isinstance(exponent, numbers.Real) or not 0 < exponent < math.inf:
        raise ValueError(f"invalid exponent = {exponent!r}, expected a number > 0")
    alpha = float(exponent)

    def train(config, budget):
        values = _config_values(config, ("final", "start"))
        if isinstance(budget, bool) or not isinstance(budget, numbers.Real) or not 0 < budget < math.inf:
            raise ValueError(f"invalid budget = {budget!r}, expected a number > 0")
        return values["final"] + values["start"] / float(budget) ** alpha

    return train
