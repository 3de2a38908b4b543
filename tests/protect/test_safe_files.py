"""Tests for lscb_analysis.protect.safe_files: formula-injection-safe outputs."""

from __future__ import annotations

import csv
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from lscb_analysis.core.errors import InvalidArgumentError, RawDataWriteError
from lscb_analysis.protect.safe_files import (
    neutralise_frame,
    neutralise_text,
    write_safe_csv,
    write_safe_xlsx,
)

DANGEROUS = ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "  =HYPERLINK(1)"]
HARMLESS = ["Barnet", "c", "x", "3-5 years", "#N/A", ""]


@pytest.mark.parametrize("text", DANGEROUS)
def test_dangerous_text_is_prefixed(text):
    assert neutralise_text(text) == "'" + text


@pytest.mark.parametrize("value", [*HARMLESS, -5, -2.5, 0, np.int64(-3), None, np.nan])
def test_numbers_and_harmless_text_are_unchanged(value):
    result = neutralise_text(value)
    assert result is value or (result == value)


def test_neutralise_frame_keeps_numbers_as_numbers():
    frame = pd.DataFrame({"=name": ["=1+2", "Barnet"], "n": [-5, 7]}, index=["@a", "b"])
    out = neutralise_frame(frame)
    assert out["n"].tolist() == [-5, 7] and out["n"].dtype == frame["n"].dtype
    assert out["'=name"].tolist() == ["'=1+2", "Barnet"]
    assert out.index.tolist() == ["'@a", "b"]
    assert frame.columns.tolist() == ["=name", "n"]  # input untouched


def test_csv_round_trip_is_inert(tmp_path):
    texts = DANGEROUS + HARMLESS
    frame = pd.DataFrame({"text": texts, "n": range(-6, len(texts) - 6)})
    path = write_safe_csv(frame, tmp_path / "out" / "table.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["text", "n"]
    texts = [row[0] for row in rows[1:]]
    numbers = [row[1] for row in rows[1:]]
    for original, written in zip(DANGEROUS, texts, strict=False):
        assert written == "'" + original
    assert texts[len(DANGEROUS) :] == HARMLESS
    assert numbers[0] == "-6"  # a negative number is written as a number, unquoted


def test_xlsx_round_trip_stores_text_not_formulas(tmp_path):
    frame = pd.DataFrame(
        {
            "text": DANGEROUS + ["#N/A", "Barnet"],
            "n": [-5, 0, 3, 2.5, np.nan, 1, 2, 8, 9],
            "when": pd.to_datetime(["2025-03-31"] * 9),
        }
    )
    path = write_safe_xlsx({"Data": frame}, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(path)["Data"]
    for row, original in enumerate(DANGEROUS + ["#N/A"], start=2):
        cell = sheet.cell(row=row, column=1)
        assert cell.data_type == "s", (original, cell.data_type)
        assert cell.value == original.replace("\r", "\n") or cell.value == original
    assert sheet["B2"].value == -5 and sheet["B2"].data_type == "n"
    assert sheet["B6"].value is None
    assert sheet["C2"].is_date
    with zipfile.ZipFile(path) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    assert sheet.freeze_panes == "A2"


def test_xlsx_label_and_sheet_names(tmp_path):
    frame = pd.DataFrame({"n": [1, 2]})
    frame.attrs["tier_label"] = "NOT FOR PUBLICATION: test"
    path = write_safe_xlsx({"One": frame, "Two": frame}, tmp_path / "labelled.xlsx")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["One", "Two"]
    assert workbook["One"]["A1"].value == "NOT FOR PUBLICATION: test"
    assert workbook["One"]["A2"].value == "n"
    with pytest.raises(InvalidArgumentError, match="Sheet name 'a/b'"):
        write_safe_xlsx({"a/b": frame}, tmp_path / "bad.xlsx")
    with pytest.raises(InvalidArgumentError, match="used twice"):
        write_safe_xlsx({"A": frame, "a": frame}, tmp_path / "bad.xlsx")


def test_writers_refuse_data_raw(tmp_path, monkeypatch):
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(tmp_path))
    frame = pd.DataFrame({"n": [1]})
    with pytest.raises(RawDataWriteError, match="read-only"):
        write_safe_csv(frame, tmp_path / "data" / "raw" / "survey" / "x.csv")
    with pytest.raises(RawDataWriteError):
        write_safe_xlsx({"S": frame}, tmp_path / "data" / "raw" / "x.xlsx")


# --- workbook checks: passing ---------------------------------------------------------------
