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


def _one_line(value):
    if isinstance(value, np.ndarray) and value.ndim:
        text = np.array2string(value, threshold=8, edgeitems=3, separator=", ", max_line_width=10**6)
        return f"{text.replace(chr(10), '')} (length {value.shape[-1]})"
    return show(value)


def _context(label, case):
    return f"{label}: " + ", ".join(f"{name} = {_one_line(value)}" for name, value in case.items())


def _plain(value):
    """Outputs as ``compare`` judges them: NumPy scalars and 0-d arrays as floats,
    lists as arrays, integer and boolean arrays as float arrays, tuples entry by entry."""
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, list):
        value = np.asarray(value)
    if isinstance(value, (np.generic, np.ndarray)) and np.ndim(value) == 0 and np.asarray(value).dtype.kind in "biuf":
        return float(value)
    if isinstance(value, (int, bool)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "iub":
        return value.astype(float)
    return value


def _same(got, wrong, rtol, atol):
    """Whether ``got`` equals a mistake's value, as ``compare`` would judge it."""
    if isinstance(wrong, tuple):
        return isinstance(got, tuple) and len(got) == len(wrong) and all(
            _same(g, w, rtol, atol) for g, w in zip(got, wrong))
    try:
        got, wrong = np.asarray(got, dtype=float), np.asarray(wrong, dtype=float)
    except (TypeError, ValueError):
        return False
    with np.errstate(all="ignore"):
        return got.shape == wrong.shape and bool(np.allclose(got, wrong, rtol=rtol, atol=atol, equal_nan=True))


def _compare_output(name, got, expected, context, wrong, rtol, atol, show_tolerance):
    """Compare one output, or each entry of a tuple of outputs."""
    if isinstance(expected, tuple):
        if not (isinstance(got, tuple) and len(got) == len(expected)):
            raise CheckFailed(f"{name} should return a tuple of {len(expected)} values, but returned "
                              f"{type(got).__name__} {show(got)[:80]}.\n  {context}")
        for index, (part, want) in enumerate(zip(got, expected)):
            parts = [(hint, w[index]) for hint, w in wrong if isinstance(w, tuple) and len(w) > index]
            _compare_output(f"{name}(...)[{index}]", part, want, context, parts, rtol, atol, show_tolerance)
        return
    compare(name, got, expected, context, wrong, rtol=rtol, atol=atol, show_tolerance=show_tolerance)


def function_cases(student, reference, runs, mistakes, rtol=1e-6, atol=1e-10, show_tolerance=False):
    """Sub-check: ``student`` against ``reference`` on ``runs``, a list of ``(label, case)``
    with ``case`` a dict of arguments (passed by position).

    Every case runs (one call each, in order), even after a wrong answer; the failure
    reported is the first, with the hints of the mistakes that agree with *every* answer
    the student gave, so that two mistakes that coincide on one case are told apart. A
    function that raises is reported at once.
    """
    candidates = list(mistakes)
    first_failure = None
    for label, case in runs:
        values = list(case.values())
        expected = _plain(reference(*values))
        context = _context(label, case)
        got = _plain((yield from ask(student(*values), context)))
        wrong = {}
        for mistake in candidates:
            value = run_reference(mistake.wrong, *values)
            wrong[mistake] = None if value is None else _plain(value)
        try:
            _compare_output(student.name, got, expected, context, [], rtol, atol, show_tolerance)
        except CheckFailed:
            if first_failure is None:
                first_failure = (got, expected, context, wrong)
        candidates = [m for m in candidates if wrong[m] is not None and _same(got, wrong[m], rtol, atol)]
    if first_failure is not None:
        got, expected, context, wrong = first_failure
        hints = list(dict.fromkeys(m.hint for m in candidates))  # each once, in order
        known = [(" Or: ".join(hints), wrong[candidates[0]])] if candidates else []
        _compare_output(student.name, got, expected, context, known, rtol, atol, show_tolerance)


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
    given (wrong functions of the same signature); every case runs, and the hint shown
    is that of a mistake agreeing with all the student's answers. Under test:
    ``reference``.
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
    for _, case in runs:
        if any(is_space(value) for value in case.values()):
            raise TypeError(f"invalid example {case!r}: a worked example holds values, not spaces")
    yield from function_cases(student_function, reference, runs, known, rtol, atol, show_tolerance)
    name = getattr(reference, "__qualname__", "the reference")
    module = getattr(reference, "__module__", "")
    return f"{student_function.name} matches {module}.{name} on {len(runs)} cases (seed={seed})"
