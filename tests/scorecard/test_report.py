"""The score card report: grouping, the sub-group filter, the tartan rug, the method note."""

from __future__ import annotations

from html import escape

import pytest

from lscb_analysis.core.errors import ParameterError
from lscb_analysis.scorecard import charts, method, report


def test_report_grouping_subgroup_filter_rug_and_method_note(
    model, national_public, rules, card_for
):
    ids = ["BF-FD-03", "BF-CP-03", "BF-CP-06", "BF-SG-02"]
    card = card_for(model, ids, national_public, period=2025)
    html = report.scorecard_html(card)
    assert html.index("G1 Children and families") < html.index("G2 Children at risk")
    assert escape(card.rows["cluster_narrative"].iloc[0]) in html
    neglect = card_for(model, ids, national_public, period=2025, subgroup="Neglect")
    assert neglect.rows["pi_id"].tolist() == ["BF-CP-06"] and neglect.subgroup == "neglect"
    with pytest.raises(ParameterError, match="Parameter 'subgroup'"):
        card_for(model, ids, national_public, period=2025, subgroup="finance")
    grid, title = charts.rug_grid(card)
    assert grid.shape == (33, 4) and grid.loc["Barnet", "FD-03"] == "worse"
    assert (grid["SG-02"] == "not_compared").all()
    assert title.startswith("Barnet is significantly worse than England on 1")
    note = method.method_note(rules)
    assert "95%" in note and "Counts from 1 to 5" in note
    assert report.index_headlines(card)["Exceptions"] == len(card.exceptions)
