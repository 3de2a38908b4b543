"""Audit configuration: themes, question banks, grades, agencies and names."""

from __future__ import annotations

import pandas as pd
import pytest

from lscb_analysis.core import io, paths
from lscb_analysis.core.errors import (
    ParameterError,
    ReferenceDataError,
)
from lscb_analysis.qa import audit
from lscb_analysis.survey import survey_rules


def test_config_themes_use_known_indicators_and_unique_question_ids():
    config = audit.audit_config()
    indicators = set(io.read_reference_csv("indicators.csv")["id"])
    ids = []
    for key, theme in config["themes"].items():
        assert set(theme["indicators"]) <= indicators, key
        bank = audit.question_bank(key)
        assert set(bank["section"]) == set(config["sections"]), key
        assert bank.groupby("section").size().between(2, 4).all(), key
        ids += bank["question_id"].tolist()
    assert len(ids) == len(set(ids))
    assert {"neglect", "exploitation", "domestic_abuse", "early_help"} <= set(config["themes"])
    assert audit.grade_names() == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    assert config["good_or_better"] == ["Outstanding", "Good"]


def test_config_c3_factors_are_columns_of_the_c3_file():
    c3 = paths.external_dir() / "c3_factors_identified_at_end_of_assessment_2018_to_2025.csv"
    if not c3.is_file():
        pytest.skip("c3 file not in data/external yet")
    header = set(pd.read_csv(c3, nrows=0).columns)
    for key, theme in audit.audit_config()["themes"].items():
        assert set(theme["c3_factors"]) <= header, key


def test_config_rejects_a_repeated_question_id(tmp_path):
    text = (paths.reference_dir() / audit.CONFIG_FILE).read_text(encoding="utf-8")
    broken = tmp_path / "themes.yaml"
    broken.write_text(text.replace("NEG-REC-2", "NEG-REC-1"), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="NEG-REC-1 is used twice"):
        audit.audit_config(broken)


def test_names_resolve():
    assert audit.resolve_theme("Exploitation and missing") == "exploitation"
    assert survey_rules.resolve_agency("Children's Services") == "children's social care"
    with pytest.raises(ParameterError, match="neglect"):
        audit.resolve_theme("knife crime")
    with pytest.raises(ParameterError, match="police"):
        survey_rules.resolve_agency("Ministry of Magic")
