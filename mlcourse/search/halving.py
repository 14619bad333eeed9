r"""Early stopping as a search tool: successive halving and Hyperband.

Both call a user's ``train(config, budget) -> score`` and return every trial with its
budget and score. The **budget** is whatever resource makes a trial more expensive
and more informative (epochs, gradient steps, training examples); the **score** is a
validation loss or error: *lower is better* (return ``-accuracy`` or
``1 - accuracy`` to maximise an accuracy).

Notation (Li et al., 2018): a **rung** is one round of evaluations at one budget; a
**bracket** is one run of successive halving. This course writes the cut factor
:math:`\phi` (Li et al.'s :math:`\eta`, scikit-learn's ``factor``, Optuna's
``reduction_factor``) because :math:`\eta` is the learning rate everywhere else.

* :func:`halving_schedule`, :func:`hyperband_schedule`: how many configurations each
  rung holds and with which budget, without training anything.
* :func:`successive_halving` (Jamieson & Talwalkar, 2016): train all, keep the best
  :math:`1/\phi`, give them :math:`\phi` times the budget, repeat.
* :func:`hyperband` (Li et al., 2018): several brackets of successive halving, from
  many configurations on a small budget to few on the full budget.
* :func:`evaluate`: every configuration at one budget (what grid and random search do),
  returned in the same form so that results compare directly.
"""

from __future__ import annotations

import math
import numbers
from typing import Callable, NamedTuple

from mlcourse._checks import check_choice, check_int, check_number
from mlcourse.search.samplers import _rng, check_space, random

__all__ = ["Rung", "Bracket", "Trial", "SearchResult", "halving_schedule", "hyperband_schedule", "schedule_cost",
           "successive_halving", "hyperband", "evaluate"]

_TOLERANCE = 1e-9  # relative slack when a budget ratio is an exact power of the factor


class Rung(NamedTuple):
    """One round of successive halving: ``n_configs`` configurations, each trained with ``budget``."""

    n_configs: int
    budget: float


class Bracket(NamedTuple):
    """One run of successive halving inside Hyperband; ``s`` is Li et al.'s bracket index
    (``s + 1`` rungs, the first with budget ``max_budget / factor**s``)."""

    s: int
    rungs: list

    @property
    def total_budget(self):
        """:math:`\\sum_i n_i r_i`: the budget of the bracket if every trial trains from scratch."""
        return sum(r.n_configs * r.budget for r in self.rungs)


class Trial(NamedTuple):
    """One call ``score = train(config, budget)``.

    ``index`` is the configuration's position in the list it came from (within its
    bracket for Hyperband); ``rung`` counts from 0; ``bracket`` is Hyperband's ``s``
    (0 for a single successive halving or :func:`evaluate`).
    """

    config: dict
    budget: float
    score: float
    rung: int = 0
    bracket: int = 0
    index: int = 0


class SearchResult(NamedTuple):
    """Every trial, in the order they ran, and the best one.

    ``best`` is the trial with the lowest score among those at the largest budget
    that was evaluated (a score after 1 epoch and one after 27 do not compare);
    ties go to the earlier trial, and a NaN score counts as worse than any number.
    """

    trials: list
    best: Trial

    @property
    def total_budget(self):
        """The sum of the budgets of all trials: the cost when every trial trains from scratch."""
        return sum(t.budget for t in self.trials)


def _check_factor(factor):
    factor = check_number("factor", factor)
    if not (math.isfinite(factor) and factor > 1):
        raise ValueError(f"invalid factor = {factor!r}, expected a finite factor > 1 (3 keeps the best third)")
    return factor


def _check_budgets(min_budget, max_budget):
    """Both budgets as numbers with 0 < min <= max; and whether they are integers."""
    low, high = check_number("min_budget", min_budget), check_number("max_budget", max_budget)
    if not (math.isfinite(low) and low > 0):
        raise ValueError(f"invalid min_budget = {min_budget!r}, expected a finite min_budget > 0")
    if not (math.isfinite(high) and high >= low):
        raise ValueError(f"invalid max_budget = {max_budget!r}, expected a finite max_budget >= "
                         f"min_budget = {min_budget!r}")
    integer = isinstance(min_budget, numbers.Integral) and isinstance(max_budget, numbers.Integral)
    return low, high, integer


def _powers_within(ratio, factor):
    """The largest s >= 0 with factor**s <= ratio (exact powers count, despite rounding)."""
    s = 0
    while factor ** (s + 1) <= ratio * (1 + _TOLERANCE):
        s += 1
    return s


