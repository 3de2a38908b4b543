"""A borough's own figures as people type them: "87%" or 0.87 without counts, "n/a" with
status provided, "12 children"; each case read from a real workbook by the ingest, with the
value and status recorded and the finding raised at its cell (cases in typed_inputs)."""

from __future__ import annotations

import math

import pytest
from typed_inputs import CASES, COLUMNS, FILE, OWN_FILE

from lscb_analysis.pilot import pilot_periods

FIGURE_CODES = {
    "E_NOT_NUMBER",
    "Q_NO_COUNTS",
    "Q_PERCENT_NO_COUNTS",
    "Q_VALUE_WITH_UNITS",
    "Q_PROVIDED_NOT_AVAILABLE",
    "Q_PROVIDED_EMPTY",
    "Q_STATUS_MISSING",
}


@pytest.mark.parametrize(
    ("pi_id", "period", "cells", "code", "field", "value", "status"),
    CASES,
    ids=[f"{case[0]}-{case[1]}-{case[3] or 'none'}" for case in CASES],
)
def test_each_typed_case_is_read_and_queried_at_its_cell(
    typed, pi_id, period, cells, code, field, value, status
):
    values = typed.values[typed.values["file"] == FILE].set_index(["pi_id", "period"])
    row = values.loc[(pi_id, period)]
    if math.isnan(value):
        assert pd_isna(row["value"]), row["value"]
    else:
        assert row["value"] == pytest.approx(value, abs=1e-9)
    assert row["status"] == status
    issues = typed.issues[
        (typed.issues["file"] == FILE)
        & (typed.issues["pi_id"] == pi_id)
        & (typed.issues["period"] == period)
        & typed.issues["code"].isin(FIGURE_CODES)
    ]
    if code is None:
        assert issues.empty, issues["message"].tolist()
        return
    assert list(issues["code"]) == [code], issues["message"].tolist()
    issue = issues.iloc[0]
    assert issue["cell"] == f"{COLUMNS[field]}{row['row']}"
    assert issue["severity"] == pilot_periods.load_rules()["findings"][code]["severity"]
    assert issue["file"] in issue["message"] and issue["cell"] in issue["message"]


def pd_isna(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def test_messages_say_what_was_typed_and_how_it_was_read(typed):
    issues = typed.issues[typed.issues["file"] == FILE].set_index(["pi_id", "period", "code"])
    assert "(87%)" in issues.loc[("BF-EH-02", "2025Q1", "Q_PERCENT_NO_COUNTS"), "message"]
    assert "read as 87%" in issues.loc[("BF-EH-02", "2025Q1", "Q_PERCENT_NO_COUNTS"), "message"]
    proportion = issues.loc[("BF-EH-03", "2025Q1", "Q_PERCENT_NO_COUNTS"), "message"]
    assert "0.87" in proportion and "(87%)" in proportion and "kept as typed" in proportion
    not_available = issues.loc[("BF-CP-02", "2025Q1", "Q_PROVIDED_NOT_AVAILABLE"), "message"]
    assert "'provided'" in not_available and "'n/a'" in not_available
    assert "'N/A'" in not_available and "read as 'not available'" in not_available
    units = issues.loc[("BF-EH-01", "2025Q2", "Q_VALUE_WITH_UNITS"), "message"]
    assert "'270 children'" in units and "(children)" in units and "read as 270" in units


def test_a_not_available_figure_is_never_counted_as_provided(typed):
    values = typed.values[typed.values["file"] == FILE]
    said = values[values["status"] == "not available"]
    expected = {(case[0], case[1]) for case in CASES if case[6] == "not available"}
    assert set(zip(said["pi_id"], said["period"], strict=True)) == expected
    assert said["value"].isna().all()
    provided = values[values["status"] == "provided"]
    blank = provided[provided["value"].isna()]
    # The one provided row without a figure is the one whose numerator is not a number.
    assert list(zip(blank["pi_id"], blank["period"], strict=True)) == [("BF-CP-04", "2025Q2")]


def test_a_table_the_borough_built_itself(typed):
    values = typed.values[typed.values["file"] == OWN_FILE].set_index(["pi_id", "period"])
    issues = typed.issues[typed.issues["file"] == OWN_FILE]
    codes = set(zip(issues["pi_id"], issues["period"], issues["code"], strict=True))
    assert values.loc[("BF-EH-02", "2025Q1"), "value"] == 87.0
    assert ("BF-EH-02", "2025Q1", "Q_PERCENT_NO_COUNTS") in codes
    assert ("BF-EH-02", "2025Q1", "Q_VALUE_WITH_UNITS") not in codes  # one query per cell
    assert pd_isna(values.loc[("BF-EH-02", "2025Q2"), "value"])
    assert values.loc[("BF-EH-02", "2025Q2"), "status"] == "not available"
    assert ("BF-EH-02", "2025Q2", "Q_PROVIDED_NOT_AVAILABLE") in codes
    assert values.loc[("BF-WF-02", "2025Q3"), "value"] == 12.0
    assert ("BF-WF-02", "2025Q3", "Q_VALUE_WITH_UNITS") in codes
