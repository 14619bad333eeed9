"""Optimizers, exact to ``torch.optim`` (2.13), as pure functions.

``opt = sgd(lr=0.1, momentum=0.9)`` returns an :class:`Optimizer`, a NamedTuple of
``init(params) -> state``, ``update(params, grads, state) -> (params, state)`` and
``lookahead(params, state) -> point`` (where to take the next gradient). Names,
hyperparameters, defaults and values are torch's (``sgd``, ``adagrad``,
``rmsprop``, ``adadelta``, ``adam``, ``adamw``, ``adamax``, ``nadam``); torch's
``maximize``, ``foreach``, ``capturable``, ``differentiable`` and ``fused`` flags
are omitted. The textbook forms of momentum and Nesterov (:func:`momentum`,
:func:`nesterov`) come with the proof of how they relate to torch's.
"""

from ._base import Optimizer
from .adadelta import AdadeltaState, adadelta
from .adagrad import AdagradState, adagrad
from .adam import AdamaxState, AdamState, NAdamState, adam, adamax, adamw, nadam
from .rmsprop import RMSpropState, rmsprop
from .sgd import SGDState, sgd
from .textbook import MomentumState, momentum, nesterov

__all__ = [
    "Optimizer",
    "sgd", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "adamax", "nadam",
    "momentum", "nesterov",
    "SGDState", "AdagradState", "RMSpropState", "AdadeltaState", "AdamState", "AdamaxState",
    "NAdamState", "MomentumState",
]
