"""Gap analysis on hand-built survey items against the real best-fit model (v1.0)."""

from __future__ import annotations

import pandas as pd
import pytest
from gap_items import (
    MODEL,
    RULES,
    matched_fixture,  # noqa: F401 (the fixture ``matched``, used by name)
)

from lscb_analysis.model import gap_analysis


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
def matrix(matched):
    public = public_for({"302": "ok", "304": "suppressed"})
    return gap_analysis.gap_matrix(matched, MODEL, public, {"Barnet", "Brent"}, RULES)


def status(matrix, borough, pi):
    row = matrix[(matrix["borough"] == borough) & (matrix["pi_id"] == pi)].iloc[0]
    return row["status"], row["evidence"]


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


def test_the_london_report_writes_each_boards_gap_workbook(matrix, project, monkeypatch):
    import openpyxl

    run_dir = project / "reports" / "gap_analysis" / "london"
    monkeypatch.setenv("LSCB_RUN_DIR", str(run_dir))
    assert gap_analysis.board_workbooks(matrix, MODEL, RULES, None).empty  # by hand: none
    # "all": every board of the matrix (three of them here, to keep the test quick).
    matrix = matrix[matrix["borough"].isin(["Barnet", "Brent", "Camden"])]
    written = gap_analysis.board_workbooks(matrix, MODEL, RULES, "all")
    assert written["board"].tolist() == list(dict.fromkeys(matrix["borough"]))
    for row in written.itertuples():
        steps = gap_analysis.next_steps(matrix, MODEL, row.board)
        assert row.gaps == len(steps)
        book = openpyxl.load_workbook(run_dir / row.workbook)
        assert "Gaps and next steps" in book.sheetnames
    assert (run_dir / "boards" / "barnet_gaps.xlsx").is_file()
    # Named boards: only those; one the gap matrix does not hold says so.
    named = gap_analysis.board_workbooks(matrix, MODEL, RULES, "Brent, Manchester")
    assert named.set_index("board")["workbook"].to_dict() == {
        "Brent": "boards/brent_gaps.xlsx",
        "Manchester": "not in the gap matrix",
    }
