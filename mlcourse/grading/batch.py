"""``mlcourse grade``: autograde a folder of submissions in parallel, robustly.

1. A *template* course directory is made once: ``nbgrader_config.py`` and
   ``solutions/<assignment>`` are copied and ``nbgrader generate_assignment`` fills
   its gradebook.
2. ``jobs`` worker processes (``python -m mlcourse.grading.worker --serve``) take
   submissions one at a time; each is graded in a fresh copy of the template (own
   gradebook, own kernel spec with a memory limit), its notebook in its own kernel.
   Each notebook gets a fresh kernel, which the worker started while the notebook
   before it ran (:mod:`.kernels`: it is ready when needed; ``MLCOURSE_KERNELS_AHEAD=0``
   starts each only when needed). Kernels use Unix sockets in their own folder (no
   TCP port to collide on). A
   grading that fails for the grader's own reasons (kernel did not start, the
   worker died) is retried on a fresh worker; one that hangs is killed after a
   wall-clock limit. Nothing a submission does reaches another's result.
   Each kernel runs in a bubblewrap sandbox (:mod:`.sandbox`) and its checkers are
   clients of the worker's oracle (:mod:`.oracle`), which scores from its own record;
   the oracle's *script* (what each test cell checks, :mod:`.script`) and the kernel's
   ``mlcourse`` (the references under test removed) are made once, with the template.
   Where bubblewrap cannot run, grading goes on without it and every row is marked
   ``unsandboxed``.
   One function grades one submission, :func:`grade_submission` (files in as bytes,
   a record out); the local pool calls it in a slot, and with ``scheduler`` each
   submission is a Dask task that calls it on a cluster's worker (:mod:`.cluster`);
   :func:`store` writes each record the same way, wherever it was graded.
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
from .submissions import Submission, content_hash, discover, match_notebooks

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
    """A long-lived ``python -m mlcourse.grading.worker --serve`` process for one slot;
    its kernels' folders go in ``scratch`` if given."""

    def __init__(self, scratch=None):
        self.process = None
        self.scratch = scratch

    def start(self):
        import threading

        env = tool_env()
        if self.scratch:
            env["MLCOURSE_KERNELS_DIR"] = self.scratch
        self.process = subprocess.Popen([sys.executable, "-m", "mlcourse.grading.worker", "--serve"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True, start_new_session=True,
                                        env=env)
        self.answers = queue.Queue()
        process, answers = self.process, self.answers
        threading.Thread(target=lambda: [answers.put(line) for line in process.stdout] + [answers.put("")],
                         daemon=True).start()

    def stop(self, graceful=True):
        """Stop the process: ``graceful``, it is asked to (end of its input: it stops the
        kernel it started ahead and removes its folders) and killed only if it has not
        stopped within seconds; else killed at once (with every process of its group)."""
        if self.process is None:
            return
        if graceful:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.process.poll() is None:
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
            self.stop(graceful=False)
            return "timeout"
        except (BrokenPipeError, OSError):
            answer = ""
        if answer.strip() != "done":
            self.stop(graceful=False)
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
          max_output_bytes=1_000_000, progress=True, notebook_timeout=180, sandboxed=True, similarity=True,
          scheduler=None):
    """Grade every submission of ``assignment`` in ``submissions``; write reports to ``out``.

    ``sandboxed=False`` (or ``MLCOURSE_NO_SANDBOX=1``) runs the kernels without
    bubblewrap, as happens where it cannot run; every row is then marked
    ``unsandboxed``. ``scheduler`` (a Dask scheduler's address, ``tcp://host:8786``)
    grades each submission as a task on that cluster's workers (:mod:`.cluster`)
    instead of ``jobs`` local workers; the outputs are the same. Returns the list of
    result dicts, sorted by student.
    """
    root, out = os.path.abspath(root), os.path.abspath(out)
    cluster = None
    if scheduler is not None:
        from .cluster import Cluster

        cluster = Cluster(scheduler, sandboxed)  # connects first: a wrong address fails before any work
        sandbox_state = cluster.sandbox_state
    else:
        bwrap, why_not = use_sandbox(sandboxed)
        if bwrap is None:
            print(f"mlcourse grade: grading WITHOUT the sandbox: {why_not}. The checks still run in the grader's "
                  "oracle, but a student's code can read and write whatever this user can (other submissions, "
                  "the solutions) and reach the network. Every row is marked 'unsandboxed'.", file=sys.stderr)
        sandbox_state = "sandbox" if bwrap else "unsandboxed"
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="mlcourse-grade-")
    cache_dir = os.path.join(out, ".cache", assignment)
    os.makedirs(cache_dir, exist_ok=True)
    workers = [] if cluster else [Worker(os.path.join(work, f"kernels-{slot}")) for slot in range(max(1, jobs))]
    try:
        for worker in workers:  # they import nbgrader while the template is made
            worker.start()
        template, notebooks, source_digest, oracle_files = _cached_template(root, assignment, cache_dir, work)
        settings = (GRADER_VERSION, source_digest, timeout, notebook_timeout, memory_mb, max_output_bytes,
                    sandbox_state)
        results, pending = {}, []
        for submission in discover(submissions, assignment, notebooks):
            digest = content_hash(submission.files, *settings)
            cached = os.path.join(cache_dir, f"{submission.student}.json")
            if os.path.exists(cached):
                with open(cached) as f:
                    previous = json.load(f)
                # a row a worker graded without the sandbox is graded again once every worker has it
                if previous.get("hash") == digest and "grader_error" not in previous["status"] and not (
                        sandbox_state == "sandbox" and "unsandboxed" in previous["status"]):
                    results[submission.student] = previous
                    continue
            pending.append((submission, digest, cached))

        context = {"assignment": assignment, "notebooks": notebooks, "template": template, "timeout": timeout,
                   "notebook_timeout": notebook_timeout, "memory_bytes": memory_mb * 2**20,
                   "max_output_bytes": max_output_bytes,
                   # generous: the kernels' whole time budget (one per notebook), plus start-up and feedback
                   "wall_clock": notebook_timeout * len(notebooks) + 120, **oracle_files}
        bar = Progress(len(pending), assignment, progress, where=cluster.describe() if cluster else None)
        if cluster is None:
            context.update(bwrap=bwrap, hidden=[root, out, os.path.abspath(submissions)],
                           mplconfig=os.path.abspath(sandbox.matplotlib_config(os.path.join(cache_dir, "..",
                                                                                            "matplotlib"))))
            graded = _grade_locally(pending, context, workers, work)
        else:
            graded = cluster.grade(pending, context, template, os.path.dirname(oracle_files["script"]))
        for (submission, digest, cached), record in graded:
            result = store(record, submission, digest, assignment, out, cached)
            if result["student"] in results:  # never: each student is one task; a guard, not a merge
                raise RuntimeError(f"mlcourse grade: {result['student']!r} was graded twice in one run")
            results[result["student"]] = result
            bar.update(result)
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
        if cluster is not None:
            cluster.close()
        shutil.rmtree(work, ignore_errors=True)


