"""Phase I survey ingest: every return in the folder, whatever its shape, read into one table.

Boards send the data-collection workbook back in every shape: retitled columns, the header
moved down under a title, blank rows and notes, merged cells, ticks written ``Y``, ``x`` or
``✓``, agencies in their own words, several boroughs in one workbook, or a layout of their
own. :func:`ingest_survey` reads each file in the folder (.xlsx, .xlsm, .xls, .ods, .csv)
read-only, finds the header row on each sheet, maps headers and coded values onto the
template's fields with the synonym and pattern rules in ``data/reference/survey.yaml`` (never
rules in code), keeps the original text beside every normalised value, and reports every
cell it cannot map. Each file ends in exactly one state: ``ingested``,
``ingested_with_warnings`` or ``rejected`` (with a reason code and what to do).

Rules and conventions (configurable ones live under ``ingest:`` in survey.yaml):

* Header row: in the first ``header_scan_rows`` rows of a sheet, the row mapping the most
  fields (it must map the data item and at least ``min_header_fields`` fields), unless an
  earlier row is a header in full (three quarters of its cells map): then that one, and a
  later header row starts a second table (``repeated_header``).
* Section: the sheet's name (``sheet_synonyms``), else its headers (a barrier column means
  "would like"); tick columns ("Collected?", "Would like?") and section heading rows decide
  row by row in a board's own layout.
* A row counts as non-blank when a cell holds a value of its own (a cell filled from a merged
  range that starts on an earlier row is not its own). Every non-blank row below the header is
  either an item or reported in ``issues`` (:data:`ROW_EXCLUSION_CODES`):
  :func:`~lscb_analysis.survey.survey_outputs.row_accounting` checks it.
* Borough: per row from a borough column, else the sheet's name, else the About sheet (or
  "Board:" lines above the header), else the file name, all through :func:`register.resolve`
  (London boroughs only).
* Two readable returns for one borough: both kept, the latest (About date, then file
  modification time, then file name) has ``used = True``; the other gets ``superseded_return``.
* A workbook holding several boroughs gives one ``returns`` row per borough.

Logs hold counts only, never cell values.

Where the pieces live: the tables' columns and codes in ``survey_result``; the rules and
borough finding in ``survey_rules``; header mapping in ``survey_header``; reading one file's
sheets into items in ``survey_file_reader``; re-submissions and assembling here; row
accounting and writing in ``survey_outputs``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from lscb_analysis.core import io, name_text, paths, register, workbook_checks
from lscb_analysis.core.errors import (
    SurveyFileError,
)
from lscb_analysis.core.returned_workbook import EXPECTED_FORMAT, read_returned_workbook
from lscb_analysis.core.returned_workbook_cells import Grid, cell_text
from lscb_analysis.survey import survey_resubmissions
from lscb_analysis.survey.survey_file_reader import SurveyFileReader
from lscb_analysis.survey.survey_header import (
    quote_text,
    sheet_label,
)
from lscb_analysis.survey.survey_result import (
    ISSUE_COLUMNS,
    ITEM_COLUMNS,
    RETURN_COLUMNS,
    SHEET_COLUMNS,
    SurveyIngest,
)
from lscb_analysis.survey.survey_rules import SurveyRules, find_borough, load_rules, normalise_key

LOGGER = logging.getLogger(__name__)


# --- reading files into grids -------------------------------------------------------------------


def _read_any(path: Path, limits: workbook_checks.WorkbookLimits) -> tuple[list[Grid], list[tuple]]:
    """Read any supported file into grids (merged cells filled) with notes for the board
    (sheet, code, message); raise SurveyFileError (with a code) to reject it."""
    book = read_returned_workbook(path, limits, error=SurveyFileError, sender="the board")
    suffix = path.suffix.lower()
    notes: list[tuple] = []
    if book.format in ("xlsx", "xls", "ods") and EXPECTED_FORMAT.get(suffix) not in (
        None,
        book.format,
    ):
        kind = book.format.upper()
        notes.append(
            (
                "",
                "wrong_extension",
                f"The file is really {kind} although it "
                f"is named {suffix}; it was read as {kind}. Nothing to do.",
            )
        )
    if book.check is not None:
        notes += _check_notes(book.check)
    return [sheet.grid() for sheet in book.worksheets], notes


def _check_notes(check: workbook_checks.WorkbookCheck) -> list[tuple]:
    """Notes on an .xlsx's macros, external links and formulas without a saved value."""
    notes: list[tuple] = []
    if check.has_macros:
        notes.append(
            (
                "",
                "macros_not_run",
                "The workbook contains macros; they were neither "
                "run nor kept, only the cell values were read. Nothing to do.",
            )
        )
    for link in check.external_links:
        notes.append(
            (
                "",
                "external_link_ignored",
                "The workbook links to another file; the "
                f"link ({link[:60]}) was not followed. If values came from it, ask the "
                "board to paste them in as values.",
            )
        )
    missing = check.formulas[~check.formulas["has_cached_value"]]
    for sheet, rows in missing.groupby("sheet"):
        notes.append(
            (
                sheet,
                "formula_without_value",
                f"{len(rows)} formula cell(s) (e.g. "
                f"{rows['cell'].iloc[0]}) have no saved value, so they read as blank. "
                "Ask the board to open the file in Excel, save it and send it again.",
            )
        )
    return notes


