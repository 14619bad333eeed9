"""Exercise 4 (momentum): its own test cells pass the solution and name every known mistake.

The test cells run as the notebook has them (from solutions/), in a kernel-like namespace
where the student's functions are the solution's or, one at a time, the wrong
implementations of ``ex04_mistakes``: each must fail its visible and hidden tests with its
hint. End to end, `mlcourse grade` gives the solution full marks, the untouched release
0, and takes the task's points from each mistake (tests/test_grading_exercises.py).
"""

import re

import pytest

from mlcourse import checks
from notebook_cells import failure, graded_cells, in_folder, namespace, run_cell, with_student

ASSIGNMENT = "ex04_momentum"
with in_folder(ASSIGNMENT):
    import ex04_mistakes as known
    import ex04_reference as reference

# task: (the student's functions a mistake replaces, its test cells, its known mistakes)
TASKS = {
    "textbook": (("momentum_step", "momentum_init"), ("test_momentum", "test_momentum_hidden"), known.TEXTBOOK),
    "pytorch": (("sgd_momentum_step", "sgd_momentum_init"), ("test_sgd_momentum", "test_sgd_momentum_hidden"),
                known.PYTORCH),
    "radius": (("momentum_spectral_radius",), ("test_radius", "test_radius_hidden"), known.SPECTRAL_RADIUS),
    "search": (("best_beta",), ("test_search", "test_search_hidden"), known.SEARCH),
}
CASES = [(task, mistake, cell) for task, (_, cells, mistakes) in TASKS.items()
         for mistake in mistakes for cell in cells]


def test_every_test_cell_belongs_to_a_task():
    assert sorted(graded_cells(ASSIGNMENT)) == sorted(cell for _, cells, _ in TASKS.values() for cell in cells)


@pytest.mark.parametrize("cell", graded_cells(ASSIGNMENT))
def test_solution_passes(cell, capsys):
    run_cell(ASSIGNMENT, cell, namespace(ASSIGNMENT))
    assert "✔" in capsys.readouterr().out


@pytest.mark.parametrize("task, mistake, cell", CASES,
                         ids=[f"{task}-{m.wrong.__name__}-{cell}" for task, m, cell in CASES])
def test_each_mistake_fails_with_its_hint(task, mistake, cell):
    names, _, _ = TASKS[task]
    glob = namespace(ASSIGNMENT)
    glob[names[0]] = mistake.wrong
    if mistake.init is not None:
        glob[names[1]] = mistake.init
    with pytest.raises(checks.CheckFailed, match=re.escape(mistake.hint)):
        run_cell(ASSIGNMENT, cell, glob)


def test_the_mistakes_are_distinct_from_the_reference_and_each_other():
    """Every hint names one mistake: no two mistakes of a task share a hint."""
    for _, _, mistakes in TASKS.values():
        hints = [mistake.hint for mistake in mistakes]
        assert len(set(hints)) == len(hints)


def test_search_cases_fall_on_both_sides_of_polyaks_learning_rate():
    """A search over one extreme curvature is right on one side of η* only: the cases need both."""
    import numpy as np

    from mlcourse import theory

    rng = np.random.default_rng(0)
    sides = set()
    for _ in range(40):
        case = reference.search_cases(rng)
        sides.add(case["lr"] > theory.momentum_optimal(case["smallest"], case["largest"]).lr)
    assert sides == {True, False}


# --- a failure names the function that caused it: best_beta calls momentum_spectral_radius ------

RADIUS_STUB = ("def momentum_spectral_radius(lr, beta, curvature):\n"
               "    raise NotImplementedError('implement this function')\n")
OWN_RADIUS = '''
def best_beta(lr, smallest, largest, betas):
    """A search that computes the radius itself and never calls momentum_spectral_radius."""
    def radius(curvature, beta):
        a = lr * curvature
        return np.abs(np.linalg.eigvals(np.array([[1 - a, beta], [-a, beta]]))).max()
    rates = [max(radius(smallest, beta), radius(largest, beta)) for beta in betas]
    return float(betas[int(np.argmin(rates))])
'''


