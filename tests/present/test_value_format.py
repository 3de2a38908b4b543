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
