"""The Operational Board's view on a hand-built score card table (counts worked by hand)."""

from __future__ import annotations

import pandas as pd
import pytest

from lscb_analysis.boards import operational
from lscb_analysis.core.errors import MissingDataFileError


def card(
    pi,
    group,
    exceptions="",
    status="no_target",
    travel="no_change",
    rating="universal outcome",
    value=1.0,
    borough="Barnet",
):
    return {
        "borough": borough,
        "pi_id": pi,
        "title": f"{pi} title",
        "sub_group": group,
        "rating": rating,
        "value": value,
        "value_text": str(value),
        "previous_text": "0.5",
        "target_text": "",
        "target_status": status,
        "target_icon": status,
        "travel": travel,
        "travel_icon": travel,
        "exceptions": exceptions,
        "exception_text": exceptions,
        "scorecard_period": "2025Q4",
    }


TABLE = pd.DataFrame(
    [
        card("P1", "neglect", "red_red;missing_target", "missed", "worsening", "critical"),
        card("P2", "neglect", "special_cause_concern", "met", "improving"),
        card("P3", "neglect", status="met"),
        card("P4", "health", "missing_target", "missed", "worsening", "critical"),
        card("P5", "health", value=None),
        card("P6", "education", "red_red", travel="worsening", rating="priority outcome"),
        card("P1", "neglect", "red_red", borough="Camden"),
    ]
)


def test_each_group_in_one_line_most_exceptions_first():
    summary = operational.group_summary(operational.board_rows(TABLE, "Barnet"))
    assert summary["sub_group"].tolist() == ["neglect", "education", "health"]
    neglect = summary.iloc[0]
    assert neglect[
        ["pis", "with_figure", "with_exception", "targets_met", "targets_missed", "worsening"]
    ].tolist() == [3, 3, 2, 2, 1, 1]
    assert summary.set_index("sub_group").loc["health", "with_figure"] == 1


def test_exceptions_ranked_by_rules_then_rating_then_worsening_and_the_draft_list():
    rows = operational.board_rows(TABLE, "Barnet")
    ranked = operational.ranked_exceptions(rows)
    # P1: two rules; then P4 (critical), P6 (priority), P2 (universal).
    assert ranked["pi_id"].tolist() == ["P1", "P4", "P6", "P2"]
    assert ranked["rank"].tolist() == [1, 2, 3, 4]
    falling = operational.declines(rows)
    assert falling["pi_id"].tolist() == ["P1", "P4", "P6"]
    draft = operational.to_leadership(
        operational.group_summary(rows), ranked, falling, {"theme_exceptions": 2}
    )
    assert draft["item"].tolist() == ["neglect: 2 exceptions", "P1 P1 title", "P4 P4 title"]
    assert draft["why"].tolist()[1:] == ["a critical PI getting worse"] * 2


def test_cards_per_group_and_overdue_actions_of_the_board():
    cards = operational.group_cards(operational.board_rows(TABLE, "Barnet"))
    assert list(cards) == ["neglect", "health", "education"]
    assert cards["health"]["pi_id"].tolist() == ["P4", "P5"]
    actions = pd.DataFrame(
        {
            "action_id": ["A1", "A2"],
            "borough": ["Barnet", "Camden"],
            "action": ["x", "y"],
            "owner": ["o", "o"],
            "due_date": pd.to_datetime(["2026-01-01"] * 2),
            "days_overdue": [30, 30],
        }
    )
    assert operational.overdue_for(actions, "Barnet")["action_id"].tolist() == ["A1"]


def test_no_score_card_built_says_what_to_run(project):
    with pytest.raises(MissingDataFileError, match="lscb scorecard build"):
        operational.latest_cards()


def test_narratives_and_what_answers_each_exception():
    parts = pd.DataFrame(
        {
            "borough": ["Barnet", "Barnet", "Camden"],
            "group": ["neglect", "health", "neglect"],
            "quarter": ["2025Q4", "2025Q3", "2025Q4"],
            "question": ["q1", "q1", "q1"],
            "text": ["ours", "old", "theirs"],
        }
    )
    assert operational.group_narratives(parts, "Barnet", "2025Q4")["text"].tolist() == ["ours"]
    ranked = operational.ranked_exceptions(operational.board_rows(TABLE, "Barnet"))
    actions = pd.DataFrame(
        {
            "borough": ["Barnet", "Barnet"],
            "quarter": ["2025Q4", "2025Q4"],
            "pi_id": ["P1", "P4"],
            "action": ["Fixed the rota.", ""],
        }
    )
    answered = operational.answered_exceptions(
        ranked, actions, {"P1", "P4", "P6"}, "Barnet", "2025Q4"
    ).set_index("pi_id")["answered_by"]
    assert answered.to_dict() == {
        "P1": "narrative: Fixed the rota.",
        "P4": "no action yet",  # a blank action answers nothing
        "P6": "no action yet",
        "P2": "the actions log",
    }
