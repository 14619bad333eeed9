"""Answers graded by a person: a course directory for nbgrader's formgrader, and the merge back.

Exercise 9's written answers are nbgrader *manually graded* cells. ``mlcourse grade``
scores everything else and leaves these ``pending``; for the person who grades them it
keeps, in ``OUT/nbgrader/``, an nbgrader course directory with

* the course's ``nbgrader_config.py``, the assignment's source and release;
* ``autograded/<student>/<assignment>/*.ipynb``: each student's graded notebook;
* ``gradebook.db``: every student's submission with the auto-graded cells' points
  (the oracle's) and the written answers marked *needs manual grade*.

Open it in JupyterLab (``jupyter lab`` in that folder; *Nbgrader → Formgrader →
Manage submissions / Manual grading*) and grade the answers there. Running the same
``mlcourse grade`` command again (the cached results make it quick) reads the points
given from that gradebook and merges them into ``grades.csv`` and ``results.json``.
A submission that changed since (a resubmission) is graded again and its written
answers go back to pending: the person must read the new ones.
"""

import json
import os
import shutil

FOLDER = "nbgrader"


def _course(out, template, assignment):
    course = os.path.join(out, FOLDER)
    if not os.path.exists(os.path.join(course, "gradebook.db")):
        os.makedirs(course, exist_ok=True)
        for entry in ("nbgrader_config.py", "gradebook.db"):
            shutil.copy(os.path.join(template, entry), os.path.join(course, entry))
        for folder in ("solutions", "exercises"):
            source = os.path.join(template, folder, assignment)
            if os.path.isdir(source):
                shutil.copytree(source, os.path.join(course, folder, assignment), dirs_exist_ok=True)
    return course


def keep_autograded(files, out, student, assignment):
    """Write a worker's autograded notebooks, ``[(file name, bytes)]``, into the
    formgrader's course directory."""
    folder = os.path.join(out, FOLDER, "autograded", student, assignment)
    os.makedirs(folder, exist_ok=True)
    for name, data in files:
        with open(os.path.join(folder, os.path.basename(name)), "wb") as f:
            f.write(data)


def sync(out, template, assignment, results):
    """Put every result with manually graded cells into ``OUT/nbgrader``'s gradebook and
    merge the points a person already gave into the results (in place)."""
    if not any(r.get("manual") for r in results):
        return
    from nbgrader.api import Gradebook, MissingEntry

    course = _course(out, template, assignment)
    hashes_path = os.path.join(course, "graded.json")
    hashes = json.load(open(hashes_path)) if os.path.exists(hashes_path) else {}
    with Gradebook(f"sqlite:///{os.path.join(course, 'gradebook.db')}", "mlcourse") as gb:
        for result in results:
            manual, student = result.get("manual", {}), result["student"]
            if not manual or "cells" not in result:
                continue
            gb.update_or_create_student(student)
            try:
                submission = gb.find_submission(assignment, student)
                if hashes.get(student) != result.get("hash"):
                    gb.remove_submission(assignment, student)
                    raise MissingEntry()
            except MissingEntry:
                submission = gb.add_submission(assignment, student)
            hashes[student] = result.get("hash")
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.name in manual:
                        given = grade.manual_score
                        grade.needs_manual_grade = given is None
                        if given is not None:
                            result["cells"][grade.name] = float(given)
                    elif grade.name in result["cells"]:
                        grade.auto_score = float(result["cells"][grade.name] or 0.0)
                        grade.needs_manual_grade = False
            result["score"] = sum(v for v in result["cells"].values() if v is not None)
        gb.db.commit()
    with open(hashes_path, "w") as f:
        json.dump(hashes, f, indent=1)
