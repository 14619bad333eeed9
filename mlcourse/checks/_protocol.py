"""The checker protocol: what a checker asks the kernel, and what it gets back.

A checker is a generator. It never calls a student's function itself: it *yields* a
:class:`Call` ("call the student's ``step`` with these arguments") and receives a
:class:`Reply` (the value returned, or the error raised, and what the call changed in
place). Everything in a :class:`Call` is an input: plain data (numbers, strings, NumPy
arrays, tuples, lists, dicts) or an *argument spec* that the kernel turns into the
object the student's function expects:

=======================  ====================================================================
spec                     what the student's function receives
=======================  ====================================================================
:class:`Kept`            a value the kernel kept from an earlier call (a student's optimizer
                         state: it never leaves the kernel)
:class:`ProblemSpec`     a problem of :mod:`mlcourse.problems`, or its ``grad``; optionally
                         *recorded*: every ``grad(theta, batch)`` call is noted and sent
                         back in :attr:`Reply.recorded`
:class:`OptimizerSpec`   an optimizer of :mod:`mlcourse.optim`
:class:`RngSpec`         ``np.random.default_rng(seed)``, optionally advanced
:class:`ObjectiveSpec`   a search objective ``train(config, budget) -> score`` of
                         :mod:`mlcourse.search.objectives`; optionally *recorded*: every
                         ``train(config, budget)`` call is noted and sent back in
                         :attr:`Reply.recorded`
=======================  ====================================================================

Specs name what to build, so the same :class:`Call` can be executed in the student's
own process (the in-process driver of :mod:`mlcourse.checks._driver`) or sent over a
wire to a kernel while the checker runs elsewhere (the oracle of issue 17). The
expected values a checker computes never appear in a :class:`Call`.
"""

from typing import Any, NamedTuple

import numpy as np

from ._compare import CheckFailed, indent, modified_message, student_error_message


class Kept(NamedTuple):
    """An argument that refers to a value the kernel kept under ``name`` (see :class:`Call`)."""

    name: str


class Call(NamedTuple):
    """Call the student's function ``role`` with ``args`` and ``kwargs``.

    ``keep``: if given, the kernel keeps the result (or, with ``pair=True``, the second
    entry of a ``(value, state)`` pair) under that name, for later calls to pass as
    :class:`Kept`; a kept value is never sent back. With ``pair=True`` a result that is
    not a pair is reported in :attr:`Reply.not_a_pair`.
    """

    role: str
    args: tuple = ()
    kwargs: dict | None = None
    keep: str | None = None
    pair: bool = False
    name: str = ""  # the student's name for the function, for messages (the kernel ignores it)


class StudentError(NamedTuple):
    """What the kernel reports when the student's function raised.

    ``function`` is the innermost of the student's own functions on the stack (the stub
    that raised NotImplementedError, even when the function under test called it), and
    ``chain`` the student's functions from the one called down to it.
    """

    type: str
    message: str
    function: str
    chain: tuple
    where: str


class Reply(NamedTuple):
    """The kernel's answer to one :class:`Call`.

    ``value``: what the function returned (None when it raised or the result was kept);
    ``error``: a :class:`StudentError`; ``modified``: labels of the arguments the call
    changed in place (``"argument 1 (theta)"``, ``"the state it was given"``);
    ``not_a_pair``: the type name of the result when a pair was asked for and something
    else came back; ``recorded``: for each recorded spec, its records.
    """

    value: Any = None
    error: StudentError | None = None
    modified: tuple = ()
    not_a_pair: str | None = None
    recorded: dict | None = None


class StudentFunction(NamedTuple):
    """A checker's handle on one of the student's functions: its role and its name.

    Calling the handle does not run anything: ``step(theta, grad, lr=0.1)`` returns the
    :class:`Call` to yield. The function itself stays with the driver (in the kernel).
    """

    role: str
    name: str

    def __call__(self, *args, **kwargs):
        return Call(self.role, args, kwargs, name=self.name)

    def keeping(self, keep, *args, pair=False, **kwargs):
        """A :class:`Call` whose result (or, with ``pair``, its second entry) the kernel
        keeps under the name ``keep``."""
        return Call(self.role, args, kwargs, keep=keep, pair=pair, name=self.name)


