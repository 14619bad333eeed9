"""``check_plateau``: a reduce-on-plateau scheduler, evaluation by evaluation, against
:func:`mlcourse.schedules.reduce_on_plateau`.

The student writes the two halves of a stateful schedule: ``init(lr) -> state`` and
``update(metric, state, **hyperparameters) -> (lr, new_state)`` (the metric first and the
state last, as in ``reduce_on_plateau(...).update``). Their state is theirs: it stays in
the kernel, and only the rates they return are compared, after every evaluation.
"""

import numpy as np

from mlcourse import schedules

from ._compare import CheckFailed, compare, make_rng
from ._draw import check_examples, check_space, draw, shown
from ._driver import checker, run_reference
from ._protocol import Kept, ask
from .mistakes import Mistake, check_mistakes

# The rules the student implements (mode "min", relative threshold, no cooldown); the
# reference's other arguments keep torch's defaults. Its eps (a cut that would change the
# rate by no more than 1e-8 is skipped) is not among those rules: _cases keeps only metric
# streams on which it never acts, checked by replaying them with eps = 0.


# --- the known mistakes, as a student would write them (state: lr, best, bad in a row) -----

def _init(lr):
    return (lr, float("inf"), 0)


def _is_improvement(metric, best, threshold):
    return metric < best * (1 - threshold)


def cut_at_patience(metric, state, factor=0.1, patience=10, threshold=1e-4):
    lr, best, bad = state
    best, bad = (metric, 0) if _is_improvement(metric, best, threshold) else (best, bad + 1)
    if bad >= patience:
        lr, bad = lr * factor, 0
    return lr, (lr, best, bad)


def compares_with_previous(metric, state, factor=0.1, patience=10, threshold=1e-4):
    lr, previous, bad = state
    bad = 0 if _is_improvement(metric, previous, threshold) else bad + 1
    if bad > patience:
        lr, bad = lr * factor, 0
    return lr, (lr, metric, bad)


def count_not_reset(metric, state, factor=0.1, patience=10, threshold=1e-4):
    lr, best, bad = state
    best, bad = (metric, 0) if _is_improvement(metric, best, threshold) else (best, bad + 1)
    if bad > patience:
        lr = lr * factor
    return lr, (lr, best, bad)


def absolute_threshold(metric, state, factor=0.1, patience=10, threshold=1e-4):
    lr, best, bad = state
    best, bad = (metric, 0) if metric < best - threshold else (best, bad + 1)
    if bad > patience:
        lr, bad = lr * factor, 0
    return lr, (lr, best, bad)


PATIENCE_OFF_BY_ONE = Mistake(
    "patience counted wrong: patience is the number of bad evaluations that are tolerated, so the rate is cut "
    "when the count *exceeds* patience (at the (patience + 1)-th bad evaluation in a row), not when it reaches "
    "it.", cut_at_patience, init=_init)
COMPARES_WITH_PREVIOUS = Mistake(
    "an improvement beats the best metric so far, not the previous one: keep the best in the state (a metric "
    "that is lower than the last one but not than the best is still a bad evaluation).",
    compares_with_previous, init=_init)
COUNT_NOT_RESET = Mistake(
    "after a cut the count of bad evaluations starts again from 0 (otherwise every later bad evaluation cuts "
    "the rate again).", count_not_reset, init=_init)
ABSOLUTE_THRESHOLD = Mistake(
    "the threshold is relative: an improvement needs metric < best · (1 − threshold), not best − threshold.",
    absolute_threshold, init=_init)

BUILTIN = (PATIENCE_OFF_BY_ONE, COMPARES_WITH_PREVIOUS, COUNT_NOT_RESET, ABSOLUTE_THRESHOLD)


def _stream(rng, count, scale=1.0):
    """A noisy loss curve that falls, stalls, falls again (a random walk with drift), from
    about 2 down to no less than 0.5, times ``scale`` (so that a relative threshold and an
    absolute one of the same size disagree)."""
    drift = np.where(np.arange(count) % 16 < 8, -0.06, 0.0)
    curve = 2.0 + np.cumsum(drift + rng.normal(0, 0.03, count))
    curve -= min(0.0, curve.min() - 0.5)  # a loss stays positive: the relative threshold assumes it
    return [float(scale * x) for x in curve]


def _reference_rates(lr, hyperparameters, metrics):
    plateau = schedules.reduce_on_plateau(lr, **hyperparameters)
    state, rates = plateau.init(), []
    for metric in metrics:
        rate, state = plateau.update(metric, state)
        rates.append(rate)
    return rates