# --- one file -----------------------------------------------------------------------------------


@dataclass
class _Outcome:
    file: str
    sha256: str
    modified: pd.Timestamp
    state: str = ""
    reason: str = ""
    message: str = ""
    return_date: Any = pd.NaT
    items: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    sheets: list[dict[str, Any]] = field(default_factory=list)
    boroughs: dict[str, register.LocalAuthority] = field(default_factory=dict)
    used: dict[str, bool] = field(default_factory=dict)


def _rejected(
    outcome: _Outcome, code: str, message: str, borough: register.LocalAuthority | None = None
) -> _Outcome:
    outcome.state, outcome.reason, outcome.message = "rejected", code, message
    outcome.items, outcome.issues = (
        [],
        [
            {
                "file": outcome.file,
                "sheet": "",
                "row": None,
                "column": "",
                "severity": "error",
                "code": code,
                "message": message,
            }
        ],
    )
    area = borough or find_borough(Path(outcome.file).stem)
    outcome.boroughs = {area.la_number: area} if area else {}
    return outcome


_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %Y",
    "%b %Y",
)


def _date(value: Any) -> Any:
    """A return date from a cell: a real date, or text written day first (UK style)."""
    if isinstance(value, dt.datetime | dt.date):
        return pd.Timestamp(value)
    text = " ".join(cell_text(value).split())
    for pattern in _DATE_FORMATS:
        try:
            return pd.Timestamp(dt.datetime.strptime(text, pattern))
        except ValueError:
            continue
    return pd.NaT


def _file_borough(
    reader: SurveyFileReader, about: dict[str, tuple[Any, str, int]], path: Path
) -> register.LocalAuthority | None:
    """The borough a whole file is from: the About sheet's board, else the file name (an
    About board that names no borough is reported)."""
    board_text = cell_text(about.get("borough", (None,))[0])
    file_borough = find_borough(board_text) if board_text else None
    if board_text and file_borough is None:
        _, sheet, row = about["borough"]
        reader.issue(
            sheet,
            row,
            "borough",
            "unknown_borough_name",
            f"{sheet_label(sheet)}, row {row}: the board is given as {quote_text(board_text)}, "
            "which does not name one London borough; the borough was taken from the "
            "file name or the sheets instead. Add a common name to "
            "data/reference/area_aliases.csv if it should resolve.",
        )
    if file_borough is None:
        file_borough = find_borough(path.stem)
    return file_borough


def _return_date(reader: SurveyFileReader, answer: tuple[Any, str, int]) -> pd.Timestamp:
    """The About sheet's return date (NaT, reported, when it is not a date)."""
    value, sheet, row = answer
    return_date = _date(value)
    if pd.isna(return_date) and cell_text(value):
        reader.issue(
            sheet,
            row,
            "date",
            "unmapped_value",
            f"{sheet_label(sheet)}, row {row}: the return date is not a date "
            "(day/month/year expected), so the file's modification time decides "
            "which return is the latest. Correct it in the file if it matters.",
        )
    return return_date


