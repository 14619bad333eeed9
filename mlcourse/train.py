r"""The training loop every chapter, widget and grader uses, and gradient clipping.

``from mlcourse import train``: :func:`minimize` runs an optimizer from
:mod:`mlcourse.optim` on a problem from :mod:`mlcourse.problems` and returns a
:class:`MinimizeResult`; :func:`clip_by_norm` is the one gradient clipping. (They
are also importable from :mod:`mlcourse.problems`, where they lived before.)

One step of :func:`minimize`, with :math:`\theta` the parameters and ``opt`` an
optimizer from :mod:`mlcourse.optim`:

.. math::
    g \leftarrow \mathrm{clip}\big(\nabla L_B(\mathrm{lookahead}(\theta))\big), \qquad
    \theta \leftarrow \mathrm{update}(\theta, g)

where :math:`L_B` is the loss on the step's mini-batch :math:`B` (all samples if
``batch_size`` is None) and ``lookahead`` is the point where the optimizer wants its
gradient (:math:`\theta` itself for every torch-style optimizer).
"""

import math
from typing import NamedTuple

import numpy as np

from mlcourse._checks import as_float_array, check_int, check_range

__all__ = ["MinimizeResult", "minimize", "clip_by_norm"]


def clip_by_norm(grad, max_norm):
    r"""Rescale ``grad`` so that its Euclidean norm is at most ``max_norm``.

    .. math:: g \leftarrow g \cdot \min\Big(1, \frac{c}{\|g\|_2 + 10^{-6}}\Big)

    exactly as ``torch.nn.utils.clip_grad_norm_`` (including its :math:`10^{-6}`):
    the direction is kept, only a too-long step is shortened. It tames the
    "cliffs" and exploding gradients of chapter 2: a single huge gradient can no
    longer throw :math:`\theta` far away.
    """
    max_norm = check_range("max_norm", max_norm, low=0, low_open=True)
    grad = as_float_array("grad", grad)
    norm = np.sqrt(np.sum(grad.astype(np.float64) ** 2))
    return grad * grad.dtype.type(min(1.0, max_norm / (norm + 1e-6)))


class MinimizeResult(NamedTuple):
    """What :func:`minimize` returns.

    Attributes:
        theta: the last parameters reached, shape like ``theta0``.
        trajectory: ``(k + 1, *theta.shape)`` array of every iterate
            :math:`\\theta_0, ..., \\theta_k` (``k = steps`` unless it diverged), or
            None when not kept (see ``keep_trajectory``).
        losses: ``(k + 1,)`` full loss :math:`L(\\theta_t)` at every iterate.
        grad_norms: ``(k,)`` norm of each step's gradient, before clipping.
        status: ``"ok"``, or ``"diverged"`` if the loss became non-finite or exceeded
            ``max_loss``.
        diverged_at: the step ``t`` whose iterate :math:`\\theta_t` diverged (its loss
            is the last entry of ``losses``), or None.
    """

    theta: np.ndarray
    trajectory: np.ndarray | None
    losses: np.ndarray
    grad_norms: np.ndarray
    status: str
    diverged_at: int | None


def minimize(problem, optimizer, steps, theta0=None, batch_size=None, seed=0, clip_norm=None,
             keep_trajectory=None, max_loss=None):
    """Run ``optimizer`` on ``problem`` for ``steps`` updates; never raises on divergence.

    Args:
        problem: a problem from :mod:`mlcourse.problems` (a ``Function2D``, a
            ``DataProblem`` or a ``Function1D``, see :mod:`mlcourse.problems.interface`).
        optimizer: an ``Optimizer`` from :mod:`mlcourse.optim` (``init``, ``lookahead``,
            ``update``).
        steps: number of updates.
        theta0: start; default ``problem.theta0``.
        batch_size: mini-batch size for data problems (batches from
            ``batches(problem.n_samples, batch_size, seed)``, epoch after epoch); None
            for full-batch gradients.
        seed: seeds the mini-batch order.
        clip_norm: if given, every gradient goes through :func:`clip_by_norm`.
        keep_trajectory: keep every iterate; by default (None) only if ``theta`` has at
            most 1000 entries (a 2-D path, a linear model), since an MLP's trajectory
            would take ``(steps + 1) * dim * 8`` bytes.
        max_loss: a run counts as diverged as soon as a loss is non-finite or above
            ``max_loss``; default ``1e12 * (1 + |L(theta0)|)``. The threshold is what
            makes a slow geometric blow-up (say, 1% past ``lr = 2/L``) visible within
            a few hundred steps instead of thousands before overflow.

    The loop stops at the first diverged iterate; ``losses`` (and the trajectory)
    include that iterate. ``losses`` are always full-batch losses, so runs with
    different batch sizes compare on one scale. Floating-point overflow warnings
    are silenced inside the loop: divergence is reported in ``status`` instead.
    """
    # imported here, not above: mlcourse.problems imports this module to re-export it
    from mlcourse.problems import batches, interface

    interface.check_problem("problem", problem)
    steps = check_int("steps", steps, low=0)
    if clip_norm is not None:
        clip_norm = check_range("clip_norm", clip_norm, low=0, low_open=True)
    theta = as_float_array("theta0", problem.theta0 if theta0 is None else theta0).copy()
    if keep_trajectory is None:
        keep_trajectory = theta.size <= 1000
    order = None
    if batch_size is not None:
        if not interface.has_data(problem):
            raise ValueError(f"invalid batch_size = {batch_size!r} for {problem.name!r}, which has no data")
        order = batches(problem.n_samples, batch_size, seed=seed)

    def batch_args():
        return () if order is None else (next(order),)

    if max_loss is not None:
        max_loss = check_range("max_loss", max_loss)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        loss = problem.loss(theta)
        if max_loss is None:
            max_loss = 1e12 * (1 + abs(loss)) if math.isfinite(loss) else math.inf

        def diverged(loss):
            return not (math.isfinite(loss) and loss <= max_loss)

        path, history, norms = [theta], [loss], []
        state = optimizer.init(theta)
        t = 0  # theta is the iterate theta_t, loss is L(theta_t)
        while t < steps and not diverged(loss):
            grad = problem.grad(optimizer.lookahead(theta, state), *batch_args())
            norms.append(float(np.sqrt(np.sum(np.square(grad, dtype=np.float64)))))
            if clip_norm is not None:
                grad = clip_by_norm(grad, clip_norm)
            theta, state = optimizer.update(theta, grad, state)
            loss = problem.loss(theta)
            t += 1
            history.append(loss)
            if keep_trajectory:
                path.append(theta)
        status, diverged_at = ("diverged", t) if diverged(loss) else ("ok", None)

    return MinimizeResult(
        theta=theta,
        trajectory=np.stack(path) if keep_trajectory else None,
        losses=np.array(history),
        grad_norms=np.array(norms),
        status=status,
        diverged_at=diverged_at,
    )
