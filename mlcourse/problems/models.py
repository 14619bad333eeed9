r"""Training problems on real data: linear and logistic regression and a small MLP.

Every problem's parameters are ONE flat vector ``theta``, because an optimizer takes a
single array. ``loss(theta, batch=None)`` and ``grad(theta, batch=None)`` average over
the training samples whose indices are in ``batch`` (an int array, e.g. from
:func:`mlcourse.problems.batches`), or over all of them if ``batch`` is None; so the
mini-batch gradient is an unbiased estimate of the full one. The losses come from
:mod:`mlcourse.losses`; the gradients are written out by hand (backpropagation).
float32 ``theta`` gives float32 gradients (the data are cast to it).
"""

import functools
from typing import Callable, NamedTuple

import numpy as np

from mlcourse import losses
from mlcourse._checks import as_float_array, check_choice, check_int, check_range
from mlcourse.problems.data import load_dataset

__all__ = ["DataProblem", "linear_regression", "logistic_regression", "mlp"]


class DataProblem(NamedTuple):
    """A model plus a training set, seen by an optimizer as ``theta -> loss, grad``.

    Attributes:
        name: a short label for legends.
        loss: ``(theta, batch=None) -> float``, the mean loss over the batch.
        grad: ``(theta, batch=None) -> array like theta``.
        theta0: the default start (see each factory).
        n_samples: the number of training samples (valid batch indices are below it).
        X, y: the training data, read-only.
        accuracy: ``(theta, batch=None) -> float`` for classifiers, else None.
        hessian: ``theta -> (dim, dim)`` where it is cheap (linear regression), else None.
        unpack: ``theta -> tuple of arrays`` (views of the weights), else None.
        pack: ``(*arrays) -> theta``, the inverse of ``unpack``, else None.
        predict: ``(theta, X) -> outputs`` of the model on any inputs ``X`` of shape
            (m, d): the linear output or logit (m,), or the MLP's logits (m, C).
        per_example_loss: ``(theta, batch=None) -> (B,)``, each sample's own loss ℓᵢ(θ);
            their mean is ``loss(theta, batch)``.
        per_example_grad: ``(theta, batch=None) -> (B, dim)``, each sample's own gradient
            ∇ℓᵢ(θ); their mean is ``grad(theta, batch)`` (DP-SGD clips each row).
    """

    name: str
    loss: Callable
    grad: Callable
    theta0: np.ndarray
    n_samples: int
    X: np.ndarray
    y: np.ndarray
    accuracy: Callable | None = None
    hessian: Callable | None = None
    unpack: Callable | None = None
    pack: Callable | None = None
    predict: Callable | None = None
    per_example_loss: Callable | None = None
    per_example_grad: Callable | None = None


def _theta(theta, dim):
    theta = as_float_array("theta", theta)
    if theta.shape != (dim,):
        raise ValueError(f"invalid theta with shape {theta.shape}, expected shape ({dim},)")
    return theta


def _rows(batch, n_samples):
    """Return an index into the training set: everything, or the checked ``batch``."""
    if batch is None:
        return slice(None)
    index = np.asarray(batch)
    if index.dtype.kind not in "iu" or index.ndim != 1 or index.size == 0:
        raise ValueError(
            f"invalid batch with shape {index.shape} and dtype {index.dtype}, "
            "expected a non-empty 1-D array of sample indices"
        )
    if index.min() < 0 or index.max() >= n_samples:
        bad = index[(index < 0) | (index >= n_samples)][0]
        raise ValueError(f"invalid batch index = {int(bad)}, expected 0 <= index < n_samples = {n_samples}")
    return index


def _inputs(inputs, d):
    """``inputs`` as a float array of shape (m, d), for ``predict``."""
    inputs = as_float_array("X", inputs)
    if inputs.ndim != 2 or inputs.shape[1] != d:
        raise ValueError(f"invalid X with shape {inputs.shape}, expected shape (m, {d})")
    return inputs


def _training_data(dataset, names):
    """Return ``(X, y)``: a bundled data set by name, or a caller's ``(X, y)`` pair.

    A pair is checked (``X`` of shape (n, d), ``y`` of shape (n,)), copied and made
    read-only, so that, like the bundled data, the problem cannot be altered from outside.
    """
    if isinstance(dataset, str):
        return load_dataset(check_choice("dataset", dataset, names))
    if not isinstance(dataset, tuple) or len(dataset) != 2:
        raise TypeError(f"invalid dataset = {dataset!r}, expected one of {names} or a pair (X, y)")
    X, y = (as_float_array(name, a).copy() for name, a in zip(("X", "y"), dataset))
    if X.ndim != 2 or X.shape[0] == 0 or y.shape != X.shape[:1]:
        raise ValueError(f"invalid dataset with X of shape {X.shape} and y of shape {y.shape}, "
                         "expected shapes (n, d) and (n,) with n >= 1")
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y


