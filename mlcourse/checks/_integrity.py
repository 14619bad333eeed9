"""Tamper checks: trusted references, reference-call tracing and signed receipts.

A notebook's test cells run in the same Python process as the student's code, so a
submission can in principle replace anything. These checks last until the oracle of
issue 17 runs the checkers outside the student's process (see :mod:`mlcourse.checks`);
then the sandbox and the oracle's own record replace them. These checks catch the easy ways to
fake a pass (the threat model and its limits are in ``guide/instructors.md``):

* **Replaced comparison functions.** At import, before any student code runs (the
  grader's kernel imports this module at start-up, and every notebook imports
  :mod:`mlcourse.checks` in its first, locked cell), we keep our own references to
  NumPy's comparison functions and to every public function of ``mlcourse``.
  :func:`verify` reports any that has since been replaced or had its code swapped;
  the driver calls it before and after every check, and the checks only ever use the
  references captured here.
* **Calling the reference instead of implementing it.** :func:`forbid_calls` traces
  every Python call made while the student's function runs and records calls into
  the reference modules under test.
* **Bypassing the checkers.** When the grader starts the kernel it passes a secret
  key; every check that passes prints a receipt signed with it. A test cell that
  passes without a valid receipt (its checker was replaced or never called) scores
  zero and is flagged by ``mlcourse grade``.
"""

import builtins
import contextlib
import hashlib
import hmac
import inspect
import os
import sys

import numpy as np
import numpy.testing

TAMPER_MARKER = "TAMPERING DETECTED"


class TamperingError(AssertionError):
    """Raised when a submission fakes a pass; its message starts with TAMPER_MARKER."""

    def __init__(self, message):
        super().__init__(f"{TAMPER_MARKER}: {message}")

    def _render_traceback_(self):  # IPython: the message alone, as for CheckFailed
        return [f"\x1b[0;31mTamperingError\x1b[0m: {self}"]


# NumPy functions a faked pass would replace; the checkers use these captured objects.
_NUMPY_NAMES = (
    "allclose", "isclose", "array_equal", "array_equiv", "isfinite", "all", "any", "abs",
    "max", "asarray", "array", "shape", "may_share_memory", "copy",
    "testing.assert_allclose", "testing.assert_array_equal", "testing.assert_equal",
    "testing.assert_almost_equal", "testing.assert_array_almost_equal",
    "testing.assert_array_less",
)
_BUILTIN_NAMES = ("isinstance", "callable", "float", "len", "abs", "max", "min", "repr")


def _resolve(root, dotted):
    obj = root
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


TRUSTED = {f"numpy.{name}": _resolve(np, name) for name in _NUMPY_NAMES}
TRUSTED.update({f"builtins.{name}": getattr(builtins, name) for name in _BUILTIN_NAMES})
_TRUSTED_ROOTS = {"numpy": np, "builtins": builtins}

# name -> (module, attribute, object, code object or None), filled by seal().
_SEALED = {}


def seal(*modules):
    """Remember every callable attribute of ``modules`` (and its code) as it is now.

    That includes the NumPy functions a module captured under its own name (such as
    ``_compare._allclose``), so that swapping those is noticed too.
    """
    for module in modules:
        for attribute in dir(module):
            if attribute.startswith("__"):
                continue
            obj = getattr(module, attribute)
            if callable(obj):
                code = getattr(obj, "__code__", None)
                _SEALED[f"{module.__name__}.{attribute}"] = (module, attribute, obj, code)


def verify():
    """Return the names of trusted functions that have been replaced since import."""
    replaced = []
    for name, trusted in TRUSTED.items():
        root, _, rest = name.partition(".")
        try:
            current = _resolve(_TRUSTED_ROOTS[root], rest)
        except AttributeError:
            current = None
        if current is not trusted:
            replaced.append(name)
    for name, (module, attribute, obj, code) in _SEALED.items():
        current = getattr(module, attribute, None)
        if current is not obj or (code is not None and getattr(obj, "__code__", None) is not code):
            replaced.append(name)
    return replaced


def assert_untouched(when):
    """Raise TamperingError if :func:`verify` finds a replaced function."""
    replaced = verify()
    if replaced:
        raise TamperingError(
            f"{', '.join(replaced)} {'was' if len(replaced) == 1 else 'were'} replaced "
            f"(noticed {when}). Graded work must not redefine NumPy's or mlcourse's "
            "functions; restart the kernel and remove the code that does it."
        )


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


@contextlib.contextmanager
def forbid_calls(files, what):
    """Trace the calls made inside the ``with`` block; raise if one runs code in ``files``.

    ``what`` names the student's function for the message. A profiler sees every
    Python-level call however the function was imported or wrapped. Removing the
    profiler from inside the block is itself reported.
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
        raise TamperingError(
            f"{what} calls the reference implementation ({', '.join(dict.fromkeys(seen))}) "
            "instead of implementing the rule. Write it with NumPy yourself."
        )


def _make_receipts(new_mac=hmac.new, sha256=hashlib.sha256):
    """Return ``(arm, issue)`` sharing a key and a counter that only they can see."""
    key = None
    count = 0

    def arm(secret):
        nonlocal key
        if key is None:
            key = secret.encode() if isinstance(secret, str) else bytes(secret)

    def issue(label):
        nonlocal count
        if key is None:
            return ""
        count += 1
        mac = new_mac(key, f"{count}:{label}".encode(), sha256).hexdigest()[:16]
        return f"[receipt {label}:{count}:{mac}]"

    return arm, issue


arm, _issue = _make_receipts()
_arm_from_environment = os.environ.pop("MLCOURSE_GRADER_KEY", None)
if _arm_from_environment:
    arm(_arm_from_environment)
del _arm_from_environment


def passed(label, summary):
    """Print that a check passed, with a signed receipt when the grader armed one."""
    receipt = _issue(label)
    print(f"✔ {summary}" + (f"  {receipt}" if receipt else ""))


def receipt_valid(key, label, count, mac):
    """Grader side: is ``[receipt label:count:mac]`` signed with ``key``?"""
    key = key.encode() if isinstance(key, str) else key
    expected = hmac.new(key, f"{count}:{label}".encode(), hashlib.sha256).hexdigest()[:16]
    return hmac.compare_digest(expected, mac)