def _budget(value, integer):
    """A rung's budget; for integer budgets rounded down, as scikit-learn does."""
    return int(math.floor(value * (1 + _TOLERANCE))) if integer else float(value)


def _survivors(n, factor, keep):
    """How many of ``n`` configurations go on: floor(n / factor) or ceil(n / factor)."""
    ratio = n / factor
    if keep == "floor":
        return int(math.floor(ratio * (1 + _TOLERANCE)))
    return int(math.ceil(ratio * (1 - _TOLERANCE)))


def _rungs(n, first_budget, n_rungs, factor, keep, integer):
    rungs, count = [], n
    for i in range(n_rungs):
        rungs.append(Rung(count, _budget(first_budget * factor**i, integer)))
        count = _survivors(count, factor, keep)
    return rungs


def halving_schedule(n, min_budget, max_budget, factor=3, keep="floor") -> list:
    r"""The rungs of successive halving for ``n`` configurations: a list of :class:`Rung`.

    .. math::
        \begin{aligned}
        &n_0 = n, \qquad n_{i+1} = \lfloor n_i / \phi \rfloor, \qquad
          r_i = r_{\min}\, \phi^{\,i}, \\
        &i = 0, 1, \dots, k - 1, \qquad
          k = 1 + \min\big(\lfloor \log_\phi (r_{\max}/r_{\min}) \rfloor,\
                           \lfloor \log_\phi n \rfloor\big),
        \end{aligned}

    so the rungs stop when the next budget would pass ``max_budget`` or when one
    configuration is left, whichever comes first (scikit-learn's
    ``min(n_possible_iterations, n_required_iterations)``). The total budget, if every
    trial trains from scratch, is :math:`\sum_i n_i r_i`: about :math:`n\, r_{\min}` per
    rung, the same for every rung.

    Args:
        n: the number of configurations in the first rung.
        min_budget, max_budget: :math:`r_{\min}` and the largest budget allowed. When
            both are ints, every budget is an int, rounded down (scikit-learn's
            ``int(factor**i * min_resources)``).
        factor: :math:`\phi > 1`, the fraction kept is :math:`1/\phi` and the budget
            grows by :math:`\phi` per rung.
        keep: ``"floor"`` keeps :math:`\lfloor n_i/\phi \rfloor` (Li et al., 2018, the
            default) and ``"ceil"`` keeps :math:`\lceil n_i/\phi \rceil` (scikit-learn's
            ``HalvingRandomSearchCV``). They agree when :math:`n` is a power of
            :math:`\phi`.

    Convention: the budgets start at ``min_budget`` and the last rung reaches
    ``max_budget`` only when :math:`r_{\max}/r_{\min}` is a power of :math:`\phi`
    (as in scikit-learn); :func:`hyperband` chooses its brackets' first budgets so that
    every bracket ends at ``max_budget``.
    """
    n = check_int("n", n, low=1)
    low, high, integer = _check_budgets(min_budget, max_budget)
    factor = _check_factor(factor)
    keep = check_choice("keep", keep, ("floor", "ceil"))
    n_rungs = 1 + min(_powers_within(high / low, factor), _powers_within(n, factor))
    return _rungs(n, low, n_rungs, factor, keep, integer)


def hyperband_schedule(min_budget, max_budget, factor=3, keep="floor") -> list:
    r"""The brackets of Hyperband (Li et al., 2018, Algorithm 1): a list of :class:`Bracket`.

    With :math:`R = r_{\max}/r_{\min}` (the largest budget in units of the smallest):

    .. math::
        \begin{aligned}
        &s_{\max} = \lfloor \log_\phi R \rfloor, \qquad B = (s_{\max} + 1)\, R, \\
        &\textbf{for } s = s_{\max}, s_{\max} - 1, \dots, 0: \\
        &\quad n = \Big\lceil \frac{B}{R} \cdot \frac{\phi^{s}}{s + 1} \Big\rceil
            \text{ configurations}, \qquad
            r = r_{\max}\, \phi^{-s} \text{ the first budget}, \\
        &\quad \text{successive halving over } s + 1 \text{ rungs: }
            n_i = \lfloor n \phi^{-i} \rfloor \text{ configurations with budget }
            r_i = r\, \phi^{\,i}, \quad i = 0, \dots, s .
        \end{aligned}

    Bracket :math:`s = s_{\max}` is the most aggressive (many configurations, the
    smallest budget first); :math:`s = 0` is plain random search at the full budget.
    Every bracket costs about :math:`B` (in units of :math:`r_{\min}`), and its last rung
    trains with ``max_budget``. For :math:`R = 81, \phi = 3` this is Table 1 of the paper.

    Arguments as :func:`halving_schedule`.
    """
    low, high, integer = _check_budgets(min_budget, max_budget)
    factor = _check_factor(factor)
    keep = check_choice("keep", keep, ("floor", "ceil"))
    s_max = _powers_within(high / low, factor)
    brackets = []
    for s in range(s_max, -1, -1):
        n = int(math.ceil((s_max + 1) * factor**s / (s + 1) * (1 - _TOLERANCE)))
        brackets.append(Bracket(s, _rungs(n, high / factor**s, s + 1, factor, keep, integer)))
    return brackets


