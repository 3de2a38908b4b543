"""Reading returned Section 11 self-assessments: every file accounted for, every row checked.

:func:`ingest_section11` reads the workbooks in ``data/raw/section11/`` (made by
:func:`lscb_analysis.qa.section11.write_self_assessment`): each is identified by its hidden
``S11Info`` sheet, checked against its file name (a file named for one board whose hidden
sheet names another is set aside, replacing no one's return), and read row by row: the
rating (its name or a synonym), evidence (withheld when it may hold an identifier), action,
owner and due date. A later return from the same agency for the same board replaces the
earlier one, which is listed as superseded with the file in use. :func:`write_ingest` writes
the tables to ``data/processed/section11/``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from lscb_analysis.core import ingest_record, io, paths
from lscb_analysis.core.errors import DataFileError, MissingDataFileError
from lscb_analysis.core.returned_workbook import read_xlsx_workbook
from lscb_analysis.core.returned_workbook_cells import cell_text, is_excel_error
from lscb_analysis.core.workbook_checks import WORKBOOK_SUFFIXES
from lscb_analysis.protect import safe_files
from lscb_analysis.protect.identifier_text import WITHHELD_TEXT, scan_text
from lscb_analysis.qa import section11
from lscb_analysis.survey.survey_rules import find_borough

RATING_COLUMNS = [
    "board",
    "la_number",
    "agency",
    "standard_id",
    "standard",
    "criterion_id",
    "criterion",
    "rating",
    "weak",
    "evidence",
    "action",
    "owner",
    "due",
    "file",
    "row",
]
ISSUE_COLUMNS = ingest_record.ISSUE_COLUMNS
FILE_COLUMNS = ["file", "status", "board", "agency", "standards_version", "rows", "reason"]
OUTPUT_FOLDER = "section11"


@dataclass
class Section11Ingest:
    """``ratings`` (:data:`RATING_COLUMNS`, the returns in use), ``issues``
    (:data:`ISSUE_COLUMNS`) and ``files`` (:data:`FILE_COLUMNS`: every file in the folder,
    ``read``, ``superseded``, ``rejected`` or ``skipped``, with the reason)."""

    ratings: pd.DataFrame
    issues: pd.DataFrame
    files: pd.DataFrame


def ingest_section11(folder: Path | str, config: dict | None = None) -> Section11Ingest:
    """Read every file in ``folder``; see the module notes for the checks.

    Output: :class:`Section11Ingest`. Raises: MissingDataFileError when the folder does not
    exist; ReferenceDataError for a bad section11.yaml. A bad file is never raised: it is
    set aside with its reason.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise MissingDataFileError(
            f"{folder} is not a folder: put the returned self-assessments in "
            "data/raw/section11/ (or run `lscb demo-data` for the synthetic set)."
        )
    config = config or section11.section11_config()
    issues: list[dict] = []
    files: list[dict] = []
    read: list[tuple[dict, pd.DataFrame, float]] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        if path.suffix.lower() not in WORKBOOK_SUFFIXES:
            reason = "not a workbook (the self-assessments are .xlsx files)"
            files.append(_file_row(path, "skipped", reason=reason))
            continue
        meta, rows, reason = _read_one(path, config, issues)
        if reason:
            files.append(_file_row(path, "rejected", meta, reason=reason))
        else:
            read.append((meta, rows, path.stat().st_mtime))
            files.append(_file_row(path, "read", meta, rows=len(rows)))
    ratings = _latest_returns(read, files)
    return Section11Ingest(
        ratings=ratings,
        issues=pd.DataFrame(issues, columns=ISSUE_COLUMNS),
        files=pd.DataFrame(files, columns=FILE_COLUMNS),
    )


def write_ingest(result: Section11Ingest, out_dir: Path | str | None = None) -> dict[str, Path]:
    """Write ``ratings.parquet`` and the ``ratings``, ``issues`` and ``files`` CSVs to
    ``data/processed/section11/`` (or ``out_dir``) and return {name: path}.
    Raises: RawDataWriteError under ``data/raw/``."""
    out = Path(out_dir) if out_dir is not None else paths.processed_dir() / OUTPUT_FOLDER
    written = {"ratings.parquet": io.ensure_writable(out / "ratings.parquet")}
    result.ratings.to_parquet(written["ratings.parquet"], index=False)
    for name, table in (
        ("ratings.csv", result.ratings),
        ("issues.csv", result.issues),
        ("files.csv", result.files),
    ):
        written[name] = safe_files.write_safe_csv(table, out / name)
    return written


def read_ratings(folder: Path | str | None = None) -> pd.DataFrame:
    """The ratings in use, as :func:`write_ingest` wrote them (:data:`RATING_COLUMNS`).

    Raises: MissingDataFileError, saying to run ``lscb s11 ingest``, when there are none.
    """
    path = Path(folder or paths.processed_dir() / OUTPUT_FOLDER) / "ratings.parquet"
    if not path.is_file():
        raise MissingDataFileError(
            f"{path} is missing: run `lscb s11 ingest` (or `lscb pack`) first."
        )
    return pd.read_parquet(path)


