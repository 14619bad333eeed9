"""Grading for instructors: ``mlcourse grade`` turns a folder of submissions into scores,
feedback and a gradebook.

* :mod:`~mlcourse.grading.batch` — the orchestrator: course template, parallel workers,
  cache, reports;
* :mod:`~mlcourse.grading.worker` — grades one submission in its own course directory;
* :mod:`~mlcourse.grading.execute` — nbgrader's Execute preprocessor, hardened
  (timeouts, dead kernels, output floods);
* :mod:`~mlcourse.grading.kernel_launcher` — starts each grading kernel with its limits;
* :mod:`~mlcourse.grading.submissions`, :mod:`~mlcourse.grading.report` — finding the
  submissions, writing ``grades.csv``, the summary figure and the feedback;
* :mod:`~mlcourse.grading.release` — ``mlcourse release`` (moving to ``mlcourse.authoring``).

What the test cells call (the checkers) is :mod:`mlcourse.checks`; this package imports
nothing of it but the receipt check, and nothing here runs in a student's kernel except
the kernel launcher.
"""
