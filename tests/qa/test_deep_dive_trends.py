"""The deep dive's trends: quarterly pilot SPC frames, suppressed for the board."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from qa_helpers import QUARTERS, pilot_values_table, rereferral_scope

from lscb_analysis.qa import deep_dive_trends


def test_quarterly_frames_suppress_small_numbers_for_the_board(public_indicators):
    numerators = [20, 22, 3, 21, 19, 23, 20, 22]  # 3 of 100 is a small number
    values = pd.concat(
        [
            pilot_values_table(numerators),
            pilot_values_table([1] * 8, la_number="207", borough="Kensington and Chelsea"),
            pilot_values_table([50] * 8, pi_id="BF-EH-01"),  # not one of the scope's PIs
        ],
        ignore_index=True,
    )
    board = deep_dive_trends.quarterly_spc_frames(rereferral_scope(public_indicators), values)
    assert list(board) == ["BF-FD-03"]  # mapped from rereferral_pct
    frame = board["BF-FD-03"]
    assert list(frame.index) == QUARTERS and frame.attrs["title"] == "Re-referrals"
    assert frame.loc["2024Q3", "state"] == "suppressed" and np.isnan(frame.loc["2024Q3", "value"])
    assert (frame["state"].drop("2024Q3") == "ok").all()
    kept = [n for n in numerators if n != 3]
    assert frame["mean"].iloc[0] == pytest.approx(np.mean(kept))  # limits leave it out
    assert 3.0 not in set(frame["value"].dropna())

    analyst = deep_dive_trends.quarterly_spc_frames(
        rereferral_scope(public_indicators, "analyst"), values
    )
    assert (analyst["BF-FD-03"]["state"] == "ok").all()
    assert analyst["BF-FD-03"].loc["2024Q3", "value"] == 3.0
    assert analyst["BF-FD-03"].attrs["tier"] == "analyst"


def test_quarterly_frames_stop_at_the_year_and_keep_missing_quarters_as_gaps(public_indicators):
    values = pilot_values_table([20, 22, 24, 21, 19, 23, 20, 22]).drop(index=[5])  # 2025Q2 missing
    scope = rereferral_scope(public_indicators)
    frame = deep_dive_trends.quarterly_spc_frames(scope, values)["BF-FD-03"]
    assert frame.loc["2025Q2", "state"] == "not_returned" and np.isnan(frame.loc["2025Q2", "value"])
    cut = dataclasses.replace(scope, quarter_cutoff="2025Q1")
    assert deep_dive_trends.quarterly_spc_frames(cut, values)["BF-FD-03"].index[-1] == "2025Q1"


def test_no_pilot_values_is_one_sentence_not_an_error(public_indicators, project):
    scope = rereferral_scope(public_indicators)
    assert (
        deep_dive_trends.quarterly_spc_frames(scope) == {}
    )  # no pilot_values.parquet in the project
    assert (
        deep_dive_trends.quarterly_spc_frames(scope, pilot_values_table([1] * 8, la_number="207"))
        == {}
    )
    note = deep_dive_trends.quarterly_note(scope, {})
    assert note.startswith("Barnet has no quarterly local figures to chart for Re-referrals")
    assert note.count(". ") == 0 and deep_dive_trends.quarterly_figures({}) == []


# --- board-tier edges: small counts, derived limits, every figure suppressed, a zero denominator


def _series_y(figure) -> np.ndarray:
    """The y values of the chart's series line (the first line drawn)."""
    return np.asarray(figure.axes[0].lines[0].get_ydata(), dtype=float)


def _point_ys(figure) -> np.ndarray:
    return np.concatenate(
        [
            np.asarray(item.get_offsets(), dtype=float)[:, 1]
            for item in figure.axes[0].collections
            if (item.get_gid() or "").startswith("points:")
        ]
    )


def test_board_chart_hides_a_small_count_and_its_limits_come_from_the_shown_quarters(
    public_indicators, close_figures, chart_probe
):
    # 2024Q3 is 3 of 100 (a count from 1 to 5). Expected on the board tier, by hand:
    # shown figures 20, 22, -, 21, 19, 23, 20, 22: mean = 147 / 7 = 21.0; moving ranges are
    # not bridged across the gap: 2, 2, 4, 3, 2 -> mean 13 / 5 = 2.6; process limits
    # 21 +/- 2.66 x 2.6 = 14.084 and 27.916. Nothing drawn or tabled is the 3.
    # The analyst tier, with the 3: mean 150 / 8 = 18.75; moving ranges 2, 19, 18, 2, 4, 3, 2
    # -> 50 / 7; limits 18.75 +/- 19.0 = -0.25 (clipped to 0 for a percentage) and 37.75.
    values = pilot_values_table([20, 22, 3, 21, 19, 23, 20, 22])
    board = deep_dive_trends.quarterly_spc_frames(rereferral_scope(public_indicators), values)
    frame = board["BF-FD-03"]
    assert frame["mean"].iloc[0] == pytest.approx(21.0)
    assert frame["mr"].dropna().tolist() == pytest.approx([2, 2, 4, 3, 2])
    assert frame["lpl"].iloc[0] == pytest.approx(14.084)
    assert frame["upl"].iloc[0] == pytest.approx(27.916)
    analyst = deep_dive_trends.quarterly_spc_frames(
        rereferral_scope(public_indicators, "analyst"), values
    )["BF-FD-03"]
    assert analyst["mean"].iloc[0] == pytest.approx(18.75)
    assert analyst["upl"].iloc[0] == pytest.approx(18.75 + 2.66 * 50 / 7)
    assert analyst["lpl"].iloc[0] == 0.0

    figure = deep_dive_trends.quarterly_figures(board)[0]
    close_figures(figure)
    assert chart_probe.point_count(figure) == 7
    assert np.isnan(_series_y(figure)[2]) and 3.0 not in set(_point_ys(figure))
    assert [(m.get_text(), m.get_position()[0]) for m in chart_probe.suppressed_texts(figure)] == [
        ("c", 2)
    ]
    limit_lines = [
        np.asarray(line.get_ydata(), dtype=float) for line in figure.axes[0].lines[1:4]
    ]  # mean, lower and upper limit of the one segment
    assert [line[0] for line in limit_lines] == pytest.approx([21.0, 14.084, 27.916])
    table = figure.lscb_data
    row = table[table["Period"] == "2024Q3"].iloc[0]
    assert row.iloc[1] == "suppressed (fewer than 6)"  # chart_text.suppressed_text()
    assert not table.iloc[:, 1].isin(["3.0", "3"]).any()
    assert table["Upper process limit"].iloc[0] == "27.9"


