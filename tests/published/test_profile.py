"""The borough profile's tables, on small hand-built tables shaped like public_indicators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lscb_analysis.core import register
from lscb_analysis.core.errors import ParameterError
from lscb_analysis.published import profile

LONDON = register.london_boroughs()
BARNET = register.resolve("Barnet")


def table_for(
    indicator: str,
    values_2025: dict[str, float],
    values_2024=None,
    unit="percent",
    england=20.0,
    london=19.0,
) -> pd.DataFrame:
    """A public_indicators-shaped table: every London borough, London and England."""
    rows = []
    for period, given in ((2025, values_2025), (2024, values_2024 or {})):
        for i, la in enumerate(LONDON):
            value = given.get(la.la_number, 10.0 + i)
            status = "ok" if not (isinstance(value, str)) else value
            rows.append(
                {
                    "indicator": indicator,
                    "period": period,
                    "la_number": la.la_number,
                    "area_code": la.ons_code,
                    "area_name": la.name,
                    "area_type": "la",
                    "numerator": np.nan,
                    "denominator": np.nan,
                    "value": np.nan if status != "ok" else float(value),
                    "unit": unit,
                    "status": status,
                }
            )
        for code, name, area_type, value in (
            ("E12000007", "London", "region", london),
            ("E92000001", "England", "england", england),
        ):
            rows.append(
                {
                    "indicator": indicator,
                    "period": period,
                    "la_number": pd.NA,
                    "area_code": code,
                    "area_name": name,
                    "area_type": area_type,
                    "numerator": np.nan,
                    "denominator": np.nan,
                    "value": value,
                    "unit": unit,
                    "status": "ok",
                }
            )
    return pd.DataFrame(rows)


def test_rank_follows_polarity():
    table = table_for("rereferral_pct", {"302": 5.0})  # the lowest re-referral rate in London
    rows = table[table["period"] == 2025]
    assert profile.london_rank(rows, "302", "low") == (1, 33)
    assert profile.london_rank(rows, "302", "high") == (33, 33)
    assert profile.london_rank(rows, "302", "none") == (33, 33)  # 1 = highest


def test_rank_ties_share_the_better_rank_and_missing_is_not_ranked():
    table = table_for("rereferral_pct", {"302": "suppressed", "201": 10.0, "202": 10.0})
    rows = table[table["period"] == 2025]
    assert profile.london_rank(rows, "302", "low") == (None, 32)
    assert profile.london_rank(rows, "201", "low")[0] == profile.london_rank(rows, "202", "low")[0]


def test_headline_shows_value_comparators_and_neighbour_mean():
    neighbours = {n: 30.0 for n in BARNET.neighbours}
    neighbours[BARNET.neighbours[0]] = 40.0
    table = table_for("rereferral_pct", {"302": 14.85, **neighbours})
    headline = profile.headline_table(table, BARNET, 2025).set_index("indicator")
    row = headline.loc["rereferral_pct"]
    assert row["borough"] == "14.9%"  # half up, as DfE rounds
    assert row["england"] == "20.0%" and row["london"] == "19.0%"
    london_neighbours = [n for n in BARNET.neighbours if n in {la.la_number for la in LONDON}]
    # Neighbours outside London are not in this small table: the mean uses those with data.
    assert row["neighbours_used"] == f"{len(london_neighbours)} of 10"
    expected = (40.0 + 30.0 * (len(london_neighbours) - 1)) / len(london_neighbours)
    assert row["neighbours"] == f"{expected:.1f}%"
    assert row["london_rank"].endswith("of 33") and row["rank_basis"] == "1 = best"
    assert row["year"] == "2024-25"


def test_headline_shows_the_reason_for_a_suppressed_value():
    table = table_for("rereferral_pct", {"302": "suppressed"})
    row = profile.headline_table(table, BARNET, 2025).set_index("indicator").loc["rereferral_pct"]
    assert row["borough"] == "Suppressed (small numbers)"
    assert row["london_rank"] == "not ranked" and row["status"] == "suppressed"


def test_movement_sentence_follows_polarity():
    table = pd.concat(
        [
            table_for("rereferral_pct", {"302": 25.0}, {"302": 20.0}),
            table_for("icpc_15d_pct", {"302": 85.0}, {"302": 80.0}),
            table_for("cin_rate", {"302": 300.0}, {"302": 320.0}, unit="rate_per_10000"),
            table_for("nfa_pct", {"302": 5.04}, {"302": 4.96}),
        ]
    )
    movement = profile.movement_sentences(table, BARNET, 2025).set_index("indicator")
    assert movement.at["rereferral_pct", "sentence"] == (
        "Re-referrals rose from 20.0% in 2023-24 to 25.0% in 2024-25, a deterioration "
        "(lower is better)."
    )
    assert "an improvement (higher is better)" in movement.at["icpc_15d_pct", "sentence"]
    assert movement.at["cin_rate", "direction"] == "down"
    assert "no judgement" in movement.at["cin_rate", "sentence"]
    # 5.04 and 4.96 both publish as 5.0: no change in the published figure.
    assert movement.at["nfa_pct", "direction"] == "no_change"


def test_movement_with_a_suppressed_year_is_not_compared():
    table = table_for("rereferral_pct", {"302": 25.0}, {"302": "suppressed"})
    row = (
        profile.movement_sentences(table, BARNET, 2025).set_index("indicator").loc["rereferral_pct"]
    )
    assert row["direction"] == "not_comparable"
    assert "cannot be compared with 2023-24: suppressed (small numbers)" in row["sentence"]


def test_trend_frame_has_four_series_and_keeps_gaps():
    table = table_for("rereferral_pct", {"302": "suppressed"}, {"302": 20.0})
    trends = profile.trend_frame(table, BARNET, last_period=2025, first_period=2024)
    assert set(trends["series"]) == {"Barnet", "London", "England", profile.NEIGHBOURS_LABEL}
    barnet = trends[trends["series"] == "Barnet"].set_index("period")
    assert np.isnan(barnet.at[2025, "value"]) and barnet.at[2025, "status"] == "suppressed"


def test_check_period_defaults_to_latest_and_rejects_years_without_data():
    table = table_for("rereferral_pct", {})
    assert profile.check_period(table, BARNET, None) == 2025
    assert profile.check_period(table, BARNET, "2023-24") == 2024
    with pytest.raises(ParameterError, match="Parameter 'period'.*2024 to 2025"):
        profile.check_period(table, BARNET, 2019)
    with pytest.raises(ParameterError, match="not a year"):
        profile.check_period(table, BARNET, "last spring")


def test_check_borough_names_the_parameter():
    assert profile.check_borough("RBKC").name == "Kensington and Chelsea"
    with pytest.raises(ParameterError, match="Parameter 'borough'.*Barnet"):
        profile.check_borough("Barnit")
