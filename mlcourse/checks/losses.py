"""``check_loss``: a student's loss and its gradient against :mod:`mlcourse.losses`."""

import numpy as np

from mlcourse import losses

from ._compare import compare, make_rng, short
from ._draw import check_examples
from ._driver import checker, run_reference
from ._protocol import ask
from .mistakes import Mistake, check_mistakes, for_role

_REGRESSION = ("mse", "mae", "huber")
_NAMES = _REGRESSION + ("cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits")


def _regression_case(rng, dtype):
    shape = [(int(rng.integers(1, 9)),), (int(rng.integers(1, 7)), int(rng.integers(1, 4)))][int(rng.integers(2))]
    prediction = rng.normal(0, 2, shape).astype(dtype)
    target = rng.normal(0, 2, shape).astype(dtype)
    return prediction, target


def _classification_case(rng, dtype, huge=False):
    """Logits and labels; ``huge`` logits sit near ±1000, where exp overflows to inf
    (or underflows to 0) unless the maximum is subtracted first."""
    n, classes = int(rng.integers(1, 7)), int(rng.integers(2, 6))
    logits = 3 * rng.normal(size=(n, classes))
    if huge:
        logits = 20 * logits + rng.choice([-1000.0, 1000.0])
    return logits.astype(dtype), rng.integers(0, classes, n)


def _binary_case(rng, dtype, probabilities):
    n = int(rng.integers(1, 9))
    target = rng.integers(0, 2, n).astype(dtype)
    prediction = rng.uniform(0.02, 0.98, n) if probabilities else 3 * rng.normal(size=n)
    return prediction.astype(dtype), target


def _cases(reference_name, rng, count):
    """Inputs for ``count`` cases; the last one is float32, and for cross-entropy one
    case has huge logits (only a log-sum-exp implementation stays finite)."""
    for index in range(count):
        dtype = np.float32 if index == count - 1 else np.float64
        if reference_name in _REGRESSION:
            yield _regression_case(rng, dtype)
        elif reference_name == "cross_entropy":
            yield _classification_case(rng, dtype, huge=index == count - 2)
        elif reference_name == "binary_cross_entropy":
            yield _binary_case(rng, dtype, probabilities=True)
        else:
            yield _binary_case(rng, dtype, probabilities=False)


def _batch(name, prediction):
    return prediction.shape[0] if name == "cross_entropy" else prediction.size


def builtin_mistakes(name):
    """The course's own mistakes for the loss ``name`` (student form: wrong ``loss`` or
    ``grad`` functions of ``(prediction, target)``)."""
    loss, grad = getattr(losses, name), getattr(losses, f"{name}_grad")
    mistakes = [
        Mistake("you summed over the batch; the loss is the *mean* (divide by the batch size).",
                lambda p, t: loss(p, t) * _batch(name, p)),
        Mistake("wrong sign: a loss is a *negative* log-likelihood.", lambda p, t: -loss(p, t)),
        Mistake("wrong sign: that is the gradient with respect to the target, or of −L.",
                lambda p, t: -grad(p, t), role="student_grad"),
        Mistake("missing 1/n: the loss is a mean, so its gradient carries the factor 1/batch size.",
                lambda p, t: grad(p, t) * _batch(name, p), role="student_grad"),
    ]
    if name == "mse":
        mistakes += [
            Mistake("that is half the mean squared error: the ½ convention is not torch's "
                    "(mse_loss has no ½).", lambda p, t: loss(p, t) / 2),
            Mistake("that is the root of the MSE (RMSE); drop the square root.", lambda p, t: np.sqrt(loss(p, t))),
            Mistake("that is the mean *absolute* error: square the differences.", losses.mae),
            Mistake("missing factor 2: the derivative of (ŷ − y)² is 2(ŷ − y).",
                    lambda p, t: grad(p, t) / 2, role="student_grad"),
            Mistake("missing factor 2 and the 1/n.", lambda p, t: grad(p, t) * p.size / 2, role="student_grad"),
        ]
    if name == "cross_entropy":
        mistakes += [
            Mistake("you averaged over all N·C entries; average over the N examples only.",
                    lambda p, t: loss(p, t) / p.shape[1]),
            Mistake("you forgot to subtract the one-hot target: the gradient is (softmax(z) − onehot(y)) / N.",
                    lambda p, t: grad(p, t) + np.eye(p.shape[1], dtype=p.dtype)[t] / p.shape[0],
                    role="student_grad"),
            Mistake("divide by the batch size N only, not by N·C.",
                    lambda p, t: grad(p, t) / p.shape[1], role="student_grad"),
        ]
    return mistakes


@checker(students=("student_loss", "student_grad"), under_test=(losses,))
def check_loss(student_loss, student_grad, reference_name, *, seed=0, cases=12, examples=(), mistakes=()):
    """Check a loss and its gradient against ``mlcourse.losses.<reference_name>``.

    ``student_loss(prediction, target)`` must return the batch mean as one number and
    ``student_grad(prediction, target)`` its gradient with respect to ``prediction``
    (same shape and dtype). Both are called on ``cases`` random inputs: float64, then
    one float32 case; for cross-entropy one case has logits near ±1000. A worked
    example is ``{"prediction": [...], "target": [...]}``. Recognised: sum instead of
    mean, wrong sign, missing 2 or 1/n, the ½ convention, RMSE, MAE, no log-sum-exp
    (overflow), the gradient without the one-hot, plus ``mistakes`` (wrong loss or,
    with ``role="student_grad"``, wrong gradient functions). Under test:
    ``mlcourse.losses``.
    """
    reference = getattr(losses, reference_name, None) if reference_name in _NAMES else None
    if reference is None:
        raise ValueError(f"invalid reference_name = {reference_name!r}, expected one of {', '.join(_NAMES)}")
    reference_grad = getattr(losses, f"{reference_name}_grad")
    roles = ("student_loss", "student_grad")
    known = builtin_mistakes(reference_name) + check_mistakes(mistakes, roles)
    worked = check_examples(examples, ("prediction", "target"))
    seed, rng = make_rng(seed)
    inputs = [("worked example", e["prediction"], e["target"]) for e in worked]
    inputs += [(f"case {i} of {cases} (seed={seed})", p, t)
               for i, (p, t) in enumerate(_cases(reference_name, rng, cases), start=1)]
    for label, prediction, target in inputs:
        context = f"{label}: prediction = {short(prediction)}, target = {short(target)}"
        for handle, role, want in ((student_loss, "student_loss", reference(prediction, target)),
                                   (student_grad, "student_grad", reference_grad(prediction, target))):
            got = yield from ask(handle(prediction, target), context)
            wrong = [(m.hint, lambda m=m: run_reference(m.wrong, prediction, target))
                     for m in for_role(known, role, "student_loss")]
            compare(handle.name, got, want, context, wrong)
    return (f"{student_loss.name} and {student_grad.name} match mlcourse.losses.{reference_name} "
            f"on {len(inputs)} cases (seed={seed})")