def _without_items(
    outcome: _Outcome,
    reader: SurveyFileReader,
    path: Path,
    file_borough: register.LocalAuthority | None,
) -> _Outcome:
    """Reject a file that gave no items, with the reason the board can act on."""
    outcome.sheets = reader.sheets
    data_rows = sum(result.non_blank for result in reader.results)
    unattributed = any(i["code"] == "unknown_borough" for i in reader.issues)
    if unattributed:
        return _rejected(
            outcome,
            "borough_not_identifiable",
            f"{name_text.display_text(path.name)}: no borough could be identified for its "
            "items (not from the About sheet, the file name, a borough column or the sheet "
            "names). Add the board's name on the About sheet (or rename the file after the "
            "borough) and ingest again." + name_text.hidden_note(path.name),
        )
    if reader.recognised == 0 and reader.content_sheets > 0:
        return _rejected(
            outcome,
            "no_recognisable_sheet",
            f"{path.name}: none of its sheets has a header row naming a data "
            "item (e.g. 'Data item', 'Indicator', 'Measure'). Ask the board "
            "to use the survey template, or add their header words as "
            "synonyms in data/reference/survey.yaml.",
            file_borough,
        )
    detail = f" ({data_rows} row(s) were notes or headings)" if data_rows else ""
    return _rejected(
        outcome,
        "empty",
        f"{path.name} holds no data items{detail}. If the board meant to "
        "send data, ask for the completed return; otherwise record it as "
        "acknowledged without data.",
        file_borough,
    )


def _ingest_file(
    path: Path,
    sha: str,
    modified: pd.Timestamp,
    rules: SurveyRules,
    limits: workbook_checks.WorkbookLimits,
) -> _Outcome:
    outcome = _Outcome(path.name, sha, modified)
    try:
        grids, notes = _read_any(path, limits)
    except SurveyFileError as error:
        return _rejected(outcome, error.code, str(error))
    reader = SurveyFileReader(path.name, rules)
    for sheet, code, message in notes:
        reader.issue(sheet, None, "", code, message)
    for grid in grids:
        key = normalise_key(grid.name) if grid.name else ""
        if key and key in rules.about_sheets:
            reader.read_about(grid)
        elif key and key in rules.ignore_sheets:
            reader.sheets.append(reader._sheet_row(grid.name, "ignored", "", None, None))
        else:
            reader.read_sheet(grid)
    about = {**reader.about_above, **reader.about}
    file_borough = _file_borough(reader, about, path)
    named = find_borough(path.stem)
    if file_borough and named and named.la_number != file_borough.la_number:
        # Never let a return named for one borough replace another's (or be replaced by it).
        return _rejected(
            outcome,
            "identity_mismatch",
            f"{path.name}: the file name says {named.name}, the About sheet says "
            f"{file_borough.name}. The return was set aside, so it replaces neither borough's "
            f"return: rename the file if it is {file_borough.name}'s, or ask "
            f"{file_borough.name} whether it is theirs.",
            borough=file_borough,
        )
    if "date" in about:
        outcome.return_date = _return_date(reader, about["date"])
    items: list[dict[str, Any]] = []
    attributed = 0
    for result in reader.results:
        sheet_borough = result.borough
        if sheet_borough and file_borough and sheet_borough.la_number != file_borough.la_number:
            reader.issue(
                result.name,
                None,
                "",
                "borough_from_sheet",
                f"{sheet_label(result.name)} is named after {sheet_borough.name}, so its "
                f"items were filed under {sheet_borough.name}, not "
                f"{file_borough.name}. Check this with the board.",
            )
        for record in result.records:
            cell = record.pop("_borough_cell")
            area = (find_borough(cell) if cell else None) or (
                None if cell else (sheet_borough or file_borough)
            )
            if area is None:
                said = f"names {quote_text(cell)}, which is not" if cell else "does not name"
                reader.issue(
                    result.name,
                    record["row"],
                    "borough",
                    "unknown_borough",
                    f"{sheet_label(result.name)}, row {record['row']} {said} a London "
                    "borough, and the sheet, About sheet and file name do not say "
                    "either, so the row was not read. Write the borough's name.",
                )
                continue
            attributed += 1
            record.update(borough=area.name, la_number=area.la_number, file=path.name, sha256=sha)
            outcome.boroughs.setdefault(area.la_number, area)
            items.append(record)
        for sheet_row in reader.sheets:
            if sheet_row["sheet"] == result.name and sheet_row["kind"] == "data":
                area = sheet_borough or file_borough
                sheet_row.update(
                    borough=area.name if area else "", la_number=area.la_number if area else ""
                )
    if not items:
        return _without_items(outcome, reader, path, file_borough)
    outcome.items = items
    outcome.issues = reader.issues
    outcome.sheets = reader.sheets
    return outcome