def read_files(folder: Path | str | None = None) -> pd.DataFrame:
    """Every file the last ingest saw (:data:`FILE_COLUMNS`), as :func:`write_ingest` wrote it.

    Raises: MissingDataFileError, saying to run ``lscb s11 ingest``, when it has not run.
    """
    path = Path(folder or paths.processed_dir() / OUTPUT_FOLDER) / "files.csv"
    if not path.is_file():
        raise MissingDataFileError(
            f"{path} is missing: run `lscb s11 ingest` (or `lscb pack`) first."
        )
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _file_row(path: Path, status: str, meta: dict | None = None, **values: Any) -> dict:
    meta = meta or {}
    return {
        "file": path.name,
        "status": status,
        "board": meta.get("board", ""),
        "agency": meta.get("agency", ""),
        "standards_version": meta.get("standards_version", ""),
        "rows": values.get("rows", 0),
        "reason": values.get("reason", ""),
    }


_issue = ingest_record.add_issue


def _read_one(path: Path, config: dict, issues: list) -> tuple[dict, pd.DataFrame, str]:
    """(meta, rows, reason): reason is why the file was set aside ("" when read)."""
    name = path.name
    try:
        workbook = read_xlsx_workbook(path, sender="the agency")
    except DataFileError as error:
        _issue(issues, name, "", "", "error", "unreadable_workbook", str(error))
        return {}, pd.DataFrame(), str(error)
    if section11.INFO_SHEET not in workbook.sheet_names:
        reason = (
            f"{name} has no {section11.INFO_SHEET} sheet, so it is not a self-assessment made "
            "by `lscb s11 template`: copy the answers into the workbook the board sent."
        )
        _issue(issues, name, "", "", "error", "not_a_self_assessment", reason)
        return {}, pd.DataFrame(), reason
    meta = {
        cell_text(row[0]): cell_text(row[1]) if len(row) > 1 else ""
        for row in workbook[section11.INFO_SHEET].rows
        if row and cell_text(row[0])
    }
    reason = _identity_problem(meta, name)
    if reason:
        _issue(issues, name, section11.INFO_SHEET, "", "error", "identity_mismatch", reason)
        return meta, pd.DataFrame(), reason
    _version_notes(meta, name, config, issues)
    if section11.SHEET not in workbook.sheet_names:
        reason = f"{name} has no {section11.SHEET} sheet: restore it from the workbook sent."
        _issue(issues, name, "", "", "error", "no_assessment_sheet", reason)
        return meta, pd.DataFrame(), reason
    rows = _read_rows(workbook[section11.SHEET].rows, meta, name, config, issues)
    return meta, rows, ""


def _identity_problem(meta: dict, name: str) -> str:
    if meta.get("format") != section11.FORMAT_NAME:
        return f"{name}: the {section11.INFO_SHEET} sheet does not describe a self-assessment."
    try:
        version = int(meta.get("format_version") or 0)
    except ValueError:
        version = section11.FORMAT_VERSION + 1
    if version > section11.FORMAT_VERSION:
        return (
            f"{name} was made by a newer version of the workbench (format {version}): update "
            "the workbench or make the workbook again with this one."
        )
    named = find_borough(Path(name).stem)
    board = find_borough(meta.get("board", ""))
    if board is None:
        return f"{name}: the {section11.INFO_SHEET} sheet names no London board."
    if named is not None and named.la_number != board.la_number:
        return (
            f"{name}: the file name says {named.name}, the {section11.INFO_SHEET} sheet says "
            f"{board.name}. The return was set aside, so it replaces neither board's: rename "
            f"the file if it is {board.name}'s, or ask {board.name} whether it is theirs."
        )
    return ""


def _version_notes(meta: dict, name: str, config: dict, issues: list) -> None:
    if meta.get("checksum") != section11.info_checksum(meta):
        _issue(
            issues,
            name,
            section11.INFO_SHEET,
            "",
            "warning",
            "info_changed",
            f"{name}: the hidden {section11.INFO_SHEET} sheet was edited after the workbook "
            "was made; it was read as it stands: check the agency and board.",
        )
    if meta.get("standards_sha256") != section11.standards_checksum(config):
        _issue(
            issues,
            name,
            section11.INFO_SHEET,
            "",
            "warning",
            "standards_changed",
            f"{name} was made from standards version {meta.get('standards_version') or '?'}"
            f", which differs from data/reference/section11.yaml (version "
            f"{config['standards_version']}); criteria are matched by id and shown with "
            "today's wording.",
        )


