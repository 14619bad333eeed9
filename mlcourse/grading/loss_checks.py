"""``check_loss``: a student's loss and gradient against :mod:`mlcourse.losses`."""

import numpy as np

from mlcourse import losses

from . import _integrity
from ._compare import compare, make_rng, protect, student_code

_REGRESSION = ("mse", "mae", "huber")
_LOSSES_FILES = _integrity.module_files(losses)


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
        elif reference_name == "binary_cross_entropy_with_logits":
            yield _binary_case(rng, dtype, probabilities=False)
        else:
            raise ValueError(f"invalid reference_name = {reference_name!r}, expected one of "
                             f"{', '.join(_REGRESSION + ('cross_entropy', 'binary_cross_entropy'))}")


def _targets(prediction, target):
    """The target as an array of the prediction's shape (one-hot rows for labels)."""
    if target.dtype.kind in "iu" and prediction.ndim == 2:
        return np.eye(prediction.shape[1], dtype=prediction.dtype)[target]
    return target


def _value_mistakes(name, prediction, target, value):
    batch = prediction.shape[0] if name == "cross_entropy" else prediction.size
    mistakes = [("you summed over the batch; the loss is the *mean* (divide by the batch size).",
                 value * batch),
                ("wrong sign: a loss is a *negative* log-likelihood.", -value)]
    if name == "mse":
        mistakes += [("that is half the mean squared error: the ½ convention is not torch's "
                      "(mse_loss has no ½).", value / 2),
                     ("that is the root of the MSE (RMSE); drop the square root.", np.sqrt(value)),
                     ("that is the mean *absolute* error: square the differences.",
                      losses.mae(prediction, target))]
    if name == "cross_entropy":
        mistakes += [("you averaged over all N·C entries; average over the N examples only.",
                      value / prediction.shape[1])]
    return mistakes


def _grad_mistakes(name, prediction, target, grad):
    batch = prediction.shape[0] if name == "cross_entropy" else prediction.size
    mistakes = [("wrong sign: that is the gradient with respect to the target, or of −L.", -grad),
                ("missing 1/n: the loss is a mean, so its gradient carries the factor 1/batch size.",
                 grad * batch)]
    if name == "mse":
        mistakes += [("missing factor 2: the derivative of (ŷ − y)² is 2(ŷ − y).", grad / 2),
                     ("missing factor 2 and the 1/n.", grad * batch / 2)]
    if name == "cross_entropy":
        onehot = _targets(prediction, target)
        mistakes += [("you forgot to subtract the one-hot target: the gradient is "
                      "(softmax(z) − onehot(y)) / N.", grad + onehot / batch),
                     ("divide by the batch size N only, not by N·C.", grad / prediction.shape[1])]
    return mistakes


def check_loss(student_loss, student_grad, reference_name, *, seed=0, cases=12):
    """Check ``student_loss`` and ``student_grad`` against ``mlcourse.losses.<reference_name>``.

    Both are called on ``cases`` random inputs (float64, then one float32 case; for
    cross-entropy one case with logits near ±1000). ``seed=0`` gives inputs a student
    can reproduce; hidden tests pass ``seed=None`` (drawn at grading time). On the
    first mismatch raises AssertionError saying which inputs, what was expected and,
    for a known mistake, a hint. The student's functions must not call mlcourse.losses.
    """
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    reference = getattr(losses, reference_name, None)
    reference_grad = getattr(losses, f"{reference_name}_grad", None)
    if reference is None or reference_grad is None:
        raise ValueError(f"invalid reference_name = {reference_name!r}, expected a loss in mlcourse.losses")
    _integrity.assert_untouched("before the check")
    seed, rng = make_rng(seed)
    loss_name = getattr(student_loss, "__name__", "your loss")
    grad_name = getattr(student_grad, "__name__", "your gradient")
    count = 0
    for count, (prediction, target) in enumerate(_cases(reference_name, rng, cases), start=1):
        context = (f"case {count} of {cases} (seed={seed}): prediction = {_short(prediction)}, "
                   f"target = {_short(target)}")
        expected = reference(prediction, target)
        expected_grad = reference_grad(prediction, target)
        for name, function, want, mistakes in (
            (loss_name, student_loss, expected, _value_mistakes),
            (grad_name, student_grad, expected_grad, _grad_mistakes),
        ):
            unchanged = protect(name, prediction, target)
            with np.errstate(all="ignore"), student_code(name), \
                    _integrity.forbid_calls(_LOSSES_FILES, name):
                got = function(prediction, target)
            unchanged(context)
            compare(name, got, want, context, mistakes(reference_name, prediction, target, want))
    _integrity.assert_untouched("after the check")
    _integrity.passed("check_loss", f"{loss_name} and {grad_name} match mlcourse.losses.{reference_name} "
                      f"on {count} cases (seed={seed})")


def _short(array):
    text = np.array2string(np.asarray(array), precision=4, threshold=8, edgeitems=2,
                           separator=", ", max_line_width=10**6).replace("\n", "")
    return f"{text} ({np.asarray(array).dtype}, shape {np.shape(array)})"
