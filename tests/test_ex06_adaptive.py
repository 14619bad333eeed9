"""Exercise 6 (adaptive methods): the solution passes, and every named mistake gets its hint.

The students' functions below are the solution's with one mistake each, written as a
student would write them. They are run through the notebook's own test cells (in this
process, as JupyterLab runs them) and, end to end, through ``mlcourse grade``: the
solution scores full marks, the untouched release 0, and each mistake loses the points
of its task and gets its hint in the feedback.
"""

import os
import re
import sys

import nbformat
import numpy as np
import pytest

from mlcourse import checks  # noqa: F401  (first: the checkers capture trusted references)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSIGNMENT = "ex06_adaptive"
SOURCE = os.path.join(ROOT, "solutions", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
RELEASE = os.path.join(ROOT, "exercises", ASSIGNMENT, f"{ASSIGNMENT}.ipynb")
sys.path.insert(0, os.path.dirname(SOURCE))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "grading_fixtures"))
import ex06_mistakes  # noqa: E402
import submissions as fixtures  # noqa: E402
from test_grading_batch import add_reference_notebooks, feedback_text, grade  # noqa: E402

TASKS = {  # solution cell: (visible test, hidden test, points of both)
    "adagrad_solution": ("test_adagrad", "test_adagrad_hidden", 2),
    "rmsprop_solution": ("test_rmsprop", "test_rmsprop_hidden", 2),
    "adam_solution": ("test_adam", "test_adam_hidden", 3),
    "adamw_solution": ("test_adamw", "test_adamw_hidden", 3),
}


def cells(path):
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nbformat.read(path, as_version=4).cells
            if "grade_id" in c.metadata.get("nbgrader", {})}


SOLUTION = {grade_id: cells(SOURCE)[grade_id].source for grade_id in TASKS}


def solution_code(cell):
    """A solution cell as the student would hand it in: the markers gone."""
    return "\n".join(line for line in SOLUTION[cell].splitlines() if "### " not in line)


def replaced(cell, *edits):
    """``{cell: code}``: the solution of ``cell`` with each ``old, new`` pair of ``edits`` applied."""
    code = solution_code(cell)
    for old, new in zip(edits[::2], edits[1::2]):
        assert old in code, f"{old!r} is not in the solution of {cell}"
        code = code.replace(old, new)
    return {cell: code}


# --- the named mistakes, as edits of the solution ------------------------------------------
# student -> (replaced solution cells, the hint their tests must show)
MISTAKES = {
    "adagrad_eps_inside_root": (replaced("adagrad_solution", "(np.sqrt(total) + eps)", "np.sqrt(total + eps)"),
                                "ε belongs outside the square root"),
    "adagrad_forgets_the_past": (replaced("adagrad_solution", 'total = state["sum"] + grads * grads',
                                          "total = grads * grads"), "the accumulator must keep the past"),
    "adagrad_state_in_place": (replaced("adagrad_solution",
                                        'total = state["sum"] + grads * grads',
                                        'state["sum"] += grads * grads\n    total = state["sum"]'),
                               "modified its input"),
    "rmsprop_sum": (replaced("rmsprop_solution",
                             'square_avg = alpha * state["square_avg"] + (1 - alpha) * grads * grads',
                             'square_avg = state["square_avg"] + grads * grads'),
                    "that is a sum, AdaGrad's accumulator"),
    "rmsprop_swapped_alpha": (replaced("rmsprop_solution",
                                       'square_avg = alpha * state["square_avg"] + (1 - alpha) * grads * grads',
                                       'square_avg = (1 - alpha) * state["square_avg"] + alpha * grads * grads'),
                              "α and 1 − α are swapped"),
    "adam_no_bias_correction": (replaced("adam_solution",
                                         "m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)",
                                         "m_hat, v_hat = m, v"), "missing bias correction"),
    "adam_t_from_zero": (replaced("adam_solution", 't = state["step"] + 1', 't = state["step"]',
                                  '"step": t,', '"step": t + 1,'), "t counts from 1"),
    "adam_eps_inside_root": (replaced("adam_solution", "(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)"),
                             "ε belongs outside the square root"),
    "adam_decoupled_decay": (replaced("adam_solution", "grads = grads + weight_decay * params",
                                      "params = params * (1 - lr * weight_decay)"),
                             "that is AdamW's decoupled weight decay"),
    "adam_state_in_place": (replaced("adam_solution", 't = state["step"] + 1',
                                     't = state["step"] + 1\n    state["exp_avg"] *= beta1'),
                            "modified its input"),
    "adamw_as_l2": (replaced("adamw_solution",
                             "decayed = params * (1 - lr * weight_decay)\n"
                             "    return adam_update(decayed, grads, state, lr=lr, betas=betas, eps=eps)",
                             "return adam_update(params, grads, state, lr=lr, betas=betas, eps=eps,\n"
                             "                       weight_decay=weight_decay)"),
                    "that is Adam with L2"),
    "adamw_decay_after_the_step": (replaced(
        "adamw_solution",
        "decayed = params * (1 - lr * weight_decay)\n"
        "    return adam_update(decayed, grads, state, lr=lr, betas=betas, eps=eps)",
        "stepped, state = adam_update(params, grads, state, lr=lr, betas=betas, eps=eps)\n"
        "    return stepped * (1 - lr * weight_decay), state"), "you decayed after the step"),
    "adamw_decay_without_lr": (replaced("adamw_solution", "params * (1 - lr * weight_decay)",
                                        "params * (1 - weight_decay)"), "you left out the learning rate"),
}


