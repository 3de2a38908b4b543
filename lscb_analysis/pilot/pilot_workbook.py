"""Phase III pilot: the pilot workbook each pilot borough fills, built from the catalogue.

:func:`build_template` builds the workbook in memory from a version of the best-fit model
(:mod:`lscb_analysis.model.catalogue`), the rows of
:func:`lscb_analysis.pilot.pilot_table.template_rows` and ``data/reference/pilot_rules.yaml``;
this module also holds the sheets' layout (header rows, columns, widths, styles) and the sheet
writers. :mod:`lscb_analysis.pilot.pilot_template` writes it to a file.

* ``Instructions``; ``Data``: one row per PI and period at the PI's reporting cycle (numerator,
  denominator, value, status, source agency and system, narrative, a note from the project
  team); ``Feasibility``: one row per PI (can you provide it, the cycle you can provide, source
  agency, data quality concerns, effort, comment); ``Definitions``: the catalogue's definition,
  numerator and denominator of each PI; ``Lists`` (hidden, feeds the dropdowns) and ``Template
  info`` (hidden: borough, periods, model version and
  :func:`lscb_analysis.pilot.pilot_table.template_checksum`).
* The value of a ratio PI is a locked formula (numerator / denominator x multiplier); the
  multiplier comes from ``units`` in pilot_rules.yaml, so a rate's denominator is the number
  of children itself.
* Conventions (see pilot_rules.yaml): periods are calendar quarters ``YYYYQn`` (2025Q1 is
  January to March 2025, quarter 4 of the financial year 2024-25). A national PI's published
  annual figure is pre-filled, locked, on the row of the quarter that ends its financial year
  (Q1), with the year named in the note; a national PI reported quarterly also has rows for
  the other quarters, where the borough gives its own figure counted as DfE counts it.
* Headers, pre-filled cells and formulas are locked (sheet protection, no password); cells to
  fill are yellow and unlocked; the status, agency and feasibility cells have dropdowns; the
  numerator and denominator have Excel data validation (numbers of 0 or more, and for a
  percentage numerator <= denominator).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lscb_analysis.core import register
from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.model import catalogue_enums
from lscb_analysis.pilot import pilot_periods, pilot_table
from lscb_analysis.protect.safe_files import lock_form_sheet, write_cell, write_lists_sheet

DATA_HEADER_ROW = 4
FEASIBILITY_HEADER_ROW = 3
DATE_RETURNED_CELL = "B2"
DATA_FIELDS: tuple[str, ...] = (
    "pi_id",
    "title",
    "period",
    "months",
    "numerator",
    "denominator",
    "value",
    "unit",
    "status",
    "source_agency",
    "source_system",
    "narrative",
    "note",
)
"""Columns of the Data sheet, in order (an agency workbook has ``borough`` first)."""
ENTRY_FIELDS = ("numerator", "denominator", "status", "source_agency", "source_system", "narrative")
FEASIBILITY_FIELDS: tuple[str, ...] = (
    "pi_id",
    "title",
    "cycle_needed",
    "can_provide",
    "cycle_offered",
    "source_agency",
    "quality_concerns",
    "effort",
    "comment",
)
FEASIBILITY_ENTRY_FIELDS = (
    "can_provide",
    "cycle_offered",
    "source_agency",
    "quality_concerns",
    "effort",
    "comment",
)
WIDTHS = {
    "borough": 22,
    "pi_id": 10,
    "title": 44,
    "period": 9,
    "months": 22,
    "numerator": 12,
    "denominator": 13,
    "value": 10,
    "unit": 11,
    "status": 16,
    "source_agency": 22,
    "source_system": 22,
    "narrative": 48,
    "note": 46,
    "cycle_needed": 13,
    "can_provide": 14,
    "cycle_offered": 14,
    "quality_concerns": 40,
    "effort": 12,
    "comment": 40,
}
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
ENTRY_FILL = PatternFill("solid", fgColor="FFF2CC")
LOCKED_FILL = PatternFill("solid", fgColor="E7E6E6")
PUBLISHED_FILL = PatternFill("solid", fgColor="DDEBF7")
TOP_WRAP = Alignment(wrap_text=True, vertical="top")


def data_fields(agency: bool) -> list[str]:
    """Return the Data sheet's columns (field names) for a borough or an agency workbook."""
    return (["borough"] if agency else []) + list(DATA_FIELDS)


def _protect(sheet: Any, title_rows: str | None = None) -> None:
    lock_form_sheet(sheet, title_rows, sorting=True)


