"""Hyperparameters for a checker's cases, drawn from explicit spaces of :mod:`mlcourse.search`.

A checker is given ``{"lr": loguniform(1e-3, 0.1), "betas": choice([(0.9, 0.999)])}``:
each value a space (``uniform``, ``loguniform``, ``integers``, ``choice``) or a constant
(a number, a string, None). A bare tuple or list is refused: ``(1e-3, 0.1)`` could mean
a range or the value of ``betas``, and a checker must not guess.
"""

import numpy as np

from mlcourse.search.spaces import is_space


def check_space(hyperparameters, argument="hyperparameters"):
    """Raise TypeError naming the entry unless every value is a space or a constant."""
    if not isinstance(hyperparameters, dict):
        raise TypeError(f"invalid {argument} = {hyperparameters!r}, expected a dict mapping each "
                        "hyperparameter's name to a space, e.g. {'lr': loguniform(1e-3, 0.1)}")
    for name, value in hyperparameters.items():
        if isinstance(value, (tuple, list, set, dict)):
            raise TypeError(
                f"invalid {argument}[{name!r}] = {value!r}: a {type(value).__name__} is not a space; "
                f"use a space of mlcourse.search: loguniform(low, high) or uniform(low, high) for a range, "
                f"choice([...]) for a set of values (choice([{value!r}]) for exactly this value)")
    return hyperparameters


def draw(hyperparameters, rng, first=False):
    """One value per hyperparameter; ``first`` takes each space's middle (the first
    option of a ``choice``), so the visible first case is easy to read."""
    values = {}
    for name, value in hyperparameters.items():
        if is_space(value):
            values[name] = value.grid(1)[0] if first else value.sample(rng)
        else:
            values[name] = value
    return values


def shown(hyperparameters):
    """``lr=0.01, betas=(0.9, 0.999)``: the drawn values as a student reads them."""
    return ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v!r}" for k, v in hyperparameters.items())


def as_input(value):
    """A worked example's value as the checker uses it: lists become NumPy arrays."""
    return np.asarray(value) if isinstance(value, list) else value


def check_examples(examples, required, optional=(), any_other=False, argument="examples"):
    """The worked examples as dicts (lists turned into arrays), or an error naming the
    example and the key that is missing or unknown. One dict may be given alone."""
    if isinstance(examples, dict):
        examples = [examples]
    checked = []
    for index, example in enumerate(examples):
        if not isinstance(example, dict):
            raise TypeError(f"invalid {argument}[{index}] = {example!r}, expected a dict with the keys "
                            f"{', '.join(required)}")
        missing = [key for key in required if key not in example]
        if missing:
            raise ValueError(f"invalid {argument}[{index}]: missing {', '.join(missing)} "
                             f"(an example has the keys {', '.join(required + tuple(optional))})")
        unknown = [key for key in example if key not in required and key not in optional]
        if unknown and not any_other:
            raise ValueError(f"invalid {argument}[{index}]: unknown key {unknown[0]!r} "
                             f"(an example has the keys {', '.join(required + tuple(optional))})")
        checked.append({key: as_input(value) for key, value in example.items()})
    return checked