def task_of(student):
    (cell,) = MISTAKES[student][0]
    return cell


def student_namespace(replacements=None):
    """The correct solution's namespace, with some cells replaced, as a notebook runs them."""
    namespace = {}
    exec(cells(SOURCE)["setup"].source, namespace)
    for cell in TASKS:
        code = (replacements or {}).get(cell, solution_code(cell))
        exec(code, namespace)
    return namespace


def run_test_cell(grade_id, namespace):
    exec(cells(SOURCE)[grade_id].source, dict(namespace))


# --- in this process ---------------------------------------------------------------------

@pytest.mark.parametrize("test_cell", [test for visible, hidden, _ in TASKS.values() for test in (visible, hidden)])
def test_the_solution_passes_every_test_cell(test_cell, capsys):
    run_test_cell(test_cell, student_namespace())
    assert "✔" in capsys.readouterr().out


@pytest.mark.parametrize("student", MISTAKES)
def test_each_named_mistake_fails_its_tests_with_its_hint(student):
    replacements, hint = MISTAKES[student]
    namespace = student_namespace(replacements)
    visible, hidden, _ = TASKS[task_of(student)]
    for test_cell in (visible, hidden):
        with pytest.raises(checks.CheckFailed, match=re.escape(hint)):
            run_test_cell(test_cell, namespace)
    # the other tasks are untouched and still pass (AdamW calls the student's Adam)
    if task_of(student) != "adam_solution":
        for cell, (other_visible, _, _) in TASKS.items():
            if cell != task_of(student):
                run_test_cell(other_visible, namespace)


@pytest.mark.parametrize("name", ["ADAGRAD", "RMSPROP", "ADAM", "ADAMW"])
def test_every_mistake_of_the_module_is_recognised_as_itself(name):
    """Each Mistake, submitted as the student's function, fails with its own hint."""
    reference = {"ADAGRAD": "adagrad", "RMSPROP": "rmsprop", "ADAM": "adam", "ADAMW": "adamw"}[name]
    test_cell = {"ADAGRAD": "test_adagrad", "RMSPROP": "test_rmsprop", "ADAM": "test_adam",
                 "ADAMW": "test_adamw"}[name]
    update = {"adagrad": "adagrad_update", "rmsprop": "rmsprop_update", "adam": "adam_update",
              "adamw": "adamw_update"}[reference]
    init = {"adagrad": "adagrad_init", "rmsprop": "rmsprop_init", "adam": "adam_init", "adamw": "adam_init"}[reference]
    for mistake in getattr(ex06_mistakes, name):
        namespace = student_namespace()
        namespace[update], namespace[init] = mistake.wrong, mistake.init
        with pytest.raises(checks.CheckFailed, match=re.escape(mistake.hint)):
            run_test_cell(test_cell, namespace)


