"""The best-fit model catalogue: loading, every validation rule, diffs, workbooks, coverage."""

from __future__ import annotations

import copy

import openpyxl
import pandas as pd
import pytest
import yaml

from lscb_analysis.core import indicators, io
from lscb_analysis.core.errors import CatalogueError, RawDataWriteError, ReferenceDataError
from lscb_analysis.model import catalogue

# --- a small valid catalogue built by hand ----------------------------------------------


def national_pi(pi_id="BF-TS-01", **changes):
    pi = {
        "id": pi_id,
        "title": "Re-referrals within 12 months (%)",
        "definition": "Referrals within 12 months of a previous referral, as a percentage.",
        "numerator": "Re-referrals in the period",
        "denominator": "Referrals in the period",
        "unit": "percent",
        "polarity": "low",
        "decimals": 1,
        "rating": "critical",
        "journey_stage": "protection",
        "sub_group": "performance",
        "question": "is anyone better off",
        "age_range": "0-17",
        "frequency": "quarterly",
        "source": {
            "type": "national",
            "dataset": "DfE CIN census",
            "indicator": "rereferral_pct",
            "agency": "children's social care",
        },
        "candidate_code": "REF02",
        "keywords": ["re-referrals", "repeat referrals"],
        "national_reference": "DfE table C1",
        "target": {"value": 20, "basis": "Board aim"},
        "status": "current",
    }
    pi.update(changes)
    return pi


def local_pi(pi_id="BF-TS-02", **changes):
    pi = {
        "id": pi_id,
        "title": "Missing episodes per 10,000 children",
        "definition": "Missing episodes reported to police, per 10,000 children.",
        "numerator": "Missing episodes",
        "denominator": "Children aged 0-17 / 10,000",
        "unit": "rate_per_10000",
        "polarity": "none",
        "decimals": 1,
        "rating": "universal outcome",
        "journey_stage": "prevention and early help",
        "sub_group": "young and safe (exploitation and missing)",
        "question": "what are the needs",
        "age_range": "0-17",
        "frequency": "quarterly",
        "source": {"type": "local", "agency": "police", "collection": "Police missing records"},
        "candidate_code": "MIS01",
        "keywords": ["missing episodes"],
        "national_reference": None,
        "target": None,
        "status": "current",
    }
    pi.update(changes)
    return pi


def postponed_pi(pi_id="BF-TS-03", **changes):
    pi = national_pi(
        pi_id,
        title="CSE as an assessment factor (%)",
        polarity="none",
        rating="priority outcome",
        source={
            "type": "national",
            "dataset": "DfE CIN census factors",
            "indicator": None,
            "agency": "children's social care",
        },
        candidate_code=None,
        target=None,
        status="postponed",
        postponed={"reason": "Experimental statistics", "phase": "Phase III"},
    )
    pi.update(changes)
    return pi


def make_doc(version="1.0", clusters=None):
    """A valid catalogue document: one goal, one cluster of three PIs unless given."""
    if clusters is None:
        clusters = [
            {
                "id": "G1.1",
                "title": "Cluster one",
                "narrative": "What they show.",
                "pis": [national_pi(), local_pi(), postponed_pi()],
            }
        ]
    return {
        "version": version,
        "date": "2016-07-08",
        "consultation": "A seminar",
        "changes": ["First draft"],
        "goals": [
            {
                "id": "G1",
                "title": "Goal one",
                "short_title": "One",
                "description": "About goal one.",
                "clusters": clusters,
            }
        ],
    }


def write_doc(folder, doc, version=None):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"v{version or doc.get('version', '1.0')}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def problems_of(tmp_path, doc, version="1.0"):
    """Load a document expected to be invalid; return the error message."""
    path = write_doc(tmp_path / "model", doc, version)
    with pytest.raises(CatalogueError) as caught:
        catalogue.load_catalogue(path=path)
    return str(caught.value)


@pytest.fixture
def doc():
    return make_doc()


# --- the real versions ------------------------------------------------------------------


