"""Exercise 7 through `mlcourse grade`, end to end, with real nbgrader and real kernels.

The instructor's solution scores full marks, the untouched release scores 0, and each
named mistake, submitted as the student's code, loses its task's points (visible and
hidden test) and shows its hint in the feedback. Mistakes in independent tasks share a
student, to keep the batch small.
"""

import os
import re
import sys

import nbformat
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "grading_fixtures"))
import submissions as fixtures  # noqa: E402
from test_grading_batch import add_reference_notebooks, feedback_text, grade  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSIGNMENT = "ex07_schedules"
SOURCE = os.path.join(ROOT, "solutions", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
RELEASE = os.path.join(ROOT, "exercises", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")

sys.path.insert(0, os.path.join(ROOT, "solutions", ASSIGNMENT))
import ex07_mistakes  # noqa: E402

from mlcourse.checks import plateau as plateau_checks  # noqa: E402


def solution_cells():
    """The instructor's solution cells, markers removed: what a correct student submits."""
    cells = {}
    for cell in nbformat.read(SOURCE, as_version=4).cells:
        nbgrader = cell.metadata.get("nbgrader", {})
        if nbgrader.get("solution") and cell.cell_type == "code":
            cells[nbgrader["grade_id"]] = re.sub(r"\s*### (BEGIN|END) SOLUTION", "", cell.source)
    return cells


CORRECT = solution_cells()

POWER_OUTSIDE = "def power(t, lr, s, c=1.0):\n    return lr / (1 + t / s) * c\n"
POWER_WITHOUT_ONE = "def power(t, lr, s, c=1.0):\n    return lr / (t / s) ** c if t else lr\n"
POWER_AHEAD = "def power(t, lr, s, c=1.0):\n    return lr / (1 + (t + 1) / s) ** c\n"
EXPONENTIAL_BASE_E = "def exponential_decay(t, lr, s, decay_rate=0.1):\n    return lr * math.exp(-t / s)\n"
EXPONENTIAL_PER_STEP = "def exponential_decay(t, lr, s, decay_rate=0.1):\n    return lr * decay_rate ** t\n"
EXPONENTIAL_TENTH = "def exponential_decay(t, lr, s, decay_rate=0.1):\n    return lr * 0.1 ** (t / s)\n"
PIECEWISE_LATE = ("def piecewise_constant(t, boundaries, values):\n"
                  "    return values[sum(1 for b in boundaries if b < t)]\n")
COSINE = ("    progress = (t - warmup_steps) / (total_steps - warmup_steps)\n"
          "    return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * progress)) / 2\n")
WARMUP_HEAD = "def warmup_cosine(t, lr, warmup_steps, total_steps, start_factor=0.01, eta_min=0.0):\n"
WARMUP_FROM_PEAK = WARMUP_HEAD + "    if t < warmup_steps:\n        return lr\n" + COSINE
WARMUP_FROM_ZERO = WARMUP_HEAD + "    if t < warmup_steps:\n        return lr * t / warmup_steps\n" + COSINE
COSINE_FROM_ZERO = (WARMUP_HEAD + "    if t < warmup_steps:\n"
                    "        return lr * (start_factor + (1 - start_factor) * t / warmup_steps)\n"
                    "    return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * t / total_steps)) / 2\n")
PLATEAU = CORRECT["plateau_solution"]
PLATEAU_AT_PATIENCE = PLATEAU.replace("if num_bad > patience:", "if num_bad >= patience:")
PLATEAU_PREVIOUS = PLATEAU.replace("best, num_bad = metric, 0\n    else:\n        num_bad += 1",
                                   "num_bad = 0\n    else:\n        num_bad += 1\n    best = metric")
PLATEAU_NO_RESET = PLATEAU.replace("lr, num_bad = lr * factor, 0", "lr = lr * factor")
PLATEAU_ABSOLUTE = PLATEAU.replace("metric < best * (1 - threshold)", "metric < best - threshold")

# student -> ({solution cell: code}, [tasks that must score 0], [hints in the feedback])
STUDENTS = {
    "mistakes_a": ({"power_solution": POWER_OUTSIDE, "exponential_solution": EXPONENTIAL_BASE_E,
                    "piecewise_solution": PIECEWISE_LATE, "warmup_solution": WARMUP_FROM_PEAK,
                    "plateau_solution": PLATEAU_AT_PATIENCE},
                   ["power", "exponential", "piecewise", "warmup", "plateau"],
                   [ex07_mistakes.POWER[1].hint, ex07_mistakes.EXPONENTIAL_BASE_E.hint,
                    "off by one: that is the rate of step t − 1", ex07_mistakes.WARMUP[0].hint,
                    plateau_checks.PATIENCE_OFF_BY_ONE.hint]),
    "mistakes_b": ({"power_solution": POWER_WITHOUT_ONE, "exponential_solution": EXPONENTIAL_PER_STEP,
                    "warmup_solution": WARMUP_FROM_ZERO, "plateau_solution": PLATEAU_PREVIOUS},
                   ["power", "exponential", "warmup", "plateau"],
                   [ex07_mistakes.POWER[0].hint, ex07_mistakes.EXPONENTIAL_PER_STEP.hint,
                    ex07_mistakes.WARMUP[1].hint, plateau_checks.COMPARES_WITH_PREVIOUS.hint]),
    "mistakes_c": ({"power_solution": POWER_AHEAD, "exponential_solution": EXPONENTIAL_TENTH,
                    "warmup_solution": COSINE_FROM_ZERO, "plateau_solution": PLATEAU_NO_RESET},
                   ["power", "exponential", "warmup", "plateau"],
                   ["off by one: that is the rate of step t + 1", ex07_mistakes.EXPONENTIAL_FIXED_TENTH.hint,
                    ex07_mistakes.WARMUP[2].hint, plateau_checks.COUNT_NOT_RESET.hint]),
    "mistakes_d": ({"plateau_solution": PLATEAU_ABSOLUTE}, ["plateau"], [plateau_checks.ABSOLUTE_THRESHOLD.hint]),
}
TASKS = ["power", "exponential", "piecewise", "warmup", "plateau"]


def test_the_fixtures_differ_from_the_solution():
    """Each replacement above really changed the solution's code (a stale string would not)."""
    for student, (cells, _, _) in STUDENTS.items():
        for name, code in cells.items():
            assert code != CORRECT[name], (student, name)


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ex07_submissions")
    fixtures.build(RELEASE, folder, {student: ({**CORRECT, **cells},) for student, (cells, _, _) in STUDENTS.items()})
    add_reference_notebooks(folder, ASSIGNMENT)
    out = tmp_path_factory.mktemp("ex07_grades")
    return grade(ASSIGNMENT, folder, out, jobs=2, timeout=60, notebook_timeout=240, memory=None), out


def test_the_solution_scores_full_marks(graded):
    rows, _ = graded
    row = rows["instructor"]
    assert (row["status"], float(row["score"]), float(row["max_score"])) == ("ok", 10.0, 10.0)


def test_the_untouched_release_scores_zero(graded):
    rows, _ = graded
    assert (rows["untouched"]["status"], float(rows["untouched"]["score"])) == ("ok", 0.0)


@pytest.mark.parametrize("student", list(STUDENTS))
def test_each_mistake_loses_its_points_and_shows_its_hint(graded, student):
    rows, out = graded
    row = rows[student]
    _, wrong_tasks, hints = STUDENTS[student]
    assert row["status"] == "ok"
    for task in TASKS:
        for cell in (f"test_{task}", f"test_{task}_hidden"):
            if task in wrong_tasks:
                assert float(row[cell]) == 0, (student, cell)
            else:
                assert float(row[cell]) > 0, (student, cell)
    text = feedback_text(out, student)
    for hint in hints:
        assert hint in text, (student, hint)
