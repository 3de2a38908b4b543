"""Audit findings: agreement between auditors (weighted kappa) and what moderation changed.

Pure functions over audit records (see :mod:`lscb_analysis.qa.audit_analysis` for which
records count and what to say alongside the numbers): a DataFrame in, a new DataFrame out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import cohens_kappa

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.qa import audit
from lscb_analysis.qa.audit_analysis import (
    ITEM_NOTE,
    as_columns,
    by_case,
    check_columns,
    rank_of,
    sorted_table,
)

KAPPA_METHOD = (
    "Cohen's kappa with linear weights (statsmodels.stats.inter_rater.cohens_kappa, "
    "wt='linear'; grades equally spaced), 95% interval from its asymptotic standard error, "
    "clipped to [-1, 1]."
)
LANDIS_KOCH = (
    (0.0, "poor"),
    (0.2, "slight"),
    (0.4, "fair"),
    (0.6, "moderate"),
    (0.8, "substantial"),
    (1.0001, "almost perfect"),
)


def weighted_kappa(
    first: Sequence[str], second: Sequence[str], categories: Sequence[str] | None = None
) -> dict:
    """Linearly weighted Cohen's kappa between two raters, with its 95% interval.

    Inputs: the two raters' grades for the same items (equal length), and the ordered
    categories (None: the grades best first). Every category is kept in the table, so the
    weights are |i - j| / (k - 1) whatever grades happen to be used.
    Output: dict with ``n``, ``agreed`` (exactly the same grade), ``kappa``, ``se``,
    ``lower``, ``upper`` (NaN when fewer than two items, or when every grade is the same so
    kappa is undefined), ``table`` (k x k counts, first rater in rows) and ``note``.
    Raises: InvalidArgumentError for lists of different length or a grade not in the
    categories.

    >>> k = weighted_kappa(["Good", "Good", "Inadequate", "Good"],
    ...                    ["Good", "Requires improvement", "Inadequate", "Good"])
    >>> round(k["kappa"], 4), k["agreed"]
    (0.7143, 3)
    """
    categories = list(categories) if categories is not None else audit.grade_names()
    a, b = list(first), list(second)
    if len(a) != len(b):
        raise InvalidArgumentError(
            f"The two raters' lists differ in length ({len(a)} and {len(b)}); pair them first."
        )
    position = {c: n for n, c in enumerate(categories)}
    unknown = sorted({str(g) for g in a + b if g not in position})
    if unknown:
        raise InvalidArgumentError(
            f"Grades {', '.join(unknown)} are not among {', '.join(categories)}."
        )
    table = np.zeros((len(categories), len(categories)))
    for x, y in zip(a, b, strict=True):
        table[position[x], position[y]] += 1
    n = len(a)
    result = {
        "n": n,
        "agreed": int(np.trace(table)),
        "kappa": np.nan,
        "se": np.nan,
        "lower": np.nan,
        "upper": np.nan,
        "table": table,
        "note": "",
    }
    if n < 2:
        result["note"] = "fewer than two double-marked answers"
        return result
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    weights = np.abs(np.subtract.outer(np.arange(len(categories)), np.arange(len(categories))))
    if (weights * np.outer(rows, cols)).sum() == 0:
        result["note"] = "every answer has the same grade, so kappa is undefined"
        return result
    with np.errstate(invalid="ignore", divide="ignore"):
        fit = cohens_kappa(table, wt="linear")
    se = float(fit["std_kappa"]) if np.isfinite(fit["std_kappa"]) else np.nan
    result.update(
        kappa=float(fit["kappa"]),
        se=se,
        lower=max(-1.0, float(fit["kappa_low"])) if np.isfinite(se) else np.nan,
        upper=min(1.0, float(fit["kappa_upp"])) if np.isfinite(se) else np.nan,
    )
    return result


def kappa_strength(kappa: float) -> str:
    """Landis and Koch's words for a kappa value ("" when missing).

    >>> kappa_strength(0.45), kappa_strength(-0.1), kappa_strength(float("nan"))
    ('moderate', 'poor', '')
    """
    if kappa is None or not np.isfinite(kappa):
        return ""
    if kappa < 0:
        return "poor"
    return next(label for limit, label in LANDIS_KOCH[1:] if kappa <= limit)


AGREEMENT_COLUMNS = (
    "items",
    "cases",
    "agreed",
    "agreement_pct",
    "agreement_lower",
    "agreement_upper",
    "within_one_pct",
    "kappa",
    "kappa_lower",
    "kappa_upper",
    "kappa_se",
    "strength",
    "note",
)


def auditor_agreement(records: pd.DataFrame, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Agreement between first and second auditors on double-marked answers.

    Inputs: audit records; ``by`` (e.g. "agency", "section", ["audit_id"]; None for one row).
    Answers count when status is "ok" and both ``grade`` and ``second_grade`` are grades (not
    "Not applicable"). Output: one row per group: the ``by`` columns, ``items`` (double-marked
    answers), ``cases``, ``agreed`` (same grade), ``agreement_pct`` with its 95% interval
    with the case as the cluster (``agreement_lower``, ``agreement_upper``:
    :func:`lscb_analysis.qa.audit_analysis.by_case`), ``within_one_pct`` (grades at most one step
    apart), ``kappa`` (linearly weighted Cohen's kappa, :func:`weighted_kappa`),
    ``kappa_lower``, ``kappa_upper``, ``kappa_se``, ``strength`` (Landis and Koch) and
    ``note``. ``attrs``: ``method``, ``count_columns``, ``rates``, ``note``. Groups with no
    double-marked answer are left out. Raises: InvalidArgumentError for a missing column.
    """
    config = audit.audit_config()
    columns = as_columns(by)
    check_columns(records, [*columns, "status", "grade", "second_grade", "case"])
    ranks = audit.grade_ranks(config)
    pairs = records[
        (records["status"] == "ok")
        & records["grade"].isin(list(ranks))
        & records["second_grade"].isin(list(ranks))
    ]
    rows = []
    groups = pairs.groupby(columns, dropna=False) if columns else [((), pairs)]
    for key, group in groups:
        if group.empty:
            continue
        key = key if isinstance(key, tuple) else (key,)
        k = weighted_kappa(group["grade"], group["second_grade"], audit.grade_names(config))
        steps = (rank_of(group["grade"], config) - rank_of(group["second_grade"], config)).abs()
        ci = by_case(group["grade"] == group["second_grade"], group["case"]).iloc[0]
        rows.append(
            {
                **dict(zip(columns, key, strict=True)),
                "items": k["n"],
                "cases": group["case"].nunique(),
                "agreed": k["agreed"],
                "agreement_pct": ci["value"],
                "agreement_lower": ci["lower"],
                "agreement_upper": ci["upper"],
                "within_one_pct": 100 * float((steps <= 1).mean()),
                "kappa": k["kappa"],
                "kappa_lower": k["lower"],
                "kappa_upper": k["upper"],
                "kappa_se": k["se"],
                "strength": kappa_strength(k["kappa"]),
                "note": k["note"],
            }
        )
    table = sorted_table(
        pd.DataFrame(rows, columns=[*columns, *AGREEMENT_COLUMNS]), columns, config
    )
    table.attrs.update(
        method=KAPPA_METHOD,
        note=ITEM_NOTE,
        count_columns=["items", "cases", "agreed"],
        rates={
            "agreement_pct": ["agreed"],
            "agreement_lower": ["agreed"],
            "agreement_upper": ["agreed"],
            "within_one_pct": ["items"],
            "kappa": ["items"],
            "kappa_lower": ["items"],
            "kappa_upper": ["items"],
            "kappa_se": ["items"],
        },
    )
    return table


