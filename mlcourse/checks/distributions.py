"""``check_distribution``: a random function, checked statistically.

A function that draws at random (a sampler of hyperparameters, a random search) cannot
be checked by matching one random stream: two correct implementations may use the
generator differently. Instead the checker calls it many times, each time with its own
``np.random.default_rng(seed)`` built where the student's code runs, and tests whether
its draws follow the reference's distribution:

* every coordinate of a draw (a number, each entry of an array or tuple, each value of
  a dict) is tested on its own: a two-sample Kolmogorov–Smirnov test for continuous
  values, a chi-square test of the counts for values that take few distinct values
  (a ``choice``, ``integers``), and at once a failure for a value the reference never
  draws (outside its range, or not one of its options);
* the false-alarm rate is ``alpha`` for the whole check (Bonferroni over coordinates),
  1e-6 by default: a correct function fails about once in a million gradings, while
  the usual mistakes (uniform for log-uniform, a range one off) fail with thousands of
  draws at p-values far below that;
* calling it twice with the same seed must give the same draw, and different seeds
  must not all give one draw: it must use the generator it is given, not
  ``np.random``'s global state nor a generator of its own;
* an array-valued reference fixes the type and shape of a draw (a list is not a
  NumPy array).

Other checkers reuse the statistical core, :func:`distribution_run` (exercise 8's
``check_loguniform_sampler`` runs it on several ranges).

``seed=0`` (visible tests) makes every draw, and so the verdict, reproducible.
"""

import numbers

import numpy as np

from mlcourse.search.spaces import is_space

from ._compare import CheckFailed, make_rng, show
from ._driver import checker, run_reference
from ._protocol import RngSpec, ask
from .mistakes import check_mistakes

_DISCRETE = 20  # at most this many distinct reference values: compare counts


def _coordinates(draw, prefix=""):
    """``{name: scalar}`` of one draw: numbers, entries of arrays/tuples, values of dicts."""
    if isinstance(draw, dict):
        found = {}
        for key, value in draw.items():
            found.update(_coordinates(value, f"{prefix}{key}" if not prefix else f"{prefix}[{key!r}]"))
        return found
    if isinstance(draw, (tuple, list, np.ndarray)) and np.ndim(draw) > 0:
        found = {}
        for index, value in enumerate(draw):
            found.update(_coordinates(value, f"{prefix}[{index}]"))
        return found
    return {prefix or "value": draw.item() if isinstance(draw, np.generic) else draw}


def _columns(draws, name):
    columns = {}
    for index, draw in enumerate(draws):
        for key, value in _coordinates(draw).items():
            columns.setdefault(key, [None] * len(draws))[index] = value
    return columns


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _p_value(got, want):
    """The p-value that ``got`` and ``want`` come from one distribution, and the test's name."""
    from scipy import stats  # here, not at import: every grading kernel imports the checkers

    distinct = set(map(repr, want))
    if all(_is_number(v) for v in got + want) and len(distinct) > _DISCRETE:
        result = stats.ks_2samp(np.asarray(got, dtype=float), np.asarray(want, dtype=float))
        return float(result.pvalue), "two-sample Kolmogorov–Smirnov"
    labels = sorted(distinct | set(map(repr, got)))
    counts = np.array([[sum(repr(v) == label for v in sample) for label in labels] for sample in (got, want)])
    if counts.shape[1] < 2:
        return 1.0, "counts"
    return float(stats.chi2_contingency(counts)[1]), "chi-square of the counts"


def _summary(values):
    if all(_is_number(v) for v in values):
        array = np.asarray(values, dtype=float)
        return (f"median {np.median(array):.4g}, 5–95 % range {np.quantile(array, 0.05):.4g} to "
                f"{np.quantile(array, 0.95):.4g}")
    labels, counts = np.unique([repr(v) for v in values], return_counts=True)
    top = sorted(zip(counts, labels), reverse=True)[:4]
    return "most often " + ", ".join(f"{label} ({count / len(values):.0%})" for count, label in top)


def _reference_draws(reference, arguments, rng, samples):
    if is_space(reference):
        return reference.sample(rng, samples)
    return [reference(*arguments, np.random.default_rng(int(rng.integers(2**31)))) for _ in range(samples)]


def _agrees(got, want, alpha):
    """Whether two sets of draws pass every coordinate's test at level ``alpha``."""
    got_columns, want_columns = _columns(got, "got"), _columns(want, "want")
    if set(got_columns) != set(want_columns):
        return False
    return all(_p_value(got_columns[k], want_columns[k])[0] > alpha for k in got_columns)


def _structure(name, draw, reference_draw, context):
    """CheckFailed unless an array-valued reference's draw and the student's have one type and shape."""
    if not isinstance(reference_draw, np.ndarray):
        return
    if isinstance(draw, np.ndarray) and draw.shape == reference_draw.shape:
        return
    kind = type(draw).__name__
    if isinstance(draw, np.ndarray):
        kind += f" of shape {draw.shape}"
    elif isinstance(draw, (list, tuple)):
        kind += f" of length {len(draw)}"
    raise CheckFailed(f"{name} should return a NumPy array of shape {reference_draw.shape}, but returned "
                      f"{kind}.\n  {context}")


def _hint(got, known, arguments, rng, samples):
    """The hint of the first mistake whose draws are indistinguishable from ``got``, or ""."""
    for mistake in known:
        wrong = [run_reference(mistake.wrong, *arguments, RngSpec(int(s))) for s in rng.integers(2**31, size=samples)]
        if not any(w is None for w in wrong) and _agrees(got, wrong, 1e-3):
            return f"\n  hint: {mistake.hint}"
    return ""


def _label(key):
    if key == "value":
        return ""
    return f" (entry {key})" if key.startswith("[") else f" of {key}"