def test_real_versions_load_and_validate_latest_by_default():
    versions = catalogue.available_versions()
    assert versions == sorted(versions, key=catalogue.version_key)
    assert {"0.1", "0.2", "1.0"} <= set(versions)
    table = catalogue.validate_versions()
    assert (table["status"] == "ok").all(), table["message"].tolist()
    latest = catalogue.load_catalogue()
    assert latest.version == versions[-1] == "1.0"
    assert catalogue.load_catalogue("v1").version == "1.0"
    assert latest.path.name == "v1.0.yaml" and latest.consultation and latest.changes
    assert list(latest.pis.columns) == catalogue.PI_COLUMNS
    assert latest.pis["id"].is_unique
    assert latest.clusters["pis"].between(3, 4).all()


def test_latest_version_is_a_real_minimal_dataset_across_partners():
    model = catalogue.load_catalogue()
    current = model.current
    assert 33 <= len(current) <= 40
    agencies = set(current["source_agency"])
    assert {
        "children's social care",
        "police",
        "probation",
        "education",
        "youth offending",
        "the board itself",
    } <= agencies
    assert any(a.startswith("health") for a in agencies)
    national = model.pis.loc[model.pis["source_type"] == "national"]
    assert set(national["source_indicator"].dropna()) <= set(indicators.load_metadata().index)
    assert len(national) >= 12
    postponed = model.pis.loc[model.pis["status"] == "postponed"]
    assert len(postponed) >= 1
    assert postponed["postponed_reason"].notna().all()
    assert postponed["postponed_phase"].notna().all()
    new_national = postponed.loc[postponed["source_type"] == "national"]
    assert new_national["source_indicator"].isna().all() and len(new_national) == 1
    # Local measures boards keep are there.
    keys = set(model.pis["candidate_code"].dropna())
    assert {
        "TRN02",
        "LADO01",
        "PF01",
        "MIS02",
        "CSE01",
        "DA01",
        "CDR01",
        "SCR01",
        "AUD01",
        "VOC01",
    } <= keys
    assert set(model.pis["rating"]) == {"critical", "priority outcome", "universal outcome"}
    assert model.pi("BF-FD-03")["source_indicator"] == "rereferral_pct"


def test_unknown_version_lists_the_versions_there():
    with pytest.raises(CatalogueError, match=r"Version 9\.9 .* Versions there: 0\.1"):
        catalogue.load_catalogue("9.9")
    with pytest.raises(CatalogueError, match="not a catalogue version"):
        catalogue.load_catalogue("latest")


def test_unknown_pi_suggests_close_ids():
    with pytest.raises(CatalogueError, match="BF-FD-03"):
        catalogue.load_catalogue().pi("BF-FD-3")


def test_versions_compare_as_numbers_not_text(tmp_path, doc):
    folder = tmp_path / "model"
    for version in ("0.9", "0.10", "0.2"):
        write_doc(folder, make_doc(version), version)
    assert catalogue.available_versions(folder) == ["0.2", "0.9", "0.10"]
    assert catalogue.load_catalogue(directory=folder).version == "0.10"
    assert catalogue.load_catalogue("0.9", directory=folder).version == "0.9"


def test_empty_or_missing_folder(tmp_path):
    with pytest.raises(CatalogueError, match="does not exist"):
        catalogue.available_versions(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CatalogueError, match="holds no catalogue version"):
        catalogue.load_catalogue(directory=tmp_path / "empty")


def test_enums_reuse_the_survey_code_lists():
    enums = catalogue.load_enums()
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
        catalogue.load_enums(tmp_path / "catalogue_enums.yaml")


def test_glossary_defines_the_shared_terms():
    glossary = catalogue.load_glossary()
    terms = set(glossary["term"])
    assert {
        "contact",
        "referral",
        "re-referral",
        "assessment",
        "strategy discussion",
        "section 47 enquiry",
        "initial child protection conference",
        "child protection plan",
        "child in need",
        "looked after",
        "episode",
        "missing",
        "away from placement without authorisation",
        "care leaver",
        "early help assessment",
        "LADO allegation",
        "private fostering",
        "MARAC",
    } <= terms
    assert (glossary["definition"].str.len() > 40).all()
    assert (glossary["source"].str.len() > 5).all()