def _header(sheet: Any, row: int, labels: list[str], widths: list[int]) -> None:
    for column, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
        cell = write_cell(sheet.cell(row=row, column=column), label)
        cell.fill, cell.font, cell.alignment = HEADER_FILL, HEADER_FONT, TOP_WRAP
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[row].height = 32
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1).coordinate


def _write_lists(workbook: Workbook, lists: dict[str, list[str]], title: str) -> dict[str, str]:
    names, sheet = write_lists_sheet(workbook, lists, title, prefix="pilot_")
    _protect(sheet)
    return names


def _dropdown(sheet: Any, list_name: str, cells: str, prompt: str, strict: bool = False) -> None:
    validation = DataValidation(
        type="list",
        formula1=f"={list_name}",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop" if strict else "warning",
        errorTitle="Not in the list",
        error="Choose a value from the list.",
        promptTitle="Choose from the list",
        prompt=prompt,
    )
    sheet.add_data_validation(validation)
    validation.add(cells)


def _number_rule(sheet: Any, cells: str, formula: str, message: str) -> None:
    validation = DataValidation(
        type="custom",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="Check the figure",
        error=message,
        promptTitle="A number of 0 or more",
        prompt=message,
    )
    sheet.add_data_validation(validation)
    validation.add(cells)


def _apply_style(cell: Any, kind: str, number_format: str | None, cache: dict) -> None:
    """Style a table cell (entry, published or locked); styles are built once and copied,
    which is much faster than openpyxl's per-cell style lookups."""
    key = (kind, number_format)
    if key in cache:
        cell._style = copy.copy(cache[key])
        return
    cell.alignment = TOP_WRAP
    cell.fill = {"entry": ENTRY_FILL, "published": PUBLISHED_FILL}.get(kind, LOCKED_FILL)
    if kind == "entry":
        cell.protection = Protection(locked=False)
    if number_format:
        cell.number_format = number_format
    cache[key] = copy.copy(cell._style)


def _number_format(decimals: int) -> str:
    return "0" if decimals <= 0 else "0." + "0" * decimals


def instructions_text(meta: Mapping[str, str], rules: Mapping) -> list[str]:
    """Return the lines of the Instructions sheet (no SYNTHETIC banner)."""
    statuses = rules["statuses"]["borough"]
    who = (
        f"the {meta['agency']} return for {len(meta['boroughs'].split('; '))} boroughs"
        if meta["agency"]
        else meta["borough"]
    )
    first, last = meta["periods"].split(", ")[0], meta["periods"].split(", ")[-1]
    return [
        "London safeguarding children partnerships: Phase III pilot performance data table",
        "",
        f"This workbook is for {who}: best-fit model version {meta['model_version']}, "
        f"periods {first} to {last}.",
        "Periods are calendar quarters: 2025Q1 is January to March 2025 (quarter 4 of the "
        "financial year 2024-25). The 'Months covered' column says which months each row is.",
        "",
        "1. On 'Data', fill the yellow cells of each row: the numerator and the denominator "
        "(numbers only, no % signs or words), the status, the source agency and system, and a "
        "short narrative saying what lies behind the figure.",
        "2. The value is calculated for you (numerator / denominator, x 100 for a percentage, "
        "x 10,000 for a rate per 10,000): enter the number of children as the denominator of "
        "a rate, not the number divided by 10,000.",
        f"3. Status: {', '.join(statuses)}. Choose 'not available' when you cannot provide "
        "the figure and 'not yet due' when the period has not been reported yet; say why in "
        "the narrative.",
        "4. Grey and blue cells are locked: published DfE figures (pre-filled on the row of "
        "the quarter that ends the financial year, the year named in the note) and formulas. "
        "If you think a published figure is wrong, say so in the narrative.",
        "5. On 'Feasibility', say for each PI whether you can provide it, how often, who "
        "holds it, any concerns about its quality, the effort it takes and any comment.",
        "6. 'Definitions' gives each PI's definition, numerator and denominator.",
        "7. Do not rename sheets, move columns or delete rows, and leave the hidden sheets as "
        "they are: they tell the workbench which borough, periods and model version this is.",
        "8. Do not include any information about individual children, families or staff: "
        "counts only.",
        "9. Put the date in 'Date returned' at the top of 'Data' and return the workbook as "
        ".xlsx to the project team. If you correct it later, send the whole workbook again: "
        "the later file replaces the earlier one.",
        "",
        f"Template version {meta['template_version']}; template checksum "
        f"{meta['template_checksum'][:12]}.",
    ]