def test_a_known_mistake_that_gives_nan_keeps_its_hint():
    """compare: nan from a known mistake (Adam's t counted from 0) gets that mistake's hint,
    any other nan the generic overflow hint."""
    from mlcourse.checks._compare import compare

    nan = np.array([np.nan, np.nan])
    with pytest.raises(checks.CheckFailed, match="t counts from 1"):
        compare("adam_update", nan, np.array([0.9, 2.1]), "", [("t counts from 1", nan)])
    with pytest.raises(checks.CheckFailed, match="log-sum-exp"):
        compare("adam_update", nan, np.array([0.9, 2.1]), "", [("t counts from 1", np.array([0.1, 0.2]))])


def test_the_test_cells_are_the_documented_ones():
    """Every graded cell calls a checker; hidden cells hold their checks between the markers."""
    source = cells(SOURCE)
    graded = {grade_id: cell for grade_id, cell in source.items() if cell.metadata["nbgrader"].get("grade")}
    assert set(graded) == {test for visible, hidden, _ in TASKS.values() for test in (visible, hidden)}
    assert sum(cell.metadata["nbgrader"]["points"] for cell in graded.values()) == 10
    for visible, hidden, points in TASKS.values():
        assert graded[visible].metadata["nbgrader"]["points"] + graded[hidden].metadata["nbgrader"]["points"] \
            == points
        assert "checks.check_update_rule(" in graded[visible].source and "examples=" in graded[visible].source
        assert "### BEGIN HIDDEN TESTS" in graded[hidden].source and "seed=None" in graded[hidden].source
    released = cells(RELEASE)
    for visible, hidden, _ in TASKS.values():
        assert "seed=None" not in released[hidden].source  # the hidden checks are not released
    for cell in TASKS:
        assert "NotImplementedError" in released[cell].source


# --- a failure names the function that caused it: adamw_update calls adam_update -----------------

ADAM_STUB = ("def adam_update(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):\n"
             "    raise NotImplementedError('implement this function')\n")
OWN_ADAM = replaced("adamw_solution",  # an AdamW that writes Adam's step itself, never calling adam_update
                    "decayed = params * (1 - lr * weight_decay)\n"
                    "    return adam_update(decayed, grads, state, lr=lr, betas=betas, eps=eps)",
                    "beta1, beta2 = betas\n    t = state['step'] + 1\n"
                    "    m = beta1 * state['exp_avg'] + (1 - beta1) * grads\n"
                    "    v = beta2 * state['exp_avg_sq'] + (1 - beta2) * grads * grads\n"
                    "    decayed = params * (1 - lr * weight_decay)\n"
                    "    step = lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)\n"
                    "    return decayed - step, {'step': t, 'exp_avg': m, 'exp_avg_sq': v}")
# Adam's mistakes that also break AdamW (AdamW calls Adam with weight_decay = 0, so Adam's own
# handling of weight decay does not matter there)
BREAK_ADAMW = ["adam_no_bias_correction", "adam_t_from_zero", "adam_eps_inside_root", "adam_state_in_place"]


def _adamw_message(namespace, cell="test_adamw"):
    with pytest.raises(checks.CheckFailed) as info:
        run_test_cell(cell, namespace)
    return str(info.value)


@pytest.mark.parametrize("cell", ["test_adamw", "test_adamw_hidden"])
def test_a_stub_adam_is_named_by_its_own_name_in_adamw_s_test(cell):
    message = _adamw_message(student_namespace({"adam_solution": solution_code("adam_solution").split(
        "\n\n\ndef adam_update")[0] + "\n\n\n" + ADAM_STUB}), cell)
    assert message.startswith("adam_update is not implemented yet")
    assert "adamw_update is not implemented" not in message


@pytest.mark.parametrize("cell", ["test_adamw", "test_adamw_hidden"])
@pytest.mark.parametrize("mistake", BREAK_ADAMW)
def test_a_wrong_adam_is_blamed_in_adamw_s_test_with_its_hint(mistake, cell):
    replacements, hint = MISTAKES[mistake]
    message = _adamw_message(student_namespace(replacements), cell)
    assert message.startswith("adamw_update fails because of adam_update, which it calls:")
    assert hint in message and "as adamw_update calls it in its run" in message
    assert "Fix adam_update first" in message


@pytest.mark.parametrize("mistake", ["adamw_as_l2", "adamw_decay_after_the_step", "adamw_decay_without_lr"])
def test_adamw_s_own_mistakes_keep_their_own_hints(mistake):
    replacements, hint = MISTAKES[mistake]
    message = _adamw_message(student_namespace(replacements))
    assert message.startswith("adamw_update gives the wrong value") and hint in message
    assert "fails because of" not in message