# --- argument specs ------------------------------------------------------------------------

def _short(value):
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


class ProblemSpec(NamedTuple):
    """``mlcourse.problems.<factory>(*args, **kwargs)``, built where the student's code runs.

    ``part="grad"`` passes the problem's gradient function instead of the problem.
    ``record="name"`` wraps its ``grad`` so that every call ``grad(theta, batch)`` is
    noted as ``(theta, batch)``; the notes come back in ``Reply.recorded["name"]``.
    """

    factory: str
    args: tuple = ()
    kwargs: tuple = ()  # (name, value) pairs: hashable and serialisable
    part: str | None = None
    record: str | None = None

    def build(self):
        """The problem itself (grader side: the reference run uses the same object)."""
        from mlcourse import problems

        factory = getattr(problems, self.factory, None)
        if not callable(factory):
            raise ValueError(f"invalid problem factory = {self.factory!r}, expected a function of mlcourse.problems")
        return factory(*self.args, **dict(self.kwargs))

    def gradient(self):
        """The same problem, passed as its ``grad`` function."""
        return self._replace(part="grad")

    def recorded(self, name="grad"):
        """The same problem, with every ``grad`` call recorded under ``name``."""
        return self._replace(record=name)

    @property
    def label(self):
        arguments = [_short(a) for a in self.args] + [f"{k}={_short(v)}" for k, v in self.kwargs]
        return f"problems.{self.factory}({', '.join(arguments)})"


def problem(factory, *args, **kwargs):
    """A :class:`ProblemSpec`: ``problem("quadratic", condition_number=4)``.

    Use it wherever a checker's case needs a problem (worked examples of loops, epochs):
    the problem is built where the student's function runs, from its name.
    """
    spec = ProblemSpec(factory, tuple(args), tuple(kwargs.items()))
    spec.build()  # fail now, in the test cell, if it cannot be built
    return spec


class OptimizerSpec(NamedTuple):
    """``mlcourse.optim.<factory>(**hyperparameters)``, built where the student's code runs."""

    factory: str
    hyperparameters: tuple = ()  # sorted (name, value) pairs

    def build(self):
        from mlcourse import optim

        factory = getattr(optim, self.factory, None)
        if not callable(factory):
            raise ValueError(f"invalid optimizer factory = {self.factory!r}, expected a function of mlcourse.optim")
        return factory(**dict(self.hyperparameters))


class RngSpec(NamedTuple):
    """``np.random.default_rng(seed)``, after ``skip`` calls of ``rng.permutation(n)``
    (``skip = (n, k)``): the generator an epoch of SGD receives after ``k`` epochs."""

    seed: int
    skip: tuple = ()

    def build(self):
        rng = np.random.default_rng(self.seed)
        if self.skip:
            n, count = self.skip
            for _ in range(count):
                rng.permutation(n)
        return rng


class ObjectiveSpec(NamedTuple):
    """``mlcourse.search.<factory>(*args, **kwargs)``: a search objective ``train(config,
    budget) -> score`` (:mod:`mlcourse.search.objectives`), built where the student's code runs.

    ``record="name"`` wraps it so that every call ``train(config, budget)`` is noted as
    ``(config, budget)`` (a copy of the config as it was passed, before the objective
    looks at it); the notes come back in ``Reply.recorded["name"]``, in the order of
    the calls, also when the student's function raised.
    """

    factory: str
    args: tuple = ()
    kwargs: tuple = ()  # (name, value) pairs
    record: str | None = None

    def build(self, records=None):
        """The objective; with ``records`` (a list), the recording one, which appends to it."""
        from mlcourse.search import objectives

        factory = getattr(objectives, self.factory, None) if self.factory in objectives.__all__ else None
        if not callable(factory) or not self.factory[:1].islower():
            raise ValueError(f"invalid objective factory = {self.factory!r}, expected a function of "
                             "mlcourse.search.objectives (quadratic_bowl, power_law_curves, digits_mlp)")
        train = factory(*self.args, **dict(self.kwargs))
        return train if records is None else _recording_objective(train, records)

    def recorded(self, name="train"):
        """The same objective, with every ``train`` call recorded under ``name``."""
        return self._replace(record=name)

    @property
    def label(self):
        arguments = [_short(a) for a in self.args] + [f"{k}={_short(v)}" for k, v in self.kwargs]
        return f"search.{self.factory}({', '.join(arguments)})"


