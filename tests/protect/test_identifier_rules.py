"""Tests for lscb_analysis.protect.identifier_rules: word-list config and check digits."""

from __future__ import annotations

import pytest

from lscb_analysis.core.errors import ReferenceDataError
from lscb_analysis.protect.identifier_rules import (
    load_identifier_config,
    nhs_number_is_valid,
    ni_number_is_valid,
)


def test_checks_digits():
    assert nhs_number_is_valid("9434765919")
    assert not nhs_number_is_valid("9434765918")
    assert not nhs_number_is_valid("0000000000")  # passes modulus 11 but is not a number
    assert not nhs_number_is_valid("12345")
    assert ni_number_is_valid("ab123456c")
    for prefix in ["DA", "FA", "AO", "BG", "GB", "NK", "KN", "TN", "NT", "ZZ"]:
        assert not ni_number_is_valid(f"{prefix}123456A"), prefix


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