# --- the folder ---------------------------------------------------------------------------------


def survey_folder() -> Path:
    """Return the default returns folder, ``data/raw/survey/``."""
    return paths.raw_dir() / "survey"


def _modified(path: Path) -> pd.Timestamp:
    stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    return pd.Timestamp(stamp.replace(tzinfo=None, microsecond=0))


def ingest_survey(folder: Path | str | None = None, *, config: dict | None = None) -> SurveyIngest:
    """Read every survey return in ``folder`` (default ``data/raw/survey/``), read-only.

    Args:
        folder: the folder of returns; files named in ``ingest.skip_files`` (contacts.csv,
            README, the SYNTHETIC.md marker) are not returns and are listed nowhere.
        config: survey.yaml's content (None reads it from data/reference/).

    Returns:
        :class:`SurveyIngest` with

        * ``items``: ``borough, la_number, section (collects|would_like), item, description,
          agency, agency_original, frequency, frequency_original, age_range, system,
          why_useful, usefulness (1-5 or NaN), usefulness_original, indicator_code, why,
          barrier, barrier_original, comment, collected_flag_original, extra, used (bool),
          file, sha256, sheet, row`` (1-based spreadsheet row); empty strings for fields a
          section does not have;
        * ``issues``: ``file, sheet, row, column, severity (error|warning), code, message``;
        * ``returns``: ``file, sha256, state (ingested|ingested_with_warnings|rejected),
          reason (a rejection code), borough, la_number, return_date, modified,
          sections_filled, items_collects, items_would_like, used, message``: one row per
          file, or per file and borough when a workbook holds several boroughs;
        * ``sheets``: ``file, sheet, kind (data|about|ignored|blank|not_recognised), section,
          header_row, non_blank_rows, borough, la_number``.

    Rejection codes: ``corrupt``, ``password_protected``, ``empty``,
    ``no_recognisable_sheet``, ``borough_not_identifiable``, ``identity_mismatch`` (the file
    name and the About sheet name different boroughs), ``duplicate`` (byte-identical to
    an earlier file by name order; the first is kept) and ``unsafe_workbook``.

    Raises:
        SurveyFileError: the folder does not exist (code ``missing_folder``).
        ReferenceDataError: survey.yaml, the register or the workbook limits are missing.
    """
    folder = Path(folder) if folder is not None else survey_folder()
    if not folder.is_dir():
        raise SurveyFileError(
            f"There is no returns folder at {folder}. Put the returns there (or pass the "
            "folder that holds them); `lscb demo-data` writes a synthetic set.",
            code="missing_folder",
        )
    rules = load_rules(config)
    limits = workbook_checks.load_workbook_limits()
    files = sorted(
        (p for p in folder.iterdir() if p.is_file() and not rules.is_skipped(p.name)),
        key=lambda p: p.name,
    )
    first_by_hash: dict[str, _Outcome] = {}
    outcomes, copies = [], []
    for path in files:
        sha = io.sha256_of(path)
        modified = _modified(path)
        first = first_by_hash.get(sha)
        if first is not None and first.reason not in survey_resubmissions.NAME_DEPENDENT_REJECTIONS:
            outcome = _rejected(_Outcome(path.name, sha, modified), "duplicate", "")
            copies.append((outcome, first))
        else:
            # A copy whose first was set aside for its file name is read under its own name.
            outcome = _ingest_file(path, sha, modified, rules, limits)
            first_by_hash[sha] = outcome
        outcomes.append(outcome)
    survey_resubmissions.supersede(outcomes)
    for outcome, first in copies:
        outcome.message = outcome.issues[0]["message"] = (
            f"{outcome.file} is byte-identical to {first.file} (same SHA-256), so it was not "
            f"read again; {first.file} {survey_resubmissions.duplicate_use(first)}. Nothing to do unless a "
            "different return was meant."
        )
    result = _assemble(outcomes)
    states = result.returns.drop_duplicates("file")["state"].value_counts()
    LOGGER.info(
        "Survey ingest of %d files: %d ingested, %d with warnings, %d rejected; %d items, "
        "%d issues.",
        len(files),
        states.get("ingested", 0),
        states.get("ingested_with_warnings", 0),
        states.get("rejected", 0),
        len(result.items),
        len(result.issues),
    )
    return result