def read_submission(submission):
    """A submission's files as ``[(file name, bytes)]``, in its order: what travels to a
    worker (a local slot or a Dask task). An ``.ipynb`` is read up to one byte past the
    largest notebook graded, which keeps a larger one invalid for the same reason."""
    from .worker import MAX_NOTEBOOK_BYTES

    files = []
    for path in submission.files:
        with open(path, "rb") as f:
            files.append((os.path.basename(path), f.read(MAX_NOTEBOOK_BYTES + 1) if path.endswith(".ipynb")
                          else f.read()))
    return files


def _read_files(paths):
    found = []
    for path in paths:
        if os.path.exists(path):
            with open(path, "rb") as f:
                found.append((os.path.basename(path), f.read()))
    return found


def grade_submission(context, student, files, scratch, worker):
    """Grade ONE submission: the unit of work, the same for a local slot and a Dask task.

    ``context`` holds the assignment's template, the oracle's files, the limits and the
    sandbox (paths on the machine that grades); ``files`` the submission as
    :func:`read_submission` gives it; ``scratch`` an empty folder of this grading's own;
    ``worker`` the :class:`Worker` process that grades it (retried on a fresh one when
    it dies). Returns the worker's result with the feedback and, for answers graded by
    a person, the autograded notebooks as ``[(file name, bytes)]``: a record that needs
    nothing of this machine to be stored (:func:`store`).
    """
    received = os.path.join(scratch, "received")
    os.makedirs(received, exist_ok=True)
    paths = []
    for name, data in files:
        path = os.path.join(received, os.path.basename(name))
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path)
    matched = match_notebooks(Submission(student, tuple(paths)), context["notebooks"],
                              os.path.join(scratch, "unpacked", student))
    job = {"template": context["template"], "course_dir": os.path.join(scratch, "course"),
           "assignment": context["assignment"], "student": student, "notebooks": matched,
           "timeout": context["timeout"], "notebook_timeout": context["notebook_timeout"],
           "memory_bytes": context["memory_bytes"], "max_output_bytes": context["max_output_bytes"],
           "bwrap": context["bwrap"], "mplconfig": context["mplconfig"], "hidden": context["hidden"],
           **{key: context[key] for key in ("script", "trusted", "modules", "lib")}}
    result = _run_job(worker, job, context["wall_clock"])
    if context["bwrap"] is None:
        result["status"] = [s for s in result["status"] if s != "ok"] or ["ok"]
        result["status"].append("unsandboxed")
    result["feedback"] = _read_files(result.get("feedback", []))
    autograded = result.pop("autograded", [])
    result["autograded"] = _read_files(autograded) if result.get("manual") else []
    return result


