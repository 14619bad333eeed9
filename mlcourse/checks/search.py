"""``check_loguniform_sampler``, ``check_random_search``, ``check_successive_halving`` (exercise 8).

References: :mod:`mlcourse.search` (``loguniform``, ``random``, ``successive_halving``);
the student's code must not call its spaces, samplers or searches (:data:`REFERENCE`).

Random draws are checked *statistically*, never against one stream of numbers: the
sampler with :func:`~.distributions.distribution_run` (the core of
``check_distribution``) on several ranges, the random search by testing the
configurations it trains against ``mlcourse.search.random``'s (two-sample
Kolmogorov-Smirnov, rank correlation). Successive halving is deterministic given the
scores, so it is checked rung by rung.

A search receives a ``train(config, budget)``: an objective of
:mod:`mlcourse.search.objectives` passed as a spec (``objective("power_law_curves")
.recorded("train")``), built where the student's code runs, which notes every call;
the checker reads the calls from :attr:`~._protocol.Reply.recorded` and compares what
was trained (which configurations, at which budget, in which rung) and what the
function returned with the reference, computing the scores itself from the same
objective.

Known mistakes are :class:`~.mistakes.Mistake` s, each a wrong implementation written as
a student would (:data:`SAMPLER_MISTAKES`, :data:`HALVING_MISTAKES`); a test cell
adds its own with ``mistakes=[...]``.
"""

import math

import numpy as np

from mlcourse import search

from ._compare import CheckFailed, make_rng, show
from ._driver import Kernel, checker
from ._protocol import Call, RngSpec, ask_reply, blame_callees, objective
from .distributions import distribution_run
from .mistakes import Mistake, check_mistakes

# The student's code must not call these (the objectives it is handed live in
# mlcourse.search.objectives, which is not among them).
REFERENCE = (search.spaces, search.samplers, search.halving)

# A correct sampler fails a test at this level about once in a million runs; the known
# mistakes fail it with probability 1 at the sample sizes used.
P_REJECT = 1e-6
P_MATCH = 1e-3


# --- log-uniform sampling ------------------------------------------------------------

SIZE = 4  # values per call of the student's sampler: each is tested as a coordinate of the draw
SAMPLES = 500  # calls per range


def loguniform_reference(low, high, size, rng):
    """The reference sampler: ``size`` draws of ``mlcourse.search.loguniform(low, high)``."""
    return np.asarray(search.loguniform(low, high).sample(rng, size), dtype=float)


def uniform_sampler(low, high, size, rng):
    return rng.uniform(low, high, size)


def from_zero_sampler(low, high, size, rng):
    return np.exp(rng.uniform(0.0, np.log(high / low), size))


def logarithm_sampler(low, high, size, rng):
    return rng.uniform(np.log(low), np.log(high), size)


def power_of_ten_sampler(low, high, size, rng):
    return 10 ** rng.uniform(np.log(low), np.log(high), size)


def exp_of_log10_sampler(low, high, size, rng):
    return np.exp(rng.uniform(np.log10(low), np.log10(high), size))


_BASES = ("np.log must be undone by np.exp (and np.log10 by 10 **): mixing the two bases moves the range; "
          "and the logarithm is drawn between log(low) and log(high).")

SAMPLER_MISTAKES = [
    Mistake("these values are uniform on [low, high), not log-uniform: draw the logarithm uniformly, "
            "u = rng.uniform(np.log(low), np.log(high), size), and return np.exp(u).", uniform_sampler),
    Mistake("these values are log-uniform on [1, high / low), not on [low, high): the lower end of the "
            "logarithm is log(low), not 0.", from_zero_sampler),
    Mistake("did you return the logarithms? Exponentiate them.", logarithm_sampler),
    Mistake(_BASES, power_of_ten_sampler),
    Mistake(_BASES, exp_of_log10_sampler),
]


def _sampler_cases(rng, first):
    if first:
        return [(1e-4, 1.0), (1e-3, 1e-1), (2.0, 64.0)]
    cases = []
    for _ in range(3):
        low = float(10 ** rng.uniform(-6, 1))
        cases.append((low, low * float(10 ** rng.uniform(1, 4))))
    return cases


def _decades(values, low, high):
    """The share of the values in each factor-10 interval from low up (the last may be shorter)."""
    edges = [low]
    while edges[-1] * 10 < high:
        edges.append(edges[-1] * 10)
    edges.append(high)
    counts, _ = np.histogram(np.asarray(values, dtype=float), bins=edges)
    return np.round(counts / max(len(values), 1), 3).tolist()


