"""Tests for lscb_analysis.core.returned_workbook (and its _cells and _formats rooms): every
format read from small real files built here, every sheet accounted, hidden and chart sheets,
merged cells, formulas, dates as text."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference

from lscb_analysis.core.errors import MissingDataFileError, SurveyFileError
from lscb_analysis.core.returned_workbook import (
    read_returned_workbook,
    read_xlsx_workbook,
    sniff,
)
from lscb_analysis.core.returned_workbook_cells import (
    ReturnedSheet,
    ReturnedWorkbookError,
    cell_address,
    cell_text,
    make_grid,
)


def build_xlsx(path):
    """Visible, hidden and very hidden sheets, a chart sheet, a merge, a formula, dates."""
    book = openpyxl.Workbook()
    data = book.active
    data.title = "Data"
    data["A1"] = "Our return"
    data.merge_cells("A1:C1")
    data.append(["Item", "Count", "Date"])
    data.append(["Referrals", 12, dt.datetime(2026, 4, 9)])
    data.append(["Visits", 3.0, dt.datetime(2026, 4, 9, 14, 30)])
    data["B5"] = "=SUM(B3:B4)"
    hidden = book.create_sheet("Lists")
    hidden["A1"] = "kind"
    hidden["B1"] = "pilot"
    hidden.sheet_state = "hidden"
    secret = book.create_sheet("Meta")
    secret["A1"] = True
    secret.sheet_state = "veryHidden"
    chart = BarChart()
    chart.add_data(Reference(data, min_col=2, min_row=2, max_row=4), titles_from_data=True)
    book.create_chartsheet("Chart").add_chart(chart)
    book.save(path)
    return path


def test_cell_text_is_one_convention():
    assert cell_text(None) == "" and cell_text(float("nan")) == ""
    assert cell_text(12.0) == "12" and cell_text(2.5) == "2.5" and cell_text(7) == "7"
    assert cell_text(True) == "TRUE" and cell_text(False) == "FALSE"
    assert cell_text(dt.datetime(2026, 4, 9)) == "2026-04-09"
    assert cell_text(dt.datetime(2026, 4, 9, 14, 30)) == "2026-04-09 14:30:00"
    assert cell_text(dt.date(2026, 4, 9)) == "2026-04-09"
    assert cell_text(dt.time(9, 5)) == "09:05:00"
    assert cell_text("  two\r\nlines ") == "two\nlines"


def test_addresses_and_merged_grid():
    assert cell_address(0, 0) == "A1" and cell_address(6, 27) == "AB7"
    grid = make_grid("S", [["Title"], ["a", "b"]], [(0, 0, 0, 2)])
    assert grid.rows[0] == ["Title", "Title", "Title"]
    assert grid.source(0, 2) == (0, 0) and grid.spans[(0, 0)] == (1, 3)
    assert grid.own(0, 1) and grid.own(1, 1)
    down = make_grid("S", [["x", "CSC"], ["y"]], [(0, 1, 1, 1)])
    assert down.rows[1] == ["y", "CSC"] and not down.own(1, 1)


def test_xlsx_every_sheet_states_merges_formulas_and_dates(tmp_path):
    book = read_returned_workbook(build_xlsx(tmp_path / "return.xlsx"))
    assert book.format == "xlsx"
    assert book.sheet_names == ["Data", "Lists", "Meta", "Chart"]
    assert [s.state for s in book.sheets] == ["visible", "hidden", "veryHidden", "visible"]
    assert [s.kind for s in book.sheets][-1] == "chartsheet"
    assert [s.name for s in book.worksheets] == ["Data", "Lists", "Meta"]
    assert "Chart" in book and "Nope" not in book
    data = book["Data"]
    assert data.merged == ((0, 0, 0, 2),)
    assert data.rows[0][:3] == ["Our return", None, None]  # as written: the merge not filled
    assert data.grid().rows[0][:3] == ["Our return"] * 3
    assert data.text(2, 2) == "2026-04-09" and data.text(3, 2) == "2026-04-09 14:30:00"
    assert data.text(3, 1) == "3" and data.value(2, 1) == 12
    assert data.address(4, 1) == "B5"
    assert data.value(4, 1) is None  # openpyxl saves no value: formulas are never run
    formulas = book.formulas
    assert list(formulas["cell"]) == ["B5"] and not formulas["has_cached_value"].any()
    assert book["Meta"].text(0, 0) == "TRUE"
    assert data.value(99, 99) is None and data.text(99, 99) == ""
    with pytest.raises(KeyError):
        book["Nope"]


def test_xls_hidden_sheet_merges_and_dates(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    front = book.add_sheet("About")
    front.write(0, 0, "Date")
    front.write(0, 1, dt.datetime(2026, 2, 3), xlwt.easyxf(num_format_str="DD/MM/YYYY"))
    sheet = book.add_sheet("Collect")
    sheet.write_merge(0, 1, 0, 0, "CSC")
    sheet.write(0, 1, 5)
    lists = book.add_sheet("Lists")
    lists.write(0, 0, "x")
    lists.visibility = 1
    path = tmp_path / "old.xls"
    book.save(str(path))
    read = read_returned_workbook(path)
    assert read.format == "xls" and read.check is None and read.formulas.empty
    assert read.sheet_names == ["About", "Collect", "Lists"]
    assert [s.state for s in read.sheets] == ["visible", "visible", "hidden"]
    assert read["About"].text(0, 1) == "2026-02-03"
    collect = read["Collect"]
    assert collect.merged == ((0, 0, 1, 0),) and collect.grid().rows[1][0] == "CSC"
    assert collect.text(0, 1) == "5"


def build_ods(path):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableProperties
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    hide = Style(name="hide", family="table")
    hide.addElement(TableProperties(display="false"))
    document.automaticstyles.addElement(hide)

    def cell(shown=None, **attributes):
        item = TableCell(**attributes)
        if shown is not None:
            item.addElement(P(text=str(shown)))
        return item

    first = Table(name="Wish list")
    row = TableRow()
    row.addElement(cell("Title", numbercolumnsspanned=2))
    row.addElement(CoveredTableCell())
    first.addElement(row)
    row = TableRow()
    row.addElement(cell("2026-03-14", valuetype="date", datevalue="2026-03-14"))
    row.addElement(cell("4", valuetype="float", value="4"))
    first.addElement(row)
    document.spreadsheet.addElement(first)
    second = Table(name="Lists", stylename=hide)
    row = TableRow()
    row.addElement(cell("kind"))
    second.addElement(row)
    document.spreadsheet.addElement(second)
    document.save(str(path))
    return path


def test_ods_hidden_sheet_merges_and_dates(tmp_path):
    read = read_returned_workbook(build_ods(tmp_path / "sutton.ods"))
    assert read.format == "ods" and read.sheet_names == ["Wish list", "Lists"]
    assert [s.state for s in read.sheets] == ["visible", "hidden"]
    wish = read["Wish list"]
    assert wish.merged == ((0, 0, 0, 1),) and wish.grid().rows[0] == ["Title", "Title"]
    assert wish.text(1, 0) == "2026-03-14" and wish.text(1, 1) == "4"


def test_csv_is_one_sheet_with_the_best_delimiter(tmp_path):
    path = tmp_path / "merton.csv"
    path.write_bytes("Item;Count\nRéférrals;4\n;\n".encode("cp1252"))
    read = read_returned_workbook(path)
    assert read.format == "csv" and read.sheet_names == [""]
    assert read[""].rows == [["Item", "Count"], ["Référrals", "4"], [None, None]]


def test_format_goes_by_the_bytes_not_the_name(tmp_path):
    path = build_xlsx(tmp_path / "real.xlsx")
    misnamed = tmp_path / "bexley.xls"
    misnamed.write_bytes(path.read_bytes())
    assert sniff(misnamed) == "xlsx"
    assert read_returned_workbook(misnamed).format == "xlsx"


@pytest.mark.parametrize(
    ("name", "content", "code", "words"),
    [
        ("zero.csv", b"", "empty", "is empty (0 bytes). Ask the board"),
        ("fake.xlsx", b"not a workbook", "corrupt", "is not a valid .xlsx file"),
        ("notes.txt", b"hello", "corrupt", "is not a spreadsheet the workbench reads"),
        ("broken.ods", b"PK\x03\x04broken", "corrupt", "not a valid .ods"),
    ],
)
def test_refusals_use_the_callers_error_class(tmp_path, name, content, code, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SurveyFileError, match=words.replace("(", r"\(").replace(")", r"\)")) as e:
        read_returned_workbook(path, error=SurveyFileError, sender="the board")
    assert e.value.code == code


def test_xlsx_reader_refusals(tmp_path):
    with pytest.raises(MissingDataFileError):
        read_xlsx_workbook(tmp_path / "missing.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ReturnedWorkbookError, match="not a valid .xlsx") as e:
        read_xlsx_workbook(bad)
    assert e.value.code == "unsafe_workbook"


def test_returned_sheet_defaults():
    sheet = ReturnedSheet("S", [[1]])
    assert sheet.state == "visible" and sheet.kind == "worksheet" and sheet.merged == ()
