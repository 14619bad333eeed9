"""Grade ONE submission in its own course directory: ``python -m mlcourse.grading.worker JOB``.

``mlcourse grade`` runs one such process per parallel slot; each submission is graded
in a fresh copy of a template course directory (own gradebook, own kernel spec), so
that nothing a submission does, not even crashing this process, reaches another
student's result. ``JOB`` is a JSON file naming the course directory, the student, the
notebooks to grade, the limits, the sandbox and the oracle's script; the result is
written as JSON next to it.

Steps: read each notebook (invalid JSON -> ``invalid_notebook``), compare its locked
cells with the gradebook's checksums (edited or deleted -> ``tests_modified``; nbgrader
restores them), start this submission's :class:`~mlcourse.grading.oracle.Oracle`,
autograde with :class:`~mlcourse.grading.execute.GuardedExecute` (each notebook in a
fresh kernel from the worker's :class:`~mlcourse.grading.kernels.Kernels`, in its
sandbox, :mod:`mlcourse.grading.sandbox`), then score every test cell that calls a
checker from the oracle's record (a cell the notebook shows as passed earns nothing
unless the oracle recorded every one of its checks as passed; a protocol violation is
``tampered``), mark manually graded answers as awaiting a person, and write feedback.
"""

import json
import os
import re
import shutil
import sys

# nbformat's validator (jsonschema) imports rfc3987_syntax when it is installed, which
# builds Lark grammars for URI formats on import: most of a second at every worker's start,
# for formats no notebook schema checks. Without it jsonschema leaves those formats unchecked.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402

from mlcourse.checks._integrity import TAMPER_MARKER  # noqa: E402

from . import execute  # noqa: E402
from .execute import KERNEL_DIED, NOTEBOOK_TIMEOUT, OUTPUT_LIMIT  # noqa: E402
from .kernels import Kernels  # noqa: E402
from .oracle import FAILED, INCOMPLETE, PASSED, TAMPERED, Oracle  # noqa: E402
from .script import trusted_modules, trusted_reference  # noqa: E402

# Statuses, most serious first; a result lists every one that applies.
STATUSES = ("grader_error", "invalid_notebook", "missing", "tampered", "kernel_died", "memory",
            "timeout", "output_limit", "tests_modified")
_ERROR_STATUS = {"CellTimeoutError": "timeout", NOTEBOOK_TIMEOUT: "timeout", KERNEL_DIED: "kernel_died", "DeadKernelError": "kernel_died",
                 "MemoryError": "memory", OUTPUT_LIMIT: "output_limit"}


MAX_NOTEBOOK_BYTES = 100_000_000  # a notebook's outputs are cleared anyway; more is abuse


def read_notebook(path):
    """``(notebook, None)``, or ``(None, why it cannot be graded)``."""
    try:
        if os.path.getsize(path) > MAX_NOTEBOOK_BYTES:
            return None, f"larger than {MAX_NOTEBOOK_BYTES // 1_000_000} MB"
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        return nb, None
    except Exception as error:
        return None, f"broken JSON or notebook format: {type(error).__name__}: {str(error)[:200]}"


def modified_tests(nb, release, source_cells=()):
    """grade_ids of the release's locked cells that were deleted or edited in ``nb``.

    Compared, by nbgrader's own cell checksum, with the *release* (what the student
    received: hidden tests removed) or with the source (the instructor's own version).
    """
    from nbgrader.utils import compute_checksum, is_locked

    def checksums(notebook):
        found = {}
        for cell in notebook.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id and grade_id not in found:
                try:
                    found[grade_id] = (is_locked(cell), compute_checksum(cell))
                except Exception:
                    found[grade_id] = (False, None)
        return found

    submitted = checksums(nb)
    source = {cell.name: cell.checksum for cell in source_cells}
    return [grade_id for grade_id, (locked, checksum) in checksums(release).items()
            if locked and submitted.get(grade_id, (None, None))[1] not in (checksum, source.get(grade_id))]


# cell metadata key the grader sets on a pasted copy of a source cell (its grade_id)
COPY_MARK = "mlcourse_copy_of"


