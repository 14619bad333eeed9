"""Exercise 7 (learning-rate schedules): its checkers pass correct code, and every known mistake
fails with its hint.

The test cells of the notebook are the source of truth for which checker, space and
mistakes each task uses: these tests read them from the solution notebook and run them
against correct and wrong implementations (the mistakes of ``ex07_mistakes.py`` and the
checkers' own).
"""

import math
import re
import sys
from pathlib import Path

import nbformat
import pytest

from mlcourse import checks
from mlcourse.checks import plateau as plateau_checks

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "solutions" / "ex07_schedules"
sys.path.insert(0, str(FOLDER))
import ex07_mistakes as mistakes  # noqa: E402

NOTEBOOK = nbformat.read(FOLDER / "ex07_schedules.ipynb", as_version=4)
CELLS = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell.source for cell in NOTEBOOK.cells}


def solution(name):
    """The instructor's functions of one solution cell, defined in a fresh namespace."""
    namespace = {"math": math}
    exec(CELLS[name], namespace)
    return namespace


def run_test_cell(grade_id, **students):
    """Run a test cell of the notebook with the given functions in place of the student's."""
    namespace = {"math": math, "checks": checks}
    exec(CELLS["setup"], namespace)
    namespace.update(students)
    source = CELLS[grade_id].replace("### BEGIN HIDDEN TESTS", "").replace("### END HIDDEN TESTS", "")
    exec(source, namespace)


SOLUTIONS = {**solution("power_solution"), **solution("exponential_solution"), **solution("piecewise_solution"),
             **solution("warmup_solution"), **solution("plateau_solution")}
TASKS = {  # test cell -> the student functions it checks
    "test_power": ["power"], "test_exponential": ["exponential_decay"], "test_piecewise": ["piecewise_constant"],
    "test_warmup": ["warmup_cosine"], "test_plateau": ["plateau_update", "plateau_init"],
}


@pytest.mark.parametrize("cell", [name for task in TASKS for name in (task, task + "_hidden")])
def test_the_solution_passes_every_test_cell(cell, capsys):
    task = cell.removesuffix("_hidden")
    run_test_cell(cell, **{name: SOLUTIONS[name] for name in TASKS[task]})
    assert "✔" in capsys.readouterr().out


MISTAKES = [
    ("test_power", "power", mistake) for mistake in mistakes.POWER
] + [
    ("test_exponential", "exponential_decay", mistake) for mistake in mistakes.EXPONENTIAL
] + [
    ("test_warmup", "warmup_cosine", mistake) for mistake in mistakes.WARMUP
] + [
    ("test_plateau", "plateau_update", mistake) for mistake in plateau_checks.BUILTIN
]


@pytest.mark.parametrize("cell, name, mistake", MISTAKES, ids=[m.wrong.__name__ for _, _, m in MISTAKES])
@pytest.mark.parametrize("hidden", [False, True])
def test_each_mistake_gets_its_hint(cell, name, mistake, hidden):
    students = {name: mistake.wrong}
    if name == "plateau_update":
        students["plateau_init"] = mistake.init
    with pytest.raises(checks.CheckFailed, match=re.escape(mistake.hint)):
        run_test_cell(cell + ("_hidden" if hidden else ""), **students)


def shifted(function, by):
    def wrong(t, *args, **kwargs):
        return function(t + by, *args, **kwargs)
    wrong.__name__ = function.__name__
    return wrong


@pytest.mark.parametrize("cell, name", [(cell, names[0]) for cell, names in TASKS.items() if cell != "test_plateau"])
@pytest.mark.parametrize("by, words", [(1, "rate of step t + 1"), (-1, "rate of step t − 1")])
def test_off_by_one_steps_are_named(cell, name, by, words):
    correct = SOLUTIONS[name]
    if by < 0:  # the rate of step t - 1, and at t = 0 the first rate
        def wrong(t, *args, **kwargs):
            return correct(max(t - 1, 0), *args, **kwargs)
        wrong.__name__ = name
    else:
        wrong = shifted(correct, by)
    with pytest.raises(checks.CheckFailed, match=re.escape(words)):
        run_test_cell(cell, **{name: wrong})


def test_calling_the_reference_is_tampering():
    from mlcourse import schedules

    def borrowed(t, lr, s, c=1.0):
        return schedules.power(lr, s, c)(t)

    with pytest.raises(checks.TamperingError):
        run_test_cell("test_power", power=borrowed)


def test_every_test_cell_calls_a_checker_and_hidden_ones_draw_at_grading_time():
    tests = {gid: source for gid, source in CELLS.items() if gid and gid.startswith("test_")}
    assert len(tests) == 10
    for gid, source in tests.items():
        assert "checks.check_" in source, gid
        assert ("seed=None" in source) == gid.endswith("_hidden"), gid



def test_the_plateau_solution_passes_on_any_seed(capsys):
    """Hidden tests draw a new seed at grading time: a correct scheduler must pass every one.
    Seeds 16 and 36 once drew streams on which torch's eps (a cut below 1e-8 is skipped, a
    rule the student does not write) acted, and failed the solution."""
    namespace = {"math": math, "checks": checks}
    exec(CELLS["setup"], namespace)
    for seed in [16, 36, *range(40)]:
        checks.check_plateau(SOLUTIONS["plateau_update"], SOLUTIONS["plateau_init"], namespace["PLATEAU"],
                             seed=seed)
    assert capsys.readouterr().out.count("✔") == 42
