"""``check_clip_by_norm``, ``check_sgd_epoch``, ``check_sgd_loop``: mini-batch SGD.

The references are :func:`mlcourse.problems.clip_by_norm` and
:func:`mlcourse.problems.minimize` with ``batch_size`` and ``seed``, whose batches come
from :func:`mlcourse.problems.batches`: one ``rng.permutation(n)`` per epoch, drawn from
``np.random.default_rng(seed)`` and cut into consecutive chunks, the last one shorter.

The student's function receives a *recorded* problem (:class:`~._protocol.ProblemSpec`
with ``record``): every ``grad(theta, batch)`` call is noted where the student's code
runs and sent back with the result. So a check can say which batches were used
(repeated samples, no shuffling, the same order every epoch, a dropped last batch) and
at which step the parameters first went wrong, not only that the final result differs.
The epoch calls the student's ``clip_by_norm`` and the loop the student's epoch: give
them to the checker (``clip=``, ``epoch=``) and a failure they cause names them.
"""

import math

import numpy as np

from mlcourse import optim, problems

from ._compare import CheckFailed, compare, make_rng, show
from ._draw import check_examples
from ._driver import checker, run_reference
from ._protocol import ProblemSpec, RngSpec, ask, ask_reply, blame_callees, problem
from .mistakes import Mistake, check_mistakes

_array_equal = np.array_equal
_isfinite = np.isfinite
_all = np.all

# A student's SGD must not call the reference: the optimizers, minimize/clip_by_norm, batches.
UNDER_TEST = (optim, problems.minimize, problems.clip_by_norm, problems.batches)

# Clipping may divide by ||g|| (textbook) or by ||g|| + 1e-6 (torch, mlcourse): both pass.
CLIP_RTOL = 1e-5


def _clip_rtol(grad):
    """The two accepted forms differ by the factor ||g|| / (||g|| + 1e-6), i.e. by about
    1e-6 / ||g|| relative: more than CLIP_RTOL for a gradient shorter than 0.1."""
    norm = float(np.linalg.norm(grad))
    return max(CLIP_RTOL, 2e-6 / norm) if norm > 0 else CLIP_RTOL


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


def _vector(array):
    return np.array2string(np.asarray(array).ravel()[:4], precision=4, separator=", ") + (
        " ..." if np.size(array) > 4 else "")


# --- clipping -------------------------------------------------------------------------

def clip_componentwise(grad, max_norm):
    return np.clip(grad, -max_norm, max_norm)


def scale_to_max_norm(grad, max_norm):
    return grad * (max_norm / np.linalg.norm(grad))


def no_clipping(grad, max_norm):
    return grad


def divide_by_squared_norm(grad, max_norm):
    return grad * (max_norm / np.linalg.norm(grad) ** 2)


CLIP_MISTAKES = [
    Mistake("that clips each component to [−max_norm, max_norm]; clipping by norm rescales the whole vector by "
            "max_norm / ‖g‖, so its direction is kept.", clip_componentwise),
    Mistake("a gradient shorter than max_norm must be left as it is: the factor is min(1, max_norm / ‖g‖), "
            "never above 1.", scale_to_max_norm),
    Mistake("the gradient is longer than max_norm, so it must be shortened to length max_norm.", no_clipping),
    Mistake("that divides by ‖g‖² (or forgets the square root): the norm is sqrt(sum of squares).",
            divide_by_squared_norm),
]


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


def clip_run(clip, cases, label, mistakes=()):
    """Sub-check: the student's clipping on ``(grad, max_norm)`` cases."""
    for g, max_norm in cases:
        expected = problems.clip_by_norm(g, max_norm)
        context = (f"{label}grad = {show(g)} (norm {np.linalg.norm(g):.6g}, shape {g.shape}, {g.dtype}), "
                   f"max_norm = {max_norm:.6g}")
        got = yield from ask(clip(g, max_norm), context)
        if not np.any(g) and isinstance(got, np.ndarray) and got.shape == g.shape and not _all(_isfinite(got)):
            raise CheckFailed(f"{clip.name} returned nan/inf for a zero gradient.\n  {context}\n  hint: a zero "
                              "gradient is not longer than max_norm, so it stays zero; dividing by its norm 0 "
                              "gives nan (use min(1, max_norm / ‖g‖), or add a tiny 1e-6 to ‖g‖).")
        wrong = [(m.hint, lambda m=m: run_reference(m.wrong, g, max_norm)) for m in [*CLIP_MISTAKES, *mistakes]]
        compare(clip.name, got, expected, context, wrong, rtol=_clip_rtol(g), atol=1e-12)


