"""Real data sets shipped with scikit-learn (no download), and the mini-batch iterator.

The data sets are read once per process (``functools.lru_cache``) and returned as
read-only arrays, so building many problems is cheap and none can alter another's data.
"""

import functools
import itertools

import numpy as np

from mlcourse._checks import check_choice, check_int

__all__ = ["DATASETS", "load_dataset", "batches"]

DATASETS = ("diabetes", "breast_cancer", "digits")


@functools.lru_cache(maxsize=None)
def load_dataset(dataset):
    """Return ``(X, y)`` for one of scikit-learn's bundled data sets, ready to train on.

    * ``"diabetes"`` (442 x 10, regression): features and target standardised to mean 0
      and variance 1, so that the MSE starts near 1 and one learning rate suits every
      feature. The target ``y`` is float64 of shape (442,).
    * ``"breast_cancer"`` (569 x 30, binary): features standardised; ``y`` is float64
      0.0 (malignant) / 1.0 (benign), the form binary cross-entropy takes.
    * ``"digits"`` (1797 x 64, 10 classes): 8x8 grey levels 0..16 scaled to [0, 1]
      (standardising would divide the always-blank border pixels by 0); ``y`` is int64
      labels 0..9, the form cross-entropy takes.

    Both arrays are read-only; copy them to modify.
    """
    from sklearn import datasets  # imported here: only data problems need scikit-learn

    check_choice("dataset", dataset, DATASETS)
    bunch = getattr(datasets, f"load_{dataset}")()
    X, y = bunch.data.astype(np.float64), bunch.target
    if dataset == "digits":
        X, y = X / 16.0, y.astype(np.int64)
    else:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
        y = (y - y.mean()) / y.std() if dataset == "diabetes" else y.astype(np.float64)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y


def batches(n_samples, batch_size, seed=0, shuffle=True, drop_last=False, epochs=None):
    """Return an iterator over mini-batches of sample indices, epoch after epoch.

    Each epoch takes a permutation of ``range(n_samples)`` (a fresh one per epoch,
    drawn in turn from ``np.random.default_rng(seed)``; the identity if ``shuffle`` is
    false) and cuts it into consecutive chunks of ``batch_size``. The last chunk of an
    epoch is shorter when ``batch_size`` does not divide ``n_samples``, or is dropped if
    ``drop_last``. So every sample appears exactly once per epoch (at most once with
    ``drop_last``), and the same arguments always give the same sequence.

    Yields int64 arrays of indices. Runs for ``epochs`` epochs, or forever if None
    (take what you need, e.g. with ``itertools.islice``).
    """
    n_samples = check_int("n_samples", n_samples, low=1)
    batch_size = check_int("batch_size", batch_size, low=1)
    if epochs is not None:
        epochs = check_int("epochs", epochs, low=0)
    if drop_last and batch_size > n_samples:
        raise ValueError(
            f"invalid batch_size = {batch_size}, expected batch_size <= n_samples = {n_samples} "
            "when drop_last is true (otherwise no batch is ever full)"
        )
    stop = n_samples - n_samples % batch_size if drop_last else n_samples
    rng = np.random.default_rng(seed)

    def generate():
        for _ in range(epochs) if epochs is not None else itertools.count():
            order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
            for start in range(0, stop, batch_size):
                yield order[start:start + batch_size]

    return generate()
