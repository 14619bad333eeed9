"""Start an IPython kernel for grading, with a memory limit and the receipt key armed.

``mlcourse grade`` writes a kernel spec whose command is
``python -m mlcourse.grading.kernel_launcher -f {connection_file}``. Before the kernel
runs any student code this launcher

* limits the process's address space (``MLCOURSE_KERNEL_MEMORY`` bytes), so that a
  runaway allocation raises MemoryError in the student's cell instead of starving
  the machine;
* imports :mod:`mlcourse.checks`, which captures the trusted references, and arms
  its receipts with ``MLCOURSE_GRADER_KEY`` (then removed from the environment).
"""

import os


def main():
    limit = os.environ.pop("MLCOURSE_KERNEL_MEMORY", "")
    if limit:
        import resource  # POSIX only; macOS accepts the limit but does not enforce it

        resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))
    import mlcourse.checks  # noqa: F401  (captures trusted references, reads and drops the key)

    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
