"""``check_clip_by_norm``, ``check_sgd_epoch``, ``check_sgd_loop``: mini-batch SGD (exercise 3).

The references are :func:`mlcourse.problems.clip_by_norm` and
:func:`mlcourse.problems.minimize` with ``batch_size`` and ``seed``, whose batches come
from :func:`mlcourse.problems.batches`: one ``rng.permutation(n)`` per epoch, drawn from
``np.random.default_rng(seed)`` and cut into consecutive chunks, the last one shorter.

The student's function receives a *recording* copy of the problem, whose ``grad``
notes every batch and every point it is evaluated at. So a check can say which
batches were used (repeated samples, no shuffling, the same order every epoch, a
dropped last batch) and at which step the parameters first went wrong, not only that
the final result differs.
"""

import math
import sys

import numpy as np

from mlcourse import optim, problems, train

from . import _integrity
from ._compare import CheckFailed, compare, make_rng, protect, show, student_code

_copy = _integrity.TRUSTED["numpy.copy"]
_array_equal = _integrity.TRUSTED["numpy.array_equal"]
_isfinite = _integrity.TRUSTED["numpy.isfinite"]
_all = _integrity.TRUSTED["numpy.all"]

# A student's SGD must not call the reference: the optimizers, minimize/clip_by_norm, batches.
FORBIDDEN_FILES = (_integrity.module_files(optim) | _integrity.module_files(train)
                   | _integrity.module_files(sys.modules["mlcourse.problems.data"]))
CLIP_FILES = _integrity.module_files(train)

# Clipping may divide by ||g|| (textbook) or by ||g|| + 1e-6 (torch, mlcourse): both pass.
CLIP_RTOL = 1e-5


def _tolerance(lr, max_norm, steps):
    """How far a correct run may drift from the reference after ``steps`` steps.

    Without clipping the arithmetic is the reference's own, so only rounding differs.
    With clipping, the two accepted forms differ by at most ``lr * 1e-6`` per clipped
    step in absolute terms (the factor differs by 1e-6/||g|| and the step has length
    at most ``lr * max_norm < lr * ||g||``), whatever the size of each entry.
    """
    if max_norm is None:
        return {"rtol": 1e-8, "atol": 1e-10}
    return {"rtol": CLIP_RTOL, "atol": 1e-5 * lr * max(steps, 1) + 1e-10}


def _data_problems():
    return {"diabetes": problems.linear_regression("diabetes"),
            "breast_cancer": problems.logistic_regression("breast_cancer")}


def _vector(array):
    return np.array2string(np.asarray(array).ravel()[:4], precision=4, separator=", ") + (
        " ..." if np.size(array) > 4 else "")


# --- clipping -------------------------------------------------------------------------

def _clip_cases(rng, first):
    """(grad, max_norm) pairs: longer and shorter than max_norm, matrices, float32, zero."""
    if first:
        return [(np.array([3.0, 4.0]), 1.0), (np.array([0.3, 0.4]), 1.0), (np.array([-6.0, 8.0, 0.0]), 2.5),
                (np.arange(12.0).reshape(3, 4) - 5, 4.0), (np.array([30.0, -40.0], dtype=np.float32), 5.0),
                (np.zeros(3), 1.0)]
    cases = []
    for shape in [(2,), (7,), (3, 5)]:
        g = rng.normal(scale=float(rng.uniform(0.1, 20)), size=shape)
        norm = float(np.linalg.norm(g))
        cases.append((g, norm * float(rng.uniform(0.05, 0.9))))      # clipped
        cases.append((g, norm * float(rng.uniform(1.1, 5.0))))       # left alone
    cases.append((rng.normal(size=6).astype(np.float32) * 50, float(rng.uniform(0.5, 5))))
    cases.append((np.zeros(4), float(rng.uniform(0.5, 5))))
    return cases


