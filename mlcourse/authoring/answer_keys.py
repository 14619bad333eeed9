"""``mlcourse check-answer-keys``: every assignment's answer key, graded by its own tests.

For every assignment of ``solutions/`` (found there: there is no list to keep), one
``mlcourse grade`` run (:func:`mlcourse.grading.batch.grade`) grades these submissions:

* ``solution`` — the source notebook itself: every autograded test cell must earn all
  its points;
* ``release`` — ``exercises/<name>/`` as students receive it: every autograded test cell
  must earn 0;
* ``flip_signs`` — the solution with the sign of every value returned by a function of
  an answer cell flipped (numbers and arrays negated, also inside tuples, lists, dicts
  and NamedTuples); and
* ``wrong_<i>`` — the wrong answers the author lists in the source notebook's metadata
  (see :func:`wrong_answers`).

Every autograded test cell must lose its points for at least one wrong implementation:
a test that no wrong answer can fail checks nothing. A wrong answer the author lists
may also say which test cells it must fail and which hint the feedback must show.

Only nbgrader metadata is read (no exercise names): autograded tests are code cells
with ``grade: true, solution: false``; answer cells are code cells with ``solution:
true, grade: false``. Manually graded cells (``grade: true, solution: true``, such as
written answers) are neither scored here nor mutated.

A report names the assignment, the submission, the cell and why (the error the cell
raised, from a re-run of the failing notebook). Verdicts are cached in ``cache_dir`` by a
hash of everything they depend on (the assignment's sources and release, every file of
``mlcourse``, ``nbgrader_config.py``, the versions of Python, NumPy and nbgrader), so an
unchanged assignment is not graded again.
"""

import ast
import concurrent.futures
import copy
import hashlib
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
from typing import NamedTuple

import nbformat

from . import notebook as cells
from .release import assignments

CHECK_VERSION = "1"  # bump when the verdict's meaning changes
NOTEBOOK_TIMEOUT = 600  # seconds for all the cells of one notebook

FLIP_HELPER = '''def __answer_key_flip__(value):  # added by mlcourse check-answer-keys: a wrong answer
    if value is None or isinstance(value, (bool, str, bytes)):
        return value
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(__answer_key_flip__(v) for v in value))
    if isinstance(value, (tuple, list)):
        return type(value)(__answer_key_flip__(v) for v in value)
    if isinstance(value, dict):
        return {k: __answer_key_flip__(v) for k, v in value.items()}
    try:
        return -value
    except TypeError:
        return value


'''


class Submission(NamedTuple):
    """A notebook to grade: ``student`` id, and the notebooks of the assignment by name."""
    student: str
    description: str
    notebooks: dict        # notebook name -> nbformat notebook
    must_fail: tuple = ()  # test grade_ids this wrong answer must fail (author's list)
    hint: str = ""         # text the feedback must show (author's list)


class Report(NamedTuple):
    """The verdict on one assignment."""
    assignment: str
    problems: list   # one line each; empty when the answer key is sound
    summary: str
    seconds: float   # grading time (0 when cached)
    cached: bool


# --- wrong answers ---------------------------------------------------------------------

