r"""Per-example gradients with respect to the *inputs*: what a saliency map is made of.

Chapter 2's gradient :math:`\nabla_\theta L` says how the loss changes with the
parameters. Holding the parameters fixed and asking how one example's loss changes
with its own input :math:`x_i` gives :math:`\nabla_{x_i} \ell_i`, one number per input
feature (per pixel, for an image): the simplest "saliency map" (Simonyan et al.,
2014). Every model in :mod:`mlcourse.problems` begins with an affine layer
:math:`a = x^\top W + b` (the linear models have :math:`W = w`, one column), so the
chain rule gives

.. math::
    \frac{\partial \ell_i}{\partial b} = \frac{\partial \ell_i}{\partial a_i}, \qquad
    \nabla_{x_i} \ell_i = W\, \frac{\partial \ell_i}{\partial a_i}
    = W\, \frac{\partial \ell_i}{\partial b}

and the input gradient comes from the per-example gradient the problem already
computes (``problem.per_example_grad``), its bias part multiplied by :math:`W`.
"""

import numpy as np

from mlcourse._checks import as_float_array

__all__ = ["input_gradients"]


def input_gradients(problem, theta, batch=None):
    r"""Each example's :math:`\nabla_{x_i} \ell_i(\theta)`: shape (B, d), one row per example.

    ``problem`` is a data problem of :mod:`mlcourse.problems` (linear or logistic
    regression, or an MLP), ``batch`` the examples (default: all). The loss is the
    problem's own: for a classifier built on the examples with labels :math:`c_i`,
    :math:`\ell_i = -\log p_{c_i}(x_i)`, so :math:`-\nabla_{x_i}\ell_i` points where the
    probability of class :math:`c_i` grows fastest. To explain a prediction, build the
    problem on the inputs with their *predicted* labels, e.g.
    ``problems.mlp(hidden, (X, predicted), classes=10)``.
    """
    if getattr(problem, "per_example_grad", None) is None:
        raise ValueError(f"invalid problem = {getattr(problem, 'name', problem)!r}: it has no per-example "
                         "gradients (problem.per_example_grad)")
    theta = as_float_array("theta", theta)
    per_example = problem.per_example_grad(theta, batch)
    if problem.unpack is None:  # a linear model: theta = (w, b), a = x.w + b
        return per_example[:, -1:] * theta[None, :-1]
    W1 = problem.unpack(theta)[0]
    return np.stack([W1 @ problem.unpack(row)[1] for row in per_example])
