"""Known mistakes: a wrong implementation and the hint a student gets when they match it.

A :class:`Mistake` is data. Its ``wrong`` implementation has the signature of the
student's function in the checker it is given to (a wrong ``mse_grad(prediction,
target)`` for :func:`~mlcourse.checks.check_loss`, a wrong ``step(params, grads, state,
**hyperparameters)`` with its ``init`` for :func:`~mlcourse.checks.check_update_rule`):
it is written exactly as a student would write the mistake. When the student's
output differs from the reference, the checker runs each mistake on the same inputs and,
if the student's output matches one, shows its hint. The course's own hints work the
same way; a test cell adds its own with ``mistakes=[...]``::

    # ex04_mistakes.py, next to the notebook (released with it), or a module of mlcourse
    from mlcourse.checks import Mistake

    def momentum_init(params):
        return np.zeros_like(params)

    def beta_on_the_gradient(params, grads, state, lr, momentum):
        buffer = state + momentum * grads          # should be momentum * state + grads
        return params - lr * buffer, buffer

    BETA_ON_THE_GRADIENT = Mistake(
        "β multiplies the old velocity, not the gradient: b ← β·b + g, then θ ← θ − η·b.",
        beta_on_the_gradient, init=momentum_init)

    # the test cell
    from ex04_mistakes import BETA_ON_THE_GRADIENT
    checks.check_update_rule(momentum_step, optim.sgd, SPACE, student_init=momentum_init,
                             mistakes=[BETA_ON_THE_GRADIENT])

**Where a mistake runs.** A mistake passed from a test cell crosses from the kernel to
wherever the checker runs (under the oracle of issue 17: the grader's process), so
its functions travel *by reference*: they must be defined at the top level of an
importable module (not in the notebook, not a lambda). The checker refuses anything
else at once, with a TypeError naming the argument, also in the student's JupyterLab,
so that an exercise cannot work there and fail under the grader. Mistakes a checker
builds itself from the reference (wrong sign, off by one step) are made on the
checker's side and may be closures.

The same objects are the test fixtures: submitting ``mistake.wrong`` as the student's
function must fail with ``mistake.hint`` (see ``CONTRIBUTING.md``, "Writing a checker").
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    """A wrong implementation and its hint.

    Attributes:
        hint: what the student did and how to fix it, in one or two sentences.
        wrong: the wrong implementation, with the signature of the student's function.
        init: for a stateful update rule, the wrong implementation's ``init(params)``
            (default: the rule is stateless, ``wrong(params, grads, **hp) -> params``).
        role: which of the checker's student functions it imitates when the checker
            takes several (``"student_grad"`` in :func:`~mlcourse.checks.check_loss`);
            default: the function under test.
        kind: ``"function"`` (``wrong`` has the student's signature) or ``"optimizer"``
            (update rules only: ``wrong(**hyperparameters)`` returns an
            :class:`mlcourse.optim.Optimizer`, like the reference factory).
    """

    hint: str
    wrong: Callable
    init: Callable | None = None
    role: str | None = None
    kind: str = "function"

    def __post_init__(self):
        if not isinstance(self.hint, str) or not self.hint.strip():
            raise TypeError(f"invalid hint = {self.hint!r}, expected a sentence for the student")
        if not callable(self.wrong):
            raise TypeError(f"invalid wrong = {self.wrong!r}, expected the wrong implementation (a function)")
        if self.init is not None and not callable(self.init):
            raise TypeError(f"invalid init = {self.init!r}, expected a function init(params) -> state")
        if self.kind not in ("function", "optimizer"):
            raise ValueError(f"invalid kind = {self.kind!r}, expected 'function' or 'optimizer'")

    @classmethod
    def optimizer(cls, hint, factory):
        """A mistake of an update rule given as a wrong optimizer factory
        (``factory(**hyperparameters) -> Optimizer``), built like the reference."""
        return cls(hint, factory, kind="optimizer")


def for_role(mistakes, role, main):
    """The mistakes that imitate ``role`` (those without a role imitate ``main``)."""
    return [m for m in mistakes if (m.role or main) == role]


def check_mistakes(mistakes, roles, argument="mistakes"):
    """``mistakes`` as a list, or TypeError naming the bad entry."""
    if isinstance(mistakes, Mistake):
        mistakes = [mistakes]
    checked = []
    for index, mistake in enumerate(mistakes):
        if not isinstance(mistake, Mistake):
            raise TypeError(f"invalid {argument}[{index}] = {mistake!r}, expected a Mistake(hint, wrong)")
        if mistake.role is not None and mistake.role not in roles:
            raise ValueError(f"invalid {argument}[{index}].role = {mistake.role!r}, expected one of {roles}")
        checked.append(mistake)
    return checked