def test_glossary_problems_are_listed(tmp_path):
    path = tmp_path / "glossary.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "terms": [
                    {"term": "referral", "definition": "x", "source": "y"},
                    {"term": "Referral", "definition": "x"},
                    {"definition": "no term"},
                ]
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as caught:
        catalogue.load_glossary(path)
    message = str(caught.value)
    assert "3 problem(s)" in message and "more than once" in message
    assert "field 'source'" in message and "entry 3" in message


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


def pi_of(doc, number=0):
    return doc["goals"][0]["clusters"][0]["pis"][number]


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
        lambda d: pi_of(d).update(frequency="termly"),
        ["PI BF-TS-01, field 'frequency': 'termly' is not a known frequency", "'quarterly'"],
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


def test_catalogue_error_is_a_reference_data_error(tmp_path, doc):
    pi_of(doc).update(rating="vital")
    with pytest.raises(ReferenceDataError):
        catalogue.load_catalogue(path=write_doc(tmp_path / "model", doc))


def test_unreadable_files(tmp_path):
    bad = tmp_path / "v1.0.yaml"
    bad.write_text("version: '1.0'\ngoals: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        catalogue.load_catalogue(path=bad)
    bad.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="mapping at the top"):
        catalogue.load_catalogue(path=bad)
    with pytest.raises(CatalogueError, match="is missing"):
        catalogue.load_catalogue(path=tmp_path / "v2.0.yaml")


def test_validate_versions_keeps_going_past_a_bad_version(tmp_path):
    folder = tmp_path / "model"
    write_doc(folder, make_doc("1.0"))
    broken = make_doc("1.1")
    pi_of(broken).update(rating="vital")
    write_doc(folder, broken)
    table = catalogue.validate_versions(folder)
    assert table["status"].tolist() == ["ok", "invalid"]
    assert table["pis"].tolist() == [3, 0]
    assert "rating" in table.at[1, "message"]


# --- diffs ------------------------------------------------------------------------------


def two_cluster_doc(version):
    return make_doc(
        version,
        clusters=[
            {
                "id": "G1.1",
                "title": "One",
                "narrative": "First.",
                "pis": [national_pi(), local_pi(), postponed_pi()],
            },
            {
                "id": "G1.2",
                "title": "Two",
                "narrative": "Second.",
                "pis": [local_pi("BF-TS-04"), local_pi("BF-TS-05"), local_pi("BF-TS-06")],
            },
        ],
    )


@pytest.fixture
def old_and_new(tmp_path):
    old = two_cluster_doc("1.0")
    new = two_cluster_doc("1.1")
    cluster_one, cluster_two = new["goals"][0]["clusters"]
    cluster_one["pis"][0]["title"] = "Re-referrals (%)"  # reworded
    cluster_one["pis"][1]["rating"] = "priority outcome"  # re-rated
    moved = cluster_two["pis"].pop(0)  # BF-TS-04 moves
    cluster_one["pis"].append(moved)
    cluster_two["pis"].pop(0)  # BF-TS-05 removed
    cluster_two["pis"] += [local_pi("BF-TS-07"), local_pi("BF-TS-08")]  # two added
    cluster_two["narrative"] = "Second, reworded."
    folder = tmp_path / "model"
    write_doc(folder, old)
    write_doc(folder, new)
    return (
        catalogue.load_catalogue("1.0", directory=folder),
        catalogue.load_catalogue("1.1", directory=folder),
    )


