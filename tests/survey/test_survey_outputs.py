"""Row accounting and the survey ingest's written outputs."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from lscb_analysis.core.errors import RawDataWriteError
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
    written = survey_outputs.write_survey_outputs(result, project / "data" / "processed")
    assert {p.name for p in written.values()} == {
        "survey_items.parquet",
        "survey_items.csv",
        "survey_issues.csv",
        "survey_returns.csv",
    }
    assert pd.read_parquet(written["items_parquet"])["item"].iloc[0] == "@SUM(1+1)"
    with written["items_csv"].open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["item"] == "'@SUM(1+1)"
    with pytest.raises(RawDataWriteError):
        survey_outputs.write_survey_outputs(result, project / "data" / "raw")