def sampler_run(sampler, low, high, rng, known, context):
    """Sub-check: the student's sampler on one range ``[low, high)``, ``SAMPLES`` calls of
    size ``SIZE``, statistically (see :func:`check_loguniform_sampler`)."""
    name = sampler.name
    got = yield from distribution_run(
        sampler, loguniform_reference, (low, high, SIZE), rng, samples=SAMPLES, alpha=P_REJECT,
        mistakes=known, context=context, claim=f"are not log-uniform on [{low:g}, {high:g})",
        describe=lambda values: f"share per factor of 10 from low up {_decades(values, low, high)}",
        support=(low, high))
    repeated = next((draw for draw in got if len(set(np.asarray(draw).tolist())) < SIZE), None)
    if repeated is not None:
        raise CheckFailed(f"{name} returned {show(repeated)}: the same value more than once in one call.\n"
                          f"  {context}\n  hint: draw `size` values at once, rng.uniform(np.log(low), "
                          "np.log(high), size), not one value repeated.")


@checker(students=("student_sampler",), under_test=REFERENCE)
def check_loguniform_sampler(student_sampler, *, seed=0, mistakes=()):
    """Check ``student_sampler(low, high, size, rng)`` against :func:`mlcourse.search.loguniform`.

    On three ranges (visible: ``[1e-4, 1)``, ``[1e-3, 0.1)``, ``[2, 64)``; hidden:
    drawn), the statistical check of ``check_distribution``: 500 calls with
    ``size = 4``, each with its own ``np.random.default_rng``; each call must return a
    NumPy array of shape ``(size,)`` with values in ``[low, high)``, all different; the
    same seed must give the same values and different seeds different ones; and each
    entry's values must pass a two-sample Kolmogorov-Smirnov test against the
    reference's at a false-alarm rate of 1e-6. Recognised: uniform on ``[low, high)``,
    the logarithm drawn from 0, the logarithms returned, bases mixed (``np.log`` with
    ``10 **``), plus ``mistakes`` (wrong samplers of the same signature). Under test:
    ``mlcourse.search``'s spaces, samplers and searches.
    """
    known = [*SAMPLER_MISTAKES, *check_mistakes(mistakes, ("student_sampler",))]
    seed, rng = make_rng(seed)
    cases = _sampler_cases(rng, seed == 0)
    for low, high in cases:
        yield from sampler_run(student_sampler, low, high, rng, known,
                               f"low = {low:.4g}, high = {high:.4g}, size = {SIZE}, seed={seed}")
    return (f"{student_sampler.name} draws log-uniformly on {len(cases)} ranges, {SAMPLES} calls of size {SIZE} "
            f"each (seed={seed})")


# --- random search -------------------------------------------------------------------

def _space_bounds(space):
    """``{name: (low, high, log)}`` from a space of uniform / loguniform entries."""
    if not isinstance(space, dict) or not space:
        raise TypeError(f"invalid space = {space!r}, expected a dict of search.uniform / search.loguniform")
    bounds = {}
    for key, value in space.items():
        if not (search.is_space(value) and hasattr(value, "log")):
            raise TypeError(f"invalid space[{key!r}] = {value!r}, expected search.uniform or search.loguniform")
        bounds[key] = (value.low, value.high, value.log)
    return bounds


def _bowl(rng, space):
    """A made-up validation loss: a quadratic bowl whose centre ``rng`` draws in the middle of the space."""
    centre = {key: value.from_unit(float(rng.uniform(0.2, 0.8))) for key, value in space.items()}
    return objective("quadratic_bowl", space, centre)


def _run_search(student, spec, *args, context):
    """Run a student's search on the recorded objective ``spec``: ``(result, [(config, budget), ...])``."""
    reply = yield from ask_reply(student(spec.recorded("train"), *args), context)
    return reply.value, list((reply.recorded or {}).get("train", []))


def _check_rng_use(name, draws, again, other, context):
    if not np.array_equal(np.asarray(again), draws):
        raise CheckFailed(f"{name} gave different values for two generators with the same seed.\n  {context}\n"
                          "  hint: draw only with the rng you are given (rng.uniform, ...), not with "
                          "np.random.* functions, so that the same seed gives the same search.")
    if np.array_equal(np.asarray(other), draws):
        raise CheckFailed(f"{name} gave the same values for generators with different seeds.\n  {context}\n"
                          "  hint: use the rng you are given; do not create a generator of your own "
                          "(np.random.default_rng(0)) inside the function.")