def test_diff_added_removed_changed_and_moved(old_and_new):
    old, new = old_and_new
    diff = catalogue.diff_catalogues(old, new)
    assert list(diff.columns) == ["change", "pi_id", "field", "old", "new"]
    pis = diff.loc[diff["pi_id"] != ""]
    assert pis.loc[pis["change"] == "added", "pi_id"].tolist() == ["BF-TS-07", "BF-TS-08"]
    assert pis.loc[pis["change"] == "removed", "pi_id"].tolist() == ["BF-TS-05"]
    changed = {
        (r.pi_id, r.field): (r.old, r.new) for r in pis.loc[pis["change"] == "changed"].itertuples()
    }
    assert changed == {
        ("BF-TS-01", "title"): ("Re-referrals within 12 months (%)", "Re-referrals (%)"),
        ("BF-TS-02", "rating"): ("universal outcome", "priority outcome"),
        ("BF-TS-04", "cluster"): ("G1.2", "G1.1"),
    }
    structure = diff.loc[diff["pi_id"] == ""]
    assert structure["field"].tolist() == ["cluster G1.2 narrative"]
    assert catalogue.diff_catalogues(new, new).empty
    assert catalogue.diff_catalogues(new, old).loc[
        lambda d: d["change"] == "removed", "pi_id"
    ].tolist() == ["BF-TS-07", "BF-TS-08"]


def test_diff_shows_a_move_between_goals(tmp_path):
    old = two_cluster_doc("1.0")
    new = two_cluster_doc("1.1")
    second = new["goals"][0]["clusters"].pop()
    new["goals"].append({"id": "G2", "title": "Goal two", "clusters": [second]})
    folder = tmp_path / "model"
    write_doc(folder, old)
    write_doc(folder, new)
    diff = catalogue.diff_catalogues(
        catalogue.load_catalogue("1.0", directory=folder),
        catalogue.load_catalogue("1.1", directory=folder),
    )
    goal_moves = diff.loc[diff["field"] == "goal"]
    assert goal_moves["pi_id"].tolist() == ["BF-TS-04", "BF-TS-05", "BF-TS-06"]
    assert set(goal_moves["old"]) == {"G1"} and set(goal_moves["new"]) == {"G2"}
    assert "goal G2" in set(diff["field"])
    assert "cluster G1.2 goal" in set(diff["field"])


def test_format_diff_is_readable(old_and_new):
    old, new = old_and_new
    text = catalogue.format_diff(old, new)
    assert text.startswith("Best-fit model: version 1.0 (2016-07-08) -> version 1.1")
    assert "6 PIs -> 7 PIs: 2 added, 1 removed, 3 changed." in text
    assert "Removed (1)\n  - BF-TS-05" in text
    assert "  + BF-TS-07" in text
    assert "    cluster: G1.2 -> G1.1" in text
    assert "    rating: universal outcome -> priority outcome" in text
    assert "Goals and clusters" in text
    assert "No differences." in catalogue.format_diff(new, new)


def test_real_versions_differ_realistically():
    first, agreed = catalogue.load_catalogue("0.1"), catalogue.load_catalogue("1.0")
    diff = catalogue.diff_catalogues(first, agreed)
    assert not diff.empty
    assert {"added", "removed", "changed"} <= set(diff["change"])
    moves = diff.loc[diff["field"] == "goal"]
    assert "BF-YS-01" in set(moves["pi_id"])
    seminar = catalogue.diff_catalogues(first, catalogue.load_catalogue("0.2"))
    added = seminar.loc[(seminar["change"] == "added") & (seminar["pi_id"] != ""), "pi_id"]
    sources = catalogue.load_catalogue("0.2").pis.set_index("id").loc[added, "source_agency"]
    assert {"police", "probation", "health (acute)"} <= set(sources)
    text = catalogue.format_diff(first, agreed)
    assert "Removed (" in text and "Added (" in text and "Changed (" in text


# --- coverage helpers -------------------------------------------------------------------


