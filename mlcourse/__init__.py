"""mlcourse: the reference package of the course.

Every formula the course uses lives here exactly once: the optimizers
(:mod:`mlcourse.optim`, exact to ``torch.optim``), learning-rate schedules
(:mod:`mlcourse.schedules`), losses (:mod:`mlcourse.losses`), test problems
(:mod:`mlcourse.problems`) and what theory predicts for them: rates, thresholds and
optimal tunings (:mod:`mlcourse.theory`). Chapters draw with it, widgets compute with it
and exercises are graded against it.
"""

__version__ = "0.1.0"
