"""The instructors' recipe for a new exercise, followed end to end in a copy of the course.

guide/instructors.md, "Adding an exercise": `mlcourse new-assignment`, write the
exercise (with a mistake of its own taught to the checker, mlcourse.checks.Mistake),
`mlcourse release` (which lists it in _toc.yml), `mlcourse check-answer-keys`, then a
correct, a wrong-sign and a custom-hint submission graded by `mlcourse grade`. The copy is the repository
without its generated folders; the kernels import this checkout's mlcourse.
"""

import contextlib
import csv
import html
import io
import os
import re
import shutil

import nbformat
import pytest
import yaml

from mlcourse.authoring import notebook as cells
from mlcourse.authoring.release import add_to_toc, toc_line
from mlcourse.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "ex99_step"
IGNORE = shutil.ignore_patterns(".git", ".venv", "_build", "grades", "test-artifacts", "*.egg-info",
                                "__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".jupyter_cache")


class Run:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def mlcourse(course, *args, check=True):
    """``mlcourse ARGS --root COURSE``, in this process (the grading itself runs in workers)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        returncode = main([*args, "--root", str(course)])
    run = Run(returncode, out.getvalue(), err.getvalue())
    if check:
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run


def edit(path, changes, metadata=None):
    """Replace the source of cells by grade_id; add or drop cells (``None`` drops)."""
    nb = nbformat.read(path, as_version=4)
    for grade_id, source in changes.items():
        matches = [c for c in nb.cells if cells.grade_id(c) == grade_id]
        if isinstance(source, nbformat.NotebookNode):
            nb.cells.append(source)
        elif source is None:
            nb.cells.remove(matches[0])
        else:
            matches[0].source = source
    if metadata is not None:
        nb.metadata["mlcourse"] = metadata
    nbformat.write(nb, path)


INTRO = ("# Exercise 99: one gradient-descent step\n\n"
         "You implement $\\theta \\leftarrow \\theta - \\eta\\, g$ (chapter 2), then explain it.")
TASK = "## Task 1: one step (3 points)\n\nReturn `theta - lr * grad` as a new array."
SOLUTION = ('def step(theta, grad, lr):\n    """One gradient-descent step: a new array theta - lr * grad."""\n'
            "    ### BEGIN SOLUTION\n    return theta - lr * grad\n    ### END SOLUTION")
# A mistake the course's checkers do not know, taught to them (mlcourse.checks.Mistake): it
# lives in a module next to the notebook, released with it.
HALF_STEP_HINT = "half a step: the update is θ − η·g, not θ − η·g/2."
MISTAKES = f'''"""Known mistakes of exercise 99, for its test cells."""

from mlcourse.checks import Mistake


def half_step(params, grads, lr):
    return params - 0.5 * lr * grads


HALF_STEP = Mistake("{HALF_STEP_HINT}", half_step)
'''
VISIBLE_TEST = ('"""Check step on a worked example, then against mlcourse.optim.sgd step by step (seed 0)."""\n'
                "from ex99_mistakes import HALF_STEP\n\n"
                "# worked example: step([1, 2], [0.5, -1], lr=0.1) = [0.95, 2.1]\n"
                'checks.check_update_rule(step, optim.sgd, {"lr": loguniform(1e-3, 0.1)}, mistakes=[HALF_STEP],\n'
                '                         examples=[{"params": [1.0, 2.0], "grads": [0.5, -1.0], "lr": 0.1}])')
HIDDEN_TEST = ('"""Check step on learning rates and gradients drawn at grading time (hidden test)."""\n'
               "### BEGIN HIDDEN TESTS\n"
               "from ex99_mistakes import HALF_STEP\n\n"
               'checks.check_update_rule(step, optim.sgd, {"lr": loguniform(1e-4, 0.1)}, mistakes=[HALF_STEP],\n'
               "                         seed=None)\n"
               "### END HIDDEN TESTS\n"
               "pass  # hidden tests run when your notebook is graded")


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    """A copy of the course with ex99_step added by the recipe, released."""
    course = tmp_path_factory.mktemp("course") / "mlcourse"
    shutil.copytree(ROOT, course, ignore=IGNORE)
    source = course / "solutions" / NAME / f"{NAME}.ipynb"

    # 1. scaffold
    out = mlcourse(course, "new-assignment", NAME).stdout
    assert f"created solutions/{NAME}/{NAME}.ipynb" in out and f"mlcourse release {NAME}" in out
    nb = nbformat.read(source, as_version=4)
    assert [(cells.grade_id(c), cells.role(c)) for c in nb.cells] == [
        ("intro", "read_only"), ("setup", "read_only"), ("task_step", "read_only"),
        ("step_solution", "solution"), ("test_step", "test"), ("test_step_hidden", "test")]
    assert cells.autograded_tests(nb) == {"test_step": 1.0, "test_step_hidden": 2.0}
    again = mlcourse(course, "new-assignment", NAME, check=False)
    assert again.returncode == 2 and "already exists" in again.stderr

    # 2. an unwritten scaffold cannot be released
    refused = mlcourse(course, "release", NAME, check=False)
    assert refused.returncode == 2
    assert "still has '(scaffold: replace this)' in intro, task_step, step_solution" in refused.stderr

    # 3. write the exercise: text, the solution, tests that know a mistake of their own,
    #    and a written answer graded by hand
    (source.parent / "ex99_mistakes.py").write_text(MISTAKES)
    edit(source, {"intro": INTRO, "task_step": TASK, "step_solution": SOLUTION, "test_step": VISIBLE_TEST,
                  "test_step_hidden": HIDDEN_TEST,
                  "explain": cells.manual_answer("Why does the step go against the gradient?", "explain", 2)},
         metadata={"wrong_answers": [{
             "name": "half a step", "cell": "step_solution",
             "source": "def step(theta, grad, lr):\n    return theta - 0.5 * lr * grad",
             "fails": ["test_step", "test_step_hidden"], "hint": HALF_STEP_HINT}]})

    # 4. release: the notebook is generated and listed in _toc.yml
    out = mlcourse(course, "release", NAME).stdout
    assert f"exercises/{NAME}/{NAME}.ipynb" in out and f"exercises/{NAME}/ex99_mistakes.py" in out
    assert "_toc.yml: added" in out
    toc = yaml.safe_load((course / "_toc.yml").read_text())
    exercises = next(p for p in toc["parts"] if p["caption"] == "Exercises")["chapters"]
    assert exercises[-1] == {"file": f"exercises/{NAME}/{NAME}.ipynb"}
    assert add_to_toc(course, [str(course / "exercises" / NAME / f"{NAME}.ipynb")]) == []  # listed once
    return course


def test_the_recipe_gives_a_release_that_grades_right_and_wrong_answers(course, tmp_path):
    release = nbformat.read(course / "exercises" / NAME / f"{NAME}.ipynb", as_version=4)
    stub = next(c for c in release.cells if cells.grade_id(c) == "step_solution")
    assert 'raise NotImplementedError("implement this function")' in stub.source
    assert "wrong_answers" not in release.metadata.get("mlcourse", {})  # the author's metadata stays home
    assert "YOUR ANSWER HERE" in next(c for c in release.cells if cells.grade_id(c) == "explain").source

    submissions = tmp_path / "submissions"
    submissions.mkdir()
    for student, body in [("correct", "return theta - lr * grad"), ("wrong_sign", "return theta + lr * grad"),
                          ("half_step", "return theta - 0.5 * lr * grad")]:
        nb = nbformat.read(course / "exercises" / NAME / f"{NAME}.ipynb", as_version=4)
        cell = next(c for c in nb.cells if cells.grade_id(c) == "step_solution")
        cell.source = re.sub(r"# YOUR CODE HERE\n\s*raise NotImplementedError\(.*\)", body, cell.source)
        nbformat.write(nb, submissions / f"{student}_{NAME}.ipynb")
    out = tmp_path / "grades"
    mlcourse(course, "grade", NAME, str(submissions), "--out", str(out), "--jobs", "2", "--quiet",
             "--timeout", "30", "--notebook-timeout", "60")
    with open(out / "grades.csv") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    # max 5: 3 autograded points and the 2 of the hand-graded answer, which nobody has marked yet
    assert {s: (r["status"], r["score"], r["max_score"], r["test_step"], r["test_step_hidden"])
            for s, r in rows.items()} == {"correct": ("ok", "3", "5", "1", "2"),
                                          "wrong_sign": ("ok", "0", "5", "0", "0"),
                                          "half_step": ("ok", "0", "5", "0", "0")}
    for student, hint in [("wrong_sign", "wrong sign: the step must go *against* the gradient."),
                          ("half_step", HALF_STEP_HINT)]:
        feedback = html.unescape((out / "feedback" / student / f"{NAME}.html").read_text())
        assert hint in feedback, student


def test_the_answer_key_check_passes_the_new_exercise(course):
    run = mlcourse(course, "check-answer-keys", NAME, "--jobs", "2", "--no-cache")
    assert re.search(rf"^{NAME}: ok \(solution 3/3, release 0, 2 wrong answers, 2 test cells; [\d.]+ s\)$",
                     run.stdout.strip()), run.stdout


def test_the_answer_key_check_fails_a_broken_key_and_says_where_and_why(course, tmp_path):
    broken = tmp_path / "mlcourse"
    shutil.copytree(course, broken)
    source = broken / "solutions" / NAME / f"{NAME}.ipynb"
    edit(source, {"step_solution": SOLUTION.replace("theta - lr * grad\n", "theta + lr * grad\n"),
                  "test_nothing": cells.autograder_test('"""Check that 1 is 1."""\nassert 1 == 1', "test_nothing",
                                                        points=1)},
         metadata={"wrong_answers": [{"name": "no step", "cell": "step_solution",
                                      "source": "def step(theta, grad, lr):\n    return theta",
                                      "fails": ["test_nothing"], "hint": "a hint nobody wrote"}]})
    mlcourse(broken, "release", NAME)
    run = mlcourse(broken, "check-answer-keys", NAME, "--jobs", "2", check=False)
    assert run.returncode == 1
    problems = run.stdout.splitlines()
    assert problems[0].startswith(f"{NAME}: FAILED (solution 1/4, release 1, 2 wrong answers, 3 test cells; ")
    expected = [
        f"{NAME}, the solution (solutions/): test cell test_step scored 0/1: CheckFailed: step gives the wrong value.",
        f"{NAME}, the solution (solutions/): test cell test_step_hidden scored 0/2: CheckFailed: step gives the "
        "wrong value.",
        f"{NAME}, the untouched release (exercises/): test cell test_nothing earned 1/1 without the student writing "
        "anything: does it call the function it checks?",
        f"{NAME}, the wrong answer 'no step' (metadata): test cell test_nothing passed, but this wrong answer must "
        "fail it",
        f"{NAME}, the wrong answer 'no step' (metadata): the feedback does not show the hint 'a hint nobody wrote'",
        f"{NAME}: test cell test_nothing passed for every wrong answer tried (flip_signs, wrong_0): it cannot catch a "
        "mistake.",
    ]
    for line in expected:
        assert any(p.strip().startswith(line) for p in problems[1:]), (line, run.stdout)
    assert len(problems) == 1 + len(expected), run.stdout
    # the hint for the wrong sign: the checker recognised the solution's own mistake
    assert "hint: wrong sign" in run.stdout


def test_release_lists_a_new_exercise_in_toc_order_or_says_the_line_to_add(tmp_path):
    toc = tmp_path / "_toc.yml"
    original = (open(os.path.join(ROOT, "_toc.yml")).read())
    toc.write_text(original)
    added = add_to_toc(tmp_path, [str(tmp_path / "exercises" / "ex02b_extra" / "ex02b_extra.ipynb"),
                                  str(tmp_path / "exercises" / "ex01_losses" / "ex01_losses.ipynb")])
    assert added == ["      - file: exercises/ex02b_extra/ex02b_extra.ipynb"]
    lines = toc.read_text().splitlines()
    at = lines.index(added[0])
    assert lines[at - 1].endswith("ex02_gradient_descent.ipynb") and lines[at + 1].endswith("ex03_sgd.ipynb")
    assert toc.read_text().replace(added[0] + "\n", "") == original  # nothing else moved

    toc.write_text("format: jb-book\nroot: index\nchapters:\n  - file: chapters/01\n")
    line = toc_line(str(tmp_path / "exercises" / "ex05_x" / "ex05_x.ipynb"), str(tmp_path))
    with pytest.raises(ValueError, match="add these lines to it by hand:\n      - file: exercises/ex05_x/ex05_x.ipynb"):
        add_to_toc(tmp_path, [str(tmp_path / "exercises" / "ex05_x" / "ex05_x.ipynb")])
    assert line == "      - file: exercises/ex05_x/ex05_x.ipynb"


def test_new_assignment_names_must_be_simple():
    for name in ["Ex10", "10_x", "ex10-schedules", "ex10 schedules", ""]:
        run = mlcourse(ROOT, "new-assignment", name, check=False)
        assert run.returncode == 2 and f"invalid NAME = {name!r}" in run.stderr
    assert not os.path.exists(os.path.join(ROOT, "solutions", "Ex10"))
