"""Target ratings and direction of travel, following each PI's polarity."""

from __future__ import annotations

from lscb_analysis.scorecard import ratings
from lscb_analysis.scorecard.rules import load_rules


def test_polarity_an_increase_is_bad_for_rereferrals_and_good_for_icpc_timeliness(
    model, national_public, card_for, row_of
):
    card = card_for(model, ["BF-FD-03", "BF-CP-03"], national_public, period=2025)
    rereferrals, icpc = row_of(card, "BF-FD-03"), row_of(card, "BF-CP-03")
    assert (rereferrals["value_text"], rereferrals["previous_text"]) == ("27.4%", "24.0%")
    assert rereferrals["travel"] == "worsening" and "Worsening" in rereferrals["travel_icon"]
    assert icpc["travel"] == "improving" and "Improving" in icpc["travel_icon"]
    # Targets: re-referrals above 20% miss it; ICPCs at 90% meet 85%.
    assert rereferrals["target_status"] == "missed" and icpc["target_status"] == "met"
    # Without a polarity only up / down; equal as published is no change.
    assert ratings.travel(5.0, 4.0, "none", 1, load_rules()) == "up"
    assert ratings.travel(14.81, 14.84, "low", 1, load_rules()) == "no_change"
