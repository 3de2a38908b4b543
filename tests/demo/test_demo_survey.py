"""The synthetic survey set: every messy shape, clearly marked, ingesting to the expected states."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlrd

from lscb_analysis.demo import demo_data, demo_survey, demo_survey_content
from lscb_analysis.survey import survey_ingest, survey_outputs, survey_result


def _marker_cell(path: Path) -> bool:
    """True when the workbook shows the SYNTHETIC marker on its About sheet or first cell."""
    marker = demo_survey_content.DEMO_MARKER
    if path.suffix == ".csv":
        return path.read_text(encoding="utf-8-sig").splitlines()[0] == marker
    if path.suffix == ".xls":
        book = xlrd.open_workbook(str(path))
        sheet = (
            book.sheet_by_name("About") if "About" in book.sheet_names() else book.sheet_by_index(0)
        )
        return sheet.cell_value(0, 0) == marker
    if path.suffix == ".ods":
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine="odf")
        first = sheets.get("About", next(iter(sheets.values())))
        return first.iloc[0, 0] == marker
    workbook = openpyxl.load_workbook(path, read_only=True)
    sheet = workbook["About"] if "About" in workbook.sheetnames else workbook.worksheets[0]
    found = any(row[0] == marker for row in sheet.iter_rows(max_row=1, values_only=True))
    workbook.close()
    return found


@pytest.mark.slow
def test_the_demo_survey_set_ingests_to_the_expected_states(project):
    summary = demo_data.write_demo_data()
    folder = project / "data" / "raw" / "survey"
    written = sorted(p.name for p in folder.iterdir())
    assert summary["survey"]["files"] == len(written) and not summary["survey"]["skipped"]
    assert "contacts.csv" in written and "SYNTHETIC.md" in written
    assert all(
        name.startswith("SYNTHETIC_")
        for name in written
        if name not in ("contacts.csv", "SYNTHETIC.md")
    )
    assert "SYNTHETIC DEMO DATA" in (folder / "SYNTHETIC.md").read_text()

    plan = demo_survey.demo_survey_plan()
    assert set(plan["file"]) == set(written) - {"contacts.csv", "SYNTHETIC.md"}
    for name in set(plan.loc[plan["expected_reason"].isin(["", "duplicate", "empty"]), "file"]):
        assert _marker_cell(folder / name), name
    assert {Path(n).suffix for n in plan["file"]} == {".xlsx", ".xls", ".csv", ".ods"}

    result = survey_ingest.ingest_survey(folder)
    got = result.returns.set_index(["file", "la_number"])[["state", "reason"]]
    want = plan.set_index(["file", "la_number"])[["expected_state", "expected_reason"]]
    want.columns = ["state", "reason"]
    pd.testing.assert_frame_equal(got.sort_index(), want.sort_index())

    rejected = result.returns[result.returns["state"] == "rejected"]
    assert sorted(rejected["reason"]) == ["corrupt", "duplicate", "empty", "password_protected"]
    used = result.items[result.items["used"]]
    assert used["la_number"].nunique() == 24
    assert "201" not in set(result.items["la_number"])  # City of London was not asked
    superseded = result.issues[result.issues["code"] == "superseded_return"]
    assert len(superseded) == 1 and superseded.iloc[0]["file"].endswith("_v1.xlsx")
    assert not result.items.loc[result.items["file"].str.endswith("_v1.xlsx"), "used"].any()
    assert survey_outputs.row_accounting(result)["unaccounted"].eq(0).all()

    # Messy variants really are messy, and the clean ones clean.
    codes = set(result.issues["code"])
    assert codes <= set(survey_result.ISSUE_CODES)
    assert {
        "text_above_header",
        "note_row",
        "section_heading",
        "unmapped_column",
        "unmapped_value",
        "not_collected",
        "usefulness_not_1_to_5",
    } - codes == {"usefulness_not_1_to_5"}
    originals = set(result.items["agency_original"])
    assert {"Met Police", "CSC", "PCT", "CAMHS", "YOT"} <= originals
    assert set(result.items["collected_flag_original"]) >= {"Y", "yes", "x", "\u2713", "1"}
    local = {
        "Prevent referrals",
        "Female genital mutilation cases",
        "Children in custody overnight",
        "Young carers assessments",
        "Gang matrix nominals",
    }
    assert local & set(result.items["item"])

    contacts = pd.read_csv(folder / "contacts.csv", dtype=str, keep_default_na=False)
    assert list(contacts.columns) == demo_survey_content.CONTACT_COLUMNS
    assert len(contacts) == 33 and contacts["contact"].str.startswith("SYNTHETIC Contact").all()
    assert (contacts["date_sent"] != "").sum() == 32
    assert (contacts["acknowledged"] == "yes").sum() == 28
    assert contacts["date_sent"].str[-4:].isin(["", "2026"]).all()


def test_the_response_pattern_reads_as_in_phase_one(project):
    survey_mapping = pytest.importorskip("lscb_analysis.survey.survey_mapping")
    demo_survey.write_demo_survey(project / "data" / "raw")
    folder = project / "data" / "raw" / "survey"
    result = survey_ingest.ingest_survey(folder)
    contacts, _ = survey_mapping.read_contacts(folder / "contacts.csv")
    table = survey_mapping.response_register(result.returns, contacts)
    assert survey_mapping.response_summary(table).startswith(
        "28 of 32 boards asked responded, 24 with information; 4 acknowledged without sending "
        "data, 0 sent a return that could not be read, 4 did not reply."
    )
