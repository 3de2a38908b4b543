"""The Leadership Board's Core Data Set, challenge list and annual review on hand-built rows."""

from __future__ import annotations

import pandas as pd
import pytest

from lscb_analysis.boards import leadership


def row(
    pi,
    position,
    status="no_target",
    value=50.0,
    target=None,
    polarity="high",
    exceptions="",
    agency="police",
    borough="Barnet",
    dq="ok",
):
    return {
        "borough": borough,
        "pi_id": pi,
        "title": f"{pi} title",
        "position": position,
        "value": value,
        "value_text": str(value),
        "target": target,
        "target_text": str(target),
        "target_status": status,
        "target_icon": status,
        "vs_london_text": "",
        "travel_icon": "",
        "polarity": polarity,
        "decimals": 1,
        "exceptions": exceptions,
        "source_agency": agency,
        "dq_flag": dq,
    }


PIS = pd.DataFrame(
    {
        "id": ["N1", "M1", "W1", "W2", "B1"],
        "question": [
            "what are the needs",
            "how much did we do",
            "how well did we do it",
            "how well did we do it",
            "is anyone better off",
        ],
        "journey_stage": [
            "protection",
            "protection",
            "protection",
            "prevention and early help",
            "children in care",
        ],
    }
)
ROWS = pd.DataFrame(
    [
        row("B1", 1, "missed", 12.0, 10.0, polarity="low", agency="children's social care"),
        row("W2", 2, "missed", 70.0, 80.0, exceptions="missing_target"),
        row("W1", 3, "missed", 75.0, 80.0),
        row("M1", 4, value=None, dq="query"),
        row("N1", 5),
    ]
)


def test_the_core_data_set_by_question_then_stage_of_the_journey():
    table = leadership.core_data_set(ROWS, PIS)
    assert table["pi_id"].tolist() == ["N1", "M1", "W2", "W1", "B1"]  # W2 is earlier help
    assert table.iloc[0][["question", "journey_stage"]].tolist() == [
        "what are the needs",
        "protection",
    ]


def test_the_challenge_list_how_far_off_and_for_how_long():
    challenge = leadership.challenge_list(ROWS)
    police = challenge[challenge["agency"] == "police"]
    # Higher is better: 80 - 70 = 10 and 80 - 75 = 5 below target, the furthest first.
    assert police[["pi_id", "how_far", "how_long"]].values.tolist() == [
        ["W2", 10.0, "consistently"],
        ["W1", 5.0, "this period"],
    ]
    # Lower is better: 12 against 10 is 2 on the wrong side.
    csc = challenge[challenge["agency"] == "children's social care"].iloc[0]
    assert csc["how_far"] == pytest.approx(2.0)


def test_the_annual_review_counts_boards_with_a_figure_an_exception_or_a_query():
    table = pd.concat([ROWS, ROWS.assign(borough="Camden", value=1.0)])
    review = leadership.annual_review(table, PIS).set_index("pi_id")
    assert review.loc["M1", ["boards", "boards_with_figure", "boards_with_dq"]].tolist() == [
        2,
        1,
        2,
    ]
    assert review.loc["W2", "boards_with_exception"] == 2
    assert review.index[0] == "M1"  # the PI fewest boards can report comes first
