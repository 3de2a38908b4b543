"""The borough's own series of one PI, the points its SPC chart and trend are computed from.

Quarterly pilot values for local PIs (:func:`pilot_series`), published annual figures for national
PIs (:func:`national_series`); :func:`series_kind` names which.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from lscb_analysis.pilot import pilot_periods
from lscb_analysis.published.public_data import OK, period_label
from lscb_analysis.scorecard.pilot_values import USABLE


def series_kind(source_type: str, frequency: str) -> str:
    """The kind of period of a PI's series: "year" for national PIs, else by frequency
    ("half" for six-monthly, "year" for annual, "quarter" otherwise)."""
    if source_type == "national":
        return "year"
    return {"six-monthly": "half", "annual": "year"}.get(frequency, "quarter")


def national_series(
    public: pd.DataFrame, indicator: str, la_number: str, last_year: int
) -> pd.DataFrame:
    """One national PI's published annual figures for the borough, every year from the first
    published up to ``last_year`` (a year not published is ``not_published``).

    Output columns: period (DfE year label), order (the year), numerator, denominator, value
    (only where the status is ok), state (the published status), estimated (False), narrative.
    """
    rows = public[
        (public["indicator"] == indicator)
        & (public["la_number"] == la_number)
        & (public["period"] <= last_year)
    ].drop_duplicates("period")
    if rows.empty:
        return pd.DataFrame(
            columns=[
                "period",
                "order",
                "numerator",
                "denominator",
                "value",
                "state",
                "estimated",
                "narrative",
            ]
        )
    years = range(int(rows["period"].min()), last_year + 1)
    rows = rows.set_index("period").reindex(years)
    state = rows["status"].fillna("not_published").astype(str)
    return pd.DataFrame(
        {
            "period": [period_label(y) for y in years],
            "order": list(years),
            "numerator": rows["numerator"].to_numpy(dtype=float),
            "denominator": rows["denominator"].to_numpy(dtype=float),
            "value": rows["value"].where(state == OK).to_numpy(dtype=float),
            "state": state.to_numpy(),
            "estimated": False,
            "narrative": "",
        }
    )


def pilot_series(
    pilot: pd.DataFrame, pi_id: str, cutoff: str, frequency: str, pilot_rules: Mapping
) -> pd.DataFrame:
    """One local PI's quarters of its cycle, from the first returned to the last cycle quarter
    up to ``cutoff`` (so the last row is the score card's latest period: a quarter not
    returned is ``not_returned``, one marked not yet due ``not_yet_due``)."""
    own = pilot[(pilot["pi_id"] == pi_id) & pilot["period"].str.match(r"^\d{4}Q[1-4]$")]
    due_later = set(own.loc[own["state"] == "not_yet_due", "period"])
    rows = own[own["state"] != "not_yet_due"]
    rows = rows.assign(order=rows["period"].map(pilot_periods.period_index))
    rows = rows[rows["order"] <= pilot_periods.period_index(cutoff)]
    if rows.empty:
        return pd.DataFrame(
            columns=[
                "period",
                "order",
                "numerator",
                "denominator",
                "value",
                "state",
                "estimated",
                "narrative",
            ]
        )
    rows = rows.sort_values(
        ["order", "state"], key=lambda s: s if s.name == "order" else s.eq(USABLE)
    ).drop_duplicates("order", keep="last")
    quarters = set(pilot_rules["periods"]["cycle_quarters"].get(frequency, [1, 2, 3, 4]))
    grid = [
        i
        for i in range(int(rows["order"].min()), pilot_periods.period_index(cutoff) + 1)
        if i % 4 + 1 in quarters or i in set(rows["order"])
    ]
    rows = rows.set_index("order").reindex(grid)
    due = pd.Series(
        [pilot_periods.period_from_index(i) in due_later for i in grid], index=rows.index
    )
    state = rows["state"].fillna(due.map({True: "not_yet_due", False: "not_returned"}))
    state = state.astype(str)
    return pd.DataFrame(
        {
            "period": [pilot_periods.period_from_index(i) for i in grid],
            "order": grid,
            "numerator": rows["numerator"].to_numpy(dtype=float),
            "denominator": rows["denominator"].to_numpy(dtype=float),
            "value": rows["value"].where(state == USABLE).to_numpy(dtype=float),
            "state": state.to_numpy(),
            "estimated": rows["estimated"].fillna(False).astype(bool).to_numpy(),
            "narrative": rows["narrative"].fillna("").astype(str).to_numpy(),
        }
    )
