"""The score card workbook, read back: sheets, conditional formatting, numbers, notes."""

from __future__ import annotations

import re

import openpyxl

from lscb_analysis.present import workbook_print
from lscb_analysis.scorecard import workbook


def test_workbook_formatting_read_back(suppressed_card, rules, tmp_path):
    path = workbook.write_workbook(suppressed_card, tmp_path / "out" / "scorecard.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Score card", "Detail", "Exceptions", "Legend", "Notes"]
    sheet = book["Score card"]
    # two title rows (report, borough, period; tier), a third (SYNTHETIC DATA) when the
    # project holds the demo's data, then the header
    header = next(row for row in range(1, 6) if sheet.cell(row, 1).value == "PI")
    assert header == (4 if workbook_print.data_are_synthetic() else 3)
    first = header + 1
    assert sheet.freeze_panes == f"C{first}"
    assert sheet.auto_filter.ref == f"A{header}:L{header + len(suppressed_card.rows)}"
    assert sheet["A1"].value.startswith("Score card — Barnet — Q3 2025-26")
    assert "For the board" in sheet["A2"].value
    headers = {cell.value: cell.column_letter for cell in sheet[header]}
    fills = {}
    for formatting in sheet.conditional_formatting:
        for rule in formatting.rules:
            for column in re.findall(rf"\$([A-Z]+){first}=", rule.formula[0]):
                fills.setdefault(column, {}).update(
                    {
                        text: rule.dxf.fill.fgColor.rgb[-6:]
                        for text in re.findall(r'"([^"]*)"', rule.formula[0])
                    }
                )
            assert re.sub("[A-Z]", "", str(formatting.sqref).split(":")[0]) == str(first)
    icons, colours = rules["icons"], rules["colours"]
    assert fills[headers["Target met"]] == {
        icons["target"][k]: v for k, v in colours["target"].items()
    }
    assert fills[headers["SPC variation"]][icons["variation"]["concern_low"]] == "FAD7A0"
    assert fills[headers["vs England"]][icons["comparison"]["worse"]] == "FAD7A0"
    # Value cells are coloured by the target rule too.
    target_ranges = [
        str(f.sqref)
        for f in sheet.conditional_formatting
        if any(f"{headers['Target met']}{first}=" in r.formula[0] for r in f.rules)
    ]
    assert any(r.startswith(headers["Value"]) for r in target_ranges)
    # Missing and suppressed rows: their text matches no colouring rule.
    by_pi = {sheet[f"{headers['PI']}{r}"].value: r for r in range(first, sheet.max_row + 1)}
    for pi_id in ("BF-SG-02", "BF-CC-04", "BF-CP-07"):
        r = by_pi[pi_id]
        assert isinstance(sheet[f"{headers['Value']}{r}"].value, str)
        for column, rule_fills in fills.items():
            assert sheet[f"{column}{r}"].value not in rule_fills
    # A number is stored as published with the unit in the format; a formula stays text.
    r = by_pi["BF-FD-03"]
    assert sheet[f"{headers['Value']}{r}"].value == 27.4
    assert sheet[f"{headers['Value']}{r}"].number_format == '#,##0.0"%"'
    detail = book["Detail"]
    detail_headers = {cell.value: cell.column_letter for cell in detail[header]}
    assert list(detail_headers)[:2] == ["PI", "Indicator"] and "Narrative" in detail_headers
    detail_rows = {detail[f"A{r}"].value: r for r in range(first, detail.max_row + 1)}
    narrative = detail[f"{detail_headers['Narrative']}{detail_rows['BF-CC-04']}"]
    assert narrative.data_type == "s" and narrative.value.startswith("=HYPERLINK")
    notes = {row[0]: row[1] for row in book["Notes"].iter_rows(min_row=first, values_only=True)}
    assert {"Benchmarks", "SPC (variation and assurance)", "Sources", "Small numbers"} <= set(notes)
    assert any(item.startswith("BF-FD-03 ") for item in notes)
    legend = list(book["Legend"].iter_rows(min_row=first, values_only=True))
    assert ("Target", icons["target"]["met"]) in [row[:2] for row in legend]
    assert book["Exceptions"][f"A{first}"].value == suppressed_card.exceptions["pi_id"].iloc[0]
