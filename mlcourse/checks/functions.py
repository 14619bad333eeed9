"""``check_function``: any plain function (a metric, a rate, a schedule written as a
function) against a reference function of the same signature."""

import numpy as np

from mlcourse.search.spaces import is_space

from ._compare import CheckFailed, compare, make_rng, show
from ._draw import check_examples, check_space, draw
from ._driver import checker, run_reference
from ._protocol import ask
from .mistakes import check_mistakes


def _cases(arguments, rng, cases):
    """The drawn cases: from spaces (the first at each space's middle) or a generator."""
    if callable(arguments):
        return [dict(arguments(rng)) for _ in range(cases)]
    return [draw(arguments, rng, first=index == 0) for index in range(cases)]


def _context(label, case):
    return f"{label}: " + ", ".join(f"{name} = {show(value)}" for name, value in case.items())


def _compare_output(name, got, expected, context, wrong, rtol, atol, show_tolerance):
    """Compare one output, or each entry of a tuple of outputs."""
    if isinstance(expected, tuple):
        if not (isinstance(got, tuple) and len(got) == len(expected)):
            raise CheckFailed(f"{name} should return a tuple of {len(expected)} values, but returned "
                              f"{type(got).__name__} {show(got)[:80]}.\n  {context}")
        for index, (part, want) in enumerate(zip(got, expected)):
            parts = [(hint, lambda w=w, i=index: _entry(w, i)) for hint, w in wrong]
            _compare_output(f"{name}(...)[{index}]", part, want, context, parts, rtol, atol, show_tolerance)
        return
    if isinstance(expected, (int, np.integer)) and not isinstance(expected, bool):
        expected = float(expected)
    compare(name, got, expected, context, wrong, rtol=rtol, atol=atol, show_tolerance=show_tolerance)


def _entry(wrong, index):
    value = wrong() if callable(wrong) else wrong
    return value[index] if isinstance(value, tuple) and len(value) > index else None


def _references(arguments):
    return (arguments["reference"],)


@checker(students=("student_function",), under_test=_references)
def check_function(student_function, reference, arguments, *, seed=0, cases=10, examples=(), mistakes=(),
                   rtol=1e-6, atol=1e-10, show_tolerance=False):
    """Check a plain function against ``reference``, a function of the same signature.

    ``arguments`` describes one call: a dict mapping each argument's name, in the
    order of the signature, to a space of :mod:`mlcourse.search` or a constant
    (``{"lr": loguniform(1e-3, 1), "curvature": loguniform(0.1, 100)}``), or a function
    ``generate(rng) -> dict`` defined in an importable module, for arrays and other
    structured inputs. Each of ``cases`` cases draws the arguments (the first at each
    space's middle) and calls both functions with them, by position. Outputs are
    numbers, arrays or tuples of those, compared within ``rtol``/``atol``
    (``show_tolerance=True`` says the tolerance in the message, when it is part of the
    task). A worked example is a dict of the arguments. Recognised: the ``mistakes``
    given (wrong functions of the same signature). Under test: ``reference``.
    """
    if not callable(reference):
        raise TypeError(f"invalid reference = {reference!r}, expected the reference function")
    if not callable(arguments):
        check_space(arguments, "arguments")
    known = check_mistakes(mistakes, ("student_function",))
    worked = check_examples(examples, (), any_other=True)
    seed, rng = make_rng(seed)
    runs = [("worked example", case) for case in worked]
    runs += [(f"case {index} of {cases} (seed={seed})", case)
             for index, case in enumerate(_cases(arguments, rng, cases), start=1)]
    for label, case in runs:
        if any(is_space(value) for value in case.values()):
            raise TypeError(f"invalid example {case!r}: a worked example holds values, not spaces")
        values = list(case.values())
        expected = reference(*values)
        context = _context(label, case)
        got = yield from ask(student_function(*values), context)
        wrong = [(m.hint, lambda m=m: run_reference(m.wrong, *values)) for m in known]
        _compare_output(student_function.name, got, expected, context, wrong, rtol, atol, show_tolerance)
    name = getattr(reference, "__qualname__", "the reference")
    module = getattr(reference, "__module__", "")
    return f"{student_function.name} matches {module}.{name} on {len(runs)} cases (seed={seed})"