def sanitize_metadata(nb, known_ids):
    """Drop nbgrader metadata that nbgrader itself would crash on; return what was dropped.

    A cell keeps its nbgrader metadata only if it has a grade_id of the source notebook
    seen for the first time; copies of a cell and cells a student marked by hand become
    ordinary cells (the originals are restored from the gradebook when missing).
    """
    seen, dropped = set(), []
    for cell in nb.cells:
        cell.get("metadata", {}).pop(COPY_MARK, None)  # the grader's own mark, never the student's
        nbgrader = cell.get("metadata", {}).get("nbgrader")
        if nbgrader is None:
            continue
        grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
        if grade_id in known_ids and grade_id not in seen:
            seen.add(grade_id)
            continue
        del cell.metadata["nbgrader"]
        dropped.append(str(grade_id))
        if grade_id in known_ids and cell.cell_type == "code":
            # a pasted copy of a cell (a student re-running a test further down): the oracle
            # refuses its checks without calling it tampering (execute._cell_kind)
            cell.metadata[COPY_MARK] = str(grade_id)
    return dropped


def scan_outputs(nb):
    """Per grade_id (or ``_cellN`` for other cells): the statuses its error outputs show
    (timeout, memory, kernel_died, output_limit). Scores never come from outputs."""
    found = {}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        statuses = {_ERROR_STATUS[o["ename"]] for o in cell.get("outputs", [])
                    if o.get("output_type") == "error" and o.get("ename") in _ERROR_STATUS}
        if grade_id:
            found[grade_id] = statuses
        elif statuses:
            found[f"_cell{len(found)}"] = statuses
    return found


_EXPORTER = []


def feedback_exporter():
    """nbconvert's HTMLExporter with this worker's compiled feedback templates.

    nbgrader makes a new exporter for each submission's feedback, whose new Jinja
    environment would compile the templates again: about half the time of writing a
    student's feedback. Here the compiled code is kept in memory (a Jinja bytecode cache,
    which keys it by template name and a checksum of the template's source).
    """
    if _EXPORTER:
        return _EXPORTER[0]
    import jinja2
    from nbconvert.exporters import HTMLExporter

    class Compiled(jinja2.BytecodeCache):
        def __init__(self):
            self.code = {}

        def load_bytecode(self, bucket):
            if bucket.key in self.code:
                bucket.bytecode_from_string(self.code[bucket.key])

        def dump_bytecode(self, bucket):
            self.code[bucket.key] = bucket.bytecode_to_string()

    compiled = Compiled()

    class FeedbackExporter(HTMLExporter):
        @property
        def environment(self):
            environment = super().environment
            environment.bytecode_cache = compiled
            return environment

    _EXPORTER.append(FeedbackExporter)
    return FeedbackExporter


def _configure(job):
    """nbgrader's configuration for this job: the course's file plus the grader's limits."""
    from traitlets.config.loader import PyFileConfigLoader

    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput,
                                        SaveAutoGrades)
    from .execute import GuardedExecute

    course_dir = job["course_dir"]
    config = PyFileConfigLoader("nbgrader_config.py", path=course_dir).load_config()
    config.CourseDirectory.root = course_dir
    config.Execute.timeout = job["timeout"]
    config.ExecutePreprocessor.timeout = job["timeout"]
    config.GuardedExecute.max_output_bytes = job["max_output_bytes"]
    config.GuardedExecute.notebook_timeout = job["notebook_timeout"]
    # Once the last cell has replied, the kernel is of no use: kill it rather than ask it to
    # shut down and wait for it (a few tenths of a second per submission). Its sandbox, and
    # every process in it, goes with it.
    config.GuardedExecute.shutdown_kernel = "immediate"
    config.GenerateFeedback.exporter_class = feedback_exporter()
    config.Autograde.autograde_preprocessors = [GuardedExecute, IgnorePattern, ClearMetadataPreprocessor,
                                                LimitOutput, SaveAutoGrades, AssignLatePenalties,
                                                CheckCellMetadata]
    return config


def _place_submission(job, coursedir, source_notebooks, statuses, notes):
    """Check each submitted notebook and copy the gradable ones to ``submitted/``."""
    submitted = os.path.join(job["course_dir"], "submitted", job["student"], job["assignment"])
    os.makedirs(submitted, exist_ok=True)
    for name, cells in source_notebooks.items():
        path = job["notebooks"].get(name)
        if path is None:
            statuses.add("missing")
            notes.append(f"{name}.ipynb: not submitted")
            continue
        nb, problem = read_notebook(path)
        if nb is None:
            statuses.add("invalid_notebook")
            notes.append(f"{name}.ipynb: not a valid notebook ({problem}); scored 0")
            continue
        dropped = sanitize_metadata(nb, {c.name for c in cells})
        if dropped:
            notes.append(f"{name}.ipynb: nbgrader marks removed from copied or hand-marked cells "
                         f"({', '.join(dropped)})")
        release = nbformat.read(os.path.join(job["course_dir"], coursedir.release_directory, job["assignment"],
                                             f"{name}.ipynb"), as_version=4)
        changed = modified_tests(nb, release, cells)
        if changed:
            statuses.add("tests_modified")
            notes.append(f"{name}.ipynb: locked cells edited or deleted, restored from the source: "
                         + ", ".join(changed))
        nbformat.write(nb, os.path.join(submitted, f"{name}.ipynb"))
    return bool(os.listdir(submitted))


