"""``mlcourse grade ... --scheduler ADDRESS``: the same grading, as tasks on a Dask cluster.

A class bigger than one machine is graded on an existing distributed engine, Dask's
(``distributed``), not a scheduler of our own. The unit of work is the one a local run
has: :func:`mlcourse.grading.batch.grade_submission`, the sandboxed, oracle-checked
grading of one submission in a fresh copy of the course template, by a
``python -m mlcourse.grading.worker --serve`` process. Here it runs on a Dask worker:

* **what travels**: the assignment's *bundle* (the course template and the oracle's
  files: script, the instructor's modules, the kernel's library; a tar.gz made once
  per version of the sources) is one task whose result every worker fetches once and
  unpacks into its own scratch folder; each submission travels as its files' bytes and
  comes back as a record (scores, statuses, notes, the feedback HTML as bytes), which
  the machine that runs ``mlcourse grade`` stores exactly as a local run does
  (:func:`mlcourse.grading.batch.store`): ``grades.csv``, the feedback, the summary,
  ``results.json`` and the similarity report are those of a local run;
* **nothing lost**: a Dask worker that dies mid-grading (its grading process and
  kernel die with it, :func:`mlcourse.grading.worker._die_with_parent`) has its task
  run again on another worker by the scheduler; a submission that keeps killing
  workers is given up after the scheduler's ``distributed.scheduler.allowed-failures``
  (3 by default) and ends as ``grader_error``, as does a task that raised after its
  retries; every result is cached as it arrives, so an interrupted run resumes;
* **nothing twice**: each student is one task with its own key, its result is taken
  once; at most a few times the cluster's threads are in flight, so that the scheduler
  never holds a whole class's notebooks.

Each Dask worker thread keeps one grading process (nbgrader is imported once per
thread, not per submission), stopped at the end of the run when idle. A worker checks
for itself whether bubblewrap can run there; the rows it grades without are marked
``unsandboxed``.
"""

import io
import os
import shutil
import sys
import tarfile
import tempfile
import threading

from . import batch

CONNECT_TIMEOUT = 30  # seconds to reach the scheduler
WORKER_WAIT = 300  # seconds to wait for the cluster's first worker (a batch system may take a while)
TASK_RETRIES = 2  # a task that raises (not one that kills its worker) is tried this many more times
TASKS_PER_THREAD = 4  # submissions in flight per worker thread


class Cluster:
    """A connection to a Dask scheduler, for one ``mlcourse grade`` run."""

    def __init__(self, address, sandboxed=True, connect_timeout=None, worker_wait=None):
        connect_timeout = CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
        worker_wait = WORKER_WAIT if worker_wait is None else worker_wait
        try:
            from distributed import Client
        except ImportError:
            raise ValueError(f"invalid --scheduler = {address!r}: grading on a Dask cluster needs dask's "
                             "distributed package; install it with pip install 'mlcourse[cluster]'") from None
        self.address, self.sandboxed = address, sandboxed
        try:
            self.client = Client(address, timeout=connect_timeout, set_as_default=False)
        except Exception as error:
            raise ValueError(f"invalid --scheduler = {address!r}: no Dask scheduler answered within "
                             f"{connect_timeout} s ({type(error).__name__}: {error})") from None
        try:
            if not self.client.scheduler_info()["workers"]:
                print(f"mlcourse grade: waiting up to {worker_wait} s for a worker to join {address}",
                      file=sys.stderr)
                self.client.wait_for_workers(1, timeout=worker_wait)
            found = self.client.run(_sandbox_here, sandboxed)
            sources = self.client.run(batch._source_digest)
        except Exception as error:
            self.client.close()
            raise ValueError(f"invalid --scheduler = {address!r}: the cluster has no worker to grade with "
                             f"({type(error).__name__}: {error})") from None
        ours = batch._source_digest()
        other = sorted(worker for worker, digest in sources.items() if digest != ours)
        if other:  # their grader, checkers and kernel library would not be the ones the results are cached for
            self.client.close()
            raise ValueError(f"invalid --scheduler = {address!r}: {len(other)} of its {len(sources)} workers "
                             f"({', '.join(other[:3])}{', ...' if len(other) > 3 else ''}) run another version of "
                             "mlcourse than this machine; start them in the course's environment, at the same "
                             "commit (guide/instructors.md, 'Grading on a cluster')")
        without = sorted(worker for worker, (bwrap, _) in found.items() if bwrap is None)
        self.sandbox_state = "unsandboxed" if without else "sandbox"
        if without:
            why = found[without[0]][1]
            print(f"mlcourse grade: {len(without)} of the cluster's {len(found)} workers grade WITHOUT the "
                  f"sandbox ({', '.join(without[:5])}{', ...' if len(without) > 5 else ''}: {why}). The checks "
                  "still run in the grader's oracle, but a student's code can read what that worker's user "
                  "can and reach the network; the rows they grade are marked 'unsandboxed'.", file=sys.stderr)

    def describe(self):
        return f"{self.address} ({len(self.client.scheduler_info()['workers'])} workers)"

    def grade(self, pending, context, template, oracle):
        """Yield ``(item, record)`` for each ``(submission, digest, cache file)`` of
        ``pending``, graded by the cluster's workers; ``template`` and ``oracle`` are the
        assignment's folders that :func:`pack` ships to them."""
        from distributed import as_completed

        if not pending:
            return
        bundle = pack(template, oracle)
        remote = dict(context, template="template", sandboxed=self.sandboxed,
                      **{key: "oracle/" + os.path.relpath(context[key], oracle).replace(os.sep, "/")
                         for key in ("script", "trusted", "lib")})
        # A task, not scattered data: should the worker that holds it die, the scheduler
        # makes it again from the task itself, where scattered data would be lost.
        bundle_future = self.client.submit(_bundle, bundle, key=f"mlcourse-bundle-{bundle['digest']}")
        waiting, items, submitted = list(pending), {}, []

        def submit_more():
            limit = max(8, TASKS_PER_THREAD * sum(self.client.nthreads().values()))
            while waiting and len(items) < limit:
                item = waiting.pop(0)
                submission, digest = item[0], item[1]
                future = self.client.submit(grade_task, bundle_future, remote, submission.student,
                                            batch.read_submission(submission), retries=TASK_RETRIES,
                                            key=f"mlcourse-grade-{context['assignment']}-{submission.student}-"
                                                f"{digest[:16]}")
                items[future.key] = item
                submitted.append(future)

        submit_more()
        finished = as_completed(submitted, loop=self.client.loop)  # not set_as_default: name its loop
        for future in finished:
            item = items.pop(future.key)
            yield item, _record(future)
            future.release()
            submitted.clear()
            submit_more()
            for new in submitted:
                finished.add(new)
        bundle_future.release()

    def close(self):
        try:
            self.client.run(_stop_idle_grading_processes)
        except Exception:
            pass  # a worker that cannot be reached has nothing of ours to stop
        self.client.close()


