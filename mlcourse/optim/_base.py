"""What every optimizer shares: the ``Optimizer`` tuple, learning rates, checks, ``lerp``.

An optimizer is three pure functions bundled in a NamedTuple. Unlike optax, whose
``update`` returns the *updates* that ``optax.apply_updates`` then adds to the
parameters, ``update`` here returns the new parameters themselves, as
``torch.optim``'s ``step()`` leaves them::

    state = opt.init(params)
    point = opt.lookahead(params, state)             # where to take the gradient
    params, state = opt.update(params, gradient(point), state)

Nothing is modified in place. Each ``update`` states its rule once, in NumPy
expressions that follow its docstring's formula line by line, and hands it to
:func:`mlcourse.optim._blocks.apply`, which runs it on the whole arrays (or, on
large ones, block by block).
"""

from typing import Any, Callable, NamedTuple

import numpy as np

from .._checks import as_float_array, check_range, check_same_shape


class Optimizer(NamedTuple):
    """Three pure functions: ``init(params) -> state``,
    ``update(params, grads, state) -> (new_params, new_state)`` and
    ``lookahead(params, state) -> point`` (where to evaluate the next gradient)."""

    init: Callable[[Any], Any]
    update: Callable[[Any, Any, Any], tuple]
    lookahead: Callable[[Any, Any], Any]


def same_point(params, state):
    """The ``lookahead`` of every torch-style optimizer: the gradient is taken at θ."""
    return params


def learning_rate(lr):
    """Return ``lr_at(t)``, the learning rate of update ``t`` (0 for the first).

    ``lr`` is a number, checked here once, or a schedule (a callable of ``t``),
    whose every value is checked when it is used.
    """
    if callable(lr):
        schedule = lr

        def lr_at(t):
            value = schedule(t)
            if isinstance(value, np.ndarray) and value.shape == ():
                value = value.item()
            try:
                return check_range("lr", value, 0)
            except (TypeError, ValueError) as error:
                raise type(error)(f"{error} (returned by the lr schedule at step t = {t})") from None

        return lr_at
    lr = check_range("lr", lr, 0)
    return lambda t: lr


def check_betas(betas, name="betas"):
    """Return ``(beta1, beta2)``, each in [0, 1), or raise naming the wrong one."""
    try:
        beta1, beta2 = betas
    except (TypeError, ValueError):
        raise TypeError(f"invalid {name} = {betas!r}, expected a pair (beta1, beta2)") from None
    return (check_range("beta1", beta1, 0, 1, high_open=True),
            check_range("beta2", beta2, 0, 1, high_open=True))


def as_params(params):
    """Parameters as a float array: float32 stays float32, anything else is float64."""
    return as_float_array("params", params)


def _as_float(name, value):
    # float32/float64 arrays pass at once: update must stay cheap on two parameters
    if type(value) is np.ndarray and value.dtype.char in "fd":
        return value
    return as_float_array(name, value)


def check_update(params, grads, state, state_type):
    """Validate the arguments of ``update``; return ``(params, grads, state)`` ready for the rule.

    ``params`` become a float array (float32 stays float32, anything else float64);
    ``grads`` and the state's buffers take its dtype. The checks are cheap (no pass
    over the data), so that ``update`` stays fast on two parameters as on ten million.
    """
    if type(state) is not state_type:
        raise TypeError(
            f"invalid state of type {type(state).__name__}, expected {state_type.__name__} "
            "(the state returned by this optimizer's init or update)"
        )
    params = _as_float("params", params)
    grads = _as_float("grads", grads)
    if grads.shape != params.shape:
        check_same_shape("grads", grads, "params", params)
    dtype, recast = params.dtype, {}
    for name, buffer in zip(state._fields, state):
        if isinstance(buffer, np.ndarray):
            if buffer.shape != params.shape:
                raise ValueError(
                    f"invalid state.{name} with shape {buffer.shape}, expected the shape of "
                    f"params {params.shape} (was the state made by init for other params?)"
                )
            if buffer.dtype != dtype:
                recast[name] = buffer.astype(dtype)
    if recast:
        state = state._replace(**recast)
    return params, grads.astype(dtype, copy=False), state


def lerp(start, end, weight):
    r"""``start + weight·(end - start)``, that is ``(1 - weight)·start + weight·end``, as ``torch.lerp``.

    The exponential moving average :math:`\beta m + (1-\beta) g` is ``lerp(m, g, 1 - β)``,
    which is how torch computes it. torch rounds ``weight`` to the arrays' dtype and, when
    it is 0.5 or more, starts from the other end, ``end - (1 - weight)·(end - start)``, so
    that ``weight = 1`` gives ``end`` exactly; so does this function. (torch fuses the
    last multiply-add, rounding once where NumPy rounds twice: float32 results may differ
    from torch's in the last bit.)
    """
    weight = start.dtype.type(weight)
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)
