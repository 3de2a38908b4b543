"""What the pilot ingest returns: the columns of its tables, the states a return ends in,
the fills of the checked copies, and the :class:`PilotIngest` and :class:`ReturnFile` records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.styles import PatternFill

VALUE_COLUMNS: list[str] = [
    "borough",
    "la_number",
    "pi_id",
    "period",
    "numerator",
    "denominator",
    "value",
    "status",
    "source",
    "source_agency",
    "source_system",
    "narrative",
    "prefilled",
    "validation_status",
    "returner",
    "model_version",
    "submitted",
    "file",
    "sha256",
    "sheet",
    "row",
    "cell",
]
"""Columns of ``pilot_values``: ``cell`` is the value cell (e.g. ``G12``) on ``sheet``."""
ISSUE_COLUMNS: list[str] = [
    "file",
    "sha256",
    "sheet",
    "cell",
    "row",
    "borough",
    "la_number",
    "pi_id",
    "period",
    "code",
    "severity",
    "title",
    "message",
    "superseded",
]
"""Columns of ``pilot_issues``; ``superseded`` is True for a row a later return replaced."""
RETURN_COLUMNS: list[str] = [
    "file",
    "sha256",
    "state",
    "reason",
    "borough",
    "la_number",
    "agency",
    "returner",
    "model_version",
    "periods",
    "identified_from",
    "submitted",
    "rows",
    "errors",
    "queries",
    "continuity",
    "checked_copy",
    "message",
]
"""Columns of ``pilot_returns``: one row per file and borough (one per rejected file)."""
FEASIBILITY_COLUMNS: list[str] = [
    "borough",
    "la_number",
    "pi_id",
    "cycle_needed",
    "can_provide",
    "cycle_offered",
    "source_agency",
    "quality_concerns",
    "effort",
    "comment",
    "returner",
    "file",
    "sheet",
    "row",
    "current",
]
"""Columns of ``pilot_feasibility``; ``current`` is False for answers a later return replaced."""
CHANGE_COLUMNS: list[str] = [
    "borough",
    "la_number",
    "pi_id",
    "period",
    "field",
    "old",
    "new",
    "old_file",
    "new_file",
    "old_cell",
    "new_cell",
]
"""Columns of ``pilot_changes``: one row per value a re-submission changed."""
COMPARED_FIELDS = (
    "numerator",
    "denominator",
    "value",
    "status",
    "source_agency",
    "source_system",
    "narrative",
)
STATES = ("ingested", "ingested_with_errors", "rejected")
FILLS = {
    "error": PatternFill("solid", fgColor="FFC7CE"),
    "query": PatternFill("solid", fgColor="FFEB9C"),
    "continuity": PatternFill("solid", fgColor="BDD7EE"),
}
COMMENT_AUTHOR = "LSCB workbench"
RAW_FIELDS = (
    "borough",
    "pi_id",
    "title",
    "period",
    "numerator",
    "denominator",
    "value",
    "status",
    "source_agency",
    "source_system",
    "narrative",
)


@dataclass
class PilotIngest:
    """What :func:`ingest_pilot` read.

    ``values`` (:data:`VALUE_COLUMNS`): the rows in use, one per borough, PI and period
    (errors included); ``superseded``: rows a later return replaced (same columns plus
    ``superseded_by``); ``issues`` (:data:`ISSUE_COLUMNS`); ``returns``
    (:data:`RETURN_COLUMNS`); ``feasibility`` (:data:`FEASIBILITY_COLUMNS`); ``changes``
    (:data:`CHANGE_COLUMNS`); ``files``: the :class:`ReturnFile` of each readable return,
    for :func:`write_checked_copies`.
    """

    values: pd.DataFrame
    superseded: pd.DataFrame
    issues: pd.DataFrame
    returns: pd.DataFrame
    feasibility: pd.DataFrame
    changes: pd.DataFrame
    files: list[ReturnFile] = field(default_factory=list)


@dataclass
class ReturnFile:
    """One readable return as read from disk, before its figures are checked.

    ``rows``: one dict per non-blank data row with the raw cell values (``<field>``), their
    addresses (``<field>_cell``), ``sheet``, ``row`` and ``value_formula`` (the value cell
    held a formula). ``feasibility``: likewise for the feasibility sheet. ``meta``: the
    hidden sheet's values, or None. ``columns``: field -> column letter on the data sheet.
    """

    path: Path
    sha256: str
    modified: pd.Timestamp
    content: bytes
    meta: dict[str, str] | None
    data_sheet: str
    header_row: int
    columns: dict[str, str]
    rows: list[dict[str, Any]]
    feasibility_sheet: str | None
    feasibility: list[dict[str, Any]]
    text_above: str
    sheet_names: list[str]
    date_returned: dt.date | None
