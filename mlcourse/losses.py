r"""Loss functions, their gradients, and the stable sigmoid/softmax they rest on.

A loss :math:`L(\hat y, y)` scores a prediction :math:`\hat y` against a target
:math:`y`. Training needs it to be *differentiable* (so that :math:`\nabla L` says
which way to move) and *bounded below* (so that "smaller" has a floor to reach).

Every loss comes as a pair, matching ``torch.nn.functional`` with its default
``reduction='mean'``:

* ``name(prediction, target, ...)`` returns the batch mean as a Python float;
* ``name_grad(prediction, target, ...)`` returns :math:`\partial L / \partial \hat y`,
  an array with the shape and dtype of ``prediction`` (float32 stays float32, anything
  else is computed in float64). Because the loss is a *mean*, the gradient carries the
  factor :math:`1/n`.

Where a loss has a kink (``mae`` at :math:`\hat y = y`), the gradient is the
subgradient torch's autograd returns, so that the two agree number for number.
"""

import numpy as np

from mlcourse._checks import as_float_array, check_range, check_same_shape

__all__ = [
    "sigmoid", "sigmoid_grad", "log_sigmoid", "softmax", "log_softmax",
    "mse", "mse_grad", "mse_with_logits", "mse_with_logits_grad", "mae", "mae_grad", "huber", "huber_grad",
    "binary_cross_entropy", "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_grad",
    "cross_entropy", "cross_entropy_grad",
]


# --- squashing functions ---------------------------------------------------------------

def sigmoid(x):
    r"""The logistic function :math:`\sigma(x) = 1 / (1 + e^{-x})`, elementwise.

    Turns a score (logit) into a probability. Computed from :math:`e^{-|x|}` so that no
    exponential overflows: for :math:`x < 0` we use the equal form
    :math:`e^{x} / (1 + e^{x})`.
    """
    x = as_float_array("x", x)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def sigmoid_grad(x):
    r"""The derivative of the logistic function, :math:`\sigma'(x) = \sigma(x)\,(1 - \sigma(x))`.

    At most :math:`1/4` (at :math:`x = 0`) and about :math:`e^{-|x|}` for large
    :math:`|x|`: the sigmoid *saturates*, and every gradient that passes through it is
    multiplied by this small factor (see :func:`mse_with_logits_grad`). Same shape and
    dtype as ``x``. The derivative is even, so we evaluate it at :math:`-|x|`, where
    :math:`\sigma` is small and :math:`1 - \sigma` does not cancel to a few digits.
    """
    x = as_float_array("x", x)
    p = sigmoid(-np.abs(x))
    return p * (1 - p)


