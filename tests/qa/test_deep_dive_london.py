"""The deep dive's London funnel and statistical neighbours."""

from __future__ import annotations

import pandas as pd
import pytest

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.present.funnel_notes import FunnelSettings
from lscb_analysis.qa import deep_dive, deep_dive_london
from lscb_analysis.stats.funnels import funnel


def test_funnel_passes_suppressed_boroughs_to_the_chart(public_indicators):
    frame, names = deep_dive_london.london_funnel(public_indicators, "cpp_2yrs_pct", 2025)
    hidden = frame["status"] == "suppressed"
    placed = (frame["status"] == "ok") & frame["not_placed"].isna()
    assert hidden.any() and frame.loc[hidden, "value"].isna().all()
    assert frame.loc[placed, "value"].notna().all() and len(names) == len(frame) == 33
    reference = funnel(
        frame.loc[placed, "numerator"],
        frame.loc[placed, "denominator"],
        kind="proportion",
        multiplier=100,
        overdispersion="multiplicative",
    )
    assert frame.attrs["phi"] == pytest.approx(reference.attrs["phi"])  # left out of the limits
    scope = deep_dive.check_parameters(
        public_indicators, "Barnet", None, "cpp_2yrs_pct", None, None
    )
    figure = deep_dive_london.funnel_figures({"cpp_2yrs_pct": (frame, names)}, scope)[0]
    note = [t.get_text() for t in figure.axes[0].texts if t.get_gid() == "suppressed"]
    suppressed = [n for n, h in zip(names, hidden, strict=True) if h]
    assert note and all(name in note[0].replace("\n", " ") for name in suppressed)


def test_funnel_names_the_city_of_london_and_why_it_is_not_placed(public_indicators):
    # Published 2025 figures: the City of London's count of 0 for cpp_2yrs_pct comes with no
    # denominator; its cla_long_term_stability_pct is "not applicable" (denominator 0); its
    # cla_rate is suppressed ("c").
    scope = deep_dive.check_parameters(
        public_indicators, "Barnet", None, "cpp_2yrs_pct", None, None
    )
    expected = {
        "cpp_2yrs_pct": "City of London (no denominator published)",
        "cla_long_term_stability_pct": "City of London (not applicable)",
        "cla_rate": "City of London (suppressed)",
    }
    for indicator_id, words in expected.items():
        frame, names = deep_dive_london.london_funnel(public_indicators, indicator_id, 2025)
        city = names.index("City of London")
        assert pd.isna(frame["value"].iloc[city]) and pd.isna(frame["significance"].iloc[city])
        figure = deep_dive_london.funnel_figures({indicator_id: (frame, names)}, scope)[0]
        note = [t.get_text() for t in figure.axes[0].texts if t.get_gid() == "suppressed"]
        assert note and words in note[0].replace("\n", " "), indicator_id
        position = figure.lscb_data.set_index("Area").at["City of London", "Position"]
        assert position.startswith(("not placed", "suppressed"))
        method = [t.get_text() for t in figure.axes[0].texts if t.get_gid() == "note"]
        assert "PHE funnel method" in method[0] or "over-dispersion (Spiegelhalter" in method[0]


def test_funnel_follows_the_settings_it_is_given(public_indicators):
    settings = FunnelSettings(method="normal", scale="natural", overdispersion=None)
    frame, _ = deep_dive_london.london_funnel(public_indicators, "cin_rate", 2025, settings)
    assert frame.attrs["method"] == "normal" and frame.attrs["scale"] == "natural"
    assert not frame.attrs["adjusted"] and frame.attrs["overdispersion"] is None
    default, _ = deep_dive_london.london_funnel(public_indicators, "cin_rate", 2025)
    assert (
        default.attrs["method"] == "exact" and default.attrs["overdispersion"] == "multiplicative"
    )


def test_funnel_names_a_borough_missing_from_the_table(public_indicators):
    table = public_indicators[public_indicators["area_name"] != "Sutton"]
    frame, names = deep_dive_london.london_funnel(table, "cin_rate", 2025)
    assert frame["status"].iloc[names.index("Sutton")] == "not_published"
    assert len(frame) == 33


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


def test_funnels_leave_out_indicators_with_no_funnel_model(public_indicators):
    # sw_caseload is cases per FTE (76 cases over 6.8 FTE): neither a proportion nor a rate
    # per 10,000 children, so no funnel is drawn for it, and asking for one says why.
    scope = deep_dive.check_parameters(public_indicators, "Barnet", None, "sw_caseload", None, None)
    assert deep_dive_london.funnels(public_indicators, scope) == {}
    with pytest.raises(InvalidArgumentError, match="indicator_id 'sw_caseload'"):
        deep_dive_london.london_funnel(public_indicators, "sw_caseload", 2025)


def test_an_indicator_without_a_funnel_is_named_with_the_reason(public_indicators):
    scope = deep_dive.check_parameters(public_indicators, "Barnet", None, "sw_caseload", None, None)
    funnels = deep_dive_london.funnels(public_indicators, scope)
    assert deep_dive_london.funnel_gaps(funnels, scope) == (
        "No funnel for Social worker caseload (a funnel compares percentages and rates, "
        "not this unit)."
    )
    # An indicator with a funnel leaves nothing to say; one with too few boroughs is named.
    scope = deep_dive.check_parameters(
        public_indicators, "Barnet", None, "cpp_2yrs_pct", None, None
    )
    funnels = deep_dive_london.funnels(public_indicators, scope)
    assert deep_dive_london.funnel_gaps(funnels, scope) == ""
    assert deep_dive_london.funnel_gaps({}, scope) == (
        "No funnel for CP plans 2 years+ (fewer than three boroughs with a published figure)."
    )
