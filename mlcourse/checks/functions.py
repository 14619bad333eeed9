"""``check_function``: any plain function (a metric, a rate, a schedule written as a
function) against a reference function of the same signature."""

import numpy as np

from mlcourse.search.spaces import is_space

from ._compare import CheckFailed, compare, make_rng, show
from ._draw import check_examples, check_space, draw
from ._driver import checker, run_reference
from ._protocol import ask, blame_callees
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
    function that raises is reported at once. The CheckFailed raised carries the case
    that failed (``failure.case``), for a caller that checks the functions it calls.
    """
    candidates = list(mistakes)
    first_failure = None
    for label, case in runs:
        values = list(case.values())
        expected = _plain(reference(*values))
        context = _context(label, case)
        try:
            got = _plain((yield from ask(student(*values), context)))
        except CheckFailed as failure:
            failure.case = case
            raise
        wrong = {}
        for mistake in candidates:
            value = run_reference(mistake.wrong, *values)
            wrong[mistake] = None if value is None else _plain(value)
        try:
            _compare_output(student.name, got, expected, context, [], rtol, atol, show_tolerance)
        except CheckFailed:
            if first_failure is None:
                first_failure = (got, expected, context, wrong, case)
        candidates = [m for m in candidates if wrong[m] is not None and _same(got, wrong[m], rtol, atol)]
    if first_failure is not None:
        got, expected, context, wrong, case = first_failure
        hints = list(dict.fromkeys(m.hint for m in candidates))  # each once, in order
        known = [(" Or: ".join(hints), wrong[candidates[0]])] if candidates else []
        try:
            _compare_output(student.name, got, expected, context, known, rtol, atol, show_tolerance)
        except CheckFailed as failure:
            failure.case = case
            raise


def callee_cases(outer, callee, callee_reference, callee_calls, case, mistakes, rtol, atol, show_tolerance):
    """Sub-check: the student's ``callee`` on the calls ``outer`` makes (or would make) to
    it for ``case``: ``callee_calls(**case)`` lists them, each a dict of arguments."""
    calls = callee_calls(**case)
    if not isinstance(calls, (list, tuple)) or not all(isinstance(c, dict) for c in calls):
        raise TypeError(f"invalid callee_calls = {callee_calls!r}: it returned {type(calls).__name__}, expected a "
                        "list of dicts of arguments, one per call the function under test makes")
    runs = [(f"as {outer.name} calls it ({index} of {len(calls)})", call) for index, call in enumerate(calls, 1)]
    yield from function_cases(callee, callee_reference, runs, mistakes, rtol, atol, show_tolerance)


def _references(arguments):
    return tuple(arguments[name] for name in ("reference", "callee_reference") if arguments.get(name) is not None)


def _check_callee(callee, callee_reference, callee_calls, callee_mistakes):
    """The callee's arguments, checked together: TypeError naming the one missing or wrong."""
    given = {"callee_reference": callee_reference, "callee_calls": callee_calls}
    if callee is None:
        extra = [(name, value) for name, value in [*given.items(), ("callee_mistakes", callee_mistakes)] if value]
        if extra:
            raise TypeError(f"invalid {extra[0][0]} = {extra[0][1]!r} without callee: give callee=<the student's "
                            "function that the function under test calls>, or leave it out")
        return []
    for name, value in given.items():
        if not callable(value):
            raise TypeError(f"invalid {name} = {value!r}: with callee, give {name}="
                            + ("<the callee's reference function>" if name == "callee_reference" else
                               "<a function of the checked function's arguments returning the callee's calls, "
                               "a list of dicts of arguments>"))
    return check_mistakes(callee_mistakes, ("callee",), "callee_mistakes")


@checker(students=("student_function", "callee"), under_test=_references)
def check_function(student_function, reference, arguments, *, callee=None, callee_reference=None,
                   callee_calls=None, callee_mistakes=(), seed=0, cases=10, examples=(), mistakes=(),
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
    is that of a mistake agreeing with all the student's answers. ``callee``: another
    of the student's functions that this one calls (``best_beta`` calls
    ``momentum_spectral_radius``), with its reference ``callee_reference``, its
    ``callee_mistakes``, and ``callee_calls``, a function of the checked function's
    arguments that lists the calls it makes (or should make) to the callee, each a dict
    of arguments (importable, like ``generate``); when the function under test fails on
    a case, the callee is first checked on those calls (within ``rtol``/``atol``) and
    blamed, with its own hint, if it is wrong there. Under test: ``reference`` and
    ``callee_reference``.
    """
    if not callable(reference):
        raise TypeError(f"invalid reference = {reference!r}, expected the reference function")
    if not callable(arguments):
        check_space(arguments, "arguments")
    known = check_mistakes(mistakes, ("student_function",))
    callee_known = _check_callee(callee, callee_reference, callee_calls, callee_mistakes)
    worked = check_examples(examples, (), any_other=True)
    seed, rng = make_rng(seed)
    runs = [("worked example", case) for case in worked]
    runs += [(f"case {index} of {cases} (seed={seed})", case)
             for index, case in enumerate(_cases(arguments, rng, cases), start=1)]
    for _, case in runs:
        if any(is_space(value) for value in case.values()):
            raise TypeError(f"invalid example {case!r}: a worked example holds values, not spaces")
    try:
        yield from function_cases(student_function, reference, runs, known, rtol, atol, show_tolerance)
    except CheckFailed as failure:
        case = getattr(failure, "case", None)
        if callee is not None and case is not None:
            yield from blame_callees(student_function, failure, [(callee, callee_cases(
                student_function, callee, callee_reference, callee_calls, case, callee_known, rtol, atol,
                show_tolerance))])
        raise
    name = getattr(reference, "__qualname__", "the reference")
    module = getattr(reference, "__module__", "")
    return f"{student_function.name} matches {module}.{name} on {len(runs)} cases (seed={seed})"
