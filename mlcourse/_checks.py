"""Argument checks shared by the whole package.

Every message names the argument and shows its value, so that a student or an
instructor can see at once what was wrong: ``invalid lr = -0.1, expected ...``.
"""

import collections.abc
import math
import numbers

import numpy as np


def check_number(name, value):
    """Return ``value`` as a float, or raise TypeError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"invalid {name} = {value!r}, expected a real number")
    return float(value)


def check_range(name, value, low=None, high=None, *, low_open=False, high_open=False):
    """Check ``low <= value <= high`` (either end may be open or absent); return a float.

    Non-finite values are always rejected.
    """
    value = check_number(name, value)
    ok = math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        left = "" if low is None else f"{low:g} {'<' if low_open else '<='} "
        right = "" if high is None else f" {'<' if high_open else '<='} {high:g}"
        raise ValueError(f"invalid {name} = {value!r}, expected {left}{name}{right}")
    return value


def check_int(name, value, low=None):
    """Return ``value`` as an int (>= ``low`` if given), or raise naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"invalid {name} = {value!r}, expected an integer")
    if low is not None and value < low:
        raise ValueError(f"invalid {name} = {value!r}, expected {name} >= {low}")
    return int(value)


def check_flag(name, value):
    """Return ``value`` as a bool if it is True or False (Python's or NumPy's), else raise TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"invalid {name} = {value!r}, expected True or False")
    return bool(value)


def check_list(name, value, of):
    """Return ``value`` as a list: any iterable but a string (a list, tuple, range, array...).

    ``of`` says what the entries are, for the message: ``expected a list of {of}``.
    The entries themselves are checked by the caller.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, collections.abc.Iterable):
        raise TypeError(f"invalid {name} = {value!r}, expected a list of {of}")
    return list(value)


def check_choice(name, value, choices):
    """Return ``value`` if it is one of ``choices``, else raise naming the argument."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"invalid {name} = {value!r}, expected one of {options}")
    return value


def as_float_array(name, value):
    """Return ``value`` as a float array: float32 stays float32, all else becomes float64."""
    try:
        array = np.asarray(value)
    except Exception as error:  # pragma: no cover - numpy's own message is kept
        raise TypeError(f"invalid {name}: cannot convert {type(value).__name__} to an array ({error})") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"invalid {name} with dtype {array.dtype}, expected a real numeric array")
    dtype = np.float32 if array.dtype == np.float32 else np.float64
    return array.astype(dtype, copy=False)


def check_same_shape(name, value, reference_name, reference):
    """Raise ValueError unless ``value`` and ``reference`` have one shape."""
    if np.shape(value) != np.shape(reference):
        raise ValueError(
            f"invalid {name} with shape {np.shape(value)}, expected the shape of "
            f"{reference_name} {np.shape(reference)}"
        )