def build_template(
    areas: list[register.LocalAuthority],
    periods: list[str],
    catalogue: catalogue_module.Catalogue,
    published: pd.DataFrame | pilot_table.PublishedIndex,
    *,
    agency: str | None = None,
    rules: Mapping | None = None,
    generated: dt.date | None = None,
    banner: str | None = None,
) -> Workbook:
    """Build the pilot workbook in memory (see the module docstring for its sheets).

    Inputs: boroughs (one for a borough workbook; several with ``agency``), periods
    (``YYYYQn``), the catalogue version, the published statistics, the agency (a catalogue
    agency, e.g. ``police``: one workbook with a borough column), the rules, the date to stamp
    (None: today) and an optional ``banner`` printed in red at the top of the instructions
    (the demo's SYNTHETIC note).
    Output: an openpyxl Workbook. Raises InvalidArgumentError for an agency without PIs or
    no borough.
    """
    rules = rules or pilot_periods.load_rules()
    if not areas:
        raise InvalidArgumentError("No borough given: name one, several or all.")
    rows = pilot_table.template_rows(catalogue, areas, periods, published, rules, agency)
    meta = pilot_table.template_meta(catalogue, areas, periods, rows, rules, agency, generated)
    enums = catalogue_enums.load_enums()
    sheets = rules["sheets"]
    labels = {field: spec["label"] for field, spec in rules["headers"].items()}
    feasibility_labels = {f: s["label"] for f, s in rules["feasibility_headers"].items()}

    workbook = Workbook()
    instructions = workbook.active
    instructions.title = sheets["instructions"]
    lines = ([banner, ""] if banner else []) + instructions_text(meta, rules)
    for row, line in enumerate(lines, start=1):
        cell = write_cell(instructions.cell(row=row, column=1), line)
        cell.alignment = TOP_WRAP
        if banner and row == 1:
            cell.font = Font(bold=True, size=14, color="C00000")
        elif row == (3 if banner else 1):
            cell.font = Font(bold=True, size=14)
    instructions.column_dimensions["A"].width = 120
    _protect(instructions)

    data = workbook.create_sheet(sheets["data"])
    feasibility = workbook.create_sheet(sheets["feasibility"])
    definitions = workbook.create_sheet(sheets["definitions"])
    lists = _write_lists(
        workbook,
        {
            "status": list(rules["statuses"]["borough"]),
            "agency": list(enums["agencies"]),
            "can_provide": list(rules["feasibility"]["can_provide"]),
            "cycle": list(rules["feasibility"]["cycles"]),
            "effort": list(rules["feasibility"]["effort"]),
        },
        sheets["lists"],
    )

    _write_data_sheet(data, rows, meta, rules, labels, lists, agency is not None)
    _write_feasibility_sheet(feasibility, rows, rules, feasibility_labels, lists)
    _write_definitions(definitions, catalogue, rows, rules)

    hidden = workbook.create_sheet(sheets["hidden"])
    for row, key in enumerate(pilot_table.META_KEYS, start=1):
        write_cell(hidden.cell(row=row, column=1), key)
        write_cell(hidden.cell(row=row, column=2), meta[key])
    hidden.column_dimensions["A"].width = 20
    hidden.column_dimensions["B"].width = 70
    hidden.sheet_state = "hidden"
    _protect(hidden)

    properties = workbook.properties
    properties.title = f"Pilot data table: {agency or meta['boroughs']}"
    properties.creator = "LSCB datasets workbench"
    stamp = dt.datetime.combine(generated or dt.date.today(), dt.time(9, 0))
    properties.created = properties.modified = stamp
    workbook.active = 0
    return workbook


