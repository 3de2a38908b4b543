"""A sub-group's quarterly narrative: the workbook it fills beside its score card, and reading
returned ones.

Each sub-group's card reports "quantitative data i.e. how many and qualitative data i.e.
outcomes, what difference have we made for children and their families", actions and forward
planning, and the voice of children and young people. :func:`build_narrative_workbook`
writes the group's workbook for a quarter: a ``Narrative`` sheet with the parts in
``data/reference/narrative.yaml`` to answer, an ``Exceptions`` sheet listing the group's
exceptions on its latest card with a column for the action taken on each, and a hidden
``NarrativeInfo`` sheet naming the board, group and quarter. :func:`ingest_narratives` reads
returned workbooks (identity checked against the file name, text that may name a person
withheld, the latest return per board, group and quarter used, every file listed).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, Protection

from lscb_analysis.core import ingest_record, io, name_text, paths, register
from lscb_analysis.core.errors import DataFileError, MissingDataFileError, ParameterError
from lscb_analysis.core.returned_workbook import read_xlsx_workbook
from lscb_analysis.core.returned_workbook_cells import cell_text, is_excel_error
from lscb_analysis.core.workbook_checks import WORKBOOK_SUFFIXES
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.pilot import pilot_periods
from lscb_analysis.protect import safe_files
from lscb_analysis.protect.identifier_text import WITHHELD_TEXT, scan_text
from lscb_analysis.scorecard.rules import load_rules
from lscb_analysis.scorecard.scorecard import check_subgroup
from lscb_analysis.survey.survey_rules import find_borough

CONFIG_FILE = "narrative.yaml"
FORMAT_NAME = "lscb-group-narrative"
NARRATIVE_SHEET = "Narrative"
EXCEPTIONS_SHEET = "Exceptions"
INFO_SHEET = "NarrativeInfo"
PART_COLUMNS = ["borough", "group", "quarter", "part", "question", "text", "file"]
ACTION_COLUMNS = ["borough", "group", "quarter", "pi_id", "exception_text", "action", "file"]
ISSUE_COLUMNS = ingest_record.ISSUE_COLUMNS
FILE_COLUMNS = ["file", "status", "borough", "group", "quarter", "reason"]
OUTPUT_FOLDER = "narratives"


@dataclass
class NarrativeIngest:
    """``parts`` (:data:`PART_COLUMNS`), ``actions`` (:data:`ACTION_COLUMNS`), ``issues``
    (:data:`ISSUE_COLUMNS`) and ``files`` (:data:`FILE_COLUMNS`: every file, ``read``,
    ``superseded``, ``rejected`` or ``skipped``, with the reason)."""

    parts: pd.DataFrame
    actions: pd.DataFrame
    issues: pd.DataFrame
    files: pd.DataFrame


def narrative_parts() -> dict[str, str]:
    """The parts a narrative answers: key -> question (``data/reference/narrative.yaml``)."""
    return dict((io.read_reference_yaml(CONFIG_FILE) or {}).get("parts") or {})


def _identity(group: str, borough: str, quarter: str) -> dict:
    area = register.resolve(name_text.check_name(borough, "board"))
    periods = pilot_periods.period_range(quarter)
    if len(periods) != 1:
        raise ParameterError(f"--quarter {quarter!r}: give one quarter, such as 2026Q3.")
    chosen = check_subgroup(
        name_text.check_name(group, "group"),
        catalogue_module.load_catalogue(None).current,
        load_rules().get("subgroups", {}).get("synonyms"),
    )
    if chosen is None:
        raise ParameterError("--group: name one sub-group (the narrative is a group's).")
    meta = {
        "format": FORMAT_NAME,
        "borough": area.name,
        "la_number": area.la_number,
        "group": chosen,
        "quarter": periods[0],
    }
    meta["checksum"] = _checksum(meta)
    return meta


def _checksum(meta: dict) -> str:
    content = {k: v for k, v in meta.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def latest_exceptions(borough: str, group: str) -> pd.DataFrame:
    """The group's exceptions on the board's latest score card (``pi_id, title,
    exception_text``); none when no card has been built. ``borough`` and ``group`` as the
    register and the model name them (:func:`build_narrative_workbook` resolves them first).
    """
    table = io.read_latest_processed("scorecard_")
    columns = ["pi_id", "title", "exception_text"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    mine = table[
        (table["borough"] == borough)
        & (table["sub_group"] == group)
        & (table["exceptions"].fillna("") != "")
    ]
    return mine[columns].reset_index(drop=True)


def build_narrative_workbook(
    group: str, borough: str, quarter: str, exceptions: pd.DataFrame | None = None
) -> Workbook:
    """The group's narrative workbook for a quarter (not saved).

    Inputs: the group and board as people write them ("CDOP", "RBKC"), the quarter
    (``2026Q3``), and the group's ``exceptions`` (``pi_id, title, exception_text``; None: those
    on the board's latest card, :func:`latest_exceptions`, found by the names resolved).
    Raises: ParameterError (group, quarter), UnknownAreaError, InvalidNameError.
    """
    meta = _identity(group, borough, quarter)
    if exceptions is None:
        exceptions = latest_exceptions(meta["borough"], meta["group"])
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = NARRATIVE_SHEET
    sheet.column_dimensions["A"].width = 60
    sheet.column_dimensions["B"].width = 90
    title = f"{meta['borough']}: {meta['group']} sub-group narrative, {meta['quarter']}"
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"] = "Write in column B. Describe what changed for children, never who they are."
    for row, (key, question) in enumerate(narrative_parts().items(), start=4):
        safe_files.write_cell(sheet.cell(row=row, column=1), question)
        sheet.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.cell(row=row, column=3, value=key).font = Font(color="FFFFFF")
        answer = sheet.cell(row=row, column=2)
        answer.protection = Protection(locked=False)
        answer.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[row].height = 90
    safe_files.lock_form_sheet(sheet)
    listed = workbook.create_sheet(EXCEPTIONS_SHEET)
    for column, (label, width) in enumerate(
        [("PI", 12), ("Indicator", 50), ("Exception", 40), ("Action taken", 60)], start=1
    ):
        listed.cell(row=1, column=column, value=label).font = Font(bold=True)
        listed.column_dimensions[chr(64 + column)].width = width
    for row, item in enumerate(exceptions.itertuples(index=False), start=2):
        for column, value in enumerate((item.pi_id, item.title, item.exception_text), start=1):
            safe_files.write_cell(listed.cell(row=row, column=column), value)
        listed.cell(row=row, column=4).protection = Protection(locked=False)
    safe_files.lock_form_sheet(listed, "1:1")
    safe_files.write_identity_sheet(workbook, INFO_SHEET, meta)
    return workbook


def default_name(group: str, borough: str, quarter: str) -> str:
    """``<borough>_<group>_<quarter>_narrative.xlsx``."""
    return f"{register.resolve(borough).slug}_{register.slugify(group)}_{quarter}_narrative.xlsx"


def ingest_narratives(folder: Path | str) -> NarrativeIngest:
    """Read every returned narrative in ``folder`` (see the module notes).

    Raises: MissingDataFileError when the folder does not exist. A bad file is set aside
    with its reason, never raised.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise MissingDataFileError(
            f"{folder} is not a folder: put the returned narratives in data/raw/narratives/."
        )
    issues: list[dict] = []
    files: list[dict] = []
    read: list[tuple[dict, list[dict], list[dict], float]] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        row = {
            "file": path.name,
            "status": "skipped",
            "borough": "",
            "group": "",
            "quarter": "",
            "reason": "not a workbook",
        }
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            meta, parts, actions, reason = _read_one(path, issues)
            row.update({k: meta.get(k, "") for k in ("borough", "group", "quarter")})
            row.update(status="rejected" if reason else "read", reason=reason)
            if not reason:
                read.append((meta, parts, actions, path.stat().st_mtime))
        files.append(row)
    latest: dict[tuple, tuple] = {}
    for item in sorted(read, key=lambda entry: entry[3]):
        latest[(item[0]["la_number"], item[0]["group"], item[0]["quarter"])] = item
    used = {entry[1][0]["file"] if entry[1] else "" for entry in latest.values()}
    for row in files:
        if row["status"] == "read" and row["file"] not in used:
            row.update(status="superseded", reason="a later return for the group is in use")
    parts = [p for entry in latest.values() for p in entry[1]]
    actions = [a for entry in latest.values() for a in entry[2]]
    return NarrativeIngest(
        parts=pd.DataFrame(parts, columns=PART_COLUMNS),
        actions=pd.DataFrame(actions, columns=ACTION_COLUMNS),
        issues=pd.DataFrame(issues, columns=ISSUE_COLUMNS),
        files=pd.DataFrame(files, columns=FILE_COLUMNS),
    )


