"""``mlcourse new-assignment NAME``: a new exercise with the course's cell structure.

Writes ``solutions/<name>/<name>.ipynb`` (folder and notebook share the name), an
nbgrader source notebook with the cells every exercise of the course has:

1. ``intro`` — read-only markdown: what the student implements, and the conventions;
2. ``setup`` — read-only code: NumPy, the checkers, the reference the tests compare with;
3. ``task_step`` — read-only markdown: the task, its formula and its points;
4. ``step_solution`` — the student's function, the answer between ``### BEGIN SOLUTION``
   and ``### END SOLUTION``;
5. ``test_step`` — a visible test (``seed=0``), 1 point, and ``test_step_hidden`` — a
   hidden test (``seed=None``), 2 points, each starting with a one-line docstring.

The example task is a gradient-descent step checked against ``mlcourse.optim.sgd``.
The text the author must write is marked :data:`PLACEHOLDER`; ``mlcourse release``
refuses a notebook that still contains it, so a scaffold cannot ship by accident.
"""

import os
import re

import nbformat

from . import notebook as cells

PLACEHOLDER = "(scaffold: replace this)"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def default_title(name):
    """``ex10_learning_rate_finder`` -> ``Exercise 10: learning rate finder``."""
    match = re.match(r"^ex(\d+)_(.+)$", name)
    if match:
        return f"Exercise {int(match.group(1))}: {match.group(2).replace('_', ' ')}"
    return name.replace("_", " ").capitalize()


def scaffold_notebook(title):
    """The source notebook of a new assignment, as an ``nbformat`` notebook."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    nb.cells = [
        cells.read_only_markdown(
            f"# {title}\n\n"
            f"{PLACEHOLDER} Say in two or three sentences what the student implements and why,\n"
            "with its formula, and name the chapter that explains it.\n\n"
            "Functions never modify their inputs, and float32 in gives float32 out. Run the test\n"
            "cell after each task; a failing test says which input, what was expected, what you\n"
            "returned and, for a common mistake, a hint. Do not use the course's own\n"
            "implementation (`mlcourse.optim` here): the point is to write it yourself.",
            "intro"),
        cells.read_only_code(
            "import numpy as np\n\n"
            "from mlcourse import checks  # the checkers: they compare your code with mlcourse's reference\n"
            "from mlcourse import optim  # the reference the tests compare with\n"
            "from mlcourse.search import loguniform  # the range of learning rates the tests draw from",
            "setup"),
        cells.read_only_markdown(
            "## Task 1: one step (3 points)\n\n"
            f"{PLACEHOLDER} State the task: the function's name and arguments, what it returns,\n"
            "and its formula. This example task is one gradient-descent step,\n"
            "$\\theta \\leftarrow \\theta - \\eta\\, g$, checked against `mlcourse.optim.sgd`: keep its\n"
            "shape and replace its content.",
            "task_step"),
        cells.solution_code(
            "def step(theta, grad, lr):\n"
            '    """One gradient-descent step: a new array theta - lr * grad."""\n'
            "    ### BEGIN SOLUTION\n"
            f'    raise NotImplementedError("{PLACEHOLDER} write the solution here")\n'
            "    ### END SOLUTION",
            "step_solution"),
        cells.autograder_test(
            '"""Check step on a worked example, then against mlcourse.optim.sgd step by step (seed 0)."""\n'
            "# worked example: step([1, 2], [0.5, -1], lr=0.1) = [1 - 0.1·0.5, 2 + 0.1·1] = [0.95, 2.1]\n"
            'checks.check_update_rule(step, optim.sgd, {"lr": loguniform(1e-3, 0.1)},\n'
            '                         examples=[{"params": [1.0, 2.0], "grads": [0.5, -1.0], "lr": 0.1}])',
            "test_step", points=1),
        cells.autograder_test(
            '"""Check step on learning rates and gradients drawn at grading time (hidden test)."""\n'
            "### BEGIN HIDDEN TESTS\n"
            'checks.check_update_rule(step, optim.sgd, {"lr": loguniform(1e-4, 0.1)}, seed=None)\n'
            "### END HIDDEN TESTS\n"
            "pass  # hidden tests run when your notebook is graded",
            "test_step_hidden", points=2),
    ]
    return nb


def new_assignment(root, name, title=None):
    """Create ``solutions/<name>/<name>.ipynb`` under the course root; return its path."""
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError(f"invalid NAME = {name!r}, expected lower-case letters, digits and _, "
                         "starting with a letter, e.g. ex10_schedules")
    folder = os.path.join(os.path.abspath(root), "solutions", name)
    if os.path.exists(folder):
        raise ValueError(f"invalid NAME = {name!r}: {folder} already exists")
    os.makedirs(folder)
    path = os.path.join(folder, f"{name}.ipynb")
    nbformat.write(scaffold_notebook(title or default_title(name)), path)
    return path


def placeholders(nb):
    """The ``grade_id`` (or index) of every cell still holding :data:`PLACEHOLDER`."""
    return [cells.grade_id(c) or f"cell {i}" for i, c in enumerate(nb.cells) if PLACEHOLDER in c.source]
