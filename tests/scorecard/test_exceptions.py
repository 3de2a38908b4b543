"""The exception list: special cause, red-red and missing the target consistently."""

from __future__ import annotations


def test_first_time_since_an_earlier_breach(model, national_public, pilot_rows, quarters, card_for):
    values = [900] * 16
    values[3] = values[-1] = 600  # 2022Q4 and 2025Q4 both below the lower limit
    pilot = pilot_rows("BF-SG-02", quarters("2022Q1", 16), values)
    card = card_for(model, ["BF-SG-02"], national_public, pilot)
    assert "for the first time since Q3 2022-23" in card.exceptions["sentence"].iloc[0]


def test_red_red_worse_than_england_and_getting_worse(model, national_public, card_for, row_of):
    card = card_for(model, ["BF-FD-03"], national_public, period=2025)
    row = row_of(card, "BF-FD-03")
    assert (row["vs_england"], row["vs_london"], row["vs_neighbours"]) == (
        "worse",
        "worse",
        "not_compared",
    )
    exception = card.exceptions.iloc[0]
    assert "red_red" in exception["exceptions"].split(";")
    assert exception["sentence"].startswith(
        "Re-referrals within 12 months of a previous referral rose to 27.4% in 2024-25; "
        "significantly worse than England (22.6%) and London (19.4%)"
    )
    assert (
        "above the upper process limit for the first time since the series began"
        in exception["sentence"]
    )
    assert "worse than England and London" in exception["questions"]


def test_missing_target_consistently_needs_three_misses_in_a_row(
    model, national_public, pilot_rows, quarters, card_for
):
    # Allegations resolved in a month (target 80%): on target, then 3 misses in a row.
    misses = pilot_rows("BF-SG-01", quarters("2024Q4", 5), [850, 820, 700, 690, 710])
    card = card_for(model, ["BF-SG-01"], national_public, misses)
    assert card.exceptions["exceptions"].tolist() == ["missing_target"]
    assert (
        "below its target of 80.0% in each of the last 3 quarters"
        in card.exceptions["sentence"].iloc[0]
    )
    two = pilot_rows("BF-SG-01", quarters("2024Q4", 5), [850, 820, 810, 690, 710])
    assert card_for(model, ["BF-SG-01"], national_public, two).exceptions.empty
