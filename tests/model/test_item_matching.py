"""Matching hand-built survey items to the PIs of the real best-fit model (v1.0)."""

from __future__ import annotations

import pandas as pd
from gap_items import (
    ITEMS,
    MODEL,
    RULES,
    matched_fixture,  # noqa: F401 (the fixture ``matched``, used by name)
)

from lscb_analysis.model import item_matching


def test_suggestions_use_board_code_then_keywords(matched):
    by_item = matched.set_index("item")
    assert by_item.at["High risk DA cases", "suggested_pi"] == "BF-DA-02"
    assert by_item.at["High risk DA cases", "method"] == "board_code"
    assert by_item.at["LADO allegations resolved within one month", "suggested_pi"] == "BF-SG-01"
    assert by_item.at["Return home interviews", "suggested_pi"] == "BF-YS-03"


def test_confirmed_matches_round_trip(matched, tmp_path):
    first = item_matching.updated_matches_file(
        matched, pd.DataFrame(columns=item_matching.MATCH_COLUMNS)
    )
    assert set(first["item"]) == {
        "LADO allegations resolved within one month",
        "Private fostering visits",
        "Return home interviews",
    }
    assert (first["confirmed"] == "").all()
    # The consultant says private fostering visits match no PI, and confirms LADO.
    first.loc[first["item"] == "Private fostering visits", "confirmed"] = "no"
    first.loc[first["item"].str.startswith("LADO"), "confirmed"] = "yes"
    path = tmp_path / "item_pi_matches.csv"
    first.to_csv(path, index=False)
    confirmed = item_matching.read_confirmed_matches(path)
    again = item_matching.apply_confirmed(
        item_matching.suggest_matches(ITEMS, MODEL, RULES), confirmed
    ).set_index("item")
    assert again.at["Private fostering visits", "pi_id"] == ""
    assert again.at["LADO allegations resolved within one month", "match_confirmed"]
    second = item_matching.updated_matches_file(again.reset_index(), confirmed)
    assert len(second) == len(first)  # decided rows kept, nothing duplicated