def log_sigmoid(x):
    r""":math:`\log \sigma(x) = \min(x, 0) - \log(1 + e^{-|x|})`, elementwise and stable.

    ``np.log(sigmoid(x))`` would return ``-inf`` for ``x = -1e4`` (the probability
    underflows to 0); the right side stays finite and equals :math:`x` there.
    """
    x = as_float_array("x", x)
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def log_softmax(x, axis=-1):
    r""":math:`\log \mathrm{softmax}(x)_c = x_c - \log \sum_k e^{x_k}`, along ``axis``.

    The log-sum-exp is taken after subtracting :math:`m = \max_k x_k`,
    :math:`\log \sum_k e^{x_k} = m + \log \sum_k e^{x_k - m}`, so that the largest
    exponent is :math:`e^0 = 1`: nothing overflows even for logits of :math:`10^4`.
    """
    x = as_float_array("x", x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(x, axis=-1):
    r""":math:`\mathrm{softmax}(x)_c = e^{x_c} / \sum_k e^{x_k}`, along ``axis``.

    Turns a vector of scores into a probability distribution; computed as
    ``exp(log_softmax(x))`` so it shares its stability.
    """
    return np.exp(log_softmax(x, axis=axis))


# --- argument handling -----------------------------------------------------------------

def _prediction_and_target(prediction, target):
    """Return both as arrays in the prediction's dtype, after checking their shapes."""
    prediction = as_float_array("prediction", prediction)
    target = as_float_array("target", target)
    check_same_shape("target", target, "prediction", prediction)
    return prediction, target.astype(prediction.dtype, copy=False)


def _check_probabilities(name, values):
    """Raise ValueError unless every entry of ``values`` lies in [0, 1]."""
    outside = (values < 0) | (values > 1)
    if np.any(outside):
        bad = values[outside].flat[0]
        raise ValueError(
            f"invalid {name} = {float(bad)!r} (at index {int(np.flatnonzero(outside)[0])} "
            f"of the flattened array), expected probabilities 0 <= {name} <= 1"
        )


def _check_delta(delta):
    return check_range("delta", delta, low=0, low_open=True)


# --- regression losses -----------------------------------------------------------------

def mse(prediction, target):
    r"""Mean squared error :math:`L = \frac{1}{n} \sum_i (\hat y_i - y_i)^2`.

    The regression loss: the mean of :math:`y` given the inputs minimises it. Squaring
    keeps every error positive and punishes large misses much more than small ones,
    which also makes MSE sensitive to outliers. As ``torch.nn.functional.mse_loss``.
    """
    prediction, target = _prediction_and_target(prediction, target)
    return float(np.mean((prediction - target) ** 2))


def mse_grad(prediction, target):
    r""":math:`\partial L / \partial \hat y_i = \frac{2}{n} (\hat y_i - y_i)`."""
    prediction, target = _prediction_and_target(prediction, target)
    return 2 * (prediction - target) / prediction.size


def mse_with_logits(prediction, target):
    r"""Squared error of the sigmoid's probabilities, from logits :math:`z_i`:
    :math:`L = \frac{1}{n} \sum_i (\sigma(z_i) - y_i)^2`, i.e. ``mse(sigmoid(z), y)``.

    A poor classification loss, kept to show why: see :func:`mse_with_logits_grad`.
    Compare :func:`binary_cross_entropy_with_logits`, the loss to use instead.
    """
    prediction, target = _prediction_and_target(prediction, target)
    return mse(sigmoid(prediction), target)


def mse_with_logits_grad(prediction, target):
    r""":math:`\partial L / \partial z_i = \frac{2}{n} (\sigma(z_i) - y_i)\, \sigma'(z_i)`.

    The chain rule through :math:`p = \sigma(z)`: :func:`mse_grad` at :math:`p` times
    :func:`sigmoid_grad` at :math:`z`. The last factor vanishes for large :math:`|z|`,
    so a confidently *wrong* prediction (:math:`z = -10` for :math:`y = 1`) gets almost
    no gradient, whereas :func:`binary_cross_entropy_with_logits_grad` gives it
    :math:`(\sigma(z) - y)/n \approx -1/n`.
    """
    prediction, target = _prediction_and_target(prediction, target)
    return mse_grad(sigmoid(prediction), target) * sigmoid_grad(prediction)


def mae(prediction, target):
    r"""Mean absolute error :math:`L = \frac{1}{n} \sum_i |\hat y_i - y_i|`.

    Minimised by the *median* rather than the mean, so one wild outlier moves it
    little. Its gradient has the same size everywhere (:math:`1/n`), which does not
    shrink near the minimum: a fixed learning rate keeps overshooting. As
    ``torch.nn.functional.l1_loss``.
    """
    prediction, target = _prediction_and_target(prediction, target)
    return float(np.mean(np.abs(prediction - target)))


def mae_grad(prediction, target):
    r""":math:`\partial L / \partial \hat y_i = \frac{1}{n}\,\mathrm{sign}(\hat y_i - y_i)`.

    At :math:`\hat y_i = y_i` the loss has a kink and any value in
    :math:`[-1/n, 1/n]` is a subgradient; like torch's autograd we take
    :math:`\mathrm{sign}(0) = 0`.
    """
    prediction, target = _prediction_and_target(prediction, target)
    return np.sign(prediction - target) / prediction.size


def huber(prediction, target, delta=1.0):
    r"""Huber loss: quadratic for small errors, linear for large ones.

    .. math::
        \ell(r) = \begin{cases} \tfrac12 r^2 & |r| < \delta \\
                  \delta\,(|r| - \tfrac12 \delta) & \text{otherwise} \end{cases}
        \qquad L = \frac{1}{n} \sum_i \ell(\hat y_i - y_i)

    The best of MSE and MAE: smooth at the minimum (the gradient shrinks as we get
    close) yet only linear in an outlier. The two pieces meet with equal value and
    slope at :math:`|r| = \delta`. As ``torch.nn.functional.huber_loss``.
    """
    delta = _check_delta(delta)
    prediction, target = _prediction_and_target(prediction, target)
    r = np.abs(prediction - target)
    return float(np.mean(np.where(r < delta, 0.5 * r**2, delta * (r - 0.5 * delta))))


def huber_grad(prediction, target, delta=1.0):
    r"""The gradient of :func:`huber`:

    .. math:: \partial L / \partial \hat y_i = \frac{1}{n}\,\mathrm{clip}(\hat y_i - y_i, -\delta, \delta)
    """
    delta = _check_delta(delta)
    prediction, target = _prediction_and_target(prediction, target)
    return np.clip(prediction - target, -delta, delta) / prediction.size


# --- classification losses -------------------------------------------------------------

# torch clamps log(p) at -100 so that a confident wrong answer (p = 0) costs 100, not inf,
# and floors p(1 - p) at 1e-12 in the gradient for the same reason. torch's kernel holds
# that 1e-12 as a float32 constant (9.9999999600e-13); we use the same number so that
# even the huge gradients at p in {0, 1} agree to the last digit.
_LOG_FLOOR = -100.0
_GRAD_EPSILON = float(np.float32(1e-12))


def binary_cross_entropy(prediction, target):
    r"""Binary cross-entropy (log loss) from probabilities :math:`p_i \in [0, 1]`.

    .. math:: L = -\frac{1}{n} \sum_i \big[ y_i \log p_i + (1 - y_i) \log(1 - p_i) \big]

    The negative log-likelihood of the labels under a Bernoulli model: it is the
    surprise at what happened. Each log is clamped at :math:`-100`, exactly as
    ``torch.nn.functional.binary_cross_entropy`` does, so :math:`p = 0` for a positive
    costs 100 rather than infinity. Prefer :func:`binary_cross_entropy_with_logits`
    when you have the logits: taking :math:`\sigma` first loses precision and saturates.
    """
    prediction, target = _prediction_and_target(prediction, target)
    _check_probabilities("prediction", prediction)
    _check_probabilities("target", target)
    with np.errstate(divide="ignore"):  # log(0) = -inf, clamped to -100 just below
        log_p = np.maximum(np.log(prediction), _LOG_FLOOR)
        log_1mp = np.maximum(np.log(1 - prediction), _LOG_FLOOR)
    return float(-np.mean(target * log_p + (1 - target) * log_1mp))


def binary_cross_entropy_grad(prediction, target):
    r""":math:`\partial L / \partial p_i = \frac{1}{n} \frac{p_i - y_i}{\max(p_i (1 - p_i), 10^{-12})}`.

    The denominator is floored as in torch's backward, so the gradient is huge but
    finite at :math:`p \in \{0, 1\}`. Chained through :math:`p = \sigma(z)`, whose
    derivative is :math:`p(1 - p)`, it becomes :math:`(p - y)/n`: see
    :func:`binary_cross_entropy_with_logits_grad`.
    """
    prediction, target = _prediction_and_target(prediction, target)
    _check_probabilities("prediction", prediction)
    _check_probabilities("target", target)
    denominator = np.maximum((1 - prediction) * prediction, _GRAD_EPSILON)
    return (1 / prediction.size) * (prediction - target) / denominator


def binary_cross_entropy_with_logits(prediction, target):
    r"""Binary cross-entropy from logits :math:`z_i`, with :math:`p_i = \sigma(z_i)`.

    .. math:: L = \frac{1}{n} \sum_i \big[ (1 - y_i)\, z_i - \log \sigma(z_i) \big]

    which equals :math:`-\frac1n \sum_i [y_i \log \sigma(z_i) + (1 - y_i) \log(1 - \sigma(z_i))]`
    because :math:`\log(1 - \sigma(z)) = \log \sigma(z) - z`. Using
    :func:`log_sigmoid` keeps it finite for any :math:`z`. As
    ``torch.nn.functional.binary_cross_entropy_with_logits``.
    """
    prediction, target = _prediction_and_target(prediction, target)
    _check_probabilities("target", target)
    return float(np.mean((1 - target) * prediction - log_sigmoid(prediction)))


def binary_cross_entropy_with_logits_grad(prediction, target):
    r""":math:`\partial L / \partial z_i = \frac{1}{n} (\sigma(z_i) - y_i)`.

    Why the log undoes the sigmoid's saturation: :math:`\sigma'(z) = \sigma(z)(1 -
    \sigma(z))` vanishes for large :math:`|z|`, so a squared error on :math:`\sigma(z)`
    stops learning when the model is confidently *wrong*. The log cancels that factor:
    the gradient is just "predicted minus true", large exactly when the model is wrong.
    """
    prediction, target = _prediction_and_target(prediction, target)
    _check_probabilities("target", target)
    return (sigmoid(prediction) - target) / prediction.size


def _logits_and_target(prediction, target):
    """Return (logits (N, C), target probabilities (N, C)) after checking both.

    Integer labels of shape (N,) become one-hot rows; float targets of shape (N, C)
    are taken as class probabilities, as torch accepts both.
    """
    prediction = as_float_array("prediction", prediction)
    if prediction.ndim != 2:
        raise ValueError(
            f"invalid prediction with shape {prediction.shape}, expected logits of shape (N, C)"
        )
    n, n_classes = prediction.shape
    raw = np.asarray(target)
    if raw.dtype.kind in "iu":
        if raw.shape != (n,):
            raise ValueError(
                f"invalid target with shape {raw.shape}, expected integer labels of shape ({n},)"
            )
        outside = (raw < 0) | (raw >= n_classes)
        if np.any(outside):
            i = int(np.flatnonzero(outside)[0])
            raise ValueError(
                f"invalid target label = {int(raw[i])} at index {i}, "
                f"expected 0 <= label < {n_classes} (the number of classes)"
            )
        return prediction, np.eye(n_classes, dtype=prediction.dtype)[raw]
    target = as_float_array("target", target)
    if target.shape != prediction.shape:
        raise ValueError(
            f"invalid target with shape {target.shape} and dtype {target.dtype}, expected "
            f"integer labels of shape ({n},) or class probabilities of shape {prediction.shape}"
        )
    _check_probabilities("target", target)
    return prediction, target.astype(prediction.dtype, copy=False)


def cross_entropy(prediction, target):
    r"""Softmax cross-entropy from logits :math:`z \in \mathbb{R}^{N \times C}`.

    .. math::
        L = -\frac{1}{N} \sum_{n=1}^{N} \sum_{c=1}^{C} q_{nc} \log \mathrm{softmax}(z_n)_c

    where :math:`q_n` is the one-hot vector of the label when ``target`` holds integer
    labels of shape (N,), and the given class probabilities when it has shape (N, C).
    With labels this is the negative log-likelihood of the true class,
    :math:`-\frac1N \sum_n \log \mathrm{softmax}(z_n)_{y_n}`. Computed through
    :func:`log_softmax` (log-sum-exp), so logits of :math:`\pm 10^4` are fine. As
    ``torch.nn.functional.cross_entropy`` (no weights, no label smoothing).
    """
    prediction, q = _logits_and_target(prediction, target)
    return float(-np.sum(q * log_softmax(prediction)) / prediction.shape[0])


def cross_entropy_grad(prediction, target):
    r"""The gradient of :func:`cross_entropy` with respect to the logits:

    .. math::
        \partial L / \partial z_{nc} = \frac{1}{N}\big(\mathrm{softmax}(z_n)_c \textstyle\sum_k q_{nk} - q_{nc}\big)

    For one-hot or normalised targets :math:`\sum_k q_{nk} = 1` and this is the famous
    :math:`\frac1N(\mathrm{softmax}(z_n) - q_n)`: predicted minus true. As with the
    sigmoid, the log cancels the softmax's saturation, so a confidently wrong network
    still receives a gradient of size about :math:`1/N`.
    """
    prediction, q = _logits_and_target(prediction, target)
    p = softmax(prediction)
    return (p * q.sum(axis=1, keepdims=True) - q) / prediction.shape[0]
