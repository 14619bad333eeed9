"""Compare a student's output with the reference and say what is wrong, in words.

Every comparison goes through :func:`compare`, which checks, in order: that something
was returned, its shape, its dtype, that it is finite, and its values. When the values
differ it tries the *known mistakes* it was given, each a deliberately wrong value
(or a function computing one), and names the one that matches.

Failures are :class:`CheckFailed` errors whose message is written for the student; in
IPython and JupyterLab (and so in nbgrader's feedback) they are shown as that message
alone, without the checker's frames above it. Under ``mlcourse grade`` the comparison
runs in the grader's oracle, outside the student's process, so a student's code cannot
reach these functions.
"""

import numbers
import os
import textwrap
import time

import numpy as np

_allclose = np.allclose
_isfinite = np.isfinite
_all = np.all
_asarray = np.asarray
_array_equal = np.array_equal
_copy = np.copy
_abs = np.abs

_RED, _RESET = "\x1b[0;31m", "\x1b[0m"


class CheckFailed(AssertionError):
    """A check found a difference; the message is written for the student.

    IPython shows an exception through its ``_render_traceback_`` when it has one: here
    the message alone, so that the student reads it first, with no frames of the
    checker (or of contextlib) above it.
    """

    def _render_traceback_(self):
        lines = str(self).splitlines() or [""]
        return [f"{_RED}{type(self).__name__}{_RESET}: {lines[0]}", *lines[1:]]


def make_rng(seed):
    """Return ``(seed, rng)``; ``seed=None`` draws a fresh seed from the OS and the clock.

    Hidden tests pass ``seed=None`` so that their inputs are only known at grading
    time; the seed is printed in every message so that a failure can be reproduced.
    """
    if seed is None:
        seed = (int.from_bytes(os.urandom(4), "little") ^ time.time_ns()) % 2**31
    return seed, np.random.default_rng(seed)