_issue = ingest_record.add_issue


def _text(value, file: str, sheet: str, cell: str, issues: list) -> str:
    text = "" if is_excel_error(value) else cell_text(value)
    if text and not scan_text(text).empty:
        _issue(
            issues,
            file,
            sheet,
            cell,
            "warning",
            "identifier_in_text",
            f"{file} '{sheet}'!{cell}: the text may name a person; it is withheld from "
            "reports. Describe what changed for children, never who they are.",
        )
        return WITHHELD_TEXT
    return text


def _read_one(path: Path, issues: list) -> tuple[dict, list[dict], list[dict], str]:
    name = path.name
    try:
        workbook = read_xlsx_workbook(path, sender="the sub-group")
    except DataFileError as error:
        _issue(issues, name, "", "", "error", "unreadable_workbook", str(error))
        return {}, [], [], str(error)
    if INFO_SHEET not in workbook.sheet_names:
        reason = (
            f"{name} has no {INFO_SHEET} sheet: it is not a narrative made by `lscb "
            "scorecard narrative-template`; copy the text into the workbook sent."
        )
        _issue(issues, name, "", "", "error", "not_a_narrative", reason)
        return {}, [], [], reason
    meta = {cell_text(r[0]): cell_text(r[1]) for r in workbook[INFO_SHEET].rows if len(r) > 1}
    named = find_borough(Path(name).stem)
    if meta.get("format") != FORMAT_NAME or not meta.get("la_number"):
        reason = f"{name}: the {INFO_SHEET} sheet does not describe a group narrative."
    elif named is not None and named.la_number != meta["la_number"]:
        reason = (
            f"{name}: the file name says {named.name}, the {INFO_SHEET} sheet says "
            f"{meta['borough']}. It was set aside: rename it if it is "
            f"{meta['borough']}'s, or ask {meta['borough']} whether it is theirs."
        )
    else:
        reason = ""
    if reason:
        _issue(issues, name, INFO_SHEET, "", "error", "identity_mismatch", reason)
        return meta, [], [], reason
    if meta.get("checksum") != _checksum(meta):
        _issue(
            issues,
            name,
            INFO_SHEET,
            "",
            "warning",
            "info_changed",
            f"{name}: the hidden {INFO_SHEET} sheet was edited; read as it stands.",
        )
    questions = narrative_parts()
    keys = {"file": name, **{k: meta[k] for k in ("borough", "group", "quarter")}}
    parts = []
    for number, row in enumerate(workbook[NARRATIVE_SHEET].rows, start=1):
        key = cell_text(row[2]) if len(row) > 2 else ""
        if key in questions:
            text = _text(
                row[1] if len(row) > 1 else None, name, NARRATIVE_SHEET, f"B{number}", issues
            )
            parts.append({**keys, "part": key, "question": questions[key], "text": text})
    actions = []
    if EXCEPTIONS_SHEET in workbook.sheet_names:
        for number, row in enumerate(workbook[EXCEPTIONS_SHEET].rows, start=1):
            if number == 1 or not row or not cell_text(row[0]):
                continue
            action = _text(
                row[3] if len(row) > 3 else None, name, EXCEPTIONS_SHEET, f"D{number}", issues
            )
            actions.append(
                {
                    **keys,
                    "pi_id": cell_text(row[0]),
                    "exception_text": cell_text(row[2]) if len(row) > 2 else "",
                    "action": action,
                }
            )
    return meta, parts, actions, ""


def write_ingest(result: NarrativeIngest, out_dir: Path | str | None = None) -> dict[str, Path]:
    """Write the narratives' tables to ``data/processed/narratives/`` (parquet and CSV)."""
    out = Path(out_dir) if out_dir is not None else paths.processed_dir() / OUTPUT_FOLDER
    written = {}
    for name, table in (("parts", result.parts), ("actions", result.actions)):
        written[f"{name}.parquet"] = io.ensure_writable(out / f"{name}.parquet")
        table.to_parquet(written[f"{name}.parquet"], index=False)
    for name, table in (("issues", result.issues), ("files", result.files)):
        written[f"{name}.csv"] = safe_files.write_safe_csv(table, out / f"{name}.csv")
    return written


def read_narratives(folder: Path | str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The narratives' ``parts`` and ``actions`` as :func:`write_ingest` wrote them; empty
    tables when none has been ingested."""
    base = Path(folder or paths.processed_dir() / OUTPUT_FOLDER)
    tables = []
    for name, columns in (("parts", PART_COLUMNS), ("actions", ACTION_COLUMNS)):
        path = base / f"{name}.parquet"
        tables.append(pd.read_parquet(path) if path.is_file() else pd.DataFrame(columns=columns))
    return tables[0], tables[1]
