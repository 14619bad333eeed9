"""``check_schedule``: a learning-rate schedule, step by step, against :mod:`mlcourse.schedules`."""

from mlcourse import schedules

from ._compare import compare, make_rng
from ._draw import check_examples, check_space, draw, shown
from ._driver import checker, run_reference
from ._protocol import ask
from .mistakes import Mistake, check_mistakes


def builtin_mistakes(reference):
    """Off by one step, either way (student form: wrong ``schedule(t, **hp)``)."""
    return [Mistake("off by one: that is the rate of step t + 1 (t counts updates already done; "
                    "t = 0 is the first update).", lambda t, **hp: reference(**hp)(t + 1)),
            Mistake("off by one: that is the rate of step t − 1.",
                    lambda t, **hp: reference(**hp)(t - 1) if t > 0 else None)]


@checker(students=("student_schedule",), under_test=(schedules,))
def check_schedule(student_schedule, reference, hyperparameters, *, seed=0, cases=3, steps=200, examples=(),
                   mistakes=()):
    """Check ``student_schedule(t, **hp)`` against ``reference(**hp)(t)``.

    ``reference`` is a factory of :mod:`mlcourse.schedules`; the student's function
    takes the step count ``t = 0, 1, ...`` (updates already done) and the
    hyperparameters, and returns the learning rate. ``hyperparameters`` maps names to
    spaces or constants, as for :func:`check_update_rule`; each case draws them and
    compares ``steps`` steps. A worked example is ``{"t": 3, "lr": 0.1, ...}``.
    Recognised: off by one step either way, plus ``mistakes`` (wrong
    ``schedule(t, **hp)`` functions). Under test: ``mlcourse.schedules``.
    """
    check_space(hyperparameters)
    if not callable(reference) or getattr(schedules, getattr(reference, "__name__", ""), None) is not reference:
        raise TypeError(f"invalid reference = {reference!r}, expected a factory of mlcourse.schedules")
    known = builtin_mistakes(reference) + check_mistakes(mistakes, ("student_schedule",))
    worked = check_examples(examples, ("t",), any_other=True)
    seed, rng = make_rng(seed)
    runs = [({**draw(hyperparameters, rng, first=True), **{k: v for k, v in e.items() if k != "t"}},
             [int(e["t"])], "worked example, ") for e in worked]
    runs += [(draw(hyperparameters, rng, first=case == 0), range(steps), "") for case in range(cases)]
    for hp, ts, label in runs:
        schedule = reference(**hp)
        for t in ts:
            context = f"t={t} ({label}seed={seed}, {shown(hp)})"
            got = yield from ask(student_schedule(t, **hp), context)
            wrong = [(m.hint, lambda m=m, t=t: run_reference(m.wrong, t, **hp)) for m in known]
            compare(student_schedule.name, got, schedule(t), context, wrong)
    return (f"{student_schedule.name} matches mlcourse.schedules.{reference.__name__} on {cases} settings × "
            f"{steps} steps (seed={seed})")
