"""Shared steps of the log readers: headers, dates, boroughs, withheld text, issues."""

from __future__ import annotations

import pandas as pd
import pytest

from lscb_analysis.core.errors import DataFileError
from lscb_analysis.qa import log_files


def test_dates_are_read_day_first_or_iso():
    assert log_files.parse_date("31/03/2026") == pd.Timestamp("2026-03-31")
    assert log_files.parse_date("2026-03-31") == pd.Timestamp("2026-03-31")
    assert log_files.parse_date("31/02/2026") is None and log_files.parse_date("") is None


def test_headers_are_matched_and_unknown_columns_reported(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("Area,Due By,Extra\nBarnet, 31/01/2026 ,x\n", encoding="utf-8")
    synonyms = {"area": "borough", "due_by": "due_date"}
    table, issues = log_files.read_log_csv(
        path, ("borough", "due_date", "notes"), ("borough",), synonyms, "Log"
    )
    assert table.columns.tolist() == ["row", "borough", "due_date", "notes"]
    assert table.iloc[0].tolist() == [2, "Barnet", "31/01/2026", ""]
    assert [i["code"] for i in issues] == ["column_ignored"]
    with pytest.raises(DataFileError, match="no column owner"):
        log_files.read_log_csv(path, ("owner",), ("owner",), {}, "Log")


def test_boroughs_and_pan_london_labels():
    pans = {"pan london"}
    assert log_files.resolve_borough("RBKC", pans) == ("Kensington and Chelsea", "borough")
    assert log_files.resolve_borough("Narnia", pans) is None
