"""Reading the board's CSV logs (the actions log and the support log): the shared steps.

Holds :class:`ValidatedLog` (a validated table and its issues) and the steps both log readers
share: reading the CSV with headers matched ignoring case, spaces and punctuation (and
synonyms); parsing dates (day first, 31/03/2026, or ISO, 2026-03-31); resolving a borough or a
pan-London label with the register; withholding free text that looks like it holds an
identifier; and building issues (``file, sheet, row, column, cell, severity, code, message``)
that name the file, row and column and never quote free text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lscb_analysis.core import register
from lscb_analysis.core.errors import DataFileError, UnknownAreaError
from lscb_analysis.protect.identifier_rules import load_identifier_config
from lscb_analysis.protect.identifier_text import WITHHELD_TEXT, scan_text
from lscb_analysis.qa import audit

ISSUE_COLUMNS = audit.ISSUE_COLUMNS
PAN_LONDON = "pan-London"
WITHHELD = WITHHELD_TEXT


@dataclass
class ValidatedLog:
    """A validated log: ``table`` (parsed rows with ``row`` and ``valid``) and ``issues``."""

    table: pd.DataFrame
    issues: pd.DataFrame


def log_issue(
    file: str, row: int | None, column: str, severity: str, code: str, message: str
) -> dict:
    """Return one issue as a dict with the keys of :data:`ISSUE_COLUMNS` (``sheet`` and ``cell`` empty)."""
    return {
        "file": file,
        "sheet": "",
        "row": row,
        "column": column,
        "cell": "",
        "severity": severity,
        "code": code,
        "message": message,
    }


def row_error(
    issues: list, bad: set, name: str, index, line: int, column: str, code: str, message: str
) -> None:
    """Record an error on one row of a log (the row is then marked not valid)."""
    bad.add(index)
    issues.append(
        log_issue(
            name, line, column, "error", code, f"{name} row {line}, column {column}: {message}"
        )
    )


def check_required(row: pd.Series, required, error) -> None:
    """Call ``error`` (as :func:`row_error` bound to the row) for each empty required column."""
    for column in required:
        if not row[column]:
            error(column, "missing_value", "empty; fill it in.")


def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).strip().lower()).strip("_")


def read_log_csv(
    path: Path,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    synonyms: Mapping[str, str],
    what: str,
) -> tuple[pd.DataFrame, list[dict]]:
    """Read a log CSV and match its headers to ``columns``.

    Inputs: ``path``; ``columns`` (the columns read, in order); ``required``; ``synonyms``
    (other header names, as keys lower-cased with ``_`` for spaces and punctuation); ``what``
    (the log's name for messages). Output: the table (``row`` = line in the file, then
    ``columns`` as stripped strings, "" when absent) and the ``column_ignored`` info issues.
    Raises: DataFileError when the file is not readable CSV, is empty or lacks a required
    column.
    """
    issues: list[dict] = []
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        raise DataFileError(
            f"{what} {path} cannot be read as CSV ({type(error).__name__}); save it as "
            "CSV UTF-8 from Excel and try again."
        ) from error
    except pd.errors.EmptyDataError as error:
        raise DataFileError(f"{what} {path} is empty; it needs a header row.") from error
    renamed = {}
    for header in raw.columns:
        key = _header_key(header)
        key = synonyms.get(key, key)
        if key in columns and key not in renamed.values():
            renamed[header] = key
        else:
            issues.append(
                log_issue(
                    path.name,
                    1,
                    str(header),
                    "info",
                    "column_ignored",
                    f"{path.name}: column {header!r} is not used; the columns "
                    f"read are {', '.join(columns)}.",
                )
            )
    table = raw.rename(columns=renamed)[list(renamed.values())]
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise DataFileError(
            f"{what} {path} has no column {', '.join(missing)}. It needs the columns "
            f"{', '.join(required)} (optional: "
            f"{', '.join(c for c in columns if c not in required)})."
        )
    for column in columns:
        if column not in table.columns:
            table[column] = ""
    table = table[list(columns)].apply(lambda s: s.str.strip())
    table.insert(0, "row", range(2, len(table) + 2))
    return table, issues


def parse_date(value: str) -> pd.Timestamp | None:
    """Parse a date written day first (31/03/2026) or as ISO (2026-03-31); None if blank or not a date."""
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    elif re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", text):
        parsed = pd.to_datetime(text, dayfirst=True, errors="coerce")
    else:
        parsed = pd.to_datetime(text, dayfirst=True, errors="coerce", format="mixed")
    return None if pd.isna(parsed) else pd.Timestamp(parsed).normalize()


def resolve_borough(value: str, pan_labels: set[str]) -> tuple[str, str] | None:
    """Return (canonical borough, "borough") or (:data:`PAN_LONDON`, "pan-London"); None if unknown."""
    key = register.normalise_name(value)
    if key in pan_labels:
        return PAN_LONDON, "pan-London"
    try:
        return register.resolve(value).name, "borough"
    except UnknownAreaError:
        return None


def pan_labels(config: dict) -> set[str]:
    """The normalised pan-London labels of the audit config (``support.pan_london_labels``)."""
    return {register.normalise_name(x) for x in config["support"]["pan_london_labels"]}


def withhold_identifiers(
    table: pd.DataFrame, columns: tuple[str, ...], name: str, issues: list[dict]
) -> None:
    """Replace free text that may hold an identifier with :data:`WITHHELD`, in place.

    Adds an ``identifier_in_text`` warning to ``issues`` for each cell withheld (naming the
    kinds found, never the text).
    """
    scan_config = load_identifier_config()
    for column in columns:
        for index, text in table[column].items():
            if not text:
                continue
            found = scan_text(text, config=scan_config)
            if found.empty:
                continue
            kinds = ", ".join(sorted(set(found["kind"]))).replace("_", " ")
            row = int(table.at[index, "row"])
            issues.append(
                log_issue(
                    name,
                    row,
                    column,
                    "warning",
                    "identifier_in_text",
                    f"{name} row {row}, column {column}: the text may contain "
                    f"an identifier ({kinds}); it is withheld from reports. "
                    "Remove it from the file.",
                )
            )
            table.at[index, column] = WITHHELD


def issues_frame(issues: list[dict]) -> pd.DataFrame:
    """The issues as a DataFrame with :data:`ISSUE_COLUMNS` (``row`` as Int64)."""
    frame = pd.DataFrame(issues, columns=list(ISSUE_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    return frame
