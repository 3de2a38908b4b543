"""The Phase III pilot template files: written for a borough or an agency, stamped, refused."""

from __future__ import annotations

import openpyxl
import pytest
import template_inputs
from template_inputs import sheet_rows

from lscb_analysis.core import io
from lscb_analysis.core.errors import InvalidArgumentError, RawDataWriteError
from lscb_analysis.model import catalogue
from lscb_analysis.pilot import pilot_template

# The shared fixture, bound here by name so pytest finds it (see template_inputs).
barnet = template_inputs.barnet


def test_same_inputs_same_bytes(barnet, tmp_path, public_indicators):
    path, _ = barnet
    again = pilot_template.write_pilot_template(
        "Barnet",
        "2024Q1..2025Q4",
        tmp_path / "b.xlsx",
        published=public_indicators,
        generated=template_inputs.ISSUED,
    )
    assert io.sha256_of(path) == io.sha256_of(again)


def test_agency_workbook_has_the_agency_pis_for_many_boroughs(tmp_path, public_indicators):
    path = pilot_template.write_agency_template(
        "Metropolitan Police",
        "Barnet, Brent",
        "2025Q1..2025Q4",
        tmp_path / "police.xlsx",
        published=public_indicators,
        generated=template_inputs.ISSUED,
    )
    workbook = openpyxl.load_workbook(path)
    header, rows = sheet_rows(workbook["Data"])
    assert header[0] == "Borough"
    police = set(catalogue.load_catalogue("1.0").current.query("source_agency == 'police'")["id"])
    assert {r["PI id"].value for r in rows} == police
    assert {r["Borough"].value for r in rows} == {"Barnet", "Brent"}
    assert len(rows) == len(police) * 2 * 4
    meta = {k: v for k, v in workbook["Template info"].iter_rows(values_only=True)}
    assert meta["agency"] == "police" and meta["la_numbers"] == "302; 304"


def test_bad_requests_are_refused(project, public_indicators):
    with pytest.raises(InvalidArgumentError, match="not a London borough"):
        pilot_template.write_pilot_template(
            "Leeds", published=public_indicators, out=project / "x.xlsx"
        )
    with pytest.raises(RawDataWriteError):
        pilot_template.write_pilot_template(
            "Barnet", "2025Q1", project / "data" / "raw" / "t.xlsx", published=public_indicators
        )
