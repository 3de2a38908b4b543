"""Tests for lscb_analysis.present.value_format: formatting one value."""

from __future__ import annotations

import pandas as pd

from lscb_analysis.present import data_dictionary, value_format


def test_rounding_is_half_up():
    assert value_format.format_number(0.125, 2) == "0.13"
    assert value_format.format_number(2.5, 0) == "3"
    assert value_format.format_number(-0.04, 1) == "0.0"


def test_indicator_values_take_each_rows_indicator_precision():
    table = pd.DataFrame({"indicator_id": ["cin_rate", "cin_rate"], "value": [1.0, 2.0]})
    column = data_dictionary.Column("value", "Value", kind="indicator_value")
    symbols = data_dictionary.symbol_words()
    assert (
        value_format.format_value(48.123, column, symbols, unit="rate_per_10000", decimals=1)
        == "48.1"
    )
    assert value_format.format_value(12.0, column, symbols, unit="percent", decimals=0) == "12%"
    assert len(table) == 2


def test_p_values_are_never_a_string_of_zeros():
    # Two significant figures, half up (Decimal.quantize with ROUND_HALF_UP), "p < 0.001" below.
    expected = {
        0.0: "p < 0.001",
        1e-12: "p < 0.001",
        0.000999: "p < 0.001",
        0.001: "p = 0.0010",
        0.00125: "p = 0.0013",
        0.034: "p = 0.034",
        0.0345: "p = 0.035",
        0.05: "p = 0.050",
        0.0496: "p = 0.0496",  # "0.050" would read as not below 0.05
        0.049996: "p < 0.05",  # even three figures (0.0500) would
        0.5: "p = 0.50",
        1.0: "p = 1.0",
        0.999: "p = 1.0",
        0.00999: "p = 0.010",
    }
    for number, text in expected.items():
        assert value_format.format_p_value(number) == text, number
    assert value_format.format_p_value(float("nan")) == ""
    assert value_format.format_p_value("0.2") == "p = 0.20"


def test_p_value_columns_use_the_p_formatter():
    column = data_dictionary.load_dictionary()["p_value"]
    symbols = data_dictionary.symbol_words()
    assert value_format.format_value(0.0000001, column, symbols) == "p < 0.001"
    assert value_format.format_value(0.0123456, column, symbols) == "p = 0.012"
    assert value_format.format_value(float("nan"), column, symbols) == column.missing
