"""The deep dive's London funnel and statistical neighbours."""

from __future__ import annotations

import pytest

from lscb_analysis.qa import deep_dive, deep_dive_london
from lscb_analysis.stats.funnels import funnel


def test_funnel_passes_suppressed_boroughs_to_the_chart(public_indicators):
    frame, names = deep_dive_london.london_funnel(public_indicators, "cpp_2yrs_pct", 2025)
    hidden = frame["status"] == "suppressed"
    assert hidden.any() and frame.loc[hidden, "value"].isna().all()
    assert frame.loc[~hidden, "value"].notna().all() and len(names) == len(frame)
    placed = funnel(
        frame.loc[~hidden, "numerator"],
        frame.loc[~hidden, "denominator"],
        kind="proportion",
        multiplier=100,
        overdispersion="multiplicative",
    )
    assert frame.attrs["phi"] == pytest.approx(placed.attrs["phi"])  # left out of the limits
    scope = deep_dive.check_parameters(
        public_indicators, "Barnet", None, "cpp_2yrs_pct", None, None
    )
    figure = deep_dive_london.funnel_figures({"cpp_2yrs_pct": (frame, names)}, scope)[0]
    note = [t.get_text() for t in figure.axes[0].texts if t.get_gid() == "suppressed"]
    suppressed = [n for n, h in zip(names, hidden, strict=True) if h]
    assert note and all(name in note[0].replace("\n", " ") for name in suppressed)


def test_funnel_and_neighbours_use_the_stats_module(public_indicators):
    scope = deep_dive.check_parameters(
        public_indicators, "Barnet", None, "rereferral_pct", None, None
    )
    frame, names = deep_dive_london.london_funnel(public_indicators, "rereferral_pct", 2025)
    assert len(frame) == len(names) >= 30 and frame.attrs["phi"] > 0
    assert "Barnet" in names
    comparison, labels = deep_dive_london.neighbour_comparison(
        public_indicators, scope, "rereferral_pct"
    )
    assert labels[0] == "Barnet" and len(labels) == 11
    assert set(comparison["comparison"]) <= {"better", "similar", "worse"}
