"""The compiled draft dataset ("appendix 1") for the Phase I steering group.

:func:`draft_dataset` builds it from the matched items
(:func:`lscb_analysis.survey.survey_mapping.match_candidates`) and the candidate indicators; :func:`write_draft_dataset` writes it as a
workbook with a notes sheet (:func:`draft_notes`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lscb_analysis.survey import survey_mapping, survey_template
from lscb_analysis.survey.survey_rules import usefulness_scale

DRAFT_COLUMNS = [
    "level",
    "domain",
    "code",
    "heading",
    "boards_collecting",
    "boards_wanting",
    "agencies",
    "frequencies",
    "usefulness_mean",
    "usefulness_scores",
    "steering_rating",
    "steering_comments",
]


def _tally(values: pd.Series) -> str:
    counts = values[values.astype(str) != ""].value_counts()
    return ", ".join(f"{name} ({count})" for name, count in counts.items())


def _sub_heading(rows: pd.DataFrame, level: str, domain: str, code: str, heading: str) -> dict:
    collect = rows[rows["section"] == "collects"]
    want = rows[rows["section"] == "would_like"]
    scores = pd.to_numeric(collect["usefulness"], errors="coerce").dropna()
    return {
        "level": level,
        "domain": domain,
        "code": code,
        "heading": heading,
        "boards_collecting": collect["borough"].nunique(),
        "boards_wanting": want["borough"].nunique(),
        "agencies": _tally(collect["agency"]),
        "frequencies": _tally(collect["frequency"]),
        "usefulness_mean": round(float(scores.mean()), 1) if len(scores) else None,
        "usefulness_scores": len(scores),
        "steering_rating": "",
        "steering_comments": "",
    }


def draft_dataset(matched: pd.DataFrame, candidates: pd.DataFrame) -> pd.DataFrame:
    """The compiled draft dataset ("appendix 1"): headings and sub-headings with evidence.

    One ``heading`` row per indicator domain, followed by a ``sub-heading`` row per
    candidate indicator in it; then the items no candidate covers, grouped by similar wording
    (:func:`~lscb_analysis.survey.survey_mapping.uncovered_groups`) under a final heading.
    Each row: how many boards collect it
    and want it, the agencies and frequencies reported (with counts), the usefulness scores,
    and empty columns for the steering group's rating and comments.

    Returns:
        ``DRAFT_COLUMNS``.
    """
    used = matched[matched["used"].astype(bool)]
    rows = []
    for domain, members in candidates.groupby("domain", sort=False):
        in_domain = used[used["candidate_code"].isin(members["code"])]
        rows.append(_sub_heading(in_domain, "heading", domain, "", domain))
        for candidate in members.itertuples(index=False):
            mine = used[used["candidate_code"] == candidate.code]
            rows.append(_sub_heading(mine, "sub-heading", domain, candidate.code, candidate.title))
    uncovered = used[used["candidate_code"] == ""]
    rows.append(
        _sub_heading(uncovered, "heading", survey_mapping.UNCOVERED, "", survey_mapping.UNCOVERED)
    )
    grouped = survey_mapping.group_uncovered(matched)
    for heading in survey_mapping.uncovered_groups(matched)["heading"]:
        mine = grouped[grouped["group_heading"] == heading]
        rows.append(_sub_heading(mine, "sub-heading", survey_mapping.UNCOVERED, "", heading))
    return pd.DataFrame(rows, columns=DRAFT_COLUMNS)


DRAFT_LABELS = {
    "level": "Level",
    "domain": "Domain",
    "code": "Code",
    "heading": "Heading / sub-heading",
    "boards_collecting": "Boards collecting",
    "boards_wanting": "Boards wanting",
    "agencies": "Agencies reported (items)",
    "frequencies": "Frequencies reported (items)",
    "usefulness_mean": "Mean usefulness (1-5)",
    "usefulness_scores": "Usefulness scores",
    "steering_rating": "Steering group rating",
    "steering_comments": "Steering group comments",
}
DRAFT_WIDTHS = {
    "level": 12,
    "domain": 26,
    "code": 8,
    "heading": 48,
    "agencies": 40,
    "frequencies": 34,
    "steering_rating": 22,
    "steering_comments": 40,
}


def write_draft_dataset(draft: pd.DataFrame, path, notes: list[tuple[str, str]]) -> Path:
    """Write the compiled draft dataset workbook for the steering group.

    Sheets: ``Draft dataset`` (headings bold and shaded, sub-headings indented; frozen header,
    filters, widths, wrapped text, a dropdown of ratings in the rating column, printable
    landscape) and ``Notes`` (the ``notes`` pairs: what, where from, as at, method).

    Args:
        draft: :func:`draft_dataset`.
        path: the .xlsx to write (never under ``data/raw/``).
        notes: (item, text) pairs for the notes sheet.

    Returns:
        The path written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from lscb_analysis.core import io
    from lscb_analysis.protect import safe_files

    target = io.ensure_writable(path)
    config = survey_template.survey_config()
    ratings = config["steering_ratings"]
    labels = {**DRAFT_LABELS, "usefulness_mean": _mean_label(config)}
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Draft dataset"
    columns = list(DRAFT_COLUMNS)
    for j, column in enumerate(columns, start=1):
        cell = safe_files.write_cell(sheet.cell(row=1, column=j), labels[column])
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(j)].width = DRAFT_WIDTHS.get(column, 14)
    heading_fill = PatternFill("solid", fgColor="DDEBF7")
    for i, row in enumerate(draft.itertuples(index=False), start=2):
        for j, column in enumerate(columns, start=1):
            cell = safe_files.write_cell(sheet.cell(row=i, column=j), getattr(row, column))
            cell.alignment = Alignment(
                wrap_text=True,
                vertical="top",
                indent=1 if column == "heading" and row.level == "sub-heading" else 0,
            )
            if row.level == "heading":
                cell.font, cell.fill = Font(bold=True), heading_fill
    last = len(draft) + 1
    rating = columns.index("steering_rating") + 1
    letter = get_column_letter(rating)
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(ratings) + '"',
        allow_blank=True,
        showErrorMessage=True,
        error="Choose one of: " + ", ".join(ratings) + ".",
    )
    sheet.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}{last}")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    notes_sheet = workbook.create_sheet("Notes")
    notes_sheet.column_dimensions["A"].width = 28
    notes_sheet.column_dimensions["B"].width = 100
    for i, (item, text) in enumerate(notes, start=1):
        safe_files.write_cell(notes_sheet.cell(row=i, column=1), item).font = Font(bold=True)
        safe_files.write_cell(notes_sheet.cell(row=i, column=2), text).alignment = Alignment(
            wrap_text=True, vertical="top"
        )
    workbook.save(target)
    return target


