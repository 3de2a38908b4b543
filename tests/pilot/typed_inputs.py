"""A pilot return with what people type in figure cells ("87%", "n/a", "12 children"), for the
ingest's tests of typed values: each case with the finding it must raise, at which cell, and
the value and status the ingest must record (a module, not a conftest, so that tests import
the cases by name)."""

from __future__ import annotations

import math

import openpyxl
from ingest_inputs import ISSUED, fill_constant, save_workbook

from lscb_analysis.core import register
from lscb_analysis.model import catalogue
from lscb_analysis.pilot import pilot_periods, pilot_table, pilot_template, pilot_workbook

NAN = math.nan
BOROUGH = "Barnet"
PERIODS = "2025Q1..2025Q4"
FILE = "barnet_typed.xlsx"
OWN_FILE = "haringey_own_table.xlsx"

# (pi_id, period, cells typed over the constant figures, code expected (None: no finding
# about the figure cells), the field whose cell it names, value recorded, status recorded).
# BF-EH-02, BF-EH-03, BF-CP-02, BF-CP-04 and BF-CC-04 are percentages (local), BF-EH-01 a
# rate per 10,000 (local); the constant figures are 150 / 200 (75.0%) and 270 / 90,000 (30.0).
CASES = [
    # "87%" typed alone for a percentage: its own query, read as 87.
    (
        "BF-EH-02",
        "2025Q1",
        {"numerator": None, "denominator": None, "value": "87%"},
        "Q_PERCENT_NO_COUNTS",
        "value",
        87.0,
        "provided",
    ),
    # 0.87 (Excel's "87%") alone for a percentage: the same query, kept as typed.
    (
        "BF-EH-03",
        "2025Q1",
        {"numerator": None, "denominator": None, "value": 0.87},
        "Q_PERCENT_NO_COUNTS",
        "value",
        0.87,
        "provided",
    ),
    # A rate typed alone: the existing query for a value without counts.
    (
        "BF-EH-01",
        "2025Q1",
        {"numerator": None, "denominator": None, "value": 30},
        "Q_NO_COUNTS",
        "value",
        30.0,
        "provided",
    ),
    # "provided" with "n/a" / "N/A": queried, recorded as not available, no figure.
    (
        "BF-CP-02",
        "2025Q1",
        {"numerator": "n/a", "denominator": "N/A"},
        "Q_PROVIDED_NOT_AVAILABLE",
        "status",
        NAN,
        "not available",
    ),
    # "provided" with "-" typed over the value formula.
    (
        "BF-CP-04",
        "2025Q1",
        {"numerator": None, "denominator": None, "value": "-"},
        "Q_PROVIDED_NOT_AVAILABLE",
        "status",
        NAN,
        "not available",
    ),
    # "estimated" with "not known" beside a numerator: no figure, so not available.
    (
        "BF-CC-04",
        "2025Q1",
        {"denominator": "not known", "status": "estimated"},
        "Q_PROVIDED_NOT_AVAILABLE",
        "status",
        NAN,
        "not available",
    ),
    # "not available" said twice: nothing to query.
    (
        "BF-EH-02",
        "2025Q2",
        {"numerator": "nk", "denominator": "NA", "status": "not available"},
        None,
        "status",
        NAN,
        "not available",
    ),
    # No status, "unknown" in the figures: recorded as not available.
    (
        "BF-EH-03",
        "2025Q2",
        {"numerator": "unknown", "denominator": "--", "status": ""},
        None,
        "status",
        NAN,
        "not available",
    ),
    # Units after the number: the number, queried at its cell.
    (
        "BF-EH-01",
        "2025Q2",
        {"numerator": "270 children"},
        "Q_VALUE_WITH_UNITS",
        "numerator",
        30.0,
        "provided",
    ),
    ("BF-CP-02", "2025Q2", {"value": "75 %"}, "Q_VALUE_WITH_UNITS", "value", 75.0, "provided"),
    (
        "BF-CC-04",
        "2025Q2",
        {"denominator": "200 days"},
        "Q_VALUE_WITH_UNITS",
        "denominator",
        75.0,
        "provided",
    ),
    # Not a number at all: an error, as before.
    (
        "BF-CP-04",
        "2025Q2",
        {"numerator": "150 of 200"},
        "E_NOT_NUMBER",
        "numerator",
        NAN,
        "provided",
    ),
]
# The template's Data sheet columns.
COLUMNS = {"numerator": "E", "denominator": "F", "value": "G", "status": "I"}


def typed_return(folder, public_indicators) -> None:
    """Write Barnet's return with :data:`CASES` typed into it, and Haringey's own table with
    "87%", "n/a" and "12 children" typed into its Value column, into ``folder``."""
    rules = pilot_periods.load_rules()
    model = catalogue.load_catalogue("1.0")
    area = register.resolve(BOROUGH)
    periods = pilot_periods.period_range(PERIODS)
    workbook = pilot_workbook.build_template(
        [area], periods, model, public_indicators, generated=ISSUED
    )
    rows = pilot_table.template_rows(model, [area], periods, public_indicators, rules)
    entries = fill_constant(rows, rules).drop(columns="borough")
    pilot_template.fill_template(workbook, entries)
    typed = [{"pi_id": pi, "period": period, **cells} for pi, period, cells, *_ in CASES]
    _type_cells(workbook, typed, rules)
    save_workbook(workbook, folder / FILE)
    own = openpyxl.Workbook()
    sheet = own.active
    sheet.title = "Figures"
    sheet.append(["PI", "Quarter", "Value", "Status"])
    sheet.append(["BF-EH-02", "Q1 2025", "87%", "Provided"])
    sheet.append(["BF-EH-02", "Q2 2025", "n/a", "Provided"])
    sheet.append(["BF-WF-02", "Q3 2025", "12 cases", "Provided"])
    own.save(folder / OWN_FILE)


def _type_cells(workbook, typed: list[dict], rules) -> None:
    """Type each case's cells as a person would: a None clears the cell (typing over the
    template's formula or the constant figure), text stays text."""
    sheet = workbook[rules["sheets"]["data"]]
    header_row = pilot_workbook.DATA_HEADER_ROW
    labels = {cell.value: cell.column for cell in sheet[header_row]}
    fields = {name: labels[rules["headers"][name]["label"]] for name in (*COLUMNS, "pi_id")}
    period_column = labels[rules["headers"]["period"]["label"]]
    where = {
        (
            sheet.cell(row=r, column=fields["pi_id"]).value,
            sheet.cell(row=r, column=period_column).value,
        ): r
        for r in range(header_row + 1, sheet.max_row + 1)
    }
    for entry in typed:
        r = where[(entry["pi_id"], entry["period"])]
        for name in COLUMNS:
            if name in entry:
                cell = sheet.cell(row=r, column=fields[name])
                cell.value = entry[name] if entry[name] != "" else None
                if isinstance(cell.value, str):
                    cell.data_type = "s"
