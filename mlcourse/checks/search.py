"""``check_loguniform_sampler``, ``check_random_search``, ``check_successive_halving`` (exercise 8).

Not yet generators: these three run the student's code in-process, in the style the
checkers had before :mod:`mlcourse.checks` (they keep its tamper checks and receipts).
Porting them onto ``checker``/``ask`` needs a spec for the ``train`` function the
student's search receives; until then they are not in ``checks.__all__`` nor in the
guide's ORDER, and exercise 8 imports them as ``mlcourse.checks.search``.

References: :mod:`mlcourse.search` (``loguniform``, ``random``, ``successive_halving``).

Random draws are checked *statistically*, never against one stream of numbers: the
student's draws must pass a Kolmogorov-Smirnov test against the reference's
distribution, be reproducible from the generator they are given, and change with it.
Successive halving is deterministic given the scores, so it is checked rung by rung.

Each checker is data: a reference, a case generator and a list of known mistakes, each
``(hint, wrong implementation)``. A statistical mistake matches when the student's
draws are indistinguishable from the wrong implementation's; a deterministic one when
it returns exactly what the student returned. Add a mistake by adding a pair.
"""

import math
import sys

import numpy as np
from scipy import stats

from mlcourse import search

import contextlib

from . import _integrity
from ._compare import CheckFailed, make_rng

_isfinite = _integrity.TRUSTED["numpy.isfinite"]
_all = _integrity.TRUSTED["numpy.all"]
_array_equal = _integrity.TRUSTED["numpy.array_equal"]
_kstest = stats.kstest
_ks_2samp = stats.ks_2samp
_spearmanr = stats.spearmanr

# A student's search must not call the reference.
FORBIDDEN_FILES = _integrity.module_files(sys.modules["mlcourse.search"])

# A correct sampler fails a test at this level about once in a million runs; the known
# mistakes fail it with probability 1 at the sample sizes used.
P_REJECT = 1e-6
P_MATCH = 1e-3
DRAWS = 4000


@contextlib.contextmanager
def student_code(name):
    """Turn an exception raised by the student's function into a readable CheckFailed."""
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    try:
        yield
    except NotImplementedError:
        raise CheckFailed(f"{name} is not implemented yet (it raises NotImplementedError).") from None
    except AssertionError:
        raise
    except Exception as error:
        raise CheckFailed(f"{name} raised {type(error).__name__}: {error}") from error


def _fresh(seed):
    return np.random.default_rng(seed)


def _call(name, function, *args):
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    with np.errstate(all="ignore"), student_code(name), _integrity.forbid_calls(FORBIDDEN_FILES, name):
        return function(*args)


# --- log-uniform sampling ------------------------------------------------------------

