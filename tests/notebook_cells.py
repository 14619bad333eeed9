"""Run an exercise's own test cells, as the notebook has them, against any implementation.

`cells(assignment)` reads the nbgrader source in solutions/; `namespace(assignment)` runs
its setup and solution cells (as a student's kernel would after solving every task), so
that a test can replace some of the student's functions with a wrong implementation and
run a test cell on it. `student_source(function, name)` turns a wrong implementation of an
exercise's mistakes module into the code a student would have typed, under the name the
notebook asks for (for end-to-end grading).
"""

import contextlib
import inspect
import os
import re
import sys

import nbformat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def folder(assignment):
    return os.path.join(ROOT, "solutions", assignment)


def cells(assignment):
    """{grade_id: source} of the nbgrader cells of the assignment's source notebook."""
    notebook = nbformat.read(os.path.join(folder(assignment), f"{assignment}.ipynb"), as_version=4)
    return {cell.metadata["nbgrader"]["grade_id"]: cell.source
            for cell in notebook.cells if "nbgrader" in cell.metadata}


def graded_cells(assignment):
    """The grade_ids of the graded test cells, in notebook order."""
    notebook = nbformat.read(os.path.join(folder(assignment), f"{assignment}.ipynb"), as_version=4)
    return [cell.metadata["nbgrader"]["grade_id"] for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("grade")]


@contextlib.contextmanager
def in_folder(assignment):
    """The notebook's folder as working directory and on sys.path (where a kernel would be)."""
    here = os.getcwd()
    os.chdir(folder(assignment))
    sys.path.insert(0, folder(assignment))
    try:
        yield
    finally:
        sys.path.remove(folder(assignment))
        os.chdir(here)


def namespace(assignment):
    """The globals of a kernel that ran the setup cell and every solution cell."""
    glob = {"__name__": "__main__"}
    sources = cells(assignment)
    with in_folder(assignment):
        exec(compile(sources["setup"], "setup", "exec"), glob)
        for grade_id, source in sources.items():
            if grade_id.endswith("_solution"):
                exec(compile(source, grade_id, "exec"), glob)
    return glob


def run_cell(assignment, grade_id, glob):
    """Run one cell of the notebook in ``glob`` (from the notebook's folder)."""
    with in_folder(assignment):
        exec(compile(cells(assignment)[grade_id], grade_id, "exec"), glob)


def student_source(function, name):
    """The source of ``function`` (top level of a module), renamed to ``name``."""
    source = inspect.getsource(function)
    return re.sub(rf"^def {function.__name__}\(", f"def {name}(", source, count=1, flags=re.M)


def with_student(assignment, functions):
    """The solution's namespace with the student's versions of some functions:
    ``functions`` maps a name the notebook defines to source code, or to a function (a
    wrong implementation of a mistakes module, renamed as the notebook names it); None
    keeps the solution's."""
    glob = namespace(assignment)
    for name, code in functions.items():
        if code is not None:
            exec(code if isinstance(code, str) else student_source(code, name), glob)
    return glob


def failure(assignment, grade_id, glob):
    """The message of the CheckFailed that test cell ``grade_id`` raises on ``glob``."""
    import pytest

    from mlcourse import checks

    with pytest.raises(checks.CheckFailed) as info:
        run_cell(assignment, grade_id, glob)
    return str(info.value)


@contextlib.contextmanager
def oracle(assignment):
    """The grader's oracle for the assignment's source notebook, as ``mlcourse grade`` runs it
    (its script read from the test cells, the instructor's modules trusted), without kernels:
    yields ``run(grade_id, glob)``, which runs a test cell with the oracle's driver in this
    process (the student's functions stay here, handed to the checkers as handles) and
    returns the oracle's recorded ``(verdict, text)`` for the cell."""
    import shutil
    import tempfile

    from mlcourse.checks import _driver
    from mlcourse.checks._client import OracleDriver
    from mlcourse.grading.oracle import Oracle
    from mlcourse.grading.script import assignment_modules, read_script, trusted_modules, trusted_reference

    source = folder(assignment)
    script = read_script(nbformat.read(os.path.join(source, f"{assignment}.ipynb"), as_version=4), source)
    directory = tempfile.mkdtemp(prefix="oracle", dir="/tmp")  # a Unix socket's path must be short
    served = Oracle(os.path.join(directory, "oracle.sock"), {assignment: script["cells"]},
                    trusted_reference(assignment_modules(source)))

    def run(grade_id, glob):
        served.begin_cell(assignment, grade_id, "test", f"test cell {grade_id}")
        try:
            with _driver.use_driver(OracleDriver(served.path)):
                run_cell(assignment, grade_id, glob)
        except AssertionError:
            pass  # the verdict is the oracle's record, read below
        finally:
            served.end_cell()
        return served.outcome(assignment, grade_id)

    try:
        with trusted_modules(source):
            yield run
    finally:
        served.close()
        shutil.rmtree(directory, ignore_errors=True)
