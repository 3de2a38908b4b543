"""The latest-period verdict: one decision shared by the score card, deep dive, charts and index."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from lscb_analysis.core import register
from lscb_analysis.model.catalogue import load_catalogue
from lscb_analysis.present import latest, spc_charts
from lscb_analysis.qa import deep_dive, deep_dive_questions, deep_dive_trends
from lscb_analysis.scorecard import periods, scorecard
from lscb_analysis.stats.xmr import xmr

# Kingston upon Thames' CP plans lasting 2 years or more: 2023-24 is a special cause (8.6%,
# above the limit) and 2024-25 is suppressed by DfE, the case the board-papers issue found.
KINGSTON = "Kingston upon Thames"


def _series(values, statuses, years=range(2013, 2026)):
    return pd.DataFrame({"value": values, "status": statuses}, index=list(years))


def test_a_series_ending_suppressed_says_so_and_carries_no_icon():
    values = [20, 21, 20, 19, 20, 21, 20, 19, 20, 21, 20, 45, np.nan]
    statuses = ["ok"] * 12 + ["suppressed"]
    frame = xmr(
        pd.Series(values, index=range(2013, 2026), dtype=float),
        improvement="down",
        value_range=(0, 100),
    )
    frame["status"] = statuses
    assert frame["variation"].iloc[-2] == "special_cause_concern"  # the earlier point
    verdict = latest.latest_verdict(frame, unit="percent")
    assert verdict.state == "suppressed" and not verdict.has_value
    assert verdict.variation is None and verdict.variation_icon is None
    assert verdict.assurance is None and not verdict.special_cause
    assert verdict.text == "2024-25: suppressed; last shown 2023-24: 45.0%"
    assert verdict.spc_text() == "not assessed" and math.isnan(verdict.value)


def test_a_latest_value_gets_its_own_icon_and_other_states_their_words():
    frame = xmr([20, 21, 20, 19, 20, 21, 20, 19, 20, 21, 20, 45], improvement="down")
    verdict = latest.latest_verdict(frame)
    assert verdict.has_value and verdict.variation == "special_cause_concern"
    assert verdict.variation_icon == "concern_high" and verdict.special_cause
    assert verdict.text == "11: 45.0"  # plain positions: no period wording invented
    due = _series([5.0, 6.0, np.nan], ["ok", "ok", "not_yet_due"], years=[2023, 2024, 2025])
    assert (
        latest.latest_verdict(due, unit="percent").text
        == "2024-25: not yet due; last shown 2023-24: 6.0%"
    )
    # A report year after the series' last row is missing, never the last row's figure.
    ahead = latest.latest_verdict(due.iloc[:2], 2025, unit="rate_per_10000")
    assert (
        ahead.state == "missing" and ahead.text == "2024-25: not available; last shown 2023-24: 6.0"
    )
    none_shown = _series([np.nan, np.nan], ["suppressed", "not_published"], years=[2024, 2025])
    assert (
        latest.latest_verdict(none_shown).text == "2024-25: not published; no earlier figure shown"
    )
    quarters = pd.DataFrame(
        {"value": [1.0, 2.0, np.nan], "state": ["ok", "ok", "not_returned"]},
        index=["2025Q1", "2025Q2", "2025Q3"],
    )
    assert (
        latest.latest_verdict(quarters, unit="percent", decimals=0).text
        == "Q2 2025-26: no figure returned; last shown Q1 2025-26: 2%"
    )


@pytest.fixture(scope="module")
def kingston(public_indicators):
    scope = deep_dive.check_parameters(
        public_indicators, KINGSTON, None, "cpp_2yrs_pct", 2025, None, "board"
    )
    return scope, deep_dive_trends.spc_frames(public_indicators, scope)


def test_kingston_cp_plans_two_years_is_not_assessed_everywhere(public_indicators, kingston):
    scope, spc = kingston
    frame = spc["cpp_2yrs_pct"]
    assert frame.index[-1] == 2025 and frame["status"].iloc[-1] == "suppressed"
    assert frame.loc[2024, "variation"] == "special_cause_concern"  # the trap
    expected = "2024-25: suppressed; last shown 2023-24: 8.6%"
    assert latest.latest_verdict(frame, frame.attrs["period"]).text == expected

    # Deep dive sentence: no special-cause question about 2023-24; says not assessed.
    asked = deep_dive_questions.questions(scope, spc, {}, pd.DataFrame())
    assert not any("special-cause" in sentence for sentence in asked)
    assert f"CP plans 2 years+ ({expected}) is not assessed for SPC variation" in " ".join(asked)
    # Index headline: not counted as a special cause, nor as assessed.
    headlines = deep_dive_questions.index_headlines(scope, spc, {}, pd.DataFrame())
    assert headlines["Special causes"] == "0 of 0"
    # Chart: no variation icon of 2023-24's concern, the title says suppressed.
    figure = deep_dive_trends.spc_figures(spc)[0]
    axes = figure.axes[0]
    icons = [t.get_text() for t in axes.texts if t.get_gid() == "icon:variation"]
    assert icons == ["Variation: not assessed"]
    assert expected in axes.get_title(loc="left") and "concern" not in axes.get_title(loc="left")
    assert axes.get_ylabel() == "Per cent"

    # Score card: the same verdict, not assessed, and no exception for it.
    model = load_catalogue("1.0")
    ids = list(model.current.loc[model.current["source_indicator"] == "cpp_2yrs_pct", "id"])
    assert ids, "the best-fit model maps a PI to cpp_2yrs_pct"
    period = periods.resolve_period(
        "2025", public_indicators, None, register.resolve(KINGSTON).la_number
    )
    card = scorecard.scorecard(
        type(
            "Catalogue",
            (),
            {"current": model.current[model.current["id"].isin(ids)], "version": "1.0"},
        )(),
        public_indicators,
        register.resolve(KINGSTON),
        period,
    )
    row = card.rows.set_index("pi_id").loc[ids[0]]
    assert row["variation"] == "not_assessed" and row["spc_note"] == expected
    assert "special_cause_concern" not in set(card.exceptions["exceptions"])


@pytest.mark.slow
def test_no_london_series_ending_without_a_value_gets_an_icon(public_indicators):
    """Across London's published data, every series ending on a suppressed or missing year."""
    year = int(public_indicators["period"].max())
    ids = tuple(public_indicators["indicator"].unique())
    ending_blank = 0
    for area in register.london_boroughs():
        scope = deep_dive.DeepDiveScope(area, None, "all", ids, (), year, ())
        spc = deep_dive_trends.spc_frames(public_indicators, scope)
        for indicator_id, frame in spc.items():
            verdict = latest.latest_verdict(frame, frame.attrs["period"])
            assert frame.index[-1] == year, (area.name, indicator_id)
            if frame["status"].iloc[-1] != "ok" or np.isnan(frame["value"].iloc[-1]):
                ending_blank += 1
                assert verdict.variation is None and verdict.variation_icon is None, (
                    area.name,
                    indicator_id,
                )
                assert not any(
                    "special-cause" in s
                    for s in deep_dive_questions.questions(
                        scope, {indicator_id: frame}, {}, pd.DataFrame()
                    )
                ), (area.name, indicator_id)
            else:
                assert verdict.has_value and verdict.variation is not None
    assert ending_blank >= 10  # the issue counted 28 such series