SAMPLER_MISTAKES = [
    ("these values are uniform on [low, high), not log-uniform: draw the logarithm "
     "uniformly, u = rng.uniform(np.log(low), np.log(high), size), and return np.exp(u).",
     lambda low, high, size, rng: rng.uniform(low, high, size)),
    ("these values are log-uniform on [1, high / low), not on [low, high): the lower end "
     "of the logarithm is log(low), not 0.",
     lambda low, high, size, rng: np.exp(rng.uniform(0.0, np.log(high / low), size))),
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
    counts, _ = np.histogram(values, bins=edges)
    return np.round(counts / max(len(values), 1), 3).tolist()


def _check_draws(name, draws, size, low, high, context):
    """Type, shape, finiteness and range of one call's draws."""
    __tracebackhide__ = True
    if draws is None:
        raise CheckFailed(f"{name} returned None. Did you forget the `return` statement?")
    array = np.asarray(draws)
    if not isinstance(draws, np.ndarray) or array.shape != (size,):
        raise CheckFailed(f"{name} should return a NumPy array of shape ({size},), but returned "
                          f"{type(draws).__name__} of shape {array.shape}.\n  {context}")
    if array.dtype.kind != "f" or not _all(_isfinite(array)):
        raise CheckFailed(f"{name} should return finite real numbers, got dtype {array.dtype}.\n  {context}")
    outside = (array < low) | (array >= high)
    if np.any(outside):
        logs = (array >= math.log(low)) & (array < math.log(high)) if low > 0 else outside
        hint = ("did you return the logarithms? Exponentiate them." if np.all(logs) and np.any(array < 0)
                else "np.log must be undone by np.exp (and np.log10 by 10 **): mixing the two bases "
                     "moves the range; and the logarithm is drawn between log(low) and log(high).")
        raise CheckFailed(f"{name} returned {int(np.sum(outside))} of {size} values outside [low, high) = "
                          f"[{low:g}, {high:g}): from {array.min():.4g} to {array.max():.4g}.\n  {context}\n"
                          f"  hint: {hint}")
    return array


def _check_rng_use(name, draws, again, other, context):
    __tracebackhide__ = True
    if not _array_equal(np.asarray(again), draws):
        raise CheckFailed(f"{name} gave different values for two generators with the same seed.\n  {context}\n"
                          "  hint: draw only with the rng you are given (rng.uniform, ...), not with "
                          "np.random.* functions, so that the same seed gives the same search.")
    if _array_equal(np.asarray(other), draws):
        raise CheckFailed(f"{name} gave the same values for generators with different seeds.\n  {context}\n"
                          "  hint: use the rng you are given; do not create a generator of your own "
                          "(np.random.default_rng(0)) inside the function.")


def check_loguniform_sampler(student_sampler, *, seed=0, mistakes=None):
    """Check ``student_sampler(low, high, size, rng)`` against :func:`mlcourse.search.loguniform`.

    For several ranges: the shape, that every value is in ``[low, high)``, that the
    same generator seed reproduces the draws and another seed changes them, and a
    Kolmogorov-Smirnov test of the logarithms against the uniform distribution on
    ``[log low, log high)``, with :data:`DRAWS` draws. ``mistakes`` (default
    :data:`SAMPLER_MISTAKES`) is a list of ``(hint, wrong_sampler)``: when the draws
    fail, the first wrong sampler whose draws they resemble gives its hint.
    """
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    _integrity.assert_untouched("before the check")
    seed, rng = make_rng(seed)
    name = getattr(student_sampler, "__name__", "your sampler")
    cases = _sampler_cases(rng, seed == 0)
    for low, high in cases:
        stream = int(rng.integers(2**31))
        context = f"low = {low:.4g}, high = {high:.4g}, size = {DRAWS} (seed={seed})"
        draws = _check_draws(name, _call(name, student_sampler, low, high, DRAWS, _fresh(stream)), DRAWS,
                             low, high, context)
        again = _call(name, student_sampler, low, high, DRAWS, _fresh(stream))
        other = _call(name, student_sampler, low, high, DRAWS, _fresh(stream + 1))
        _check_rng_use(name, draws, again, other, context)
        reference = search.loguniform(low, high)
        test = _kstest(np.log(draws), stats.uniform(math.log(low), math.log(high) - math.log(low)).cdf)
        if test.pvalue < P_REJECT:
            expected = _decades(reference.sample(_fresh(stream), DRAWS), low, high)
            message = (f"{name}'s values are not log-uniform on [{low:g}, {high:g}) (Kolmogorov-Smirnov test "
                       f"of their logarithms: p = {test.pvalue:.1e}).\n  {context}\n"
                       f"  share per factor of 10 from low up, expected about {expected}\n"
                       f"                                        got {_decades(draws, low, high)}")
            for hint, wrong in (SAMPLER_MISTAKES if mistakes is None else mistakes):
                if _ks_2samp(draws, wrong(low, high, DRAWS, _fresh(stream))).pvalue > P_MATCH:
                    message += f"\n  hint: {hint}"
                    break
            raise CheckFailed(message)
    _integrity.assert_untouched("after the check")
    _integrity.passed("check_loguniform_sampler", f"{name} draws log-uniformly on {len(cases)} ranges, "
                      f"{DRAWS} draws each (seed={seed})")


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


def _bowl(rng, bounds):
    """A made-up validation loss: a quadratic bowl in the (log) coordinates, centre drawn by rng."""
    centre = {k: float(rng.uniform(0.2, 0.8)) for k in bounds}

    def unit(key, value):
        low, high, log = bounds[key]
        return (math.log(value / low) / math.log(high / low)) if log else (value - low) / (high - low)

    def score(config):
        return float(sum((unit(k, config[k]) - centre[k]) ** 2 for k in bounds))

    return score


def _recorder(score, keys):
    """A ``train`` that records ``(config, budget, score)`` of every call."""
    calls = []

    def train(config, budget):
        value = score(config) if isinstance(config, dict) and set(config) == set(keys) else math.nan
        calls.append((dict(config) if isinstance(config, dict) else config, budget, value))
        return value

    return train, calls


def _check_trials(name, result, calls, n, keys, context):
    """The structure of the result, and that it reports the calls that were made."""
    __tracebackhide__ = True
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed(f"{name} should return a pair (best_config, trials), not {type(result).__name__}."
                          f"\n  {context}")
    best, trials = result
    if len(calls) != n:
        raise CheckFailed(f"{name} called train {len(calls)} times for n_trials = {n}; expected once per "
                          f"trial.\n  {context}")
    for config, budget, _ in calls:
        if not isinstance(config, dict) or set(config) != set(keys):
            raise CheckFailed(f"{name} called train with {config!r}; expected a dict with the names "
                              f"{sorted(keys)}.\n  {context}")
        if budget != 1:
            raise CheckFailed(f"{name} called train with budget = {budget!r}; random search gives every "
                              f"trial budget = 1 here.\n  {context}")
    if not isinstance(trials, list) or len(trials) != n:
        raise CheckFailed(f"{name} should return a list of {n} (config, score) pairs as trials, got "
                          f"{type(trials).__name__} of length {len(trials) if hasattr(trials, '__len__') else '?'}."
                          f"\n  {context}")
    for k, (trial, (config, _, value)) in enumerate(zip(trials, calls)):
        if not (isinstance(trial, tuple) and len(trial) == 2 and trial[0] == config and trial[1] == value):
            raise CheckFailed(f"{name}'s trial {k} is {trial!r}; expected the pair (config, score) of its "
                              f"call to train, ({config!r}, {value!r}), in the order of the calls.\n  {context}")
    scores = [value for _, _, value in calls]
    lowest = calls[int(np.argmin(scores))][0]
    if best != lowest:
        hint = ("lower is better: the best configuration has the *lowest* score."
                if best == calls[int(np.argmax(scores))][0] else
                "return the configuration with the lowest score (the first one if several tie).")
        raise CheckFailed(f"{name} returned best_config = {best!r}, but the lowest score was that of "
                          f"{lowest!r}.\n  {context}\n  hint: {hint}")


def check_random_search(student_search, space, *, seed=0):
    """Check ``student_search(train, n_trials, rng) -> (best_config, trials)`` against
    :func:`mlcourse.search.random` on ``space`` (``{name: uniform(...) or loguniform(...)}``).

    With a recording ``train``: one call per trial with a configuration of the space's
    names and budget 1, trials reported in order with their scores, the lowest score
    chosen; then, over 2000 trials, each hyperparameter's values against the reference's
    draws (two-sample Kolmogorov-Smirnov), independence between them (rank
    correlation), and the use of the generator given.
    """
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    _integrity.assert_untouched("before the check")
    bounds = _space_bounds(space)
    seed, rng = make_rng(seed)
    name = getattr(student_search, "__name__", "your search")
    for n in (1, 7, 40):
        stream = int(rng.integers(2**31))
        train, calls = _recorder(_bowl(rng, bounds), bounds)
        context = f"n_trials = {n} (seed={seed})"
        result = _call(name, student_search, train, n, _fresh(stream))
        _check_trials(name, result, calls, n, bounds, context)

    n = 2000
    stream = int(rng.integers(2**31))
    context = f"n_trials = {n}, space = {space!r} (seed={seed})"
    runs = []
    for generator in (stream, stream, stream + 1):
        train, calls = _recorder(_bowl(_fresh(stream), bounds), bounds)
        _check_trials(name, _call(name, student_search, train, n, _fresh(generator)), calls, n, bounds, context)
        runs.append({k: np.array([c[0][k] for c in calls], dtype=float) for k in bounds})
    draws = runs[0]
    _check_rng_use(name, np.column_stack(list(draws.values())), np.column_stack(list(runs[1].values())),
                   np.column_stack(list(runs[2].values())), context)
    reference = search.random(space, n, seed=_fresh(stream + 2))
    for key, (low, high, log) in bounds.items():
        values = draws[key]
        if np.any((values < low) | (values >= high)):
            raise CheckFailed(f"{name} drew {key} from {values.min():.4g} to {values.max():.4g}, outside "
                              f"[{low:g}, {high:g}).\n  {context}")
        expected = np.array([c[key] for c in reference])
        if _ks_2samp(values, expected).pvalue < P_REJECT:
            kind = "log-uniform" if log else "uniform"
            message = (f"{name}'s values of {key} are not {kind} on [{low:g}, {high:g}): they differ from "
                       f"mlcourse.search.random's draws (Kolmogorov-Smirnov test).\n  {context}")
            if log:
                message += (f"\n  share per factor of 10 from low up, expected about {_decades(expected, low, high)}"
                            f"\n                                        got {_decades(values, low, high)}")
                if _kstest(values, stats.uniform(low, high - low).cdf).pvalue > P_MATCH:
                    message += (f"\n  hint: {key} is drawn uniformly; a scale parameter is drawn log-uniformly "
                                "(use your sample_loguniform).")
            else:
                floor = max(low, float(values.min()))  # a log scale needs a positive lower end
                if floor > 0 and _kstest(np.log(values), stats.uniform(math.log(floor),
                                                                       math.log(high / floor)).cdf).pvalue > P_MATCH:
                    message += f"\n  hint: {key} is drawn log-uniformly; it should be uniform (rng.uniform)."
            raise CheckFailed(message)
    keys = list(bounds)
    for i, first in enumerate(keys):
        for second in keys[i + 1:]:
            rho = _spearmanr(draws[first], draws[second]).statistic
            if abs(rho) > 0.15:
                raise CheckFailed(f"{name}'s values of {first} and {second} are correlated (rank correlation "
                                  f"{rho:.2f}); every value must be drawn independently.\n  {context}\n"
                                  "  hint: draw a new random number for each hyperparameter; one uniform "
                                  "number mapped to both ties them together.")
    _integrity.assert_untouched("after the check")
    _integrity.passed("check_random_search", f"{name} samples {', '.join(keys)} like mlcourse.search.random "
                      f"({n} trials) and reports its trials (seed={seed})")


# --- successive halving ----------------------------------------------------------------

def _curve(config, budget):
    """A made-up learning curve: the loss falls from final + start towards final."""
    return config["final"] + config["start"] / budget


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


def _halving(train, configs, min_budget, max_budget, factor, *, keep=lambda m, f: m // f,
             order=lambda scores, alive, first: sorted(alive, key=lambda k: (scores[k], k)),
             grow=lambda budget, f: budget * f, stop=lambda m, budget, f, top: m < f or budget * f > top,
             renumber=False):
    """Successive halving written the way a student would, with hooks for each known mistake."""
    alive, budget, history, total, first = list(range(len(configs))), min_budget, [], 0, None
    while alive and len(history) < 50:
        scores = {k: train(configs[k], budget) for k in alive}
        first = first or scores
        shown = {i: scores[k] for i, k in enumerate(alive)} if renumber and history else scores
        history.append({"budget": budget, "scores": shown})
        total += budget * len(alive)
        if stop(len(alive), budget, factor, max_budget):
            break
        alive = sorted(order(scores, alive, first)[:keep(len(alive), factor)])
        budget = grow(budget, factor)
    last = history[-1]["scores"]
    return min(last, key=lambda k: (last[k], k)), history, total


HALVING_MISTAKES = [
    ("lower is better: keep the configurations with the *lowest* scores.",
     lambda *a: _halving(*a, order=lambda s, alive, first: sorted(alive, key=lambda k: (-s[k], k)))),
    ("keep ⌊m/φ⌋ configurations, rounded *down* (Li et al.'s rule; scikit-learn rounds up).",
     lambda *a: _halving(*a, keep=lambda m, f: -(-m // f))),
    ("rank by the scores of the current rung, not by those of the first rung.",
     lambda *a: _halving(*a, order=lambda s, alive, first: sorted(alive, key=lambda k: (first[k], k)))),
    ("the budget grows by the factor at every rung: budget = budget * factor.",
     lambda *a: _halving(*a, grow=lambda b, f: b)),
    ("the budget grows by the factor φ, not by 2.",
     lambda *a: _halving(*a, grow=lambda b, f: b * 2)),
    ("stop as soon as budget * factor would exceed max_budget.",
     lambda *a: _halving(*a, stop=lambda m, b, f, top: m < f)),
    ("stop when fewer than `factor` configurations remain (⌊m/φ⌋ would be 0); do not go on with "
     "a single configuration.",
     lambda *a: _halving(*a, keep=lambda m, f: max(1, m // f), stop=lambda m, b, f, top: b * f > top)),
    ("the indices in history are positions in `configs`, not in the list of survivors.",
     lambda *a: _halving(*a, renumber=True)),
]

TOTAL_MISTAKES = [
    ("count every call to train: the total is the sum over rungs of (configurations × budget).",
     lambda history: sum(rung["budget"] for rung in history)),
    ("that is the cost when survivors resume from checkpoints; here every call trains from scratch: "
     "sum over rungs of (configurations × budget).",
     lambda history: sum(len(r["scores"]) * (r["budget"] - (history[i - 1]["budget"] if i else 0))
                         for i, r in enumerate(history))),
]


def _expected(configs, min_budget, max_budget, factor):
    """The reference's answer, in the exercise's format."""
    result = search.successive_halving(_curve, configs, min_budget, max_budget, factor=factor)
    history = []
    for rung in sorted({t.rung for t in result.trials}):
        trials = [t for t in result.trials if t.rung == rung]
        history.append({"budget": trials[0].budget, "scores": {t.index: t.score for t in trials}})
    return result.best.index, history, result.total_budget


def _same_search(got, other):
    """Whether two answers agree on the chosen index and on every rung (budget, indices, scores)."""
    try:
        (best, history, _), (other_best, other_history, _) = got, other
        return (best == other_best and len(history) == len(other_history)
                and all(a["budget"] == b["budget"] and set(a["scores"]) == set(b["scores"])
                        and all(math.isclose(a["scores"][k], b["scores"][k], rel_tol=1e-12) for k in b["scores"])
                        for a, b in zip(history, other_history)))
    except (TypeError, ValueError, KeyError, AttributeError):
        return False


def _describe(history):
    return [(rung["budget"], len(rung["scores"])) for rung in history]


def _check_halving_answer(name, got, expected, mistakes, context):
    """Raise CheckFailed at the first difference, with the hint of a matching known mistake."""
    __tracebackhide__ = True
    if not (isinstance(got, tuple) and len(got) == 3):
        raise CheckFailed(f"{name} should return (best_index, history, total_budget), not "
                          f"{type(got).__name__}.\n  {context}")
    best, history, total = got
    if not isinstance(history, list) or not all(isinstance(r, dict) and {"budget", "scores"} <= set(r)
                                                and isinstance(r["scores"], dict) for r in history):
        raise CheckFailed(f"{name}'s history should be a list of dicts {{'budget': b, 'scores': {{index: "
                          f"score}}}}, one per rung.\n  {context}")
    hint = next((h for h, wrong in mistakes if not _same_search(wrong, expected) and _same_search(got, wrong)),
                None)
    where = None
    if _describe(history) != _describe(expected[1]):
        where = (f"rungs as (budget, configurations): expected {_describe(expected[1])}\n"
                 f"                                    got      {_describe(history)}")
    else:
        for i, (a, b) in enumerate(zip(history, expected[1])):
            if set(a["scores"]) != set(b["scores"]):
                where = (f"rung {i} (budget {b['budget']}) trained the wrong configurations:\n"
                         f"    expected indices {sorted(b['scores'])}\n    got              {sorted(a['scores'])}")
                break
            wrong = [k for k in b["scores"] if not math.isclose(a["scores"][k], b["scores"][k], rel_tol=1e-12)]
            if wrong:
                where = (f"rung {i}: the score of configuration {wrong[0]} is {a['scores'][wrong[0]]!r}; "
                         f"train returned {b['scores'][wrong[0]]!r}")
                break
    if where is None and best != expected[0]:
        where = (f"best_index = {best!r}, but the lowest score of the last rung is that of configuration "
                 f"{expected[0]}")
    if where is not None:
        raise CheckFailed(f"{name} does not do successive halving as specified.\n  {context}\n  {where}"
                          + (f"\n  hint: {hint}" if hint else ""))
    if total != expected[2]:
        hint = next((h for h, wrong in TOTAL_MISTAKES if wrong(expected[1]) == total), None)
        raise CheckFailed(f"{name} returned total_budget = {total!r}, expected {expected[2]} "
                          f"(rungs {_describe(expected[1])}).\n  {context}" + (f"\n  hint: {hint}" if hint else ""))


def check_successive_halving(student_halving, *, seed=0, mistakes=None):
    """Check ``student_halving(train, configs, min_budget, max_budget, factor)`` against
    :func:`mlcourse.search.successive_halving` rung by rung.

    Made-up learning curves that cross (so that the ranking changes with the budget),
    schedules limited by the budget and by the number of configurations, factors 2 to 4:
    the budget and the configurations of every rung, the scores reported, the chosen
    index and the total budget :math:`\\sum_i m_i b_i`. ``mistakes`` (default
    :data:`HALVING_MISTAKES`) is a list of ``(hint, wrong_halving)``; a student whose
    answer equals a wrong one's gets its hint.
    """
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    _integrity.assert_untouched("before the check")
    seed, rng = make_rng(seed)
    name = getattr(student_halving, "__name__", "your successive halving")
    cases = _halving_cases(rng, seed == 0)
    for n, low, high, factor in cases:
        configs = _toy_configs(rng, n)
        args = (configs, low, high, factor)
        context = (f"{n} configurations, min_budget = {low}, max_budget = {high}, factor = {factor} "
                   f"(seed={seed})")
        expected = _expected(*args)
        wrong_answers = [(hint, wrong(_curve, *args))
                         for hint, wrong in (HALVING_MISTAKES if mistakes is None else mistakes)]
        got = _call(name, student_halving, _curve, [dict(c) for c in configs], low, high, factor)
        _check_halving_answer(name, got, expected, wrong_answers, context)
    _integrity.assert_untouched("after the check")
    _integrity.passed("check_successive_halving", f"{name} matches mlcourse.search.successive_halving rung by "
                      f"rung on {len(cases)} searches (seed={seed})")
