"""`mlcourse grade` end to end, with real nbgrader and real kernels.

One batched run per scenario group (module-scoped fixtures): every wrong, hostile and
broken submission of tests/grading_fixtures goes through a single `mlcourse grade`.
"""

import csv
import os
import shutil
import subprocess
import sys

import pytest

from mlcourse.grading import batch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "grading_fixtures"))
import submissions as fixtures  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MLCOURSE = os.path.join(os.path.dirname(sys.executable), "mlcourse")
CELL_TIMEOUT = 15  # seconds; the infinite loop costs this much (generous: the machine is shared)
NOTEBOOK_TIMEOUT = 30  # seconds for a whole notebook; the solutions need a few
# A kernel's address space: well above what a kernel with NumPy needs (~0.7 GB), well below
# the 2 GB default, so that the memory hog hits it after a few allocations, fast even on a
# loaded machine (with 2 GB, filling it could take longer than CELL_TIMEOUT: `timeout`).
MEMORY_MB = 1200
# Each batch is graded once per pytest process: under `pytest -n auto --dist loadgroup` the
# tests of one batch share an xdist group (one worker), so no worker grades it again.
EX01_BATCH, EX02_BATCH = pytest.mark.xdist_group("ex01_batch"), pytest.mark.xdist_group("ex02_batch")


