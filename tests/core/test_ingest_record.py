"""The ingest record: tables written once, read back only while they match their folder."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from lscb_analysis.core import ingest_record
from lscb_analysis.core.errors import MissingDataFileError, RawDataWriteError, StaleDataError


@pytest.fixture
def returns(project):
    folder = project / "data" / "raw" / "things"
    folder.mkdir()
    (folder / "a.csv").write_text("x\n1\n", encoding="utf-8")
    return folder


def tables():
    return {
        "items": pd.DataFrame({"item": ["one", "two"], "row": [2, 3]}),
        "issues": pd.DataFrame({"file": ["a.csv"], "row": [None], "message": ["m"]}),
    }


def test_tables_and_record_are_written_and_read_back(project, returns):
    record = ingest_record.write_ingested(
        "things", returns, tables(), "lscb things ingest", accounting={"files": 1}
    )
    assert record == project / "data" / "processed" / "things_ingest.json"
    content = json.loads(record.read_text(encoding="utf-8"))
    assert content["source"] == "data/raw/things"
    assert content["tables"] == {"items": 2, "issues": 1}
    assert content["accounting"] == {"files": 1}
    assert content["command"] == "lscb things ingest"
    back = ingest_record.read_ingested("things", ["items", "issues"], returns, "lscb x")
    pd.testing.assert_frame_equal(back["items"], tables()["items"])
    assert back["issues"]["row"].isna().all()
    # the same folder named relative to the project is the same source
    assert ingest_record.stale_reason("things", "data/raw/things") is None


def test_reading_before_any_ingest_says_what_to_run(project, returns):
    with pytest.raises(MissingDataFileError, match=r"not been ingested.*`lscb things ingest"):
        ingest_record.read_ingested("things", ["items"], returns, "lscb things ingest")


def test_a_changed_folder_is_refused_until_ingested_again(project, returns):
    ingest_record.write_ingested("things", returns, tables(), "lscb things ingest")
    (returns / "b.csv").write_text("x\n2\n", encoding="utf-8")
    with pytest.raises(StaleDataError, match=r"data/raw/things has changed since"):
        ingest_record.read_ingested(
            "things", ["items"], returns, "lscb things ingest", default_source=returns
        )
    (returns / "b.csv").unlink()
    (returns / "a.csv").write_text("x\n9\n", encoding="utf-8")  # same name, new content
    assert "has changed" in ingest_record.stale_reason("things", returns)
    ingest_record.write_ingested("things", returns, tables(), "lscb things ingest")
    assert ingest_record.stale_reason("things", returns) is None


def test_tables_from_another_folder_are_refused_naming_both(project, returns, tmp_path):
    ingest_record.write_ingested("things", returns, tables(), "lscb things ingest")
    other = tmp_path / "elsewhere"
    other.mkdir()
    with pytest.raises(StaleDataError) as caught:
        ingest_record.read_ingested("things", ["items"], other, "lscb things ingest", None, returns)
    message = str(caught.value)
    assert "ingested from data/raw/things" in message and other.as_posix() in message
    assert f"`lscb things ingest {other}` first" in message


def test_a_deleted_table_or_broken_record_counts_as_not_current(project, returns):
    ingest_record.write_ingested("things", returns, tables(), "lscb things ingest")
    ingest_record.table_path("things", "issues").unlink()
    assert ingest_record.stale_reason("things", returns).endswith(
        "things_issues.parquet is missing."
    )
    ingest_record.record_path("things").write_text("{not json", encoding="utf-8")
    assert ingest_record.read_record("things") is None
    assert ingest_record.stale_reason("things", returns).endswith("cannot be read.")


def test_nothing_is_written_under_raw(project, returns):
    with pytest.raises(RawDataWriteError):
        ingest_record.write_ingested("things", returns, tables(), "x", returns)


def test_a_damaged_table_or_record_names_the_file_and_what_to_run(project, returns):
    ingest_record.write_ingested("things", returns, tables(), "lscb things ingest")
    ingest_record.table_path("things", "items").write_bytes(b"not parquet")
    with pytest.raises(StaleDataError, match=r"things_items\.parquet cannot be read.*`lscb x`"):
        ingest_record.read_ingested("things", ["items"], returns, "lscb x", None, returns)
    ingest_record.record_path("things").write_text("{not json", encoding="utf-8")
    with pytest.raises(MissingDataFileError, match=r"things_ingest\.json, cannot be read"):
        ingest_record.read_ingested("things", ["items"], returns, "lscb x", None, returns)
