"""Tests for lscb_analysis.protect.identifier_text: patterns, false positives, masking, raise_if_found."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from lscb_analysis.core.errors import IdentifierFoundError
from lscb_analysis.protect.identifier_rules import (
    FINDING_COLUMNS,
    load_identifier_config,
    mask_text,
)
from lscb_analysis.protect.identifier_text import raise_if_found, scan_text

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
