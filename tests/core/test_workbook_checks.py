"""Tests for lscb_analysis.core.workbook_checks: input workbooks checked before reading."""

from __future__ import annotations

import dataclasses
import zipfile

import openpyxl
import pytest

from lscb_analysis.core.errors import (
    MissingDataFileError,
    ReferenceDataError,
    UnsafeWorkbookError,
)
from lscb_analysis.core.workbook_checks import (
    CFB_SIGNATURE,
    ISSUE_COLUMNS,
    check_workbook,
    load_workbook_limits,
    open_checked_workbook,
)

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
