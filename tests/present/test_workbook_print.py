"""Workbook print settings read back with openpyxl: score card, gap lists, checked pilot copies."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.model import gap_analysis
from lscb_analysis.present import workbook_print

PAGES = "Page &P of &N"


def _print_settings(sheet) -> dict:
    """What a printer would use, as openpyxl reads it back from the saved file."""
    setup = sheet.page_setup
    return {
        "orientation": setup.orientation,
        "paper": str(setup.paperSize),
        "titles": sheet.print_title_rows,
        "fit": sheet.sheet_properties.pageSetUpPr.fitToPage,
        "width": setup.fitToWidth,
        "height": setup.fitToHeight,
        "freeze": sheet.freeze_panes,
        "header": " | ".join(
            part.text or ""
            for part in (sheet.oddHeader.left, sheet.oddHeader.center, sheet.oddHeader.right)
        ),
        "footer": " | ".join(
            part.text or ""
            for part in (sheet.oddFooter.left, sheet.oddFooter.center, sheet.oddFooter.right)
        ),
    }


def _header_row(sheet) -> int:
    """The repeated header row (print titles read back as ``$3:$3``)."""
    return int(sheet.print_title_rows.split(":")[0].strip("$"))


def _assert_printable(sheet, borough: str, period: str, tier: str, synthetic: bool) -> dict:
    settings = _print_settings(sheet)
    header = _header_row(sheet)
    assert settings["orientation"] == "landscape" and settings["paper"] == "9"  # A4
    assert settings["freeze"].lstrip("ABCDEFGHIJ") == str(header + 1)
    assert borough in settings["header"] and period in settings["header"]
    assert tier.replace("&", "&&") in settings["header"]
    assert PAGES in settings["footer"] and tier.replace("&", "&&") in settings["footer"]
    assert ("SYNTHETIC DATA" in settings["footer"]) == synthetic
    titles = " ".join(str(sheet.cell(r, 1).value or "") for r in range(1, header))
    assert borough in titles and period in titles and tier in titles
    assert ("SYNTHETIC DATA" in titles) == synthetic
    if settings["fit"]:
        assert (settings["width"], settings["height"]) == (1, 0)
        widths = workbook_print.column_widths(sheet)
        assert workbook_print.fits_one_page_wide(widths)
    return settings


def test_title_lines_split_and_legibility():
    title = workbook_print.PrintTitle(
        "Gap list", "Barnet", "best-fit model 1.0", "For the board", synthetic=True
    )
    assert title.lines()[0] == "Gap list — Barnet — best-fit model 1.0"
    assert title.lines()[-1].startswith("SYNTHETIC DATA")
    assert not workbook_print.fits_one_page_wide([14] * 13)  # too many columns
    assert not workbook_print.fits_one_page_wide([60] * 4)  # too wide to shrink legibly
    columns = ["pi", "title", *[f"c{i}" for i in range(20)]]
    widths = {c: 14.0 for c in columns} | {"title": 42.0}
    main, detail = workbook_print.split_columns(columns, ["pi", "title"], widths)
    assert main[:2] == ["pi", "title"] and len(main) <= 12
    assert detail[:2] == ["pi", "title"] and set(main) | set(detail) == set(columns)
    with pytest.raises(InvalidArgumentError, match="'nope'"):
        workbook_print.split_columns(columns, ["nope"], widths)


def test_gap_workbook_prints_and_moves_wide_columns_to_detail(tmp_path, project):
    long = "A long piece of text that wraps across several lines of the printed page " * 2
    steps = pd.DataFrame(
        {
            "pi_id": ["BF-FD-03", "BF-CP-07"],
            "pi_title": ["Re-referrals", "CP plans 2 years+"],
            "rating": "critical",
            "status": "partial",
            "evidence": long,
            "holder": "Children's services & health",
            "frequency_needed": "quarterly",
            "next_step": long,
        }
    )
    matrix = pd.DataFrame(
        {
            "borough": "Barnet",
            "la_number": "302",
            "goal": long,
            "cluster": long,
            "pi_id": ["BF-FD-03", "BF-CP-07"],
            "pi_title": "Re-referrals",
            "rating": "critical",
            "status": "partial",
            "evidence": long,
            "match_confirmed": True,
            "source_rows": long,
            "model_version": "1.0",
        }
    )
    path = gap_analysis.write_gaps_workbook(
        steps, matrix, tmp_path / "gaps.xlsx", [("Best-fit model", "Version 1.0")]
    )
    book = openpyxl.load_workbook(path)
    # The gap list fits one page wide; "All PIs" is too wide: its rest moves to Detail.
    assert book.sheetnames == ["Gaps and next steps", "All PIs", "Detail", "Notes"]
    tier = workbook_print.load_settings()["tiers"]["gaps"]
    for sheet in book.worksheets:
        _assert_printable(sheet, "Barnet", "best-fit model 1.0", tier, synthetic=False)
        header = _header_row(sheet)
        assert sheet.cell(header, 1).value == ("Item" if sheet.title == "Notes" else "PI")
        assert sheet.max_column <= 12
    main = book["Gaps and next steps"]
    assert _print_settings(main)["fit"] is True
    first = _header_row(main) + 1
    assert main.row_dimensions[first].height > 15  # wrapped text shows in full
    detail = book["Detail"]
    assert [c.value for c in detail[_header_row(detail)]][0] == "PI"


def _demo_workbooks(root: Path) -> dict[str, Path]:
    """The pack's score card workbook, a checked pilot copy, and Barnet's gap list, which the
    pack's London gap analysis writes for each board of the pack (and the index lists)."""
    reports = root / "reports"
    gaps = reports / "gap_analysis" / "london" / "boards" / "barnet_gaps.xlsx"
    index = pd.read_csv(reports / "index.csv", keep_default_na=False)
    listed = index.loc[index["notebook"] == "gap_analysis", "xlsx"].str.split(";").sum()
    assert any(p.endswith("gap_analysis/london/boards/barnet_gaps.xlsx") for p in listed), listed
    return {
        "scorecard": next((reports / "scorecard" / "barnet").rglob("scorecard.xlsx")),
        "gaps": gaps,
        "pilot": next((reports / "pilot").rglob("*_checked.xlsx")),
    }