def _write_data_sheet(
    sheet: Any,
    rows: pd.DataFrame,
    meta: Mapping[str, str],
    rules: Mapping,
    labels: Mapping[str, str],
    lists: Mapping[str, str],
    agency: bool,
) -> None:
    fields = data_fields(agency)
    column = {field: index for index, field in enumerate(fields, start=1)}
    letter = {field: get_column_letter(index) for field, index in column.items()}
    who = f"{meta['agency']} return" if agency else meta["borough"]
    first, last = meta["periods"].split(", ")[0], meta["periods"].split(", ")[-1]
    title = write_cell(
        sheet.cell(row=1, column=1),
        f"{who}: pilot performance data, {first} to {last} (best-fit model "
        f"v{meta['model_version']})",
    )
    title.font = Font(bold=True, size=13)
    write_cell(sheet.cell(row=2, column=1), "Date returned:").font = Font(bold=True)
    returned = sheet[DATE_RETURNED_CELL]
    returned.protection = Protection(locked=False)
    returned.fill = ENTRY_FILL
    returned.number_format = "dd/mm/yyyy"
    write_cell(
        sheet.cell(row=3, column=1),
        "Yellow cells are yours to fill. Grey cells are locked; blue cells are "
        "published DfE figures. The value is calculated from the numerator and "
        "denominator.",
    ).font = Font(italic=True)
    _header(sheet, DATA_HEADER_ROW, [labels[f] for f in fields], [WIDTHS[f] for f in fields])
    first_row = DATA_HEADER_ROW + 1
    styles: dict[tuple, Any] = {}
    for offset, item in enumerate(rows.itertuples(index=False)):
        r = first_row + offset
        unit = pilot_periods.unit_rule(item.unit, rules)
        values = {
            "borough": item.borough,
            "pi_id": item.pi_id,
            "title": item.title,
            "period": item.period,
            "months": item.months,
            "unit": unit.get("label", item.unit),
            "note": item.note,
            "source_agency": item.source_agency,
        }
        if item.prefilled:
            values.update(
                numerator=item.numerator,
                denominator=item.denominator,
                value=item.value,
                status=item.status,
                source_system="DfE published statistics",
            )
        for field, index in column.items():
            cell = sheet.cell(row=r, column=index)
            if field in values:
                write_cell(cell, values[field])
            if field == "narrative" or (item.borough_fills and field in ENTRY_FIELDS):
                kind = "entry"
            elif item.prefilled and field in ("numerator", "denominator", "value", "status"):
                kind = "published"
            else:
                kind = "locked"
            number_format = _number_format(int(item.decimals)) if field == "value" else None
            _apply_style(cell, kind, number_format, styles)
        value_cell = sheet.cell(row=r, column=column["value"])
        if item.borough_fills:
            n, d = f"{letter['numerator']}{r}", f"{letter['denominator']}{r}"
            if item.multiplier is not None and not pd.isna(item.multiplier):
                multiplier = (
                    int(item.multiplier) if float(item.multiplier).is_integer() else item.multiplier
                )
                suffix = "" if multiplier == 1 else f"*{multiplier}"
                value_cell.value = (
                    f'=IF(AND(ISNUMBER({n}),ISNUMBER({d})),IF({d}>0,{n}/{d}{suffix},""),"")'
                )
            else:
                value_cell.value = f'=IF(ISNUMBER({n}),{n},"")'
    last_row = first_row + max(len(rows), 1) - 1
    first_cell, last_cell = first_row, last_row
    percent = pilot_periods.unit_rule("percent", rules).get("label", "%")
    n0, d0 = f"{letter['numerator']}{first_row}", f"{letter['denominator']}{first_row}"
    u0 = f"${letter['unit']}{first_row}"
    _number_rule(
        sheet,
        f"{letter['numerator']}{first_cell}:{letter['numerator']}{last_cell}",
        f'AND(ISNUMBER({n0}),{n0}>=0,OR({u0}<>"{percent}",NOT(ISNUMBER({d0})),{n0}<={d0}))',
        "Enter a number of 0 or more; for a percentage the numerator cannot be above "
        "the denominator.",
    )
    _number_rule(
        sheet,
        f"{letter['denominator']}{first_cell}:{letter['denominator']}{last_cell}",
        f'AND(ISNUMBER({d0}),{d0}>=0,OR({u0}<>"{percent}",NOT(ISNUMBER({n0})),{n0}<={d0}))',
        "Enter a number of 0 or more (for a rate, the number of children); for a "
        "percentage the denominator cannot be below the numerator.",
    )
    _dropdown(
        sheet,
        lists["status"],
        f"{letter['status']}{first_cell}:{letter['status']}{last_cell}",
        "provided, not available, not yet due or estimated.",
        strict=True,
    )
    _dropdown(
        sheet,
        lists["agency"],
        f"{letter['source_agency']}{first_cell}:{letter['source_agency']}{last_cell}",
        "The agency whose records the figure comes from.",
    )
    sheet.auto_filter.ref = f"A{DATA_HEADER_ROW}:{get_column_letter(len(fields))}{last_row}"
    _protect(sheet, f"{DATA_HEADER_ROW}:{DATA_HEADER_ROW}")


