"""Tests for lscb_analysis.protect.safe_files: formula-injection-safe outputs and input workbook checks."""

from __future__ import annotations

import csv
import dataclasses
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from lscb_analysis.core.errors import (
    InvalidArgumentError,
    MissingDataFileError,
    RawDataWriteError,
    ReferenceDataError,
    UnsafeWorkbookError,
)
from lscb_analysis.protect.safe_files import (
    CFB_SIGNATURE,
    ISSUE_COLUMNS,
    check_workbook,
    load_workbook_limits,
    neutralise_frame,
    neutralise_text,
    open_checked_workbook,
    write_safe_csv,
    write_safe_xlsx,
)

DANGEROUS = ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "  =HYPERLINK(1)"]
HARMLESS = ["Barnet", "c", "x", "3-5 years", "#N/A", ""]

# --- a hand-built xlsx package, for the crafted cases ---------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>'
)
ROOT_RELS = (
    f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
    '<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def sheet_xml(rows: int = 2, dimension: str | None = "A1:B2", padding: int = 0) -> bytes:
    body = "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}" t="inlineStr"><is><t>x</t></is>'
        "</c></row>"
        for r in range(1, rows + 1)
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<worksheet xmlns="{MAIN}">{dim}'.encode()
        + b" " * padding
        + f"<sheetData>{body}</sheetData></worksheet>".encode()
    )


def build_package(path, sheet: bytes, extra: dict[str, bytes] | None = None):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", ROOT_RELS)
        package.writestr("xl/workbook.xml", WORKBOOK)
        package.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        package.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return path


# --- neutralising ---------------------------------------------------------------------------


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


def make_workbook(path, formulas: bool = False):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Returns"
    sheet.append(["borough", "referrals"])
    sheet.append(["Barnet", 10])
    sheet.append(["Brent", 12])
    if formulas:
        sheet["B4"] = "=SUM(B2:B3)"
    workbook.save(path)
    return path


def test_ordinary_workbook_passes(tmp_path):
    check = check_workbook(make_workbook(tmp_path / "ok.xlsx"))
    assert check.sheets[["sheet", "rows", "columns", "cells"]].values.tolist() == [
        ["Returns", 3, 2, 6]
    ]
    assert not check.has_macros and check.external_links == ()
    assert check.issues.empty and list(check.issues.columns) == list(ISSUE_COLUMNS)


def test_formulas_are_reported_not_run(tmp_path):
    check = check_workbook(make_workbook(tmp_path / "f.xlsx", formulas=True))
    assert check.formulas.values.tolist() == [["Returns", "B4", "=SUM(B2:B3)", False]]
    issue = check.issues.iloc[0]
    assert issue["kind"] == "formula" and "B4" in issue["message"]
    assert "no saved value" in issue["message"]
    workbook, _ = open_checked_workbook(tmp_path / "f.xlsx")
    try:
        assert next(workbook["Returns"].iter_rows(min_row=4, values_only=True))[1] is None
    finally:
        workbook.close()


def test_macros_and_external_links_are_reported(tmp_path):
    path = make_workbook(tmp_path / "m.xlsm")
    link_rels = (
        f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/externalLinkPath" '
        'Target="file:///S:/Shared/children.xlsx" TargetMode="External"/></Relationships>'
    )
    with zipfile.ZipFile(path, "a") as package:
        package.writestr("xl/vbaProject.bin", b"\x00" * 64)
        package.writestr("xl/externalLinks/externalLink1.xml", f'<externalLink xmlns="{MAIN}"/>')
        package.writestr("xl/externalLinks/_rels/externalLink1.xml.rels", link_rels)
    check = check_workbook(path)
    assert check.has_macros and check.macro_parts == ("xl/vbaProject.bin",)
    assert check.external_links == ("file:///S:/Shared/children.xlsx",)
    assert sorted(check.issues["kind"]) == ["external_link", "macro"]
    assert all("m.xlsm" in message for message in check.issues["message"])


