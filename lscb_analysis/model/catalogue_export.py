"""The consultation workbook: one version of the best-fit model written out for boards to read.

:func:`export_catalogue_xlsx` writes a ``Notes`` sheet, one sheet per goal (clusters with
their narratives, then their PIs), ``All PIs`` and the ``Glossary`` (``lscb model export``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from lscb_analysis.core import indicators, io
from lscb_analysis.model.catalogue import Catalogue
from lscb_analysis.model.catalogue_enums import load_enums
from lscb_analysis.model.glossary import load_glossary
from lscb_analysis.model.sheet_style import (
    SECTION_FILL,
    TOP_WRAP,
    header_row,
    print_setup,
    row_height,
)
from lscb_analysis.protect.safe_files import write_cell

EXPORT_COLUMNS: list[tuple[str, str, int]] = [
    ("PI id", "id", 11),
    ("Title", "title", 32),
    ("Definition", "definition", 60),
    ("Numerator", "numerator", 34),
    ("Denominator", "denominator", 30),
    ("Unit", "unit", 14),
    ("Better when", "polarity", 11),
    ("Rating", "rating", 13),
    ("Question answered", "question", 15),
    ("Sub-group", "sub_group", 18),
    ("Frequency", "frequency", 12),
    ("Source", "source", 36),
    ("Target", "target", 24),
    ("Status", "status", 22),
]


def export_catalogue_xlsx(catalogue: Catalogue, path: Path | str) -> Path:
    """Write the consultation workbook for one version of the best-fit model.

    Sheets: ``Notes`` (version, date, what it followed, the changes, how to read the workbook,
    what the ratings, questions and source types mean); one sheet per goal (a title row, a
    header row, then for each cluster a shaded section row with its narrative followed by
    its PIs with the columns of :data:`EXPORT_COLUMNS`); ``All PIs`` (every field of
    :attr:`Catalogue.pis`, for filtering); ``Glossary``. Headers are frozen, filters on,
    columns sized, text wrapped, pages landscape A4 fitted to the width with the header
    repeated. Every text cell is stored as text (never a formula) with the quote prefix when
    it looks like one.

    Output: the path written. Raises RawDataWriteError when ``path`` is under ``data/raw/``;
    CatalogueError when the glossary or code lists are missing.
    """
    target = io.ensure_writable(path)
    enums = load_enums()
    glossary = load_glossary()
    workbook = Workbook()
    notes = workbook.active
    notes.title = "Notes"
    _write_notes(notes, catalogue, enums)
    used_names = {"Notes", "All PIs", "Glossary"}
    for goal in catalogue.goals.itertuples(index=False):
        name = _sheet_name(f"{goal.goal} {goal.goal_short_title}", used_names)
        used_names.add(name)
        _write_goal_sheet(workbook.create_sheet(name), catalogue, goal, enums)
    _write_table_sheet(
        workbook.create_sheet("All PIs"),
        _flat_pis(catalogue),
        f"Best-fit model version {catalogue.version}: every PI, every field",
    )
    _write_table_sheet(
        workbook.create_sheet("Glossary"),
        glossary,
        "Glossary: terms that must mean the same in every borough",
        widths={"term": 26, "also_called": 30, "definition": 70, "counting": 55, "source": 45},
    )
    workbook.active = 0
    workbook.save(target)
    return target


def _sheet_name(text: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", text)
    name = " ".join(name.split())[:31].strip().strip("'")
    base, number = name, 2
    while name in used:
        suffix = f" ({number})"
        name = base[: 31 - len(suffix)] + suffix
        number += 1
    return name


def _unit_label(unit: str, enums: dict[str, dict[str, str]]) -> str:
    return enums["units"].get(unit) or unit


def _source_text(pi: Any) -> str:
    if pi.source_type == "national":
        indicator = (
            pi.source_indicator
            if isinstance(pi.source_indicator, str)
            else "not yet in indicators.csv"
        )
        return f"National: {pi.source_dataset} (indicator {indicator}); held by {pi.source_agency}"
    return f"Local: {pi.source_agency}. {pi.source_collection}"


def _target_text(pi: Any) -> str:
    if pd.isna(pi.target_value):
        return ""
    return f"{pi.target_value:g}{indicators.unit_suffix(pi.unit)} ({pi.target_basis})"


def _status_text(pi: Any) -> str:
    if pi.status == "postponed":
        return f"Postponed to {pi.postponed_phase}: {pi.postponed_reason}"
    return pi.status


def _polarity_text(polarity: str) -> str:
    return {"high": "higher", "low": "lower"}.get(polarity, "no judgement")


def _write_notes(sheet: Any, catalogue: Catalogue, enums: dict[str, dict[str, str]]) -> None:
    current = int((catalogue.pis["status"] == "current").sum())
    postponed = len(catalogue.pis) - current
    rows: list[tuple[str, str] | str] = [
        "London safeguarding children boards: best-fit model of performance indicators",
        ("Version", catalogue.version),
        ("Date", catalogue.date.isoformat()),
        ("Followed", catalogue.consultation),
        (
            "PIs",
            f"{current} current and {postponed} postponed, under "
            f"{len(catalogue.goals)} goals in {len(catalogue.clusters)} clusters",
        ),
        ("Changes in this version", "\n".join(f"- {c}" for c in catalogue.changes)),
        "",
        "How to read this workbook",
        (
            "Goal sheets",
            "One sheet per overarching goal. Each cluster of 3 or 4 PIs starts with "
            "a shaded row giving its narrative: what the PIs together tell the "
            "board. Then one row per PI.",
        ),
        (
            "Definition",
            "What to count, written so that a borough performance officer can "
            "follow it; numerator and denominator say exactly what is divided by "
            "what. Terms such as referral, missing or LADO allegation follow the "
            "Glossary sheet.",
        ),
        (
            "Source",
            "National: a published statistic, defined as DfE publishes it and "
            "benchmarked against London, England and statistical neighbours. Local: "
            "collected by the agency named, from the records described.",
        ),
        ("Target", "Only where one has been agreed, with its basis."),
        (
            "Status",
            "Current PIs are in the dataset; postponed PIs are agreed in principle and "
            "deferred to the phase shown, with the reason.",
        ),
        ("All PIs", "Every field of every PI on one sheet, for filtering and sorting."),
        (
            "Glossary",
            "The terms that must mean the same in every borough, with their "
            "statutory or DfE source.",
        ),
        "",
        "Ratings",
        *[(name, meaning) for name, meaning in enums["ratings"].items()],
        "",
        "Questions the PIs answer",
        *[(name, meaning) for name, meaning in enums["questions"].items()],
        "",
        "Better when",
        *[(_polarity_text(name), meaning) for name, meaning in enums["polarities"].items()],
    ]
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 100
    for number, item in enumerate(rows, start=1):
        if isinstance(item, str):
            cell = write_cell(sheet.cell(row=number, column=1), item or None)
            cell.font = Font(bold=True, size=14 if number == 1 else 12)
            continue
        label, text = item
        write_cell(sheet.cell(row=number, column=1), label).font = Font(bold=True)
        write_cell(sheet.cell(row=number, column=2), _clean_lines(text)).alignment = TOP_WRAP
        sheet.cell(row=number, column=1).alignment = TOP_WRAP
        sheet.row_dimensions[number].height = row_height([(text, 100)])
    print_setup(sheet, "1:1")
    sheet.page_setup.orientation = "portrait"


def _clean_lines(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in str(text).split("\n"))


def _write_goal_sheet(
    sheet: Any, catalogue: Catalogue, goal: Any, enums: dict[str, dict[str, str]]
) -> None:
    columns = len(EXPORT_COLUMNS)
    last_letter = get_column_letter(columns)
    title = write_cell(
        sheet.cell(row=1, column=1),
        f"{goal.goal} {goal.goal_title} (best-fit model version {catalogue.version})",
    )
    title.font = Font(bold=True, size=13)
    write_cell(sheet.cell(row=2, column=1), goal.goal_description).alignment = TOP_WRAP
    sheet.merge_cells(f"A2:{last_letter}2")
    sheet.row_dimensions[2].height = 32
    header_row(sheet, 3, [h for h, _, _ in EXPORT_COLUMNS], [w for _, _, w in EXPORT_COLUMNS])
    row = 3
    pis = catalogue.pis.loc[catalogue.pis["goal"] == goal.goal]
    for cluster in catalogue.clusters.loc[catalogue.clusters["goal"] == goal.goal].itertuples():
        row += 1
        text = f"{cluster.cluster} {cluster.cluster_title}: {cluster.cluster_narrative}"
        cell = write_cell(sheet.cell(row=row, column=1), text)
        cell.font = Font(bold=True)
        for column in range(1, columns + 1):
            sheet.cell(row=row, column=column).fill = SECTION_FILL
        cell.alignment = TOP_WRAP
        sheet.merge_cells(f"A{row}:{last_letter}{row}")
        sheet.row_dimensions[row].height = row_height([(text, 250)])
        for pi in pis.loc[pis["cluster"] == cluster.cluster].itertuples(index=False):
            row += 1
            values = {
                "id": pi.id,
                "title": pi.title,
                "definition": pi.definition,
                "numerator": pi.numerator,
                "denominator": pi.denominator,
                "unit": _unit_label(pi.unit, enums),
                "polarity": _polarity_text(pi.polarity),
                "rating": pi.rating,
                "question": pi.question,
                "sub_group": pi.sub_group,
                "frequency": pi.frequency,
                "source": _source_text(pi),
                "target": _target_text(pi),
                "status": _status_text(pi),
            }
            heights = []
            for column, (_, field, width) in enumerate(EXPORT_COLUMNS, start=1):
                write_cell(sheet.cell(row=row, column=column), values[field]).alignment = TOP_WRAP
                heights.append((values[field], width))
            sheet.row_dimensions[row].height = row_height(heights)
    sheet.freeze_panes = "B4"
    sheet.auto_filter.ref = f"A3:{last_letter}{row}"
    print_setup(sheet, "3:3")


def _flat_pis(catalogue: Catalogue) -> pd.DataFrame:
    flat = catalogue.pis.copy()
    flat["keywords"] = flat["keywords"].map(lambda words: "; ".join(words))
    return flat


def _write_table_sheet(
    sheet: Any, frame: pd.DataFrame, title: str, widths: Mapping[str, int] | None = None
) -> None:
    write_cell(sheet.cell(row=1, column=1), title).font = Font(bold=True, size=13)
    columns = list(frame.columns)
    chosen = [min(max(len(c) + 2, (widths or {}).get(c, 18)), 70) for c in columns]
    header_row(sheet, 2, [str(c) for c in columns], chosen)
    for number, values in enumerate(frame.itertuples(index=False, name=None), start=3):
        for column, value in enumerate(values, start=1):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            if isinstance(value, tuple | list):
                value = "; ".join(str(v) for v in value)
            write_cell(sheet.cell(row=number, column=column), value).alignment = TOP_WRAP
    last = get_column_letter(len(columns))
    sheet.freeze_panes = "B3"
    sheet.auto_filter.ref = f"A2:{last}{len(frame) + 2}"
    print_setup(sheet, "2:2")
