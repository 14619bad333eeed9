"""What a checker's messages look like on a wire: JSON, with tagged types, never pickle.

An out-of-process driver (the oracle of issue 17) sends a checker's arguments from the
kernel to the grader, the checker's :class:`~._protocol.Call` requests to the kernel,
and the kernel's :class:`~._protocol.Reply` back. Everything a kernel sends is
untrusted, so the format is plain JSON: decoding it never runs code. It carries

* ``None``, booleans, integers, floats (also nan and ±inf), strings, lists, tuples,
  dicts (any encodable keys);
* NumPy arrays and scalars of bool, integer, float, complex or string dtype (group labels);
* the protocol's own records (:class:`~._protocol.Call`, ``Reply``, ``StudentError``,
  ``Kept``, the argument specs) and :class:`~.mistakes.Mistake`;
* search spaces (``uniform``, ``loguniform``, ``integers``, ``choice``);
* functions and classes *by reference*: ``{"__ref__": "module:qualname"}``, only for
  objects defined at the top level of an importable module (not a notebook, not a
  lambda or a nested function), so that the receiving side imports its own copy. An
  oracle must only resolve references to trusted modules (``mlcourse.*`` and the
  instructor's own assignment folder): ``loads(text, allow_ref=...)``. In a grading
  kernel a reference implementation is a stub (:mod:`._unavailable`) that travels as
  the reference of the real object it stands for.

A student's function may return anything; ``dumps(value, opaque=True)`` sends what
cannot be encoded as :class:`Opaque` (its type name and a short repr), so that the
checker can still say what came back.
"""

import base64
import functools
import importlib
import json
import math
from dataclasses import fields, is_dataclass
from typing import NamedTuple

import numpy as np

from mlcourse.search import spaces


class Opaque(NamedTuple):
    """A value that could not be sent: what it was."""

    type: str
    repr: str


@functools.cache
def _records():
    from . import _protocol, mistakes

    classes = [_protocol.Call, _protocol.Reply, _protocol.StudentError, _protocol.Kept, *_protocol.SPECS,
               mistakes.Mistake, Opaque]
    return {cls.__name__: cls for cls in classes}


def reference_name(obj):
    """``"module:qualname"`` of a function or class importable by that name, else None."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not module or not qualname or module == "__main__" or "<" in qualname:
        return None
    try:
        found = resolve(f"{module}:{qualname}")
    except (ImportError, AttributeError):
        return None
    return f"{module}:{qualname}" if found is obj else None


def resolve(name):
    """The object ``"module:qualname"`` names."""
    module, _, qualname = name.partition(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


class WireError(TypeError):
    """A value that cannot be sent; the message says which and why."""


def _encode(value, path, opaque):
    records = _records()
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, (np.ndarray, np.generic)) and np.asarray(value).dtype.kind in "biufcU":
        array = np.asarray(value).copy(order="C")
        return {"__array__": array.dtype.str, "shape": list(array.shape), "scalar": isinstance(value, np.generic),
                "data": base64.b64encode(array.tobytes()).decode("ascii")}
    if type(value).__name__ in records and isinstance(value, records[type(value).__name__]):
        if is_dataclass(value):
            items = {f.name: getattr(value, f.name) for f in fields(value)}
        else:
            items = value._asdict()
        return {"__record__": type(value).__name__,
                "fields": {k: _encode(v, f"{path}.{k}", opaque) for k, v in items.items()}}
    if spaces.is_space(value):
        return {"__space__": _space_fields(value, path, opaque)}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, f"{path}[{i}]", opaque) for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, f"{path}[{i}]", opaque) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {"__dict__": [[_encode(k, f"{path} key", opaque), _encode(v, f"{path}[{k!r}]", opaque)]
                             for k, v in value.items()]}
    if callable(value):
        stub = getattr(value, "__wire_ref__", None) if type(value).__name__ == "function" else None
        name = stub if isinstance(stub, str) else reference_name(value)
        if name is not None:
            return {"__ref__": name}
        if opaque:
            return {"__record__": "Opaque", "fields": {"type": type(value).__name__, "repr": repr(value)[:200]}}
        raise WireError(
            f"invalid {path} = {value!r}: a function handed to a checker must be defined at the top level "
            "of an importable module (a .py file, not the notebook, not a lambda or a nested function), so "
            "that it can run where the checker runs; move it into a module and import it")
    if opaque:
        return {"__record__": "Opaque", "fields": {"type": type(value).__name__, "repr": repr(value)[:200]}}
    raise WireError(f"invalid {path} = {value!r}: a checker's arguments must be plain data (numbers, strings, "
                    f"NumPy arrays, tuples, lists, dicts, spaces, specs), not {type(value).__name__}")


def _space_fields(space, path, opaque):
    kind = repr(space).partition("(")[0]
    if kind == "choice":
        return {"kind": kind, "options": _encode(list(space.grid()), f"{path}.options", opaque)}
    return {"kind": kind, "low": _encode(space.low, path, opaque), "high": _encode(space.high, path, opaque)}


def _decode(data, allow_ref):
    if isinstance(data, list):
        return [_decode(v, allow_ref) for v in data]
    if not isinstance(data, dict):
        return data
    if "__float__" in data:
        return float(data["__float__"])
    if "__array__" in data:
        array = np.frombuffer(base64.b64decode(data["data"]), dtype=np.dtype(data["__array__"]))
        array = array.reshape(data["shape"]).copy()
        return array[()] if data["scalar"] else array
    if "__tuple__" in data:
        return tuple(_decode(v, allow_ref) for v in data["__tuple__"])
    if "__dict__" in data:
        return {_decode(k, allow_ref): _decode(v, allow_ref) for k, v in data["__dict__"]}
    if "__record__" in data:
        cls = _records()[data["__record__"]]
        return cls(**{k: _decode(v, allow_ref) for k, v in data["fields"].items()})
    if "__space__" in data:
        spec = data["__space__"]
        factory = {"uniform": spaces.uniform, "loguniform": spaces.loguniform, "integers": spaces.integers,
                   "choice": spaces.choice}[spec["kind"]]
        if spec["kind"] == "choice":
            return factory(_decode(spec["options"], allow_ref))
        return factory(_decode(spec["low"], allow_ref), _decode(spec["high"], allow_ref))
    if "__ref__" in data:
        name = data["__ref__"]
        if not allow_ref(name):
            raise WireError(f"refused reference {name!r}: not a trusted module")
        return resolve(name)
    raise WireError(f"cannot decode {str(data)[:100]}")


def dumps(value, opaque=False):
    """``value`` as JSON text; raises WireError (a TypeError) naming what cannot be sent,
    unless ``opaque`` (then it is sent as :class:`Opaque`)."""
    return json.dumps(_encode(value, "value", opaque))


def loads(text, allow_ref=lambda name: True):
    """The value :func:`dumps` encoded; references are resolved only if ``allow_ref(name)``."""
    return _decode(json.loads(text), allow_ref)


def check_arguments(arguments):
    """Raise TypeError naming the first argument of a checker that could not be sent."""
    for name, value in arguments.items():
        _encode(value, name, opaque=False)
