"""Start an IPython kernel for grading: limits, then the checkers' oracle driver.

``mlcourse grade`` writes a kernel spec whose command is (inside bubblewrap, see
:mod:`mlcourse.grading.sandbox`) ``python -m mlcourse.grading.kernel_launcher -f
{connection_file}``, with the kernel library first on ``PYTHONPATH``. Before the kernel
runs any student code this launcher

* limits the process's address space (``MLCOURSE_KERNEL_MEMORY`` bytes), so that a
  runaway allocation raises MemoryError in the student's cell instead of starving the
  machine, and the size of any file it writes;
* copies a prepared matplotlib font cache into the private ``/tmp``
  (``MLCOURSE_MPLCONFIG``), so that a notebook that plots does not rebuild it;
* leaves out the debugger (debugpy), which grading has no use for;
* makes every checker a client of the grader's oracle listening at ``MLCOURSE_ORACLE``
  (:class:`mlcourse.checks._client.OracleDriver`).

This module runs in the student's kernel, so nothing it does is a defence by itself:
the sandbox and the oracle are.
"""

import os

MAX_FILE_BYTES = 256 * 2**20


def main():
    limit = os.environ.pop("MLCOURSE_KERNEL_MEMORY", "")
    import resource  # POSIX only; macOS accepts RLIMIT_AS but does not enforce it

    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))
    try:
        resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    except (ValueError, OSError):
        pass
    prepared = os.environ.pop("MLCOURSE_MPLCONFIG", "")
    target = os.environ.get("MPLCONFIGDIR", "")
    if prepared and target and os.path.isdir(prepared) and not os.path.exists(target):
        import shutil

        shutil.copytree(prepared, target)
    # No debugger in a grading kernel: ipykernel runs without debugpy when it cannot import
    # it, and not importing it saves a tenth of a second of every kernel's start.
    import sys

    sys.modules.setdefault("debugpy", None)
    oracle = os.environ.pop("MLCOURSE_ORACLE", "")
    if oracle:
        from mlcourse.checks import _client, _driver

        _driver._DRIVER[:] = [_client.OracleDriver(oracle)]

    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