def _check_trials(name, result, calls, train, n, keys, context):
    """The structure of the result, and that it reports the calls that were made."""
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed(f"{name} should return a pair (best_config, trials), not {type(result).__name__}."
                          f"\n  {context}")
    best, trials = result
    if len(calls) != n:
        raise CheckFailed(f"{name} called train {len(calls)} times for n_trials = {n}; expected once per "
                          f"trial.\n  {context}")
    for config, budget in calls:
        if not isinstance(config, dict) or set(config) != set(keys):
            raise CheckFailed(f"{name} called train with {config!r}; expected a dict with the names "
                              f"{sorted(keys)}.\n  {context}")
        if budget != 1:
            raise CheckFailed(f"{name} called train with budget = {budget!r}; random search gives every "
                              f"trial budget = 1 here.\n  {context}")
    scores = [train(config, budget) for config, budget in calls]
    if not isinstance(trials, list) or len(trials) != n:
        raise CheckFailed(f"{name} should return a list of {n} (config, score) pairs as trials, got "
                          f"{type(trials).__name__} of length {len(trials) if hasattr(trials, '__len__') else '?'}."
                          f"\n  {context}")
    for k, (trial, (config, _), value) in enumerate(zip(trials, calls, scores)):
        if not (isinstance(trial, tuple) and len(trial) == 2 and trial[0] == config and trial[1] == value):
            raise CheckFailed(f"{name}'s trial {k} is {trial!r}; expected the pair (config, score) of its "
                              f"call to train, ({config!r}, {value!r}), in the order of the calls.\n  {context}")
    lowest = calls[int(np.argmin(scores))][0]
    if best != lowest:
        hint = ("lower is better: the best configuration has the *lowest* score."
                if best == calls[int(np.argmax(scores))][0] else
                "return the configuration with the lowest score (the first one if several tie).")
        raise CheckFailed(f"{name} returned best_config = {best!r}, but the lowest score was that of "
                          f"{lowest!r}.\n  {context}\n  hint: {hint}")


@checker(students=("student_search", "sampler"), under_test=REFERENCE)
def check_random_search(student_search, space, *, sampler=None, seed=0):
    """Check ``student_search(train, n_trials, rng) -> (best_config, trials)`` against
    :func:`mlcourse.search.random` on ``space`` (``{name: uniform(...) or loguniform(...)}``).

    ``train`` is :func:`mlcourse.search.quadratic_bowl` around a drawn centre, recorded:
    one call per trial with a configuration of the space's names and budget 1, trials
    reported in the order of the calls with the scores ``train`` returned, the lowest
    score chosen; then, over 2000 trials, each hyperparameter's values against the
    reference's draws (two-sample Kolmogorov-Smirnov), independence between them (rank
    correlation), and the use of the generator given. Recognised: a scale drawn
    uniformly or a linear range log-uniformly, the highest score chosen, one random
    number for several hyperparameters, a generator of its own. ``sampler``: the
    student's ``sampler(low, high, size, rng)``, which the search calls for the
    log-uniform entries; when the search fails, the sampler is first checked as
    :func:`check_loguniform_sampler` does, on the ranges of those entries, and blamed,
    with its own hint, if it is wrong there. Under test: ``mlcourse.search``'s spaces,
    samplers and searches.
    """
    bounds = _space_bounds(space)
    seed, rng = make_rng(seed)
    try:
        yield from _random_search_run(student_search, space, bounds, seed, rng)
    except CheckFailed as failure:
        if sampler is not None:
            name = student_search.name
            ranges = [(key, low, high) for key, (low, high, log) in bounds.items() if log]
            yield from blame_callees(student_search, failure, [(sampler, sampler_run(
                sampler, low, high, rng, SAMPLER_MISTAKES,
                f"low = {low:.4g}, high = {high:.4g}, size = {SIZE}: the range of {key} that {name} draws, "
                f"seed={seed}")) for key, low, high in ranges])
        raise
    keys = ", ".join(bounds)
    return (f"{student_search.name} samples {keys} like mlcourse.search.random (2000 trials) and reports its "
            f"trials (seed={seed})")


