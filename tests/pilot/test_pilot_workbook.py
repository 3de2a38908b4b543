"""The Phase III pilot workbook: generated from the catalogue, protected, validated."""

from __future__ import annotations

import pytest
import template_inputs
from template_inputs import sheet_rows

from lscb_analysis.model import catalogue
from lscb_analysis.pilot import pilot_workbook

# The shared fixture, bound here by name so pytest finds it (see template_inputs).
barnet = template_inputs.barnet


def test_sheets_and_hidden_identity(barnet):
    path, workbook = barnet
    assert workbook.sheetnames == [
        "Instructions",
        "Data",
        "Feasibility",
        "Definitions",
        "Lists",
        "Template info",
    ]
    hidden = workbook["Template info"]
    assert hidden.sheet_state == "hidden" and workbook["Lists"].sheet_state == "hidden"
    meta = {k: v for k, v in hidden.iter_rows(values_only=True)}
    assert meta["kind"] == "lscb_pilot_return" and meta["borough"] == "Barnet"
    # A new template is made on the latest version of the model.
    latest = catalogue.available_versions()[-1]
    assert meta["la_number"] == "302" and meta["model_version"] == latest
    assert meta["periods"].startswith("2024Q1, 2024Q2") and meta["periods"].endswith("2025Q4")
    assert len(meta["template_checksum"]) == 64
    assert meta["pi_checksum"] == catalogue.pi_checksum(catalogue.load_catalogue(latest))


def test_one_row_per_pi_and_period_at_its_cycle(barnet, public_indicators):
    _, workbook = barnet
    header, rows = sheet_rows(workbook["Data"])
    assert header[:9] == [
        "PI id",
        "Indicator",
        "Period",
        "Months covered",
        "Numerator",
        "Denominator",
        "Value",
        "Unit",
        "Status",
    ]
    by_pi: dict[str, list[str]] = {}
    for row in rows:
        by_pi.setdefault(row["PI id"].value, []).append(row["Period"].value)
    current = catalogue.load_catalogue("1.0").current
    assert list(by_pi) == list(current["id"])  # postponed PIs are left out
    assert len(by_pi["BF-EH-01"]) == 8  # quarterly
    assert by_pi["BF-LD-01"] == ["2024Q1", "2024Q3", "2025Q1", "2025Q3"]  # six-monthly
    assert by_pi["BF-CC-03"] == ["2024Q1", "2025Q1"]  # annual national: year-end rows only


def test_ratio_value_is_a_locked_formula_and_entry_cells_are_open(barnet):
    _, workbook = barnet
    sheet = workbook["Data"]
    assert sheet.protection.sheet and not sheet.protection.password
    _, rows = sheet_rows(sheet)
    row = next(r for r in rows if r["PI id"].value == "BF-EH-02")  # a percentage
    value = row["Value"]
    assert value.value.startswith("=IF(") and "*100" in value.value
    assert value.protection.locked
    for label in (
        "Numerator",
        "Denominator",
        "Status",
        "Source agency",
        "Source system",
        "Narrative (what lies behind the figure)",
    ):
        assert not row[label].protection.locked, label
    assert row["PI id"].protection.locked and sheet["A4"].protection.locked
    rate = next(r for r in rows if r["PI id"].value == "BF-EH-01")
    assert "*10000" in rate["Value"].value


def test_national_pis_are_prefilled_locked_and_name_their_year(barnet, public_indicators):
    _, workbook = barnet
    _, rows = sheet_rows(workbook["Data"])
    row = next(r for r in rows if r["PI id"].value == "BF-FD-03" and r["Period"].value == "2025Q1")
    published = public_indicators[
        (public_indicators["indicator"] == "rereferral_pct")
        & (public_indicators["la_number"] == "302")
        & (public_indicators["period"] == 2025)
    ].iloc[0]
    assert row["Value"].value == pytest.approx(published["value"])
    assert row["Numerator"].value == published["numerator"]
    assert row["Status"].value == "published (DfE)"
    assert "2024-25" in row["Note from the project team"].value
    for label in ("Numerator", "Denominator", "Value", "Status"):
        assert row[label].protection.locked
    other = next(
        r for r in rows if r["PI id"].value == "BF-FD-03" and r["Period"].value == "2025Q2"
    )
    assert not other["Numerator"].protection.locked  # the borough's own quarterly figure


def test_data_validation_lists_and_number_rules(barnet):
    _, workbook = barnet
    validations = workbook["Data"].data_validations.dataValidation
    formulas = [v.formula1 for v in validations]
    assert "=pilot_status" in formulas and "=pilot_agency" in formulas
    numerator = next(v for v in validations if v.type == "custom" and str(v.sqref).startswith("E"))
    assert "E5>=0" in numerator.formula1 and "E5<=F5" in numerator.formula1
    assert numerator.errorStyle == "stop"
    names = workbook.defined_names
    assert "pilot_status" in names and "pilot_can_provide" in names
    feasibility = [v.formula1 for v in workbook["Feasibility"].data_validations.dataValidation]
    assert {"=pilot_can_provide", "=pilot_cycle", "=pilot_effort"} <= set(feasibility)
    lists = workbook["Lists"]
    assert [c.value for c in lists["A"]][1:5] == [
        "provided",
        "not available",
        "not yet due",
        "estimated",
    ]


def test_feasibility_definitions_and_instructions(barnet):
    _, workbook = barnet
    header, rows = sheet_rows(workbook["Feasibility"], pilot_workbook.FEASIBILITY_HEADER_ROW)
    assert "Can you provide it? (yes / partly / no)" in header
    published = next(r for r in rows if r["PI id"].value == "BF-CC-03")
    assert published["Can you provide it? (yes / partly / no)"].value == "yes"
    local = next(r for r in rows if r["PI id"].value == "BF-EH-01")
    assert not local["Can you provide it? (yes / partly / no)"].protection.locked
    definitions = {r[0]: r for r in workbook["Definitions"].iter_rows(min_row=2, values_only=True)}
    assert "early help assessment" in definitions["BF-EH-01"][3].lower()
    assert "number of children" in definitions["BF-EH-01"][6]
    text = " ".join(c.value or "" for c in workbook["Instructions"]["A"])
    assert "calendar quarters" in text and "Barnet" in text