def student(radius=None, search=None):
    """The solution's namespace with the student's radius and/or search (source, or a
    wrong implementation of ex04_mistakes)."""
    return with_student(ASSIGNMENT, {"momentum_spectral_radius": radius, "best_beta": search})


def _message(glob, cell="test_search"):
    return failure(ASSIGNMENT, cell, glob)


@pytest.mark.parametrize("cell", ["test_search", "test_search_hidden"])
def test_a_stub_radius_is_named_by_its_own_name_in_the_search_test(cell):
    message = _message(student(radius=RADIUS_STUB), cell)
    assert message.startswith("momentum_spectral_radius is not implemented yet")
    assert "best_beta is not implemented" not in message


@pytest.mark.parametrize("mistake", known.SPECTRAL_RADIUS, ids=lambda m: m.wrong.__name__)
@pytest.mark.parametrize("cell", ["test_search", "test_search_hidden"])
def test_a_wrong_radius_is_blamed_in_the_search_test_with_its_hint(mistake, cell):
    message = _message(student(radius=mistake.wrong), cell)
    assert message.startswith("best_beta fails because of momentum_spectral_radius, which it calls:")
    assert mistake.hint in message and "as best_beta calls it" in message
    assert "Fix momentum_spectral_radius first" in message


@pytest.mark.parametrize("mistake", known.SEARCH, ids=lambda m: m.wrong.__name__)
def test_the_search_s_own_mistakes_keep_their_own_hints(mistake):
    message = _message(student(search=mistake.wrong))
    assert message.startswith("best_beta gives the wrong value") and mistake.hint in message
    assert "fails because of" not in message


def test_a_wrong_radius_the_search_does_not_call_is_not_blamed(capsys):
    run_cell(ASSIGNMENT, "test_search", student(radius=known.SPECTRAL_RADIUS[0].wrong, search=OWN_RADIUS))
    assert "✔ best_beta matches" in capsys.readouterr().out


def test_attribution_works_through_the_graders_oracle():
    """Under `mlcourse grade` the checker runs in the oracle and the radius is a handle on the
    student's function in the kernel: the same messages, recorded as the cell's verdict."""
    from notebook_cells import oracle

    wrong = known.SPECTRAL_RADIUS[0]
    with oracle(ASSIGNMENT) as run:
        verdict, text = run("test_search", student(radius=wrong.wrong))
        assert verdict == "failed" and text.startswith("best_beta fails because of momentum_spectral_radius")
        assert wrong.hint in text
        verdict, text = run("test_search_hidden", student(radius=RADIUS_STUB))
        assert verdict == "failed" and text.startswith("momentum_spectral_radius is not implemented yet")
        assert run("test_radius", student())[0] == "passed"


def test_bad_callee_arguments_are_refused_naming_the_argument():
    glob = namespace(ASSIGNMENT)
    search, radius = glob["best_beta"], glob["momentum_spectral_radius"]
    from mlcourse import theory

    with pytest.raises(TypeError, match="invalid callee_reference = .* without callee"):
        checks.check_function(search, reference.best_beta, reference.search_cases,
                              callee_reference=theory.momentum_rate)
    with pytest.raises(TypeError, match="invalid callee_calls = None: with callee"):
        checks.check_function(search, reference.best_beta, reference.search_cases, callee=radius,
                              callee_reference=theory.momentum_rate)
    with pytest.raises(TypeError, match=r"invalid callee_mistakes\[0\]"):
        checks.check_function(search, reference.best_beta, reference.search_cases, callee=radius,
                              callee_reference=theory.momentum_rate, callee_calls=reference.radius_calls,
                              callee_mistakes=["not a mistake"])
    # callee_calls must list the calls: a function returning something else is refused when it is used
    with pytest.raises(TypeError, match="invalid callee_calls = .*returned float"):
        checks.check_function(student(search=known.SEARCH[0].wrong)["best_beta"], reference.best_beta,
                              reference.search_cases, callee=radius, callee_reference=theory.momentum_rate,
                              callee_calls=reference.best_beta)
