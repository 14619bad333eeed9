"""Authoring: the tools for writing and maintaining the course's exercises.

* :mod:`mlcourse.authoring.release` — ``mlcourse release``: generate the student
  release ``exercises/`` from the nbgrader sources in ``solutions/``, and list it in
  ``_toc.yml``;
* :mod:`mlcourse.authoring.scaffold` — ``mlcourse new-assignment NAME``: a new
  ``solutions/NAME/NAME.ipynb`` with the course's cell structure;
* :mod:`mlcourse.authoring.notebook` — the nbgrader cell roles, made in code and told
  apart;
* :mod:`mlcourse.authoring.answer_keys` — ``mlcourse check-answer-keys``: every
  assignment's solution scores full marks, its release 0, and each test cell fails for
  at least one wrong answer.

The walk-through is ``guide/instructors.md``, *Adding an exercise*.

Instructors grade with :mod:`mlcourse.grading`; students' test cells call the
checkers. Nothing here runs in a student's kernel.
"""
