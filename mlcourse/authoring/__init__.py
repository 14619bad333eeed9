"""Authoring: the tools for writing and maintaining the course's exercises.

* :mod:`mlcourse.authoring.release` — ``mlcourse release``: generate the student
  release ``exercises/`` from the nbgrader sources in ``solutions/``.

Instructors grade with :mod:`mlcourse.grading`; students' test cells call the
checkers. Nothing here runs in a student's kernel.
"""
