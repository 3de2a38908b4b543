"""The Phase III pilot template: generated from the catalogue, protected, validated, stamped."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from lscb_analysis.core import io, register
from lscb_analysis.core.errors import InvalidArgumentError, RawDataWriteError
from lscb_analysis.model import catalogue
from lscb_analysis.pilot import pilot_template

ISSUED = dt.date(2026, 2, 2)


@pytest.fixture(scope="module")
def barnet(tmp_path_factory, public_indicators):
    path = tmp_path_factory.mktemp("template") / "barnet.xlsx"
    pilot_template.write_pilot_template(
        "LB Barnet", "2024Q1..2025Q4", path, published=public_indicators, generated=ISSUED
    )
    return path, openpyxl.load_workbook(path)


def _rows(sheet, header_row=pilot_template.DATA_HEADER_ROW):
    header = [c.value for c in sheet[header_row]]
    return header, [
        dict(zip(header, (c for c in row), strict=False))
        for row in sheet.iter_rows(min_row=header_row + 1)
    ]


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2024Q1", "2024Q1"),
        ("2024 q3", "2024Q3"),
        ("Q2 2025", "2025Q2"),
        ("2024-25 Q1", "2024Q2"),
        ("Q4 2024/25", "2025Q1"),
        (dt.date(2025, 12, 31), "2025Q4"),
    ],
)
def test_periods_are_read_the_ways_people_write_them(text, period):
    assert pilot_template.parse_period(text) == period


def test_period_ranges_and_their_errors():
    assert pilot_template.period_range("2024Q1..2025Q4") == [
        "2024Q1",
        "2024Q2",
        "2024Q3",
        "2024Q4",
        "2025Q1",
        "2025Q2",
        "2025Q3",
        "2025Q4",
    ]
    assert pilot_template.period_range("2025Q2, 2024Q4") == ["2024Q4", "2025Q2"]
    with pytest.raises(InvalidArgumentError, match="backwards"):
        pilot_template.period_range("2025Q1..2024Q1")
    with pytest.raises(InvalidArgumentError, match="not a period"):
        pilot_template.parse_period("spring 2025")
    with pytest.raises(InvalidArgumentError, match="max_periods"):
        pilot_template.period_range("2015Q1..2025Q4")


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
    assert meta["la_number"] == "302" and meta["model_version"] == "1.0"
    assert meta["periods"].startswith("2024Q1, 2024Q2") and meta["periods"].endswith("2025Q4")
    assert len(meta["template_checksum"]) == 64
    assert meta["pi_checksum"] == catalogue.pi_checksum(catalogue.load_catalogue("1.0"))


def test_one_row_per_pi_and_period_at_its_cycle(barnet, public_indicators):
    _, workbook = barnet
    header, rows = _rows(workbook["Data"])
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
    _, rows = _rows(sheet)
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
    _, rows = _rows(workbook["Data"])
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
    header, rows = _rows(workbook["Feasibility"], pilot_template.FEASIBILITY_HEADER_ROW)
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


def test_same_inputs_same_bytes(barnet, tmp_path, public_indicators):
    path, _ = barnet
    again = pilot_template.write_pilot_template(
        "Barnet",
        "2024Q1..2025Q4",
        tmp_path / "b.xlsx",
        published=public_indicators,
        generated=ISSUED,
    )
    assert io.sha256_of(path) == io.sha256_of(again)


def test_agency_workbook_has_the_agency_pis_for_many_boroughs(tmp_path, public_indicators):
    path = pilot_template.write_agency_template(
        "Metropolitan Police",
        "Barnet, Brent",
        "2025Q1..2025Q4",
        tmp_path / "police.xlsx",
        published=public_indicators,
        generated=ISSUED,
    )
    workbook = openpyxl.load_workbook(path)
    header, rows = _rows(workbook["Data"])
    assert header[0] == "Borough"
    police = set(catalogue.load_catalogue("1.0").current.query("source_agency == 'police'")["id"])
    assert {r["PI id"].value for r in rows} == police
    assert {r["Borough"].value for r in rows} == {"Barnet", "Brent"}
    assert len(rows) == len(police) * 2 * 4
    meta = {k: v for k, v in workbook["Template info"].iter_rows(values_only=True)}
    assert meta["agency"] == "police" and meta["la_numbers"] == "302; 304"
    everyone = pilot_template.template_rows(
        catalogue.load_catalogue("1.0"),
        register.resolve_many("all"),
        ["2025Q1"],
        public_indicators,
        agency="police",
    )
    assert everyone["la_number"].nunique() == 33


def test_bad_requests_are_refused(project, public_indicators):
    with pytest.raises(InvalidArgumentError, match="agency"):
        pilot_template.resolve_agency("the fire brigade")
    with pytest.raises(InvalidArgumentError, match="not a London borough"):
        pilot_template.write_pilot_template(
            "Leeds", published=public_indicators, out=project / "x.xlsx"
        )
    with pytest.raises(RawDataWriteError):
        pilot_template.write_pilot_template(
            "Barnet", "2025Q1", project / "data" / "raw" / "t.xlsx", published=public_indicators
        )