def test_spc_chart_of_a_series_ending_missing_draws_no_icon():
    frame = xmr(
        [5.0, 6.0, 5.0, 7.0, 6.0, 5.0, 6.0, 7.0, 5.0, 6.0, 30.0, np.nan], improvement="down"
    )
    figure = spc_charts.spc_chart(frame, measure="Re-referrals", unit="percent")
    axes = figure.axes[0]
    assert [t.get_text() for t in axes.texts if t.get_gid() == "icon:variation"] == [
        "Variation: not assessed"
    ]
    assert "not available" in axes.get_title(loc="left")
    assert axes.get_ylabel() == "Per cent"


def _pilot_values(statuses, numerators):
    quarters = ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2"]
    return pd.DataFrame(
        {
            "borough": "Barnet",
            "la_number": "302",
            "pi_id": "BF-FD-03",
            "period": quarters,
            "numerator": numerators,
            "denominator": 100.0,
            "value": numerators,
            "status": statuses,
            "narrative": "",
            "prefilled": False,
            "validation_status": "ok",
            "submitted": None,
        }
    )


def test_quarterly_latest_is_the_report_quarter_even_when_not_yet_due(public_indicators):
    scope = deep_dive.check_parameters(
        public_indicators, "Barnet", None, "rereferral_pct", None, None, "board"
    )
    scope = dataclasses.replace(scope, quarter_cutoff="2025Q2")
    statuses = ["provided"] * 4 + ["provided", "not yet due"]
    values = _pilot_values(statuses, [20.0, 21.0, 20.0, 19.0, 45.0, np.nan])
    frame = deep_dive_trends.quarterly_spc_frames(scope, values)["BF-FD-03"]
    assert frame.index[-1] == "2025Q2" and frame["state"].iloc[-1] == "not_yet_due"
    verdict = latest.latest_verdict(frame, frame.attrs["period"])
    assert verdict.text == "Q1 2025-26: not yet due; last shown Q4 2024-25: 45.0%"
    assert verdict.variation is None
    asked = deep_dive_questions.questions(scope, {}, {}, pd.DataFrame(), {"BF-FD-03": frame})
    assert not any("special-cause" in sentence for sentence in asked)
    # A quarter after the last return, up to the cut-off, is "no figure returned".
    later = dataclasses.replace(scope, quarter_cutoff="2025Q3")
    frame = deep_dive_trends.quarterly_spc_frames(later, values)["BF-FD-03"]
    assert list(frame.index[-2:]) == ["2025Q2", "2025Q3"]
    assert latest.latest_verdict(frame, frame.attrs["period"]).text.startswith(
        "Q2 2025-26: no figure returned; last shown Q4 2024-25"
    )


def test_reporting_year_ticks_read_as_the_verdict_does(kingston):
    _, spc = kingston
    axes = deep_dive_trends.spc_figures(spc)[0].axes[0]
    ticks = [t.get_text() for t in axes.get_xticklabels()]
    assert "2024-25" in ticks and not any(tick.isdigit() for tick in ticks)
