"""``mlcourse grade``: autograde a folder of submissions in parallel, robustly.

1. A *template* course directory is made once: ``nbgrader_config.py`` and
   ``solutions/<assignment>`` are copied and ``nbgrader generate_assignment`` fills
   its gradebook.
2. ``jobs`` worker processes (``python -m mlcourse.grading.worker --serve``) take
   submissions one at a time; each is graded in a fresh copy of the template (own
   gradebook, own kernel spec with a memory limit), its notebook in its own kernel.
   Kernels use Unix sockets in the job's folder (no TCP port to collide on). A
   grading that fails for the grader's own reasons (kernel did not start, the
   worker died) is retried on a fresh worker; one that hangs is killed after a
   wall-clock limit. Nothing a submission does reaches another's result.
3. Results are cached by content hash in ``OUT/.cache``: a rerun grades only new or
   changed submissions and those whose grading failed (``grader_error``).
4. ``OUT`` receives ``grades.csv``, ``feedback/<student>/*.html``, ``summary.png`` and
   ``results.json``.
"""

import concurrent.futures
import json
import os
import queue
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from mlcourse.authoring.release import tool_env
from .report import write_reports
from .submissions import content_hash, discover, match_notebooks

GRADER_VERSION = "1"  # bump to invalidate cached results when grading changes


def prepare_template(root, assignment, folder):
    """A course directory with the assignment in its gradebook; returns its notebook names."""
    source = os.path.join(root, "solutions", assignment)
    if not os.path.isdir(source):
        raise ValueError(f"invalid assignment = {assignment!r}: no folder {source}")
    if os.path.exists(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    shutil.copy(os.path.join(root, "nbgrader_config.py"), folder)
    shutil.copytree(source, os.path.join(folder, "solutions", assignment),
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    run = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force",
                          f"--CourseDirectory.root={folder}"], cwd=folder, capture_output=True, text=True,
                         env=tool_env())
    if run.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n{run.stderr[-3000:]}")
    return sorted(os.path.splitext(f)[0] for f in os.listdir(os.path.join(folder, "solutions", assignment))
                  if f.endswith(".ipynb"))


