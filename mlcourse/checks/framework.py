"""Everything a new checker is written with (see "Writing a checker" in ``CONTRIBUTING.md``).

A checker is a generator decorated with :func:`checker`. It yields :class:`Call`
requests through :func:`ask` (or :func:`ask_reply`, to see what the student's code
recorded), computes expected values and the :class:`Mistake` values itself, compares
with :func:`compare`, and returns a one-line summary::

    @checker(students=("student_step",), under_test=(optim,))
    def check_something(student_step, reference, *, seed=0, cases=3, mistakes=()):
        seed, rng = make_rng(seed)
        for case in range(cases):
            theta = rng.normal(size=3)
            got = yield from ask(student_step(theta), f"case {case} (seed={seed}), theta = {row(theta)}")
            compare(student_step.name, got, reference(theta), f"case {case} (seed={seed})",
                    [(m.hint, lambda m=m: run_reference(m.wrong, theta)) for m in mistakes])
        return f"{student_step.name} matches ... on {cases} cases (seed={seed})"
"""

from ._compare import CheckFailed, compare, make_rng, number, row, short, show
from ._draw import as_input, check_examples, check_space, draw, shown
from ._driver import REGISTRY, InProcessDriver, Kernel, checker, current_driver, run_reference, use_driver
from ._protocol import (Call, Kept, OptimizerSpec, ProblemSpec, Reply, RngSpec, StudentError, StudentFunction, ask,
                        ask_reply, blame_callees, problem)
from ._protocol import ObjectiveSpec, objective
from .mistakes import Mistake, check_mistakes, for_role

__all__ = [
    "checker", "ask", "ask_reply", "blame_callees", "compare", "CheckFailed", "make_rng", "run_reference",
    "Mistake", "check_mistakes", "for_role", "check_space", "draw", "shown", "check_examples", "as_input",
    "show", "short", "row", "number",
    "Call", "Reply", "Kept", "StudentError", "StudentFunction", "ProblemSpec", "OptimizerSpec", "RngSpec", "problem",
    "ObjectiveSpec", "objective",
    "REGISTRY", "InProcessDriver", "Kernel", "current_driver", "use_driver",
]
