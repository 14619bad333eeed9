"""Exercises 4 and 5 through `mlcourse grade`, end to end, with real nbgrader and kernels.

One batch per exercise: the instructor's solution (full marks), the untouched release
(0), a correct student, and one student per known mistake, whose solution cell holds
the mistake's code as a student would type it (from the exercise's mistakes module). A
mistake must lose the points of its task's test cells and find its hint in the feedback.
"""

import csv
import html
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from notebook_cells import ROOT, cells, in_folder, student_source

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "grading_fixtures"))
import submissions as fixtures  # noqa: E402

MLCOURSE = os.path.join(os.path.dirname(sys.executable), "mlcourse")

with in_folder("ex04_momentum"):
    import ex04_mistakes
with in_folder("ex05_nesterov"):
    import ex05_mistakes


def gradient_at_theta(grad, theta0, optimizer, steps):
    theta, state = np.asarray(theta0), optimizer.init(theta0)
    trajectory = [theta]
    for _ in range(steps):
        theta, state = optimizer.update(theta, grad(theta), state)
        trajectory.append(theta)
    return np.stack(trajectory)


def solution_code(assignment, grade_id):
    """A solution cell as a student who solved it would submit it (no nbgrader markers)."""
    return "\n".join(line for line in cells(assignment)[grade_id].splitlines() if "### " not in line)


def wrong(assignment, grade_id, replaced, base=None):
    """The solution cell ``grade_id`` (or ``base``) with some of its functions replaced.

    ``replaced`` maps a function name of the cell to a wrong implementation; the cell's
    other functions stay as they were (a wrong ``init`` replaces the correct one too).
    """
    source = base if base is not None else solution_code(assignment, grade_id)
    blocks = re.split(r"\n(?=def )", source)
    kept = [block for block in blocks if not any(block.startswith(f"def {name}(") for name in replaced)]
    return "\n\n\n".join(kept + [student_source(function, name) for name, function in replaced.items()])


def students(assignment, tasks):
    """{student: (replaced cells, zero cells, hints)}: a correct student, and students who
    between them make every known mistake.

    A task is (solution cell, function names, its test cells, mistakes, test cells of the
    tasks that call its functions). To keep the batch small, a student makes one mistake
    in each of several tasks at once (the tasks are independent, so each mistake costs
    only its own task's points and shows its own hint), except that a student with a wrong
    function makes no mistake in a task that calls it (that task fails anyway).
    """
    correct = {grade_id: solution_code(assignment, grade_id) for grade_id in cells(assignment)
               if grade_id.endswith("_solution")}
    table = {"correct": (correct, [], [])}

    def scored(task):
        """The test cells a mistake in this task costs (so two tasks that share one clash)."""
        return list(task[2]) + [c for group in task[4:] for c in group]

    plans = []  # per student: {task index: mistake}
    for index, (_, _, _, mistakes, *dependents) in enumerate(tasks):
        for mistake in mistakes:
            for plan in plans:
                clashes = index in plan or any(set(scored(tasks[other])) & set(scored(tasks[index]))
                                               for other in plan)
                if not clashes:
                    plan[index] = mistake
                    break
            else:
                plans.append({index: mistake})
    for number, plan in enumerate(plans, start=1):
        replaced_cells, zero, hints = dict(correct), [], []
        for index, mistake in plan.items():
            cell, names, tests, _, *dependents = tasks[index]
            replaced = {names[0]: mistake.wrong}
            if getattr(mistake, "init", None) is not None:
                replaced[names[1]] = mistake.init
            base = replaced_cells[cell] if cell in replaced_cells and replaced_cells[cell] != correct[cell] else None
            replaced_cells[cell] = wrong(assignment, cell, replaced, base)
            zero += scored(tasks[index])
            hints.append(mistake.hint)
        table[f"mistakes_{number}"] = (replaced_cells, zero, hints)
    return table


class _Loop:
    """The gradient-at-θ slip of ex05's loop, shaped like a Mistake."""
    wrong, init = gradient_at_theta, None
    hint = "not at θ"