# --- workbook checks: refusing ----------------------------------------------------------------


def test_zip_bomb_by_size_is_refused(tmp_path):
    path = build_package(tmp_path / "bomb.xlsx", sheet_xml(padding=12_000_000))
    assert path.stat().st_size < 100_000
    with pytest.raises(UnsafeWorkbookError, match="bomb.xlsx unpacks to .* zip bomb"):
        check_workbook(path, max_uncompressed_bytes=10_000_000)


def test_zip_bomb_by_ratio_is_refused(tmp_path):
    path = build_package(tmp_path / "bomb.xlsx", sheet_xml(padding=3_000_000))
    limits = dataclasses.replace(load_workbook_limits(), ratio_check_above_bytes=1_000_000)
    with pytest.raises(UnsafeWorkbookError, match="times larger than it is stored"):
        check_workbook(path, limits=limits)


def test_too_many_rows_from_dimension(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.cell(row=300_000, column=1, value=1)
    path = tmp_path / "tall.xlsx"
    workbook.save(path)
    with pytest.raises(
        UnsafeWorkbookError, match=r"tall.xlsx, sheet Sheet: its dimension .* reaches row 300,000"
    ):
        check_workbook(path, max_rows=200_000)


def test_too_many_cells_from_dimension(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active["XFD400"] = 1
    path = tmp_path / "wide.xlsx"
    workbook.save(path)
    with pytest.raises(UnsafeWorkbookError, match="6,553,600 cells, over the limit of 5,000,000"):
        check_workbook(path, max_cells=5_000_000)


def test_lying_dimension_is_caught_while_streaming(tmp_path):
    path = build_package(tmp_path / "liar.xlsx", sheet_xml(rows=5, dimension="A1:B1"))
    with pytest.raises(UnsafeWorkbookError, match="its contents reaches row 3"):
        check_workbook(path, max_rows=2)
    with pytest.raises(UnsafeWorkbookError, match="cells, over the limit of 4"):
        check_workbook(path, max_cells=4)
    assert check_workbook(path).sheets["cells"].tolist() == [10]


def test_encrypted_workbook_is_refused(tmp_path):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(CFB_SIGNATURE + b"\x00" * 600 + "EncryptedPackage".encode("utf-16-le"))
    with pytest.raises(UnsafeWorkbookError, match="locked.xlsx is encrypted .*remove the password"):
        check_workbook(path)


def test_legacy_xls_renamed_is_refused(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(CFB_SIGNATURE + b"\x00" * 600 + "Workbook".encode("utf-16-le"))
    with pytest.raises(UnsafeWorkbookError, match="Excel 97-2003"):
        check_workbook(path)


def test_not_a_zip_and_missing_file(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("borough,referrals\nBarnet,10\n", encoding="utf-8")
    with pytest.raises(UnsafeWorkbookError, match="not a zip package"):
        check_workbook(path)
    with pytest.raises(MissingDataFileError):
        check_workbook(tmp_path / "absent.xlsx")
    other = tmp_path / "fake.csv"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(UnsafeWorkbookError, match="not an Excel workbook"):
        check_workbook(other)


def test_doctype_in_sheet_is_refused(tmp_path):
    evil = b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]>' + sheet_xml().replace(
        b"<t>x</t>", b"<t>&lol;</t>"
    )
    path = build_package(tmp_path / "evil.xlsx", evil)
    with pytest.raises(UnsafeWorkbookError, match="declares a DTD or entities"):
        check_workbook(path)


def test_limits_config_is_validated(tmp_path):
    limits = load_workbook_limits()
    assert limits.max_rows == 200_000
    bad = tmp_path / "limits.yaml"
    bad.write_text("workbook_limits: {max_rows: -1}\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="lacks"):
        load_workbook_limits(bad)
    with pytest.raises(ReferenceDataError, match="positive number"):
        dataclasses.replace(limits, max_rows=0)