class Worker:
    """A long-lived ``python -m mlcourse.grading.worker --serve`` process for one slot."""

    def __init__(self):
        self.process = None

    def start(self):
        import threading

        self.process = subprocess.Popen([sys.executable, "-m", "mlcourse.grading.worker", "--serve"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True, start_new_session=True,
                                        env=tool_env())
        self.answers = queue.Queue()
        process, answers = self.process, self.answers
        threading.Thread(target=lambda: [answers.put(line) for line in process.stdout] + [answers.put("")],
                         daemon=True).start()

    def stop(self):
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
            self.process = None

    def run(self, job_path, wall_clock):
        """Return "done", "timeout" (the worker was killed) or "died"."""
        if self.process is None:
            self.start()
        try:
            self.process.stdin.write(job_path + "\n")
            self.process.stdin.flush()
            answer = self.answers.get(timeout=wall_clock)
        except queue.Empty:
            self.stop()
            return "timeout"
        except (BrokenPipeError, OSError):
            answer = ""
        if answer.strip() != "done":
            self.stop()
            return "died"
        return "done"


def _run_job(worker, job, wall_clock, attempts=3):
    """Grade one submission in a fresh copy of the template, retrying grader-side failures."""
    result = {"status": ["grader_error"], "notes": ["the worker did not report"]}
    for attempt in range(attempts):
        course_dir = job["course_dir"]
        if os.path.exists(course_dir):
            shutil.rmtree(course_dir, ignore_errors=True)
        shutil.copytree(job["template"], course_dir)
        job_path = os.path.join(os.path.dirname(course_dir), "job.json")
        job["result_path"] = os.path.join(os.path.dirname(course_dir), "result.json")
        if os.path.exists(job["result_path"]):
            os.remove(job["result_path"])
        with open(job_path, "w") as f:
            json.dump(job, f)
        outcome = worker.run(job_path, wall_clock)
        if outcome == "timeout":
            return {"status": ["timeout"], "notes": [f"grading took longer than {wall_clock:.0f} s and was "
                                                     "stopped; scored 0"]}
        if os.path.exists(job["result_path"]):
            with open(job["result_path"]) as f:
                result = json.load(f)
        else:
            result = {"status": ["grader_error"], "notes": ["the grading worker died without a result"]}
        if "grader_error" not in result["status"]:
            return result
        time.sleep(0.5 + attempt)  # e.g. a kernel port collision: try again
    return result


def _cached_template(root, assignment, cache_dir, work):
    """The assignment's course template, made once per version of its sources.

    Making it (``nbgrader generate_assignment`` and a new gradebook) takes seconds, as
    long as grading a few submissions; a rerun of the same assignment reuses it. Returns
    ``(template folder, notebook names, digest of the sources)``: a cached result stands
    only while the sources, the configuration and the limits do.
    """
    import nbgrader

    source = os.path.join(root, "solutions", assignment)
    if not os.path.isdir(source):
        raise ValueError(f"invalid assignment = {assignment!r}: no folder {source}")
    notebooks = sorted(os.path.splitext(f)[0] for f in os.listdir(source) if f.endswith(".ipynb"))
    source_digest = content_hash([os.path.join(root, "nbgrader_config.py")]
                                 + [os.path.join(source, f"{n}.ipynb") for n in notebooks], nbgrader.__version__)
    template = os.path.join(cache_dir, f"template-{source_digest[:16]}")
    if not os.path.isdir(template):
        made = os.path.join(work, "template")
        prepare_template(root, assignment, made)
        for stale in os.listdir(cache_dir):
            if stale.startswith("template-"):
                shutil.rmtree(os.path.join(cache_dir, stale), ignore_errors=True)
        shutil.move(made, template)
    return template, notebooks, source_digest


def grade(root, assignment, submissions, out, jobs=1, timeout=60, memory_mb=2048,
          max_output_bytes=1_000_000, progress=True, notebook_timeout=180):
    """Grade every submission of ``assignment`` in ``submissions``; write reports to ``out``.

    Returns the list of result dicts, sorted by student.
    """
    root, out = os.path.abspath(root), os.path.abspath(out)
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="mlcourse-grade-")
    cache_dir = os.path.join(out, ".cache", assignment)
    os.makedirs(cache_dir, exist_ok=True)
    workers = [Worker() for _ in range(max(1, jobs))]
    try:
        for worker in workers:  # they import nbgrader while the template is made
            worker.start()
        template, notebooks, source_digest = _cached_template(root, assignment, cache_dir, work)
        settings = (GRADER_VERSION, source_digest, timeout, notebook_timeout, memory_mb, max_output_bytes)
        results, pending = {}, []
        for submission in discover(submissions, assignment, notebooks):
            digest = content_hash(submission.files, *settings)
            cached = os.path.join(cache_dir, f"{submission.student}.json")
            if os.path.exists(cached):
                with open(cached) as f:
                    previous = json.load(f)
                if previous.get("hash") == digest and "grader_error" not in previous["status"]:
                    results[submission.student] = previous
                    continue
            pending.append((submission, digest, cached))

        slots = queue.Queue()
        for index in range(len(workers)):
            slots.put(index)
        # generous: the kernels' whole time budget (one per notebook), plus start-up and feedback
        wall_clock = notebook_timeout * len(notebooks) + 120

        def run(item):
            submission, digest, cached = item
            slot = slots.get()
            try:
                slot_dir = os.path.join(work, f"worker-{slot}")
                matched = match_notebooks(submission, notebooks, os.path.join(slot_dir, "unpacked", submission.student))
                job = {"template": template, "course_dir": os.path.join(slot_dir, "course"),
                       "assignment": assignment, "student": submission.student, "notebooks": matched,
                       "timeout": timeout, "notebook_timeout": notebook_timeout, "memory_bytes": memory_mb * 2**20,
                       "max_output_bytes": max_output_bytes, "key": secrets.token_hex(16)}
                result = _run_job(workers[slot], job, wall_clock)
                result.update(student=submission.student, assignment=assignment, hash=digest,
                              files=[os.path.basename(p) for p in submission.files],
                              graded_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), graded_ns=time.time_ns())
                result["feedback"] = _keep_feedback(result.get("feedback", []), out, submission.student)
                with open(cached, "w") as f:
                    json.dump(result, f, indent=1)
                return result
            finally:
                shutil.rmtree(os.path.join(work, f"worker-{slot}"), ignore_errors=True)
                slots.put(slot)

        bar = None
        if progress and pending:
            from tqdm import tqdm
            bar = tqdm(total=len(pending), desc=f"grading {assignment}", unit="submission")
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            for future in concurrent.futures.as_completed([pool.submit(run, item) for item in pending]):
                result = future.result()
                results[result["student"]] = result
                if bar:
                    bar.set_postfix_str(f"{result['student']}: {'+'.join(result['status'])}")
                    bar.update()
        if bar:
            bar.close()
        ordered = [results[s] for s in sorted(results)]
        write_reports(ordered, out, assignment)
        return ordered
    finally:
        for worker in workers:
            worker.stop()
        shutil.rmtree(work, ignore_errors=True)


def _keep_feedback(paths, out, student):
    """Copy a worker's feedback HTML into ``out/feedback/<student>/``; return the new paths."""
    kept = []
    folder = os.path.join(out, "feedback", student)
    for path in paths:
        if os.path.exists(path):
            os.makedirs(folder, exist_ok=True)
            target = os.path.join(folder, os.path.basename(path))
            shutil.copy(path, target)
            kept.append(os.path.relpath(target, out))
    return kept
