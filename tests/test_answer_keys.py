"""Every assignment's answer key is graded by its own tests (mlcourse.authoring.answer_keys).

One test per folder of solutions/ (found there, so a new assignment is checked as soon as
it exists): its solution scores full marks under `mlcourse grade`, its release scores 0,
and every autograded test cell fails for at least one wrong answer. Verdicts are cached
in _build/answer-keys by a hash of everything they depend on. The tests below that use
small notebooks pin down how wrong answers are made and validated.
"""

import os
import textwrap

import nbformat
import pytest

from mlcourse.authoring import answer_keys
from mlcourse.authoring import notebook as cells
from mlcourse.authoring.release import assignments

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, "_build", "answer-keys")


@pytest.mark.parametrize("assignment", assignments(ROOT))
def test_answer_key(assignment):
    # Under pytest-xdist the assignments are spread over the workers: one grading job each.
    jobs = 1 if os.environ.get("PYTEST_XDIST_WORKER") else (os.cpu_count() or 1)
    report = answer_keys.check(ROOT, assignment, jobs=jobs, cache_dir=CACHE)
    assert report.problems == [], "\n".join(report.problems)


# --- sign-flipped wrong answers ----------------------------------------------------------

def _run(source, call):
    namespace = {}
    exec(source, namespace)
    return eval(call, namespace)


def test_flip_negates_every_return_of_the_top_level_functions():
    source = textwrap.dedent('''\
        import numpy as np

        def step(theta, grad, lr):
            """A docstring, and a comment with a return in it: # return theta"""
            if lr == 0:
                return theta
            return theta - lr * grad


        def pair(x):
            def helper(y):
                return y + 1        # a nested scope: left alone
            return helper(x), [x, {"k": x}], "label", None
        ''')
    names, flipped = answer_keys.flip_returns(source)
    assert names == ["step", "pair"]
    assert _run(flipped, "step(2.0, 1.0, 0.5)") == -1.5
    assert _run(flipped, "step(2.0, 1.0, 0)") == -2.0
    assert _run(flipped, "pair(1.0)") == (-2.0, [-1.0, {"k": -1.0}], "label", None)
    names, only_step = answer_keys.flip_returns(source, only="step")
    assert names == ["step"] and _run(only_step, "step(2.0, 1.0, 0.5)") == -1.5
    assert _run(only_step, "pair(1.0)") == (2.0, [1.0, {"k": 1.0}], "label", None)


def test_flip_keeps_named_tuples_and_arrays_and_skips_generators_and_procedures():
    source = textwrap.dedent('''\
        from typing import NamedTuple
        import numpy as np

        class State(NamedTuple):
            step: int
            velocity: np.ndarray

        def update(θ, state):   # non-ASCII names shift ast's byte columns
            return θ * 2, State(state.step + 1, state.velocity + θ)

        def batches(n):
            yield from range(n)

        def log(x):
            print(x)
        ''')
    names, flipped = answer_keys.flip_returns(source)
    assert names == ["update"]
    theta, state = _run(flipped, "update(np.array([1.0, 2.0]), State(0, np.zeros(2)))")
    assert theta.tolist() == [-2.0, -4.0]
    assert type(state).__name__ == "State" and state.step == -1 and state.velocity.tolist() == [-1.0, -2.0]
    assert answer_keys.flip_returns("def log(x):\n    print(x)\n") == ([], "def log(x):\n    print(x)\n")


def test_flip_refuses_ipython_syntax():
    with pytest.raises(SyntaxError):
        answer_keys.flip_returns("%timeit f()\ndef f():\n    return 1\n")


# --- wrong answers listed by the author ----------------------------------------------------

def _notebook(wrong):
    nb = nbformat.v4.new_notebook()
    nb.cells = [cells.solution_code("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION",
                                    "f_solution"),
                cells.autograder_test('"""Check f."""\nassert f(1) == 1', "test_f", points=1),
                cells.manual_answer("Explain f.", "explain_f", points=2)]
    nb.metadata["mlcourse"] = {"wrong_answers": wrong}
    return nb


def test_wrong_answers_are_validated_with_the_entry_named():
    good = {"name": "off by one", "cell": "f_solution", "source": "def f(x):\n    return x + 1",
            "fails": ["test_f"], "hint": "off by one"}
    assert answer_keys.wrong_answers(_notebook([good])) == [good]
    for bad, message in [
        ({"name": "x", "cell": "f_solution"}, r"wrong_answers\[0\] = .* expected a dict with name, cell and source"),
        ({**good, "cell": "test_f"}, r"wrong_answers\[0\]\['cell'\] = 'test_f', expected the grade_id of an "
                                     r"answer cell: \['f_solution'\]"),
        ({**good, "fails": ["explain_f"]}, r"\['explain_f'\] are not autograded test cells: \['test_f'\]"),
    ]:
        with pytest.raises(ValueError, match=message):
            answer_keys.wrong_answers(_notebook([good, bad][1:]))


def test_roles_leave_manual_answers_out_of_scoring_and_mutation():
    nb = _notebook([])
    assert cells.autograded_tests(nb) == {"test_f": 1.0}
    assert [cells.grade_id(c) for c in cells.solution_cells(nb)] == ["f_solution"]
    assert [cells.role(c) for c in nb.cells] == ["solution", "test", "manual"]


def test_cell_constructors_refuse_what_nbgrader_or_the_course_would_reject():
    with pytest.raises(ValueError, match="invalid grade_id = 'test f'"):
        cells.autograder_test('"""Check f."""', "test f", points=1)
    with pytest.raises(ValueError, match="invalid points = 0, expected a number > 0"):
        cells.autograder_test('"""Check f."""', "test_f", points=0)
    with pytest.raises(ValueError, match="start with a one-line docstring"):
        cells.autograder_test("assert f(1) == 1", "test_f", points=1)
    with pytest.raises(ValueError, match="BEGIN SOLUTION"):
        cells.solution_code("def f(x):\n    return x", "f_solution")


@pytest.mark.parametrize("argv, message", [
    (["check-answer-keys", "--jobs", "0"], "invalid --jobs = 0"),
    (["check-answer-keys", "ex99_nothing"], "invalid assignment = 'ex99_nothing'"),
])
def test_cli_rejects_bad_arguments(argv, message, capsys):
    from mlcourse.cli import main

    assert main([*argv, "--root", ROOT]) == 2
    assert message in capsys.readouterr().err
