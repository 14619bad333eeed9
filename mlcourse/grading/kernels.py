"""Grading kernels started one notebook ahead: each notebook still gets a fresh kernel.

A kernel takes about half a second to be ready (Python, IPython, NumPy and the
checkers' client, in its sandbox), most of it spent in the kernel's own process while
the grader waits. A grading worker therefore starts the *next* kernel as soon as the
current one is done with, and it boots while the worker scores the submission, writes
its feedback and unpacks the next one. Nothing is shared between submissions:

* a kernel serves exactly one notebook and is killed (with its sandbox and every
  process in it) as soon as its last cell has replied;
* it is started in a folder of its own, :class:`Kernel`'s ``folder``, before anyone
  knows whose notebook it will run: ``notebook/`` (its working directory, the only
  writable place on disk besides ``run/``), ``run/`` (its sockets and connection
  file) and ``oracle/`` (read-only; the oracle's socket appears there once the
  submission is known). The notebook's folder as nbgrader prepared it (the notebook,
  the assignment's released files) is copied into ``notebook/`` right before its
  first cell runs; the kernel sees nothing of any other submission, before or after;
* its settings (sandbox, kernel library, memory limit, hidden folders) are those of
  the job that asks for it: a kernel started for other settings is killed, not used.

:class:`Kernels` is the worker's pool of (at most) one kernel ahead.
"""

import json
import os
import shutil
import sys
import tempfile
import time

from . import sandbox

# What a job says about its kernels; a kernel started for other values is not used.
SETTINGS = ("bwrap", "lib", "mplconfig", "hidden", "memory_bytes")


def kernel_spec(settings, folder):
    """The ``python3`` kernel spec (``kernel.json``'s content) of a kernel in ``folder``:
    our launcher, in the sandbox when ``settings`` has one."""
    notebook_dir, run_dir, oracle_dir = (os.path.join(folder, f) for f in ("notebook", "run", "oracle"))
    launcher = [sys.executable, "-m", "mlcourse.grading.kernel_launcher", "-f", "{connection_file}"]
    spec = {"display_name": "Python 3 (mlcourse grader)", "language": "python"}
    socket = os.path.join(oracle_dir, "oracle.sock")
    if settings.get("bwrap"):
        env = sandbox.kernel_environment(settings["lib"], socket, settings.get("memory_bytes"),
                                         settings.get("mplconfig"))
        readonly = [settings["mplconfig"]] if settings.get("mplconfig") else []
        spec["argv"] = sandbox.bwrap_command(settings["bwrap"], lib=settings["lib"], notebook_dir=notebook_dir,
                                             run_dir=run_dir, oracle_dir=oracle_dir, env=env,
                                             hidden=settings.get("hidden", ()), readonly=readonly) + launcher
        spec["interrupt_mode"] = "message"  # a signal would reach bubblewrap, not the kernel
    else:
        tmp = os.path.join(run_dir, "tmp")
        os.makedirs(tmp, exist_ok=True)
        env = sandbox.kernel_environment(settings["lib"], socket, settings.get("memory_bytes"),
                                         settings.get("mplconfig"), tmp=tmp)
        env.pop("PATH")
        spec["argv"], spec["env"] = launcher, env
    return spec


class Kernel:
    """One started kernel, its folder and its manager (a jupyter_client AsyncKernelManager)."""

    def __init__(self, folder, settings, manager):
        self.folder, self.settings, self.manager = folder, settings, manager
        self.notebook_dir = os.path.join(folder, "notebook")
        self.oracle_socket = os.path.join(folder, "oracle", "oracle.sock")
        self.client = None  # an AsyncKernelClient, its channels started

    def receive(self, notebook_dir):
        """Copy the notebook's folder (as nbgrader prepared it) into the kernel's own."""
        for entry in os.listdir(notebook_dir):
            source, target = os.path.join(notebook_dir, entry), os.path.join(self.notebook_dir, entry)
            if os.path.isdir(source):
                shutil.copytree(source, target, symlinks=True)
            else:
                shutil.copy2(source, target, follow_symlinks=False)


async def _matching(channel, match, timeout):
    """The first message on ``channel`` that ``match``-es within ``timeout`` s, else None."""
    from queue import Empty

    from jupyter_core.utils import ensure_async

    end = time.monotonic() + timeout
    while (left := end - time.monotonic()) > 0:
        try:
            message = await ensure_async(channel.get_msg(timeout=left))
        except Empty:
            return None
        if match(message):
            return message
    return None