def _cases(rng, hyperparameters, count, evaluations):
    """(lr, hyperparameters, metrics) with at least one cut and no cut skipped by eps."""
    cases = []
    for case in range(count):
        for _ in range(100):
            hp = draw(hyperparameters, rng, first=case == 0)
            lr = 0.1 if case == 0 else float(rng.choice([1.0, 0.1, 0.01]))
            metrics = _stream(rng, evaluations, scale=float(np.exp(rng.uniform(1, 3))))
            rates = _reference_rates(lr, hp, metrics)
            if min(rates) < lr and rates == _reference_rates(lr, {**hp, "eps": 0.0}, metrics):
                break
        cases.append((lr, hp, metrics))
    return cases


def _agrees(value, got):
    try:
        return bool(np.isclose(float(value), float(got), rtol=1e-6, atol=0.0))
    except (TypeError, ValueError):
        return False


def _sequence(student_update, student_init, known, lr, hp, metrics, where):
    """Feed one sequence of metrics to the student's scheduler; raise CheckFailed at the end
    of it if a rate was wrong, with the hint of the mistake that agrees with *every* rate
    the student returned (several mistakes can agree up to the first wrong rate; the rest of
    the sequence tells them apart)."""
    running = [[m, run_reference(m.init, lr), True] for m in known]  # mistake, its state, agrees so far
    yield from ask(student_init.keeping("state", lr), f"{student_init.name}({lr!r})")
    failure = None
    for k, (metric, expected) in enumerate(zip(metrics, _reference_rates(lr, hp, metrics))):
        shown_metrics = ", ".join(f"{m:.4g}" for m in metrics[max(0, k - 5):k + 1])
        context = f"evaluation {k} ({where}, lr={lr!r}, {shown(hp)}), metrics so far ...{shown_metrics}"
        got = yield from ask(student_update.keeping("state", metric, Kept("state"), pair=True, **hp), context)
        for entry in running:
            result = None if entry[1] is None else run_reference(entry[0].wrong, metric, entry[1], **hp)
            if isinstance(result, tuple) and len(result) == 2:
                entry[1] = result[1]
                entry[2] = entry[2] and _agrees(result[0], got)
            else:  # the mistake does not apply here
                entry[1], entry[2] = None, False
        if failure is None:
            try:
                compare(student_update.name, got, expected, context)
            except CheckFailed as error:
                failure = error  # keep going: the later rates say which mistake it was
    if failure is not None:
        hints = [entry[0].hint for entry in running if entry[2]]
        if len(hints) > 1:  # this sequence cannot tell them apart: say so, and give each
            raise CheckFailed(str(failure) + "\n  hint: your rates match more than one known mistake here."
                              + "".join(f"\n  either: {hint}" for hint in hints))
        raise CheckFailed(str(failure) + (f"\n  hint: {hints[0]}" if hints else ""))


@checker(students=("student_update", "student_init"), under_test=(schedules,))
def check_plateau(student_update, student_init, hyperparameters, *, seed=0, cases=3, evaluations=40,
                  examples=(), mistakes=()):
    """Check a reduce-on-plateau scheduler against :func:`mlcourse.schedules.reduce_on_plateau`.

    ``student_init(lr) -> state`` and ``student_update(metric, state, **hp) -> (lr, state)``;
    ``hyperparameters`` maps the names of ``reduce_on_plateau``'s arguments the student's
    update takes (``factor``, ``patience``, ``threshold``, ...) to spaces or constants. Each
    case feeds ``evaluations`` metrics of a noisy falling-and-stalling loss curve, chosen so
    that the reference cuts the rate at least once, and compares the rate after every
    evaluation. A worked example is ``{"lr": 1.0, "metrics": [...], **hp}``. Recognised:
    patience counted wrong (a cut when the count reaches ``patience``), comparing with the
    previous metric instead of the best, a count not reset after a cut, an absolute
    threshold, plus ``mistakes`` (wrong ``update`` functions with ``init=``).
    """
    check_space(hyperparameters)
    known = list(BUILTIN) + check_mistakes(mistakes, ("student_update",))
    worked = check_examples(examples, ("lr", "metrics"), any_other=True)
    seed, rng = make_rng(seed)
    runs = [(float(e["lr"]), {k: v for k, v in e.items() if k not in ("lr", "metrics")},
             [float(m) for m in e["metrics"]], "worked example, ") for e in worked]
    runs += [(lr, hp, metrics, "") for lr, hp, metrics in _cases(rng, hyperparameters, cases, evaluations)]
    for lr, hp, metrics, label in runs:
        yield from _sequence(student_update, student_init, known, lr, hp, metrics, f"{label}seed={seed}")
    return (f"{student_update.name} matches mlcourse.schedules.reduce_on_plateau on {len(runs)} sequences of "
            f"metrics (seed={seed})")
