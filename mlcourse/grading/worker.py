"""Grade ONE submission in its own course directory: ``python -m mlcourse.grading.worker JOB``.

``mlcourse grade`` runs one such process per submission, in a fresh copy of a template
course directory (own gradebook, own kernel spec), so that nothing a submission does,
not even crashing this process, reaches another student's result. ``JOB`` is a JSON
file naming the course directory, the student, the notebooks to grade and the limits;
the result is written as JSON next to it.

Steps: read each notebook (invalid JSON -> ``invalid_notebook``), compare its locked
cells with the gradebook's checksums (edited or deleted -> ``tests_modified``; nbgrader
restores them), autograde with :class:`~mlcourse.grading.execute.GuardedExecute`,
read the scores, void test cells that passed without a signed receipt or raised a
tampering error (``tampered``), then write feedback HTML.
"""

import json
import os
import re
import sys

import nbformat

from mlcourse.checks._integrity import TAMPER_MARKER, receipt_valid
from .execute import KERNEL_DIED, NOTEBOOK_TIMEOUT, OUTPUT_LIMIT

# Statuses, most serious first; a result lists every one that applies.
STATUSES = ("grader_error", "invalid_notebook", "missing", "tampered", "kernel_died", "memory",
            "timeout", "output_limit", "tests_modified")
_ERROR_STATUS = {"CellTimeoutError": "timeout", NOTEBOOK_TIMEOUT: "timeout", KERNEL_DIED: "kernel_died", "DeadKernelError": "kernel_died",
                 "MemoryError": "memory", OUTPUT_LIMIT: "output_limit"}
_RECEIPT = re.compile(r"\[receipt (\w+):(\d+):([0-9a-f]{16})\]")


