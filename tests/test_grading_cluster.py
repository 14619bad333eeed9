"""`mlcourse grade --scheduler`: the same grading on a real Dask cluster.

A `LocalCluster` (a scheduler and two worker processes, each under its nanny, over TCP on
the loopback interface) grades a folder of exercise-1 fixtures; the outputs must be
those of `--jobs 2` on the same folder. One run loses a worker (killed with SIGKILL
while it grades) and must still give every student once, with the right score; one
submission kills every worker that grades it and must end as `grader_error` after the
scheduler's bounded retries, not loop forever.
"""

import csv
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from mlcourse.grading import batch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "grading_fixtures"))
import submissions as fixtures  # noqa: E402

distributed = pytest.importorskip("distributed")  # in .[dev] and .[cluster]: present wherever make test runs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MLCOURSE = os.path.join(os.path.dirname(sys.executable), "mlcourse")
LIMITS = ["--timeout", "15", "--notebook-timeout", "30", "--memory", "1200"]
# a full score, a named mistake, a tampered one, a dead kernel (+ an invalid notebook and a zip, add_broken)
STUDENTS = ["correct", "mse_grad_no_factor_2", "calls_reference", "kernel_crash"]
ASSIGNMENT = "ex01_losses"
# one pytest worker grades these batches (pytest -n auto --dist loadgroup), as in test_grading_batch
pytestmark = pytest.mark.xdist_group("cluster_grading")


