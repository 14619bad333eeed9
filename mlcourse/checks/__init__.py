"""Checkers: what the test cells of the exercises call.

Each checker compares a student's function with the reference of :mod:`mlcourse` on
many inputs and, at the first difference, stops with a :class:`CheckFailed` that names
the function at fault, the inputs (with the seed that reproduces them), expected
against got, and, when the difference matches a known mistake, a hint:

* :func:`check_function` — any plain function (a metric, a rate, a threshold);
* :func:`check_distribution` — a random function, statistically;
* :func:`check_loss` — a loss and its gradient (:mod:`mlcourse.losses`);
* :func:`check_update_rule` — an optimizer step, stateless or stateful (:mod:`mlcourse.optim`);
* :func:`check_schedule` — a learning-rate schedule (:mod:`mlcourse.schedules`);
* :func:`check_plateau` — a reduce-on-plateau scheduler with its state;
* :func:`check_descent_loop`, :func:`check_training_loop`, :func:`check_critical_lr` —
  whole runs against :func:`mlcourse.problems.minimize`;
* :func:`check_clip_by_norm`, :func:`check_sgd_epoch`, :func:`check_sgd_loop` —
  gradient clipping and mini-batch SGD;
* :func:`check_group_error_rates`, :func:`check_demographic_parity_difference`,
  :func:`check_equalized_odds_difference`, :func:`check_flip_rate`,
  :func:`check_membership_advantage` — the audit metrics (:mod:`mlcourse.metrics`);
* :func:`check_loguniform_sampler`, :func:`check_random_search`,
  :func:`check_successive_halving` — sampling and searching (:mod:`mlcourse.search`).

``seed=0`` (visible tests) gives inputs a student can reproduce; ``seed=None`` (hidden
tests) draws them at grading time. Hyperparameters are explicit spaces of
:mod:`mlcourse.search` (``{"lr": loguniform(1e-3, 0.1)}``). Known mistakes are data
(:class:`Mistake`); a test cell adds its own with ``mistakes=[...]``. The reference
for exercise authors is the "Checkers" section of ``guide/instructors.md`` and
"Writing a checker" in ``CONTRIBUTING.md``.

Design: checkers, drivers, kernel
---------------------------------
A checker is a **generator** (:func:`checker` makes it public). It draws each case's
inputs, computes the expected value and the mistakes' values itself, and, to run a
student's function, *yields* a :class:`Call` naming the function's role and its
inputs; it receives a :class:`Reply` with what the function returned (or the error it
raised, named after the student's own function that raised, and the inputs it changed
in place). It compares, and returns a one-line summary or raises CheckFailed.

* A :class:`Call` holds inputs only: plain data, NumPy arrays, and **argument specs**
  that the kernel turns into objects (:func:`problem` — a problem or its gradient,
  optionally recording every ``grad(theta, batch)`` call; :func:`objective` — a
  search's ``train(config, budget)``, optionally recording every call; an optimizer;
  an rng), or
  :class:`Kept` — a value the kernel kept from an earlier call (a stateful rule's
  state, which never leaves the kernel).
* The **driver** runs the generator: it sends each Call to the **kernel side**
  (``_driver.Kernel``: builds the arguments, calls the function with warnings
  silenced, records, keeps state) and feeds the Reply back, one answer per call, in
  order. Today's driver (``_driver.InProcessDriver``) does both in the student's
  process: in JupyterLab, in nbgrader's Validate and under ``mlcourse grade``.
* Functions the student's function calls (the loop's ``gd_step``) are passed too
  (``check_descent_loop(gradient_descent, step=gd_step)``; the general checkers
  ``check_function`` and ``check_update_rule`` take one as ``callee=`` with its
  reference); when the outer function fails, the checker runs their checks on the
  outer function's own inputs and reports the first that fails as the cause
  (``blame_callees``).
* Everything a checker is given besides the student's functions must travel over a
  wire (``_wire``: JSON, never pickle; functions by import path): a test cell that
  passes a lambda as a mistake fails at once, everywhere.

**Under ``mlcourse grade``** only the driver changes (:mod:`._client`). In the
kernel, the public checker sends ``(checker, arguments)`` to the grader's oracle
(:mod:`mlcourse.grading.oracle`) and then only executes the Calls it receives with
``Kernel``, until the oracle sends the verdict text, which it prints (✔) or raises as
CheckFailed. The oracle runs the same generator, accepts exactly one Reply per Call, in
order, records each verdict before it answers, and scores from its own record: expected
values and mistakes' values exist only in the grader. The kernel runs in a sandbox
(:mod:`mlcourse.grading.sandbox`) whose ``mlcourse`` has no checker code and in which the
reference implementations a checker names in ``under_test`` are stubs
(:mod:`._unavailable`). In the student's own process the in-process driver still tells
a student at once who calls the reference (:mod:`._integrity`), with the grader's message.
"""

from ._compare import CheckFailed
from ._driver import REGISTRY, checker
from ._integrity import TamperingError
from ._protocol import Call, Kept, Reply, objective, problem
from .distributions import check_distribution
from .functions import check_function
from .loops import check_critical_lr, check_descent_loop, check_training_loop
from .losses import check_loss
from .metrics import (check_demographic_parity_difference, check_equalized_odds_difference, check_flip_rate,
                      check_group_error_rates, check_membership_advantage)
from .mistakes import Mistake
from .optim import check_update_rule
from .plateau import check_plateau
from .schedules import check_schedule
from .sgd import check_clip_by_norm, check_sgd_epoch, check_sgd_loop
from .search import check_loguniform_sampler, check_random_search, check_successive_halving

__all__ = [
    "check_function", "check_distribution", "check_loss", "check_update_rule", "check_schedule", "check_plateau",
    "check_descent_loop", "check_training_loop", "check_critical_lr",
    "check_clip_by_norm", "check_sgd_epoch", "check_sgd_loop",
    "check_group_error_rates", "check_demographic_parity_difference", "check_equalized_odds_difference",
    "check_flip_rate", "check_membership_advantage",
    "check_loguniform_sampler", "check_random_search", "check_successive_halving",
    "Mistake", "problem", "objective", "CheckFailed", "TamperingError", "checker", "Call", "Kept", "Reply", "REGISTRY",
]
