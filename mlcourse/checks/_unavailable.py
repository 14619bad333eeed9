"""What a grading kernel finds in place of a reference implementation under test.

Under ``mlcourse grade`` the student's kernel imports an ``mlcourse`` written for it by
:mod:`mlcourse.grading.sandbox`: every module or function that the assignment's checkers
compare with (their ``under_test``) is replaced by a stub made here. Importing it works
(so do the notebook's own imports, ``from mlcourse import optim``), and handing it to a
checker works (it travels as the same reference), but calling it raises
:class:`ReferenceUnavailable`, which the grader's oracle reports as calling the
reference.
"""


class ReferenceUnavailable(RuntimeError):
    """A reference implementation was called while grading."""


def unavailable(qualified, reference):
    """A stub for ``qualified`` (``"mlcourse.losses.mse"``), sent over the wire as ``reference``
    (``"mlcourse.losses:mse"``, the real object's import path)."""
    module, _, name = qualified.rpartition(".")

    def stub(*args, **kwargs):
        raise ReferenceUnavailable(
            f"{qualified} is the reference implementation your work is checked against: it is not "
            "available while your notebook is graded. Write it yourself with NumPy.")

    stub.__name__ = stub.__qualname__ = name
    stub.__module__ = module
    stub.__doc__ = f"Not available while grading: {qualified} (a reference implementation under test)."
    stub.__wire_ref__ = reference
    return stub