def _mean_label(config: dict) -> str:
    """The mean usefulness column's label with the scale's ends: ``Mean usefulness (1-5)``."""
    scores = usefulness_scale(config).scores
    return f"Mean usefulness ({scores[0]}-{scores[-1]})"


def draft_notes(
    register_table: pd.DataFrame, as_at, survey_folder, config: dict | None = None
) -> list[tuple[str, str]]:
    """The notes sheet of the draft dataset: what it is, sources, as-at date and method.
    The usefulness scale and the steering group's ratings are named as survey.yaml (or
    ``config``, a dict of the same shape) gives them."""
    config = config if config is not None else survey_template.survey_config()
    scale = usefulness_scale(config)
    ratings = list(config["steering_ratings"])
    rating_words = ", ".join(ratings[:-1]) + (" or " if len(ratings) > 1 else "") + ratings[-1]
    return [
        (
            "What this is",
            "The draft dataset compiled from the boards' Phase I returns: one "
            "heading per indicator domain and a sub-heading per candidate "
            "indicator, then items no candidate covers grouped by wording.",
        ),
        ("Responses", survey_mapping.response_summary(register_table)),
        ("Returns as at", str(as_at) if as_at else "all returns received"),
        (
            "Source",
            f"Survey returns in {survey_folder}; candidate indicators in "
            "data/reference/candidate_indicators.csv.",
        ),
        (
            "Boards collecting",
            "Number of boards whose return lists at least one item matched "
            "to the candidate (by the code the board chose, else by the "
            "candidate's keywords in the item's wording).",
        ),
        (
            "Usefulness",
            f"Mean of the scores boards gave the matched items ({scale.describe()}), and how "
            "many scores there were.",
        ),
        (
            "Steering group rating",
            f"For the steering group: {rating_words}.",
        ),
    ]
