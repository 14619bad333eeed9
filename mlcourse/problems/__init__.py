"""Problems to optimise: 2-D test functions and models on real data.

* :mod:`~mlcourse.problems.functions`: :func:`quadratic`, :func:`rosenbrock`,
  :func:`beale`, :func:`saddle`, :func:`rastrigin`, each a :class:`Function2D` with
  analytic gradient, known minima, plot bounds and a default start.
* :mod:`~mlcourse.problems.models`: :func:`linear_regression`,
  :func:`logistic_regression`, :func:`mlp` on scikit-learn's bundled data, each a
  :class:`DataProblem` whose ``loss``/``grad`` take an optional mini-batch.
* :mod:`~mlcourse.problems.data`: :func:`load_dataset` and the seeded mini-batch
  iterator :func:`batches`.
* :mod:`~mlcourse.problems.interface`: what a problem is (:data:`PROBLEM_TYPES`,
  :func:`is_problem`), the interface the training loop and the widgets rely on.
* :func:`minimize`, :class:`MinimizeResult` and :func:`clip_by_norm` live in
  :mod:`mlcourse.train` (``from mlcourse import train``); they are re-exported here so
  that code written before the move keeps working.
* :mod:`~mlcourse.problems.noise`: :func:`with_gradient_noise`, a problem whose
  gradients carry Gaussian noise (injected noise where there is no data to sample).
* :mod:`~mlcourse.problems.sparse`: :func:`sparse_features`, generated data whose
  features are on with very different frequencies (chapter 6, AdaGrad).
* :mod:`~mlcourse.problems.online`: :func:`reddi_counterexample` and
  :func:`run_online`, an online problem on which Adam does not converge (chapter 6).
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
from mlcourse.problems.interface import PROBLEM_TYPES, is_problem
from mlcourse.problems.models import DataProblem, linear_regression, logistic_regression, mlp
from mlcourse.problems.noise import with_gradient_noise
from mlcourse.problems.online import OnlineProblem, OnlineResult, reddi_counterexample, run_online
from mlcourse.problems.sparse import SparseData, sparse_features
from mlcourse.problems.counterexamples import Function1D, lessard_counterexample
from mlcourse.problems.groups import GroupData, group_dro, group_weighted, two_groups
from mlcourse.problems.per_example import input_gradients
from mlcourse.train import MinimizeResult, clip_by_norm, minimize

__all__ = [
    "DATASETS", "batches", "load_dataset",
    "Function2D", "beale", "quadratic", "rastrigin", "rosenbrock", "saddle",
    "MinimizeResult", "clip_by_norm", "minimize",
    "DataProblem", "linear_regression", "logistic_regression", "mlp",
    "with_gradient_noise",
    "OnlineProblem", "OnlineResult", "reddi_counterexample", "run_online",
    "SparseData", "sparse_features",
    "Function1D", "lessard_counterexample",
    "GroupData", "group_dro", "group_weighted", "two_groups",
    "input_gradients",
    "PROBLEM_TYPES", "is_problem",
]
