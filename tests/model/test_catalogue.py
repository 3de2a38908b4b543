"""The best-fit model catalogue: loading versions, the real versions, the document header."""

from __future__ import annotations

import pytest
from catalogue_docs import (
    doc_fixture,  # noqa: F401 (the fixture ``doc``, used by name)
    make_doc,
    pi_of,
    write_doc,
)

from lscb_analysis.core import indicators
from lscb_analysis.core.errors import CatalogueError, ReferenceDataError
from lscb_analysis.model import catalogue

# --- the real versions ------------------------------------------------------------------


def test_real_versions_load_and_validate_latest_by_default():
    versions = catalogue.available_versions()
    assert versions == sorted(versions, key=catalogue.version_key)
    assert {"0.1", "0.2", "1.0", "1.1"} <= set(versions)
    table = catalogue.validate_versions()
    assert (table["status"] == "ok").all(), table["message"].tolist()
    latest = catalogue.load_catalogue()
    assert latest.version == versions[-1] == "1.1"
    assert catalogue.load_catalogue("v1").version == "1.0"
    assert latest.path.name == "v1.1.yaml" and latest.consultation and latest.changes
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


def test_checksum_changes_with_the_pi_list(tmp_path, doc):
    first = catalogue.load_catalogue(path=write_doc(tmp_path / "a", doc))
    pi_of(doc).update(rating="priority outcome")
    second = catalogue.load_catalogue(path=write_doc(tmp_path / "b", doc))
    assert catalogue.pi_checksum(first) != catalogue.pi_checksum(second)


def test_one_version_under_two_names_is_refused(tmp_path):
    folder = tmp_path / "model"
    write_doc(folder, make_doc("1.0"), "1.0")
    write_doc(folder, make_doc("1"), "1")
    with pytest.raises(CatalogueError, match="same version under several names"):
        catalogue.load_catalogue(directory=folder)
