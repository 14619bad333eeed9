"""Exercise 5 (Nesterov): its own test cells pass the solution and name every known mistake.

The test cells run as the notebook has them (from solutions/), in a kernel-like namespace
where the student's functions are the solution's or, one at a time, the wrong
implementations of ``ex05_mistakes`` (and the gradient taken at θ instead of the
look-ahead point, which ``checks.check_training_loop`` knows itself): each must fail
its visible and hidden tests with its hint. End to end: tests/test_grading_exercises.py.
"""

import re

import numpy as np
import pytest

from mlcourse import checks
from notebook_cells import graded_cells, in_folder, namespace, run_cell

ASSIGNMENT = "ex05_nesterov"
with in_folder(ASSIGNMENT):
    import ex05_mistakes as known

# task: (the student's functions a mistake replaces, its test cells, its known mistakes)
TASKS = {
    "lookahead": (("nesterov_lookahead",), ("test_step", "test_step_hidden"), known.LOOKAHEAD),
    "step": (("nesterov_step", "nesterov_init"), ("test_step", "test_step_hidden"), known.STEP),
    "pytorch": (("sgd_step", "sgd_init"), ("test_pytorch", "test_pytorch_hidden"), known.PYTORCH),
}
CASES = [(task, mistake, cell) for task, (_, cells, mistakes) in TASKS.items()
         for mistake in mistakes for cell in cells]


def gradient_at_theta(grad, theta0, optimizer, steps):
    """The classic slip of a look-ahead method: the gradient taken where the parameters are."""
    theta, state = np.asarray(theta0), optimizer.init(theta0)
    trajectory = [theta]
    for _ in range(steps):
        theta, state = optimizer.update(theta, grad(theta), state)
        trajectory.append(theta)
    return np.stack(trajectory)


def test_every_test_cell_belongs_to_a_task():
    covered = {cell for _, cells, _ in TASKS.values() for cell in cells} | {"test_loop", "test_loop_hidden"}
    assert sorted(graded_cells(ASSIGNMENT)) == sorted(covered)


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


@pytest.mark.parametrize("cell", ["test_loop", "test_loop_hidden"])
def test_the_gradient_taken_at_theta_is_named(cell):
    glob = namespace(ASSIGNMENT)
    glob["train"] = gradient_at_theta
    with pytest.raises(checks.CheckFailed, match=re.escape("not at θ")):
        run_cell(ASSIGNMENT, cell, glob)


def test_the_mistakes_have_distinct_hints():
    for _, _, mistakes in TASKS.values():
        hints = [mistake.hint for mistake in mistakes]
        assert len(set(hints)) == len(hints)
