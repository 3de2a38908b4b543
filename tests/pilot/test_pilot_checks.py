"""The checks on each pilot figure: every planted problem found at its cell, every rule used."""

from __future__ import annotations

import pytest

from lscb_analysis.pilot import pilot_periods


@pytest.mark.slow
def test_every_planted_problem_is_found_at_its_cell(demo):
    _, result, _, plan, _, _ = demo
    found = set(
        zip(
            result.issues["file"],
            result.issues["code"],
            result.issues["pi_id"],
            result.issues["period"],
            result.issues["cell"],
            strict=True,
        )
    )
    missing = [
        row
        for row in plan.itertuples(index=False)
        if (row.file, row.code, row.pi_id, row.period, row.cell) not in found
    ]
    assert not missing
    clean = ["Barking and Dagenham", "Tower Hamlets", "Southwark"]
    live = result.issues[~result.issues["superseded"] & (result.issues["severity"] != "note")]
    assert not live["borough"].isin(clean).any()


def test_jump_messages_say_which_rule_applied(demo):
    _, result, _, _, _, _ = demo
    jumps = result.issues[result.issues["code"] == "Q_JUMP"].set_index(["pi_id", "period"])
    assert "XmR limits" in jumps.loc[("BF-EH-02", "2025Q4"), "message"]
    assert "stated rule" in jumps.loc[("BF-QA-01", "2025Q3"), "message"]


def test_every_rule_in_the_rules_file_is_exercised(demo, edge, typed):
    codes = set(demo[1].issues["code"]) | set(edge.issues["code"]) | set(typed.issues["code"])
    assert set(pilot_periods.load_rules()["findings"]) <= codes


def test_two_returns_with_the_same_date_and_file_time_are_a_query_naming_both(edge):
    tied = edge.issues[edge.issues["code"] == "F_TIED_RETURN"]
    assert len(tied) == 1  # one query per pair of files, not one per figure
    message = tied["message"].iloc[0]
    assert "sutton_b.xlsx and sutton_a.xlsx are both returns from Sutton" in message
    assert "used only because its name sorts later" in message
    used = edge.values[(edge.values["borough"] == "Sutton") & (edge.values["period"] == "2025Q1")]
    assert used.loc[used["pi_id"] == "BF-EH-02", "file"].tolist() == ["sutton_b.xlsx"]