def _record(future):
    """A finished task's record; ``grader_error`` when the cluster gave up on it."""
    from distributed import KilledWorker

    try:
        return future.result()
    except KilledWorker as error:
        return {"status": ["grader_error"],
                "notes": ["the grading of this submission killed its Dask worker again and again; given up after "
                          "the scheduler's distributed.scheduler.allowed-failures retries"],
                "log": str(error)[-4000:]}
    except Exception as error:  # the task raised on every try
        return {"status": ["grader_error"],
                "notes": [f"the cluster could not grade it ({TASK_RETRIES + 1} tries): {type(error).__name__}: "
                          f"{str(error)[:300]}"]}


def pack(template, oracle):
    """The course template and the oracle's files as a gzip'd tar: ``{"digest", "data"}``."""
    import hashlib

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as tar:
        for folder, name in ((template, "template"), (oracle, "oracle")):
            tar.add(folder, arcname=name, filter=_reproducible)
    data = buffer.getvalue()
    return {"digest": hashlib.sha256(data).hexdigest()[:16], "data": data}


def _reproducible(info):
    if "__pycache__" in info.name.split("/"):
        return None
    info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
    return info


def _bundle(bundle):
    return bundle


# --- what runs on a Dask worker ------------------------------------------------------------

_LOCK = threading.Lock()
_STATE = {"unpacked": {}, "processes": {}, "busy": set(), "bwrap": {}}


def _worker_dir():
    """This Dask worker's own scratch folder (removed with the worker), or a temporary one."""
    try:
        from distributed import get_worker

        base = get_worker().local_directory
    except (ImportError, ValueError):
        base = os.path.join(tempfile.gettempdir(), f"mlcourse-grade-{os.getpid()}")
    folder = os.path.join(base, "mlcourse-grade")
    os.makedirs(folder, exist_ok=True)
    return folder


def _sandbox_here(sandboxed):
    """``(bwrap path or None, why not)`` on this worker, found once per process."""
    with _LOCK:
        if sandboxed not in _STATE["bwrap"]:
            _STATE["bwrap"][sandboxed] = batch.use_sandbox(sandboxed)
        return _STATE["bwrap"][sandboxed]


def _unpack(bundle):
    """The bundle's folder on this worker (unpacked once) and its matplotlib configuration."""
    from . import sandbox

    with _LOCK:
        digest = bundle["digest"]
        if digest not in _STATE["unpacked"]:
            base = _worker_dir()
            folder, partial = os.path.join(base, f"bundle-{digest}"), os.path.join(base, f"bundle-{digest}.partial")
            for stale in (folder, partial):
                shutil.rmtree(stale, ignore_errors=True)
            with tarfile.open(fileobj=io.BytesIO(bundle["data"]), mode="r:gz") as tar:
                tar.extractall(partial, filter="data")
            os.rename(partial, folder)
            _STATE["unpacked"][digest] = (folder, sandbox.matplotlib_config(os.path.join(base, "matplotlib")))
        return _STATE["unpacked"][digest]


def _grading_process():
    """This thread's grading process (a :class:`mlcourse.grading.batch.Worker`), started on first use."""
    thread = threading.get_ident()
    with _LOCK:
        if thread not in _STATE["processes"]:
            _STATE["processes"][thread] = batch.Worker()
        _STATE["busy"].add(thread)
        return _STATE["processes"][thread]


def _stop_idle_grading_processes():
    with _LOCK:
        idle = [t for t in _STATE["processes"] if t not in _STATE["busy"]]
        stopping = [_STATE["processes"].pop(t) for t in idle]
    for process in stopping:
        process.stop()
    return len(stopping)


def grade_task(bundle, context, student, files):
    """The Dask task: grade one submission on this worker with
    :func:`mlcourse.grading.batch.grade_submission`; return its record."""
    folder, mplconfig = _unpack(bundle)
    here = dict(context, **{key: os.path.join(folder, context[key]) for key in ("template", "script", "trusted", "lib")})
    here.update(bwrap=_sandbox_here(context["sandboxed"])[0], mplconfig=mplconfig, hidden=[_worker_dir()])
    scratch = tempfile.mkdtemp(prefix="job-", dir=_worker_dir())
    process = _grading_process()
    try:
        return batch.grade_submission(here, student, files, scratch, process)
    finally:
        with _LOCK:
            _STATE["busy"].discard(threading.get_ident())
        shutil.rmtree(scratch, ignore_errors=True)