def _read_rows(rows: list, meta: dict, name: str, config: dict, issues: list) -> pd.DataFrame:
    fields = [field for field, _, _ in section11.COLUMNS]
    known = section11.criteria(config).set_index("criterion_id")
    weak = section11.weak_ratings(config)
    out = []
    for number, row in enumerate(rows[1:], start=2):
        values = {field: (row[i] if i < len(row) else None) for i, field in enumerate(fields)}
        criterion = cell_text(values["criterion_id"])
        entered = [cell_text(values[f]) for f in ("rating", "evidence", "action", "owner", "due")]
        if not criterion and not any(entered):
            continue
        if criterion not in known.index:
            _issue(
                issues,
                name,
                section11.SHEET,
                f"B{number}",
                "error",
                "unknown_criterion",
                f"'{section11.SHEET}'!B{number}: criterion {criterion!r} is not in "
                "data/reference/section11.yaml; restore the row from the workbook sent.",
            )
            continue
        rating = _rating(values["rating"], number, name, config, issues)
        evidence = _evidence(values["evidence"], number, name, issues)
        action = cell_text(values["action"])
        if rating in weak and not action:
            _issue(
                issues,
                name,
                section11.SHEET,
                f"F{number}",
                "warning",
                "weak_without_action",
                f"'{section11.SHEET}'!F{number}: {criterion} is rated {rating} with no "
                "action; write the action the agency will take, its owner and date.",
            )
        out.append(
            {
                "board": meta.get("board", ""),
                "la_number": meta.get("la_number", ""),
                "agency": meta.get("agency", ""),
                "standard_id": known.at[criterion, "standard_id"],
                "standard": known.at[criterion, "standard"],
                "criterion_id": criterion,
                "criterion": known.at[criterion, "criterion"],
                "rating": rating or "",
                "weak": rating in weak,
                "evidence": evidence,
                "action": action,
                "owner": cell_text(values["owner"]),
                "due": _due(values["due"], number, name, issues),
                "file": name,
                "row": number,
            }
        )
    unrated = [row["criterion_id"] for row in out if not row["rating"]]
    if unrated:
        more = f" and {len(unrated) - 10} more" if len(unrated) > 10 else ""
        _issue(
            issues,
            name,
            section11.SHEET,
            "",
            "warning",
            "missing_rating",
            f"{name}: {len(unrated)} criteria have no rating ({', '.join(unrated[:10])}{more}); "
            "they count as not rated. Ask the agency to rate them.",
        )
    return pd.DataFrame(out, columns=RATING_COLUMNS)


def _rating(value: Any, number: int, name: str, config: dict, issues: list) -> str | None:
    text = cell_text(value)
    if not text:
        return None  # reported once per file, listing the criteria (see _read_rows)
    rating = None if is_excel_error(text) else section11.parse_rating(text, config)
    if rating is None:
        _issue(
            issues,
            name,
            section11.SHEET,
            f"D{number}",
            "error",
            "invalid_rating",
            f"'{section11.SHEET}'!D{number}: the rating is not one of "
            f"{', '.join(section11.rating_names(config))}; choose from the list.",
        )
    return rating


def _evidence(value: Any, number: int, name: str, issues: list) -> str:
    text = "" if is_excel_error(value) else cell_text(value)
    if text and not scan_text(text).empty:
        _issue(
            issues,
            name,
            section11.SHEET,
            f"E{number}",
            "warning",
            "identifier_in_evidence",
            f"'{section11.SHEET}'!E{number}: the evidence may name a person; it is withheld "
            "from reports. Describe arrangements, not people.",
        )
        return WITHHELD_TEXT
    return text


def _due(value: Any, number: int, name: str, issues: list) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return cell_text(value)[:10]
    text = cell_text(value)
    if not text:
        return ""
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        _issue(
            issues,
            name,
            section11.SHEET,
            f"H{number}",
            "warning",
            "unreadable_due_date",
            f"'{section11.SHEET}'!H{number}: the due date is not a date written "
            "year-month-day (such as 2026-09-30); it is kept as text.",
        )
        return text


def _latest_returns(read: list, files: list[dict]) -> pd.DataFrame:
    """The latest return per agency and board (by the date made, then file time); earlier
    ones are marked superseded in ``files``, naming the file in use."""
    latest: dict[tuple[str, str], tuple[dict, pd.DataFrame, float]] = {}
    for meta, rows, modified in read:
        key = (meta.get("agency", ""), meta.get("la_number", ""))
        order = (meta.get("made", ""), modified)
        if key not in latest or order >= (latest[key][0].get("made", ""), latest[key][2]):
            latest[key] = (meta, rows, modified)
    in_use = {
        rows["file"].iloc[0] if len(rows) else "": key for key, (_, rows, _) in latest.items()
    }
    for row in files:
        if row["status"] != "read" or row["file"] in in_use:
            continue
        for key, (_, rows, _) in latest.items():
            if (row["agency"], _la(row["board"])) == key and len(rows):
                row["status"] = "superseded"
                row["reason"] = f"a later return is in use: {rows['file'].iloc[0]}"
    frames = [rows for _, rows, _ in latest.values() if len(rows)]
    if not frames:
        return pd.DataFrame(columns=RATING_COLUMNS)
    return pd.concat(frames, ignore_index=True)[RATING_COLUMNS]


def _la(board: str) -> str:
    area = find_borough(board)
    return area.la_number if area else ""
