"""Judging one PI: SPC variation and assurance icons from the borough's series."""

from __future__ import annotations

from html import escape

from lscb_analysis.scorecard import report


def test_special_cause_concern_icon_sentence_and_question(
    model, national_public, rules, pilot_rows, quarters, card_for, row_of
):
    # Steady about 90%, then 60% in the latest quarter: below the lower process limit.
    values = [900, 905, 895, 900, 910, 900, 905, 895, 900, 600]
    pilot = pilot_rows("BF-SG-02", quarters("2023Q3", 10), values)
    card = card_for(model, ["BF-SG-02"], national_public, pilot)
    row = row_of(card, "BF-SG-02")
    assert (row["variation"], row["variation_icon"], row["spc_rule"]) == (
        "special_cause_concern",
        "concern_low",
        "outside_limits",
    )
    assert row["variation_text"] == rules["icons"]["variation"]["concern_low"]
    assert row["assurance"] == "consistently_fail"  # target 100% above the upper limit
    exception = card.exceptions.set_index("pi_id").loc["BF-SG-02"]
    assert exception["exceptions"].split(";") == ["special_cause_concern", "missing_target"]
    assert exception["sentence"].startswith(
        "Private fostering notifications visited within 7 working days fell to 60.0% in Q3 2025-26;"
    )
    assert (
        "below the lower process limit for the first time since the series began in Q2 2023-24"
        in exception["sentence"]
    )
    assert (
        "What changed in Q3 2025-26" in exception["questions"]
        and "Barnet" in exception["questions"]
    )
    # Each question is its own paragraph in the exception list (run on, spaced, on paper).
    questions = exception["questions"].split("\n\n")
    assert len(questions) == 2
    listed = report.exceptions_html(card)
    assert all(f'<p class="lscb-question">{escape(q)}</p>' in listed for q in questions)
    # The points the chart draws are the ones the icon was computed from.
    points = card.points[card.points["pi_id"] == "BF-SG-02"]
    assert points["variation"].iloc[-1] == "special_cause_concern"


def test_improvement_and_too_few_points(
    model, national_public, pilot_rows, quarters, card_for, row_of
):
    rising = pilot_rows(
        "BF-SG-02", quarters("2023Q3", 10), [700, 705, 695, 700, 710, 700, 705, 695, 700, 950]
    )
    few = pilot_rows("BF-SG-01", quarters("2024Q4", 5), [700, 720, 710, 690, 705])
    card = card_for(model, ["BF-SG-02", "BF-SG-01"], national_public, rising + few)
    assert row_of(card, "BF-SG-02")["variation_icon"] == "improvement_high"
    short = row_of(card, "BF-SG-01")
    assert short["variation"] == "too_few_points" and "Too few points" in short["variation_text"]
    assert short["spc_note"] == "5 points; limits need at least 8"
    assert card.points[card.points["pi_id"] == "BF-SG-01"]["upl"].isna().all()