def _linear_model(name, X, y, loss, loss_grad, accuracy):
    r"""A linear model ``X @ w + b`` with ``theta = (w_1, ..., w_d, b)`` and ``theta0 = 0``.

    ``loss(output, target)`` and ``loss_grad(output, target)`` are a pair from
    :mod:`mlcourse.losses`; the gradient with respect to ``theta`` follows by the chain
    rule, :math:`\nabla_w L = X^\top \partial L/\partial \hat y` and
    :math:`\partial L/\partial b = \sum_i \partial L/\partial \hat y_i`.
    """
    n, d = X.shape

    def predict(theta, batch):
        theta, rows = _theta(theta, d + 1), _rows(batch, n)
        Xb = X[rows].astype(theta.dtype, copy=False)
        return Xb, Xb @ theta[:d] + theta[d], y[rows]

    def value(theta, batch=None):
        _, out, target = predict(theta, batch)
        return loss(out, target)

    def grad(theta, batch=None):
        Xb, out, target = predict(theta, batch)
        g = loss_grad(out, target)  # dL/d(output), shape (batch,)
        return np.concatenate([Xb.T @ g, [g.sum()]]).astype(Xb.dtype, copy=False)

    def acc(theta, batch=None):
        _, out, target = predict(theta, batch)
        return float(np.mean((out > 0) == (target == 1)))

    def outputs(theta, inputs):
        theta, inputs = _theta(theta, d + 1), _inputs(inputs, d)
        return inputs.astype(theta.dtype, copy=False) @ theta[:d] + theta[d]

    def per_example_loss(theta, batch=None):
        _, out, target = predict(theta, batch)
        return np.array([loss(out[i:i + 1], target[i:i + 1]) for i in range(out.size)], dtype=out.dtype)

    def per_example_grad(theta, batch=None):
        Xb, out, target = predict(theta, batch)
        g = loss_grad(out, target) * out.size  # each sample's own dl_i/d(output): undo the 1/B of the mean
        return np.column_stack([Xb * g[:, None], g]).astype(Xb.dtype, copy=False)

    return DataProblem(name=name, loss=value, grad=grad, theta0=np.zeros(d + 1), n_samples=n, X=X, y=y,
                       accuracy=acc if accuracy else None, predict=outputs, per_example_loss=per_example_loss,
                       per_example_grad=per_example_grad)


# loss name: (loss, gradient) of the model's output, from mlcourse.losses
_REGRESSION_LOSSES = {
    "mse": (losses.mse, losses.mse_grad),
    "mae": (losses.mae, losses.mae_grad),
    "huber": (losses.huber, losses.huber_grad),
}
_CLASSIFICATION_LOSSES = {
    "cross_entropy": (losses.binary_cross_entropy_with_logits, losses.binary_cross_entropy_with_logits_grad),
    "squared_error": (losses.mse_with_logits, losses.mse_with_logits_grad),
}


def _data_label(dataset):
    return dataset if isinstance(dataset, str) else "given data"


