"""The score card's recent trend: Fingertips' test on yearly figures only, Mann-Kendall on quarterly
local figures, and the method named on the card, in the method note and in the workbook."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lscb_analysis.scorecard import method, report, trend_marker
from lscb_analysis.stats import trends


def test_quarterly_local_pi_gets_mann_kendall_named_on_the_card(
    model, national_public, rules, pilot_rows, quarters, card_for, row_of
):
    # Ten quarters 2023Q3-2025Q4 rising every quarter, no ties: Mann-Kendall S = 45 of 45
    # pairs, exact two-sided p = 2 / 10! = 5.5e-7 -> increasing. Quarters of the year have 2 or
    # 3 figures (Q1, Q2 only twice), fewer than 3 each, so the test is the plain one.
    values = [700, 710, 720, 730, 740, 750, 760, 770, 780, 790]
    card = card_for(
        model, ["BF-SG-02"], national_public, pilot_rows("BF-SG-02", quarters("2023Q3", 10), values)
    )
    row = row_of(card, "BF-SG-02")
    assert (row["trend"], row["trend_method"]) == ("increasing", "mann_kendall")
    assert row["trend_method_text"] == "Mann-Kendall, 10 quarters"
    assert row["trend_text"] == rules["icons"]["trend"]["increasing"] + ", getting better"
    html = report.scorecard_html(card)
    # On the HTML card a significant trend names its test beneath it (the workbook gives the
    # whole text on every row).
    assert 'getting better<br><span class="sub">Mann-Kendall</span>' in html


def test_three_full_years_of_quarters_get_the_seasonal_test(
    model, national_public, pilot_rows, quarters, card_for, row_of
):
    # 2023Q1-2025Q4: every quarter of the year three times. Within each quarter the figure
    # rises each year (S = 3 per quarter, 12 in all), with a seasonal pattern across quarters.
    # Hand calculation (Hirsch et al. 1982): Var S = 4 x 3*2*11/18 = 14.667,
    # Z = (12 - 1) / 3.830 = 2.872, p = 0.0041 < 0.05 -> increasing.
    season = [700, 900, 650, 850]
    values = [v + 10 * year for year in range(3) for v in season]
    card = card_for(
        model, ["BF-SG-02"], national_public, pilot_rows("BF-SG-02", quarters("2023Q1", 12), values)
    )
    row = row_of(card, "BF-SG-02")
    assert (row["trend"], row["trend_method"]) == ("increasing", "seasonal_mann_kendall")
    assert row["trend_method_text"] == ("Seasonal Mann-Kendall, 12 quarters")


def test_board_tier_leaves_a_suppressed_quarter_out_of_the_trend_and_says_so(
    model, national_public, pilot_rows, quarters, card_for, row_of
):
    # The fourth quarter is 3 of 1000 (a count of 1 to 5): suppressed on the board tier, so the
    # test runs on the other 9 quarters and the method text counts the one left out; the
    # analyst tier uses all 10.
    values = [700, 710, 720, 3, 740, 750, 760, 770, 780, 790]
    pilot = pilot_rows("BF-SG-02", quarters("2023Q3", 10), values)
    board_card = card_for(model, ["BF-SG-02"], national_public, pilot)
    board = row_of(board_card, "BF-SG-02")
    # The HTML card names the test under the (significant) trend, with the quarter left out.
    assert '<span class="sub">Mann-Kendall (1 missing or suppressed)</span>' in (
        report.scorecard_html(board_card)
    )
    assert board["trend_method_text"] == (
        "Mann-Kendall, 9 of 10 quarters (1 missing or suppressed)"
    )
    assert board["trend"] == "increasing"  # 36 of 36 pairs rise: p = 2 / 9! = 5.5e-6
    analyst = row_of(
        card_for(model, ["BF-SG-02"], national_public, pilot, tier="analyst"), "BF-SG-02"
    )
    assert analyst["trend_method_text"] == "Mann-Kendall, 10 quarters"
    # 3 in the fourth place falls below the 3 earlier figures: S = 45 - 2 x 3 = 39, still up.
    assert analyst["trend"] == "increasing"


def test_every_quarter_suppressed_cannot_be_calculated(
    model, national_public, pilot_rows, quarters, card_for, row_of
):
    # Every quarter is a count of 1 to 5: the board sees no figure, so no trend (expected
    # "cannot be calculated", 0 figures, all 8 left out).
    pilot = pilot_rows("BF-SG-02", quarters("2024Q1", 8), [2, 3, 4, 5, 1, 2, 3, 4])
    row = row_of(card_for(model, ["BF-SG-02"], national_public, pilot), "BF-SG-02")
    assert row["trend"] == "cannot_be_calculated"
    assert row["trend_reason"] == "0 figures; the test needs at least 6"
    assert row["trend_method_text"] == "Mann-Kendall, 0 of 8 quarters (8 missing or suppressed)"


def test_national_pi_keeps_fingertips_test_on_yearly_points(
    model, national_public, rules, card_for, row_of
):
    # Re-referrals 2021-2025 (conftest): 2000, 2050, 2000, 2400, 2740 of 10,000 each year.
    # The card's trend is stats.trend_test's on those five yearly counts.
    row = row_of(card_for(model, ["BF-FD-03"], national_public, period="2025"), "BF-FD-03")
    expected = trends.trend_test(
        numerator=[2000, 2050, 2000, 2400, 2740],
        denominator=[10000] * 5,
        confidence=rules["trend"]["confidence"],
        frequency="annual",
    ).iloc[0]
    assert (row["trend"], row["trend_method"]) == (expected["trend"], "chi_squared_trend")
    assert row["trend_method_text"] == "Fingertips (chi-squared), 5 years"


def test_trend_fields_for_a_six_monthly_pi_and_a_unit_with_no_interval(rules):
    series = pd.DataFrame(
        {
            "order": [1, 3, 5, 7, 9, 11],  # Q2 and Q4 of three years
            "value": [10.0, 11, 12, 13, 14, 15],
            "state": "ok",
            "numerator": 1.0,
            "denominator": 10.0,
        }
    )
    fields = trend_marker.trend_fields(
        series, {"source_type": "local", "frequency": "six-monthly"}, "percent", rules
    )
    # 6 rising figures: p = 2 / 720 = 0.0028; two halves with 3 figures each -> seasonal:
    # S = 3 + 3 = 6, Var = 2 x 11/3, Z = 5 / 2.708 = 1.846, p = 0.065 -> not significant.
    assert fields["trend_method"] == "seasonal_mann_kendall"
    assert fields["trend"] == "no_significant_change"
    assert fields["trend_method_text"].endswith("6 half-years")
    caseload = trend_marker.trend_fields(
        series.assign(order=range(2019, 2025)),
        {"source_type": "national", "frequency": "annual"},
        "cases_per_fte",
        rules,
    )
    assert caseload == {
        "trend": "cannot_be_calculated",
        "trend_reason": rules["intervals"]["cases_per_fte"]["reason"],
        "trend_method": "",
        "trend_method_text": "",
    }
    assert math.isclose(5 / math.sqrt(2 * 11 / 3), 1.846, abs_tol=1e-3)


def test_method_note_names_both_tests(rules):
    note = dict(method.method_lines(rules))["Recent trend"]
    assert "Fingertips" in note and "Mann-Kendall" in note and "Hirsch" in note
    assert "99.8%" in note and "95%" in note


def test_the_fingertips_test_is_never_given_quarterly_points(
    monkeypatch, model, national_public, pilot_rows, quarters, card_for
):
    # Every call the card makes to stats.trend_test states yearly points.
    calls = []
    original = trends.trend_test

    def spy(*args, **kwargs):
        calls.append(kwargs["frequency"])
        return original(*args, **kwargs)

    monkeypatch.setattr(trends, "trend_test", spy)
    pilot = pilot_rows("BF-SG-02", quarters("2023Q3", 10), [700 + 10 * i for i in range(10)])
    card_for(model, ["BF-SG-02", "BF-FD-03"], national_public, pilot)
    assert calls == ["annual"]
    with pytest.raises(Exception, match="frequency"):
        original(numerator=[1] * 5, denominator=[10] * 5, frequency="quarterly")