_CHECKER_CALL = re.compile(r"\bcheck_\w+\s*\(")


def calls_a_checker(source):
    """Whether a test cell calls a checker (``checks.check_loss(...)``, or an instructor's
    own ``check_...`` made with :func:`mlcourse.checks.checker`): the cells that the
    oracle scores (their script, read by :mod:`.script`, is not empty)."""
    return bool(_CHECKER_CALL.search(source))


BYPASSED = (f"{TAMPER_MARKER}: this test cell finished without an error, but the grader did not record "
            "all of its checks as passed: its checkers were replaced or bypassed in the notebook.")


def _score(oracle, notebook, grade_id, score):
    """``(points, tamper message or None, failure text or None)`` of a test cell, from the
    oracle's record; cells that call no checker keep nbgrader's score."""
    outcome = oracle.outcome(notebook, grade_id)
    if outcome is None:
        return score, None, None
    verdict, text = outcome
    if verdict == PASSED:
        return score, None, None
    if verdict == TAMPERED:
        return 0.0, text, None
    if score > 0:  # the notebook shows a pass the oracle never gave
        return 0.0, BYPASSED + ("" if verdict == INCOMPLETE else f" The grader's verdict:\n{text}"), None
    return 0.0, None, text if verdict == FAILED else None


def _note_in_feedback(path, reasons):
    """Add each voided cell's reason to the graded notebook, so the feedback shows it."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        reason = reasons.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"))
        if reason:
            cell.outputs.append(nbformat.v4.new_output("stream", name="stderr", text=f"mlcourse grade: {reason}\n"))
    nbformat.write(nb, path)


def _load_script(job):
    with open(job["script"]) as f:
        return json.load(f)


def grade(job, kernels):
    """Grade one submission as described by ``job``, its notebooks in fresh kernels from
    ``kernels`` (:class:`~mlcourse.grading.kernels.Kernels`); return the result dict."""
    course_dir, assignment, student = job["course_dir"], job["assignment"], job["student"]
    os.makedirs(os.path.join(course_dir, "run"), exist_ok=True)
    os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(course_dir, "run")
    os.chdir(course_dir)

    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = _configure(job)
    coursedir = CourseDirectory(config=config)
    db_url, course_id = coursedir.db_url, coursedir.course_id
    statuses, notes = set(), []
    scripts = _load_script(job)
    with Gradebook(db_url, course_id) as gb:
        source_notebooks = {nb.name: list(nb.source_cells) for nb in gb.find_assignment(assignment).notebooks}
        points = {c.name: float(c.max_score) for nb in gb.find_assignment(assignment).notebooks
                  for c in nb.grade_cells}
        manual = {c.name: float(c.max_score) for nb in gb.find_assignment(assignment).notebooks
                  for c in nb.grade_cells if c.name in {s.name for s in nb.solution_cells}}
        gradable = _place_submission(job, coursedir, source_notebooks, statuses, notes)
    base = {"cell_max": points, "manual": manual, "max_score": sum(points.values())}
    if not gradable:  # nothing to run: every test scores zero
        return {**base, "status": [s for s in STATUSES if s in statuses], "score": 0.0,
                "cells": {c: (None if c in manual else 0.0) for c in points}, "notes": notes, "feedback": []}

    api = NbGraderAPI(coursedir=coursedir, config=config)
    # the oracle listens in each kernel's folder, as the kernel is taken (execute.GuardedExecute)
    oracle = Oracle(None, {name: script["cells"] for name, script in scripts.items()},
                    trusted_reference(job.get("modules", [])))
    execute.ORACLE[0] = oracle
    execute.KERNELS[0] = (kernels, Kernels.settings_of(job))
    try:
        with trusted_modules(job.get("trusted")):
            outcome = api.autograde(assignment, student)
    finally:
        execute.ORACLE[0] = execute.KERNELS[0] = None
        oracle.close()
    if not outcome["success"]:
        error = (outcome.get("error") or "autograde failed").strip().splitlines()[-1]
        return {"status": ["grader_error"], "notes": notes + [f"nbgrader autograde failed: {error}"],
                "log": (outcome.get("log") or "")[-4000:] + (outcome.get("error") or "")[-4000:]}

    cells = {}
    with Gradebook(db_url, course_id) as gb:
        for notebook in gb.find_submission(assignment, student).notebooks:
            path = os.path.join(course_dir, coursedir.autograded_directory, student, assignment,
                                f"{notebook.name}.ipynb")
            scanned = scan_outputs(nbformat.read(path, as_version=4)) if os.path.exists(path) else {}
            for cell_statuses in scanned.values():
                statuses |= cell_statuses
            reasons = {}
            for grade in notebook.grades:
                if grade.name in manual:
                    cells[grade.name] = None  # awaiting a person: neither zero nor full
                    continue
                score = float(grade.score)  # a SQL expression: read it before changing manual_score
                points_now, tamper, failure = _score(oracle, notebook.name, grade.name, score)
                if tamper:
                    statuses.add("tampered")
                    notes.append(f"{notebook.name}.ipynb, {grade.name}: {tamper.splitlines()[0]}")
                    reasons[grade.name] = f"scored 0. {tamper}"
                elif failure and score > 0:
                    reasons[grade.name] = f"scored 0. {failure}"
                if points_now != score:
                    grade.manual_score = points_now
                cells[grade.name] = points_now
            for _, grade_id, label, message in oracle.stray_violations(notebook.name):
                statuses.add("tampered")
                notes.append(f"{notebook.name}.ipynb, {label}: {message.splitlines()[0]}")
                if grade_id:
                    reasons.setdefault(grade_id, message)
            if reasons:
                _note_in_feedback(path, reasons)
        gb.db.commit()

    feedback = api.generate_feedback(assignment, student)
    folder = os.path.join(course_dir, coursedir.feedback_directory, student, assignment)
    html = []
    if feedback["success"] and os.path.isdir(folder):
        html = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".html"))
    autograded = os.path.join(course_dir, coursedir.autograded_directory, student, assignment)
    return {**base, "status": [s for s in STATUSES if s in statuses] or ["ok"],
            "score": sum(v for v in cells.values() if v is not None), "cells": cells, "notes": notes,
            "feedback": html, "autograded": sorted(os.path.join(autograded, f) for f in os.listdir(autograded)
                                                   if f.endswith(".ipynb"))}


def run_job(job_path, kernels=None):
    """Grade the job described in the file ``job_path``; write its result file.
    ``kernels``: the worker's pool (a one-off pool, no kernel started ahead, if None)."""
    with open(job_path) as f:
        job = json.load(f)
    os.remove(job_path)
    own = kernels is None
    if own:
        kernels = Kernels(ahead=False)
    try:
        result = grade(job, kernels)
    except Exception as error:  # reported to the orchestrator, which may retry
        import traceback

        result = {"status": ["grader_error"], "notes": [f"grading failed: {type(error).__name__}: {error}"],
                  "log": traceback.format_exc()[-4000:]}
    finally:
        if own:
            kernels.close()
    with open(job["result_path"], "w") as f:
        json.dump(result, f)