def linear_regression(dataset="diabetes", loss="mse", delta=None):
    r"""A linear model :math:`\hat y_i = x_i^\top w + b` on the diabetes data, by default least squares.

    ``loss`` picks the loss of the predictions from :mod:`mlcourse.losses`:
    ``"mse"`` (the default, :math:`L(\theta) = \frac1n \sum_i (\hat y_i - y_i)^2`),
    ``"mae"`` or ``"huber"`` (threshold ``delta``, default 1.0 as in torch; ``delta``
    is accepted only with ``"huber"``). ``dataset`` is ``"diabetes"`` (features and
    target standardised, see :func:`~mlcourse.problems.load_dataset`) or your own pair
    ``(X, y)`` of shapes (n, d) and (n,), e.g. a training split.

    ``theta = (w, b)`` of size d + 1 (11 for diabetes); ``theta0 = 0``. With
    ``"mse"`` the loss is a quadratic in :math:`\theta` with constant Hessian
    :math:`H = \frac2n \tilde X^\top \tilde X`, :math:`\tilde X = [X\ 1]`, returned by
    ``hessian``: full-batch gradient descent diverges for
    :math:`\eta > 2/\lambda_{\max}(H)`, exactly as on :func:`~mlcourse.problems.quadratic`.
    MAE and Huber have no constant Hessian (``hessian`` is None).
    """
    X, y = _training_data(dataset, ("diabetes",))
    value, gradient = _REGRESSION_LOSSES[check_choice("loss", loss, tuple(_REGRESSION_LOSSES))]
    if loss == "huber":
        delta = 1.0 if delta is None else check_range("delta", delta, low=0, low_open=True)
        value, gradient = functools.partial(value, delta=delta), functools.partial(gradient, delta=delta)
    elif delta is not None:
        raise ValueError(f"invalid delta = {delta!r} with loss = {loss!r}, expected delta only with loss = 'huber'")
    label = "" if loss == "mse" else f", {loss}" + (f" delta={delta:g}" if loss == "huber" else "")
    problem = _linear_model(f"linear regression{label} ({_data_label(dataset)})", X, y, value, gradient, False)
    if loss != "mse":
        return problem
    X1 = np.column_stack([X, np.ones(problem.n_samples)])
    H = 2 * X1.T @ X1 / problem.n_samples
    H.flags.writeable = False
    return problem._replace(hessian=lambda theta=None: H)


def logistic_regression(dataset="breast_cancer", loss="cross_entropy"):
    r"""Logistic regression on the breast-cancer data, by default trained with binary cross-entropy.

    :math:`p_i = \sigma(z_i)`, :math:`z_i = x_i^\top w + b`, is the predicted probability
    of "benign" (label 1). ``loss`` is ``"cross_entropy"`` (the default,
    :func:`mlcourse.losses.binary_cross_entropy_with_logits` of the logits) or
    ``"squared_error"`` (:func:`mlcourse.losses.mse_with_logits`,
    :math:`\frac1n \sum_i (p_i - y_i)^2`), a poor choice kept to show how the sigmoid's
    saturation stalls it. ``dataset`` is ``"breast_cancer"`` or your own pair ``(X, y)``
    with labels 0.0/1.0.

    ``theta = (w, b)`` of size d + 1 (31 for breast cancer); ``theta0 = 0`` (every
    :math:`p_i = 1/2`, cross-entropy :math:`\log 2`). The cross-entropy is convex; the
    classes are nearly separable, so without regularisation :math:`\|w\|` keeps growing
    slowly as the loss creeps toward 0. ``accuracy`` counts logits on the right side of 0.
    """
    X, y = _training_data(dataset, ("breast_cancer",))
    value, gradient = _CLASSIFICATION_LOSSES[check_choice("loss", loss, tuple(_CLASSIFICATION_LOSSES))]
    label = "" if loss == "cross_entropy" else f", {loss}"
    return _linear_model(f"logistic regression{label} ({_data_label(dataset)})", X, y, value, gradient, True)


_ACTIVATIONS = {
    # name: (function, derivative written in terms of the function's output h)
    "tanh": (np.tanh, lambda h: 1 - h * h),
    "relu": (lambda a: np.maximum(a, 0), lambda h: (h > 0).astype(h.dtype)),
}


