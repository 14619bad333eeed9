"""Issue 17: a student who wants the points without the work, against `mlcourse grade`.

One batched grading of every attack of tests/grading_fixtures/attacks.py (and an honest
submission and the instructor's solution), with real nbgrader, real kernels and, where
bubblewrap runs, the sandbox. Run with MLCOURSE_NO_SANDBOX=1 (CI does, once) to grade
without it: the oracle's guarantees still hold, the sandbox's do not, and every row
must say `unsandboxed`.
"""

import csv
import html
import json
import os
import re
import shutil
import socketserver
import subprocess
import sys
import threading
import uuid

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "grading_fixtures"))
import attacks as fixtures  # noqa: E402
import submissions  # noqa: E402

from mlcourse import losses  # noqa: E402
from mlcourse.grading import batch  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MLCOURSE = os.path.join(os.path.dirname(sys.executable), "mlcourse")
SANDBOXED = batch.use_sandbox()[0] is not None
CANARY = "MLCOURSE_TEST_CANARY"
# one batch grading for the whole module: under `pytest -n auto --dist loadgroup` its tests
# stay on one worker instead of each worker grading the batch again
pytestmark = pytest.mark.xdist_group("attacks_grading")


class Accomplice(socketserver.StreamRequestHandler):
    """Computes the reference for whoever asks (a classmate's server on the grader's machine)."""

    contacted = []

    def handle(self):
        function, prediction, target = json.loads(self.rfile.readline())
        Accomplice.contacted.append(function)
        value = getattr(losses, function)(np.array(prediction), np.array(target))
        self.wfile.write(json.dumps(np.asarray(value).tolist()).encode() + b"\n")


def _processes_with(token):
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if token.encode() in f.read():
                        found.append(int(pid))
            except OSError:
                pass
    return found


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Accomplice)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    outside = tmp_path_factory.mktemp("outside")
    marker, token = str(outside / "written-by-a-submission"), f"detached-{uuid.uuid4().hex}"
    cases = fixtures.attacks(server.server_address[1], marker, token)
    folder = tmp_path_factory.mktemp("attack_submissions")
    submissions.build(os.path.join(ROOT, "exercises", "ex01_losses", "ex01_losses.ipynb"), folder, cases)
    shutil.copy(os.path.join(ROOT, "solutions", "ex01_losses", "ex01_losses.ipynb"),
                folder / "instructor_ex01_losses.ipynb")
    out = tmp_path_factory.mktemp("attack_grades")
    run = subprocess.run([MLCOURSE, "grade", "ex01_losses", str(folder), "--jobs", "2", "--out", str(out),
                          "--timeout", "60", "--notebook-timeout", "120", "--quiet"], cwd=ROOT, capture_output=True,
                         text=True, timeout=1200, env={**os.environ, CANARY: "secret-of-the-grader"})
    server.shutdown()
    assert run.returncode == 0, run.stderr[-3000:]
    with open(out / "grades.csv") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    survivors = _processes_with(token)
    for pid in survivors:  # started by the submission through our grading: ours to stop
        os.kill(pid, 9)
    return {"rows": rows, "out": out, "cases": cases, "marker": marker, "survivors": survivors,
            "contacted": list(Accomplice.contacted), "stderr": run.stderr}


def _status(row):
    """The row's status without the sandbox mark, which must be there exactly when unsandboxed."""
    parts = row["status"].split("+")
    assert ("unsandboxed" in parts) == (not SANDBOXED), row["status"]
    return "+".join(p for p in parts if p != "unsandboxed")


def _feedback(out, student):
    folder = os.path.join(out, "feedback", student)
    text = "".join(open(os.path.join(folder, f)).read() for f in os.listdir(folder))
    return html.unescape(re.sub(r"<[^>]+>", "", text))


@pytest.mark.parametrize("student", list(fixtures.attacks(0, "", "")))
def test_each_attack_scores_zero_or_is_flagged(graded, student):
    row = graded["rows"][student]
    _, status, zero, needs_sandbox = graded["cases"][student]
    if needs_sandbox and not SANDBOXED:
        pytest.skip("without bubblewrap this attack works: the row is marked unsandboxed")
    assert _status(row) == status
    for cell in zero:
        assert float(row[cell]) == 0, cell
    for cell in set(fixtures.ALL_CELLS) - set(zero):
        assert float(row[cell]) > 0, cell  # the honest part of the submission keeps its points


def test_honest_work_keeps_full_marks(graded):
    for student in ("honest", "instructor"):
        row = graded["rows"][student]
        assert (_status(row), float(row["score"])) == ("ok", 10.0), student


def test_the_sandbox_isolates_the_kernel(graded):
    if not SANDBOXED:
        assert "WITHOUT the sandbox" in graded["stderr"]
        pytest.skip("bubblewrap is not running: nothing is isolated")
    assert not os.path.exists(graded["marker"])  # nothing written outside the scratch folder
    assert graded["survivors"] == []  # the detached process died with its kernel
    assert graded["contacted"] == []  # no network, not even the grader's loopback
    text = _feedback(graded["out"], "environment")
    assert "secret-of-the-grader" not in text and CANARY not in text
    assert "could not write" in _feedback(graded["out"], "writes_outside")


def test_tampering_is_explained_in_the_feedback(graded):
    assert "calls the reference implementation (mlcourse.losses.mse" in _feedback(graded["out"], "tracer_off")
    assert "inside another check" in _feedback(graded["out"], "nested_check")
    assert "arguments other than those its test cell gives" in _feedback(graded["out"], "patched_client")
    assert "out of turn" in _feedback(graded["out"], "out_of_turn")
    assert "replaced or bypassed" in _feedback(graded["out"], "fake_receipt")
    with open(os.path.join(graded["out"], "results.json")) as f:
        notes = {r["student"]: r["notes"] for r in json.load(f)}
    assert any("which is not a test cell" in note for note in notes["check_from_answer"])