@checker(students=("student_clip",), under_test=(problems.clip_by_norm,))
def check_clip_by_norm(student_clip, *, seed=0, examples=(), mistakes=()):
    """Check ``student_clip(grad, max_norm)`` against :func:`mlcourse.problems.clip_by_norm`.

    Gradients of several shapes, some longer and some shorter than ``max_norm``, a
    float32 one and a zero one. Dividing by ``‖g‖`` or by ``‖g‖ + 1e-6`` both pass. A
    worked example is ``{"grad": [3.0, 4.0], "max_norm": 1.0}``. Recognised: clipping
    each component, scaling up a short gradient, no clipping, dividing by ‖g‖², nan
    for a zero gradient, plus ``mistakes``. Under test: the reference's clipping.
    """
    known = check_mistakes(mistakes, ("student_clip",))
    worked = check_examples(examples, ("grad", "max_norm"))
    seed, rng = make_rng(seed)
    yield from clip_run(student_clip, [(np.asarray(e["grad"], dtype=float), float(e["max_norm"])) for e in worked],
                        "worked example: ", known)
    cases = _clip_cases(rng, seed == 0)
    yield from clip_run(student_clip, cases, f"(seed={seed}) ", known)
    return f"{student_clip.name} matches mlcourse.problems.clip_by_norm on {len(cases)} gradients (seed={seed})"


# --- the reference run and the batches the student used ----------------------------------

