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
