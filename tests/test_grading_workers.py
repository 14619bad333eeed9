"""The orchestrator's handling of failing workers (no kernels: workers are faked)."""

import json
import os

import pytest

from mlcourse.grading import batch


class ScriptedWorker:
    """Answers each job with the next outcome of a script, writing a result when "done"."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.jobs = 0

    def run(self, job_path, wall_clock):
        self.jobs += 1
        outcome, status = self.outcomes.pop(0)
        if outcome == "done":
            with open(job_path) as f:
                job = json.load(f)
            with open(job["result_path"], "w") as f:
                json.dump({"status": [status], "score": 1.0}, f)
        return outcome


@pytest.fixture
def job(tmp_path, monkeypatch):
    monkeypatch.setattr(batch.time, "sleep", lambda seconds: None)
    template = tmp_path / "template"
    template.mkdir()
    (template / "gradebook.db").write_text("")
    return {"template": str(template), "course_dir": str(tmp_path / "slot" / "course")}


def test_a_worker_that_dies_is_retried(job):
    worker = ScriptedWorker(("died", None), ("done", "ok"))
    assert batch._run_job(worker, job, wall_clock=5)["status"] == ["ok"]
    assert worker.jobs == 2


def test_grader_errors_are_retried_then_reported(job):
    worker = ScriptedWorker(*[("done", "grader_error")] * 3)
    assert batch._run_job(worker, job, wall_clock=5)["status"] == ["grader_error"]
    assert worker.jobs == 3


def test_a_hanging_grading_is_a_timeout_not_retried(job):
    worker = ScriptedWorker(("timeout", None))
    result = batch._run_job(worker, job, wall_clock=5)
    assert result["status"] == ["timeout"] and "longer than 5 s" in result["notes"][0]
    assert worker.jobs == 1


def test_a_real_worker_survives_a_broken_job(tmp_path):
    """The real worker process reports an unreadable job as grader_error and keeps serving;
    stopped, it leaves no folder of its kernels behind."""
    kernels = tmp_path / "kernels"
    worker = batch.Worker(str(kernels))
    try:
        for attempt in range(2):
            job_path = tmp_path / f"job{attempt}.json"
            result_path = tmp_path / f"result{attempt}.json"
            job_path.write_text(json.dumps({"course_dir": str(tmp_path / "nowhere"), "result_path": str(result_path),
                                            "assignment": "x", "student": "s", "lib": "", "timeout": 1,
                                            "max_output_bytes": 10, "notebooks": {}}))
            assert worker.run(str(job_path), wall_clock=120) == "done"
            assert json.loads(result_path.read_text())["status"] == ["grader_error"]
        assert len(os.listdir(kernels)) == 1  # the worker's folder of kernels
    finally:
        worker.stop()
    assert os.listdir(kernels) == []


@pytest.mark.parametrize("argv, message", [
    (["grade", "ex01_losses", "/no/such/folder"], "invalid SUBMISSIONS = '/no/such/folder'"),
    (["grade", "ex01_losses", ".", "--jobs", "0"], "invalid --jobs = 0"),
    (["grade", "ex01_losses", ".", "--notebook-timeout", "0"], "invalid --notebook-timeout = 0"),
    (["grade", "ex01_losses", ".", "--timeout", "-5"], "invalid --timeout = -5"),
    (["release", "ex99_nothing"], "invalid assignment = 'ex99_nothing'"),
    (["grade", "ex01_losses", ".", "--root", "/"], "no nbgrader_config.py"),
])
def test_cli_rejects_bad_arguments(argv, message, capsys):
    import os

    from mlcourse.cli import main

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    assert main([*argv, "--root", root] if "--root" not in argv else argv) == 2
    assert message in capsys.readouterr().err


def test_the_cells_the_oracle_scores_are_those_that_call_a_checker():
    from mlcourse.grading.worker import calls_a_checker

    assert calls_a_checker('"""Check mse."""\nchecks.check_loss(mse, mse_grad, "mse")')
    assert calls_a_checker("from ema_checks import check_ema\ncheck_ema(update, init)")  # an instructor's own
    assert not calls_a_checker('"""Check mse (hidden test)."""\npass  # hidden tests run when graded')


def test_a_grading_kernel_starts_without_scipy():
    """Every grading kernel imports the checkers' client, and with it mlcourse.search (the
    wire format of search spaces): importing SciPy's statistics there (the main effects of
    a search, a checker's test) cost about half a second of every submission's grading."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", "import sys, mlcourse.checks, mlcourse.checks._client, mlcourse.search; "
                          "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scipy', 'sklearn')))"],
                         capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_a_grading_worker_starts_without_the_uri_grammars():
    """nbformat's validator (jsonschema) would import rfc3987_syntax, whose Lark grammars
    took most of a second at every worker's start, for formats no notebook schema checks."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", "import sys, mlcourse.grading.worker, nbformat; "
                          "nbformat.validate(nbformat.v4.new_notebook()); "
                          "print(sys.modules.get('rfc3987_syntax') is not None)"],
                         capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"


def test_feedback_templates_are_compiled_once_per_worker(monkeypatch):
    """nbgrader makes a new exporter for every submission's feedback; the worker's exporter
    class shares the compiled templates, so the second submission compiles none."""
    import jinja2
    import nbformat

    from mlcourse.grading import worker

    exporter = worker.feedback_exporter()
    assert worker.feedback_exporter() is exporter
    compiled = []
    compile_template = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile",
                        lambda self, *args, **kwargs: compiled.append(args) or compile_template(self, *args, **kwargs))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("answer = 6 * 7")])
    first, _ = exporter().from_notebook_node(notebook)
    after_first = len(compiled)
    second, _ = exporter().from_notebook_node(notebook)
    assert after_first > 0 and len(compiled) == after_first
    assert "answer" in first and "answer" in second
