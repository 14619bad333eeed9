"""Optimizers, exact to ``torch.optim`` (2.13), as pure functions.

``opt = sgd(lr=0.1, momentum=0.9)`` returns an :class:`Optimizer`, a NamedTuple of
``init(params) -> state``, ``update(params, grads, state) -> (params, state)`` and
``lookahead(params, state) -> point`` (where to take the next gradient). Names,
hyperparameters, defaults and values are torch's; the textbook forms of momentum and
Nesterov (:func:`momentum`, :func:`nesterov`) come with the proof of how they relate
to torch's.
"""

from ._base import Optimizer
from .adam import AdamState, adam, adamw
from .sgd import SGDState, sgd

__all__ = ["Optimizer", "sgd", "adam", "adamw", "SGDState", "AdamState"]
