"""Gap analysis on hand-built survey items against the real best-fit model (v1.0)."""

from __future__ import annotations

import pandas as pd
import pytest

from lscb_analysis.model import catalogue, gap_analysis

MODEL = catalogue.load_catalogue("1.0")
RULES = gap_analysis.load_rules()


def item(
    borough, text, section="collects", agency="", frequency="", code="", age="", barrier="", row=2
):
    return {
        "borough": borough,
        "section": section,
        "item": text,
        "description": "",
        "agency": agency,
        "frequency": frequency,
        "indicator_code": code,
        "age_range": age,
        "barrier": barrier,
        "used": True,
        "file": "r.xlsx",
        "sheet": "Data we collect",
        "row": row,
    }


ITEMS = pd.DataFrame(
    [
        # Barnet: LADO collected as the PI needs (quarterly, children's social care)
        item(
            "Barnet",
            "LADO allegations resolved within one month",
            agency="children's social care",
            frequency="quarterly",
            age="0-17",
        ),
        # Barnet: private fostering only annually: partial
        item(
            "Barnet",
            "Private fostering visits",
            agency="children's social care",
            frequency="annual",
            row=3,
        ),
        # Barnet: return home interviews wanted, with a barrier
        item(
            "Barnet",
            "Return home interviews",
            section="would_like",
            agency="voluntary sector",
            barrier="information sharing",
            row=4,
        ),
        # Brent: the board chose the Phase I code for MARAC
        item(
            "Brent",
            "High risk DA cases",
            code="DA02 MARAC cases",
            agency="police",
            frequency="quarterly",
        ),
    ]
)


def public_for(statuses: dict[str, str]) -> pd.DataFrame:
    rows = []
    for la, status in statuses.items():
        for indicator in MODEL.current["source_indicator"].dropna().unique():
            rows.append(
                {
                    "indicator": indicator,
                    "period": 2025,
                    "la_number": la,
                    "status": status,
                    "value": 1.0 if status == "ok" else float("nan"),
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def matched():
    suggested = gap_analysis.suggest_matches(ITEMS, MODEL, RULES)
    return gap_analysis.apply_confirmed(suggested, pd.DataFrame(columns=gap_analysis.MATCH_COLUMNS))


@pytest.fixture(scope="module")
def matrix(matched):
    public = public_for({"302": "ok", "304": "suppressed"})
    return gap_analysis.gap_matrix(matched, MODEL, public, {"Barnet", "Brent"}, RULES)


def status(matrix, borough, pi):
    row = matrix[(matrix["borough"] == borough) & (matrix["pi_id"] == pi)].iloc[0]
    return row["status"], row["evidence"]


def test_suggestions_use_board_code_then_keywords(matched):
    by_item = matched.set_index("item")
    assert by_item.at["High risk DA cases", "suggested_pi"] == "BF-DA-02"
    assert by_item.at["High risk DA cases", "method"] == "board_code"
    assert by_item.at["LADO allegations resolved within one month", "suggested_pi"] == "BF-SG-01"
    assert by_item.at["Return home interviews", "suggested_pi"] == "BF-YS-03"


def test_every_status(matrix):
    assert status(matrix, "Barnet", "BF-SG-01")[0] == "collected"
    state, evidence = status(matrix, "Barnet", "BF-SG-02")
    assert state == "partial" and "reported annual, the PI needs" in evidence
    state, evidence = status(matrix, "Barnet", "BF-YS-03")
    assert state == "wanted" and "information sharing" in evidence
    assert status(matrix, "Barnet", "BF-EH-01")[0] == "not_collected"
    assert status(matrix, "Barnet", "BF-FD-03")[0] == "national"
    assert status(matrix, "Brent", "BF-FD-03")[0] == "national_suppressed"
    assert status(matrix, "Croydon", "BF-EH-01") == (
        "no_return",
        "no return with data from this board",
    )
    assert len(matrix) == 33 * len(MODEL.current)


def test_unconfirmed_keyword_matches_are_flagged(matrix):
    row = matrix[(matrix["borough"] == "Barnet") & (matrix["pi_id"] == "BF-SG-01")].iloc[0]
    assert not row["match_confirmed"] and row["source_rows"] == "r.xlsx:Data we collect:2"
    brent = matrix[(matrix["borough"] == "Brent") & (matrix["pi_id"] == "BF-DA-02")].iloc[0]
    assert brent["match_confirmed"]  # the board chose the code itself


def test_confirmed_matches_round_trip(matched, tmp_path):
    first = gap_analysis.updated_matches_file(
        matched, pd.DataFrame(columns=gap_analysis.MATCH_COLUMNS)
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
    confirmed = gap_analysis.read_confirmed_matches(path)
    again = gap_analysis.apply_confirmed(
        gap_analysis.suggest_matches(ITEMS, MODEL, RULES), confirmed
    ).set_index("item")
    assert again.at["Private fostering visits", "pi_id"] == ""
    assert again.at["LADO allegations resolved within one month", "match_confirmed"]
    second = gap_analysis.updated_matches_file(again.reset_index(), confirmed)
    assert len(second) == len(first)  # decided rows kept, nothing duplicated


def test_coverage_scores_weight_critical_pis(matrix):
    scores = gap_analysis.coverage_scores(matrix, RULES).set_index("borough")
    assert scores.at["Barnet", "coverage"] > scores.at["Brent", "coverage"]
    assert scores["coverage"].min() >= 0 and scores["coverage"].max() <= 1
    by_goal = gap_analysis.coverage_scores(matrix, RULES, by=["borough", "goal"])
    assert set(by_goal["goal"]) == set(MODEL.current["goal"])


def test_rankings_and_next_steps(matrix):
    ranks = gap_analysis.pi_rankings(matrix).set_index("pi_id")
    assert ranks.at["BF-YS-03", "wanted"] == 1
    steps = gap_analysis.next_steps(matrix, MODEL, "Barnet")
    assert "BF-SG-01" not in set(steps["pi_id"])
    first = steps.iloc[0]
    assert first["rating"] == "critical"
    assert steps.set_index("pi_id").at["BF-YS-03", "holder"] == "voluntary sector"
