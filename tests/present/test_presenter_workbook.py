"""Presented tables in workbooks: same headers, typed numbers with formats, same words."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd

from lscb_analysis.present import data_dictionary, presenter, presenter_workbook, value_format
from lscb_analysis.protect import disclosure_config


def test_workbook_sheet_has_same_headers_typed_numbers_formats_and_words(tmp_path):
    table = pd.DataFrame(
        {
            "audit_id": ["A", "B"],
            "graded": [1234, "c"],
            "good_or_better_pct": [37.98627, np.nan],
            "coverage": [0.5, 0.25],
            "audit_date": [pd.Timestamp("2025-03-31"), pd.NaT],
        }
    )
    presented = presenter.present(table, "Audits")
    book = openpyxl.Workbook()
    next_row = presenter_workbook.write_sheet(book.active, presented)
    path = tmp_path / "t.xlsx"
    book.save(path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "Audits"
    assert [c.value for c in sheet[2]] == list(presented.parts[0].columns)
    assert sheet["B3"].value == 1234 and sheet["B3"].number_format == "#,##0"
    assert sheet["B4"].value == disclosure_config.suppressed_wording()
    assert sheet["C3"].number_format == '#,##0"%"' and sheet["C4"].value == "not available"
    assert sheet["D3"].value == 0.5 and sheet["D3"].number_format == "0%"
    assert sheet["E3"].number_format == "d mmmm yyyy" and sheet["E4"].value == "not available"
    assert next_row == 6


def test_workbook_frame_and_number_formats(tmp_path):
    from lscb_analysis.protect import safe_files

    frame = presenter_workbook.workbook_frame(
        pd.DataFrame({"pi_id": ["BF-1"], "coverage": [0.5], "status": ["no_return"]})
    )
    assert list(frame.columns) == ["PI", "Coverage score", "Status"]
    path = safe_files.write_safe_xlsx({"S": frame}, tmp_path / "w.xlsx")
    book = openpyxl.load_workbook(path)
    presenter_workbook.apply_number_formats(book["S"])
    cells = {c.value: c for row in book["S"].iter_rows() for c in row}
    assert cells[0.5].number_format == "0%" and "no return" in cells


def test_a_table_of_mixed_indicators_uses_each_rows_precision_and_unit(tmp_path):
    table = pd.DataFrame(
        {
            "pi_id": ["cin_rate", "rereferral_pct"],
            "numerator": [1234.0, "c"],
            "value": [48.123, 22.46],
        }
    )
    presented = presenter.present(
        table,
        "Figures",
        indicator="pi_id",
        kinds={"numerator": "count", "value": "indicator_value"},
    )
    shown = presented.parts[0]
    units = data_dictionary.indicator_formats()
    assert units["cin_rate"] == ("rate_per_10000", 1)
    assert shown["Numerator"].tolist() == ["1,234", disclosure_config.suppressed_wording()]
    expected = value_format.format_number(22.46, units["rereferral_pct"][1]) + "%"
    assert shown["Value"].tolist() == ["48.1", expected]
    book = openpyxl.Workbook()
    presenter_workbook.write_sheet(book.active, presented)
    assert book.active["C3"].number_format == "#,##0.0"
    assert book.active["C4"].number_format.endswith('"%"')
