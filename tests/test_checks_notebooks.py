"""What a student sees in a real kernel: the message first, no checker frames, the hint in
the cell of the function at fault; and no released test cell that echoes a value."""

import ast
import os
import re
import sys

import nbformat
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "grading_fixtures"))
import submissions as fixtures  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _released(folder):
    for assignment in sorted(os.listdir(os.path.join(ROOT, folder))):
        directory = os.path.join(ROOT, folder, assignment)
        yield from (os.path.join(directory, f) for f in sorted(os.listdir(directory)) if f.endswith(".ipynb"))


@pytest.mark.parametrize("path", list(_released("exercises")) + list(_released("solutions")), ids=os.path.basename)
def test_no_test_cell_ends_with_a_value(path):
    """A test cell's last statement must not be an expression with a value: IPython would
    show it, and nbgrader reads a test cell's output as a partial score."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            last = ast.parse(cell.source).body[-1]
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            assert not (isinstance(last, ast.Expr) and isinstance(last.value, ast.Constant)), grade_id
            assert "assert " not in cell.source, f"{grade_id}: a bare assert shows no value and no hint"


def test_a_wrong_sign_in_a_real_kernel(tmp_path):
    from nbclient import NotebookClient

    release = os.path.join(ROOT, "exercises", "ex02_gradient_descent", "ex02_gradient_descent.ipynb")
    wrong = {**fixtures.EX02_CORRECT, "gd_step_solution": fixtures.STEP.replace("theta - lr", "theta + lr")}
    path = fixtures.build(release, tmp_path, {"student": (wrong,)})["student"]
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}).execute()
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    for grade_id in ("test_gd_step", "test_gradient_descent", "test_critical_lr"):
        [error] = [o for o in cells[grade_id].outputs if o.output_type == "error"]
        lines = [ANSI.sub("", line) for line in error.traceback]
        assert error.ename == "CheckFailed"
        assert lines[0].startswith("CheckFailed: gd_step gives the wrong value" if grade_id == "test_gd_step"
                                   else "CheckFailed: ") and "gd_step" in lines[0], lines[0]
        text = "\n".join(lines)
        assert "hint: wrong sign" in text
        assert not any(word in text for word in ("skipping hidden", "contextlib", "_compare.py", "File \""))
    assert "worked example" in "\n".join(cells["test_gd_step"].outputs[0].traceback)
    for grade_id, cell in cells.items():
        if grade_id and grade_id.endswith("_hidden"):
            assert cell.outputs == [], grade_id  # no echoed docstring
    for cell in nb.cells:
        assert not any(o.output_type == "stream" and o.name == "stderr" for o in cell.get("outputs", [])), \
            cell.source[:60]
