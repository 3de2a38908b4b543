"""The survey's matching rules come from survey.yaml."""

from __future__ import annotations

import io as std_io
from pathlib import Path

import pytest
import yaml

from lscb_analysis.core.errors import ReferenceDataError
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


@pytest.mark.parametrize(
    ("written", "cycle"),
    [
        ("Weekly", "weekly"),
        ("every week", "weekly"),
        ("once a week", "weekly"),
        ("Fortnightly", "fortnightly"),
        ("every 2 weeks", "fortnightly"),
        ("bi-weekly", "fortnightly"),
        ("Monthly", "monthly"),
        ("Quarterly", "quarterly"),
        ("Termly", "termly"),
        ("each term", "termly"),
        ("per term", "termly"),
        ("Every school term", "termly"),
        ("three times a year", "termly"),
        ("half-yearly", "six-monthly"),
        ("Annually", "annual"),
        ("as required", "ad hoc"),
        ("long term", ""),  # "term" alone is not a cycle
    ],
)
def test_reporting_cycles_are_recognised(written, cycle):
    assert survey_rules.load_rules().codes["frequency"].match(written) == cycle


def test_the_cycles_in_order_from_most_to_least_frequent():
    config = yaml.safe_load((REPO / "data/reference/survey.yaml").read_text())
    assert list(config["code_lists"]["frequency"]) == [
        "weekly",
        "fortnightly",
        "monthly",
        "quarterly",
        "termly",
        "six-monthly",
        "annual",
        "ad hoc",
    ]


@pytest.mark.parametrize(
    ("written", "score"),
    [
        ("4", 4),
        ("4.0", 4),
        ("4/5", 4),
        ("4 out of 5", 4),
        ("4 - very useful", 4),
        ("5 (essential)", 5),
        ("Essential", 5),
        ("Very useful", 4),
        ("useful", 3),
        ("Not useful at all", 1),  # the longest of the scale's words inside the text
        ("a little useful", 2),
        ("4/10", None),  # out of another scale
        ("3-4", None),
        ("6", None),
        ("0", None),
        ("High", None),  # not one of the scale's words: 4 or 5?
        ("", None),
    ],
)
def test_the_usefulness_scale_reads_scores_and_words(written, score):
    assert survey_rules.usefulness_scale().read(written) == score


def test_the_usefulness_scale_comes_from_survey_yaml():
    scale = survey_rules.usefulness_scale()
    assert scale.scores == (1, 2, 3, 4, 5)
    assert scale.ends() == "1 = hardly useful, 5 = essential"
    config = yaml.safe_load((REPO / "data/reference/survey.yaml").read_text())
    config["usefulness"]["scale"] = {
        "3": {"label": "high"},
        "1": {"label": "low", "synonyms": ["meh"]},
        "2": "medium",
    }
    scale = survey_rules.usefulness_scale(config)
    assert scale.scores == (1, 2, 3) and scale.choices() == ["1 - low", "2 - medium", "3 - high"]
    assert (scale.read("Meh"), scale.read("High"), scale.read("3/3"), scale.read("4")) == (
        1,
        3,
        3,
        None,
    )
    assert survey_rules.load_rules(config).usefulness.read("medium") == 2


@pytest.mark.parametrize(
    "scale",
    [None, {}, {"four": {"label": "very useful"}}, {4: {"synonyms": ["very"]}}],
)
def test_a_broken_usefulness_scale_is_refused_naming_the_file(scale):
    config = yaml.safe_load((REPO / "data/reference/survey.yaml").read_text())
    config["usefulness"] = {"scale": scale}
    with pytest.raises(ReferenceDataError, match=r"survey\.yaml.*usefulness\.scale"):
        survey_rules.usefulness_scale(config)
