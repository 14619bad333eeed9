"""References, case generators and mistakes for the tests of the generic checkers
(`check_function`, `check_distribution`): importable, as the checkers require."""

import numpy as np

from mlcourse.checks import Mistake
from mlcourse.search import choice, loguniform


def contraction(lr, curvature):
    """|1 − η·λ|: how much one GD step scales the error along an eigenvector."""
    return abs(1 - lr * curvature)


def contraction_and_verdict(lr, curvature):
    return abs(1 - lr * curvature), float(abs(1 - lr * curvature) < 1)


def forgot_the_absolute_value(lr, curvature):
    return 1 - lr * curvature


def accuracy(labels, predictions):
    return float(np.mean(labels == predictions))


def label_cases(rng):
    """Labels and predictions of a binary classifier (arrays: drawn by a function)."""
    n = int(rng.integers(5, 40))
    labels = rng.integers(0, 2, n)
    predictions = np.where(rng.uniform(size=n) < 0.7, labels, 1 - labels)
    return {"labels": labels, "predictions": predictions}


def error_rate(labels, predictions):
    return float(np.mean(labels != predictions))


ERROR_RATE = Mistake("that is the error rate, 1 − accuracy.", error_rate)

LEARNING_RATES = loguniform(1e-4, 1e-1)


def uniform_learning_rate(rng):
    return float(rng.uniform(1e-4, 1e-1))


UNIFORM_NOT_LOG = Mistake("that draws uniformly: a learning rate is drawn log-uniformly, exp(uniform(log low, "
                          "log high)), so that each decade is as likely.", uniform_learning_rate)


def configuration(rng):
    """One configuration of a random search: the reference sampler."""
    return {"lr": LEARNING_RATES.sample(rng), "batch_size": choice([16, 32, 64]).sample(rng)}