def schedule_cost(rungs, resume=False):
    r"""The budget a list of rungs spends.

    .. math::
        \text{from scratch: } \sum_i n_i\, r_i, \qquad
        \text{resuming from checkpoints: } \sum_i n_i\, (r_i - r_{i-1}), \quad r_{-1} = 0 .

    From scratch, every trial trains its whole budget (what :attr:`SearchResult.total_budget`
    adds up); resuming, a survivor only trains the difference to its next budget, as a
    ``train`` that keeps checkpoints does (and as a pruner does, which stops trials
    that were trained one epoch at a time).
    """
    rungs = list(rungs)
    if not all(isinstance(r, tuple) and len(r) == 2 for r in rungs):
        raise TypeError(f"invalid rungs = {rungs!r}, expected a list of (n_configs, budget) pairs")
    previous, total = 0, 0
    for n, budget in rungs:
        total += n * (budget - previous if resume else budget)
        previous = budget
    return total


def _check_train(train):
    if not callable(train):
        raise TypeError(f"invalid train = {train!r}, expected a function train(config, budget) -> score")
    return train


def _score(train, config, budget):
    score = train(config, budget)
    if hasattr(score, "item") and getattr(score, "ndim", None) == 0:
        score = score.item()  # a NumPy scalar
    if isinstance(score, bool) or not isinstance(score, numbers.Real):
        raise TypeError(f"invalid score = {score!r} from train({config!r}, {budget!r}), "
                        "expected a real number (lower is better)")
    return float(score)


def _rank_key(trial):
    """Sort key: lower score first, NaN last, ties in order of index."""
    return (math.isnan(trial.score), trial.score if not math.isnan(trial.score) else 0.0, trial.index)


def _check_configs(configs):
    if isinstance(configs, dict) or not hasattr(configs, "__len__"):
        raise TypeError(f"invalid configs = {configs!r}, expected a list of configurations (dicts), "
                        "e.g. search.random(space, 27)")
    configs = list(configs)
    if not configs:
        raise ValueError("invalid configs = [], expected at least one configuration")
    for k, config in enumerate(configs):
        if not isinstance(config, dict):
            raise TypeError(f"invalid configs[{k}] = {config!r}, expected a dict {{name: value}}")
    return configs


def _run_rungs(train, configs, rungs, bracket, trials):
    """Successive halving over given rungs; appends to ``trials``; returns the last rung's trials."""
    alive = list(range(len(configs)))
    for i, rung in enumerate(rungs):
        this_rung = [Trial(configs[k], rung.budget, _score(train, configs[k], rung.budget), i, bracket, k)
                     for k in alive]
        trials.extend(this_rung)
        if i + 1 < len(rungs):
            ranked = sorted(this_rung, key=_rank_key)
            alive = sorted(t.index for t in ranked[:rungs[i + 1].n_configs])
    return this_rung