async def wait_until_ready(kernel, timeout):
    """Return once the kernel answers on its shell channel and its status reaches the client
    on IOPub (so that no output of the first cell can be lost).

    jupyter_client's ``wait_for_ready`` does the same and then waits for 0.2 s of silence on
    IOPub, to drop the status messages of its request: a fifth of a second per notebook,
    spent waiting. nbclient ignores messages that do not answer its own requests, so here
    they are left alone.
    """
    from jupyter_core.utils import ensure_async

    client, deadline = kernel.client, time.monotonic() + timeout
    while True:
        request = client.kernel_info()

        def answers(message):
            return message.get("parent_header", {}).get("msg_id") == request

        def idle(message):
            return (answers(message) and message.get("msg_type") == "status"
                    and message.get("content", {}).get("execution_state") == "idle")

        if (await _matching(client.shell_channel, answers, 1) is not None
                and await _matching(client.iopub_channel, idle, 0.2) is not None):
            return
        if not await ensure_async(kernel.manager.is_alive()):
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")


class Kernels:
    """The kernels of one grading worker: :meth:`take` one for a notebook (the one started
    ahead if its settings match, else a new one), :meth:`release` it when the notebook
    has run (killed, folder removed), :meth:`prepare` the next. ``ahead=False`` starts
    each kernel only when it is taken; their folders are made in ``parent`` (default: the
    system's temporary folder)."""

    def __init__(self, ahead=True, parent=None):
        self.ahead = ahead
        if parent:
            os.makedirs(parent, exist_ok=True)
        self.root = tempfile.mkdtemp(prefix="mlcourse-kernels-", dir=parent)
        self.ready = None
        self.count = 0

    @staticmethod
    def settings_of(job):
        return {key: (list(job.get(key) or ()) if key == "hidden" else job.get(key)) for key in SETTINGS}

    def _start(self, settings):
        from jupyter_client import AsyncKernelManager
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_core.utils import run_sync

        self.count += 1
        folder = os.path.join(self.root, str(self.count))
        for part in ("notebook", "run", "oracle", os.path.join("spec", "python3")):
            os.makedirs(os.path.join(folder, part))
        # the pool's own folder is hidden too (it holds the next kernel's folder)
        hidden = dict(settings, hidden=list(settings.get("hidden") or ()) + [self.root])
        with open(os.path.join(folder, "spec", "python3", "kernel.json"), "w") as f:
            json.dump(kernel_spec(hidden, folder), f)
        manager = AsyncKernelManager(
            kernel_name="python3", transport="ipc", ip=os.path.join(folder, "run", "kernel"),
            connection_file=os.path.join(folder, "run", "connection.json"),
            kernel_spec_manager=KernelSpecManager(kernel_dirs=[os.path.join(folder, "spec")],
                                                  ensure_native_kernel=False))
        run_sync(manager.start_kernel)(cwd=os.path.join(folder, "notebook"),
                                       extra_arguments=["--HistoryManager.hist_file=:memory:"])
        kernel = Kernel(folder, settings, manager)
        # Connected now, while the kernel boots: a client that connects only when the kernel is
        # ready misses its first status messages (ZeroMQ's "slow joiner") and jupyter_client then
        # waits 0.2 s for them before asking again.
        kernel.client = manager.client()
        # no heartbeat channel (a thread and a socket per kernel): a client made by its kernel
        # manager asks the manager whether the kernel is alive
        kernel.client.start_channels(hb=False)
        return kernel

    def take(self, settings):
        """A fresh kernel for ``settings`` (the one started ahead, if it was started for them)."""
        kernel, self.ready = self.ready, None
        if kernel is not None and kernel.settings == settings and self._alive(kernel):
            return kernel
        if kernel is not None:
            self.release(kernel)
        return self._start(settings)

    def prepare(self, settings):
        """Start the next kernel now, so that it is ready when taken."""
        if self.ahead and self.ready is None:
            try:
                self.ready = self._start(settings)
            except Exception:  # e.g. the sandbox failed: the next take starts one and reports it
                self.ready = None

    @staticmethod
    def _alive(kernel):
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(kernel.manager.is_alive)())
        except Exception:
            return False

    def release(self, kernel):
        """Kill the kernel (its sandbox and every process in it) and remove its folder."""
        from jupyter_core.utils import run_sync

        try:
            if kernel.client is not None:
                kernel.client.stop_channels()
            if run_sync(kernel.manager.is_alive)():
                run_sync(kernel.manager.shutdown_kernel)(now=True)
        except Exception:
            pass
        finally:
            try:
                run_sync(kernel.manager.cleanup_resources)()
            except Exception:
                pass
            shutil.rmtree(kernel.folder, ignore_errors=True)

    def close(self):
        if self.ready is not None:
            self.release(self.ready)
            self.ready = None
        shutil.rmtree(self.root, ignore_errors=True)
