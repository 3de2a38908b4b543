"""Tests for lscb_analysis.protect.disclosure_config: the rules file, tier labels and suppression wording."""

from __future__ import annotations

import dataclasses

import pytest

from lscb_analysis.core.errors import ReferenceDataError
from lscb_analysis.protect import disclosure_config
from lscb_analysis.protect.disclosure_config import (
    NOT_FOR_PUBLICATION,
    load_disclosure_rules,
    method_note,
)

RULES = load_disclosure_rules()


# --- configuration --------------------------------------------------------------------------


def test_configured_rules_are_the_dfe_defaults():
    assert RULES.threshold == 5
    assert RULES.symbol == "c"
    assert RULES.zero_rule == "publish"
    assert RULES.secondary_suppression is True
    assert NOT_FOR_PUBLICATION in RULES.tier_labels["analyst"]


def test_missing_rules_file_says_what_to_do(tmp_path):
    with pytest.raises(ReferenceDataError, match="nope.yaml is missing. Restore it"):
        load_disclosure_rules(tmp_path / "nope.yaml")


def test_bad_zero_rule_is_refused(tmp_path):
    path = tmp_path / "disclosure.yaml"
    path.write_text(
        "threshold: 5\nsymbol: c\nzero_rule: hide\nsecondary_suppression: true\n"
        "tiers: {board: B, analyst: NOT FOR PUBLICATION}\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceDataError, match="zero_rule is 'hide'"):
        load_disclosure_rules(path)


def test_analyst_label_must_say_not_for_publication(tmp_path):
    path = tmp_path / "disclosure.yaml"
    path.write_text(
        "threshold: 5\nsymbol: c\nzero_rule: publish\nsecondary_suppression: true\n"
        "tiers: {board: B, analyst: working copy}\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceDataError, match="NOT FOR PUBLICATION"):
        load_disclosure_rules(path)


def test_missing_keys_are_named(tmp_path):
    path = tmp_path / "disclosure.yaml"
    path.write_text("threshold: 5\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="symbol, zero_rule"):
        load_disclosure_rules(path)


def test_method_note_follows_the_rules():
    note = method_note(RULES)
    assert 'Counts from 1 to 5 are shown as "c"' in note
    assert "true zero is shown as 0" in note
    assert "next smallest non-zero number" in note
    other = dataclasses.replace(RULES, threshold=9, symbol="*", zero_rule="suppress")
    note = method_note(other)
    assert 'Counts from 1 to 9 are shown as "*"' in note
    assert "Zeros are treated as small numbers" in note


def test_suppressed_wording_comes_from_the_rules_file():
    assert disclosure_config.suppressed_wording() == "suppressed (fewer than 6)"
    rules = dataclasses.replace(
        load_disclosure_rules(),
        threshold=9,
        suppressed_wording="not shown (under {below}, rule {threshold})",
    )
    assert disclosure_config.suppressed_wording(rules) == "not shown (under 10, rule 9)"
    bad = dataclasses.replace(rules, suppressed_wording="{nope}")
    with pytest.raises(ReferenceDataError, match="suppressed_wording"):
        disclosure_config.suppressed_wording(bad)
