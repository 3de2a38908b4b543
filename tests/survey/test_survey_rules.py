"""The survey's matching rules come from survey.yaml."""

from __future__ import annotations

import io as std_io
from pathlib import Path

import pytest
import yaml

from lscb_analysis.survey import survey_rules

REPO = Path(__file__).resolve().parents[2]


def test_matching_rules_come_from_survey_yaml():
    config = yaml.safe_load(std_io.StringIO((REPO / "data/reference/survey.yaml").read_text()))
    config["code_lists"]["agency"]["police"]["synonyms"].append("the old bill")
    rules = survey_rules.load_rules(config)
    assert rules.codes["agency"].match("The Old Bill") == "police"
    assert survey_rules.load_rules().codes["agency"].match("The Old Bill") == ""
    assert rules.fields["collects"].match("How often?") == "frequency"
    assert rules.flags.match("Collected? (tick)") == "collected"


def test_an_agency_name_with_hidden_characters_is_refused_naming_them():
    from lscb_analysis.core.errors import InvalidNameError
    from lscb_analysis.survey.survey_rules import resolve_agency

    assert resolve_agency("Ｐｏｌｉｃｅ") == "police"  # full-width letters are the same name
    with pytest.raises(InvalidNameError, match=r"agency .*U\+202E"):
        resolve_agency("Police\u202e\u200f")
