r"""Reading the trials of a search: which hyperparameters mattered.

:func:`main_effects` measures, for each hyperparameter on its own, how much of the
spread of the scores it explains (the correlation ratio of the ranks), the simplest
way to see the *low effective dimension* of Bergstra and Bengio (2012) in one's own
random-search results.
"""

from __future__ import annotations

import numbers

import numpy as np

from mlcourse._checks import check_int

__all__ = ["main_effects"]


def main_effects(configs, scores, bins=4) -> dict:
    r"""For each hyperparameter, the share of the variance of the scores' ranks that it explains alone.

    .. math::
        \eta^2_j = \frac{\sum_b n_b\, (\bar r_b - \bar r)^2}{\sum_k (r_k - \bar r)^2},

    where :math:`r_k` is the rank of trial :math:`k`'s score (ranks make one diverged
    run count as "worst", not as a million times worse), and the trials are grouped
    into ``bins`` groups :math:`b` of about equal size by the value of hyperparameter
    :math:`j` (one group per value when it takes ``bins`` values or fewer), with
    :math:`n_b` trials and mean rank :math:`\bar r_b` each. :math:`\eta^2_j = 0` when the
    groups do equally well, 1 when the hyperparameter alone orders the scores.

    Read it with its conditions: it needs independent draws (random search, not a
    grid, where the other hyperparameters are not averaged out, nor TPE, which
    samples where it did well); interactions (learning rate with momentum) are split
    between the two; and even a useless hyperparameter scores about
    :math:`(B - 1)/(n - 1)` on :math:`n` trials and :math:`B` groups, by chance.

    Args:
        configs: the trials' configurations (dicts with the same names).
        scores: their scores (lower is better; NaN counts as the worst).
        bins: the number of groups per hyperparameter.

    Returns ``{name: eta2}`` for every name whose values are numbers or hashable
    options and differ between trials.
    """
    configs = list(configs)
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1 or len(configs) != scores.size or scores.size < 2:
        raise ValueError(f"invalid scores with shape {scores.shape} for {len(configs)} configs, "
                         "expected one score per configuration and at least two")
    bins = check_int("bins", bins, low=2)
    from scipy.stats import rankdata  # here, not at import: every grading kernel imports mlcourse.search

    ranks = rankdata(np.where(np.isnan(scores), np.inf, scores))
    total = np.sum((ranks - ranks.mean()) ** 2)
    effects = {}
    for name in configs[0]:
        values = [c[name] for c in configs]
        distinct = list(dict.fromkeys(values))
        if len(distinct) < 2:
            continue
        if len(distinct) <= bins:
            groups = np.array([distinct.index(v) for v in values])
        elif all(isinstance(v, numbers.Real) for v in values):
            order = np.argsort(np.asarray(values, dtype=float), kind="stable")
            groups = np.empty(len(values), dtype=int)
            groups[order] = np.arange(len(values)) * bins // len(values)
        else:
            continue
        between = sum(np.sum(groups == g) * (ranks[groups == g].mean() - ranks.mean()) ** 2
                      for g in np.unique(groups))
        effects[name] = float(between / total) if total > 0 else 0.0
    return effects