def run_grade(submissions, out, *options):
    run = subprocess.run([MLCOURSE, "grade", ASSIGNMENT, str(submissions), "--out", str(out), *LIMITS, "--quiet",
                          *options], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    return rows(out)


def rows(out):
    with open(os.path.join(out, "grades.csv")) as f:
        return list(csv.DictReader(f))


def results(out):
    """results.json without the time each row was graded."""
    with open(os.path.join(out, "results.json")) as f:
        return [{k: v for k, v in r.items() if k not in ("graded_at", "graded_ns")} for r in json.load(f)]


def graded_ns(out):
    with open(os.path.join(out, "results.json")) as f:
        return {r["student"]: r["graded_ns"] for r in json.load(f)}


def with_template(local, out):
    """A fresh output folder holding only the course template and the oracle's files of
    ``local``'s cache (made as a first run makes them): every submission is graded again."""
    cache = os.path.join(out, ".cache", ASSIGNMENT)
    os.makedirs(cache)
    for made in glob.glob(os.path.join(local, ".cache", ASSIGNMENT, "*-*")):
        shutil.copytree(made, os.path.join(cache, os.path.basename(made)))
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster_submissions")
    fixtures.build(os.path.join(ROOT, "exercises", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), folder,
                   {s: fixtures.EX01[s] for s in STUDENTS})
    fixtures.add_broken(folder, ASSIGNMENT)  # an invalid notebook and a zip named as Canvas exports it
    return folder


@pytest.fixture(scope="module")
def local(folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("cluster_local")
    run_grade(folder, out, "--jobs", "2")
    return out


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes (one thread each) and a scheduler, over TCP on 127.0.0.1. A
    task whose worker dies is run again once; the second death gives up on it."""
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, protocol="tcp",
                                      host="127.0.0.1", dashboard_address=None) as cluster:
            with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
                assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
                yield cluster, client


def ready(cluster):
    """The cluster, once both workers are up again (a killed one is restarted by its nanny)."""
    cluster, client = cluster
    client.wait_for_workers(2, timeout=120)
    return cluster.scheduler_address, client


def test_a_cluster_run_gives_what_jobs_2_gives(folder, local, cluster, tmp_path):
    address, _ = ready(cluster)
    out = with_template(local, tmp_path / "cluster")
    graded = run_grade(folder, out, "--scheduler", address)
    assert [r["student"] for r in graded] == sorted(STUDENTS + ["broken_json", "55555"])
    for name in ("grades.csv", "similarity.csv", "summary.png"):
        with open(os.path.join(local, name), "rb") as a, open(os.path.join(out, name), "rb") as b:
            assert a.read() == b.read(), name
    assert results(out) == results(local)
    # the feedback: the same pages (their hidden tests draw fresh random cases in every run)
    feedback = sorted(os.path.relpath(p, out) for p in glob.glob(os.path.join(out, "feedback", "*", "*.html")))
    assert feedback == sorted(os.path.relpath(p, local) for p in glob.glob(os.path.join(local, "feedback", "*",
                                                                                          "*.html")))
    assert len(feedback) == len(STUDENTS) + 1  # every notebook that could be run: not broken_json
    by_student = {r["student"]: r for r in graded}
    assert (by_student["correct"]["score"], by_student["calls_reference"]["status"]) == ("10", "tampered")


def test_a_cluster_run_resumes_from_the_cache(folder, local, cluster, tmp_path):
    """An interrupted run (here: two results missing from a --jobs 2 run's cache) grades
    only what is missing, on the cluster, and ends with the same grades."""
    address, _ = ready(cluster)
    out = tmp_path / "resumed"
    shutil.copytree(local, out)
    for student in ("correct", "broken_json"):
        os.remove(out / ".cache" / ASSIGNMENT / f"{student}.json")
    before = graded_ns(out)
    run_grade(folder, out, "--scheduler", address)
    after = graded_ns(out)
    assert {s for s in after if after[s] != before[s]} == {"correct", "broken_json"}
    assert rows(out) == rows(local)


def test_a_killed_worker_loses_nothing(folder, local, cluster, tmp_path):
    """SIGKILL to a worker process while it grades: its submission is graded again by the
    other worker (or by the one its nanny restarts); every student comes out once, with the
    score of the --jobs 2 run; the killed worker's grading process and kernel die with it."""
    import psutil

    address, client = ready(cluster)
    out = with_template(local, tmp_path / "killed")
    grading = subprocess.Popen([MLCOURSE, "grade", ASSIGNMENT, str(folder), "--out", str(out), *LIMITS, "--quiet",
                                "--scheduler", address], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        victim, key, deadline = None, None, time.monotonic() + 300
        while victim is None and time.monotonic() < deadline and grading.poll() is None:
            for worker, keys in client.processing().items():
                grades = [k for k in keys if str(k).startswith("mlcourse-grade-")]
                if grades:
                    pid = client.run(os.getpid, workers=[worker])[worker]
                    children = psutil.Process(pid).children(recursive=True)
                    if any("mlcourse.grading.worker" in " ".join(c.cmdline()) for c in children):
                        victim, key = (worker, pid, children), grades[0]
                        break
            time.sleep(0.2)
        assert victim is not None, "no worker was seen grading"
        worker, pid, children = victim
        os.kill(pid, signal.SIGKILL)  # mid-grading: its grading process is running
        gone, alive = psutil.wait_procs(children, timeout=30)
        assert not alive, [p.cmdline() for p in alive]
        stdout, stderr = grading.communicate(timeout=900)
    finally:
        if grading.poll() is None:
            grading.kill()
    assert grading.returncode == 0, stderr[-3000:]
    graded = rows(out)
    assert [r["student"] for r in graded] == [r["student"] for r in rows(local)]  # each once, none lost
    assert graded == rows(local)
    student = key.split(f"mlcourse-grade-{ASSIGNMENT}-")[1].rsplit("-", 1)[0]
    assert student in {r["student"] for r in graded}


def _grade_or_kill(bundle, context, student, files):
    """The cluster's task, except for the student "killer", whose grading kills its worker."""
    if student == "killer":
        os.kill(os.getpid(), signal.SIGKILL)
    from mlcourse.grading import cluster

    return cluster.grade_task(bundle, context, student, files)


def test_a_submission_that_keeps_killing_workers_ends_as_grader_error(folder, local, cluster, tmp_path,
                                                                      monkeypatch):
    from mlcourse.grading import cluster as cluster_module

    address, _ = ready(cluster)
    submissions, out = tmp_path / "submissions", tmp_path / "out"
    shutil.copytree(folder, submissions)
    shutil.copy(submissions / f"correct_{ASSIGNMENT}.ipynb", submissions / f"killer_{ASSIGNMENT}.ipynb")
    shutil.copytree(local, out)  # the others are cached: only the killer is sent to the cluster
    monkeypatch.setattr(cluster_module, "grade_task", _grade_or_kill)
    graded = {r["student"]: r for r in batch.grade(ROOT, ASSIGNMENT, str(submissions), str(out), timeout=15,
                                                   notebook_timeout=30, memory_mb=1200, progress=False,
                                                   scheduler=address)}
    assert graded["killer"]["status"] == ["grader_error"]
    assert "killed its Dask worker" in graded["killer"]["notes"][0]
    assert [r["student"] for r in rows(out)] == sorted(STUDENTS + ["broken_json", "55555", "killer"])
    assert [r for r in rows(out) if r["student"] != "killer"] == rows(local)


def test_bad_scheduler_addresses_are_named(tmp_path, capsys, monkeypatch):
    from mlcourse.cli import main
    from mlcourse.grading import cluster as cluster_module

    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT", 3)  # nothing listens on port 9: no need to wait 30 s
    folder = tmp_path / "empty"
    folder.mkdir()
    argv = ["grade", ASSIGNMENT, str(folder), "--root", ROOT, "--out", str(tmp_path / "out"), "--quiet"]
    assert main([*argv, "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "invalid --scheduler = 'tcp://127.0.0.1:9': no Dask scheduler answered within 3 s" in capsys.readouterr().err
    assert main([*argv, "--scheduler", "tcp://127.0.0.1:9", "--jobs", "2"]) == 2
    assert "invalid --jobs = 2 with --scheduler" in capsys.readouterr().err
