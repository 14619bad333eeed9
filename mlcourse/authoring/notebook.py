"""The cells of an nbgrader source notebook, made in code and told apart.

nbgrader keeps a cell's role in ``cell.metadata["nbgrader"]`` (schema version 3). The
roles the course uses, and the metadata each constructor below writes:

=====================================  =======  ==========  ========  ==========
role (nbgrader's *Create assignment*)  grade    solution    locked    points
=====================================  =======  ==========  ========  ==========
read-only (intro, task text, setup)    false    false       true      --
autograded answer (solution code)      false    true        false     --
autograder tests                       true     false       true      > 0
manually graded answer (ex09's notes)  true     true        false     > 0
=====================================  =======  ==========  ========  ==========

Every such cell also has a ``grade_id``, unique in the notebook and stable once
students have a release (grades are stored under it). A cell without the
``nbgrader`` key is ordinary: students may edit it and it is never graded.

Autograder tests score all their points when they run without error and 0 otherwise;
manually graded answers are scored by a person and never by ``mlcourse grade``.
"""

import nbformat

SCHEMA_VERSION = 3


def _metadata(grade_id, *, grade, solution, locked, points=None):
    if not isinstance(grade_id, str) or not grade_id.isidentifier():
        raise ValueError(f"invalid grade_id = {grade_id!r}, expected a Python identifier such as 'test_step'")
    nbgrader = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION,
                "solution": solution}
    if points is not None:
        if not (isinstance(points, (int, float)) and points > 0):
            raise ValueError(f"invalid points = {points!r}, expected a number > 0")
        nbgrader["points"] = points
    return {"nbgrader": nbgrader}


def read_only_markdown(source, grade_id):
    """Text the student reads and cannot edit (the introduction, a task's statement)."""
    return nbformat.v4.new_markdown_cell(source, metadata=_metadata(grade_id, grade=False, solution=False,
                                                                    locked=True))


def read_only_code(source, grade_id):
    """Code the student runs and cannot edit (the setup cell: imports, the checkers)."""
    return nbformat.v4.new_code_cell(source, metadata=_metadata(grade_id, grade=False, solution=False, locked=True))


def solution_code(source, grade_id):
    """The student's function. The answer goes between ``### BEGIN SOLUTION`` and
    ``### END SOLUTION``; the release replaces it with ``raise NotImplementedError``."""
    if "### BEGIN SOLUTION" not in source or "### END SOLUTION" not in source:
        raise ValueError(f"solution cell {grade_id!r}: put the answer between ### BEGIN SOLUTION and "
                         "### END SOLUTION")
    return nbformat.v4.new_code_cell(source, metadata=_metadata(grade_id, grade=False, solution=True,
                                                                locked=False))


def autograder_test(source, grade_id, points):
    """A locked test worth ``points``, starting with a one-line docstring saying what it checks.

    A hidden test wraps its calls in ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``
    and passes ``seed=None`` to its checkers.
    """
    first = source.splitlines()[0] if source else ""
    if not (first.startswith('"""') and first.endswith('."""') and len(first) > 7):
        raise ValueError(f"test cell {grade_id!r}: start with a one-line docstring, e.g. "
                         '"""Check step against mlcourse.optim.sgd (seed 0)."""')
    return nbformat.v4.new_code_cell(source, metadata=_metadata(grade_id, grade=True, solution=False, locked=True,
                                                                points=points))


def manual_answer(source, grade_id, points):
    """A written answer scored by a person (the release replaces it with "YOUR ANSWER HERE")."""
    return nbformat.v4.new_markdown_cell(source, metadata=_metadata(grade_id, grade=True, solution=True,
                                                                    locked=False, points=points))


# --- telling the roles apart ----------------------------------------------------------

def role(cell):
    """``"test"``, ``"solution"``, ``"manual"``, ``"read_only"``, ``"task"`` or ``None`` (ordinary)."""
    nbgrader = cell.get("metadata", {}).get("nbgrader")
    if not nbgrader:
        return None
    if nbgrader.get("task"):
        return "task"
    grade, solution = bool(nbgrader.get("grade")), bool(nbgrader.get("solution"))
    if grade and solution:
        return "manual"
    if grade:
        return "test" if cell.get("cell_type") == "code" else "manual"
    if solution:
        return "solution"
    return "read_only"


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def autograded_tests(nb):
    """``{grade_id: points}`` of the test cells ``mlcourse grade`` scores, in notebook order."""
    return {grade_id(c): float(c.metadata["nbgrader"].get("points", 0)) for c in nb.cells if role(c) == "test"}


def solution_cells(nb):
    """The autograded answer cells (code), in notebook order; manual answers are not among them."""
    return [c for c in nb.cells if role(c) == "solution" and c.cell_type == "code"]
