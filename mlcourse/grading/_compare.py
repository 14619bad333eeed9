"""Compare a student's output with the reference and say what is wrong, in words.

Every comparison goes through :func:`compare`, which checks, in order: that something
was returned, its shape, its dtype, that it is finite, and its values. When the values
differ it tries the *known mistakes* it was given, each a deliberately wrong value
computed from the reference's own building blocks, and names the one that matches.
Only NumPy functions captured at import (see ``_integrity``) are used here.
"""

import contextlib
import numbers
import os
import time

from ._integrity import TRUSTED

_allclose = TRUSTED["numpy.allclose"]
_isfinite = TRUSTED["numpy.isfinite"]
_all = TRUSTED["numpy.all"]
_asarray = TRUSTED["numpy.asarray"]
_array_equal = TRUSTED["numpy.array_equal"]
_copy = TRUSTED["numpy.copy"]
_abs = TRUSTED["numpy.abs"]

import numpy as np  # noqa: E402  (used only for dtypes, rng and printing)


class CheckFailed(AssertionError):
    """A check found a difference; the message is written for the student."""


def make_rng(seed):
    """Return ``(seed, rng)``; ``seed=None`` draws a fresh seed from the OS and the clock.

    Hidden tests pass ``seed=None`` so that their inputs are only known at grading
    time; the seed is printed in every message so that a failure can be reproduced.
    """
    if seed is None:
        seed = (int.from_bytes(os.urandom(4), "little") ^ time.time_ns()) % 2**31
    return seed, np.random.default_rng(seed)


def show(value):
    """A short printable form of an array or number."""
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=6, threshold=12, edgeitems=3,
                               max_line_width=100).replace("\n", "\n            ")
    return repr(value)


def _as_array(name, value, expected):
    """``value`` as an array, or CheckFailed saying why it cannot be compared."""
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    if value is None:
        raise CheckFailed(f"{name} returned None. Did you forget the `return` statement?")
    if isinstance(expected, float):  # a loss: the batch mean, one number
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


def compare(name, got, expected, context, mistakes=(), rtol=1e-6, atol=1e-10):
    """Raise CheckFailed with an actionable message unless ``got`` matches ``expected``.

    ``context`` says where we are (inputs, step, hyperparameters); ``mistakes`` is a
    sequence of ``(hint, wrong_value)``: if ``got`` matches a wrong value, its hint is
    shown.
    """
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
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
        raise CheckFailed(
            f"{name} returned non-finite values (nan or inf) where the reference is finite.{where}\n"
            f"  expected: {show(expected)}\n  got:      {show(got)}\n"
            "  hint: an overflow? exp() of a large number is inf, and inf - inf is nan; "
            "subtract the maximum before exponentiating (the log-sum-exp trick)."
        )
    if reference.dtype == np.float32:  # one rounding of float32 is 6e-8 relative
        rtol, atol = max(rtol, 1e-5), max(atol, 1e-6)
    tolerance = dict(rtol=rtol, atol=atol, equal_nan=True)
    with np.errstate(all="ignore"):
        if _allclose(array, reference, **tolerance):
            return
        hints = [hint for hint, wrong in mistakes
                 if _asarray(wrong).shape == array.shape and _allclose(array, wrong, **tolerance)]
    message = f"{name} gives the wrong value.{where}\n  expected: {show(expected)}\n  got:      {show(got)}"
    if array.shape and array.size > 1:
        error = _abs(array.astype(float) - reference.astype(float))
        index = np.unravel_index(int(np.nanargmax(error)), array.shape)
        message += f"\n  largest difference at index {tuple(int(i) for i in index)}"
    if hints:
        message += "\n  hint: " + hints[0]
    raise CheckFailed(message)


def protect(name, *arrays):
    """Return a function that raises if any of ``arrays`` changed since this call.

    Used around a student's call: functions in this course never modify their inputs.
    """
    copies = [_copy(a) for a in arrays]

    def check(context):
        __tracebackhide__ = True  # IPython shows the student our message, not our frames
        for index, (before, now) in enumerate(zip(copies, arrays)):
            if not _array_equal(before, now, equal_nan=True):
                what = f"argument {index + 1}" if index < 2 else "the state it was given"
                raise CheckFailed(
                    f"{name} modified its input ({what}) in place.\n  {context}\n"
                    "  hint: `x -= ...` or `x[...] = ...` changes the caller's array; "
                    "compute a new array instead (`x = x - ...`)."
                )

    return check


@contextlib.contextmanager
def student_code(name):
    """Turn an exception raised by the student's function into a readable CheckFailed."""
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    try:
        yield
    except NotImplementedError:
        raise CheckFailed(f"{name} is not implemented yet (it raises NotImplementedError).") from None
    except AssertionError:
        raise
    except Exception as error:
        raise CheckFailed(f"{name} raised {type(error).__name__}: {error}") from error
