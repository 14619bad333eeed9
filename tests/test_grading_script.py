"""The oracle's script (mlcourse.grading.script): what each test cell of a source notebook checks.

Read in the grader's process, without kernels: fast."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mlcourse.grading.script import ScriptError, read_script, stub_targets
from mlcourse.search import spaces


def _notebook(*cells):
    """cells: (kind, source, grade_id) with kind "setup", "answer" or "test"."""
    made = []
    for kind, source, grade_id in cells:
        cell = new_code_cell(source)
        if kind != "setup":
            cell.metadata["nbgrader"] = {"grade_id": grade_id, "grade": kind == "test", "solution": kind == "answer",
                                         "locked": kind == "test", "points": 1 if kind == "test" else 0}
        made.append(cell)
    return new_notebook(cells=made)


def test_constants_bound_by_locked_cells_are_read_with_what_they_need():
    nb = _notebook(
        ("setup", "import numpy as np\nfrom mlcourse import checks, search\nimport matplotlib.pyplot as plt\n"
                  "RANGE = (1e-4, 1.0)\nSPACE = {'lr': search.loguniform(*RANGE)}\nUNUSED = plt.figure()", None),
        ("answer", "def sample(low, high, size, rng):\n    return rng.uniform(low, high, size)", "answer"),
        ("test", "checks.check_random_search(random_search, SPACE)", "test_search"),
    )
    script = read_script(nb)
    assert not [w for w in script["warnings"] if "not protected" in w]
    (expected,) = script["cells"]["test_search"]
    assert expected["check"] == "mlcourse.checks.search:check_random_search"
    assert "0.0001" in expected["arguments"] and expected["roles"] == ["student_search"]


def test_a_test_cell_whose_checks_cannot_be_read_is_scored_from_its_output_with_a_warning():
    nb = _notebook(
        ("setup", "from mlcourse import checks\nfor k in range(3):\n    CASES = k", None),
        ("test", "checks.check_loss(mse, mse_grad, 'mse')\nchecks.check_loss(mse, mse_grad, 'mse', cases=CASES)",
         "test_mse"),
        ("test", "checks.check_loss(mse, mse_grad, 'mse')", "test_mse_2"),
    )
    script = read_script(nb)
    # all of the cell's checks or none: the one recorded before the failure is dropped too
    assert script["cells"]["test_mse"] == [] and len(script["cells"]["test_mse_2"]) == 1
    (warning,) = script["warnings"]
    assert "'test_mse' is not protected by the oracle" in warning and "CASES" in warning


def test_modules_the_kernel_needs_are_kept_not_stubbed():
    kept = []
    assert stub_targets([spaces, spaces.loguniform], kept=kept) == []
    assert kept == ["mlcourse.search.spaces"]
    with pytest.raises(ScriptError, match="the grading kernel needs mlcourse.checks"):
        stub_targets([__import__("mlcourse.checks._wire").checks._wire])
    with pytest.raises(ScriptError, match="only modules and functions of mlcourse"):
        stub_targets([nbformat])
