"""The score card: missing and suppressed figures are shown as such and never coloured."""

from __future__ import annotations

import pandas as pd

from lscb_analysis.present import plots
from lscb_analysis.scorecard import charts, report


def test_missing_and_suppressed_are_shown_as_such_and_never_coloured(
    suppressed_card, rules, model, national_public, pilot_rows, card_for, row_of
):
    colours = rules["colours"]
    for pi_id, text in (
        ("BF-SG-02", "c (suppressed"),
        ("BF-CC-04", "Not available"),
        ("BF-CP-07", "c (suppressed"),
    ):
        row = row_of(suppressed_card, pi_id)
        assert row["value_text"].startswith(text) and pd.isna(row["value"])
        assert pd.isna(row["numerator"])
        assert row["target_status"] not in colours["target"]
        assert row["variation"] not in colours["variation"]
        assert all(row[f"vs_{key}"] not in colours["comparison"] for key in rules["benchmarks"])
    assert row_of(suppressed_card, "BF-SG-02")["target_status"] == "not_assessed"
    # The suppressed figure is in no statistic, no sentence and no chart.
    assert "42.9" not in suppressed_card.exceptions["sentence"].str.cat()
    assert "BF-SG-02" not in suppressed_card.exceptions["pi_id"].tolist()
    points = suppressed_card.points[suppressed_card.points["pi_id"] == "BF-SG-02"]
    assert points["state"].iloc[-1] == "suppressed" and pd.isna(points["value"].iloc[-1])
    panels = charts.chart_panels(suppressed_card, ["BF-SG-02"])
    figure = plots.spc_small_multiples(suppressed_card.points, panels, "t")
    assert [t.get_text() for t in figure.axes[0].texts if t.get_gid() == "suppressed"] == ["c"]
    html = report.scorecard_html(suppressed_card)
    assert "42.9%" not in html and "c (suppressed: small number)" in html
    # The analyst tier shows the figure.
    pilot = pilot_rows("BF-SG-02", ["2025Q4"], [3], denominator=7)
    analyst = card_for(model, ["BF-SG-02"], national_public, pilot, tier="analyst")
    assert row_of(analyst, "BF-SG-02")["value_text"] == "42.9%"
    assert "NOT FOR PUBLICATION" in analyst.tier_label