def write_kernel_spec(course_dir, key, memory_bytes):
    """A ``python3`` kernel spec in the worker's own data dir, using our launcher."""
    folder = os.path.join(course_dir, "jupyter_data", "kernels", "python3")
    os.makedirs(folder, exist_ok=True)
    env = {"MLCOURSE_GRADER_KEY": key, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    if memory_bytes:
        env["MLCOURSE_KERNEL_MEMORY"] = str(int(memory_bytes))
    spec = {"argv": [sys.executable, "-m", "mlcourse.grading.kernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (mlcourse grader)", "language": "python", "env": env}
    with open(os.path.join(folder, "kernel.json"), "w") as f:
        json.dump(spec, f)
    return os.path.join(course_dir, "jupyter_data")


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


def sanitize_metadata(nb, known_ids):
    """Drop nbgrader metadata that nbgrader itself would crash on; return what was dropped.

    A cell keeps its nbgrader metadata only if it has a grade_id of the source notebook
    seen for the first time; copies of a cell and cells a student marked by hand become
    ordinary cells (the originals are restored from the gradebook when missing).
    """
    seen, dropped = set(), []
    for cell in nb.cells:
        nbgrader = cell.get("metadata", {}).get("nbgrader")
        if nbgrader is None:
            continue
        grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
        if grade_id in known_ids and grade_id not in seen:
            seen.add(grade_id)
            continue
        del cell.metadata["nbgrader"]
        dropped.append(str(grade_id))
    return dropped


def scan_outputs(nb):
    """Per grade_id: (set of statuses from error outputs, list of receipts, tamper message)."""
    found = {}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        statuses, receipts, tamper = set(), [], None
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                if output.get("ename") in _ERROR_STATUS:
                    statuses.add(_ERROR_STATUS[output["ename"]])
                if TAMPER_MARKER in str(output.get("evalue", "")):
                    statuses.add("tampered")
                    tamper = str(output["evalue"])
            text = output.get("text", "")
            receipts += _RECEIPT.findall(text if isinstance(text, str) else "".join(text))
        if grade_id:
            found[grade_id] = (statuses, receipts, tamper)
        elif statuses:
            found.setdefault(f"_cell{len(found)}", (statuses, [], tamper))
    return found


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
    # Kernels talk over Unix sockets in this job's own folder: no TCP port that two
    # workers could both pick (the classic parallel-grading collision).
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = os.path.join(course_dir, "kernel")
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
    own ``check_...`` made with :func:`mlcourse.checks.checker`), and so, when it passes,
    must print a signed receipt."""
    return bool(_CHECKER_CALL.search(source))


def _verdict(grade, scanned, source, key, seen_receipts):
    """Why a test cell's points must be voided (a tampering message), or None."""
    _, receipts, tamper = scanned.get(grade.name, (set(), [], None))
    if tamper:
        return tamper
    valid = [r for r in receipts if r[1] not in seen_receipts and receipt_valid(key, *r)]
    seen_receipts.update(r[1] for r in valid)
    if grade.score > 0 and calls_a_checker(source) and not valid:
        return (f"{TAMPER_MARKER}: this test cell passed without a signed receipt from "
                "mlcourse.checks: its checks were bypassed or replaced.")
    return None


def _note_in_feedback(path, reasons):
    """Add each voided cell's reason to the graded notebook, so the feedback shows it."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        reason = reasons.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"))
        if reason:
            cell.outputs.append(nbformat.v4.new_output("stream", name="stderr",
                                                       text=f"mlcourse grade: scored 0. {reason}\n"))
    nbformat.write(nb, path)


def grade(job):
    """Grade one submission as described by ``job``; return the result dict."""
    course_dir, assignment, student = job["course_dir"], job["assignment"], job["student"]
    os.environ["JUPYTER_DATA_DIR"] = write_kernel_spec(course_dir, job["key"], job.get("memory_bytes"))
    os.environ["JUPYTER_PATH"] = os.environ["JUPYTER_DATA_DIR"]
    os.chdir(course_dir)

    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = _configure(job)
    coursedir = CourseDirectory(config=config)
    db_url, course_id = coursedir.db_url, coursedir.course_id
    statuses, notes = set(), []
    with Gradebook(db_url, course_id) as gb:
        source_notebooks = {nb.name: list(nb.source_cells) for nb in gb.find_assignment(assignment).notebooks}
        sources = {nb: {c.name: c.source for c in cells} for nb, cells in source_notebooks.items()}
        points = {c.name: float(c.max_score) for nb in gb.find_assignment(assignment).notebooks
                  for c in nb.grade_cells}
        gradable = _place_submission(job, coursedir, source_notebooks, statuses, notes)
    if not gradable:  # nothing to run: every test scores zero
        return {"status": [s for s in STATUSES if s in statuses], "score": 0.0, "max_score": sum(points.values()),
                "cells": dict.fromkeys(points, 0.0), "cell_max": points, "notes": notes, "feedback": []}

    api = NbGraderAPI(coursedir=coursedir, config=config)
    outcome = api.autograde(assignment, student)
    if not outcome["success"]:
        error = (outcome.get("error") or "autograde failed").strip().splitlines()[-1]
        return {"status": ["grader_error"], "notes": notes + [f"nbgrader autograde failed: {error}"],
                "log": (outcome.get("log") or "")[-4000:] + (outcome.get("error") or "")[-4000:]}

    cells, seen_receipts = {}, set()
    with Gradebook(db_url, course_id) as gb:
        for notebook in gb.find_submission(assignment, student).notebooks:
            path = os.path.join(course_dir, coursedir.autograded_directory, student, assignment,
                                f"{notebook.name}.ipynb")
            scanned = scan_outputs(nbformat.read(path, as_version=4)) if os.path.exists(path) else {}
            for cell_statuses, _, _ in scanned.values():
                statuses |= cell_statuses
            voided = {}
            for grade in notebook.grades:
                score = float(grade.score)  # a SQL expression: read it before changing manual_score
                void = _verdict(grade, scanned, sources[notebook.name].get(grade.name, ""), job["key"],
                                seen_receipts)
                if void:
                    statuses.add("tampered")
                    notes.append(f"{notebook.name}.ipynb, {grade.name}: {void.splitlines()[0]}")
                    if score > 0:
                        grade.manual_score, score = 0.0, 0.0
                        voided[grade.name] = void
                cells[grade.name] = score
            if voided:
                _note_in_feedback(path, voided)
        gb.db.commit()

    feedback = api.generate_feedback(assignment, student)
    folder = os.path.join(course_dir, coursedir.feedback_directory, student, assignment)
    html = []
    if feedback["success"] and os.path.isdir(folder):
        html = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".html"))
    return {"status": [s for s in STATUSES if s in statuses] or ["ok"], "score": sum(cells.values()),
            "max_score": sum(points.values()), "cells": cells, "cell_max": points, "notes": notes,
            "feedback": html}


def run_job(job_path):
    """Grade the job described in the file ``job_path``; write its result file."""
    with open(job_path) as f:
        job = json.load(f)
    os.remove(job_path)  # it holds the receipt key; the kernel has no business reading it
    try:
        result = grade(job)
    except Exception as error:  # reported to the orchestrator, which may retry
        import traceback

        result = {"status": ["grader_error"], "notes": [f"grading failed: {type(error).__name__}: {error}"],
                  "log": traceback.format_exc()[-4000:]}
    with open(job["result_path"], "w") as f:
        json.dump(result, f)


def serve():
    """Grade jobs named one per line on stdin, answering ``done`` on the real stdout.

    One long-lived worker per parallel slot saves importing nbgrader (seconds) for
    every submission; each job still gets a fresh course directory and gradebook.
    Anything else printed goes to stderr, so it cannot garble the protocol.
    """
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    for line in sys.stdin:
        if line.strip():
            run_job(line.strip())
            answers.write("done\n")
            answers.flush()


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        run_job(sys.argv[1])