def _reference(spec, theta0, lr, batch_size, epochs, seed, max_norm):
    """``minimize`` for whole epochs, with the batches it used (from ``batches``)."""
    data = spec.build()
    per_epoch = -(-data.n_samples // batch_size)
    result = problems.minimize(data, optim.sgd(lr=lr), per_epoch * epochs, theta0=theta0,
                               batch_size=batch_size, seed=seed, clip_norm=max_norm, keep_trajectory=True)
    stream = problems.batches(data.n_samples, batch_size, seed=seed, epochs=epochs)
    epochs_of_batches = [[next(stream) for _ in range(per_epoch)] for _ in range(epochs)]
    return data, result, epochs_of_batches


def _check_epoch_batches(name, used, expected, batch_size, n, context, previous=None):
    """Raise CheckFailed saying how the batches of one epoch differ from the reference's."""
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


def _check_calls(name, calls, epochs_of_batches, batch_size, n, context):
    """Every recorded batch, epoch by epoch, against the reference's."""
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


def _step_mistakes(data, theta, batch, lr, max_norm):
    """Wrong results of one step from ``theta`` on ``batch``, each with its hint."""
    g = data.grad(theta, batch)
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


def _check_points(name, data, calls, reference, batches, lr, max_norm, context):
    """Compare the points where the student took gradients with the reference iterates."""
    path = reference.trajectory
    for k, (theta, _) in enumerate(calls):
        if k == 0:
            compare(name, theta, path[0], f"the first gradient must be taken at theta0\n  {context}",
                    rtol=1e-12, atol=0)
            continue
        where = (f"after step {k} of {len(calls)} (batch {show(batches[k - 1])}), the gradient "
                 f"was taken at the wrong θ\n  {context}")
        compare(name, theta, path[k], where, _step_mistakes(data, path[k - 1], batches[k - 1], lr, max_norm),
                **_tolerance(lr, max_norm, k))


def _case(rng, first, index, dtype_case):
    """One (problem spec, theta0, lr, batch_size, data seed, max_norm) for the checks."""
    specs = {"diabetes": problem("linear_regression", "diabetes"),
             "breast_cancer": problem("logistic_regression", "breast_cancer")}
    if first:
        fixed = [("diabetes", 0.0, 0.02, 32, 0, None, np.float64),
                 ("breast_cancer", 0.0, 0.1, 50, 1, 1.0, np.float64),
                 ("diabetes", 0.1, 0.01, 100, 2, 0.5, np.float32)]
        key, scale, lr, batch_size, seed, max_norm, dtype = fixed[index % len(fixed)]
        spec = specs[key]
        theta0 = (scale * np.ones(spec.build().theta0.size)).astype(dtype)
        return spec, theta0, lr, batch_size, seed, max_norm
    spec = specs[("diabetes", "breast_cancer")[int(rng.integers(2))]]
    dtype = np.float32 if dtype_case else np.float64
    theta0 = rng.normal(scale=0.3, size=spec.build().theta0.size).astype(dtype)
    lr = float(math.exp(rng.uniform(math.log(1e-3), math.log(0.03))))
    batch_size = int(rng.choice([1, 2, 3, 7, 16, 25, 32, 60, 128, 200]))
    max_norm = None if rng.uniform() < 0.4 else float(rng.uniform(0.2, 5.0))
    return spec, theta0, lr, batch_size, int(rng.integers(2**31)), max_norm


def _describe(spec, theta0, lr, batch_size, seed, max_norm, epochs=None):
    text = (f"{spec.label}, theta0 = {_vector(theta0)} ({theta0.dtype}), lr = {lr:.6g}, "
            f"batch_size = {batch_size}, max_norm = {max_norm}")
    if epochs is not None:
        text += f", epochs = {epochs}"
    return text + f", data seed = {seed}"


def _clip_inputs(data, reference, batches, max_norm, count=3):
    """The first gradients the reference clipped: what the epoch hands to clip_by_norm."""
    return [(data.grad(reference.trajectory[k], batches[k]), max_norm) for k in range(min(count, len(batches)))]


# --- one epoch --------------------------------------------------------------------------

def epoch_run(epoch, clip, spec, theta0, lr, batch_size, data_seed, max_norm, context, mistakes=()):
    """Sub-check: one epoch of the student's SGD against ``minimize`` (and, when it
    fails, the student's clipping on the gradients this epoch clips)."""
    data, reference, (batches,) = _reference(spec, theta0, lr, batch_size, 1, data_seed, max_norm)
    try:
        reply = yield from ask_reply(epoch(spec.recorded("grad"), theta0, lr, batch_size, RngSpec(data_seed),
                                           max_norm), context)
        calls = (reply.recorded or {}).get("grad", [])
        _check_calls(epoch.name, calls, [batches], batch_size, data.n_samples, context)
        _check_points(epoch.name, data, calls, reference, batches, lr, max_norm, context)
        wrong = _step_mistakes(data, reference.trajectory[-2], batches[-1], lr, max_norm)
        wrong += [(m.hint, lambda m=m: run_reference(m.wrong, spec, theta0, lr, batch_size, RngSpec(data_seed),
                                                     max_norm)) for m in mistakes]
        compare(epoch.name, reply.value, reference.theta, f"the θ returned after the epoch\n  {context}", wrong,
                **_tolerance(lr, max_norm, len(batches)))
    except CheckFailed as failure:
        if clip is not None and max_norm is not None:
            yield from blame_callees(epoch, failure, [(clip, clip_run(
                clip, _clip_inputs(data, reference, batches, max_norm), f"(as {epoch.name} calls it)\n  "))])
        raise


def _as_epoch_case(example):
    spec = example["problem"]
    if not isinstance(spec, ProblemSpec):
        raise TypeError(f"invalid examples problem = {spec!r}, expected checks.problem('linear_regression', "
                        "'diabetes') or similar")
    theta = np.asarray(example["theta"])
    theta = theta if theta.dtype == np.float32 else theta.astype(float)
    return spec, theta, float(example["lr"]), int(example["batch_size"]), int(example["seed"]), \
        example.get("max_norm")


@checker(students=("student_epoch", "clip"), under_test=UNDER_TEST)
def check_sgd_epoch(student_epoch, *, clip=None, seed=0, cases=3, examples=(), mistakes=()):
    """Check ``student_epoch(problem, theta, lr, batch_size, rng, max_norm=None) -> theta``.

    One epoch of mini-batch SGD: ``rng.permutation(problem.n_samples)`` cut into
    consecutive batches, one (clipped, if ``max_norm``) gradient step per batch;
    compared with :func:`mlcourse.problems.minimize` for one epoch, batch by batch
    (the problem records where its gradient was taken). ``clip``: the student's
    ``clip_by_norm``, which the epoch calls; blamed when it causes the failure. A
    worked example is ``{"problem": checks.problem("linear_regression", "diabetes"),
    "theta": np.zeros(11), "lr": 0.01, "batch_size": 100, "seed": 0}`` (``max_norm``
    optional; ``seed`` seeds the rng). Recognised: no shuffling, sampling with
    replacement, the last batch dropped, the full-batch gradient, a stale θ, wrong
    sign, missing lr, clipping mistakes, inputs modified in place, plus ``mistakes``.
    Under test: the optimizers, ``minimize``, ``clip_by_norm`` and ``batches``.
    """
    known = check_mistakes(mistakes, ("student_epoch",))
    worked = [_as_epoch_case(e) for e in check_examples(examples, ("problem", "theta", "lr", "batch_size", "seed"),
                                                         ("max_norm",))]
    seed, rng = make_rng(seed)
    runs = [(case, "worked example: ") for case in worked]
    runs += [(_case(rng, seed == 0, index, index == cases - 1), "") for index in range(cases)]
    for (spec, theta0, lr, batch_size, data_seed, max_norm), label in runs:
        context = label + _describe(spec, theta0, lr, batch_size, data_seed, max_norm) + f" (seed={seed})"
        yield from epoch_run(student_epoch, clip, spec, theta0, lr, batch_size, data_seed, max_norm, context, known)
    return f"{student_epoch.name} matches mlcourse.problems.minimize on {len(runs)} epochs (seed={seed})"


# --- several epochs ---------------------------------------------------------------------

@checker(students=("student_loop", "epoch", "clip"), under_test=UNDER_TEST)
def check_sgd_loop(student_loop, *, epoch=None, clip=None, seed=0, cases=2, examples=(), mistakes=()):
    """Check ``student_loop(problem, theta0, lr, batch_size, epochs, seed, max_norm=None)``.

    It returns ``(theta, losses)``: the parameters after ``epochs`` epochs and the
    full-batch losses ``problem.loss`` before training and after each epoch
    (``epochs + 1`` numbers). Every epoch draws a new permutation from one
    ``np.random.default_rng(seed)``, as :func:`mlcourse.problems.minimize` does.
    ``epoch`` and ``clip``: the student's epoch and clipping, which the loop calls;
    when the loop fails they are checked on its first epoch and blamed if wrong.
    Recognised: the same order every epoch (a new generator per epoch), the initial
    loss missing, plus the epoch's mistakes and ``mistakes`` (wrong loops). A worked
    example is ``{"problem": checks.problem("linear_regression", "diabetes"), "theta0":
    np.zeros(11), "lr": 0.01, "batch_size": 64, "epochs": 2, "seed": 0}`` (``max_norm``
    optional).
    """
    known = check_mistakes(mistakes, ("student_loop",))
    worked = check_examples(examples, ("problem", "theta0", "lr", "batch_size", "epochs", "seed"), ("max_norm",))
    seed, rng = make_rng(seed)
    runs = [(*_as_epoch_case({**e, "theta": e["theta0"]}), int(e["epochs"]), "worked example: ") for e in worked]
    for case in range(cases):
        runs.append((*_case(rng, seed == 0, case, False), 3 if seed == 0 else int(rng.integers(2, 5)), ""))
    for spec, theta0, lr, batch_size, data_seed, max_norm, epochs, label in runs:
        context = label + _describe(spec, theta0, lr, batch_size, data_seed, max_norm, epochs) + f" (seed={seed})"
        data, reference, epochs_of_batches = _reference(spec, theta0, lr, batch_size, epochs, data_seed, max_norm)
        batches = [b for one in epochs_of_batches for b in one]
        try:
            reply = yield from ask_reply(student_loop(spec.recorded("grad"), theta0, lr, batch_size, epochs,
                                                      data_seed, max_norm), context)
            result = reply.value
            if not (isinstance(result, tuple) and len(result) == 2):
                raise CheckFailed(f"{student_loop.name} should return a pair (theta, losses), got "
                                  f"{type(result).__name__}.\n  {context}")
            got_theta, got_losses = result
            calls = (reply.recorded or {}).get("grad", [])
            _check_calls(student_loop.name, calls, epochs_of_batches, batch_size, data.n_samples, context)
            _check_points(student_loop.name, data, calls, reference, batches, lr, max_norm, context)
            wrong = _step_mistakes(data, reference.trajectory[-2], batches[-1], lr, max_norm)
            wrong += [(m.hint, lambda m=m: _first(run_reference(m.wrong, spec, theta0, lr, batch_size, epochs,
                                                                data_seed, max_norm))) for m in known]
            compare(student_loop.name, got_theta, reference.theta, f"the θ returned after {epochs} epochs\n  "
                    f"{context}", wrong, **_tolerance(lr, max_norm, len(batches)))
            per_epoch = len(epochs_of_batches[0])
            expected_losses = reference.losses[::per_epoch]
            if np.shape(got_losses) == (epochs,):
                raise CheckFailed(f"{student_loop.name} returned {epochs} losses, expected epochs + 1 = {epochs + 1}."
                                  f"\n  {context}\n  hint: the first loss is the one before training, at theta0.")
            if isinstance(got_losses, (list, tuple)):
                got_losses = np.array(got_losses, dtype=float)
            compare(student_loop.name, got_losses, expected_losses,
                    f"the full losses problem.loss(theta) before training and after each epoch\n  {context}",
                    **_tolerance(lr, max_norm, len(batches)))
        except CheckFailed as failure:
            if epoch is not None:
                first = (f"(as {student_loop.name} calls it, epoch 1)\n  "
                         + _describe(spec, theta0, lr, batch_size, data_seed, max_norm) + f" (seed={seed})")
                yield from blame_callees(student_loop, failure, [(epoch, epoch_run(
                    epoch, clip, spec, theta0, lr, batch_size, data_seed, max_norm, first))])
            raise
    return f"{student_loop.name} matches mlcourse.problems.minimize on {len(runs)} runs (seed={seed})"


def _first(pair):
    return pair[0] if isinstance(pair, tuple) and len(pair) == 2 else None