def _recording_objective(train, records):
    """``train`` noting ``(config, budget)`` of every call in ``records``."""

    def recorded_train(config, budget):
        records.append((dict(config) if isinstance(config, dict) else config, budget))
        return train(config, budget)

    return recorded_train


def objective(factory, *args, **kwargs):
    """An :class:`ObjectiveSpec`: ``objective("power_law_curves")``,
    ``objective("quadratic_bowl", space, centre).recorded("train")``.

    Use it wherever a checker's case hands the student's search a ``train(config,
    budget)``: the objective is built where the student's function runs, from its name.
    """
    spec = ObjectiveSpec(factory, tuple(args), tuple(kwargs.items()))
    spec.build()  # fail now, where the checker runs, if it cannot be built
    return spec


SPECS = (ProblemSpec, OptimizerSpec, RngSpec, ObjectiveSpec)


# --- helpers for checkers: ask, and blame the functions a function calls ---------------------

def ask_reply(call, context=""):
    """Yield ``call`` and return its :class:`Reply` (use as ``reply = yield from ask_reply(...)``).

    Raises CheckFailed when the student's function raised, returned something other
    than a pair where one was asked for, or modified an input in place.
    """
    reply = yield call
    name = call.name or call.role
    if reply.error is not None:
        failure = CheckFailed(student_error_message(name, reply.error, context))
        failure.student_error = reply.error
        raise failure
    if reply.not_a_pair is not None:
        where = f"\n  {context}" if context else ""
        raise CheckFailed(f"{name} should return a pair (new_params, new_state), but returned "
                          f"{reply.not_a_pair}.{where}")
    if reply.modified:
        raise CheckFailed(modified_message(name, reply.modified, context))
    return reply


def ask(call, context=""):
    """Yield ``call`` and return the student's value: ``got = yield from ask(step(theta, grad))``."""
    reply = yield from ask_reply(call, context)
    return reply.value


def blame_callees(outer, failure, callees):
    """After ``outer`` failed with ``failure``: check the functions it calls on its own inputs.

    ``callees`` is a list of ``(handle, check)`` where ``check`` is a generator (a
    sub-check of that function on the inputs ``outer`` gave it, or would have). The
    first that fails is reported as the cause (CheckFailed naming it, with its own
    message and hint); if all pass, this returns and the caller reports ``outer``'s
    own failure. A stub (NotImplementedError) is already named by its own name, so
    then nothing is checked. Use it in an ``except CheckFailed as failure:`` block
    before re-raising.
    """
    error = getattr(failure, "student_error", None)
    if error is not None and error.type == "NotImplementedError":
        return
    for callee, check in callees:
        if callee is None:
            continue
        try:
            yield from check
        except CheckFailed as failure:
            chain = (outer.name, *getattr(failure, "chain", (callee.name,)))
            inner = getattr(failure, "inner", str(failure))
            culprit = chain[-1]
            through = f" through {', '.join(chain[1:-1])}" if len(chain) > 2 else ""
            error = CheckFailed(
                f"{outer.name} fails because of {culprit}, which it calls{through}:\n{indent(inner)}\n"
                f"Fix {culprit} first: its own test checks it alone.")
            error.chain, error.inner = chain, inner
            raise error from None
