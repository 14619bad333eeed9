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
   Each kernel runs in a bubblewrap sandbox (:mod:`.sandbox`) and its checkers are
   clients of the worker's oracle (:mod:`.oracle`), which scores from its own record;
   the oracle's *script* (what each test cell checks, :mod:`.script`) and the kernel's
   ``mlcourse`` (the references under test removed) are made once, with the template.
   Where bubblewrap cannot run, grading goes on without it and every row is marked
   ``unsandboxed``.
3. Results are cached by content hash in ``OUT/.cache``: a rerun grades only new or
   changed submissions and those whose grading failed (``grader_error``).
4. ``OUT`` receives ``grades.csv``, ``feedback/<student>/*.html``, ``summary.png``,
   ``results.json`` and the similarity report (``similarity.csv``, ``similarity.html``).
"""

import concurrent.futures
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from mlcourse.authoring.release import tool_env

from . import manual, sandbox
from .report import write_reports
from .submissions import content_hash, discover, match_notebooks

GRADER_VERSION = "2"  # bump to invalidate cached results when grading changes


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


def _source_digest():
    """A digest of mlcourse's own source: the checkers, the references, the grader."""
    import mlcourse

    package = os.path.dirname(os.path.abspath(mlcourse.__file__))
    files = sorted(os.path.join(folder, f) for folder, _, names in os.walk(package) for f in names
                   if f.endswith(".py"))
    return content_hash(files)


def _prepare_oracle(root, assignment, notebooks, folder, template):
    """The oracle's script, the instructor's modules and the kernel's library, in ``folder``;
    the kernel's (stubbed) copies of the assignment's modules replace those of ``template``."""
    import nbformat

    from .script import assignment_modules, read_script

    source = os.path.join(root, "solutions", assignment)
    trusted = os.path.join(folder, "trusted", assignment)
    shutil.copytree(source, trusted, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints", "__pycache__"))
    scripts, targets = {}, []
    for name in notebooks:
        script = read_script(nbformat.read(os.path.join(source, f"{name}.ipynb"), as_version=4), trusted)
        scripts[name] = script
        targets += [t for t in script["under_test"] if t not in targets]
    with open(os.path.join(folder, "script.json"), "w") as f:
        json.dump(scripts, f, indent=1)
    for name, script in scripts.items():
        for warning in script["warnings"]:
            print(f"mlcourse grade: {name}.ipynb: {warning}", file=sys.stderr)
    sandbox.build_kernel_library(os.path.join(folder, "lib"), targets, trusted,
                                 os.path.join(template, "solutions", assignment))
    return {"script": os.path.join(folder, "script.json"), "trusted": trusted,
            "modules": assignment_modules(trusted), "lib": os.path.join(folder, "lib")}


def _cached_template(root, assignment, cache_dir, work):
    """The assignment's course template and the oracle's files, made once per version of
    its sources (and of mlcourse).

    Making them (``nbgrader generate_assignment``, a new gradebook, the script of the
    test cells, the kernel's library) takes seconds, as long as grading a few
    submissions; a rerun of the same assignment reuses them. Returns ``(template
    folder, notebook names, digest of the sources, the oracle's files)``: a cached
    result stands only while the sources, the configuration and the limits do.
    """
    import nbgrader

    source = os.path.join(root, "solutions", assignment)
    if not os.path.isdir(source):
        raise ValueError(f"invalid assignment = {assignment!r}: no folder {source}")
    notebooks = sorted(os.path.splitext(f)[0] for f in os.listdir(source) if f.endswith(".ipynb"))
    files = sorted(os.path.join(source, f) for f in os.listdir(source)
                   if os.path.isfile(os.path.join(source, f)) and not f.startswith("."))
    source_digest = content_hash([os.path.join(root, "nbgrader_config.py")] + files,
                                 nbgrader.__version__, _source_digest())
    template = os.path.join(cache_dir, f"template-{source_digest[:16]}")
    oracle_files = os.path.join(cache_dir, f"oracle-{source_digest[:16]}")
    if not (os.path.isdir(template) and os.path.exists(os.path.join(oracle_files, "files.json"))):
        made, made_oracle = os.path.join(work, "template"), os.path.join(work, "oracle")
        prepare_template(root, assignment, made)
        os.makedirs(made_oracle)
        files = _prepare_oracle(root, assignment, notebooks, made_oracle, made)
        for stale in os.listdir(cache_dir):
            if stale.startswith(("template-", "oracle-")):
                shutil.rmtree(os.path.join(cache_dir, stale), ignore_errors=True)
        shutil.move(made, template)
        shutil.move(made_oracle, oracle_files)
        with open(os.path.join(oracle_files, "files.json"), "w") as f:  # written last: the cache is whole
            json.dump({k: (v.replace(made_oracle, oracle_files) if isinstance(v, str) else v)
                       for k, v in files.items()}, f)
    with open(os.path.join(oracle_files, "files.json")) as f:
        return template, notebooks, source_digest, json.load(f)


def use_sandbox(requested=True):
    """``(bwrap path or None, why not)``: whether kernels run in bubblewrap."""
    if not requested or os.environ.get("MLCOURSE_NO_SANDBOX") == "1":
        return None, "the sandbox was switched off (--no-sandbox or MLCOURSE_NO_SANDBOX=1)"
    ok, detail = sandbox.availability()
    return (detail, None) if ok else (None, detail)


def grade(root, assignment, submissions, out, jobs=1, timeout=60, memory_mb=2048,
          max_output_bytes=1_000_000, progress=True, notebook_timeout=180, sandboxed=True, similarity=True):
    """Grade every submission of ``assignment`` in ``submissions``; write reports to ``out``.

    ``sandboxed=False`` (or ``MLCOURSE_NO_SANDBOX=1``) runs the kernels without
    bubblewrap, as happens where it cannot run; every row is then marked
    ``unsandboxed``. Returns the list of result dicts, sorted by student.
    """
    root, out = os.path.abspath(root), os.path.abspath(out)
    bwrap, why_not = use_sandbox(sandboxed)
    if bwrap is None:
        print(f"mlcourse grade: grading WITHOUT the sandbox: {why_not}. The checks still run in the grader's "
              "oracle, but a student's code can read and write whatever this user can (other submissions, "
              "the solutions) and reach the network. Every row is marked 'unsandboxed'.", file=sys.stderr)
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="mlcourse-grade-")
    cache_dir = os.path.join(out, ".cache", assignment)
    os.makedirs(cache_dir, exist_ok=True)
    workers = [Worker() for _ in range(max(1, jobs))]
    try:
        for worker in workers:  # they import nbgrader while the template is made
            worker.start()
        template, notebooks, source_digest, oracle_files = _cached_template(root, assignment, cache_dir, work)
        mplconfig = sandbox.matplotlib_config(os.path.join(cache_dir, "..", "matplotlib"))
        settings = (GRADER_VERSION, source_digest, timeout, notebook_timeout, memory_mb, max_output_bytes,
                    "sandbox" if bwrap else "unsandboxed")
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
                       "max_output_bytes": max_output_bytes, "bwrap": bwrap, "mplconfig": os.path.abspath(mplconfig),
                       "hidden": [root, out, os.path.abspath(submissions)], **oracle_files}
                result = _run_job(workers[slot], job, wall_clock)
                if bwrap is None:
                    result["status"] = [s for s in result["status"] if s != "ok"] or ["ok"]
                    result["status"].append("unsandboxed")
                result.update(student=submission.student, assignment=assignment, hash=digest,
                              files=[os.path.basename(p) for p in submission.files],
                              graded_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), graded_ns=time.time_ns())
                result["feedback"] = _keep_feedback(result.get("feedback", []), out, submission.student)
                autograded = result.pop("autograded", [])
                if result.get("manual"):  # kept for the person who grades the written answers
                    manual.keep_autograded(autograded, out, submission.student, assignment)
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
        manual.sync(out, template, assignment, ordered)
        if similarity:
            from .similarity import write_similarity

            found = {}
            for submission in discover(submissions, assignment, notebooks):
                matched = match_notebooks(submission, notebooks, os.path.join(work, "similarity", submission.student))
                found[submission.student] = list(matched.values())
            write_similarity(out, assignment, found,
                             [os.path.join(root, "solutions", assignment, f"{n}.ipynb") for n in notebooks],
                             [os.path.join(template, "exercises", assignment, f"{n}.ipynb") for n in notebooks])
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
