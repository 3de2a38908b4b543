"""Reading one pilot return: the header and status rules (:func:`header_matcher`,
:func:`status_matcher`), PI ids as written, and :func:`read_return` (one returned workbook
into a :class:`~lscb_analysis.pilot.pilot_result.ReturnFile`). What a figure cell holds is
read by :mod:`lscb_analysis.pilot.pilot_value_text`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter

from lscb_analysis.core import paths, workbook_checks
from lscb_analysis.core.errors import (
    InvalidArgumentError,
    PilotFileError,
)
from lscb_analysis.core.returned_workbook import read_xlsx_workbook
from lscb_analysis.core.returned_workbook_cells import ReturnedWorkbook, cell_text
from lscb_analysis.pilot import pilot_periods
from lscb_analysis.pilot.pilot_result import RAW_FIELDS, ReturnFile
from lscb_analysis.survey.survey_rules import Matcher, normalise_key

_PI = re.compile(r"^\s*BF\s*[-_ ]?\s*([A-Z]{2})\s*[-_ ]?\s*(\d{1,2})\s*$", re.IGNORECASE)
_DATE_LABEL = re.compile(r"^date( returned| submitted| completed)?$")

# --- rules -------------------------------------------------------------------------------------


def header_matcher(spec: Mapping[str, Any]) -> Matcher:
    """Build a :class:`~lscb_analysis.survey.survey_rules.Matcher` from ``{field: {label, synonyms,
    patterns}}`` (each field name and label match themselves).

    >>> header_matcher(pilot_periods.load_rules()["headers"]).match("Denom")
    'denominator'
    """
    synonyms: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    for name, entry in (spec or {}).items():
        entry = entry or {}
        for word in [name, entry.get("label", ""), *entry.get("synonyms", [])]:
            if str(word).strip():
                synonyms.setdefault(normalise_key(word), name)
        for pattern in entry.get("patterns", []) or []:
            try:
                patterns.append((re.compile(pattern, re.IGNORECASE), name))
            except re.error as error:
                raise InvalidArgumentError(
                    f"data/reference/{pilot_periods.RULES_FILE}: pattern {pattern!r} for "
                    f"{name!r} is not a valid regular expression ({error}); correct it."
                ) from error
    return Matcher(synonyms, tuple(patterns))


def status_matcher(rules: Mapping) -> Matcher:
    """Matcher of the status cell: the dropdown values and their synonyms (whole text only).

    >>> status_matcher(pilot_periods.load_rules()).match("N/A")
    'not available'
    """
    spec = {
        status: {"synonyms": rules["statuses"]["synonyms"].get(status, [])}
        for status in rules["statuses"]["borough"]
    }
    return Matcher(header_matcher(spec).synonyms, ())


def normalise_pi(text: Any) -> str:
    """Return a PI id written loosely (``bf fd 3``) as the catalogue writes it, else stripped.

    >>> normalise_pi("bf_fd 3"), normalise_pi("Referrals")
    ('BF-FD-03', 'Referrals')
    """
    raw = "" if text is None else str(text).strip()
    match = _PI.match(raw)
    return f"BF-{match.group(1).upper()}-{int(match.group(2)):02d}" if match else raw


# --- reading a file ----------------------------------------------------------------------------


def _find_header(
    grid: list[list[Any]], matcher: Matcher, required: tuple[str, ...], scan_rows: int, minimum: int
) -> tuple[int, dict[str, int]] | None:
    best: tuple[int, dict[str, int]] | None = None
    for r, row in enumerate(grid[:scan_rows]):
        mapped: dict[str, int] = {}
        for c, value in enumerate(row):
            text = cell_text(value)
            if not text or len(text) > 80:
                continue
            name = matcher.match(text)
            if name and name not in mapped:
                mapped[name] = c
        if (
            all(f in mapped for f in required)
            and len(mapped) >= minimum
            and (best is None or len(mapped) > len(best[1]))
        ):
            best = (r, mapped)
    return best


def _hidden_meta(workbook: ReturnedWorkbook, rules: Mapping) -> dict[str, str] | None:
    for sheet in workbook.worksheets:
        first = [cell_text(v) for v in (sheet.rows[0][:2] if sheet.rows else ("", ""))]
        if first[:2] == ["kind", str(rules["kind"])]:
            meta = {}
            for row in sheet.rows:
                key = row[0] if row else None
                if cell_text(key):
                    meta[cell_text(key)] = cell_text(row[1] if len(row) > 1 else None)
            return meta
    return None


def _date_returned(grid: list[list[Any]], header_row: int) -> dt.date | None:
    for row in grid[:header_row]:
        for c, value in enumerate(row):
            if _DATE_LABEL.match(normalise_key(value or "")):
                for candidate in row[c + 1 :]:
                    if isinstance(candidate, dt.datetime):
                        return candidate.date()
                    if isinstance(candidate, dt.date):
                        return candidate
                    if cell_text(candidate):
                        parsed = pd.to_datetime(
                            cell_text(candidate), dayfirst=True, errors="coerce"
                        )
                        return None if pd.isna(parsed) else parsed.date()
    return None


def read_return(path: Path | str, rules: Mapping | None = None) -> ReturnFile:
    """Read one return's cells (nothing is checked yet; the file is never changed).

    Input: the path of an .xlsx/.xlsm, read with
    :func:`lscb_analysis.core.returned_workbook.read_xlsx_workbook` (checked with
    :func:`lscb_analysis.core.workbook_checks.check_workbook` first, then opened with cached
    values only; macros and links neither run nor kept). Output: :class:`ReturnFile`.
    Raises PilotFileError with ``code`` ``not_a_workbook``, ``unsafe_workbook``, ``corrupt``
    or ``no_data_sheet``; the message names the file and says what to do.
    """
    rules = rules or pilot_periods.load_rules()
    file = Path(path)
    if file.suffix.lower() not in workbook_checks.WORKBOOK_SUFFIXES:
        raise PilotFileError(
            f"{file.name} is not an Excel workbook (.xlsx). Ask the sender to fill the "
            "template workbook and send it as .xlsx.",
            code="not_a_workbook",
        )
    content = file.read_bytes()
    workbook = read_xlsx_workbook(file, error=PilotFileError, sender="the sender")
    return _read_workbook(file, content, workbook, rules)


def _read_workbook(
    file: Path, content: bytes, workbook: ReturnedWorkbook, rules: Mapping
) -> ReturnFile:
    sheets = rules["sheets"]
    meta = _hidden_meta(workbook, rules)
    skip = {
        normalise_key(sheets[k])
        for k in ("lists", "hidden", "instructions", "definitions", "validation")
    }
    headers = header_matcher(rules["headers"])
    feasibility_headers = header_matcher(rules["feasibility_headers"])
    scan, minimum = int(rules.get("header_scan_rows", 30)), int(rules.get("min_header_fields", 3))
    data_words = {normalise_key(w) for w in [sheets["data"], *sheets.get("data_words", [])]}
    best = None
    feasibility = None
    for sheet in workbook.worksheets:
        key = normalise_key(sheet.name)
        if key in skip:
            continue
        grid = sheet.rows
        found = _find_header(grid, headers, ("pi_id", "period"), scan, minimum)
        if found is not None:
            score = (key in data_words, len(found[1]))
            if best is None or score > best[0]:
                best = (score, sheet.name, grid, found)
            continue
        feasible = _find_header(grid, feasibility_headers, ("pi_id", "can_provide"), scan, 2)
        if feasible is not None and feasibility is None:
            feasibility = (sheet.name, grid, feasible)
    if best is None:
        raise PilotFileError(
            f"{file.name}: no sheet has a header row with a PI id and a period column (looked "
            f"in the first {scan} rows of each sheet). Ask the borough to use the template's "
            "Data sheet, or to head its columns 'PI id', 'Period', 'Numerator', "
            "'Denominator', 'Value', 'Status' and 'Narrative'.",
            code="no_data_sheet",
        )
    _, data_sheet, grid, (header_row, mapped) = best
    formulas = (
        set(zip(workbook.formulas["sheet"], workbook.formulas["cell"], strict=True))
        if len(workbook.formulas)
        else set()
    )
    rows = []
    for r in range(header_row + 1, len(grid)):
        line = grid[r]
        record: dict[str, Any] = {"sheet": data_sheet, "row": r + 1}
        for name in RAW_FIELDS:
            column = mapped.get(name)
            record[name] = line[column] if column is not None and column < len(line) else None
            record[f"{name}_cell"] = (
                f"{get_column_letter(column + 1)}{r + 1}" if column is not None else ""
            )
        record["value_formula"] = (data_sheet, record["value_cell"]) in formulas
        if not any(
            cell_text(record[name])
            for name in ("pi_id", "period", "numerator", "denominator", "status", "narrative")
        ) and not (record["value"] is not None and not record["value_formula"]):
            continue
        rows.append(record)
    text_above = " ".join(cell_text(v) for line in grid[:header_row] for v in line if cell_text(v))
    feasibility_rows: list[dict[str, Any]] = []
    feasibility_sheet = None
    if feasibility is not None:
        feasibility_sheet, feasibility_grid, (f_header, f_mapped) = feasibility
        for r in range(f_header + 1, len(feasibility_grid)):
            line = feasibility_grid[r]
            record = {"sheet": feasibility_sheet, "row": r + 1}
            for name in rules["feasibility_headers"]:
                column = f_mapped.get(name)
                record[name] = line[column] if column is not None and column < len(line) else None
            if cell_text(record.get("pi_id")):
                feasibility_rows.append(record)
    stat = file.stat()
    return ReturnFile(
        path=file,
        sha256=hashlib.sha256(content).hexdigest(),
        modified=pd.Timestamp(stat.st_mtime, unit="s", tz="UTC"),
        content=content,
        meta=meta,
        data_sheet=data_sheet,
        header_row=header_row + 1,
        columns={name: get_column_letter(c + 1) for name, c in mapped.items()},
        rows=rows,
        feasibility_sheet=feasibility_sheet,
        feasibility=feasibility_rows,
        text_above=text_above,
        sheet_names=workbook.sheet_names,
        date_returned=_date_returned(grid, header_row),
    )


def pilot_folder() -> Path:
    """Return ``data/raw/pilot/``, where pilot returns are put exactly as received."""
    return paths.raw_dir() / "pilot"