def test_partner_share_by_agency_and_sector(tmp_path, doc):
    pi_of(doc, 2).update(status="current", postponed=None)
    pi_of(doc, 2).pop("postponed")
    pi_of(doc, 2)["source"]["indicator"] = "cla_missing_pct"
    pi_of(doc, 2).update(decimals=0, candidate_code="LAC05", unit="percent")
    model = catalogue.load_catalogue(path=write_doc(tmp_path / "model", doc))
    by_agency = catalogue.partner_share(model)
    assert list(by_agency.columns) == ["agency", "sector", "pis", "share_pct"]
    assert by_agency.iloc[0].tolist() == ["children's social care", "local authority", 2, 66.7]
    by_sector = catalogue.partner_share(model, by="sector").set_index("sector")
    assert by_sector["pis"].to_dict() == {"local authority": 2, "partner": 1, "partnership": 0}
    assert catalogue.local_authority_share(model) == 66.7
    with pytest.raises(CatalogueError, match="by must be"):
        catalogue.partner_share(model, by="goal")


def test_postponed_pis_are_left_out_of_the_share_unless_asked(tmp_path, doc):
    model = catalogue.load_catalogue(path=write_doc(tmp_path / "model", doc))
    assert catalogue.partner_share(model, by="sector")["pis"].sum() == 2
    assert catalogue.partner_share(model, by="sector", include_postponed=True)["pis"].sum() == 3


def test_the_seminar_reduced_the_local_authority_share():
    shares = [
        catalogue.local_authority_share(catalogue.load_catalogue(v)) for v in ("0.1", "0.2", "1.0")
    ]
    assert shares[0] > shares[1] and shares[0] > shares[2]
    for version in ("0.1", "1.0"):
        assert catalogue.partner_share(catalogue.load_catalogue(version), by="sector")[
            "share_pct"
        ].sum() == pytest.approx(100, abs=0.2)


def test_keyword_table_includes_candidate_keywords(tmp_path, doc):
    model = catalogue.load_catalogue(path=write_doc(tmp_path / "model", doc))
    table = catalogue.keyword_table(model)
    assert list(table.columns) == ["pi_id", "keyword", "origin"]
    words = table.loc[table["pi_id"] == "BF-TS-01"]
    assert {"re-referrals", "rereferrals"} <= set(words["keyword"])
    assert set(words["origin"]) == {"title", "keyword", "candidate"}
    assert not table.duplicated(["pi_id", "keyword"]).any()


# --- workbooks --------------------------------------------------------------------------


