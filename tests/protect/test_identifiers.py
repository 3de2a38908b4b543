"""Tests for lscb_analysis.protect.identifiers: patterns, false positives, file and folder scanners."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import zipfile

import openpyxl
import pytest

from lscb_analysis.core.errors import IdentifierFoundError, ReferenceDataError
from lscb_analysis.core.workbook_checks import CFB_SIGNATURE
from lscb_analysis.protect.identifiers import (
    FINDING_COLUMNS,
    UNSCANNED,
    load_identifier_config,
    mask_text,
    nhs_number_is_valid,
    ni_number_is_valid,
    raise_if_found,
    scan_csv,
    scan_file,
    scan_folder,
    scan_html,
    scan_notebook,
    scan_text,
    scan_xlsx,
)

CONFIG = load_identifier_config()
TODAY = dt.date(2025, 6, 30)


def kinds(text, **options):
    found = scan_text(text, config=CONFIG, today=TODAY, **options)
    return found["kind"].tolist()


def masked(text, **options):
    return scan_text(text, config=CONFIG, today=TODAY, **options)["masked"].tolist()


# --- each pattern is found ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("child: John Smith", "John Smith"),
        ("Name: Jane Doe", "Jane Doe"),
        ("Mother Jane Doe attended the conference", "Jane Doe"),
        ("Father - Ali", "Ali"),
        ("the baby, named Lily, was", "Lily"),
        ("Mrs Okafor said", "Okafor"),
        ("Dr. A. Patel", "A. Patel"),
        ("Mr O'Brien and", "O'Brien"),
        ("Young person: Zoë Smith-Jones", "Zoë Smith-Jones"),
        ("Child's name: Tom McDonald", "Tom McDonald"),
    ],
)
def test_names_next_to_a_child_context_are_found(text, name):
    found = scan_text(text, config=CONFIG, today=TODAY)
    assert found["kind"].tolist() == ["person_name"]
    start, end = found.loc[0, ["start", "end"]]
    assert text[start:end] == name
    assert found.loc[0, "masked"] == mask_text(name)


@pytest.mark.parametrize(
    "text",
    [
        "DOB: 12/03/2015",
        "D.O.B. 12.03.15",
        "date of birth 3rd March 2015",
        "Date of birth: March 3, 2015",
        "born on 2015-03-12",
        "seen at home on 14/07/2016",  # a bare dd/mm/yyyy date could be a date of birth
    ],
)
def test_dates_of_birth_are_found(text):
    assert kinds(text) == ["date_of_birth"]


@pytest.mark.parametrize("text", ["NHS no 943 476 5919", "9434765919", "NHS: 943-476-5919"])
def test_valid_nhs_numbers_are_found(text):
    assert kinds(text) == ["nhs_number"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("NI number AB 12 34 56 C", "ni_number"),
        ("NINO: JG103759A", "ni_number"),
        ("lives at SW1A 1AA", "postcode"),
        ("postcode N1C4AG", "postcode"),
        ("email jane.doe@example.org today", "email"),
        ("tel 020 7946 0958", "phone"),
        ("mobile 07700 900123", "phone"),
        ("+44 (0)20 7946 0958", "phone"),
        ("(020) 7946 0958", "phone"),
        ("case CR-12345 closed", "case_reference"),
    ],
)
def test_other_identifiers_are_found(text, kind):
    assert kinds(text, case_references=["CR-12345"]) == [kind]


def test_case_reference_patterns_from_config():
    config = dataclasses.replace(CONFIG, case_reference_patterns=(r"LCS\d{6}",))
    found = scan_text("see LCS123456 and LCS12", config=config, today=TODAY)
    assert found["kind"].tolist() == ["case_reference"]


def test_checks_digits():
    assert nhs_number_is_valid("9434765919")
    assert not nhs_number_is_valid("9434765918")
    assert not nhs_number_is_valid("0000000000")  # passes modulus 11 but is not a number
    assert not nhs_number_is_valid("12345")
    assert ni_number_is_valid("ab123456c")
    for prefix in ["DA", "FA", "AO", "BG", "GB", "NK", "KN", "TN", "NT", "ZZ"]:
        assert not ni_number_is_valid(f"{prefix}123456A"), prefix


# --- false positives avoided ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Name: Kingston upon Thames",
        "Name: Barking and Dagenham",
        "Child: City of London",
        "Borough name: Richmond upon Thames",
        "la_name: Bournemouth",
        "Child Protection Plan",
        "Child Death Overview Panel",
        "Child Sexual Exploitation and Child Criminal Exploitation",
        "Serious case review: Child A",
        "Children Looked After in Tower Hamlets",
    ],
)
def test_places_and_service_names_are_not_people(text):
    assert kinds(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "LA 301 (Barking and Dagenham)",
        "ONS code E09000002",
        "old_la_code 301, new_la_code E09000021",
        "population 57,210 aged 0-17",
        "referrals 2013 to 2025",
        "S47 enquiries: 120",
    ],
)
def test_la_numbers_and_codes_are_not_phone_numbers(text):
    assert kinds(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "NHS 943 476 5918",  # bad check digit
        "NHS 123 456 7890",  # check digit would be 10: never valid
        "born in 2015",
        "rose by 12.5% in 2024",
        "financial year 2015/16",
        "data as at 31/03/2025",
        "period 01/04/2024 - 31/03/2025",
        "published 30/06/2025",
        "due 12/03/2099",  # future
        "31/02/2015",  # not a calendar date
        "version 1.2.3",
        "QQ 12 34 56 C",  # invalid prefix
    ],
)
def test_bad_checksums_years_percentages_and_report_dates_are_not_flagged(text):
    assert kinds(text) == []


def test_dob_keyword_applies_to_the_next_date_only():
    text = "DOB 12/03/2015, referral 01/04/2024"
    found = scan_text(text, config=CONFIG, today=TODAY)
    assert found["kind"].tolist() == ["date_of_birth"]
    assert found.loc[0, "start"] == text.index("12/03")


def test_overlapping_findings_keep_the_strongest():
    # an NHS number is ten digits; it is not also reported as something else
    assert kinds("Name: 943 476 5919") == ["nhs_number"]


def test_allowlist(tmp_path):
    config = dataclasses.replace(CONFIG, allowlist=("lscb@example.gov.uk",))
    assert scan_text("Contact lscb@example.gov.uk", config=config, today=TODAY).empty


def test_findings_are_masked_and_located():
    text = "Summary\nMother: Jane Doe, tel 07700 900123"
    found = scan_text(text, config=CONFIG, today=TODAY)
    assert list(found.columns) == list(FINDING_COLUMNS)
    assert found["location"].tolist() == ["line 2, column 9", "line 2, column 23"]
    assert found["masked"].tolist() == ["J******e", "0**********3"]
    assert "Jane" not in found.to_csv() and "900123" not in found.to_csv()


def test_raise_if_found_never_repeats_the_identifier():
    found = scan_text("Child: Jane Doe DOB 12/03/2015", config=CONFIG, today=TODAY)
    with pytest.raises(IdentifierFoundError, match="1 person_name, 1 date_of_birth") as info:
        raise_if_found(found, what="the score card")
    assert "Jane" not in str(info.value) and "12/03/2015" not in str(info.value)
    raise_if_found(scan_text("42 referrals", config=CONFIG, today=TODAY))


def test_config_problems_are_reported(tmp_path):
    with pytest.raises(ReferenceDataError, match="missing"):
        load_identifier_config(tmp_path / "absent.yaml")
    bad = tmp_path / "patterns.yaml"
    bad.write_text(
        "name_triggers: [child]\nnot_person_qualifiers: []\ntitles: [Mr]\n"
        "not_name_words: [No]\nplaces: []\ndob_keywords: [dob]\nnot_dob_words: []\n"
        "dob_window: 40\nbare_date_earliest_year: 1900\nnot_dob_window: 30\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceDataError, match="put quotes around them"):
        load_identifier_config(bad)


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
