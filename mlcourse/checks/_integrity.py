"""Calling the reference: told to the student at once, in their own JupyterLab.

Under ``mlcourse grade`` the reference implementations a checker compares with are not
in the student's kernel at all (the sandbox of :mod:`mlcourse.grading.sandbox` gives
the kernel an ``mlcourse`` in which they are stubs raising
:class:`~mlcourse.checks._unavailable.ReferenceUnavailable`), and the verdicts are the
grader's oracle's (:mod:`mlcourse.grading.oracle`), so nothing a notebook does in its
own process can fake a pass. What is left here is a courtesy, not a defence: when a
check runs in the student's own process (JupyterLab, nbgrader's Validate), a call into
the reference under test is reported at once with the message the grader would give,
instead of passing at home and scoring zero when graded. A student can switch it off;
that only hides the message from themselves.
"""

import contextlib
import inspect
import os
import sys

TAMPER_MARKER = "TAMPERING DETECTED"


class TamperingError(AssertionError):
    """Raised when a submission fakes a pass; its message starts with TAMPER_MARKER."""

    def __init__(self, message):
        super().__init__(message if message.startswith(TAMPER_MARKER) else f"{TAMPER_MARKER}: {message}")

    def _render_traceback_(self):  # IPython: the message alone, as for CheckFailed
        return [f"\x1b[0;31mTamperingError\x1b[0m: {self}"]


def code_files(*objects):
    """The source files of modules (a package: all its .py files) and of functions."""
    files = set()
    for obj in objects:
        if inspect.ismodule(obj):
            files |= module_files(obj)
        else:
            code = getattr(inspect.unwrap(obj), "__code__", None)
            if code is not None:
                files.add(os.path.realpath(code.co_filename))
    return files


def module_files(*modules):
    """The source files of ``modules`` (a package contributes all its .py files)."""
    files = set()
    for module in modules:
        path = getattr(module, "__file__", None)
        if path is None:
            continue
        if os.path.basename(path) == "__init__.py":
            folder = os.path.dirname(path)
            files.update(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".py"))
        else:
            files.add(path)
    return {os.path.realpath(f) for f in files}


def reference_called_message(what, called):
    """The message for ``what`` calling the reference ``called`` (also the grader's)."""
    return (f"{TAMPER_MARKER}: {what} calls the reference implementation ({called}) instead of "
            "implementing the rule. Write it with NumPy yourself: when your notebook is graded the "
            "reference is not there.")


@contextlib.contextmanager
def forbid_calls(files, what):
    """Trace the calls made inside the ``with`` block; raise if one runs code in ``files``.

    ``what`` names the student's function for the message. A profiler sees every
    Python-level call however the function was imported or wrapped (in this thread).
    """
    files = {os.path.realpath(f) for f in files}
    if not files:
        yield
        return
    seen = []

    def profiler(frame, event, arg):
        if event == "call" and frame.f_code.co_filename in files and len(seen) < 5:
            module = os.path.splitext(os.path.basename(frame.f_code.co_filename))[0]
            seen.append(f"{module}.{frame.f_code.co_name}")

    previous = sys.getprofile()
    sys.setprofile(profiler)
    try:
        yield
    finally:
        current = sys.getprofile()
        sys.setprofile(previous)
    if current is not profiler:
        raise TamperingError(f"{what} switched off the grader's call tracing (sys.setprofile).")
    if seen:
        raise TamperingError(reference_called_message(what, ", ".join(dict.fromkeys(seen))))