def _assemble(outcomes: list[_Outcome]) -> SurveyIngest:
    items, issues, returns, sheets = [], [], [], []
    for outcome in outcomes:
        if outcome.state != "rejected":
            warned = any(i["severity"] == "warning" for i in outcome.issues)
            outcome.state = "ingested_with_warnings" if warned else "ingested"
        for record in outcome.items:
            record["used"] = outcome.used.get(record["la_number"], True)
            items.append(record)
        issues.extend(outcome.issues)
        sheets.extend(outcome.sheets)
        base = {
            "file": outcome.file,
            "sha256": outcome.sha256,
            "state": outcome.state,
            "reason": outcome.reason,
            "return_date": outcome.return_date,
            "modified": outcome.modified,
            "message": outcome.message,
        }
        if not outcome.boroughs:
            returns.append(
                {
                    **base,
                    "borough": "",
                    "la_number": "",
                    "sections_filled": 0,
                    "items_collects": 0,
                    "items_would_like": 0,
                    "used": False,
                }
            )
        for la_number, area in outcome.boroughs.items():
            mine = [i for i in outcome.items if i["la_number"] == la_number]
            collects = sum(i["section"] == "collects" for i in mine)
            returns.append(
                {
                    **base,
                    "borough": area.name,
                    "la_number": la_number,
                    "sections_filled": len({i["section"] for i in mine}),
                    "items_collects": collects,
                    "items_would_like": len(mine) - collects,
                    "used": outcome.state != "rejected" and outcome.used.get(la_number, True),
                }
            )
    items_frame = pd.DataFrame(items, columns=ITEM_COLUMNS)
    items_frame["usefulness"] = pd.to_numeric(items_frame["usefulness"]).astype(float)
    items_frame["row"] = items_frame["row"].astype(int)
    items_frame["used"] = items_frame["used"].astype(bool)
    issues_frame = pd.DataFrame(issues, columns=ISSUE_COLUMNS)
    issues_frame["row"] = issues_frame["row"].astype("Int64")
    returns_frame = pd.DataFrame(returns, columns=RETURN_COLUMNS)
    returns_frame["return_date"] = pd.to_datetime(returns_frame["return_date"])
    returns_frame["modified"] = pd.to_datetime(returns_frame["modified"])
    for column in ("sections_filled", "items_collects", "items_would_like"):
        returns_frame[column] = returns_frame[column].astype(int)
    returns_frame["used"] = returns_frame["used"].astype(bool)
    sheets_frame = pd.DataFrame(sheets, columns=SHEET_COLUMNS)
    sheets_frame["header_row"] = sheets_frame["header_row"].astype("Int64")
    sheets_frame["non_blank_rows"] = sheets_frame["non_blank_rows"].astype("Int64")
    items_frame.attrs["record_level"] = True  # rows of the returns: never displayed whole
    return SurveyIngest(items_frame, issues_frame, returns_frame, sheets_frame)
