"""Problems to optimise: 2-D test functions, models on real data, and the training loop.

* :mod:`~mlcourse.problems.functions`: :func:`quadratic`, :func:`rosenbrock`,
  :func:`beale`, :func:`saddle`, :func:`rastrigin`, each a :class:`Function2D` with
  analytic gradient, known minima, plot bounds and a default start.
* :mod:`~mlcourse.problems.models`: :func:`linear_regression`,
  :func:`logistic_regression`, :func:`mlp` on scikit-learn's bundled data, each a
  :class:`DataProblem` whose ``loss``/``grad`` take an optional mini-batch.
* :mod:`~mlcourse.problems.data`: :func:`load_dataset` and the seeded mini-batch
  iterator :func:`batches`.
* :mod:`~mlcourse.problems.minimize`: :func:`minimize`, the one training loop, and
  :func:`clip_by_norm`, the one gradient clipping.
* :mod:`~mlcourse.problems.noise`: :func:`with_gradient_noise`, a problem whose
  gradients carry Gaussian noise (injected noise where there is no data to sample).
* :mod:`~mlcourse.problems.counterexamples`: :func:`lessard_counterexample`, the 1-D
  strongly convex function on which the heavy ball's quadratic tuning cycles.
* :mod:`~mlcourse.problems.groups`: :func:`two_groups`, data whose people belong to
  two groups (a documented mechanism), and the group objectives :func:`group_weighted`
  and :func:`group_dro` (chapter 9).
* :mod:`~mlcourse.problems.per_example`: :func:`input_gradients`, each example's loss
  gradient with respect to its input (a saliency map; chapter 9).
"""

from mlcourse.problems.data import DATASETS, batches, load_dataset
from mlcourse.problems.functions import Function2D, beale, quadratic, rastrigin, rosenbrock, saddle
from mlcourse.problems.minimize import MinimizeResult, clip_by_norm, minimize
from mlcourse.problems.models import DataProblem, linear_regression, logistic_regression, mlp
from mlcourse.problems.noise import with_gradient_noise
from mlcourse.problems.counterexamples import Function1D, lessard_counterexample
from mlcourse.problems.groups import GroupData, group_dro, group_weighted, two_groups
from mlcourse.problems.per_example import input_gradients

__all__ = [
    "DATASETS", "batches", "load_dataset",
    "Function2D", "beale", "quadratic", "rastrigin", "rosenbrock", "saddle",
    "MinimizeResult", "clip_by_norm", "minimize",
    "DataProblem", "linear_regression", "logistic_regression", "mlp",
    "with_gradient_noise",
    "Function1D", "lessard_counterexample",
    "GroupData", "group_dro", "group_weighted", "two_groups",
    "input_gradients",
]