def _own_returns(function):
    """The ``return <value>`` statements of ``function`` itself, not of nested scopes."""
    found, stack = [], list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return None  # a generator: flipping its return value means nothing
        if isinstance(node, ast.Return) and node.value is not None:
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def flip_returns(source, only=None):
    """``(names, flipped source)``: every top-level function of ``source`` that returns a
    value (or only the one named ``only``) returns the opposite sign instead; ``names``
    lists the functions changed. Raises ``SyntaxError`` for source that is not plain
    Python (IPython magics)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def position(line, column):  # ast columns count UTF-8 bytes
        return offsets[line - 1] + len(lines[line - 1].encode()[:column].decode())

    names, values = [], []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and only in (None, node.name):
            returns = _own_returns(node)
            if returns:
                names.append(node.name)
                values += [r.value for r in returns]
    if not names:
        return [], source
    text = source
    for value in sorted(values, key=lambda v: (v.lineno, v.col_offset), reverse=True):
        start, end = position(value.lineno, value.col_offset), position(value.end_lineno, value.end_col_offset)
        text = text[:start] + "__answer_key_flip__((" + text[start:end] + "))" + text[end:]
    return names, FLIP_HELPER + text


def wrong_answers(nb):
    """The wrong answers an author lists in a source notebook's metadata::

        nb.metadata["mlcourse"] = {"wrong_answers": [
            {"name": "beta on the gradient, not on the velocity",   # says what it is
             "cell": "momentum_solution",          # grade_id of the answer cell it replaces
             "source": "def momentum_step(...):\\n    ...",          # the whole wrong cell
             "fails": ["test_momentum", "test_momentum_hidden"],     # optional: must lose these
             "hint": "β multiplies the old velocity"},               # optional: feedback shows it
        ]}

    Returns the list, after checking its shape (``ValueError`` naming the entry).
    """
    listed = nb.metadata.get("mlcourse", {}).get("wrong_answers", [])
    answer_ids = {cells.grade_id(c) for c in cells.solution_cells(nb)}
    test_ids = set(cells.autograded_tests(nb))
    if not isinstance(listed, list):
        raise ValueError(f"invalid metadata.mlcourse.wrong_answers = {listed!r}, expected a list")
    for i, entry in enumerate(listed):
        where = f"metadata.mlcourse.wrong_answers[{i}]"
        if not isinstance(entry, dict) or not {"name", "cell", "source"} <= set(entry):
            raise ValueError(f"invalid {where} = {entry!r}, expected a dict with name, cell and source")
        if entry["cell"] not in answer_ids:
            raise ValueError(f"invalid {where}['cell'] = {entry['cell']!r}, expected the grade_id of an "
                             f"answer cell: {sorted(answer_ids)}")
        unknown = [t for t in entry.get("fails", []) if t not in test_ids]
        if unknown:
            raise ValueError(f"invalid {where}['fails'] = {entry['fails']!r}: {unknown} are not autograded "
                             f"test cells: {sorted(test_ids)}")
    return listed


def _replaced(nb, grade_id, source):
    changed = copy.deepcopy(nb)
    for cell in changed.cells:
        if cells.grade_id(cell) == grade_id:
            cell.source = source
    return changed


def submissions(root, assignment):
    """The solution, the release and the wrong answers of ``assignment`` (see the module doc)."""
    folder = os.path.join(root, "solutions", assignment)
    sources = {os.path.splitext(f)[0]: nbformat.read(os.path.join(folder, f), as_version=4)
               for f in sorted(os.listdir(folder)) if f.endswith(".ipynb")}
    released = {}
    for name in sources:
        path = os.path.join(root, "exercises", assignment, f"{name}.ipynb")
        if not os.path.isfile(path):
            raise ValueError(f"{assignment}: no release {os.path.relpath(path, root)}; run "
                             f"`mlcourse release {assignment}`")
        released[name] = nbformat.read(path, as_version=4)
    found = [Submission("solution", "the solution (solutions/)", sources),
             Submission("release", "the untouched release (exercises/)", released)]
    # One wrong answer flips every answer function at once: each test cell must fail for
    # some wrong answer, and a test of f fails when f is wrong, so one notebook does the
    # work of one per function (and costs one kernel, not several).
    flipped_notebooks, functions = dict(sources), []
    for name, nb in sources.items():
        for cell in cells.solution_cells(nb):
            try:
                names, source = flip_returns(cell.source)
            except SyntaxError:
                continue  # IPython syntax: only the author's wrong answers cover this cell
            if names:
                flipped_notebooks[name] = _replaced(flipped_notebooks[name], cells.grade_id(cell), source)
                functions += names
    if functions:
        found.append(Submission("flip_signs", f"every answer returning the opposite sign ({', '.join(functions)})",
                                flipped_notebooks))
    for name, nb in sources.items():
        for i, entry in enumerate(wrong_answers(nb)):
            found.append(Submission(f"wrong_{i}", f"the wrong answer {entry['name']!r} (metadata)",
                                    {**sources, name: _replaced(nb, entry["cell"], entry["source"])},
                                    tuple(entry.get("fails", ())), entry.get("hint", "")))
    return found


# --- the verdict -----------------------------------------------------------------------

def _fingerprint(root, assignment):
    import nbgrader
    import numpy

    digest = hashlib.sha256(f"{CHECK_VERSION}|{sys.version}|{numpy.__version__}|{nbgrader.__version__}".encode())
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = [os.path.join(root, "nbgrader_config.py")]
    for folder in (os.path.join(root, "solutions", assignment), os.path.join(root, "exercises", assignment),
                   package):
        for base, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", ".ipynb_checkpoints"))
            files += [os.path.join(base, n) for n in sorted(names) if not n.endswith((".pyc", ".pyo"))]
    for path in files:
        digest.update(os.path.relpath(path, root).encode() + b"\0")
        if os.path.isfile(path):
            with open(path, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()


def _feedback_text(out, student):
    folder = os.path.join(out, "feedback", student)
    if not os.path.isdir(folder):
        return ""
    text = "".join(open(os.path.join(folder, f), encoding="utf-8").read() for f in sorted(os.listdir(folder)))
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def cell_errors(notebooks, folder, timeout):
    """Run each notebook outside the grader; ``{grade_id: "Error: message"}`` of cells that raised."""
    from nbconvert.preprocessors import ExecutePreprocessor

    errors = {}
    with tempfile.TemporaryDirectory(prefix="mlcourse-answer-key-") as scratch:
        for name, nb in notebooks.items():
            work = os.path.join(scratch, name)
            shutil.copytree(folder, work, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
            nb = copy.deepcopy(nb)
            try:
                ExecutePreprocessor(timeout=timeout, allow_errors=True).preprocess(nb, {"metadata": {"path": work}})
            except Exception as error:  # a timeout or a dead kernel ends the run
                errors.setdefault("_run", f"{type(error).__name__}: {str(error).strip().splitlines()[0][:300]}")
            for cell in nb.cells:
                for output in cell.get("outputs", []):
                    if output.get("output_type") == "error":
                        message = " ".join(str(output.get("evalue", "")).split())
                        errors[cells.grade_id(cell) or "_cell"] = f"{output.get('ename')}: {message[:300]}"
    return errors


def _verdict(root, assignment, found, results, out, timeout):
    """The problems found in one grading run of ``found`` (see the module doc)."""
    sources = found[0].notebooks
    tests = {}
    for nb in sources.values():
        tests.update(cells.autograded_tests(nb))
    by_student = {r["student"]: r for r in results}
    problems, caught = [], {test: [] for test in tests}
    folder = os.path.join(root, "solutions", assignment)

    def why(submission, test):
        if submission.student not in explained:
            explained[submission.student] = cell_errors(submission.notebooks, folder, timeout)
        return explained[submission.student].get(test) or explained[submission.student].get("_run", "")

    explained = {}
    for submission in found:
        result = by_student.get(submission.student, {"status": ["not graded"], "cells": {}})
        scores = result.get("cells", {})
        status = "+".join(result.get("status", []))
        notes = "; ".join(result.get("notes", []))
        where = f"{assignment}, {submission.description}"
        if submission.student == "solution":
            for test, points in tests.items():
                if scores.get(test, 0.0) < points:
                    reason = why(submission, test) or f"status {status}" + (f" ({notes})" if notes else "")
                    problems.append(f"{where}: test cell {test} scored {scores.get(test, 0.0):g}/{points:g}: "
                                    f"{reason}")
            continue
        if submission.student == "release":
            for test, points in tests.items():
                if scores.get(test, 0.0) > 0:
                    problems.append(f"{where}: test cell {test} earned {scores[test]:g}/{points:g} without the "
                                    "student writing anything: does it call the function it checks?")
            continue
        for test, points in tests.items():
            if scores.get(test, 0.0) < points:
                caught[test].append(submission.student)
        for test in submission.must_fail:
            if scores.get(test, 0.0) >= tests[test]:
                problems.append(f"{where}: test cell {test} passed, but this wrong answer must fail it")
        if submission.hint and submission.hint not in _feedback_text(out, submission.student):
            problems.append(f"{where}: the feedback does not show the hint {submission.hint!r}")
    wrong = [s.student for s in found if s.student not in ("solution", "release")]
    for test, by in caught.items():
        if not by:
            problems.append(f"{assignment}: test cell {test} passed for every wrong answer tried "
                            f"({', '.join(wrong) or 'none: no answer cell defines a function that returns a value'}): "
                            "it cannot catch a mistake. Make it check the result, or list a wrong answer it "
                            "must catch in the notebook's metadata (guide/instructors.md, 'Checking the answer "
                            "key').")
    summary = (f"solution {sum(by_student.get('solution', {}).get('cells', {}).get(t, 0) for t in tests):g}/"
               f"{sum(tests.values()):g}, release "
               f"{sum(by_student.get('release', {}).get('cells', {}).get(t, 0) for t in tests):g}, "
               f"{len(wrong)} wrong answers, {len(tests)} test cells")
    return problems, summary


def check(root, assignment, jobs=1, cache_dir=None, timeout=None):
    """Grade the answer key of one assignment; return its :class:`Report`."""
    from mlcourse.grading.batch import grade

    root = os.path.abspath(root)
    if timeout is None:
        from mlcourse.cli import _configured_timeout
        timeout = _configured_timeout(root)
    key = _fingerprint(root, assignment)
    cached_path = os.path.join(cache_dir, f"{assignment}.json") if cache_dir else None
    if cached_path and os.path.exists(cached_path):
        with open(cached_path) as f:
            cached = json.load(f)
        if cached.get("key") == key:
            return Report(assignment, cached["problems"], cached["summary"], 0.0, True)
    start = time.perf_counter()
    found = submissions(root, assignment)
    with tempfile.TemporaryDirectory(prefix=f"mlcourse-answer-key-{assignment}-") as scratch:
        folder = os.path.join(scratch, "submissions")
        for submission in found:
            target = os.path.join(folder, submission.student, assignment)
            os.makedirs(target)
            for name, nb in submission.notebooks.items():
                nbformat.write(nb, os.path.join(target, f"{name}.ipynb"))
        out = os.path.join(scratch, "grades")
        # The notebooks are the course's own: a generous budget per notebook, so that a busy
        # CI machine does not fail a sound key (each cell keeps the course's own time limit).
        results = grade(root, assignment, folder, out, jobs=jobs, timeout=timeout, progress=False,
                        notebook_timeout=NOTEBOOK_TIMEOUT)
        problems, summary = _verdict(root, assignment, found, results, out, timeout)
    seconds = time.perf_counter() - start
    if cached_path:
        os.makedirs(cache_dir, exist_ok=True)
        with open(cached_path, "w") as f:
            json.dump({"key": key, "problems": problems, "summary": summary, "seconds": seconds}, f, indent=1)
    return Report(assignment, problems, summary, seconds, False)


def check_all(root, names=None, jobs=None, cache_dir=None, timeout=None, parallel=None):
    """Check every assignment (or ``names``); yield each :class:`Report` as it is done.

    ``jobs`` grading workers in all (default: the number of cores) are shared among
    ``parallel`` assignments graded at once (default: as many as keep every worker busy).
    """
    names = list(names or assignments(root))
    for name in names:
        if not os.path.isdir(os.path.join(root, "solutions", name)):
            raise ValueError(f"invalid assignment = {name!r}: no folder {os.path.join(root, 'solutions', name)}")
    jobs = max(1, jobs or os.cpu_count() or 1)
    parallel = max(1, min(parallel or jobs, len(names) or 1))
    per = max(1, jobs // parallel)
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = [pool.submit(check, root, name, per, cache_dir, timeout) for name in names]
        for future in concurrent.futures.as_completed(futures):
            yield future.result()