def _clip_mistakes(g, max_norm):
    norm = float(np.linalg.norm(g))
    mistakes = [("that clips each component to [−max_norm, max_norm]; clipping by norm rescales the whole "
                 "vector by max_norm / ‖g‖, so its direction is kept.", np.clip(g, -max_norm, max_norm))]
    if 0 < norm < max_norm:
        mistakes.append(("a gradient shorter than max_norm must be left as it is: the factor is "
                         "min(1, max_norm / ‖g‖), never above 1.", g * (max_norm / norm)))
    if norm > max_norm:
        mistakes.append(("the gradient is longer than max_norm, so it must be shortened to length max_norm.", g))
        mistakes.append(("that divides by ‖g‖² (or forgets the square root): the norm is "
                         "sqrt(sum of squares).", g * (max_norm / norm**2)))
    return mistakes


def check_clip_by_norm(student_clip, *, seed=0):
    """Check ``student_clip(grad, max_norm)`` against :func:`mlcourse.problems.clip_by_norm`.

    Gradients of several shapes, some longer and some shorter than ``max_norm``, a
    float32 one and a zero one. Dividing by ``‖g‖`` or by ``‖g‖ + 1e-6`` both pass.
    """
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    _integrity.assert_untouched("before the check")
    seed, rng = make_rng(seed)
    name = getattr(student_clip, "__name__", "your clipping")
    cases = _clip_cases(rng, seed == 0)
    for g, max_norm in cases:
        expected = problems.clip_by_norm(g, max_norm)
        context = (f"grad = {show(g)} (norm {np.linalg.norm(g):.6g}, shape {g.shape}, {g.dtype}), "
                   f"max_norm = {max_norm:.6g} (seed={seed})")
        unchanged = protect(name, g)
        with np.errstate(all="ignore"), student_code(name), _integrity.forbid_calls(CLIP_FILES, name):
            got = student_clip(g, max_norm)
        unchanged(context)
        if not np.any(g) and isinstance(got, np.ndarray) and got.shape == g.shape and not _all(_isfinite(got)):
            raise CheckFailed(f"{name} returned nan/inf for a zero gradient.\n  {context}\n  hint: a zero "
                              "gradient is not longer than max_norm, so it stays zero; dividing by its "
                              "norm 0 gives nan (use min(1, max_norm / ‖g‖), or add a tiny 1e-6 to ‖g‖).")
        compare(name, got, expected, context, _clip_mistakes(g, max_norm), rtol=CLIP_RTOL, atol=1e-12)
    _integrity.assert_untouched("after the check")
    _integrity.passed("check_clip_by_norm", f"{name} matches mlcourse.problems.clip_by_norm on {len(cases)} "
                      f"gradients (seed={seed})")


# --- the recording problem and the reference run --------------------------------------

def _recording(problem):
    """A copy of ``problem`` whose ``grad`` records ``(theta, batch)`` of every call."""
    calls = []

    def grad(theta, batch=None):
        calls.append((_copy(np.asarray(theta)), None if batch is None else _copy(np.asarray(batch))))
        return problem.grad(theta, batch)

    return problem._replace(grad=grad), calls


