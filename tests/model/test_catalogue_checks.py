"""The checks of a catalogue document: every rule, with its message."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from catalogue_docs import (
    doc_fixture,  # noqa: F401 (the fixture ``doc``, used by name)
    local_pi,
    pi_of,
    problems_of,
    write_doc,
)

from lscb_analysis.model import catalogue

# --- validation: every rule, with its message ---------------------------------------------


def test_the_hand_built_document_is_valid(tmp_path, doc):
    model = catalogue.load_catalogue(path=write_doc(tmp_path / "model", doc))
    assert model.pis["id"].tolist() == ["BF-TS-01", "BF-TS-02", "BF-TS-03"]
    row = model.pi("BF-TS-02")
    assert row["source_type"] == "local" and row["source_agency"] == "police"
    assert pd.isna(row["source_indicator"]) and pd.isna(row["target_value"])
    assert model.pi("BF-TS-01")["target_value"] == 20.0
    assert model.pi("BF-TS-03")["postponed_phase"] == "Phase III"
    assert model.goals.at[0, "goal_short_title"] == "One"
    assert model.clusters.at[0, "pi_ids"] == ("BF-TS-01", "BF-TS-02", "BF-TS-03")
    assert isinstance(model.date, type(pd.Timestamp("2016-07-08").date()))


CASES = [
    # (description, mutate(doc), expected fragments)
    (
        "missing field",
        lambda d: pi_of(d).pop("definition"),
        ["PI BF-TS-01, field 'definition': missing"],
    ),
    (
        "text field not text",
        lambda d: pi_of(d).update(title=12),
        ["PI BF-TS-01, field 'title': must be text"],
    ),
    (
        "unknown field",
        lambda d: pi_of(d).update(polarty="low"),
        ["PI BF-TS-01, field 'polarty': unknown field; did you mean 'polarity'"],
    ),
    (
        "duplicate id",
        lambda d: pi_of(d, 1).update(id="BF-TS-01"),
        ["PI BF-TS-01, field 'id': BF-TS-01 is used more than once"],
    ),
    (
        "malformed id",
        lambda d: pi_of(d).update(id="CP3"),
        ["PI CP3, field 'id': 'CP3' should look like BF-CP-03"],
    ),
    (
        "missing id",
        lambda d: pi_of(d).pop("id"),
        ["PI number 1 in cluster G1.1, field 'id': missing"],
    ),
    (
        "unknown rating",
        lambda d: pi_of(d).update(rating="critcal"),
        ["PI BF-TS-01, field 'rating': 'critcal' is not a known rating; did you mean 'critical'"],
    ),
    (
        "unknown journey stage",
        lambda d: pi_of(d).update(journey_stage="early help"),
        ["field 'journey_stage'", "'prevention and early help'"],
    ),
    (
        "unknown sub-group",
        lambda d: pi_of(d).update(sub_group="QA"),
        ["PI BF-TS-01, field 'sub_group': 'QA' is not a known sub group"],
    ),
    (
        "unknown question",
        lambda d: pi_of(d).update(question="how much"),
        ["field 'question'", "'how much did we do'"],
    ),
    (
        "unknown frequency",
        lambda d: pi_of(d).update(frequency="hourly"),
        ["PI BF-TS-01, field 'frequency': 'hourly' is not a known frequency", "'quarterly'"],
    ),
    (
        "unknown unit",
        lambda d: pi_of(d, 1).update(unit="per 10k"),
        ["PI BF-TS-02, field 'unit': 'per 10k' is not a known unit"],
    ),
    (
        "unknown status",
        lambda d: pi_of(d, 1).update(status="draft"),
        ["PI BF-TS-02, field 'status': 'draft' is not a known status"],
    ),
    (
        "unknown polarity",
        lambda d: pi_of(d, 1).update(polarity="up"),
        ["PI BF-TS-02, field 'polarity': 'up' is not a known polarity"],
    ),
    (
        "unknown agency",
        lambda d: pi_of(d, 1)["source"].update(agency="the Met"),
        ["PI BF-TS-02, field 'source.agency': 'the Met' is not one of the survey's agencies"],
    ),
    (
        "unknown source type",
        lambda d: pi_of(d, 1)["source"].update(type="regional"),
        ["PI BF-TS-02, field 'source.type': 'regional' is not one of"],
    ),
    (
        "negative decimals",
        lambda d: pi_of(d, 1).update(decimals=-1),
        ["PI BF-TS-02, field 'decimals': -1 is not a whole number of 0 or more"],
    ),
    (
        "fractional decimals",
        lambda d: pi_of(d, 1).update(decimals=1.5),
        ["field 'decimals': 1.5 is not a whole number"],
    ),
    (
        "decimals as text",
        lambda d: pi_of(d, 1).update(decimals="1"),
        ["field 'decimals': '1' is not a whole number"],
    ),
    (
        "decimals as a boolean",
        lambda d: pi_of(d, 1).update(decimals=True),
        ["field 'decimals': True is not a whole number"],
    ),
    (
        "bad age range",
        lambda d: pi_of(d, 1).update(age_range="children"),
        ["PI BF-TS-02, field 'age_range': 'children' is not an age range"],
    ),
    (
        "reversed age range",
        lambda d: pi_of(d, 1).update(age_range="17-0"),
        ["field 'age_range': '17-0'"],
    ),
    (
        "no keywords",
        lambda d: pi_of(d, 1).update(keywords=[]),
        ["PI BF-TS-02, field 'keywords': give a list of at least one"],
    ),
    (
        "unknown national indicator",
        lambda d: pi_of(d)["source"].update(indicator="rereferal_pct"),
        [
            "PI BF-TS-01, field 'source.indicator': 'rereferal_pct' is not an indicator id",
            "did you mean 'rereferral_pct'",
        ],
    ),
    (
        "current national PI without an indicator",
        lambda d: pi_of(d)["source"].update(indicator=None),
        ["PI BF-TS-01, field 'source.indicator': missing", "or mark the PI postponed"],
    ),
    (
        "national without a dataset",
        lambda d: pi_of(d)["source"].pop("dataset"),
        ["PI BF-TS-01, field 'source.dataset': missing"],
    ),
    (
        "polarity disagrees with indicators.csv",
        lambda d: pi_of(d).update(polarity="high"),
        [
            "PI BF-TS-01, field 'polarity': 'high' disagrees with data/reference/indicators.csv",
            "write polarity: low",
        ],
    ),
    (
        "unit disagrees with indicators.csv",
        lambda d: pi_of(d).update(unit="rate_per_10000"),
        ["PI BF-TS-01, field 'unit': 'rate_per_10000' disagrees"],
    ),
    (
        "decimals disagree with indicators.csv",
        lambda d: pi_of(d).update(decimals=0),
        ["PI BF-TS-01, field 'decimals': 0 disagrees"],
    ),
    (
        "local source without collection",
        lambda d: pi_of(d, 1)["source"].pop("collection"),
        ["PI BF-TS-02, field 'source.collection': missing"],
    ),
    (
        "local source with an indicator",
        lambda d: pi_of(d, 1)["source"].update(indicator="cla_missing_pct"),
        ["PI BF-TS-02, field 'source.indicator': not used by a local source"],
    ),
    (
        "source not a mapping",
        lambda d: pi_of(d, 1).update(source="police"),
        ["PI BF-TS-02, field 'source': must be a mapping"],
    ),
    (
        "unknown candidate code",
        lambda d: pi_of(d, 1).update(candidate_code="MIS99"),
        [
            "PI BF-TS-02, field 'candidate_code': 'MIS99' is not a code in",
            "candidate_indicators.csv",
        ],
    ),
    (
        "candidate code for another indicator",
        lambda d: pi_of(d).update(candidate_code="CP06"),
        ["PI BF-TS-01, field 'candidate_code': CP06 stands for the published indicator 'cpp_rate'"],
    ),
    (
        "target without basis",
        lambda d: pi_of(d)["target"].pop("basis"),
        ["PI BF-TS-01, field 'target.basis': missing"],
    ),
    (
        "target not a number",
        lambda d: pi_of(d)["target"].update(value="twenty"),
        ["PI BF-TS-01, field 'target.value': 'twenty' is not a number"],
    ),
    (
        "percentage target over 100",
        lambda d: pi_of(d)["target"].update(value=120),
        ["field 'target.value': 120 is outside 0-100"],
    ),
    (
        "target not a mapping",
        lambda d: pi_of(d).update(target=20),
        ["PI BF-TS-01, field 'target': write target: {value"],
    ),
    (
        "postponed without reason",
        lambda d: pi_of(d, 2)["postponed"].pop("reason"),
        ["PI BF-TS-03, field 'postponed.reason': missing"],
    ),
    (
        "postponed without details",
        lambda d: pi_of(d, 2).pop("postponed"),
        ["PI BF-TS-03, field 'postponed': a postponed PI needs"],
    ),
    (
        "current PI with postponement",
        lambda d: pi_of(d, 1).update(postponed={"reason": "x", "phase": "y"}),
        ["PI BF-TS-02, field 'postponed': only a postponed PI"],
    ),
    (
        "cluster of two",
        lambda d: d["goals"][0]["clusters"][0]["pis"].pop(),
        ["cluster G1.1, field 'pis': has 2 PI(s); a cluster holds 3 to 4"],
    ),
    (
        "cluster of five",
        lambda d: d["goals"][0]["clusters"][0]["pis"].extend(
            [local_pi("BF-TS-04"), local_pi("BF-TS-05")]
        ),
        ["cluster G1.1, field 'pis': has 5"],
    ),
    (
        "cluster without narrative",
        lambda d: d["goals"][0]["clusters"][0].pop("narrative"),
        ["cluster G1.1, field 'narrative': missing"],
    ),
    (
        "duplicate cluster id",
        lambda d: d["goals"].append(
            {"id": "G2", "title": "Two", "clusters": [copy.deepcopy(d["goals"][0]["clusters"][0])]}
        ),
        ["cluster G1.1, field 'id': G1.1 is used more than once"],
    ),
    (
        "goal without title",
        lambda d: d["goals"][0].pop("title"),
        ["goal G1, field 'title': missing"],
    ),
    (
        "long short title",
        lambda d: d["goals"][0].update(short_title="x" * 40),
        ["goal G1, field 'short_title'", "longer than 27"],
    ),
    (
        "unknown top-level field",
        lambda d: d.update(author="me"),
        ["top of the file, field 'author': unknown field"],
    ),
    (
        "version as a number",
        lambda d: d.update(version=1.0),
        ["top of the file, field 'version': 1.0 is not a version written as text"],
    ),
    (
        "version disagrees with file name",
        lambda d: d.update(version="1.1"),
        ["field 'version': says 1.1 but the file name says 1.0"],
    ),
    (
        "bad date",
        lambda d: d.update(date="8 July 2016"),
        ["top of the file, field 'date': '8 July 2016' is not a date; write it as YYYY-MM-DD"],
    ),
    ("no consultation", lambda d: d.pop("consultation"), ["field 'consultation': missing"]),
    ("no changes", lambda d: d.update(changes=[]), ["field 'changes'"]),
    ("no goals", lambda d: d.update(goals=[]), ["field 'goals'"]),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_rule_names_the_file_the_place_and_the_field(tmp_path, doc, mutate, expected):
    mutate(doc)
    message = problems_of(tmp_path, doc)
    assert str(tmp_path / "model" / "v1.0.yaml") in message
    assert "fix each one" in message
    for fragment in expected:
        assert fragment in message, message


def test_all_problems_are_reported_together(tmp_path, doc):
    pi_of(doc).update(polarity="high", rating="vital")
    pi_of(doc, 1).update(decimals=-2, candidate_code="XX01")
    pi_of(doc, 2)["postponed"].pop("phase")
    message = problems_of(tmp_path, doc)
    assert "5 problem(s)" in message
    numbered = [
        line for line in message.splitlines() if line.strip()[:2] in {f"{n}." for n in range(1, 10)}
    ]
    assert len(numbered) == 5
    for fragment in (
        "BF-TS-01, field 'polarity'",
        "BF-TS-01, field 'rating'",
        "BF-TS-02, field 'decimals'",
        "BF-TS-02, field 'candidate_code'",
        "BF-TS-03, field 'postponed.phase'",
    ):
        assert fragment in message
