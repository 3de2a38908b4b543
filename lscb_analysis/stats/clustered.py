"""A share of answers nested in clusters (audit answers about cases), with a clustered interval.

Answers about the same case are alike, so a share of answers has less information than its
number of answers suggests. The methods here, in the order they are applied:

1. **Intra-cluster correlation** (``icc``): the one-way analysis-of-variance estimator for
   binary outcomes (Fleiss 1981; Donner & Klar 2000, *Design and Analysis of Cluster
   Randomization Trials*, section 5.2; Ridout, Demétrio & Firth 1999, estimator "ANOVA"),
   with ``k`` clusters of sizes ``m_i``, ``y_i`` events in cluster ``i`` and ``N = sum m_i``::

       MSB = (sum y_i**2 / m_i - (sum y_i)**2 / N) / (k - 1)
       MSW = (sum y_i - sum y_i**2 / m_i) / (N - k)
       m0  = (N - sum m_i**2 / N) / (k - 1)
       icc = (MSB - MSW) / (MSB + (m0 - 1) * MSW), floored at 0.

2. **Design effect** for unequal cluster sizes (Kish 1965, *Survey Sampling*, section 5.4;
   Eldridge, Ashby & Kerry 2006, Int J Epidemiol 35:1292): ``1 + (m_w - 1) * icc`` with
   ``m_w = sum m_i**2 / N`` (= ``(1 + cv**2) * m_bar`` with the cluster sizes' coefficient of
   variation ``cv`` computed with divisor ``k``). With equal sizes it is ``1 + (m - 1) * icc``.

3. **Effective sample size** ``N / design_effect`` (Kish 1965) and **Wilson score interval**
   with it: the events and answers are both divided by the design effect and the interval is
   :func:`lscb_analysis.stats.intervals.proportion_ci` of those effective counts, as Donner &
   Klar (2000, section 5.3) adjust a binomial analysis by the design effect. With one answer
   per case the design effect is exactly 1 and the interval is the plain Wilson interval.

When the correlation cannot be estimated (one case only, or every answer the same so both
mean squares are 0), the design effect is the one of a correlation of 1 (``m_w``): each case
then counts for about one answer. That is the conservative choice a reviewer expects; column
``design_effect_basis`` says which rule applied.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.stats.inputs import (
    check_confidence,
    check_multiplier,
    check_not_negative,
    check_numerator_within_denominator,
    check_positive,
    to_float_array,
)
from lscb_analysis.stats.intervals import proportion_ci

__all__ = [
    "CLUSTERED_COLUMNS",
    "anova_icc",
    "clustered_proportion",
    "clustered_share",
    "design_effect",
]

CLUSTERED_COLUMNS = (
    "answers",
    "cases",
    "events",
    "value",
    "icc",
    "design_effect",
    "effective_n",
    "lower",
    "upper",
    "design_effect_basis",
)
ESTIMATED = "estimated intra-case correlation"
ONE_PER_CASE = "one answer per case"
CASE_AS_UNIT = "case as the unit (correlation not estimable)"


def anova_icc(events, answers) -> float:
    """The ANOVA estimate of the intra-cluster correlation of a binary outcome, floored at 0.

    Inputs: ``events`` and ``answers`` per cluster (equal-length array-likes of counts,
    ``0 <= events <= answers``, ``answers >= 1``). Output: a float in [0, 1], NaN when it
    cannot be estimated (fewer than two clusters, one answer in every cluster, or both mean
    squares 0). The formula is in the module docstring (Donner & Klar 2000, section 5.2).
    Raises: InvalidArgumentError for invalid counts (see :func:`clustered_share`).

    >>> round(anova_icc([2, 0, 1], [2, 2, 2]), 12)  # MSB 0.5, MSW 1/6, m0 2: (1/3) / (2/3)
    0.5
    """
    y, m = _cluster_counts(events, answers)
    k, n = len(m), m.sum()
    if k < 2 or n <= k:
        return float("nan")
    sum_sq = float((y**2 / m).sum())
    msb = (sum_sq - y.sum() ** 2 / n) / (k - 1)
    msw = (y.sum() - sum_sq) / (n - k)
    m0 = (n - (m**2).sum() / n) / (k - 1)
    denominator = msb + (m0 - 1) * msw
    if denominator <= 0:
        return float("nan")
    return float(min(1.0, max(0.0, (msb - msw) / denominator)))


def design_effect(answers, icc: float) -> float:
    """Kish's design effect for clusters of unequal size: ``1 + (sum m**2 / N - 1) * icc``.

    Inputs: ``answers`` per cluster (array-like of sizes >= 1) and ``icc`` (0 to 1). Output:
    the design effect (>= 1). Raises: InvalidArgumentError for sizes below 1 or an ``icc``
    outside [0, 1].

    >>> design_effect([2, 2, 2], 0.5), design_effect([4, 1, 1], 0.5)  # m_w 2; m_w 18/6 = 3
    (1.5, 2.0)
    """
    m = to_float_array(answers, "answers")
    check_positive(m, "answers")
    if not 0 <= icc <= 1:
        raise InvalidArgumentError(f"icc must be between 0 and 1; got {icc!r}.")
    return float(1 + ((m**2).sum() / m.sum() - 1) * icc)


def clustered_share(events, answers, confidence=0.95, multiplier=100) -> pd.DataFrame:
    """One share of answers nested in clusters, with its design effect and clustered interval.

    Args:
        events: events (answers with the outcome) per cluster, array-like of counts.
        answers: answers per cluster (same length), each >= 1 and >= its events.
        confidence: two-sided confidence level, strictly between 0.9 and 1.
        multiplier: scale of ``value``, ``lower`` and ``upper`` (100: percentages).

    Returns:
        A one-row DataFrame with :data:`CLUSTERED_COLUMNS`: ``answers`` (N), ``cases`` (k),
        ``events``, ``value`` (events / answers x multiplier), ``icc`` (:func:`anova_icc`, NaN
        when not estimable), ``design_effect`` (:func:`design_effect`; with ``icc`` 1 when
        the correlation is not estimable), ``effective_n`` (N / design effect), ``lower`` and
        ``upper`` (Wilson with the effective counts) and ``design_effect_basis``. No cluster
        gives a row of NaN with ``answers`` and ``cases`` 0. ``attrs``: ``confidence``,
        ``multiplier``, ``method``.

    Raises:
        InvalidArgumentError: negative events, answers below 1, events above answers,
            lists of different length, a bad confidence or multiplier.

    Example (the hand calculation of :func:`anova_icc`: design effect 1.5, so 3 of 6
    answers count as 2 of 4):
        >>> clustered_share([2, 0, 1], [2, 2, 2]).round(2).T.iloc[:9, 0].to_dict()
        {'answers': 6, 'cases': 3, 'events': 3, 'value': 50.0, 'icc': 0.5, 'design_effect': 1.5, 'effective_n': 4.0, 'lower': 15.0, 'upper': 85.0}
    """
    level = check_confidence(confidence)
    scale = check_multiplier(multiplier)
    y, m = _cluster_counts(events, answers)
    n, k = int(m.sum()), len(m)
    if k == 0:
        row = dict.fromkeys(CLUSTERED_COLUMNS, np.nan)
        row.update(answers=0, cases=0, events=0, design_effect_basis="")
        return _frame([row], level, scale)
    icc = anova_icc(y, m)
    if (m == 1).all():
        basis, used = ONE_PER_CASE, 0.0
    elif np.isnan(icc):
        basis, used = CASE_AS_UNIT, 1.0
    else:
        basis, used = ESTIMATED, icc
    effect = design_effect(m, used)
    interval = proportion_ci(y.sum() / effect, n / effect, confidence=level, multiplier=scale)
    row = {
        "answers": n,
        "cases": k,
        "events": int(round(y.sum())),
        "value": y.sum() / n * scale,
        "icc": icc,
        "design_effect": effect,
        "effective_n": n / effect,
        "lower": float(interval["lower"].iloc[0]),
        "upper": float(interval["upper"].iloc[0]),
        "design_effect_basis": basis,
    }
    return _frame([row], level, scale)


def clustered_proportion(
    outcome, cluster, group=None, confidence=0.95, multiplier=100
) -> pd.DataFrame:
    """Shares of per-answer 0/1 outcomes with the cluster (case) as the unit of correlation.

    Args:
        outcome: one value per answer: 1 (or True) for an event, 0 (False) otherwise; a
            missing outcome leaves that answer out.
        cluster: the cluster (case) of each answer, same length; any hashable id (text).
        group: optional group label of each answer (same length): one share per group, each
            with its own correlation and design effect. None: one share of all answers.
        confidence, multiplier: as :func:`clustered_share`.

    Returns:
        One row per group (the group labels as the index, in order of first appearance; a
        ``RangeIndex`` of one row without groups) with :data:`CLUSTERED_COLUMNS`, each as
        :func:`clustered_share` computes it from the group's per-cluster counts.

    Raises:
        InvalidArgumentError: an outcome other than 0 or 1, a missing cluster id, inputs of
            different length, a bad confidence or multiplier.

    >>> clustered_proportion([1, 1, 0, 0, 1, 0], ["a", "a", "b", "b", "c", "c"])[
    ...     ["answers", "cases", "icc", "design_effect"]]
       answers  cases  icc  design_effect
    0        6      3  0.5            1.5
    """
    values = to_float_array(outcome, "outcome")
    ids = pd.Series(np.asarray(cluster, dtype=object).ravel())
    labels = (
        pd.Series(0, index=ids.index)
        if group is None
        else pd.Series(np.asarray(group, dtype=object).ravel())
    )
    if not len(values) == len(ids) == len(labels):
        raise InvalidArgumentError(
            f"outcome, cluster and group must have the same length; got {len(values)}, "
            f"{len(ids)} and {len(labels)}."
        )
    bad = ~np.isnan(values) & ~np.isin(values, (0.0, 1.0))
    if bad.any():
        raise InvalidArgumentError(
            f"outcome must be 0 or 1 for each answer; position {int(np.flatnonzero(bad)[0])} "
            "is not. Code the answers as 1 (event) or 0 first."
        )
    if ids.isna().any():
        raise InvalidArgumentError(
            f"cluster is missing at position {int(np.flatnonzero(ids.isna())[0])}; every "
            "answer needs its case, or leave the answer out."
        )
    frame = pd.DataFrame({"y": values, "cluster": ids, "group": labels})
    order = list(dict.fromkeys(labels))
    rows = []
    for label in order:
        part = frame[(frame["group"] == label) & frame["y"].notna()]
        counts = part.groupby("cluster", sort=False)["y"].agg(["sum", "size"])
        rows.append(clustered_share(counts["sum"], counts["size"], confidence, multiplier).iloc[0])
    result = pd.DataFrame(rows, columns=list(CLUSTERED_COLUMNS))
    result.index = pd.Index(order) if group is not None else pd.RangeIndex(len(order))
    result = _typed(result)
    level, scale = check_confidence(confidence), check_multiplier(multiplier)
    result.attrs.update(confidence=level, multiplier=scale, method=METHOD)
    return result


METHOD = (
    "Wilson score interval with the effective sample size: answers divided by the design "
    "effect 1 + (m_w - 1) x ICC (Kish 1965, unequal case sizes, m_w = sum of squared answers "
    "per case / answers), ICC by one-way ANOVA floored at 0 (Donner & Klar 2000)."
)


def _cluster_counts(events, answers) -> tuple[np.ndarray, np.ndarray]:
    """Checked per-cluster events and answers as float arrays (clusters with no answer dropped)."""
    y = np.atleast_1d(to_float_array(events, "events"))
    m = np.atleast_1d(to_float_array(answers, "answers"))
    if len(y) != len(m):
        raise InvalidArgumentError(
            f"events and answers must have one value per cluster each; got {len(y)} and {len(m)}."
        )
    if np.isnan(y).any() or np.isnan(m).any():
        raise InvalidArgumentError(
            "events and answers per cluster must not be missing; leave the cluster out."
        )
    check_not_negative(y, "events")
    check_positive(m, "answers")
    check_numerator_within_denominator(y, m, "events", "answers")
    return y, m


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in ("answers", "cases", "events"):
        frame[column] = frame[column].astype(int)
    for column in ("value", "icc", "design_effect", "effective_n", "lower", "upper"):
        frame[column] = frame[column].astype(float)
    frame["design_effect_basis"] = frame["design_effect_basis"].astype(str)
    return frame


def _frame(rows: list[dict[Hashable, object]], level: float, scale: float) -> pd.DataFrame:
    frame = _typed(pd.DataFrame(rows, columns=list(CLUSTERED_COLUMNS)))
    frame.attrs.update(confidence=level, multiplier=scale, method=METHOD)
    return frame
