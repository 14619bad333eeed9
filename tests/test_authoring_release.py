"""exercises/ is the up-to-date release of solutions/; notebooks follow the course's rules;
nbgrader's JupyterLab extensions are installed and enabled."""

import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from mlcourse.authoring import notebook as cells
from mlcourse.authoring.release import assignments, release

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JUPYTER = os.path.join(os.path.dirname(sys.executable), "jupyter")
ASSIGNMENTS = assignments(ROOT)


def _load(path):
    with open(path) as f:
        return json.load(f)


def test_every_assignment_is_released():
    assert ASSIGNMENTS == sorted(os.listdir(os.path.join(ROOT, "exercises"))) != []


def test_exercises_are_in_sync_with_solutions(tmp_path):
    """Regenerate the release into a temporary folder: it must equal exercises/ exactly."""
    release(ROOT, ASSIGNMENTS, out=tmp_path)
    for assignment in ASSIGNMENTS:
        fresh = sorted(os.listdir(tmp_path / assignment))
        committed = sorted(os.listdir(os.path.join(ROOT, "exercises", assignment)))
        assert fresh == committed, f"exercises/{assignment} is stale: run `mlcourse release {assignment}`"
        for name in fresh:
            if name.endswith(".ipynb"):
                assert _load(tmp_path / assignment / name) == _load(
                    os.path.join(ROOT, "exercises", assignment, name)
                ), f"exercises/{assignment}/{name} is stale: run `mlcourse release {assignment}`"


def _notebooks(folder):
    for assignment in ASSIGNMENTS:
        yield from (os.path.join(ROOT, folder, assignment, f) for f in
                    sorted(os.listdir(os.path.join(ROOT, folder, assignment))) if f.endswith(".ipynb"))


def test_every_assignment_folder_holds_its_namesake_notebook():
    """solutions/<name>/<name>.ipynb: the convention `mlcourse new-assignment` follows."""
    for assignment in ASSIGNMENTS:
        notebooks = [f for f in os.listdir(os.path.join(ROOT, "solutions", assignment)) if f.endswith(".ipynb")]
        assert notebooks == [f"{assignment}.ipynb"], (assignment, notebooks)


@pytest.mark.parametrize("path", list(_notebooks("solutions")), ids=os.path.basename)
def test_source_notebooks_follow_the_rules(path):
    nb = nbformat.read(path, as_version=4)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    tests = [c for c in nb.cells if cells.role(c) == "test"]
    solutions = cells.solution_cells(nb)
    assert tests and solutions
    # manually graded answers (a person grades them in formgrader): markdown, open, with points
    for cell in nb.cells:
        if cells.role(cell) == "manual":
            nbgrader = cell.metadata["nbgrader"]
            assert cell.cell_type == "markdown" and not nbgrader["locked"] and nbgrader["points"] > 0
            assert not nbgrader.get("task")
    for cell in tests:
        nbgrader = cell.metadata["nbgrader"]
        assert nbgrader["locked"] and nbgrader["points"] > 0
        first = cell.source.splitlines()[0]
        assert re.fullmatch(r'""".+\."""', first), f"{nbgrader['grade_id']}: start with a one-line docstring"
        hidden = "### BEGIN HIDDEN TESTS" in cell.source
        if hidden:
            assert "seed=None" in cell.source, "hidden tests draw their inputs at grading time"
    visible = [c for c in tests if "### BEGIN HIDDEN TESTS" not in c.source]
    assert len(visible) >= len(solutions), "at least one visible test per task"
    for cell in solutions:
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source


@pytest.mark.parametrize("path", list(_notebooks("exercises")), ids=os.path.basename)
def test_released_notebooks_are_clean_stubs(path):
    nb = nbformat.read(path, as_version=4)
    assert "mlcourse release" in nb.metadata["mlcourse"]["generated"]
    for cell in nb.cells:
        assert "BEGIN SOLUTION" not in cell.source and "BEGIN HIDDEN TESTS" not in cell.source
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        if cells.role(cell) in ("solution", "manual"):
            stub = "raise NotImplementedError" if cell.cell_type == "code" else "YOUR ANSWER HERE"
            assert stub in cell.source


def test_stubs_raise_not_implemented_and_nothing_else(tmp_path):
    """Run every released notebook: the only errors allowed are the stubs' NotImplementedError
    (and the NameErrors or failed checks that follow from them in test cells)."""
    from nbconvert.preprocessors import ExecutePreprocessor

    for path in _notebooks("exercises"):
        nb = nbformat.read(path, as_version=4)
        # in a copy of its folder, as a student opens it: with the files released next to it
        folder = tmp_path / os.path.relpath(os.path.dirname(path), ROOT)
        if not folder.exists():
            shutil.copytree(os.path.dirname(path), folder)
        ExecutePreprocessor(timeout=120, allow_errors=True).preprocess(nb, {"metadata": {"path": str(folder)}})
        for cell in nb.cells:
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            role = cell.metadata.get("nbgrader", {})
            if role.get("grade"):
                assert all(o.ename in ("NotImplementedError", "CheckFailed", "AssertionError") for o in errors), \
                    [(o.ename, o.evalue) for o in errors]
            else:
                assert all(o.ename == "NotImplementedError" for o in errors), [(o.ename, o.evalue) for o in errors]


def _run(*args):
    result = subprocess.run([JUPYTER, *args], capture_output=True, text=True, env={
        **os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")})
    return re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)


def test_nbgrader_lab_extensions_are_installed_and_enabled():
    lab = _run("labextension", "list")
    assert re.search(r"@jupyter/nbgrader v0\.9\.\d+ enabled OK", lab), lab
    assert re.search(r"@jupyter-widgets/jupyterlab-manager v5\.\S+ enabled OK", lab), lab
    server = _run("server", "extension", "list")
    for extension in ("formgrader", "assignment_list", "course_list", "validate_assignment"):
        assert re.search(rf"nbgrader\.server_extensions\.{extension} enabled", server), server
        assert re.search(rf"nbgrader\.server_extensions\.{extension}\s+OK", server), server


def test_jupytext_opens_the_markdown_chapters_as_notebooks_in_lab():
    """The chapters are MyST Markdown notebooks; without jupytext JupyterLab shows them as text."""
    assert re.search(r"jupyterlab_jupytext\s+OK", _run("server", "extension", "list"))
    assert re.search(r"jupyterlab-jupytext v\S+ enabled OK", _run("labextension", "list"))


def test_release_refuses_a_folder_without_its_namesake_notebook(tmp_path):
    (tmp_path / "solutions" / "ex10_x").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "solutions" / "ex10_x" / "other.ipynb")
    with pytest.raises(ValueError, match=r"invalid assignment = 'ex10_x': no solutions/ex10_x/ex10_x.ipynb "
                                         r"\(folder and notebook share the name\)"):
        release(tmp_path, ["ex10_x"])
    assert not (tmp_path / "exercises").exists()