def _random_search_run(student_search, space, bounds, seed, rng):
    """Sub-check: the body of :func:`check_random_search`."""
    from scipy import stats  # here, not at import: every grading kernel imports the checkers

    name = student_search.name
    for n in (1, 7, 40):
        stream = int(rng.integers(2**31))
        spec = _bowl(rng, space)
        context = f"n_trials = {n}, train = {spec.label} (seed={seed})"
        result, calls = yield from _run_search(student_search, spec, n, RngSpec(stream), context=context)
        _check_trials(name, result, calls, spec.build(), n, bounds, context)

    n = 2000
    stream = int(rng.integers(2**31))
    spec = _bowl(np.random.default_rng(stream), space)
    context = f"n_trials = {n}, space = {space!r} (seed={seed})"
    runs = []
    for generator in (stream, stream, stream + 1):
        result, calls = yield from _run_search(student_search, spec, n, RngSpec(generator), context=context)
        _check_trials(name, result, calls, spec.build(), n, bounds, context)
        runs.append({k: np.array([config[k] for config, _ in calls], dtype=float) for k in bounds})
    draws = runs[0]
    _check_rng_use(name, np.column_stack(list(draws.values())), np.column_stack(list(runs[1].values())),
                   np.column_stack(list(runs[2].values())), context)
    reference = search.random(space, n, seed=np.random.default_rng(stream + 2))
    for key, (low, high, log) in bounds.items():
        values = draws[key]
        if np.any((values < low) | (values >= high)):
            raise CheckFailed(f"{name} drew {key} from {values.min():.4g} to {values.max():.4g}, outside "
                              f"[{low:g}, {high:g}).\n  {context}")
        expected = np.array([c[key] for c in reference])
        if stats.ks_2samp(values, expected).pvalue < P_REJECT:
            kind = "log-uniform" if log else "uniform"
            message = (f"{name}'s values of {key} are not {kind} on [{low:g}, {high:g}): they differ from "
                       f"mlcourse.search.random's draws (Kolmogorov-Smirnov test).\n  {context}")
            if log:
                message += (f"\n  share per factor of 10 from low up, expected about {_decades(expected, low, high)}"
                            f"\n                                        got {_decades(values, low, high)}")
                if stats.kstest(values, stats.uniform(low, high - low).cdf).pvalue > P_MATCH:
                    message += (f"\n  hint: {key} is drawn uniformly; a scale parameter is drawn log-uniformly "
                                "(use your sample_loguniform).")
            else:
                floor = max(low, float(values.min()))  # a log scale needs a positive lower end
                if floor > 0 and stats.kstest(np.log(values), stats.uniform(
                        math.log(floor), math.log(high / floor)).cdf).pvalue > P_MATCH:
                    message += f"\n  hint: {key} is drawn log-uniformly; it should be uniform (rng.uniform)."
            raise CheckFailed(message)
    keys = list(bounds)
    for i, first in enumerate(keys):
        for second in keys[i + 1:]:
            rho = stats.spearmanr(draws[first], draws[second]).statistic
            if abs(rho) > 0.15:
                raise CheckFailed(f"{name}'s values of {first} and {second} are correlated (rank correlation "
                                  f"{rho:.2f}); every value must be drawn independently.\n  {context}\n"
                                  "  hint: draw a new random number for each hyperparameter; one uniform "
                                  "number mapped to both ties them together.")


# --- successive halving ----------------------------------------------------------------

CURVES = "power_law_curves"  # the objective: score = final + start / budget, curves that cross


def _halving_cases(rng, first):
    """(n, min_budget, max_budget, factor): full and budget-limited schedules, every factor."""
    if first:
        return [(27, 1, 27, 3), (20, 1, 16, 2), (30, 2, 18, 3), (10, 1, 100, 4), (5, 1, 9, 3), (2, 1, 8, 3)]
    cases = []
    for _ in range(6):
        factor = int(rng.integers(2, 5))
        low = int(rng.integers(1, 4))
        cases.append((int(rng.integers(2, 70)), low, low * factor ** int(rng.integers(0, 5))
                      + int(rng.integers(0, factor)), factor))
    return cases


def _toy_configs(rng, n):
    """Configurations whose curves cross: a high start can hide a low final value."""
    return [{"final": float(f), "start": float(s)} for f, s in zip(rng.uniform(0, 1, n), rng.uniform(0, 3, n))]


# Successive halving written the way a student would, with a hook for each known mistake.

def _keep_floor(m, factor):
    return m // factor