def successive_halving(train: Callable, configs, min_budget, max_budget, factor=3, keep="floor") -> SearchResult:
    r"""Successive halving (Jamieson & Talwalkar, 2016): many configurations on a small
    budget, the best few on a large one.

    .. math::
        \begin{aligned}
        &\textbf{input: } \text{configurations } c_1, \dots, c_n,\ \text{budgets }
            r_{\min} \le r_{\max},\ \text{factor } \phi > 1 \\
        &S_0 \leftarrow \{c_1, \dots, c_n\} \\
        &\textbf{for } i = 0, 1, \dots, k - 1 \text{ (the rungs of } \texttt{halving\_schedule}\text{)}: \\
        &\quad \text{for each } c \in S_i:\ \ \ell_c \leftarrow \texttt{train}(c, r_i),
            \qquad r_i = r_{\min}\,\phi^{\,i} \\
        &\quad S_{i+1} \leftarrow \text{the } \lfloor |S_i| / \phi \rfloor
            \text{ configurations of } S_i \text{ with the lowest } \ell_c \\
        &\textbf{return } \text{every trial, and the best trial of the last rung}
        \end{aligned}

    Args:
        train: ``train(config, budget) -> score``, lower is better. It is called once
            per configuration and rung, with the *total* budget for that rung (say 9
            epochs, not 9 more); a ``train`` that keeps checkpoints may resume from the
            previous rung instead of starting over, which the search cannot tell.
        configs: a list of configurations (dicts), e.g. from :func:`~mlcourse.search.random`.
        min_budget, max_budget, factor, keep: see :func:`halving_schedule`.

    Returns a :class:`SearchResult`: every :class:`Trial` (configuration, budget,
    score, rung, position in ``configs``) in the order they ran, and the best trial of
    the last rung.

    Conventions (where references differ):

    * Jamieson & Talwalkar halve (:math:`\phi = 2`) and split a *total* budget
      evenly over :math:`\lceil \log_2 n \rceil` rungs; Li et al. (2018) write the
      same algorithm with a factor :math:`\eta` and a budget per rung, as here.
    * Survivors: :math:`\lfloor n_i/\phi \rfloor` (Li et al.) by default;
      ``keep="ceil"`` gives scikit-learn's :math:`\lceil n_i/\phi \rceil`.
    * Ties go to the configuration that comes first in ``configs``; a NaN score (a
      diverged run) ranks below every number and never survives a cut it can lose.
    """
    train = _check_train(train)
    configs = _check_configs(configs)
    rungs = halving_schedule(len(configs), min_budget, max_budget, factor, keep)
    trials = []
    last = _run_rungs(train, configs, rungs, 0, trials)
    return SearchResult(trials, min(last, key=_rank_key))


def hyperband(train: Callable, space, min_budget, max_budget, factor=3, seed=0, keep="floor") -> SearchResult:
    r"""Hyperband (Li et al., 2018): successive halving in several brackets, from
    aggressive (many configurations, tiny first budget) to cautious (few, full budget).

    .. math::
        \begin{aligned}
        &\textbf{for } s = s_{\max}, \dots, 0 \text{ (the brackets of } \texttt{hyperband\_schedule}\text{)}: \\
        &\quad \text{draw } n_s \text{ configurations at random from the space} \\
        &\quad \text{run successive halving on them over the bracket's } s + 1 \text{ rungs} \\
        &\textbf{return } \text{every trial, and the best trial at } r_{\max}
        \end{aligned}

    Successive halving alone must guess how early a configuration can be judged: too
    small a first budget kills slow starters, too large a one wastes the budget on bad
    configurations. Hyperband hedges by running every degree of aggressiveness, each
    for about the same budget.

    Args:
        train: ``train(config, budget) -> score``, lower is better (see
            :func:`successive_halving`).
        space: ``{name: space or constant}`` to draw configurations from
            (:func:`~mlcourse.search.random`).
        min_budget, max_budget, factor, keep: see :func:`hyperband_schedule`.
        seed: an int, None or a ``numpy.random.Generator``; one generator draws the
            configurations of every bracket in turn.

    Returns a :class:`SearchResult`; each trial's ``bracket`` is its :math:`s`.

    Convention: Li et al.'s Algorithm 1 returns the configuration with the smallest
    loss seen at *any* budget; here ``best`` compares only the trials at
    ``max_budget`` (every bracket ends there), as implementations usually do.
    """
    train = _check_train(train)
    space = check_space(space)
    rng = _rng(seed)
    trials, finals = [], []
    for bracket in hyperband_schedule(min_budget, max_budget, factor, keep):
        configs = random(space, bracket.rungs[0].n_configs, seed=rng)
        finals.extend(_run_rungs(train, configs, bracket.rungs, bracket.s, trials))
    return SearchResult(trials, min(finals, key=lambda t: (_rank_key(t)[:2], -t.bracket, t.index)))


def evaluate(train: Callable, configs, budget) -> SearchResult:
    """Every configuration at one budget (grid or random search), as a :class:`SearchResult`.

    ``best`` is the trial with the lowest score (ties to the earlier one, NaN last).
    """
    train = _check_train(train)
    configs = _check_configs(configs)
    budget_value = check_number("budget", budget)
    if not (math.isfinite(budget_value) and budget_value > 0):
        raise ValueError(f"invalid budget = {budget!r}, expected a finite budget > 0")
    trials = [Trial(config, budget, _score(train, config, budget), 0, 0, k) for k, config in enumerate(configs)]
    return SearchResult(trials, min(trials, key=_rank_key))