def _die_with_parent(leftovers=(), poll=0.5):
    """Stop this worker, and the kernels it runs, as soon as the process that started it is
    gone: a Dask worker killed mid-grading (``kill -9``, a lost machine) must not leave a
    grading and its kernel running, nor a half-written result, while the submission is
    graded again elsewhere. The folders ``leftovers`` are removed."""
    import threading
    import time

    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(poll)
        try:
            import psutil  # comes with ipykernel

            for child in psutil.Process().children(recursive=True):
                child.kill()
        except Exception:
            pass
        for folder in leftovers:
            shutil.rmtree(folder, ignore_errors=True)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def serve():
    """Grade jobs named one per line on stdin, answering ``done`` on the real stdout.

    One long-lived worker per parallel slot saves importing nbgrader (seconds) for
    every submission; each job still gets a fresh course directory and gradebook.
    Anything else printed goes to stderr, so it cannot garble the protocol.
    """
    # the kernels' folders: in the grader's scratch folder when it gives one (removed with it
    # even if this process is killed), else a temporary folder of this process
    kernels = Kernels(ahead=os.environ.get("MLCOURSE_KERNELS_AHEAD", "1") != "0",
                      parent=os.environ.get("MLCOURSE_KERNELS_DIR") or None)
    _die_with_parent([kernels.root])
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    try:
        for line in sys.stdin:
            if line.strip():
                run_job(line.strip(), kernels)
                answers.write("done\n")
                answers.flush()
    finally:
        kernels.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        run_job(sys.argv[1])