def number(value):
    """A number as a student writes it: ``0.55``, not ``np.float64(0.55)``."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (numbers.Integral, np.integer)):
        return str(int(value))
    return str(value) if isinstance(value, np.floating) else repr(float(value))


def show(value):
    """A short printable form of an array, a number or a small container."""
    if isinstance(value, np.ndarray):
        if value.shape == ():
            return number(value.item()) if value.dtype.kind in "biuf" else repr(value.item())
        return np.array2string(value, precision=6, threshold=12, edgeitems=3,
                               max_line_width=100).replace("\n", "\n            ")
    if isinstance(value, (numbers.Real, np.number, np.bool_)):
        return number(value)
    if isinstance(value, tuple) and len(value) <= 6:
        return "(" + ", ".join(show(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list) and len(value) <= 6:
        return "[" + ", ".join(show(v) for v in value) + "]"
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def short(array, precision=4):
    """An array on one line, shortened, with its dtype and shape."""
    array = np.asarray(array)
    text = np.array2string(array, precision=precision, threshold=8, edgeitems=2, separator=", ",
                           max_line_width=10**6).replace("\n", "")
    return f"{text} ({array.dtype}, shape {array.shape})"


def row(array, precision=5):
    """The first entries of an array, on one line."""
    flat = np.asarray(array).ravel()
    return np.array2string(flat[:4], precision=precision, separator=", ") + (" ..." if flat.size > 4 else "")


def indent(text, prefix="  "):
    return textwrap.indent(text, prefix)


def _as_array(name, value, expected):
    """``value`` as an array, or CheckFailed saying why it cannot be compared."""
    if value is None:
        raise CheckFailed(f"{name} returned None. Did you forget the `return` statement?")
    if isinstance(expected, float):  # a loss or a rate: one number
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return _asarray(float(value))
        array = _asarray(value) if isinstance(value, np.ndarray) or np.isscalar(value) else None
        if array is not None and array.shape == () and array.dtype.kind in "fiu":
            return array.astype(float)
        shape = getattr(array, "shape", None) if array is not None else None
        raise CheckFailed(
            f"{name} should return a single number, but returned "
            f"{type(value).__name__}" + (f" of shape {shape}" if shape else "")
            + ". (A loss is the mean over the batch: did you forget np.mean?)"
        )
    if not isinstance(value, np.ndarray):
        raise CheckFailed(f"{name} should return a NumPy array, but returned {type(value).__name__} "
                          f"{show(value)[:80]}.")
    return value


def _tolerance_text(reference, rtol, atol):
    """How close counts as equal, in words (for tolerances a student should know about)."""
    if reference.shape == ():
        margin = atol + rtol * abs(float(reference))
        low, high = float(reference) - margin, float(reference) + margin
        return f"accepted within {rtol:.0%}: {low:.4g} to {high:.4g}" if atol == 0 else \
            f"accepted: {low:.4g} to {high:.4g}"
    return f"accepted within rtol = {rtol:g}, atol = {atol:g}"


def _wrong_values(mistakes):
    """``(hint, value)`` pairs from ``(hint, value or function computing it)``; a function
    that fails (a mistake that does not apply to these inputs) is skipped."""
    for hint, wrong in mistakes:
        if callable(wrong):
            try:
                with np.errstate(all="ignore"):
                    wrong = wrong()
            except Exception:
                continue
        if wrong is not None:
            yield hint, wrong


def compare(name, got, expected, context, mistakes=(), rtol=1e-6, atol=1e-10, show_tolerance=False):
    """Raise CheckFailed with an actionable message unless ``got`` matches ``expected``.

    ``context`` says where we are (inputs, step, hyperparameters); ``mistakes`` is a
    sequence of ``(hint, wrong)``, where ``wrong`` is a wrong value or a function of no
    arguments returning one (computed only when ``got`` is wrong): if ``got`` matches a
    wrong value, its hint is shown. ``show_tolerance`` says in the message how close
    counts (for tolerances that are part of the task, such as "within 3 %").
    """
    array = _as_array(name, got, expected)
    reference = _asarray(expected)
    where = f"\n  {context}" if context else ""
    if array.shape != reference.shape:
        hint = ""
        if array.size == reference.size:
            hint = ("\n  hint: same number of entries, different shape: check reshape, keepdims "
                    "or an accidental (N, 1) column.")
        elif array.ndim == reference.ndim + 1 or array.size == reference.size ** 2:
            hint = ("\n  hint: an extra dimension often comes from broadcasting a (N,) array "
                    "against an (N, 1) one.")
        raise CheckFailed(f"{name} returned shape {array.shape}, expected {reference.shape}.{where}{hint}")
    if isinstance(expected, np.ndarray) and array.dtype != reference.dtype:
        raise CheckFailed(
            f"{name} returned dtype {array.dtype}, expected {reference.dtype}.{where}\n"
            "  hint: float32 inputs must give float32 outputs (the course's convention); "
            "mixing in a float64 array or np.float64 constant promotes the result."
        )
    finite = _isfinite(array)
    if not _all(finite) and _all(_isfinite(reference)):
        with np.errstate(all="ignore"):  # a known mistake may give nan too (Adam's t counted from 0)
            known = [hint for hint, wrong in _wrong_values(mistakes) if _asarray(wrong).shape == array.shape
                     and _allclose(array, wrong, rtol=rtol, atol=atol, equal_nan=True)]
        hint = known[0] if known else ("an overflow? exp() of a large number is inf, and inf - inf is nan; "
                                       "subtract the maximum before exponentiating (the log-sum-exp trick).")
        raise CheckFailed(
            f"{name} returned non-finite values (nan or inf) where the reference is finite.{where}\n"
            f"  expected: {show(expected)}\n  got:      {show(got)}\n  hint: {hint}"
        )
    if reference.dtype == np.float32:  # one rounding of float32 is 6e-8 relative
        rtol, atol = max(rtol, 1e-5), max(atol, 1e-6)
    tolerance = dict(rtol=rtol, atol=atol, equal_nan=True)
    with np.errstate(all="ignore"):
        if _allclose(array, reference, **tolerance):
            return
        # a mistake that gives the right answer on these inputs says nothing about them
        hints = [hint for hint, wrong in _wrong_values(mistakes)
                 if _asarray(wrong).shape == array.shape and _allclose(array, wrong, **tolerance)
                 and not _allclose(wrong, reference, **tolerance)]
    accepted = f"  ({_tolerance_text(reference, rtol, atol)})" if show_tolerance else ""
    message = (f"{name} gives the wrong value.{where}\n  expected: {show(expected)}{accepted}\n"
               f"  got:      {show(got)}")
    if array.shape and array.size > 1:
        error = _abs(array.astype(float) - reference.astype(float))
        index = np.unravel_index(int(np.nanargmax(error)), array.shape)
        message += f"\n  largest difference at index {tuple(int(i) for i in index)}"
    if hints:
        message += "\n  hint: " + hints[0]
    raise CheckFailed(message)


# --- what the kernel reported, in words ---------------------------------------------------

def student_error_message(called, error, context=""):
    """The message for a student's function that raised (a :class:`StudentError`).

    The function named is the one that raised, even when the function under test
    called it: a stub is named by its own name.
    """
    where = f"\n  {context}" if context else ""
    chain = " → ".join(error.chain) if len(error.chain) > 1 else ""
    via = f"\n  ({called} calls it: {chain})" if chain and error.function != called else ""
    if error.type == "NotImplementedError":
        return (f"{error.function} is not implemented yet: it still raises NotImplementedError.{via}\n"
                f"  Write its body (replace `raise NotImplementedError`), run its cell, then this test again.")
    inside = f" in {error.function}, which it calls" if error.function != called else ""
    lines = f"\n{error.where}" if error.where else ""
    return f"{called} raised {error.type}{inside}: {error.message}{where}{via}{lines}"


def modified_message(name, what, context=""):
    where = f"\n  {context}" if context else ""
    return (f"{name} modified its input ({', '.join(what)}) in place.{where}\n"
            "  hint: `x -= ...` or `x[...] = ...` changes the caller's array; "
            "compute a new array instead (`x = x - ...`).")
