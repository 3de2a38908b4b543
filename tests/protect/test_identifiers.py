"""Tests for lscb_analysis.protect.identifiers: the file and folder scanners."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import openpyxl
import pytest

from lscb_analysis.core.errors import IdentifierFoundError
from lscb_analysis.core.workbook_checks import CFB_SIGNATURE
from lscb_analysis.protect.identifier_rules import load_identifier_config
from lscb_analysis.protect.identifier_text import raise_if_found
from lscb_analysis.protect.identifiers import (
    UNSCANNED,
    scan_csv,
    scan_file,
    scan_folder,
    scan_html,
    scan_notebook,
    scan_xlsx,
)

CONFIG = load_identifier_config()
TODAY = dt.date(2025, 6, 30)


# --- file scanners --------------------------------------------------------------------------


def test_html_scanner_strips_tags_and_gives_source_lines(tmp_path):
    path = tmp_path / "report.html"
    path.write_text(
        "<html><head><title>Barnet score card</title>\n"
        "<style>.name { color: red }</style>\n"
        "<script>var x = 'Name: Fake Person 07700 900123';</script></head>\n"
        "<body><h1>Referrals</h1>\n"
        "<table><tr><th>Child name</th><td>John\n Smith</td></tr></table>\n"
        "<p>Contact <b>jane.doe@example.org</b> &amp; LA 301</p>\n"
        '<img alt="Mother: Amy Brown" src="data:image/png;base64,AAAA">\n'
        "</body></html>\n",
        encoding="utf-8",
    )
    found = scan_html(path, config=CONFIG, today=TODAY)
    assert found[["location", "kind"]].values.tolist() == [
        ["line 5", "person_name"],
        ["line 7", "email"],  # the line break inside "John / Smith" moves the rest down
        ["line 8", "person_name"],
    ]
    assert set(found["file"]) == {str(path)}


def test_xlsx_scanner_reads_every_cell_with_header_context(tmp_path):
    workbook = openpyxl.Workbook()
    cases = workbook.active
    cases.title = "Case list"
    cases.append(["Child name", "DOB", "NHS number", "Borough", "Referral date"])
    cases.append(
        [
            "John Smith",
            dt.datetime(2015, 3, 12),
            9434765919,
            "Kingston upon Thames",
            dt.datetime(2024, 4, 1),
        ]
    )
    cases.append(["Amy", None, 9434765918, "Barking and Dagenham", None])
    data = workbook.create_sheet("LA data")
    data.append(["la_name", "old_la_code", "new_la_code", "pct"])
    data.append(["Barnet", 302, "E09000003", 12.5])
    path = tmp_path / "returns.xlsx"
    workbook.save(path)
    found = scan_xlsx(path, config=CONFIG, today=TODAY)
    assert found[["location", "kind"]].values.tolist() == [
        ["'Case list'!A2", "person_name"],
        ["'Case list'!B2", "date_of_birth"],
        ["'Case list'!C2", "nhs_number"],
        ["'Case list'!A3", "person_name"],  # "Child name: Amy" is a name by its header
    ]


def test_xlsx_scanner_reads_past_a_wrong_dimension(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Comment"])
    workbook.active.append(["fine"])
    workbook.active.append(["Mother: Amy Brown"])
    path = tmp_path / "short_dimension.xlsx"
    workbook.save(path)
    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:A3"', b'<dimension ref="A1:A1"')
                assert b'ref="A1:A1"' in data
            target.writestr(item, data)
    found = scan_xlsx(patched, config=CONFIG, today=TODAY)
    assert found["location"].tolist() == ["Sheet!A3"]


def test_notebook_scanner_reads_sources_and_outputs(tmp_path):
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Deep dive\n", "LA 301\n"]},
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 1,
                "source": ["table = load()\n", "table.head()"],
                "outputs": [
                    {
                        "output_type": "stream",
                        "name": "stdout",
                        "text": ["loaded 33 rows\n", "call 07700 900123\n"],
                    },
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {
                            "text/plain": ["   n\n0  4"],
                            "text/html": ["<table><tr><td>Mother: Amy Brown</td></tr></table>"],
                        },
                    },
                    {
                        "output_type": "error",
                        "ename": "ValueError",
                        "evalue": "bad NHS 943 476 5919",
                        "traceback": ["\x1b[0;31mValueError\x1b[0m: bad NHS 943 476 5919"],
                    },
                ],
            },
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 2,
                "source": "# Name: Jane Doe\n",
                "outputs": [],
            },
        ],
    }
    path = tmp_path / "deep_dive.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    found = scan_notebook(path, config=CONFIG, today=TODAY)
    assert found[["location", "kind"]].values.tolist() == [
        ["cell 2 output 1 line 2", "phone"],
        ["cell 2 output 2 line 1", "person_name"],
        ["cell 2 output 3 line 1", "nhs_number"],
        ["cell 2 output 3 line 1", "nhs_number"],
        ["cell 3 source line 1", "person_name"],
    ]


def test_csv_scanner_gives_line_and_column(tmp_path):
    path = tmp_path / "audit.csv"
    path.write_text(
        'la_name,dob,comment\nBarnet,12/03/2015,fine\nBrent,,"seen by\nMrs Okafor"\n',
        encoding="utf-8",
    )
    found = scan_csv(path, config=CONFIG, today=TODAY)
    assert found[["location", "kind"]].values.tolist() == [
        ["line 2, column 2", "date_of_birth"],
        ["line 3, column 3", "person_name"],
    ]
    assert found.loc[0, "reason"] == "date after 'dob'"


def test_folder_scan_lists_findings_and_unscannable_files(tmp_path):
    reports = tmp_path / "reports" / "scorecard" / "run1"
    reports.mkdir(parents=True)
    (reports / "barnet.html").write_text("<p>Child: John Smith</p>", encoding="utf-8")
    (reports / "notes.md").write_text("Nothing to see: 42 referrals", encoding="utf-8")
    (reports / "chart.png").write_bytes(b"\x89PNG....")
    (reports / "locked.xlsx").write_bytes(CFB_SIGNATURE + b"\x00" * 100)
    (reports / "manifest.json").write_text(json.dumps({"borough": "Barnet"}), encoding="utf-8")
    found = scan_folder(tmp_path / "reports", config=CONFIG, today=TODAY)
    assert found[["kind"]].values.ravel().tolist() == ["person_name", UNSCANNED]
    unscanned = found[found["kind"] == UNSCANNED].iloc[0]
    assert unscanned["file"].endswith("locked.xlsx")
    assert "could not be scanned" in unscanned["reason"] and "old-format" in unscanned["reason"]
    with pytest.raises(IdentifierFoundError):
        raise_if_found(found)
    assert scan_file(reports / "notes.md", config=CONFIG, today=TODAY).empty


def test_xlsx_label_to_the_left_is_context(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "Return"
    sheet["A2"], sheet["B2"] = "Date of birth:", "03/04/2015"
    sheet["A3"], sheet["B3"] = "Date returned:", "09/04/2026"
    book.save(tmp_path / "labels.xlsx")
    found = scan_xlsx(tmp_path / "labels.xlsx", config=CONFIG, today=TODAY)
    assert list(zip(found["location"], found["kind"], strict=True)) == [
        ("Sheet!B2", "date_of_birth")
    ]