def test_export_workbook_reads_back(tmp_path):
    model = catalogue.load_catalogue()
    path = catalogue.export_catalogue_xlsx(model, tmp_path / "model.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "Notes" and book.sheetnames[-2:] == ["All PIs", "Glossary"]
    goal_sheets = book.sheetnames[1:-2]
    assert len(goal_sheets) == len(model.goals)
    notes = {row[0]: row[1] for row in book["Notes"].iter_rows(values_only=True) if row[0]}
    assert notes["Version"] == "1.0" and notes["Date"] == "2016-07-08"
    assert notes["Followed"] == model.consultation
    assert {"critical", "priority outcome", "universal outcome"} <= set(notes)
    sheet = book[goal_sheets[0]]
    headers = [c.value for c in sheet[3]]
    assert headers == [h for h, _, _ in catalogue.EXPORT_COLUMNS]
    for required in (
        "PI id",
        "Title",
        "Definition",
        "Numerator",
        "Denominator",
        "Unit",
        "Rating",
        "Sub-group",
        "Frequency",
        "Source",
        "Target",
        "Status",
    ):
        assert required in headers
    assert sheet.freeze_panes == "B4" and sheet.auto_filter.ref.startswith("A3:")
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.column_dimensions["C"].width >= 50
    assert sheet["C5"].alignment.wrap_text
    first_goal = model.pis.loc[model.pis["goal"] == model.goals.at[0, "goal"]]
    assert sheet["A4"].value.startswith(first_goal.iloc[0]["cluster"])
    assert first_goal.iloc[0]["cluster_narrative"] in sheet["A4"].value
    ids = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert set(first_goal["id"]) <= set(ids)
    all_pis = book["All PIs"]
    assert [c.value for c in all_pis[2]] == catalogue.PI_COLUMNS
    assert all_pis.max_row == len(model.pis) + 2
    glossary = book["Glossary"]
    assert [c.value for c in glossary[2]][:3] == ["term", "also_called", "definition"]


def test_export_writes_formula_like_text_as_text(tmp_path, doc):
    pi_of(doc, 1).update(title='=HYPERLINK("http://x","click")', definition="-1 per child")
    model = catalogue.load_catalogue(path=write_doc(tmp_path / "model", doc))
    path = catalogue.export_catalogue_xlsx(model, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(path)["G1 One"]
    cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value}
    cell = cells['=HYPERLINK("http://x","click")']
    assert cell.data_type == "s" and cell.quotePrefix
    assert cells["-1 per child"].data_type == "s"
    form = catalogue.write_feedback_form(model, tmp_path / "form.xlsx")
    feedback = openpyxl.load_workbook(form)["Feedback"]
    assert feedback["C3"].data_type == "s" and feedback["C3"].quotePrefix


def test_feedback_form_reads_back(tmp_path):
    model = catalogue.load_catalogue()
    path = catalogue.write_feedback_form(model, tmp_path / "feedback.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == ["Respondent", "Feedback", "Suggest a new PI"]
    assert book["Model"].sheet_state == "hidden"
    sheet = book["Feedback"]
    headers = [c.value for c in sheet[1]]
    assert headers == [h for h, _ in catalogue.FEEDBACK_COLUMNS]
    assert sheet.max_row == len(model.pis) + 1
    assert [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)] == model.pis[
        "id"
    ].tolist()
    assert sheet.freeze_panes == "B2"
    assert sheet.protection.sheet and not sheet.protection.password
    assert sheet["A1"].protection.locked and sheet["D2"].protection.locked
    assert not sheet["G2"].protection.locked and not sheet["J2"].protection.locked
    validations = {dv.formula1: str(dv.sqref) for dv in sheet.data_validations.dataValidation}
    last = len(model.pis) + 1
    assert validations == {"=list_choices": f"G2:G{last}", "=list_ratings": f"H2:H{last}"}
    lists = book["Lists"]
    choices = book.defined_names["list_choices"].attr_text
    assert choices == "'Lists'!$A$2:$A$4"
    assert [lists.cell(row=r, column=1).value for r in (2, 3, 4)] == ["keep", "amend", "remove"]
    assert [lists.cell(row=r, column=2).value for r in (2, 3, 4)] == [
        "critical",
        "priority outcome",
        "universal outcome",
    ]
    model_sheet = dict(book["Model"].iter_rows(values_only=True))
    assert model_sheet["version"] == "1.0"
    assert model_sheet["checksum_sha256"] == catalogue.pi_checksum(model)
    assert model_sheet["pi_ids"].split(";") == model.pis["id"].tolist()
    respondent = book["Respondent"]
    labels = {row[0].value: row[1] for row in respondent.iter_rows(max_col=2) if row[0].value}
    for label in ("Organisation", "Name and role", "Date"):
        assert not labels[label].protection.locked
    assert respondent.protection.sheet
    new_pis = book["Suggest a new PI"]
    assert new_pis.freeze_panes == "A2" and not new_pis["A2"].protection.locked


def test_checksum_changes_with_the_pi_list(tmp_path, doc):
    first = catalogue.load_catalogue(path=write_doc(tmp_path / "a", doc))
    pi_of(doc).update(rating="priority outcome")
    second = catalogue.load_catalogue(path=write_doc(tmp_path / "b", doc))
    assert catalogue.pi_checksum(first) != catalogue.pi_checksum(second)


def test_workbooks_are_never_written_under_data_raw(project):
    model = catalogue.load_catalogue()
    with pytest.raises(RawDataWriteError):
        catalogue.export_catalogue_xlsx(model, project / "data/raw/model.xlsx")
    with pytest.raises(RawDataWriteError):
        catalogue.write_feedback_form(model, project / "data/raw/form.xlsx")


def test_one_version_under_two_names_is_refused(tmp_path):
    folder = tmp_path / "model"
    write_doc(folder, make_doc("1.0"), "1.0")
    write_doc(folder, make_doc("1"), "1")
    with pytest.raises(CatalogueError, match="same version under several names"):
        catalogue.load_catalogue(directory=folder)
