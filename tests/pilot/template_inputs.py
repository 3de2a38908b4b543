"""Shared inputs of the pilot template tests: Barnet's workbook and a sheet reader.

The ``barnet`` fixture is bound into each test module by name (``barnet =
template_inputs.barnet``); :func:`sheet_rows` is a plain helper.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from lscb_analysis.pilot import pilot_template, pilot_workbook

ISSUED = dt.date(2026, 2, 2)


@pytest.fixture(scope="module")
def barnet(tmp_path_factory, public_indicators):
    path = tmp_path_factory.mktemp("template") / "barnet.xlsx"
    pilot_template.write_pilot_template(
        "LB Barnet", "2024Q1..2025Q4", path, published=public_indicators, generated=ISSUED
    )
    return path, openpyxl.load_workbook(path)


def sheet_rows(sheet, header_row=pilot_workbook.DATA_HEADER_ROW):
    """Return a sheet's header labels and its rows as {label: cell} dicts."""
    header = [c.value for c in sheet[header_row]]
    return header, [
        dict(zip(header, (c for c in row), strict=False))
        for row in sheet.iter_rows(min_row=header_row + 1)
    ]
