"""Audit findings over time: each audit against the previous audit of the same theme and borough.

Pure functions over audit records (see :mod:`lscb_analysis.qa.audit_analysis` for which
records count and what to say alongside the numbers), plus the board-tier protection of the
repeat-audit table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lscb_analysis.protect import disclosure_config
from lscb_analysis.qa.audit_analysis import (
    ANALYST_COLUMNS,
    CLUSTER_METHOD,
    ITEM_NOTE,
    check_columns,
    grade_distribution,
)
from lscb_analysis.stats.two_shares import compare_two_shares

TREND_TEST = (
    "A repeat audit is compared with the previous one of the theme in the borough by "
    "Newcombe's 95% interval for the change in the share good or better (Newcombe 1998, "
    "method 10) on each audit's effective counts; the verdict says beyond chance exactly when "
    "that interval excludes 0, and the p-value is the interval inverted."
)
# Worked out by lscb_analysis.stats.two_shares.compare_two_shares (see _change).


def compare_audits(
    records: pd.DataFrame, theme: str | None = None, borough: str | None = None
) -> pd.DataFrame:
    """Share good or better per audit, and whether each repeat audit differs from the last.

    Inputs: audit records from several audits; optional ``theme`` and ``borough`` filters
    (exact values of those columns, e.g. "neglect", "Barnet"). Audits are compared only with
    earlier audits of the same theme in the same borough, ordered by ``audit_date``.
    Output: one row per audit: ``borough, theme, audit_id, audit_date, graded, cases,
    good_or_better, good_or_better_pct, lower, upper`` (95%, the case as the cluster: see
    :func:`lscb_analysis.qa.audit_analysis.grade_distribution`), then against the previous
    audit: ``previous_audit``, ``change_pts`` (percentage points), ``change_lower``,
    ``change_upper`` (Newcombe 95% with each audit's effective counts), ``p_value`` (that
    interval inverted) and ``verdict``: "first audit", "improved (beyond chance)", "declined
    (beyond chance)", "higher, but within chance", "lower, but within chance" or "no change";
    beyond chance exactly when the interval excludes 0. Last, ``design_effect`` (analyst tier
    only). ``attrs["test"]`` names the method. Raises: InvalidArgumentError for a missing
    column.
    """
    columns = ["borough", "theme", "audit_id", "audit_date"]
    check_columns(records, [*columns, "status", "final_grade"])
    selected = records
    if theme is not None:
        selected = selected[selected["theme"] == theme]
    if borough is not None:
        selected = selected[selected["borough"] == borough]
    table = grade_distribution(selected, by=columns)
    out_columns = [
        "borough",
        "theme",
        "audit_id",
        "audit_date",
        "graded",
        "cases",
        "good_or_better",
        "good_or_better_pct",
        "lower",
        "upper",
        "previous_audit",
        "change_pts",
        "change_lower",
        "change_upper",
        "p_value",
        "verdict",
        *ANALYST_COLUMNS,
    ]
    rows = []
    ordered = table.assign(_date=pd.to_datetime(table["audit_date"], errors="coerce"))
    ordered = ordered.sort_values(["borough", "theme", "_date", "audit_id"])
    for _, group in ordered.groupby(["borough", "theme"], sort=False, dropna=False):
        previous = None
        for row in group.itertuples(index=False):
            item = {c: getattr(row, c) for c in [*out_columns[:10], *ANALYST_COLUMNS]}
            item.update(
                previous_audit="",
                change_pts=np.nan,
                change_lower=np.nan,
                change_upper=np.nan,
                p_value=np.nan,
                verdict="first audit",
            )
            if previous is not None:
                item.update(_change(row, previous))
            rows.append(item)
            previous = row
    result = pd.DataFrame(rows, columns=out_columns)
    sources = ["good_or_better", "graded"]
    result.attrs.update(
        test=TREND_TEST,
        method=CLUSTER_METHOD,
        note=ITEM_NOTE,
        analyst_columns=list(ANALYST_COLUMNS),
        count_columns=["good_or_better", "graded"],
        rates={
            "cases": sources,
            "good_or_better_pct": sources,
            "lower": sources,
            "upper": sources,
            "change_pts": sources,
            "change_lower": sources,
            "change_upper": sources,
            "p_value": sources,
            "design_effect": sources,
        },
    )
    return result


REPEAT_DERIVED = (
    "graded",
    "cases",
    "good_or_better",
    "good_or_better_pct",
    "lower",
    "upper",
    "change_pts",
    "change_lower",
    "change_upper",
    "p_value",
)
CHANGE_DERIVED = ("change_pts", "change_lower", "change_upper", "p_value")


def protect_repeat_audits(
    sections: pd.DataFrame, repeats: pd.DataFrame, tier: str = disclosure_config.DEFAULT_TIER
) -> pd.DataFrame:
    """Secondary suppression across tables: repeat-audit totals against section counts.

    An audit's totals in the repeat-audit table (graded, good or better) are the sums of its
    sections' counts, and a change is the difference from the previous audit, so either could
    give a suppressed section count back. Inputs: ``sections`` (the board table of
    :func:`grade_distribution` by ``["audit_id", "section"]`` after :func:`for_tier`),
    ``repeats`` (the board table of :func:`compare_audits` after :func:`for_tier`), ``tier``.
    Output: a copy of ``repeats`` where every audit with a suppressed section count shows the
    symbol for ``REPEAT_DERIVED``, and a row whose previous audit is suppressed shows it for
    ``CHANGE_DERIVED``; the verdict of a row whose change is suppressed is suppressed with it
    (it says which way the change went). The analyst tier is returned unchanged. Raises:
    ParameterError.
    """
    if disclosure_config.validate_tier(tier) == "analyst" or repeats.empty or sections.empty:
        return repeats
    symbol = disclosure_config.load_disclosure_rules().symbol
    counts = [c for c in sections.attrs.get("count_columns", []) if c in sections.columns]
    hit = sections[counts].astype(object).eq(symbol).any(axis=1)
    suppressed = set(sections.loc[hit, "audit_id"])
    hit_rows = repeats["good_or_better"].astype(object).eq(symbol)
    suppressed |= set(repeats.loc[hit_rows, "audit_id"])
    out = repeats.copy()
    for columns, rows in (
        (REPEAT_DERIVED, out["audit_id"].isin(suppressed)),
        (CHANGE_DERIVED, out["previous_audit"].isin(suppressed)),
    ):
        for column in columns:
            values = out[column].astype(object)
            values[rows & values.notna()] = symbol
            out[column] = values
    if "verdict" in out.columns and "change_pts" in out.columns:
        # The verdict says which way the change went: it goes with the change it describes.
        hidden = out["change_pts"].astype(object).eq(symbol) & out["verdict"].ne("first audit")
        out["verdict"] = out["verdict"].astype(object).where(~hidden, symbol)
    return out


def _change(row, previous) -> dict:
    """This audit against the previous one: Newcombe with effective counts (one method)."""
    comparison = compare_two_shares(
        row.good_or_better,
        row.graded,
        previous.good_or_better,
        previous.graded,
        row.design_effect,
        previous.design_effect,
    ).iloc[0]
    change = 100 * (row.good_or_better / row.graded - previous.good_or_better / previous.graded)
    if bool(comparison["significant"]):
        verdict = "improved (beyond chance)" if change > 0 else "declined (beyond chance)"
    elif change > 0:
        verdict = "higher, but within chance"
    elif change < 0:
        verdict = "lower, but within chance"
    else:
        verdict = "no change"
    return {
        "previous_audit": previous.audit_id,
        "change_pts": change,
        "change_lower": float(comparison["lower"]),
        "change_upper": float(comparison["upper"]),
        "p_value": float(comparison["p_value"]),
        "verdict": verdict,
    }