def mlp(hidden=32, dataset="digits", seed=0, activation="tanh", classes=None):
    r"""A one-hidden-layer network trained with softmax cross-entropy.

    .. math::
        h = \phi(X W_1 + b_1), \qquad z = h W_2 + b_2, \qquad
        L = \mathrm{cross\_entropy}(z, y)

    with :math:`\phi` = ``activation`` (``"tanh"`` or ``"relu"``), :math:`W_1` of shape
    (d, hidden), :math:`W_2` of shape (hidden, C). ``theta`` is the concatenation of
    ``W1.ravel(), b1, W2.ravel(), b2`` (row-major); ``unpack(theta)`` returns views
    ``(W1, b1, W2, b2)`` and ``pack(W1, b1, W2, b2)`` the flat vector. Note that torch's
    ``nn.Linear.weight`` is the transpose, (out, in).

    ``dataset`` is ``"digits"``, ``"breast_cancer"`` or your own pair ``(X, y)`` with
    integer labels (e.g. a training split); ``classes`` is the number of classes C
    (default: the largest label + 1), so that a split, or a handful of examples, gives
    the same shapes as the whole data set.

    ``theta0`` is drawn like torch's default ``nn.Linear`` initialisation: every weight
    and bias of a layer uniform in :math:`\pm 1/\sqrt{\text{fan\_in}}`, from
    ``np.random.default_rng(seed)``.

    Backpropagation, from the top: :math:`\partial L/\partial z` =
    :func:`mlcourse.losses.cross_entropy_grad` (softmax minus one-hot, over N);
    :math:`\partial L/\partial W_2 = h^\top \partial_z`,
    :math:`\partial L/\partial b_2 = \sum_n \partial_z`;
    :math:`\partial_a = (\partial_z W_2^\top) \odot \phi'(a)`;
    :math:`\partial L/\partial W_1 = X^\top \partial_a`,
    :math:`\partial L/\partial b_1 = \sum_n \partial_a`.
    """
    hidden = check_int("hidden", hidden, low=1)
    phi, phi_prime = _ACTIVATIONS[check_choice("activation", activation, tuple(_ACTIVATIONS))]
    X, y = _training_data(dataset, ("digits", "breast_cancer"))
    if np.any(y != np.round(y)) or y.min() < 0:
        raise ValueError("invalid dataset: y must hold integer class labels 0, 1, ... for an MLP")
    labels = y.astype(np.int64)
    n, d = X.shape
    C = int(labels.max()) + 1 if classes is None else check_int("classes", classes, low=int(labels.max()) + 1)
    shapes = [(d, hidden), (hidden,), (hidden, C), (C,)]
    sizes = [int(np.prod(s)) for s in shapes]
    dim = sum(sizes)

    def unpack(theta):
        theta = _theta(theta, dim)
        parts = np.split(theta, np.cumsum(sizes)[:-1])
        return tuple(p.reshape(s) for p, s in zip(parts, shapes))

    def pack(W1, b1, W2, b2):
        named = zip(("W1", "b1", "W2", "b2"), (W1, b1, W2, b2), shapes)
        flat = []
        for name, array, shape in named:
            if np.shape(array) != shape:
                raise ValueError(f"invalid {name} with shape {np.shape(array)}, expected shape {shape}")
            flat.append(as_float_array(name, array).ravel())
        return np.concatenate(flat)

    def forward(theta, batch):
        W1, b1, W2, b2 = unpack(theta)
        rows = _rows(batch, n)
        Xb = X[rows].astype(W1.dtype, copy=False)
        h = phi(Xb @ W1 + b1)
        return Xb, h, h @ W2 + b2, labels[rows]

    def value(theta, batch=None):
        _, _, z, target = forward(theta, batch)
        return losses.cross_entropy(z, target)

    def grad(theta, batch=None):
        Xb, h, z, target = forward(theta, batch)
        _, _, W2, _ = unpack(theta)
        dz = losses.cross_entropy_grad(z, target)
        da = (dz @ W2.T) * phi_prime(h)
        return pack(Xb.T @ da, da.sum(axis=0), h.T @ dz, dz.sum(axis=0)).astype(Xb.dtype, copy=False)

    def accuracy(theta, batch=None):
        _, _, z, target = forward(theta, batch)
        return float(np.mean(np.argmax(z, axis=1) == target))

    def logits(theta, inputs):
        W1, b1, W2, b2 = unpack(theta)
        inputs = _inputs(inputs, d).astype(W1.dtype, copy=False)
        return phi(inputs @ W1 + b1) @ W2 + b2

    def per_example_loss(theta, batch=None):
        _, _, z, target = forward(theta, batch)
        return -losses.log_softmax(z)[np.arange(len(target)), target]  # -log softmax(z_n)_{y_n}

    def per_example_grad(theta, batch=None):
        Xb, h, z, target = forward(theta, batch)
        _, _, W2, _ = unpack(theta)
        dz = losses.cross_entropy_grad(z, target) * len(target)  # undo the 1/B of the mean
        da = (dz @ W2.T) * phi_prime(h)
        rows = (np.einsum("bi,bj->bij", Xb, da), da, np.einsum("bi,bj->bij", h, dz), dz)  # outer products
        return np.concatenate([r.reshape(len(target), -1) for r in rows], axis=1)

    rng = np.random.default_rng(seed)
    bounds = [1 / np.sqrt(d)] * 2 + [1 / np.sqrt(hidden)] * 2
    theta0 = pack(*(rng.uniform(-b, b, size=s) for b, s in zip(bounds, shapes)))
    return DataProblem(name=f"MLP {d}-{hidden}-{C} ({_data_label(dataset)})", loss=value, grad=grad, theta0=theta0,
                       n_samples=n, X=X, y=labels, accuracy=accuracy, unpack=unpack, pack=pack, predict=logits,
                       per_example_loss=per_example_loss, per_example_grad=per_example_grad)
