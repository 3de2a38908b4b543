"""Reading a folder of pilot returns: round trip, agency returns, file-level findings, refusals."""

from __future__ import annotations

import pytest
from ingest_inputs import ISSUED, fill_constant, save_workbook

from lscb_analysis.core import io, register
from lscb_analysis.core.errors import PilotFileError, RawDataWriteError
from lscb_analysis.model import catalogue
from lscb_analysis.pilot import (
    pilot_ingest,
    pilot_outputs,
    pilot_periods,
    pilot_result,
    pilot_table,
    pilot_template,
    pilot_workbook,
)


def test_round_trip_gives_back_exactly_what_was_typed(tmp_path, public_indicators):
    rules = pilot_periods.load_rules()
    model = catalogue.load_catalogue("1.0")
    area = register.resolve("Barnet")
    periods = pilot_periods.period_range("2024Q1..2025Q4")
    workbook = pilot_workbook.build_template(
        [area], periods, model, public_indicators, generated=ISSUED
    )
    rows = pilot_table.template_rows(model, [area], periods, public_indicators, rules)
    entries = fill_constant(rows, rules)
    pilot_template.fill_template(workbook, entries.drop(columns="borough"))
    folder = tmp_path / "returns"
    folder.mkdir()
    save_workbook(workbook, folder / "barnet.xlsx")
    result = pilot_ingest.ingest_pilot(folder, published=public_indicators)
    assert result.issues.empty, result.issues["message"].tolist()
    values = result.values
    assert list(values.columns) == pilot_result.VALUE_COLUMNS
    assert len(values) == len(rows) and (values["validation_status"] == "ok").all()
    typed = entries.merge(values, on=["pi_id", "period"], suffixes=("", "_read"))
    assert len(typed) == len(entries)
    assert (typed["numerator"] == typed["numerator_read"]).all()
    assert (typed["denominator"] == typed["denominator_read"]).all()
    multiplier = (
        typed["pi_id"]
        .map(model.pis.set_index("id")["unit"])
        .map(lambda u: pilot_periods.unit_rule(u, rules)["multiplier"])
    )
    expected = typed["numerator"] / typed["denominator"] * multiplier
    assert (typed["value"] - expected).abs().max() < 1e-9
    assert (typed["narrative"] == "As recorded.").all() and (typed["status"] == "provided").all()
    prefilled = rows[rows["prefilled"]].merge(
        values, on=["pi_id", "period"], suffixes=("", "_read")
    )
    assert prefilled["prefilled_read"].all()
    ok = prefilled["status"] == "published (DfE)"
    assert (prefilled.loc[ok, "value"] - prefilled.loc[ok, "value_read"]).abs().max() < 1e-9
    first = values.iloc[0]
    assert first["file"] == "barnet.xlsx" and first["sheet"] == "Data" and first["cell"] == "G5"
    assert first["sha256"] == io.sha256_of(folder / "barnet.xlsx")
    returned = result.returns.iloc[0]
    assert returned["identified_from"] == "hidden sheet" and returned["la_number"] == "302"


def test_agency_return_is_split_per_borough(tmp_path, public_indicators):
    rules = pilot_periods.load_rules()
    model = catalogue.load_catalogue("1.0")
    areas = register.resolve_many("Barnet, Brent")
    periods = pilot_periods.period_range("2025Q1..2025Q4")
    workbook = pilot_workbook.build_template(
        areas, periods, model, public_indicators, agency="police", generated=ISSUED
    )
    rows = pilot_table.template_rows(model, areas, periods, public_indicators, rules, "police")
    entries = fill_constant(rows, rules)
    entries.loc[
        (entries["borough"] == "Brent")
        & (entries["period"] == "2025Q2")
        & (entries["pi_id"] == "BF-DA-02"),
        "numerator",
    ] = -1
    pilot_template.fill_template(workbook, entries)
    folder = tmp_path / "returns"
    folder.mkdir()
    save_workbook(workbook, folder / "met_police.xlsx")
    result = pilot_ingest.ingest_pilot(folder, published=public_indicators)
    assert sorted(result.values["borough"].unique()) == ["Barnet", "Brent"]
    assert set(result.values["returner"]) == {"agency:police"}
    assert list(result.returns["borough"]) == ["Barnet", "Brent"]
    issue = result.issues.iloc[0]
    assert (issue["code"], issue["borough"], issue["pi_id"]) == ("E_NEGATIVE", "Brent", "BF-DA-02")
    assert issue["cell"].startswith("F")  # the numerator column of an agency workbook


def test_file_level_findings_and_rejections(edge):
    issues = edge.issues.set_index(["file", "code"])
    postponed = issues.loc[("bromley_tampered.xlsx", "Q_POSTPONED_PI")]
    assert postponed["cell"].startswith("A") and postponed["pi_id"] == "BF-YS-07"
    assert ("bromley_tampered.xlsx", "F_CHECKSUM") in issues.index
    for code in ("F_FROM_CONTENTS", "F_MODEL_ASSUMED", "F_NO_FEASIBILITY"):
        assert ("haringey_table.xlsx", code) in issues.index, code
    haringey = edge.values[edge.values["file"] == "haringey_table.xlsx"].iloc[0]
    assert (haringey["borough"], haringey["period"], haringey["value"]) == (
        "Haringey",
        "2025Q1",
        50.0,
    )
    assert haringey["status"] == "provided"
    rejected = edge.returns[edge.returns["state"] == "rejected"].set_index("file")["reason"]
    assert rejected.to_dict() == {
        "broken.xlsx": "unsafe_workbook",
        "figures.csv": "not_a_workbook",
        "return.xlsx": "borough_not_identifiable",
    }
    assert "README.md" not in set(edge.returns["file"])
    assert ("broken.xlsx", "F_REJECTED") in issues.index


def test_originals_are_untouched(demo):
    _, _, _, _, before, after = demo
    assert before == after


def test_refusals(tmp_path, demo, public_indicators, monkeypatch):
    root, result, _, _, _, _ = demo
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(root))
    with pytest.raises(RawDataWriteError):
        pilot_outputs.write_pilot_outputs(
            result, root / "data" / "raw" / "out", source=root / "data" / "raw" / "pilot"
        )
    with pytest.raises(PilotFileError, match="does not exist"):
        pilot_ingest.ingest_pilot(tmp_path / "nowhere", published=public_indicators)
