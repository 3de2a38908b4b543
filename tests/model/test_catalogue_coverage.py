"""Coverage helpers of the gap analysis: partner share and keywords."""

from __future__ import annotations

import pytest
from catalogue_docs import (
    doc_fixture,  # noqa: F401 (the fixture ``doc``, used by name)
    pi_of,
    write_doc,
)

from lscb_analysis.core.errors import CatalogueError
from lscb_analysis.model import catalogue, catalogue_coverage

# --- coverage helpers -------------------------------------------------------------------


def test_partner_share_by_agency_and_sector(tmp_path, doc):
    pi_of(doc, 2).update(status="current", postponed=None)
    pi_of(doc, 2).pop("postponed")
    pi_of(doc, 2)["source"]["indicator"] = "cla_missing_pct"
    pi_of(doc, 2).update(decimals=0, candidate_code="LAC05", unit="percent")
    model = catalogue.load_catalogue(path=write_doc(tmp_path / "model", doc))
    by_agency = catalogue_coverage.partner_share(model)
    assert list(by_agency.columns) == ["agency", "sector", "pis", "share_pct"]
    assert by_agency.iloc[0].tolist() == ["children's social care", "local authority", 2, 66.7]
    by_sector = catalogue_coverage.partner_share(model, by="sector").set_index("sector")
    assert by_sector["pis"].to_dict() == {"local authority": 2, "partner": 1, "partnership": 0}
    assert catalogue_coverage.local_authority_share(model) == 66.7
    with pytest.raises(CatalogueError, match="by must be"):
        catalogue_coverage.partner_share(model, by="goal")


def test_postponed_pis_are_left_out_of_the_share_unless_asked(tmp_path, doc):
    model = catalogue.load_catalogue(path=write_doc(tmp_path / "model", doc))
    assert catalogue_coverage.partner_share(model, by="sector")["pis"].sum() == 2
    assert (
        catalogue_coverage.partner_share(model, by="sector", include_postponed=True)["pis"].sum()
        == 3
    )


def test_the_seminar_reduced_the_local_authority_share():
    shares = [
        catalogue_coverage.local_authority_share(catalogue.load_catalogue(v))
        for v in ("0.1", "0.2", "1.0")
    ]
    assert shares[0] > shares[1] and shares[0] > shares[2]
    for version in ("0.1", "1.0"):
        assert catalogue_coverage.partner_share(catalogue.load_catalogue(version), by="sector")[
            "share_pct"
        ].sum() == pytest.approx(100, abs=0.2)


def test_keyword_table_includes_candidate_keywords(tmp_path, doc):
    model = catalogue.load_catalogue(path=write_doc(tmp_path / "model", doc))
    table = catalogue_coverage.keyword_table(model)
    assert list(table.columns) == ["pi_id", "keyword", "origin"]
    words = table.loc[table["pi_id"] == "BF-TS-01"]
    assert {"re-referrals", "rereferrals"} <= set(words["keyword"])
    assert set(words["origin"]) == {"title", "keyword", "candidate"}
    assert not table.duplicated(["pi_id", "keyword"]).any()