def _write_feasibility_sheet(
    sheet: Any,
    rows: pd.DataFrame,
    rules: Mapping,
    labels: Mapping[str, str],
    lists: Mapping[str, str],
) -> None:
    fields = list(FEASIBILITY_FIELDS)
    write_cell(
        sheet.cell(row=1, column=1), "Feasibility of data collection: one row per PI"
    ).font = Font(bold=True, size=13)
    write_cell(
        sheet.cell(row=2, column=1),
        "Tell us whether you can provide each PI, how often, who holds it, what worries "
        "you about its quality and how much effort it takes.",
    ).font = Font(italic=True)
    _header(sheet, FEASIBILITY_HEADER_ROW, [labels[f] for f in fields], [WIDTHS[f] for f in fields])
    pis = rows.groupby("pi_id", sort=False).agg(
        title=("title", "first"),
        frequency=("frequency", "first"),
        source_agency=("source_agency", "first"),
        borough_fills=("borough_fills", "any"),
    )
    answer = rules["feasibility"]["published_answer"]
    first_row = FEASIBILITY_HEADER_ROW + 1
    styles: dict[tuple, Any] = {}
    for offset, (pi_id, item) in enumerate(pis.iterrows()):
        r = first_row + offset
        values = {
            "pi_id": pi_id,
            "title": item["title"],
            "cycle_needed": item["frequency"],
            "source_agency": item["source_agency"],
        }
        if not item["borough_fills"]:
            values.update(
                can_provide=answer["can_provide"],
                cycle_offered=answer["cycle"],
                effort=answer["effort"],
                comment=answer["comment"],
            )
        for index, field in enumerate(fields, start=1):
            cell = sheet.cell(row=r, column=index)
            if field in values:
                write_cell(cell, values[field])
            entry = item["borough_fills"] and field in FEASIBILITY_ENTRY_FIELDS
            _apply_style(cell, "entry" if entry else "locked", None, styles)
    last_row = first_row + max(len(pis), 1) - 1
    for field, list_name, prompt in (
        ("can_provide", "can_provide", "yes, partly or no."),
        ("cycle_offered", "cycle", "How often you can provide it."),
        ("effort", "effort", "low, medium or high."),
        ("source_agency", "agency", "The agency whose records it comes from."),
    ):
        letter = get_column_letter(fields.index(field) + 1)
        _dropdown(sheet, lists[list_name], f"{letter}{first_row}:{letter}{last_row}", prompt)
    _protect(sheet, f"{FEASIBILITY_HEADER_ROW}:{FEASIBILITY_HEADER_ROW}")


def _write_definitions(
    sheet: Any, catalogue: catalogue_module.Catalogue, rows: pd.DataFrame, rules: Mapping
) -> None:
    headers = [
        ("PI id", 10),
        ("Indicator", 36),
        ("Goal and cluster", 28),
        ("Definition", 70),
        ("Numerator", 40),
        ("Denominator", 40),
        ("Value", 30),
        ("Reported", 12),
        ("Source", 40),
    ]
    _header(sheet, 1, [h for h, _ in headers], [w for _, w in headers])
    wanted = list(dict.fromkeys(rows["pi_id"]))
    pis = catalogue.pis.set_index("id").loc[wanted]
    for r, (pi_id, pi) in enumerate(pis.iterrows(), start=2):
        unit = pilot_periods.unit_rule(pi["unit"], rules)
        if unit:
            multiplier = unit["multiplier"]
            how = (
                "numerator / denominator"
                + (f" x {multiplier:,}" if multiplier != 1 else "")
                + f" ({unit['label']})"
            )
            if not unit.get("proportion") and multiplier > 1:
                how += "; enter the number of children as the denominator, not divided"
        else:
            how = "the numerator itself (a count)"
        if pi["source_type"] == "national":
            source = (
                f"National: DfE {pi['source_dataset']} (indicator "
                f"{pi['source_indicator']}), published annually"
            )
        else:
            source = f"Local: {pi['source_agency']}: {pi['source_collection']}"
        values = [
            pi_id,
            pi["title"],
            f"{pi['goal']} {pi['cluster_title']}",
            _one_line(pi["definition"]),
            _one_line(pi["numerator"]),
            _one_line(pi["denominator"]),
            how,
            pi["frequency"],
            source,
        ]
        for c, value in enumerate(values, start=1):
            write_cell(sheet.cell(row=r, column=c), value).alignment = TOP_WRAP
    _protect(sheet, "1:1")


def _one_line(text: Any) -> str:
    return " ".join(str(text).split()) if not pd.isna(text) else ""
