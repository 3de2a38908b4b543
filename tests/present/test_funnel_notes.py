"""Tests for lscb_analysis.present.funnel_notes: the funnel settings file and the notes that
say which method a funnel follows and which areas it leaves out."""

from __future__ import annotations

import pandas as pd
import pytest

from lscb_analysis.core.errors import ReferenceDataError
from lscb_analysis.core.paths import reference_dir
from lscb_analysis.present import funnel_notes
from lscb_analysis.stats.funnels import funnel


def test_settings_file_gives_the_default_method():
    settings = funnel_notes.load_funnel_settings()
    assert settings.funnel_options() == {
        "method": "exact",
        "scale": "transformed",
        "overdispersion": "multiplicative",
        "winsorise": 0.1,
    }
    assert settings.source == str(reference_dir() / "funnels.yaml")


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("method: byar", "method"),
        ("scale: logit", "scale"),
        ("overdispersion: both", "overdispersion"),
        ("winsorise: 0.5", "winsorise"),
    ],
)
def test_settings_file_refuses_unknown_choices(tmp_path, line, named):
    lines = {
        "method": "method: exact",
        "scale": "scale: natural",
        "overdispersion": "overdispersion: none",
        "winsorise": "winsorise: 0.1",
    }
    lines[named] = line
    path = tmp_path / "funnels.yaml"
    path.write_text("\n".join(lines.values()) + "\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=named):
        funnel_notes.load_funnel_settings(path)


def test_settings_none_means_no_overdispersion_adjustment(tmp_path):
    path = tmp_path / "funnels.yaml"
    path.write_text(
        "method: normal\nscale: natural\noverdispersion: none\nwinsorise: 0\n", encoding="utf-8"
    )
    settings = funnel_notes.load_funnel_settings(path)
    assert settings.overdispersion is None and settings.method == "normal"
    # Without wording blocks the note falls back to plain words.
    frame = funnel([3, 5], [100, 100], **settings.funnel_options())
    assert funnel_notes.funnel_method_note(frame, settings) == (
        "normal limits; no over-dispersion adjustment"
    )


def test_method_note_of_each_method():
    exact = funnel([0, 2, 4], [100, 100, 100], kind="rate")
    assert funnel_notes.funnel_method_note(exact) == (
        "exact Poisson limits (PHE funnel method); no over-dispersion adjustment"
    )
    normal = funnel([3, 5, 9], [100, 100, 100], method="normal")
    assert funnel_notes.funnel_method_note(normal) == (
        "normal approximation on the arcsine square-root scale (FunnelPlotR); "
        "no over-dispersion adjustment"
    )
    assert funnel_notes.funnel_method_note(pd.DataFrame({"value": [1.0]})) == (
        "method not recorded"
    )


def test_method_note_of_an_adjusted_funnel_names_the_scale_and_estimate():
    frame = funnel([10, 50, 90], [100, 100, 100], overdispersion="additive", scale="natural")
    assert frame.attrs["adjusted"]
    tau2 = f"{frame.attrs['tau2']:.3g}"
    assert funnel_notes.funnel_method_note(frame) == (
        "widened for over-dispersion (Spiegelhalter 2005, additive: tau squared = "
        f"{tau2} on the natural scale, z-scores winsorised 10%); normal limits on that scale"
    )


def test_not_placed_reasons_prefer_the_published_status():
    frame = funnel([1, None, 0, 2, 3], [10, None, 0, None, 10])
    frame["status"] = ["ok", "suppressed", "ok", "not_applicable", None]
    assert funnel_notes.not_placed_reasons(frame) == [
        None,
        "suppressed",
        "zero_denominator",
        "not_applicable",
        None,
    ]
    without_status = funnel([1, 0], [10, 0])
    assert funnel_notes.not_placed_reasons(without_status) == [None, "zero_denominator"]


def test_not_placed_note_groups_areas_by_reason_and_words_unknown_codes():
    names = ["Barnet", "Brent", "City of London", "Sutton"]
    reasons = ["suppressed", None, "no_denominator", "some_new_status"]
    assert funnel_notes.not_placed_note(names, reasons) == (
        "Not placed: Barnet (suppressed); City of London (no denominator published); "
        "Sutton (some new status)"
    )
    assert funnel_notes.not_placed_note(["Barnet"], [None]) == ""
