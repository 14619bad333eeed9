"""Grading: the checkers that exercise notebooks call, and batch grading for instructors.

Checkers (called from the test cells of ``solutions/`` and ``exercises/``):

* :func:`check_loss` — a loss and its gradient against :mod:`mlcourse.losses`;
* :func:`check_update_rule` — an optimizer step against :mod:`mlcourse.optim`;
* :func:`check_schedule` — a learning-rate schedule against :mod:`mlcourse.schedules`;
* :func:`check_descent_loop`, :func:`check_training_loop`, :func:`check_critical_lr` —
  whole runs against :func:`mlcourse.problems.minimize` and the quadratic's known
  curvature;
* :func:`check_clip_by_norm`, :func:`check_sgd_epoch`, :func:`check_sgd_loop` —
  gradient clipping and mini-batch SGD epochs against :func:`mlcourse.problems.clip_by_norm`,
  :func:`mlcourse.problems.batches` and :func:`mlcourse.problems.minimize`;
* :func:`check_group_error_rates`, :func:`check_demographic_parity_difference`,
  :func:`check_equalized_odds_difference`, :func:`check_flip_rate`,
  :func:`check_membership_advantage` — exercise 9's audit metrics against
  :mod:`mlcourse.metrics`.

Each runs the student's function and the reference side by side on many inputs and
raises AssertionError at the first mismatch, saying where, expected versus got, and,
when the difference matches a known mistake, a hint. ``seed=0`` (visible tests) gives
inputs a student can reproduce; ``seed=None`` (hidden tests) draws them at grading time.

Batch grading (``mlcourse grade``) lives in :mod:`mlcourse.grading.batch`; the tamper
checks and their limits in :mod:`mlcourse.grading._integrity` and ``guide/instructors.md``.
"""

import sys

from . import _integrity  # first: captures trusted references before anything else runs
from .descent_checks import check_critical_lr, check_descent_loop, check_training_loop
from .loss_checks import check_loss
from .sgd_checks import check_clip_by_norm, check_sgd_epoch, check_sgd_loop
from .update_checks import check_schedule, check_update_rule
from .audit_checks import (check_demographic_parity_difference, check_equalized_odds_difference,
                           check_flip_rate, check_group_error_rates, check_membership_advantage)

__all__ = ["check_loss", "check_update_rule", "check_schedule", "check_descent_loop", "check_training_loop",
           "check_critical_lr", "check_clip_by_norm", "check_sgd_epoch", "check_sgd_loop",
           "check_group_error_rates", "check_demographic_parity_difference", "check_equalized_odds_difference",
           "check_flip_rate", "check_membership_advantage"]

_integrity.seal(
    sys.modules[__name__],
    *(sys.modules[name] for name in sorted(sys.modules)
      if name.startswith("mlcourse.") and not name.startswith("mlcourse.grading.batch")
      and not name.startswith("mlcourse.sphinxext")),
)
