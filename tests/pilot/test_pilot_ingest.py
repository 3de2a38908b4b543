"""Pilot returns: round trip, every check with its cell, write-back, re-submissions, outputs."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from project_builders import demo_project

from lscb_analysis.core import ingest_record, io, register
from lscb_analysis.core.errors import PilotFileError, RawDataWriteError, StaleDataError
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

ISSUED = dt.date(2026, 2, 2)
STAMP = dt.datetime(2026, 4, 1, 12, 0)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, public_indicators):
    """The demo returns ingested and written out (checked copies, processed tables)."""
    root, built, _ = demo_project(tmp_path_factory, public_indicators)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LSCB_PROJECT_DIR", str(root))
        folder = root / "data" / "raw" / "pilot"
        before = {p.name: (io.sha256_of(p), p.stat().st_mtime) for p in folder.iterdir()}
        result = pilot_ingest.ingest_pilot(folder, published=public_indicators)
        written = pilot_outputs.write_pilot_outputs(result, source=folder)
        after = {p.name: (io.sha256_of(p), p.stat().st_mtime) for p in folder.iterdir()}
    return root, result, written, built.plan, before, after


def _fill_constant(rows: pd.DataFrame, rules: dict) -> pd.DataFrame:
    """A figure for every borough row, the same each period (so no jump or swing fires),
    national ones consistent with the published figure on the year-end row."""
    published = (
        rows[rows["prefilled"] & rows["value"].notna()]
        .groupby(["la_number", "pi_id"])["value"]
        .last()
    )
    scale = rules["checks"]["published_annual"]["annual_scale"]
    entries = []
    for item in rows[rows["borough_fills"]].itertuples(index=False):
        if item.unit == "percent":
            denominator = 200
            level = published.get((item.la_number, item.pi_id), 75.0)
            numerator = round(denominator * level / 100)
        else:
            multiplier = pilot_periods.unit_rule(item.unit, rules)["multiplier"]
            denominator = 90000
            level = published.get((item.la_number, item.pi_id), 30.0) / float(
                scale.get(item.source_indicator, 1)
            )
            numerator = round(level * denominator / multiplier)
        entries.append(
            {
                "borough": item.borough,
                "pi_id": item.pi_id,
                "period": item.period,
                "numerator": numerator,
                "denominator": denominator,
                "status": "provided",
                "source_system": "Mosaic",
                "narrative": "As recorded.",
            }
        )
    return pd.DataFrame(entries)


def _save(workbook, path) -> None:
    path.write_bytes(pilot_template.workbook_bytes(workbook, STAMP))


def test_round_trip_gives_back_exactly_what_was_typed(tmp_path, public_indicators):
    rules = pilot_periods.load_rules()
    model = catalogue.load_catalogue("1.0")
    area = register.resolve("Barnet")
    periods = pilot_periods.period_range("2024Q1..2025Q4")
    workbook = pilot_workbook.build_template(
        [area], periods, model, public_indicators, generated=ISSUED
    )
    rows = pilot_table.template_rows(model, [area], periods, public_indicators, rules)
    entries = _fill_constant(rows, rules)
    pilot_template.fill_template(workbook, entries.drop(columns="borough"))
    folder = tmp_path / "returns"
    folder.mkdir()
    _save(workbook, folder / "barnet.xlsx")
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
    entries = _fill_constant(rows, rules)
    entries.loc[
        (entries["borough"] == "Brent")
        & (entries["period"] == "2025Q2")
        & (entries["pi_id"] == "BF-DA-02"),
        "numerator",
    ] = -1
    pilot_template.fill_template(workbook, entries)
    folder = tmp_path / "returns"
    folder.mkdir()
    _save(workbook, folder / "met_police.xlsx")
    result = pilot_ingest.ingest_pilot(folder, published=public_indicators)
    assert sorted(result.values["borough"].unique()) == ["Barnet", "Brent"]
    assert set(result.values["returner"]) == {"agency:police"}
    assert list(result.returns["borough"]) == ["Barnet", "Brent"]
    issue = result.issues.iloc[0]
    assert (issue["code"], issue["borough"], issue["pi_id"]) == ("E_NEGATIVE", "Brent", "BF-DA-02")
    assert issue["cell"].startswith("F")  # the numerator column of an agency workbook


@pytest.mark.slow
def test_every_planted_problem_is_found_at_its_cell(demo):
    _, result, _, plan, _, _ = demo
    found = set(
        zip(
            result.issues["file"],
            result.issues["code"],
            result.issues["pi_id"],
            result.issues["period"],
            result.issues["cell"],
            strict=True,
        )
    )
    missing = [
        row
        for row in plan.itertuples(index=False)
        if (row.file, row.code, row.pi_id, row.period, row.cell) not in found
    ]
    assert not missing
    clean = ["Barking and Dagenham", "Tower Hamlets", "Southwark"]
    live = result.issues[~result.issues["superseded"] & (result.issues["severity"] != "note")]
    assert not live["borough"].isin(clean).any()


def test_jump_messages_say_which_rule_applied(demo):
    _, result, _, _, _, _ = demo
    jumps = result.issues[result.issues["code"] == "Q_JUMP"].set_index(["pi_id", "period"])
    assert "XmR limits" in jumps.loc[("BF-EH-02", "2025Q4"), "message"]
    assert "stated rule" in jumps.loc[("BF-QA-01", "2025Q3"), "message"]


@pytest.fixture(scope="module")
def edge(tmp_path_factory, public_indicators):
    """Returns that exercise the file-level findings."""
    folder = tmp_path_factory.mktemp("edge")
    model = catalogue.load_catalogue("1.0")
    area = register.resolve("Bromley")
    periods = pilot_periods.period_range("2025Q1..2025Q4")
    workbook = pilot_workbook.build_template(
        [area], periods, model, public_indicators, generated=ISSUED
    )
    pilot_template.fill_template(
        workbook,
        pd.DataFrame(
            [
                {
                    "pi_id": "BF-YS-07",
                    "period": "2025Q2",
                    "numerator": 3,
                    "denominator": 40000,
                    "status": "provided",
                    "narrative": "Collected anyway.",
                }
            ]
        ),
        add_missing=True,
    )
    workbook["Template info"]["B2"] = "9.9"  # template_version: the checksum no longer fits
    _save(workbook, folder / "bromley_tampered.xlsx")
    own = openpyxl.Workbook()
    sheet = own.active
    sheet.title = "Figures"
    sheet.append(["Pilot figures"])
    sheet.append(["PI", "Quarter", "Num", "Denom", "Status"])
    sheet.append(["BF-EH-02", "Q1 2025", 30, 60, "Yes"])
    own.save(folder / "haringey_table.xlsx")
    nameless = openpyxl.Workbook()
    nameless.active.append(["PI", "Quarter", "Num", "Denom"])
    nameless.active.append(["BF-EH-02", "2025Q1", 3, 6])
    nameless.save(folder / "return.xlsx")
    (folder / "figures.csv").write_text("PI,Quarter\nBF-EH-02,2025Q1\n")
    (folder / "broken.xlsx").write_bytes(b"not a workbook at all")
    (folder / "README.md").write_text("not a return")
    return pilot_ingest.ingest_pilot(folder, published=public_indicators)


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


def test_every_rule_in_the_rules_file_is_exercised(demo, edge):
    codes = set(demo[1].issues["code"]) | set(edge.issues["code"])
    assert set(pilot_periods.load_rules()["findings"]) <= codes


def test_checked_copies_highlight_comment_and_summarise(demo):
    root, result, written, _, _, _ = demo
    path = root / "reports" / "pilot" / "bromley" / "SYNTHETIC_bromley_pilot_return_checked.xlsx"
    assert path in written["checked"]
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[0] == "Validation" and workbook.active.title == "Validation"
    cell = workbook["Data"]["G249"]  # value typed over the formula
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert "E_VALUE_MISMATCH" in cell.comment.text
    summary = [row for row in workbook["Validation"].iter_rows(values_only=True)]
    assert any(row[0] == "Findings" and row[1].startswith("3 error") for row in summary)
    listed = [row for row in summary if row[1] == "E_VALUE_MISMATCH"]
    assert listed and listed[0][7] == "G249"
    link = next(c for c in workbook["Validation"]["H"] if c.value == "G249")
    assert link.hyperlink.location == "'Data'!G249"
    agency = root / "reports" / "pilot" / "agency-police"
    assert (agency / "SYNTHETIC_metropolitan_police_pilot_return_checked.xlsx").is_file()


def test_originals_are_untouched(demo):
    _, _, _, _, before, after = demo
    assert before == after


def test_processed_tables(demo):
    root, result, written, _, _, _ = demo
    processed = root / "data" / "processed"
    values = pd.read_parquet(processed / "pilot_values.parquet")
    assert list(values.columns) == pilot_result.VALUE_COLUMNS
    assert (values["validation_status"] == "error").sum() > 0  # kept, never dropped
    assert len(values.drop_duplicates(["la_number", "borough", "pi_id", "period"])) == len(values)
    assert (processed / "pilot_values.csv").is_file()
    issues = pd.read_csv(processed / "pilot_issues.csv")
    assert list(issues.columns) == pilot_result.ISSUE_COLUMNS
    assert set(issues["severity"]) <= {"error", "query", "continuity", "note"}
    assert issues["message"].str.contains(r"sheet Data, cell [A-Z]+\d+").sum() > 20
    returns = pd.read_csv(processed / "pilot_returns.csv")
    assert returns["file"].nunique() == 13
    feasibility = pd.read_csv(processed / "pilot_feasibility.csv")
    assert {"can_provide", "cycle_offered", "quality_concerns", "effort"} <= set(
        feasibility.columns
    )
    assert pilot_ingest.summary_line(result).startswith("13 return(s) read (0 rejected)")


def test_later_steps_read_the_ingested_tables(demo, monkeypatch, tmp_path):
    root, result, written, _, _, _ = demo
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(root))
    back = pilot_outputs.read_ingested_pilot()
    for table in pilot_outputs.TABLES:
        pd.testing.assert_frame_equal(
            getattr(result, table).reset_index(drop=True), getattr(back, table), check_dtype=False
        )
    assert pilot_ingest.summary_line(back) == pilot_ingest.summary_line(result)
    record = ingest_record.read_record("pilot")
    assert written["pilot_ingest.json"] == ingest_record.record_path("pilot")
    assert record["source"] == "data/raw/pilot" and record["accounting"]["files"] == 13
    assert record["accounting"]["values_in_use"] == len(result.values)
    with pytest.raises(StaleDataError, match=r"ingested from data/raw/pilot.*`lscb pilot ingest "):
        pilot_outputs.read_ingested_pilot(tmp_path)


def test_resubmission_replaces_and_logs(demo):
    root, result, _, _, _, _ = demo
    v2 = "SYNTHETIC_barnet_pilot_return_v2.xlsx"
    row = result.values.set_index(["borough", "pi_id", "period"]).loc[
        ("Barnet", "BF-EH-02", "2025Q3")
    ]
    assert row["file"] == v2 and row["validation_status"] == "ok"
    changes = pd.read_csv(root / "data" / "processed" / "pilot_changes.csv", dtype=str)
    assert list(changes.columns) == pilot_result.CHANGE_COLUMNS
    fixed = changes[(changes["pi_id"] == "BF-EH-02") & (changes["period"] == "2025Q3")]
    numerator = fixed[fixed["field"] == "numerator"].iloc[0]
    assert numerator["old"] == "140" and numerator["new_file"] == v2
    assert numerator["old_cell"] == numerator["new_cell"] == "E19"
    narrative = changes[(changes["pi_id"] == "BF-SG-01") & (changes["field"] == "narrative")]
    assert narrative["new"].iloc[0] == "Corrected after the LADO's audit."
    old = result.issues[result.issues["file"] == "SYNTHETIC_barnet_pilot_return.xlsx"]
    assert old["superseded"].all()
    superseded = result.superseded
    assert (superseded["superseded_by"] == v2).sum() > 200
    # Across returners: a figure beats "not available", and differing figures are queried.
    police = result.values.set_index(["borough", "pi_id", "period"]).loc[
        ("Enfield", "BF-DA-01", "2025Q2")
    ]
    assert police["returner"] == "agency:police"


def test_refusals(tmp_path, demo, public_indicators, monkeypatch):
    root, result, _, _, _, _ = demo
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(root))
    with pytest.raises(RawDataWriteError):
        pilot_outputs.write_pilot_outputs(
            result, root / "data" / "raw" / "out", source=root / "data" / "raw" / "pilot"
        )
    with pytest.raises(PilotFileError, match="does not exist"):
        pilot_ingest.ingest_pilot(tmp_path / "nowhere", published=public_indicators)
