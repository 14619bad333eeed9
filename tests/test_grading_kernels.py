"""Issue 14: grading kernels started one notebook ahead (mlcourse/grading/kernels.py).

A worker starts the next kernel while the current one runs; these tests check what that
must not change: every notebook gets a kernel of its own, started for its own settings,
that sees nothing of the kernel before it (nor the folder of the one after), and that is
killed with its folder when released. Real kernels, in bubblewrap where it runs.
"""

import json
import os

import pytest
from jupyter_core.utils import run_sync

from mlcourse.grading import batch, kernels, sandbox

SANDBOX = batch.use_sandbox()[0]


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    lib = sandbox.build_kernel_library(str(tmp_path_factory.mktemp("kernel-lib")), [])
    return {"bwrap": SANDBOX, "lib": lib, "mplconfig": None, "hidden": [], "memory_bytes": 2 * 2**30}


@pytest.fixture
def pool():
    made = kernels.Kernels()
    yield made
    made.close()


async def _execute(kernel, code):
    await kernels.wait_until_ready(kernel, 60)
    request = kernel.client.execute(code)
    printed = []
    while True:
        message = await kernel.client.iopub_channel.get_msg(timeout=60)
        if message["parent_header"].get("msg_id") != request:
            continue
        if message["msg_type"] == "error":
            raise AssertionError(message["content"])
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return "".join(printed)


def execute(kernel, code):
    """Run ``code`` in the kernel; what it printed."""
    return run_sync(_execute)(kernel, code)


LOOK = ("import json, os; print(json.dumps({'pid': os.getpid(), 'ppid': os.getppid(), 'cwd': os.getcwd(), "
        "'files': sorted(os.listdir('.'))}))")


def alive(kernel):
    return run_sync(kernel.manager.is_alive)()


def test_each_notebook_gets_a_fresh_kernel_started_ahead(pool, settings):
    first = pool.take(settings)  # nothing started ahead yet: started now
    pool.prepare(settings)
    ahead = pool.ready
    assert ahead is not None and ahead is not first and ahead.folder != first.folder
    first_process = first.manager.provisioner.process.pid
    seen = json.loads(execute(first, "open('left_behind.txt', 'w').write('answers'); " + LOOK))
    assert "left_behind.txt" in seen["files"]
    pool.release(first)
    assert not alive(first) and not os.path.exists(first.folder)

    second = pool.take(settings)
    assert second is ahead and pool.ready is None  # the one started ahead, used once
    seen_after = json.loads(execute(second, LOOK))
    assert seen_after["files"] == []  # nothing of the notebook before
    assert os.path.realpath(seen_after["cwd"]) == os.path.realpath(second.notebook_dir)
    assert second.manager.provisioner.process.pid != first_process
    pool.release(second)
    assert not alive(second)


def test_a_kernel_started_for_other_settings_is_not_used(pool, settings):
    pool.prepare(settings)
    ahead = pool.ready
    other = dict(settings, memory_bytes=settings["memory_bytes"] // 2)
    taken = pool.take(other)
    assert taken is not ahead and taken.settings == other
    assert not alive(ahead) and not os.path.exists(ahead.folder)  # killed, not kept
    assert str(other["memory_bytes"]) in execute(taken, "import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0])")
    pool.release(taken)


def test_a_grading_kernel_has_no_debugger(pool, settings):
    """The launcher keeps debugpy out (a tenth of a second of every kernel's start)."""
    kernel = pool.take(settings)
    loaded = execute(kernel, "import sys; print(sys.modules.get('debugpy') is not None)")
    pool.release(kernel)
    assert loaded == "False\n"


def test_a_kernel_runs_the_notebook_folder_it_receives(pool, settings, tmp_path):
    folder = tmp_path / "autograded" / "student" / "ex"
    (folder / "data").mkdir(parents=True)
    (folder / "helper.py").write_text("ANSWER = 42\n")
    (folder / "data" / "points.csv").write_text("1,2\n")
    kernel = pool.take(settings)
    kernel.receive(str(folder))
    assert execute(kernel, "import helper; print(helper.ANSWER, open('data/points.csv').read().strip())") == "42 1,2\n"
    pool.release(kernel)


@pytest.mark.skipif(SANDBOX is None, reason="bubblewrap is not running: nothing is isolated")
def test_a_sandboxed_kernel_cannot_see_the_next_one(pool, settings):
    current = pool.take(settings)
    pool.prepare(settings)
    # its own folder's parents exist (as empty mount points), nothing beside them
    found = execute(current, f"import os; print(os.listdir({pool.root!r}), os.path.exists({pool.ready.folder!r}))")
    assert found == f"{[os.path.basename(current.folder)]} False\n"
    pool.release(current)


def test_closing_the_pool_kills_the_kernel_started_ahead(settings):
    pool = kernels.Kernels()
    pool.prepare(settings)
    ahead = pool.ready
    assert alive(ahead)
    pool.close()
    assert not alive(ahead) and not os.path.exists(pool.root)


def test_without_kernels_ahead_nothing_is_started_early(settings):
    pool = kernels.Kernels(ahead=False)
    try:
        pool.prepare(settings)
        assert pool.ready is None
    finally:
        pool.close()


@pytest.mark.skipif(SANDBOX is None, reason="bubblewrap is not running: nothing is isolated")
def test_a_python_installation_under_tmp_is_seen_in_the_sandbox(tmp_path, monkeypatch):
    """A course checked out under /tmp (its .venv too): the sandbox's private /tmp must not
    hide the Python it runs (every kernel died, every submission was a grader_error)."""
    import subprocess

    python = tmp_path / "checkout" / ".venv"
    python.mkdir(parents=True)
    (python / "marker").write_text("the course's Python\n")
    real = sandbox._python_roots
    monkeypatch.setattr(sandbox, "_python_roots", lambda: real() + [str(python)])
    folders = {name: tmp_path / name for name in ("lib", "notebook", "run", "oracle")}
    for folder in folders.values():
        folder.mkdir()
    command = sandbox.bwrap_command(SANDBOX, lib=str(folders["lib"]), notebook_dir=str(folders["notebook"]),
                                    run_dir=str(folders["run"]), oracle_dir=str(folders["oracle"]),
                                    env={"PATH": "/usr/bin:/bin"}, hidden=[str(tmp_path / "checkout")])
    run = subprocess.run(command + ["cat", str(python / "marker")], capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout) == (0, "the course's Python\n"), run.stderr
