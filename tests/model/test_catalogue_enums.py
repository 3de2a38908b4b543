"""The catalogue's code lists (catalogue_enums.yaml)."""

from __future__ import annotations

import pytest

from lscb_analysis.core import indicators, io
from lscb_analysis.core.errors import CatalogueError
from lscb_analysis.model import catalogue_enums


def test_enums_reuse_the_survey_code_lists():
    enums = catalogue_enums.load_enums()
    survey = io.read_reference_yaml("survey.yaml")
    assert list(enums["agencies"]) == list(survey["code_lists"]["agency"])
    assert list(enums["frequencies"]) == list(survey["code_lists"]["frequency"])
    assert list(enums["local_authority_agencies"]) == survey["local_authority_agencies"]
    assert set(enums["polarities"]) == set(indicators.POLARITIES)
    units = io.read_reference_csv("units.csv", ["unit"])["unit"]
    assert set(units) <= set(enums["units"])
    assert list(enums["questions"]) == [
        "what are the needs",
        "how much did we do",
        "how well did we do it",
        "is anyone better off",
    ]
    if "steering_ratings" in survey:  # the mapping report's ratings must be the model's
        assert list(enums["ratings"]) == survey["steering_ratings"]


def test_enums_file_with_a_broken_reference(tmp_path):
    text = (
        io.reference_file("catalogue_enums.yaml")
        .read_text(encoding="utf-8")
        .replace("key: code_lists.agency", "key: code_lists.agencies")
    )
    (tmp_path / "catalogue_enums.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "survey.yaml").write_text(
        io.reference_file("survey.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(CatalogueError, match="code_lists.agencies"):
        catalogue_enums.load_enums(tmp_path / "catalogue_enums.yaml")


def test_the_model_knows_every_reporting_cycle_the_survey_does():
    frequencies = list(catalogue_enums.load_enums()["frequencies"])
    for cycle in ("weekly", "fortnightly", "termly", "six-monthly", "ad hoc"):
        assert cycle in frequencies, cycle
    assert frequencies.index("weekly") < frequencies.index("termly") < frequencies.index("annual")
