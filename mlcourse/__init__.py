"""mlcourse: the reference package of the course.

Every formula the course uses lives here exactly once: the optimizers
(:mod:`mlcourse.optim`, exact to ``torch.optim``), learning-rate schedules
(:mod:`mlcourse.schedules`), losses (:mod:`mlcourse.losses`), test problems
(:mod:`mlcourse.problems`), the training loop that runs an optimizer on a problem
(:mod:`mlcourse.train`), what theory predicts for them: rates, thresholds and
optimal tunings (:mod:`mlcourse.theory`), and what one reads off an adaptive
optimizer: effective rates, bias corrections, step bounds (:mod:`mlcourse.adaptive`).
Chapters draw with it, widgets compute with it
and exercises are graded against it.
"""

__version__ = "0.1.0"