EX04 = students("ex04_momentum", [
    ("momentum_solution", ("momentum_step", "momentum_init"), ("test_momentum", "test_momentum_hidden"),
     ex04_mistakes.TEXTBOOK),
    ("sgd_momentum_solution", ("sgd_momentum_step", "sgd_momentum_init"),
     ("test_sgd_momentum", "test_sgd_momentum_hidden"), ex04_mistakes.PYTORCH),
    ("radius_solution", ("momentum_spectral_radius",), ("test_radius", "test_radius_hidden"),
     ex04_mistakes.SPECTRAL_RADIUS, ("test_search", "test_search_hidden")),  # best_beta calls it
    ("search_solution", ("best_beta",), ("test_search", "test_search_hidden"), ex04_mistakes.SEARCH),
])
EX05 = students("ex05_nesterov", [
    ("step_solution", ("nesterov_lookahead",), ("test_step", "test_step_hidden"), ex05_mistakes.LOOKAHEAD),
    ("step_solution", ("nesterov_step", "nesterov_init"), ("test_step", "test_step_hidden"), ex05_mistakes.STEP),
    ("loop_solution", ("train",), ("test_loop", "test_loop_hidden"), [_Loop]),
    ("pytorch_solution", ("sgd_step", "sgd_init"), ("test_pytorch", "test_pytorch_hidden"), ex05_mistakes.PYTORCH),
])
FULL = {"ex04_momentum": 14.0, "ex05_nesterov": 10.0}
MISTAKES = {"ex04_momentum": sum(len(m) for m in (ex04_mistakes.TEXTBOOK, ex04_mistakes.PYTORCH,
                                                  ex04_mistakes.SPECTRAL_RADIUS, ex04_mistakes.SEARCH)),
            "ex05_nesterov": sum(len(m) for m in (ex05_mistakes.LOOKAHEAD, ex05_mistakes.STEP,
                                                  ex05_mistakes.PYTORCH)) + 1}


def grade(assignment, table, tmp_path):
    folder, out = tmp_path / "submissions", tmp_path / "grades"
    release = os.path.join(ROOT, "exercises", assignment, f"{assignment}.ipynb")
    fixtures.build(release, folder, {student: (replaced,) for student, (replaced, *_) in table.items()})
    shutil.copy(os.path.join(ROOT, "solutions", assignment, f"{assignment}.ipynb"),
                folder / f"instructor_{assignment}.ipynb")
    shutil.copy(release, folder / f"untouched_{assignment}.ipynb")
    run = subprocess.run([MLCOURSE, "grade", assignment, str(folder), "--jobs", "2", "--out", str(out),
                          "--timeout", "60", "--notebook-timeout", "120", "--quiet"],
                         cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stderr[-3000:]
    with open(out / "grades.csv") as f:
        return {row["student"]: row for row in csv.DictReader(f)}, out


def feedback_text(out, student):
    folder = os.path.join(out, "feedback", student)
    text = "".join(open(os.path.join(folder, name)).read() for name in os.listdir(folder))
    return html.unescape(re.sub(r"<[^>]+>", "", text))


@pytest.mark.parametrize("assignment, table", [("ex04_momentum", EX04), ("ex05_nesterov", EX05)])
def test_solution_release_and_every_mistake(assignment, table, tmp_path):
    rows, out = grade(assignment, table, tmp_path)
    assert (rows["instructor"]["status"], float(rows["instructor"]["score"])) == ("ok", FULL[assignment])
    assert (rows["correct"]["status"], float(rows["correct"]["score"])) == ("ok", FULL[assignment])
    assert float(rows["untouched"]["score"]) == 0.0
    named = 0
    for student, (_, zero, hints) in table.items():
        if student == "correct":
            continue
        assert rows[student]["status"] == "ok", student
        assert all(float(rows[student][cell]) == 0 for cell in zero), (student, {c: rows[student][c] for c in zero})
        assert float(rows[student]["score"]) == FULL[assignment] - sum(
            float(rows["instructor"][cell]) for cell in set(zero)), student
        feedback = feedback_text(out, student)
        for hint in hints:
            assert hint in feedback, (student, hint)
            named += 1
    assert named == MISTAKES[assignment]