def _reference(problem, theta0, lr, batch_size, epochs, seed, max_norm):
    """``minimize`` for whole epochs, with the batches it used (from ``batches``)."""
    per_epoch = -(-problem.n_samples // batch_size)
    result = problems.minimize(problem, optim.sgd(lr=lr), per_epoch * epochs, theta0=theta0,
                               batch_size=batch_size, seed=seed, clip_norm=max_norm, keep_trajectory=True)
    stream = problems.batches(problem.n_samples, batch_size, seed=seed, epochs=epochs)
    epochs_of_batches = [[next(stream) for _ in range(per_epoch)] for _ in range(epochs)]
    return result, epochs_of_batches


def _check_epoch_batches(name, used, expected, batch_size, n, context, previous=None):
    """Raise CheckFailed saying how the batches of one epoch differ from the reference's."""
    __tracebackhide__ = True
    sizes, wanted = [len(b) for b in used], [len(b) for b in expected]
    if sizes != wanted:
        hint = ""
        if sizes == wanted[:-1]:
            hint = (f"\n  hint: the last, shorter batch ({wanted[-1]} samples) is missing: when batch_size "
                    "does not divide n, the epoch ends with the remaining samples.")
        elif sum(sizes) != n and all(s == batch_size for s in sizes):
            hint = "\n  hint: one epoch visits every sample once: ceil(n / batch_size) batches."
        raise CheckFailed(
            f"{name} used {len(sizes)} batches of sizes {sizes[:6]}{' ...' if len(sizes) > 6 else ''} in one "
            f"epoch; expected {len(wanted)} batches of {batch_size} samples, the last one {wanted[-1]}.\n"
            f"  {context}{hint}")
    flat = np.concatenate(used)
    counts = np.bincount(flat, minlength=n)
    if np.any(counts != 1):
        repeated, missing = np.flatnonzero(counts > 1), np.flatnonzero(counts == 0)
        what = (f"used sample {int(repeated[0])} {int(counts[repeated[0]])} times" if repeated.size
                else f"never used sample {int(missing[0])}")
        raise CheckFailed(
            f"{name} {what} in one epoch ({repeated.size} samples repeated, {missing.size} never used); "
            f"each sample must be used exactly once.\n  {context}\n  hint: shuffle *without replacement*: "
            "cut one permutation into consecutive batches (rng.integers or rng.choice with replacement "
            "repeat samples).")
    if _array_equal(flat, np.arange(n)):
        raise CheckFailed(
            f"{name} visits the samples in their stored order 0, 1, 2, ...: no shuffling.\n  {context}\n"
            "  hint: start each epoch with a fresh random order, order = rng.permutation(n), and cut it "
            "into batches.")
    if previous is not None and _array_equal(flat, previous):
        raise CheckFailed(
            f"{name} visits the samples in the same order as in the previous epoch.\n  {context}\n"
            "  hint: create the generator once, rng = np.random.default_rng(seed), before the epoch loop, "
            "and pass the same rng to every epoch, so that each epoch draws a new permutation.")
    if not _array_equal(flat, np.concatenate(expected)):
        raise CheckFailed(
            f"{name} shuffles, but not into the order the grader reproduces.\n  {context}\n"
            f"  expected the first batch {show(expected[0])}\n  got                    {show(used[0])}\n"
            "  hint: call rng.permutation(problem.n_samples) exactly once at the start of each epoch "
            "(no other use of rng) and cut it in order: order[0:B], order[B:2B], ...")
    return flat


def _step_mistakes(problem, theta, batch, lr, max_norm):
    """Wrong results of one step from ``theta`` on ``batch``, each with its hint."""
    g = problem.grad(theta, batch)
    clipped = g if max_norm is None else problems.clip_by_norm(g, max_norm)
    mistakes = [("wrong sign: the step goes against the gradient, θ ← θ − η·g.", theta + lr * clipped),
                ("the learning rate is missing: θ ← θ − η·g.", theta - clipped)]
    if max_norm is not None:
        norm = float(np.linalg.norm(g))
        componentwise = np.clip(g, -max_norm, max_norm)
        if norm > max_norm and _array_equal(componentwise, g):
            # Not clipping and clipping each component give the same step here: say both.
            mistakes.append((f"the gradient was not shortened, but its norm ‖g‖ = {norm:.4g} is above max_norm = "
                             f"{max_norm:.4g} (every component is below max_norm, so clipping each component "
                             "changes nothing: clip the norm, g · min(1, max_norm / ‖g‖)).", theta - lr * g))
        else:
            mistakes += [("max_norm was given but the gradient was not clipped.", theta - lr * g),
                         ("that clips each component to [−max_norm, max_norm]; clip the norm: "
                          "g · min(1, max_norm / ‖g‖).", theta - lr * componentwise)]
        if 0 < norm < max_norm:
            mistakes.append(("the gradient was shorter than max_norm and must not be scaled up.",
                             theta - lr * g * (max_norm / norm)))
    return [(hint, value.astype(theta.dtype, copy=False)) for hint, value in mistakes]


def _check_points(name, problem, calls, reference, batches, lr, max_norm, context):
    """Compare the points where the student took gradients with the reference iterates."""
    __tracebackhide__ = True
    path = reference.trajectory
    for k, (theta, _) in enumerate(calls):
        if k == 0:
            compare(name, theta, path[0], f"the first gradient must be taken at theta0\n  {context}",
                    rtol=1e-12, atol=0)
            continue
        where = (f"after step {k} of {len(calls)} (batch {show(batches[k - 1])}), the gradient "
                 f"was taken at the wrong θ\n  {context}")
        compare(name, theta, path[k], where, _step_mistakes(problem, path[k - 1], batches[k - 1], lr, max_norm),
                **_tolerance(lr, max_norm, k))


def _final_mistakes(problem, reference, batches, lr, max_norm):
    return _step_mistakes(problem, reference.trajectory[-2], batches[-1], lr, max_norm)


def _case(rng, first, index, dtype_case):
    """One (problem, theta0, lr, batch_size, seed, max_norm) for the checks."""
    data = _data_problems()
    if first:
        fixed = [("diabetes", 0.0, 0.02, 32, 0, None, np.float64),
                 ("breast_cancer", 0.0, 0.1, 50, 1, 1.0, np.float64),
                 ("diabetes", 0.1, 0.01, 100, 2, 0.5, np.float32)]
        key, scale, lr, batch_size, seed, max_norm, dtype = fixed[index % len(fixed)]
        problem = data[key]
        theta0 = (scale * np.ones(problem.theta0.size)).astype(dtype)
        return problem, theta0, lr, batch_size, seed, max_norm
    problem = data[("diabetes", "breast_cancer")[int(rng.integers(2))]]
    dtype = np.float32 if dtype_case else np.float64
    theta0 = rng.normal(scale=0.3, size=problem.theta0.size).astype(dtype)
    lr = float(math.exp(rng.uniform(math.log(1e-3), math.log(0.03))))
    batch_size = int(rng.choice([1, 2, 3, 7, 16, 25, 32, 60, 128, 200]))
    max_norm = None if rng.uniform() < 0.4 else float(rng.uniform(0.2, 5.0))
    return problem, theta0, lr, batch_size, int(rng.integers(2**31)), max_norm


def _describe(problem, theta0, lr, batch_size, seed, max_norm, epochs=None):
    text = (f"{problem.name}, theta0 = {_vector(theta0)} ({theta0.dtype}), lr = {lr:.6g}, "
            f"batch_size = {batch_size}, max_norm = {max_norm}")
    if epochs is not None:
        text += f", epochs = {epochs}"
    return text + f", data seed = {seed}"


# --- one epoch --------------------------------------------------------------------------

def check_sgd_epoch(student_epoch, *, seed=0, cases=3):
    """Check ``student_epoch(problem, theta, lr, batch_size, rng, max_norm=None) -> theta``.

    One epoch of mini-batch SGD: ``rng.permutation(problem.n_samples)`` cut into
    consecutive batches, one (clipped, if ``max_norm``) gradient step per batch.
    Compared with :func:`mlcourse.problems.minimize` for one epoch.
    """
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    _integrity.assert_untouched("before the check")
    seed, rng = make_rng(seed)
    name = getattr(student_epoch, "__name__", "your epoch")
    for case in range(cases):
        problem, theta0, lr, batch_size, data_seed, max_norm = _case(rng, seed == 0, case, case == cases - 1)
        context = _describe(problem, theta0, lr, batch_size, data_seed, max_norm) + f" (seed={seed})"
        reference, (batches,) = _reference(problem, theta0, lr, batch_size, 1, data_seed, max_norm)
        spy, calls = _recording(problem)
        unchanged = protect(name, theta0)
        with np.errstate(all="ignore"), student_code(name), _integrity.forbid_calls(FORBIDDEN_FILES, name):
            got = student_epoch(spy, theta0, lr, batch_size, np.random.default_rng(data_seed), max_norm)
        unchanged(context)
        _check_calls(name, calls, [batches], batch_size, problem.n_samples, context)
        _check_points(name, problem, calls, reference, batches, lr, max_norm, context)
        compare(name, got, reference.theta, f"the θ returned after the epoch\n  {context}",
                _final_mistakes(problem, reference, batches, lr, max_norm),
                **_tolerance(lr, max_norm, len(batches)))
    _integrity.assert_untouched("after the check")
    _integrity.passed("check_sgd_epoch", f"{name} matches mlcourse.problems.minimize on {cases} epochs "
                      f"(seed={seed})")


def _check_calls(name, calls, epochs_of_batches, batch_size, n, context):
    """Every recorded batch, epoch by epoch, against the reference's."""
    __tracebackhide__ = True
    if not calls:
        raise CheckFailed(f"{name} never called problem.grad.\n  {context}")
    if any(batch is None for _, batch in calls):
        raise CheckFailed(f"{name} called problem.grad(theta) without a batch: that is the full-batch "
                          f"gradient.\n  {context}\n  hint: pass the indices of the current mini-batch, "
                          "problem.grad(theta, batch).")
    used = [batch for _, batch in calls]
    previous, start = None, 0
    for epoch, expected in enumerate(epochs_of_batches):
        # Cut the student's batches into epochs by the number of samples they hold.
        stop, seen = start, 0
        while stop < len(used) and seen < n:
            seen += len(used[stop])
            stop += 1
        where = context if len(epochs_of_batches) == 1 else f"epoch {epoch + 1}: {context}"
        previous = _check_epoch_batches(name, used[start:stop], expected, batch_size, n, where, previous)
        start = stop
    if start != len(used):
        raise CheckFailed(f"{name} took {len(used) - start} more gradient(s) than {len(epochs_of_batches)} "
                          f"epoch(s) need.\n  {context}")


# --- several epochs ---------------------------------------------------------------------

def check_sgd_loop(student_loop, *, seed=0, cases=2):
    """Check ``student_loop(problem, theta0, lr, batch_size, epochs, seed, max_norm=None)``.

    It returns ``(theta, losses)``: the parameters after ``epochs`` epochs and the
    full-batch losses ``problem.loss`` before training and after each epoch
    (``epochs + 1`` numbers). Every epoch draws a new permutation from one
    ``np.random.default_rng(seed)``, as :func:`mlcourse.problems.minimize` does.
    """
    __tracebackhide__ = True  # IPython shows the student our message, not our frames
    _integrity.assert_untouched("before the check")
    seed, rng = make_rng(seed)
    name = getattr(student_loop, "__name__", "your loop")
    for case in range(cases):
        problem, theta0, lr, batch_size, data_seed, max_norm = _case(rng, seed == 0, case, False)
        epochs = 3 if seed == 0 else int(rng.integers(2, 5))
        context = _describe(problem, theta0, lr, batch_size, data_seed, max_norm, epochs) + f" (seed={seed})"
        reference, epochs_of_batches = _reference(problem, theta0, lr, batch_size, epochs, data_seed, max_norm)
        batches = [b for epoch in epochs_of_batches for b in epoch]
        spy, calls = _recording(problem)
        unchanged = protect(name, theta0)
        with np.errstate(all="ignore"), student_code(name), _integrity.forbid_calls(FORBIDDEN_FILES, name):
            result = student_loop(spy, theta0, lr, batch_size, epochs, data_seed, max_norm)
        unchanged(context)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise CheckFailed(f"{name} should return a pair (theta, losses), got {type(result).__name__}.\n"
                              f"  {context}")
        got_theta, got_losses = result
        _check_calls(name, calls, epochs_of_batches, batch_size, problem.n_samples, context)
        _check_points(name, problem, calls, reference, batches, lr, max_norm, context)
        compare(name, got_theta, reference.theta, f"the θ returned after {epochs} epochs\n  {context}",
                _final_mistakes(problem, reference, batches, lr, max_norm),
                **_tolerance(lr, max_norm, len(batches)))
        per_epoch = len(epochs_of_batches[0])
        expected_losses = reference.losses[::per_epoch]
        if np.shape(got_losses) == (epochs,):
            raise CheckFailed(f"{name} returned {epochs} losses, expected epochs + 1 = {epochs + 1}.\n  {context}\n"
                              "  hint: the first loss is the one before training, at theta0.")
        if isinstance(got_losses, (list, tuple)):
            got_losses = np.array(got_losses, dtype=float)
        compare(name, got_losses, expected_losses,
                f"the full losses problem.loss(theta) before training and after each epoch\n  {context}",
                **_tolerance(lr, max_norm, len(batches)))
    _integrity.assert_untouched("after the check")
    _integrity.passed("check_sgd_loop", f"{name} matches mlcourse.problems.minimize on {cases} runs "
                      f"(seed={seed})")
