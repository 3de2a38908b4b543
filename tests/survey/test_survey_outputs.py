"""Row accounting and the survey ingest's written outputs."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from lscb_analysis.core import ingest_record
from lscb_analysis.core.errors import MissingDataFileError, RawDataWriteError, StaleDataError
from lscb_analysis.survey import survey_ingest, survey_outputs, survey_result


def test_every_file_ends_in_exactly_one_state_and_rows_are_accounted(
    folder, write_xlsx, about, collect_row, template_return, template
):
    template_return(folder / "one.xlsx", board="Barnet")
    write_xlsx(
        folder / "two.xlsx",
        {
            "About": about("Brent"),
            template.sheet_collect: [
                ["Title"],
                template.collect,
                [],
                collect_row("A"),
                [None, "note"],
                ["Notes:"],
                ["x"],
            ],
        },
    )
    (folder / "three.xlsx").write_bytes(b"junk")
    result = survey_ingest.ingest_survey(folder)
    states = result.returns.groupby("file")["state"].nunique()
    assert (states == 1).all()
    assert set(result.returns["state"]) <= set(survey_result.STATES)
    accounting = survey_outputs.row_accounting(result)
    assert list(accounting.columns) == survey_result.ACCOUNTING_COLUMNS
    assert accounting["unaccounted"].eq(0).all()
    two = accounting[accounting["file"] == "two.xlsx"].iloc[0]
    assert (two["header_row"], two["non_blank_rows"], two["item_rows"]) == (2, 4, 1)


def test_outputs_are_written_and_neutralised(project, write_xlsx, about, collect_row, template):
    folder = project / "returns"
    folder.mkdir()
    write_xlsx(
        folder / "return.xlsx",
        {"About": about(), template.sheet_collect: [template.collect, collect_row("@SUM(1+1)")]},
    )
    result = survey_ingest.ingest_survey(folder)
    written = survey_outputs.write_survey_outputs(
        result, project / "data" / "processed", source=folder
    )
    assert {p.name for p in written.values()} == {
        "survey_items.parquet",
        "survey_items.csv",
        "survey_issues.csv",
        "survey_returns.csv",
        "survey_ingest.json",
    }
    assert pd.read_parquet(written["items_parquet"])["item"].iloc[0] == "@SUM(1+1)"
    with written["items_csv"].open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["item"] == "'@SUM(1+1)"
    with pytest.raises(RawDataWriteError):
        survey_outputs.write_survey_outputs(result, project / "data" / "raw", source=folder)


@pytest.fixture
def one_return(project, write_xlsx, about, collect_row, template):
    """``data/raw/survey/`` holding Barnet's return, and a way to add another board's."""
    folder = project / "data" / "raw" / "survey"
    folder.mkdir()

    def add(where, board, item):
        write_xlsx(
            where / f"{board.lower()}.xlsx",
            {"About": about(board), template.sheet_collect: [template.collect, collect_row(item)]},
        )

    add(folder, "Barnet", "A")
    return folder, add


def test_later_steps_read_the_ingested_tables_not_the_returns(one_return):
    folder, add = one_return
    (folder / "contacts.csv").write_text(
        "borough,contact,date_sent,date_chased,acknowledged,notes\n"
        "Barnet,Ms A,2026-01-12,,yes,\nNowhere,Mr B,2026-01-12,,no,\n",
        encoding="utf-8",
    )
    with pytest.raises(MissingDataFileError, match="`lscb survey ingest` first"):
        survey_outputs.read_ingested_survey()
    result = survey_outputs.ingest_folder()
    back = survey_outputs.read_ingested_survey()
    for table in ("items", "issues", "returns", "sheets"):
        pd.testing.assert_frame_equal(
            getattr(result, table), getattr(back, table), check_dtype=False
        )
    assert back.contacts["borough"].tolist() == ["Barnet"]
    assert back.contact_issues["code"].tolist() == ["unknown_borough"]
    assert back.accounting["unaccounted"].eq(0).all()
    record = ingest_record.read_record("survey")
    assert record["source"] == "data/raw/survey"
    assert record["accounting"]["rows_unaccounted"] == 0 and record["tables"]["items"] == 1
    # a return added afterwards is not silently left out: the tables are refused until ingested
    add(folder, "Brent", "B")
    with pytest.raises(StaleDataError, match="has changed since.*`lscb survey ingest` first"):
        survey_outputs.read_ingested_survey(folder)


def test_commands_after_the_ingest_ingest_only_when_the_tables_are_not_current(project, one_return):
    folder, add = one_return
    tables, ingested = survey_outputs.ingested_survey()
    assert ingested and len(tables.items) == 1
    record = ingest_record.record_path("survey")
    written_at = record.stat().st_mtime_ns
    tables, ingested = survey_outputs.ingested_survey(folder)
    assert not ingested and record.stat().st_mtime_ns == written_at
    other = project / "elsewhere"
    other.mkdir()
    add(other, "Brent", "B")
    tables, ingested = survey_outputs.ingested_survey(other)
    assert ingested and tables.items["borough"].tolist() == ["Brent"]
    assert ingest_record.read_record("survey")["source"] == "elsewhere"


@pytest.mark.slow
def test_the_mapping_report_stops_when_returns_changed_since_the_ingest(
    project, public_indicators, tmp_path
):
    from lscb_analysis.demo import demo_survey
    from lscb_analysis.runs import orchestrate

    public_indicators.to_parquet(project / "data" / "processed" / "public_indicators.parquet")
    folder = demo_survey.write_demo_survey(project / "data" / "raw")[0].parent
    survey_outputs.ingest_folder()
    (folder / "late_return.csv").write_text("Item,Agency\nReferrals,Police\n", encoding="utf-8")
    (result,) = orchestrate.run_notebook(
        "survey_mapping", None, {}, jobs=1, out_dir=tmp_path, progress=False
    )
    assert result.status == "failed"
    assert "StaleDataError" in result.error and "has changed since" in result.error
    assert "Run `lscb survey ingest` first" in result.error
    survey_outputs.ingest_folder()
    (again,) = orchestrate.run_notebook(
        "survey_mapping", None, {}, jobs=1, out_dir=tmp_path, progress=False
    )
    assert again.status == "ok", again.error