def test_a_wrong_adam_that_adamw_does_not_call_is_not_blamed(capsys):
    replacements, _ = MISTAKES["adam_no_bias_correction"]
    run_test_cell("test_adamw", student_namespace({**replacements, **OWN_ADAM}))
    assert "✔ adamw_update matches" in capsys.readouterr().out


def test_adam_s_weight_decay_mistake_does_not_break_adamw(capsys):
    """AdamW calls Adam with weight_decay = 0: Adam's L2 handling is not AdamW's concern."""
    replacements, _ = MISTAKES["adam_decoupled_decay"]
    run_test_cell("test_adamw", student_namespace(replacements))
    assert "✔ adamw_update matches" in capsys.readouterr().out


def test_attribution_works_over_the_wire_as_under_the_oracle():
    """The callee's arguments travel as JSON, and the callee is a handle like the rule itself."""
    from mlcourse.checks import _driver

    replacements, hint = MISTAKES["adam_no_bias_correction"]
    namespace = student_namespace(replacements)
    local = _adamw_message(namespace)
    with _driver.use_driver(_driver.InProcessDriver(wire=True)):
        assert _adamw_message(namespace) == local


def test_bad_callee_arguments_are_refused_naming_the_argument():
    from mlcourse import optim
    from mlcourse.search import loguniform

    namespace = student_namespace()
    adamw, adam, init = namespace["adamw_update"], namespace["adam_update"], namespace["adam_init"]
    space = {"lr": loguniform(1e-3, 0.1)}
    with pytest.raises(TypeError, match="invalid callee_reference = .* without callee"):
        checks.check_update_rule(adamw, optim.adamw, space, student_init=init, callee_reference=optim.adam)
    with pytest.raises(TypeError, match="invalid callee_reference = None, expected a factory of mlcourse.optim"):
        checks.check_update_rule(adamw, optim.adamw, space, student_init=init, callee=adam)
    with pytest.raises(TypeError, match="invalid callee_hyperparameters = \\[0.0\\]"):
        checks.check_update_rule(adamw, optim.adamw, space, student_init=init, callee=adam,
                                 callee_reference=optim.adam, callee_hyperparameters=[0.0])


# --- end to end: mlcourse grade ------------------------------------------------------------



@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ex06_submissions")
    correct = {cell: solution_code(cell) for cell in TASKS}
    cases = {"correct": (correct,)}
    cases.update({student: ({**correct, **replacements},) for student, (replacements, _) in MISTAKES.items()})
    fixtures.build(RELEASE, folder, cases)
    add_reference_notebooks(folder, ASSIGNMENT)
    out = tmp_path_factory.mktemp("ex06_grades")
    return grade(ASSIGNMENT, folder, out, jobs=2, timeout=30, notebook_timeout=120, memory=None), out


@pytest.mark.parametrize("student", ["instructor", "correct"])
def test_the_solution_scores_full_marks(graded, student):
    rows, _ = graded
    assert (rows[student]["status"], float(rows[student]["score"]), float(rows[student]["max_score"])) == \
        ("ok", 10.0, 10.0)


def test_the_untouched_release_scores_zero(graded):
    rows, _ = graded
    assert (rows["untouched"]["status"], float(rows["untouched"]["score"])) == ("ok", 0.0)


@pytest.mark.parametrize("student", MISTAKES)
def test_each_mistake_loses_its_points_and_gets_its_hint(graded, student):
    rows, out = graded
    row = rows[student]
    visible, hidden, _ = TASKS[task_of(student)]
    assert row["status"] == "ok"
    assert float(row[visible]) == 0 and float(row[hidden]) == 0
    # the other tasks keep their points, except AdamW, which calls the student's Adam
    others = [test for cell, (v, h, _) in TASKS.items() if cell != task_of(student) for test in (v, h)
              if not (task_of(student) == "adam_solution" and test.startswith("test_adamw"))]
    assert all(float(row[test]) > 0 for test in others), student
    assert MISTAKES[student][1] in feedback_text(out, student)
    if student in BREAK_ADAMW:  # AdamW's test, run through the oracle, blames the student's Adam
        assert float(row["test_adamw"]) == 0
        assert "adamw_update fails because of adam_update, which it calls" in feedback_text(out, student)