def store(record, submission, digest, assignment, out, cached):
    """Write one graded submission's feedback (and autograded notebooks) into ``out`` and
    its result into the cache ``cached``; return the result as ``results.json`` has it."""
    result = dict(record)
    feedback, autograded = result.pop("feedback", []), result.pop("autograded", [])
    result.update(student=submission.student, assignment=assignment, hash=digest,
                  files=[os.path.basename(p) for p in submission.files],
                  graded_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), graded_ns=time.time_ns())
    folder = os.path.join(out, "feedback", submission.student)
    result["feedback"] = []
    for name, data in feedback:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
        result["feedback"].append(os.path.relpath(os.path.join(folder, name), out))
    if result.get("manual"):  # kept for the person who grades the written answers
        manual.keep_autograded(autograded, out, submission.student, assignment)
    with open(cached, "w") as f:
        json.dump(result, f, indent=1)
    return result


def _grade_locally(pending, context, workers, work):
    """Yield ``(item, record)`` as ``len(workers)`` local worker processes grade ``pending``."""
    slots = queue.Queue()
    for index in range(len(workers)):
        slots.put(index)

    def run(item):
        submission = item[0]
        slot = slots.get()
        scratch = os.path.join(work, f"worker-{slot}")
        try:
            return item, grade_submission(context, submission.student, read_submission(submission), scratch,
                                          workers[slot])
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            slots.put(slot)

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(workers)) as pool:
        for future in concurrent.futures.as_completed([pool.submit(run, item) for item in pending]):
            yield future.result()


class Progress:
    """The progress bar of a run, local or on a cluster: submissions done, grader errors,
    submissions per second (tqdm's rate), and the last one graded."""

    def __init__(self, total, assignment, show=True, where=None):
        self.failed = 0
        self.bar = None
        if show and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=f"grading {assignment}" + (f" on {where}" if where else ""),
                            unit="submission")

    def update(self, result):
        self.failed += "grader_error" in result["status"]
        if self.bar:
            self.bar.set_postfix_str(f"grader errors {self.failed}, {result['student']}: {'+'.join(result['status'])}")
            self.bar.update()

    def close(self):
        if self.bar:
            self.bar.close()