def grade(assignment, submissions, out, jobs, *, timeout=CELL_TIMEOUT, notebook_timeout=NOTEBOOK_TIMEOUT,
          memory=MEMORY_MB):
    """`mlcourse grade` on a folder of submissions; the rows of grades.csv by student.
    ``memory=None`` keeps mlcourse grade's own limit."""
    limits = [] if memory is None else ["--memory", str(memory)]
    run = subprocess.run([MLCOURSE, "grade", assignment, str(submissions), "--jobs", str(jobs), "--out", str(out),
                          "--timeout", str(timeout), "--notebook-timeout", str(notebook_timeout), *limits,
                          "--quiet"],
                         cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stderr[-3000:]
    with open(os.path.join(out, "grades.csv")) as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def status(row):
    """The row's status; without bubblewrap (MLCOURSE_NO_SANDBOX=1) every row ends with
    +unsandboxed, which must then be there."""
    parts = row["status"].split("+")
    assert ("unsandboxed" in parts) == (batch.use_sandbox()[0] is None), row["status"]
    return "+".join(p for p in parts if p != "unsandboxed")


def add_reference_notebooks(folder, assignment):
    """The instructor's solution and the untouched release, as two more students."""
    shutil.copy(os.path.join(ROOT, "solutions", assignment, f"{assignment}.ipynb"),
                os.path.join(folder, f"instructor_{assignment}.ipynb"))
    shutil.copy(os.path.join(ROOT, "exercises", assignment, f"{assignment}.ipynb"),
                os.path.join(folder, f"untouched_{assignment}.ipynb"))


@pytest.fixture(scope="session")
def ex01(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ex01_submissions")
    fixtures.build(os.path.join(ROOT, "exercises", "ex01_losses", "ex01_losses.ipynb"), folder, fixtures.EX01)
    fixtures.add_broken(folder, "ex01_losses")
    add_reference_notebooks(folder, "ex01_losses")
    out = tmp_path_factory.mktemp("ex01_grades")
    return grade("ex01_losses", folder, out, jobs=2), out


@pytest.fixture(scope="session")
def ex02(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ex02_submissions")
    fixtures.build(os.path.join(ROOT, "exercises", "ex02_gradient_descent", "ex02_gradient_descent.ipynb"),
                   folder, fixtures.EX02)
    add_reference_notebooks(folder, "ex02_gradient_descent")
    serial, parallel = tmp_path_factory.mktemp("ex02_serial"), tmp_path_factory.mktemp("ex02_parallel")
    return folder, grade("ex02_gradient_descent", folder, serial, jobs=1), serial, parallel


def feedback_text(out, student):
    import html
    import re

    folder = os.path.join(out, "feedback", student)
    text = "".join(open(os.path.join(folder, f)).read() for f in os.listdir(folder))
    return html.unescape(re.sub(r"<[^>]+>", "", text))


@EX01_BATCH
@pytest.mark.parametrize("student", ["instructor", "correct", "55555"])
def test_correct_work_gets_full_marks(ex01, student):
    rows, out = ex01
    row = rows[student]  # 55555: a zip named as Canvas exports it
    assert (status(row), float(row["score"]), float(row["max_score"])) == ("ok", 10.0, 10.0)
    assert os.path.exists(os.path.join(out, "feedback", student, "ex01_losses.html"))


@EX01_BATCH
def test_untouched_release_gets_zero(ex01):
    row = ex01[0]["untouched"]
    assert (status(row), float(row["score"])) == ("ok", 0.0)


@EX01_BATCH
@pytest.mark.parametrize("student", [s for s in fixtures.EX01 if s != "correct"])
def test_wrong_and_hostile_submissions(ex01, student):
    rows, out = ex01
    row = rows[student]
    _, expected, zero, hint = fixtures.EX01[student]
    assert status(row) == expected
    for cell in zero:
        assert float(row[cell]) == 0, cell
    for cell in fixtures.EX01_FULL.get(student, []):
        assert float(row[cell]) > 0, cell
    if zero:
        assert float(row["score"]) < float(row["max_score"])
    if hint:
        assert hint in feedback_text(out, student)


@EX01_BATCH
def test_invalid_notebook_is_reported_not_fatal(ex01):
    rows, out = ex01
    row = rows["broken_json"]
    assert (status(row), float(row["score"]), float(row["max_score"])) == ("invalid_notebook", 0.0, 10.0)


@EX01_BATCH
def test_reports(ex01):
    rows, out = ex01
    with open(os.path.join(out, "grades.csv")) as f:
        header = next(csv.reader(f))
    assert header == ["student", "assignment", "score", "max_score", "status",
                      "test_mse", "test_mse_hidden", "test_cross_entropy", "test_cross_entropy_hidden"]
    assert len(rows) == len(fixtures.EX01) + 4
    with open(os.path.join(out, "summary.png"), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


@EX02_BATCH
def test_ex02_solution_release_and_hints(ex02):
    folder, rows, serial, _ = ex02
    assert (status(rows["instructor"]), float(rows["instructor"]["score"])) == ("ok", 10.0)
    assert float(rows["untouched"]["score"]) == 0.0
    for student, (_, expected, zero, hint) in fixtures.EX02.items():
        assert status(rows[student]) == expected, student
        assert all(float(rows[student][cell]) == 0 for cell in zero), student
        assert all(float(rows[student][cell]) > 0 for cell in fixtures.EX02_FULL.get(student, [])), student
        if hint:
            assert hint in feedback_text(serial, student), student


@EX02_BATCH
def test_parallel_and_serial_grading_agree(ex02):
    folder, rows, serial, parallel = ex02
    grade("ex02_gradient_descent", folder, parallel, jobs=2)
    with open(os.path.join(serial, "grades.csv")) as a, open(os.path.join(parallel, "grades.csv")) as b:
        assert a.read() == b.read()


@EX02_BATCH
def test_rerun_grades_only_what_changed(ex02, tmp_path):
    folder, rows, serial, _ = ex02
    submissions, out = tmp_path / "submissions", tmp_path / "out"
    shutil.copytree(folder, submissions)
    shutil.copytree(serial, out)
    before = fixtures.load_json(out / "results.json")
    templates = sorted((out / ".cache" / "ex02_gradient_descent").glob("template-*"))
    assert len(templates) == 1
    made_at = templates[0].stat().st_mtime_ns
    fixtures.build(os.path.join(ROOT, "exercises", "ex02_gradient_descent", "ex02_gradient_descent.ipynb"),
                   submissions, {"ascends": fixtures.EX02["correct"]})  # the student fixed the sign
    after_rows = grade("ex02_gradient_descent", submissions, out, jobs=2)
    after = fixtures.load_json(out / "results.json")
    regraded = {a["student"] for a, b in zip(after, before) if a["graded_ns"] != b["graded_ns"]}
    assert regraded == {"ascends"}
    assert (status(after_rows["ascends"]), float(after_rows["ascends"]["score"])) == ("ok", 10.0)
    # the course template (nbgrader's generated assignment and gradebook) was reused, not made again
    assert sorted((out / ".cache" / "ex02_gradient_descent").glob("template-*")) == templates
    assert templates[0].stat().st_mtime_ns == made_at
