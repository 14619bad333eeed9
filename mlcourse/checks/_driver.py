"""Drivers: what runs a checker, and the kernel side that runs the student's functions.

:func:`checker` turns a checker's generator function into the public function a test
cell calls. The public function splits its arguments into the student's functions
(the roles named by ``students``: they stay where they are, in the kernel) and the
rest (plain, serialisable data: seeds, spaces, references named by import path,
mistakes), checks that the rest could be sent over a wire (:mod:`._wire`), and hands
both to the current driver.

:class:`InProcessDriver` (today's only driver, used in JupyterLab, by nbgrader's
Validate and under ``mlcourse grade``) runs the generator here and executes each
:class:`~._protocol.Call` with :class:`Kernel`. With ``wire=True`` every message is
encoded and decoded on its way, exactly as an out-of-process driver would send it:
the test suite runs the checkers that way to prove that they are ready for one.

The oracle of issue 17 is another driver: the public function in the kernel sends
``(checker name, arguments)`` to the grader; the grader runs the same generator
(:data:`REGISTRY`), sends each Call to the kernel, where :class:`Kernel` executes it,
and feeds the Reply back. Nothing else changes.
"""

import contextlib
import functools
import inspect
import os
import sys
import traceback
import warnings

import numpy as np

from . import _integrity, _wire
from ._compare import CheckFailed
from ._protocol import SPECS, Call, Kept, ProblemSpec, Reply, StudentError, StudentFunction
from ._protocol import ObjectiveSpec  # a search's train(config, budget), optionally recorded

REGISTRY = {}  # checker name -> public function (its .generator is the checker itself)


def checker(*, students, under_test=()):
    """Decorator: make a generator function a public checker.

    ``students`` names the parameters that hold the student's functions (the first is
    the function under test; the others, often optional, are functions it calls).
    ``under_test`` lists the reference modules or functions the student's code must not
    call (today: traced in-process; under the oracle: absent from the sandboxed kernel),
    or is a function of the checker's arguments returning them (``check_function``: its
    ``reference``).
    """

    def decorate(generator_function):
        signature = inspect.signature(generator_function)
        missing = [role for role in students if role not in signature.parameters]
        if missing:
            raise TypeError(f"invalid students = {missing!r}: not parameters of {generator_function.__name__}")

        @functools.wraps(generator_function)
        def public(*args, **kwargs):
            __tracebackhide__ = True  # pytest: show the test's line, not ours
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            functions = {role: bound.arguments.pop(role) for role in students}
            _wire.check_arguments(bound.arguments)
            return current_driver().run(public, functions, dict(bound.arguments))

        public.generator = generator_function
        public.students = tuple(students)
        public.under_test = under_test if callable(under_test) else tuple(under_test)
        REGISTRY[generator_function.__name__] = public
        return public

    return decorate


# --- the in-process driver ------------------------------------------------------------------

class InProcessDriver:
    """Runs a checker in this process; ``wire=True`` encodes every message on its way.

    ``kernel`` is the class of the kernel side (:class:`Kernel`, defined below).
    """

    kernel = None  # set to Kernel once it is defined

    def __init__(self, wire=False):
        self.wire = wire

    def run(self, check, functions, arguments):
        __tracebackhide__ = True
        _integrity.assert_untouched("before the check")
        if self.wire:
            arguments = _wire.loads(_wire.dumps(arguments))
        handles = {role: None if function is None else StudentFunction(role, _name(function, role))
                   for role, function in functions.items()}
        under_test = check.under_test(arguments) if callable(check.under_test) else check.under_test
        kernel = self.kernel(functions, _integrity.code_files(*under_test))
        generator = check.generator(**handles, **arguments)
        try:
            request = next(generator)
            while True:
                if self.wire:
                    request = _wire.loads(_wire.dumps(request))
                reply = kernel.execute(request)
                if self.wire:
                    reply = _wire.loads(_wire.dumps(reply, opaque=True))
                request = generator.send(reply)
        except StopIteration as done:
            summary = done.value
        except CheckFailed as failure:
            raise failure.with_traceback(None) from None  # the message, not the checker's frames
        finally:
            generator.close()
        _integrity.assert_untouched("after the check")
        _integrity.passed(check.__name__, summary)


_DRIVER = [InProcessDriver(wire=os.environ.get("MLCOURSE_CHECKS_WIRE") == "1")]


def current_driver():
    return _DRIVER[-1]


@contextlib.contextmanager
def use_driver(driver):
    """Run the checkers called inside the block with ``driver``."""
    _DRIVER.append(driver)
    try:
        yield driver
    finally:
        _DRIVER.remove(driver)


def _name(function, role):
    return getattr(function, "__name__", None) or role


# --- the kernel side --------------------------------------------------------------------------