MODERATION_COLUMNS = (
    "moderated",
    "confirmed",
    "moved_up",
    "moved_down",
    "changed",
    "changed_pct",
    "changed_lower",
    "changed_upper",
    "direction",
)


def moderation_summary(
    records: pd.DataFrame, by: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """How often moderation moved the auditor's grade, and which way.

    Inputs: audit records; ``by`` (None for one row). Answers count when status is "ok" and
    both ``grade`` and ``moderated_grade`` are grades. Output: one row per group: the ``by``
    columns, ``moderated``, ``confirmed``, ``moved_up`` (moderated grade better than the
    auditor's), ``moved_down``, ``changed`` (up + down), ``changed_pct`` with its 95%
    interval with the case as the cluster (``changed_lower``, ``changed_upper``:
    :func:`lscb_analysis.qa.audit_analysis.by_case`) and ``direction`` (a sentence: mostly
    down means auditors graded more generously than moderation agreed). ``attrs``:
    ``count_columns``, ``rates`` and ``column_total`` ("moderated" = confirmed + moved_up +
    moved_down) for :func:`for_tier`, and ``note``. Raises: InvalidArgumentError for a
    missing column.

    >>> r = pd.DataFrame({"status": "ok", "case": ["a", "a", "b", "c"],
    ...     "grade": ["Good", "Good", "Inadequate", "Good"],
    ...     "moderated_grade": ["Requires improvement", "Good", "Requires improvement", ""]})
    >>> moderation_summary(r)[["moderated", "confirmed", "moved_up", "moved_down"]]
       moderated  confirmed  moved_up  moved_down
    0          3          1         1           1
    """
    config = audit.audit_config()
    columns = as_columns(by)
    check_columns(records, [*columns, "status", "case", "grade", "moderated_grade"])
    ranks = audit.grade_ranks(config)
    moderated = records[
        (records["status"] == "ok")
        & records["grade"].isin(list(ranks))
        & records["moderated_grade"].isin(list(ranks))
    ].copy()
    moderated["step"] = rank_of(moderated["moderated_grade"], config) - rank_of(
        moderated["grade"], config
    )
    rows = []
    groups = moderated.groupby(columns, dropna=False) if columns else [((), moderated)]
    for key, group in groups:
        if group.empty:
            continue
        key = key if isinstance(key, tuple) else (key,)
        up, down = int((group["step"] > 0).sum()), int((group["step"] < 0).sum())
        total = len(group)
        ci = by_case(group["step"] != 0, group["case"]).iloc[0]
        if up + down == 0:
            direction = "moderation confirmed every grade it looked at"
        elif down > up:
            direction = "mostly down: auditors graded more generously than moderation agreed"
        elif up > down:
            direction = "mostly up: auditors graded more harshly than moderation agreed"
        else:
            direction = "as many up as down"
        rows.append(
            {
                **dict(zip(columns, key, strict=True)),
                "moderated": total,
                "confirmed": total - up - down,
                "moved_up": up,
                "moved_down": down,
                "changed": up + down,
                "changed_pct": ci["value"],
                "changed_lower": ci["lower"],
                "changed_upper": ci["upper"],
                "direction": direction,
            }
        )
    table = sorted_table(
        pd.DataFrame(rows, columns=[*columns, *MODERATION_COLUMNS]), columns, config
    )
    table.attrs.update(
        note=ITEM_NOTE,
        count_columns=["confirmed", "moved_up", "moved_down", "moderated"],
        column_total="moderated",
        rates={
            "changed": ["moved_up", "moved_down"],
            "changed_pct": ["moved_up", "moved_down"],
            "changed_lower": ["moved_up", "moved_down"],
            "changed_upper": ["moved_up", "moved_down"],
        },
    )
    return table


def moderation_matrix(records: pd.DataFrame) -> pd.DataFrame:
    """Cross-table of auditor grade (rows) against moderated grade (columns), best first.

    Input: audit records (status "ok", both grades real grades). Output: a square DataFrame of
    counts indexed by grade, with ``Total`` row and column; the cells above the diagonal are
    grades moderation moved down. For a board output use
    ``disclosure.table_for_tier(m, row_total="Total", column_total="Total")``.
    Raises: InvalidArgumentError for a missing column.
    """
    check_columns(records, ["status", "grade", "moderated_grade"])
    grades = audit.grade_names()
    moderated = records[
        (records["status"] == "ok")
        & records["grade"].isin(grades)
        & records["moderated_grade"].isin(grades)
    ]
    matrix = pd.crosstab(
        pd.Categorical(moderated["grade"], categories=grades),
        pd.Categorical(moderated["moderated_grade"], categories=grades),
        dropna=False,
    )
    matrix = matrix.reindex(index=grades, columns=grades, fill_value=0).astype(int)
    matrix.index.name, matrix.columns.name = "auditor grade", "moderated grade"
    matrix["Total"] = matrix.sum(axis=1)
    matrix.loc["Total"] = matrix.sum(axis=0)
    return matrix
