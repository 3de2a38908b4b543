"""Tests for lscb_analysis.protect.disclosure_figures: plotting and figures derived from counts."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from lscb_analysis.core.errors import ParameterError
from lscb_analysis.protect import disclosure, disclosure_figures
from lscb_analysis.protect.disclosure import (
    suppress_table,
)
from lscb_analysis.protect.disclosure_config import (
    load_disclosure_rules,
)
from lscb_analysis.protect.disclosure_figures import may_plot, plottable

RULES = load_disclosure_rules()


# --- plotting ---------------------------------------------------------------------------------


def test_plotting_helper_never_plots_a_suppressed_value():
    assert may_plot(3) and may_plot(np.int64(3)) and may_plot(2.5) and may_plot(0)
    assert not may_plot("c") and not may_plot("x") and not may_plot(None)
    assert not may_plot(np.nan) and not may_plot(pd.NA) and not may_plot(True)
    assert not may_plot(float("inf"))
    table = pd.DataFrame({"n": [3, 10, 13]}, index=["A", "B", "Total"])
    shown = plottable(suppress_table(table, row_total="Total", rules=RULES))
    assert shown["n"].isna().tolist() == [True, True, False]
    assert shown["n"].dtype == float


# --- the one decision for figures derived from counts ------------------------------------------


@pytest.mark.parametrize(
    ("counts", "visible"),
    [
        ([24, 64], True),
        ([0, 64], True),
        ([3, 64], False),
        (["c", 64], False),
        ([5, 6], False),
        ([6, 6], True),
    ],
)
def test_derived_visible_on_board_suppresses_with_any_source_count(counts, visible):
    assert disclosure_figures.derived_visible(counts) is visible
    assert disclosure_figures.derived_visible(counts, "analyst") is True


def test_derived_visible_follows_other_tables_and_zero_rule():
    assert disclosure_figures.derived_visible([24, 64], suppressed=True) is False
    assert disclosure_figures.derived_visible([24, 64], "analyst", suppressed=True) is True
    strict = dataclasses.replace(load_disclosure_rules(), zero_rule="suppress")
    assert disclosure_figures.derived_visible([0, 64], rules=strict) is False
    with pytest.raises(ParameterError):
        disclosure_figures.derived_visible([1], "public")


def test_show_share_checks_the_complement_and_formats_the_interval():
    assert (
        disclosure_figures.show_share(24, 64, interval=(27.1, 50.4))
        == "38% (95% interval 27% to 50%)"
    )
    # 61 of 64: the 3 not good or better are suppressed, so is the share
    assert disclosure_figures.show_share(61, 64) == "suppressed (fewer than 6)"
    assert disclosure_figures.show_share(61, 64, "analyst", decimals=1) == "95.3%"
    assert disclosure_figures.show_share(24, 64, other_counts=[2]) == "suppressed (fewer than 6)"
    assert disclosure_figures.show_share(0, 0) == "suppressed (fewer than 6)"


def test_show_figure_and_rows_with_suppression():
    assert disclosure_figures.show_figure("2 of 9", [2, 9]) == "suppressed (fewer than 6)"
    assert disclosure_figures.show_figure("7 of 9", [7, 9]) == "7 of 9"
    table = pd.DataFrame({"a": [3, 10, 13], "b": [8, 12, 20]}, index=["x", "y", "Total"])
    flags = disclosure.rows_with_suppression(table, row_total="Total")
    assert flags.tolist() == [True, True, False]  # y holds the secondary suppression
    assert not disclosure.rows_with_suppression(table, "analyst", row_total="Total").any()