class Kernel:
    """Executes :class:`Call` requests with the student's functions; keeps their state.

    This is all that runs in the student's process under an out-of-process driver:
    it builds the arguments (argument specs, kept values), calls the function with
    warnings and floating-point errors silenced (a warning on stderr would cost the
    cell its points in nbgrader), and reports the value, the error (named after the
    student's own function that raised), and the inputs changed in place.
    """

    def __init__(self, functions, forbidden_files=()):
        self.functions = functions
        self.kept = {}
        self.forbidden_files = forbidden_files

    def execute(self, call):
        function = self.functions.get(call.role)
        name = call.name or _name(function, call.role)
        if not callable(function):
            return Reply(error=StudentError("TypeError", f"{name} is {type(function).__name__}, not a function",
                                            name, (name,), ""))
        records = {}
        args = [self._build(value, records) for value in call.args]
        kwargs = {key: self._build(value, records) for key, value in (call.kwargs or {}).items()}
        watched = self._watch(function, call, args, kwargs)
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with _integrity.forbid_calls(self.forbidden_files, name):
                    result = function(*args, **kwargs)
        except (_integrity.TamperingError, MemoryError):
            raise
        except Exception as error:
            return Reply(error=describe_error(error, name), recorded=records or None)
        modified = tuple(label for label, before, now in watched if not _unchanged(before, now))
        value = result
        if call.keep is not None:
            if call.pair:
                if not (isinstance(result, tuple) and len(result) == 2):
                    return Reply(not_a_pair=_kind(result), modified=modified, recorded=records or None)
                value, self.kept[call.keep] = result
            else:
                value, self.kept[call.keep] = None, result
        return Reply(value=value, modified=modified, recorded=records or None)

    def _build(self, value, records):
        if isinstance(value, Kept):
            return self.kept[value.name]
        if isinstance(value, np.ndarray):
            return value.copy()  # the student gets its own copy, as over a wire
        if isinstance(value, ProblemSpec):
            problem = value.build()
            if value.record is not None:
                problem = _recording(problem, records.setdefault(value.record, []))
            return getattr(problem, value.part) if value.part else problem
        if isinstance(value, ObjectiveSpec):
            return value.build(None if value.record is None else records.setdefault(value.record, []))
        if isinstance(value, SPECS):
            return value.build()
        return value

    def _watch(self, function, call, args, kwargs):
        """``(label, snapshot, current)`` of every array the call must leave alone."""
        try:
            names = list(inspect.signature(function).parameters)
        except (TypeError, ValueError):
            names = []
        watched = []
        for index, (spec, value) in enumerate(zip(call.args, args)):
            if isinstance(spec, Kept):
                watched.append(("the state it was given", _snapshot(value), value))
            elif isinstance(spec, np.ndarray):
                label = f"argument {index + 1}" + (f" ({names[index]})" if index < len(names) else "")
                watched.append((label, spec, value))
        for key, spec in (call.kwargs or {}).items():
            if isinstance(spec, np.ndarray):
                watched.append((f"argument {key}", spec, kwargs[key]))
        return watched


def _snapshot(value):
    """Copies of the arrays inside a (nested) state, to compare after the call."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (tuple, list)):
        return [_snapshot(v) for v in value]
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    return None


def _unchanged(before, now):
    array_equal = _integrity.TRUSTED["numpy.array_equal"]
    if isinstance(before, np.ndarray):
        nan = before.dtype.kind in "fc"  # equal_nan is only defined for numbers that can be nan
        return isinstance(now, np.ndarray) and before.shape == now.shape and array_equal(before, now, equal_nan=nan)
    if isinstance(before, list):
        return all(_unchanged(b, n) for b, n in zip(before, now))
    if isinstance(before, dict):
        return all(_unchanged(b, now.get(k)) for k, b in before.items())
    return True


def _kind(value):
    text = type(value).__name__
    if isinstance(value, (tuple, list)):
        text += f" of length {len(value)}"
    return text


def _recording(problem, records):
    """``problem`` whose ``grad`` notes ``(theta, batch)`` of every call in ``records``."""
    copy = _integrity.TRUSTED["numpy.copy"]
    grad = problem.grad

    def recorded_grad(theta, batch=None):
        records.append((copy(np.asarray(theta)), None if batch is None else copy(np.asarray(batch))))
        return grad(theta) if batch is None else grad(theta, batch)

    return problem._replace(grad=recorded_grad)


_LIBRARY_DIRS = tuple(sorted({os.path.realpath(p) + os.sep for p in
                              (sys.prefix, sys.base_prefix, sys.exec_prefix,
                               os.path.dirname(os.path.dirname(os.path.abspath(__file__))))}))


def _students_file(filename):
    """Whether code in ``filename`` is the student's (a notebook cell, a test module),
    not the course's, Python's or a library's."""
    if filename.startswith("<"):
        return not filename.startswith("<frozen")
    return not os.path.realpath(filename).startswith(_LIBRARY_DIRS)


def describe_error(error, called):
    """A :class:`StudentError`: the student's frames of the traceback, innermost last."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if _students_file(frame.filename)]
    chain = []
    for frame in frames:
        if not chain or chain[-1] != frame.name:
            chain.append(frame.name)
    chain = chain or [called]
    if chain[0] != called:
        chain.insert(0, called)
    where = "\n".join(f"    in {frame.name}, line {frame.lineno}: {frame.line.strip()}"
                      for frame in frames[-4:] if frame.line)
    message = str(error)
    if len(message) > 300:
        message = message[:297] + "..."
    return StudentError(type(error).__name__, message, chain[-1], tuple(chain), where)


InProcessDriver.kernel = Kernel


def run_reference(function, *args, **kwargs):
    """Run a wrong implementation (a mistake) or any other trusted function on a case's
    inputs, grader side: specs are built as the kernel builds them, arrays copied.
    Returns the result, or None when the function does not apply (it raised)."""
    kernel = Kernel({"f": function})
    reply = kernel.execute(Call("f", args, kwargs))
    return None if reply.error is not None else reply.value