def _keep_ceil(m, factor):
    return -(-m // factor)


def _keep_at_least_one(m, factor):
    return max(1, m // factor)


def _lowest_first(scores, alive, first):
    return sorted(alive, key=lambda k: (scores[k], k))


def _highest_first(scores, alive, first):
    return sorted(alive, key=lambda k: (-scores[k], k))


def _by_first_rung(scores, alive, first):
    return sorted(alive, key=lambda k: (first[k], k))


def _times_factor(budget, factor):
    return budget * factor


def _same_budget(budget, factor):
    return budget


def _times_two(budget, factor):
    return budget * 2


def _stop(m, budget, factor, top):
    return m < factor or budget * factor > top


def _stop_on_configurations(m, budget, factor, top):
    return m < factor


def _stop_on_budget(m, budget, factor, top):
    return budget * factor > top


def _from_scratch(history):
    return sum(len(rung["scores"]) * rung["budget"] for rung in history)


def _budgets_only(history):
    return sum(rung["budget"] for rung in history)


def _resumed(history):
    return sum(len(r["scores"]) * (r["budget"] - (history[i - 1]["budget"] if i else 0))
               for i, r in enumerate(history))


def halving(train, configs, min_budget, max_budget, factor, *, keep=_keep_floor, order=_lowest_first,
            grow=_times_factor, stop=_stop, total=_from_scratch, renumber=False):
    """Successive halving as exercise 8 specifies it; each keyword swaps in one mistake."""
    alive, budget, history, first = list(range(len(configs))), min_budget, [], None
    while alive and len(history) < 50:
        scores = {k: train(configs[k], budget) for k in alive}
        first = first or scores
        shown = {i: scores[k] for i, k in enumerate(alive)} if renumber and history else scores
        history.append({"budget": budget, "scores": shown})
        if stop(len(alive), budget, factor, max_budget):
            break
        alive = sorted(order(scores, alive, first)[:keep(len(alive), factor)])
        budget = grow(budget, factor)
    last = history[-1]["scores"]
    return min(last, key=lambda k: (last[k], k)), history, total(history)


def keeps_the_worst(train, configs, min_budget, max_budget, factor):
    return halving(train, configs, min_budget, max_budget, factor, order=_highest_first)


def rounds_up(train, configs, min_budget, max_budget, factor):
    return halving(train, configs, min_budget, max_budget, factor, keep=_keep_ceil)


def ranks_by_the_first_rung(train, configs, min_budget, max_budget, factor):
    return halving(train, configs, min_budget, max_budget, factor, order=_by_first_rung)


def keeps_the_budget(train, configs, min_budget, max_budget, factor):
    return halving(train, configs, min_budget, max_budget, factor, grow=_same_budget)


def doubles_the_budget(train, configs, min_budget, max_budget, factor):
    return halving(train, configs, min_budget, max_budget, factor, grow=_times_two)


def ignores_max_budget(train, configs, min_budget, max_budget, factor):
    return halving(train, configs, min_budget, max_budget, factor, stop=_stop_on_configurations)


def goes_on_with_one(train, configs, min_budget, max_budget, factor):
    return halving(train, configs, min_budget, max_budget, factor, keep=_keep_at_least_one, stop=_stop_on_budget)


def renumbers(train, configs, min_budget, max_budget, factor):
    return halving(train, configs, min_budget, max_budget, factor, renumber=True)


def counts_budgets_once(train, configs, min_budget, max_budget, factor):
    return halving(train, configs, min_budget, max_budget, factor, total=_budgets_only)


def counts_resumed(train, configs, min_budget, max_budget, factor):
    return halving(train, configs, min_budget, max_budget, factor, total=_resumed)


HALVING_MISTAKES = [
    Mistake("lower is better: keep the configurations with the *lowest* scores.", keeps_the_worst),
    Mistake("keep ⌊m/φ⌋ configurations, rounded *down* (Li et al.'s rule; scikit-learn rounds up).", rounds_up),
    Mistake("rank by the scores of the current rung, not by those of the first rung.", ranks_by_the_first_rung),
    Mistake("the budget grows by the factor at every rung: budget = budget * factor.", keeps_the_budget),
    Mistake("the budget grows by the factor φ, not by 2.", doubles_the_budget),
    Mistake("stop as soon as budget * factor would exceed max_budget.", ignores_max_budget),
    Mistake("stop when fewer than `factor` configurations remain (⌊m/φ⌋ would be 0); do not go on with "
            "a single configuration.", goes_on_with_one),
    Mistake("the indices in history are positions in `configs`, not in the list of survivors.", renumbers),
    Mistake("count every call to train: the total is the sum over rungs of (configurations × budget).",
            counts_budgets_once),
    Mistake("that is the cost when survivors resume from checkpoints; here every call trains from scratch: "
            "sum over rungs of (configurations × budget).", counts_resumed),
]


class _Outcome:
    """What one run of a successive halving did (its recorded calls, grouped into rungs)
    and what it returned, in the exercise's format."""

    def __init__(self, answer, calls, configs):
        self.answer, self.calls = answer, calls
        self.rungs, self.unknown = [], None  # [(budget, [indices in call order])]
        for config, budget in calls:
            index = next((k for k, c in enumerate(configs) if c == config), None)
            if index is None:
                self.unknown = config
                break
            if not self.rungs or self.rungs[-1][0] != budget or index in self.rungs[-1][1]:
                self.rungs.append((budget, []))
            self.rungs[-1][1].append(index)

    @property
    def trained(self):
        return [(budget, sorted(indices)) for budget, indices in self.rungs]

    def same_training(self, other):
        return self.unknown is None and other.unknown is None and self.trained == other.trained

    def same_answer(self, other):
        """The same chosen index and history (budgets, indices, scores), and the same total."""
        try:
            (best, history, total), (other_best, other_history, other_total) = self.answer, other.answer
            return (best == other_best and total == other_total and len(history) == len(other_history)
                    and all(a["budget"] == b["budget"] and set(a["scores"]) == set(b["scores"])
                            and all(math.isclose(a["scores"][k], b["scores"][k], rel_tol=1e-12) for k in b["scores"])
                            for a, b in zip(history, other_history)))
        except (TypeError, ValueError, KeyError, AttributeError):
            return False


def _reference_outcome(spec, configs, low, high, factor):
    """The reference's outcome: mlcourse.search.successive_halving on the same objective."""
    train = spec.build()
    result = search.successive_halving(train, configs, low, high, factor=factor)
    history = []
    for rung in sorted({t.rung for t in result.trials}):
        trials = [t for t in result.trials if t.rung == rung]
        history.append({"budget": trials[0].budget, "scores": {t.index: t.score for t in trials}})
    calls = [(dict(t.config), t.budget) for t in result.trials]
    return _Outcome((result.best.index, history, result.total_budget), calls, configs)


def _mistake_outcome(mistake, spec, configs, low, high, factor):
    """A mistake's outcome, run as the kernel runs the student's (grader side), or None."""
    reply = Kernel({"wrong": mistake.wrong}).execute(
        Call("wrong", (spec.recorded("train"), [dict(c) for c in configs], low, high, factor)))
    if reply.error is not None:
        return None
    return _Outcome(reply.value, list((reply.recorded or {}).get("train", [])), configs)


def _hint(got, expected, known, spec, configs, low, high, factor):
    """``"\\n  hint: ..."`` of the first mistake that trains and returns exactly what the student's
    function did (and not what the reference does), or ""."""
    for mistake in known:
        wrong = _mistake_outcome(mistake, spec, configs, low, high, factor)
        if (wrong is not None and got.same_training(wrong) and got.same_answer(wrong)
                and not (wrong.same_training(expected) and wrong.same_answer(expected))):
            return f"\n  hint: {mistake.hint}"
    return ""


def _describe(rungs):
    return [(budget, len(indices)) for budget, indices in rungs]


def _history_rungs(history):
    return [(rung["budget"], sorted(rung["scores"])) for rung in history]


def _where(name, got, expected):
    """Where the student's run first differs from the reference's (a line of the message), or None."""
    if _describe(got.rungs) != _describe(expected.rungs):
        return (f"rungs trained, as (budget, configurations): expected {_describe(expected.rungs)}\n"
                f"                                              got      {_describe(got.rungs)}")
    for i, ((budget, indices), (_, want)) in enumerate(zip(got.trained, expected.trained)):
        if indices != want:
            return (f"rung {i} (budget {budget}) trained the wrong configurations:\n"
                    f"    expected indices {want}\n    got              {indices}")
    best, history, _ = got.answer
    reported = _history_rungs(history)
    if _describe(reported) != _describe(got.trained):
        return (f"history reports rungs as (budget, configurations) {_describe(reported)}, but {name} "
                f"called train in rungs {_describe(got.trained)}")
    for i, ((budget, indices), (_, trained)) in enumerate(zip(reported, got.trained)):
        if indices != trained:
            return (f"rung {i} (budget {budget}): history reports the configurations {indices}, but train was "
                    f"called with the configurations {trained} (positions in `configs`)")
    for i, (rung, want) in enumerate(zip(history, expected.answer[1])):
        for k, score in rung["scores"].items():
            returned = want["scores"][k]
            try:
                same = math.isclose(score, returned, rel_tol=1e-12)
            except TypeError:
                same = False
            if not same:
                return f"rung {i}: the score of configuration {k} is {score!r}; train returned {returned!r}"
    if best != expected.answer[0]:
        return (f"best_index = {best!r}, but the lowest score of the last rung is that of configuration "
                f"{expected.answer[0]}")
    return None


def _check_structure(name, answer, context):
    if not (isinstance(answer, tuple) and len(answer) == 3):
        raise CheckFailed(f"{name} should return (best_index, history, total_budget), not "
                          f"{type(answer).__name__}.\n  {context}")
    history = answer[1]
    if not isinstance(history, list) or not all(isinstance(r, dict) and {"budget", "scores"} <= set(r)
                                                and isinstance(r["scores"], dict) for r in history):
        raise CheckFailed(f"{name}'s history should be a list of dicts {{'budget': b, 'scores': {{index: "
                          f"score}}}}, one per rung.\n  {context}")


@checker(students=("student_halving",), under_test=REFERENCE)
def check_successive_halving(student_halving, *, seed=0, mistakes=()):
    """Check ``student_halving(train, configs, min_budget, max_budget, factor) ->
    (best_index, history, total_budget)`` against :func:`mlcourse.search.successive_halving`
    rung by rung.

    ``train`` is :func:`mlcourse.search.power_law_curves` (made-up learning curves that
    cross, so that the ranking changes with the budget), recorded: every call
    ``train(config, budget)`` comes back to the checker. On six searches (schedules
    limited by the budget and by the number of configurations, factors 2 to 4): the
    configurations trained in each rung and their budget, from the recorded calls; the
    history reported (budgets, positions in ``configs``, the scores ``train``
    returned); the chosen index; and the total budget :math:`\\sum_i m_i b_i`.
    Recognised: the highest scores kept, survivors rounded up, ranking by the first
    rung, a budget that does not grow or doubles, ``max_budget`` ignored, going on with
    one configuration, positions among the survivors, and two wrong totals, plus
    ``mistakes`` (wrong functions of the same signature): the hint shown is that of a
    mistake that trains and returns exactly what the student's function did. Under
    test: ``mlcourse.search``'s spaces, samplers and searches.
    """
    known = [*HALVING_MISTAKES, *check_mistakes(mistakes, ("student_halving",))]
    seed, rng = make_rng(seed)
    name = student_halving.name
    cases = _halving_cases(rng, seed == 0)
    spec = objective(CURVES)
    for n, low, high, factor in cases:
        configs = _toy_configs(rng, n)
        context = (f"{n} configurations, min_budget = {low}, max_budget = {high}, factor = {factor} "
                   f"(seed={seed})")
        answer, calls = yield from _run_search(student_halving, spec, [dict(c) for c in configs], low, high, factor,
                                               context=context)
        _check_structure(name, answer, context)
        got = _Outcome(answer, calls, configs)
        if got.unknown is not None:
            raise CheckFailed(f"{name} called train with {got.unknown!r}, which is not one of `configs`: pass "
                              f"the configurations themselves, train(configs[k], budget).\n  {context}")
        expected = _reference_outcome(spec, configs, low, high, factor)
        where = _where(name, got, expected)
        total = sum(budget for _, budget in calls)  # every call trains from scratch
        if where is not None:
            raise CheckFailed(f"{name} does not do successive halving as specified.\n  {context}\n  {where}"
                              + _hint(got, expected, known, spec, configs, low, high, factor))
        if answer[2] != total:
            raise CheckFailed(f"{name} returned total_budget = {answer[2]!r}, expected {total}, the sum of the "
                              f"budgets of its calls to train (rungs {_describe(got.rungs)}).\n  {context}"
                              + _hint(got, expected, known, spec, configs, low, high, factor))
    return (f"{name} matches mlcourse.search.successive_halving rung by rung on {len(cases)} searches "
            f"(seed={seed})")