def distribution_run(student_sampler, reference, arguments, rng, *, samples, alpha, mistakes, context,
                     claim="do not follow the reference's distribution", describe=None, support=None):
    """Sub-check: ``student_sampler(*arguments, rng)`` draws like ``reference`` (see
    :func:`check_distribution`); returns the student's draws.

    ``context`` ends every message (``"seed=0"``); ``claim`` says what a failed test
    means (``"are not log-uniform on [0.001, 1)"``); ``describe(values)`` sums up one
    coordinate's values for the message (default: median and 5–95 % range);
    ``support=(low, high)``: every coordinate must lie in ``[low, high]``.
    """
    describe = describe or _summary
    name = student_sampler.name
    seeds = [int(s) for s in rng.integers(2**31, size=samples)]
    got = []
    for index, draw_seed in enumerate(seeds):
        value = yield from ask(student_sampler(*arguments, RngSpec(draw_seed)),
                               f"draw {index + 1} of {samples} (rng seed {draw_seed}, {context})")
        got.append(value)
    again = yield from ask(student_sampler(*arguments, RngSpec(seeds[0])), f"rng seed {seeds[0]} again")
    if repr(_coordinates(again)) != repr(_coordinates(got[0])):
        raise CheckFailed(f"{name} gave {show(got[0])} and then {show(again)} for the same "
                          f"np.random.default_rng({seeds[0]}).\n  hint: draw with the rng you are given "
                          "(rng.uniform, rng.integers, rng.choice...), never with np.random.* or random.*, "
                          "so that a seed reproduces a run.")
    want = _reference_draws(reference, arguments, rng, samples)
    _structure(name, got[0], want[0], context)
    got_columns, want_columns = _columns(got, name), _columns(want, "reference")
    if set(got_columns) != set(want_columns):
        raise CheckFailed(f"{name} returned draws like {show(got[0])}; the reference's look like "
                          f"{show(want[0])} ({context}).")
    if len({repr(_coordinates(v)) for v in got}) == 1 < len({repr(_coordinates(v)) for v in want}):
        raise CheckFailed(f"{name} gave the same draw, {show(got[0])}, for each of {samples} generators with "
                          f"different seeds ({context}).\n  hint: use the rng you are given; do not create a "
                          "generator of your own (np.random.default_rng(0)) inside the function.")
    known = list(mistakes)
    level = alpha / max(1, len(want_columns))
    for key, values in got_columns.items():
        reference_values = want_columns[key]
        label = _label(key)
        distinct = {repr(v) for v in reference_values}
        if support is not None:
            low, high = support
            outside = [v for v in values if not (_is_number(v) and low <= v <= high)]
            if outside:
                numbers_outside = [float(v) for v in outside if _is_number(v)]
                span = (f": from {min(numbers_outside):.4g} to {max(numbers_outside):.4g}"
                        if len(numbers_outside) == len(outside) else "")
                raise CheckFailed(f"{name} drew {len(outside)} of {len(values)} values{label} outside "
                                  f"[{low:g}, {high:g}){span} ({context})."
                                  + _hint(got, known, arguments, rng, samples))
        if len(distinct) <= _DISCRETE:
            outside = [v for v in values if repr(v) not in distinct]
        elif is_space(reference) and hasattr(reference, "low"):
            outside = [v for v in values if not (_is_number(v) and reference.low <= v <= reference.high)]
        else:
            outside = []
        if outside:
            raise CheckFailed(f"{name} drew {show(outside[0])}{label}, a value the reference never draws "
                              f"(it draws {_summary(reference_values)}; {context})."
                              + _hint(got, known, arguments, rng, samples))
        p, test = _p_value(values, reference_values)
        if p <= level:
            raise CheckFailed(f"{name}'s draws{label} {claim} ({test} test: p = {p:.2g} over {samples} draws "
                              f"each, {context}).\n"
                              f"  reference: {describe(reference_values)}\n  got:       {describe(values)}"
                              + _hint(got, known, arguments, rng, samples))
    return got


@checker(students=("student_sampler",))
def check_distribution(student_sampler, reference, arguments=(), *, samples=2000, seed=0, alpha=1e-6,
                       mistakes=()):
    """Check a random function statistically: its draws follow the reference's distribution.

    ``student_sampler(*arguments, rng)`` returns one draw (a number, an array or a tuple
    of numbers, or a dict of those, e.g. one configuration of a random search);
    ``reference`` is a function of the same signature (importable) or a space of
    :mod:`mlcourse.search` whose draws are the reference. Both are drawn ``samples``
    times, the student's each time with a fresh ``np.random.default_rng`` built from a
    seed of the checker; each coordinate is tested (Kolmogorov–Smirnov, or chi-square
    for few distinct values) at a total false-alarm rate ``alpha``; a value the
    reference never draws fails at once; two calls with one seed must agree and
    different seeds must not all give one draw (the function must use its ``rng``); an
    array-valued reference fixes the draws' type and shape. Recognised: the
    ``mistakes`` given (wrong samplers of the same signature), when the student's draws
    pass the test against one.
    """
    if not (callable(reference) or is_space(reference)):
        raise TypeError(f"invalid reference = {reference!r}, expected a sampler function or a space")
    arguments = tuple(arguments)
    known = check_mistakes(mistakes, ("student_sampler",))
    seed, rng = make_rng(seed)
    yield from distribution_run(student_sampler, reference, arguments, rng, samples=samples, alpha=alpha,
                                mistakes=known, context=f"seed={seed}")
    return (f"{student_sampler.name} draws like the reference: {samples} draws, every coordinate passes at a "
            f"false-alarm rate of {alpha:g} (seed={seed})")
