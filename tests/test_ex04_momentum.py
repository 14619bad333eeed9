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
from notebook_cells import graded_cells, in_folder, namespace, run_cell

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