def test_every_quarter_suppressed_means_no_chart_and_a_sentence_saying_so(public_indicators):
    # Every quarter is a count from 1 to 5: on the board nothing may be shown, so no chart
    # (expected {}), and the note says there is nothing to chart; the analyst copy charts it.
    values = pilot_values_table([1, 2, 3, 4, 5, 1, 2, 3])
    scope = rereferral_scope(public_indicators)
    board = deep_dive_trends.quarterly_spc_frames(scope, values)
    assert board == {} and deep_dive_trends.quarterly_figures(board) == []
    assert deep_dive_trends.quarterly_note(scope, board) == (
        "Barnet has no quarterly local figures to chart for Re-referrals: no Phase III pilot "
        "return (`lscb pilot ingest`) holds two or more figures that may be shown, so only the "
        "yearly published series is shown."
    )
    analyst = rereferral_scope(public_indicators, "analyst")
    assert list(deep_dive_trends.quarterly_spc_frames(analyst, values)) == ["BF-FD-03"]


def test_only_the_latest_quarter_suppressed_gives_no_icon(
    public_indicators, close_figures, chart_probe
):
    # 2025Q4 is 4 of 100: the title says it is suppressed and gives the last figure shown;
    # no variation icon is given for a quarter the board cannot see.
    values = pilot_values_table([20, 22, 24, 21, 19, 23, 20, 4])
    frames = deep_dive_trends.quarterly_spc_frames(rereferral_scope(public_indicators), values)
    figure = deep_dive_trends.quarterly_figures(frames)[0]
    close_figures(figure)
    assert chart_probe.title(figure) == (
        "Re-referrals (quarterly, local): Q3 2025-26: suppressed; last shown Q2 2025-26: "
        "20.0%; variation not assessed"
    )
    assert "Variation: not assessed" in chart_probe.texts(figure)
    assert frames["BF-FD-03"]["mean"].iloc[0] == pytest.approx(149 / 7)  # the 4 left out


def test_a_zero_denominator_is_not_applicable_never_charted(public_indicators):
    # 2024Q3 returned 0 of 0 with a typed 0%: a share of nothing is undefined, so it is
    # "not_applicable" in both tiers, has no value, and the limits are those of the other
    # seven quarters (mean 21.0, as in the small-count test above).
    values = pilot_values_table([20, 22, 0, 21, 19, 23, 20, 22])
    values.loc[2, "denominator"] = 0.0
    for tier in ("board", "analyst"):
        frame = deep_dive_trends.quarterly_spc_frames(
            rereferral_scope(public_indicators, tier), values
        )["BF-FD-03"]
        assert frame.loc["2024Q3", "state"] == "not_applicable"
        assert np.isnan(frame.loc["2024Q3", "value"])
        assert frame["mean"].iloc[0] == pytest.approx(21.0)


def test_quarterly_note_names_the_trend_test(public_indicators):
    # Rising every quarter, 10% to 17% (lower is better): Mann-Kendall S = 28 of 28 pairs,
    # exact p = 2 / 8! = 0.00005 -> increasing, getting worse. Each quarter of the year has
    # only 2 figures, so the test is the plain one, never Fingertips' (yearly) test.
    scope = rereferral_scope(public_indicators)
    rising = deep_dive_trends.quarterly_spc_frames(
        scope, pilot_values_table([10, 11, 12, 13, 14, 15, 16, 17])
    )
    note = deep_dive_trends.quarterly_note(scope, rising)
    assert note.endswith(
        "Trend across the quarters, at 95% confidence: Re-referrals: increasing, getting "
        "worse, by Mann-Kendall, 8 quarters."
    )
    hidden = deep_dive_trends.quarterly_spc_frames(
        scope, pilot_values_table([10, 11, 2, 13, 14, 15, 16, 17])
    )
    assert "by Mann-Kendall, 7 of 8 quarters (1 missing or suppressed)." in (
        deep_dive_trends.quarterly_note(scope, hidden)
    )
    assert "Fingertips" not in note
