"""Section 11 summaries on hand-built ratings (counts worked by hand), and the section11
notebook run through the real runner on the demo's self-assessments."""

from __future__ import annotations

import pandas as pd
import pytest

from lscb_analysis.qa import section11_ingest, section11_summary
from lscb_analysis.runs import orchestrate


def _ratings(rows):
    frame = pd.DataFrame(
        rows,
        columns=["board", "agency", "standard_id", "standard", "criterion_id", "rating", "action"],
    )
    frame["weak"] = frame["rating"].isin(["Partly met", "Not met"])
    frame["criterion"] = frame["criterion_id"] + " text"
    frame["evidence"] = ""
    return frame


RATINGS = _ratings(
    [
        ("Barnet", "police", "S1", "Leadership", "S1.1", "Fully met", ""),
        ("Barnet", "police", "S1", "Leadership", "S1.2", "Not met", ""),
        ("Barnet", "police", "S2", "Listening", "S2.1", "Partly met", "Train staff"),
        ("Barnet", "education", "S1", "Leadership", "S1.1", "Fully met", ""),
        ("Barnet", "education", "S1", "Leadership", "S1.2", "", ""),
        ("Camden", "police", "S1", "Leadership", "S1.1", "Partly met", ""),
    ]
)


def test_counts_by_standard_and_agency_worked_by_hand():
    standards = section11_summary.by_standard(RATINGS, "Barnet").set_index("standard_id")
    # S1 in Barnet: police fully met + not met, education fully met + not rated.
    assert standards.loc[
        "S1", ["Fully met", "Partly met", "Not met", "not rated", "criteria"]
    ].tolist() == [2, 0, 1, 1, 4]
    assert standards.loc["S1", "share_fully_met"] == pytest.approx(2 / 3)
    agencies = section11_summary.by_agency(RATINGS, "Barnet")
    assert agencies["agency"].tolist() == ["police", "education"]  # worst share first
    assert agencies.set_index("agency")["weak_without_action"].to_dict() == {
        "police": 1,
        "education": 0,
    }
    assert section11_summary.by_agency(RATINGS)["board"].tolist().count("Camden") == 1


def test_weak_ratings_with_no_action_and_the_headline():
    flagged = section11_summary.weak_without_action(RATINGS)
    assert flagged[["board", "agency", "criterion_id"]].values.tolist() == [
        ["Barnet", "police", "S1.2"],
        ["Camden", "police", "S1.1"],
    ]
    assert section11_summary.headline(RATINGS, "Barnet") == (
        "Barnet: 2 agency self-assessments; 50% of criteria rated fully met; 1 rated not "
        "fully met with no action."
    )
    assert section11_summary.index_headlines(RATINGS, "Camden") == {
        "Agencies assessed": 1,
        "Criteria fully met": "0%",
        "Not fully met, no action": 1,
    }


def test_challenge_items_are_the_assessed_agencies_score_card_exceptions():
    card = pd.DataFrame(
        {
            "borough": ["Barnet", "Barnet", "Barnet", "Camden"],
            "source_agency": ["police", "police", "probation", "police"],
            "pi_id": ["BF-CP-02", "BF-CP-05", "BF-YJ-01", "BF-CP-02"],
            "title": ["A", "B", "C", "A"],
            "exceptions": ["red_red", "", "missing_target", "red_red"],
            "exception_text": ["Red-red", "", "Missing", "Red-red"],
        }
    )
    items = section11_summary.challenge_items(RATINGS, card, "Barnet")
    assert items[["agency", "pi_id"]].values.tolist() == [["police", "BF-CP-02"]]
    assert section11_summary.challenge_items(RATINGS, pd.DataFrame(), None).empty


@pytest.mark.slow
def test_the_section11_notebook_on_the_demo(use_project, project_factory, tmp_path):
    from lscb_analysis.demo import demo_section11

    root = project_factory(tmp_path / "project")
    use_project(root)
    folder = root / "data" / "raw"
    assert len(demo_section11.write_demo_section11(folder)) == 27
    result = section11_ingest.ingest_section11(folder / "section11")
    section11_ingest.write_ingest(result)
    assert result.files["status"].value_counts().to_dict() == {
        "read": 25,
        "superseded": 1,
        "skipped": 1,
    }
    worst = section11_summary.by_agency(result.ratings).iloc[0]
    assert (worst["board"], worst["agency"]) == demo_section11.STRUGGLING
    runs = orchestrate.run_notebook(
        "section11", "Lambeth", {}, jobs=1, out_dir=tmp_path / "reports", progress=False
    )
    assert [(r.status, r.error) for r in runs] == [("ok", None)]
    html = (tmp_path / "reports" / "section11" / "lambeth" / "report.html").read_text()
    assert "Lambeth: 5 agency self-assessments" in html
    assert "Criteria not fully met with no action" in html and "probation" in html
    assert "SYNTHETIC" in html