@pytest.mark.slow
def test_demo_pack_workbooks_print_settings_read_back(demo_pack, monkeypatch):
    """Every kind of workbook the Barnet demo pack writes, read back with openpyxl."""
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(demo_pack["root"]))
    paths = _demo_workbooks(demo_pack["root"])

    book = openpyxl.load_workbook(paths["scorecard"])
    card = book["Score card"]
    assert book.sheetnames[:2] == ["Score card", "Detail"]
    period = card["A1"].value.split(" — ")[2].split(" ")[0]
    board = "For the board"
    settings = _assert_printable(card, "Barnet", period, card["A2"].value, synthetic=True)
    assert board in card["A2"].value
    assert settings["fit"] is True and card.max_column <= 12  # was 30 columns on one page
    header = _header_row(card)
    assert [c.value for c in card[header]][:2] == ["PI", "Indicator"]
    assert settings["freeze"] == f"C{header + 1}"
    assert all(card.row_dimensions[r].height for r in range(header, card.max_row + 1))
    detail = book["Detail"]
    _assert_printable(detail, "Barnet", period, card["A2"].value, synthetic=True)
    assert detail.print_title_cols == "$A:$B"  # PI and indicator on every page
    assert {c.value for c in detail[_header_row(detail)]} >= {"PI", "Indicator", "Narrative"}
    for name in ("Exceptions", "Legend", "Notes"):
        settings = _assert_printable(book[name], "Barnet", period, card["A2"].value, True)
        assert settings["fit"] is True

    gaps = openpyxl.load_workbook(paths["gaps"])
    tier = workbook_print.load_settings()["tiers"]["gaps"]
    for sheet in gaps.worksheets:
        _assert_printable(sheet, "Barnet", "best-fit model", tier, synthetic=True)
        assert sheet.max_column <= 12

    checked = openpyxl.load_workbook(paths["pilot"])
    validation = checked["Validation"]
    analyst = "NOT FOR PUBLICATION"
    settings = _print_settings(validation)
    assert analyst in settings["header"] and PAGES in settings["footer"]
    assert "SYNTHETIC DATA" in settings["footer"]
    header = _header_row(validation)
    assert validation.cell(header, 1).value == "Severity"
    assert settings["freeze"] == f"A{header + 1}" and settings["orientation"] == "landscape"
    titles = " ".join(str(validation.cell(r, 1).value or "") for r in range(1, header))
    assert analyst in titles and "SYNTHETIC DATA" in titles and "Checked pilot return" in titles
    for sheet in checked.worksheets[1:]:
        page = _print_settings(sheet)
        assert page["orientation"] == "landscape" and page["paper"] == "9"
        assert analyst in page["header"] and PAGES in page["footer"]
