"""Phase III pilot: read the returned data tables, check every figure, write the findings back.

:func:`ingest_pilot` reads every return in ``data/raw/pilot/`` (read-only: a file is hashed
and read, never changed) and :func:`write_pilot_outputs` writes what it found:

* ``data/processed/pilot_values.parquet`` (+ ``.csv``): one row per borough, PI and period
  (:data:`VALUE_COLUMNS`) with the figures, status, source, narrative, provenance (file,
  SHA-256, sheet, cell) and ``validation_status`` (``ok``, ``continuity``, ``query`` or
  ``error``, the most serious finding on the row: rows with errors are kept, never dropped);
* ``data/processed/pilot_issues.csv``: every finding (:data:`ISSUE_COLUMNS`) with its code,
  severity, PI, period, cell and a plain-English message naming the file, sheet and cell and
  saying what to do;
* ``data/processed/pilot_changes.csv``: what a re-submission changed (:data:`CHANGE_COLUMNS`);
* ``data/processed/pilot_returns.csv`` and ``pilot_feasibility.csv``: one row per file and
  borough, and the feasibility answers;
* ``reports/pilot/<borough>/<file>_checked.xlsx``: a copy of each return with the offending
  cells highlighted (errors red, queries amber, continuity blue), a comment on each, and a
  ``Validation`` sheet listing every finding. An agency-wide return's copy goes to
  ``reports/pilot/agency-<agency>/``. The original is untouched.

How a return is read (settings in ``data/reference/pilot_rules.yaml``):

* Identity: the hidden ``Template info`` sheet gives the borough (or the agency and its
  boroughs), periods and model version, and its checksum is recomputed
  (:func:`lscb_analysis.pilot.pilot_template.template_checksum`). A table a borough rebuilt by hand
  is identified from its contents: the header row is found by the header synonyms (reusing
  :class:`lscb_analysis.survey.survey_rules.Matcher`), the borough from a borough column, the text
  above the header, the sheet name or the file name (:func:`lscb_analysis.survey.survey_rules.
  find_borough`), the model version from a "model v1.0" in the title (else the latest, with a
  query), and the periods from the rows.
* Checks: the ``E_`` (errors), ``Q_`` (queries) and ``C_`` (continuity) codes listed under
  ``findings`` in pilot_rules.yaml. A quarter-on-quarter jump is judged against the XmR
  limits of the borough's own earlier figures (:func:`lscb_analysis.stats.xmr.xmr`) when there
  are at least ``checks.jump.min_points`` of them, otherwise by the stated rule.
* Re-submissions: a later file from the same returner (the same borough, or the same agency)
  replaces the earlier one's rows for each borough, PI and period it covers, and every value
  that changed is logged. Later means a later "Date returned", then a later file
  modification time, then the file name. Where a borough's return and an agency's return
  both cover a borough, PI and period, a row with a figure wins over one without, then the
  later; if both have different figures a ``Q_SOURCES_DIFFER`` query is raised.
* A national PI's year-end row holds the published figure: that figure is used, and a
  changed one is queried.

Logs hold counts only, never cell values.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import io as std_io
import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink

from lscb_analysis.core import io, paths, register, workbook_checks
from lscb_analysis.core.errors import (
    CatalogueError,
    InvalidArgumentError,
    MissingDataFileError,
    PilotFileError,
    UnknownAreaError,
)
from lscb_analysis.core.returned_workbook import read_xlsx_workbook
from lscb_analysis.core.returned_workbook_cells import ReturnedWorkbook, cell_text
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.pilot import pilot_template
from lscb_analysis.present import workbook_print
from lscb_analysis.protect import disclosure, safe_files
from lscb_analysis.published import public_data
from lscb_analysis.stats.xmr import xmr
from lscb_analysis.survey.survey_rules import Matcher, find_borough, normalise_key

LOGGER = logging.getLogger(__name__)

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
_RAW_FIELDS = (
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
_PI = re.compile(r"^\s*BF\s*[-_ ]?\s*([A-Z]{2})\s*[-_ ]?\s*(\d{1,2})\s*$", re.IGNORECASE)
_MODEL = re.compile(r"\b(?:model|version|catalogue)\b\D{0,12}?v?\s*(\d+(?:\.\d+)+)", re.IGNORECASE)
_DATE_LABEL = re.compile(r"^date( returned| submitted| completed)?$")


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


# --- rules -------------------------------------------------------------------------------------


def header_matcher(spec: Mapping[str, Any]) -> Matcher:
    """Build a :class:`~lscb_analysis.survey.survey_rules.Matcher` from ``{field: {label, synonyms,
    patterns}}`` (each field name and label match themselves).

    >>> header_matcher(pilot_template.load_rules()["headers"]).match("Denom")
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
                    f"data/reference/{pilot_template.RULES_FILE}: pattern {pattern!r} for "
                    f"{name!r} is not a valid regular expression ({error}); correct it."
                ) from error
    return Matcher(synonyms, tuple(patterns))


def status_matcher(rules: Mapping) -> Matcher:
    """Matcher of the status cell: the dropdown values and their synonyms (whole text only).

    >>> status_matcher(pilot_template.load_rules()).match("N/A")
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


def parse_number(value: Any, blank_words: frozenset[str]) -> tuple[float | None, bool]:
    """Read a figure from a cell: (number or None, True when the cell holds unreadable text).

    Numbers stay numbers; text such as ``"1,234"`` or ``"45%"`` is read as a number; text in
    ``blank_words`` (``n/a``, ``-``) counts as no figure; anything else is not a number.

    >>> words = frozenset({"n/a", ""})
    >>> parse_number("1,234", words), parse_number("n/a", words), parse_number("about 40", words)
    ((1234.0, False), (None, False), (None, True))
    """
    if value is None:
        return None, False
    if isinstance(value, bool):
        return None, True
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return (None, False) if math.isnan(number) else (number, False)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return None, True
    text = str(value).strip()
    if text.lower() in blank_words:
        return None, False
    cleaned = text.replace(",", "").replace("\u00a0", "").replace(" ", "").rstrip("%")
    try:
        number = float(cleaned)
    except ValueError:
        return None, True
    return (None, True) if math.isnan(number) or math.isinf(number) else (number, False)


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
    rules = rules or pilot_template.load_rules()
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
        for name in _RAW_FIELDS:
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


# --- identifying and checking a return -------------------------------------------------------


class _Context:
    """Everything the checks of one ingest share: rules, catalogues, published figures."""

    def __init__(self, rules: Mapping, published: pd.DataFrame):
        self.rules = rules
        self.published = published
        self.index = pilot_template.published_index(published)
        self.table, self.latest = self.index.table, self.index.latest
        self.catalogues: dict[str, catalogue_module.Catalogue] = {}
        self.blank_words = frozenset(str(w).lower() for w in rules["blank_words"])
        self.statuses = status_matcher(rules)
        self.published_statuses = set(rules["statuses"]["published"].values())
        self.with_figure = set(rules["statuses"]["with_figure"])
        self.not_due = set(rules["statuses"]["not_due"])
        self.findings = rules["findings"]

    def catalogue(self, version: str | None) -> catalogue_module.Catalogue:
        key = version or ""
        if key not in self.catalogues:
            self.catalogues[key] = catalogue_module.load_catalogue(version)
        return self.catalogues[key]

    def finding(self, code: str, where: Mapping[str, Any], detail: str) -> dict[str, Any]:
        spec = self.findings[code]
        place = where.get("file", "")
        if where.get("sheet"):
            place += f", sheet {where['sheet']}"
        if where.get("cell"):
            place += f", cell {where['cell']}"
        message = f"{place}: {detail} {spec['todo']}".strip()
        return {
            "file": where.get("file", ""),
            "sha256": where.get("sha256", ""),
            "sheet": where.get("sheet", ""),
            "cell": where.get("cell", ""),
            "row": where.get("row"),
            "borough": where.get("borough", ""),
            "la_number": where.get("la_number", ""),
            "pi_id": where.get("pi_id", ""),
            "period": where.get("period", ""),
            "code": code,
            "severity": spec["severity"],
            "title": spec["title"],
            "message": message,
            "superseded": False,
        }


@dataclass
class _Identity:
    areas: list[register.LocalAuthority]
    agency: str
    periods: list[str]
    template_periods: bool
    model_version: str
    identified_from: str
    returner: str
    submitted: dt.date
    notes: list[dict[str, Any]]
    layout: pd.DataFrame
    row_counts: dict[str, int] = field(default_factory=dict)


def _london(text: Any) -> register.LocalAuthority | None:
    raw = cell_text(text)
    if not raw:
        return None
    try:
        area = register.resolve(raw)
    except UnknownAreaError:
        return find_borough(raw)
    return area if area.is_london else None


def _identify_from_meta(
    ret: ReturnFile, meta: dict[str, str], context: _Context, submitted: dt.date
) -> _Identity:
    """Identify a return from its hidden template sheet (the issued template's own record of
    boroughs, periods and model version); apart from :func:`_identify`'s rebuilt-by-hand path."""
    rules = context.rules
    where = {"file": ret.path.name, "sha256": ret.sha256}
    notes: list[dict[str, Any]] = []
    numbers = [n.strip() for n in meta.get("la_numbers", "").split(";") if n.strip()]
    try:
        areas = [register.resolve(n) for n in numbers]
    except UnknownAreaError as error:
        raise PilotFileError(
            f"{ret.path.name}: the hidden sheet names a borough the register does not "
            f"know ({error}). Send the workbook the project team issued.",
            code="borough_not_identifiable",
        ) from error
    agency = meta.get("agency", "")
    try:
        periods = pilot_template.period_range(meta.get("periods", ""), rules)
    except InvalidArgumentError as error:
        raise PilotFileError(
            f"{ret.path.name}: the hidden sheet's periods cannot be read ({error}). Send "
            "the workbook the project team issued.",
            code="corrupt",
        ) from error
    version = meta.get("model_version") or None
    try:
        catalogue = context.catalogue(version)
    except CatalogueError as error:
        raise PilotFileError(
            f"{ret.path.name}: the hidden sheet names model version {version}, which "
            f"cannot be loaded ({error})",
            code="unknown_model_version",
        ) from error
    if not areas:
        raise PilotFileError(
            f"{ret.path.name}: the hidden sheet names no borough.",
            code="borough_not_identifiable",
        )
    layout = pilot_template.template_rows(
        catalogue, areas, periods, context.index, rules, agency or None
    )
    expected = pilot_template.template_checksum(meta, layout)
    if expected != meta.get("template_checksum"):
        notes.append(
            context.finding(
                "F_CHECKSUM",
                where,
                (
                    "The hidden sheet 'Template info' does not match the template the workbench "
                    f"makes for {meta.get('boroughs', '')}, {meta.get('periods', '')} and model "
                    f"version {catalogue.version} (its checksum differs): the hidden sheet was "
                    "edited or the model file changed since the template was issued."
                ),
            )
        )
    returner = f"agency:{agency}" if agency else f"borough:{areas[0].la_number}"
    return _Identity(
        areas,
        agency,
        periods,
        True,
        catalogue.version,
        "hidden sheet",
        returner,
        submitted,
        notes,
        layout,
    )


def _identify(ret: ReturnFile, context: _Context) -> _Identity:
    rules = context.rules
    where = {"file": ret.path.name, "sha256": ret.sha256}
    notes: list[dict[str, Any]] = []
    submitted = ret.date_returned or ret.modified.date()
    if ret.meta is not None:
        return _identify_from_meta(ret, ret.meta, context, submitted)

    # Rebuilt by hand: identify from the contents.
    areas = []
    if "borough" in ret.columns:
        found = {a.la_number: a for row in ret.rows if (a := _london(row.get("borough")))}
        areas = list(found.values())
    if not areas:
        for text in (ret.text_above, ret.data_sheet, ret.path.stem):
            area = find_borough(text)
            if area is not None:
                areas = [area]
                break
    if not areas:
        raise PilotFileError(
            f"{ret.path.name}: the borough cannot be told (no hidden template sheet, no "
            "borough column, and no borough named above the table, in the sheet name or in "
            "the file name). Ask the borough to use the template, or rename the file "
            "<borough>_pilot_return.xlsx.",
            code="borough_not_identifiable",
        )
    model_match = _MODEL.search(ret.text_above) or _MODEL.search(ret.path.stem.replace("_", " "))
    version = model_match.group(1) if model_match else None
    try:
        catalogue = context.catalogue(version)
    except CatalogueError as error:
        raise PilotFileError(
            f"{ret.path.name}: the table says model version {version}, which is not in "
            f"data/reference/best_fit_model/ ({error})",
            code="unknown_model_version",
        ) from error
    if version is None:
        notes.append(
            context.finding(
                "F_MODEL_ASSUMED",
                where,
                (
                    "The table does not say which version of the best-fit model it follows; it was "
                    f"checked against the latest, version {catalogue.version}."
                ),
            )
        )
    periods = []
    for row in ret.rows:
        try:
            periods.append(pilot_template.parse_period(row.get("period")))
        except InvalidArgumentError:
            continue
    if periods:
        first, last = (
            min(periods, key=pilot_template.period_index),
            max(periods, key=pilot_template.period_index),
        )
        periods = [
            pilot_template.period_from_index(i)
            for i in range(
                pilot_template.period_index(first), pilot_template.period_index(last) + 1
            )
        ]
    layout = (
        pilot_template.template_rows(catalogue, areas, periods, context.index, rules)
        if periods
        else pd.DataFrame(columns=pilot_template.ROW_COLUMNS)
    )
    names = ", ".join(a.name for a in areas)
    notes.append(
        context.finding(
            "F_FROM_CONTENTS",
            where,
            (
                f"No hidden template sheet: read as {names}, periods "
                f"{periods[0] if periods else '?'} to {periods[-1] if periods else '?'}, model "
                f"version {catalogue.version}, from sheet {ret.data_sheet} (header on row "
                f"{ret.header_row})."
            ),
        )
    )
    returner = (
        f"borough:{areas[0].la_number}"
        if len(areas) == 1 and "borough" not in ret.columns
        else f"file:{ret.path.stem}"
    )
    return _Identity(
        areas,
        "",
        periods,
        False,
        catalogue.version,
        "file contents",
        returner,
        submitted,
        notes,
        layout,
    )


def _published_value(
    context: _Context, indicator: str, year: int, la_number: str
) -> tuple[float | None, int | None]:
    """The published value for a year, else the latest earlier published one."""
    for candidate in range(year, year - 6, -1):
        found = context.table.get((indicator, candidate, la_number))
        if found is not None and found.status == public_data.OK and not pd.isna(found.value):
            return float(found.value), candidate
    return None, None


def _format(number: float | None, decimals: int = 1) -> str:
    if number is None or (isinstance(number, float) and math.isnan(number)):
        return "blank"
    return f"{number:,.{decimals}f}" if not float(number).is_integer() else f"{number:,.0f}"


def _row_area(raw: dict[str, Any], add: Callable[..., None]) -> register.LocalAuthority | None:
    """The London borough a row's borough cell names (None, reported, when it names none)."""
    area = _london(raw.get("borough"))
    if area is None:
        add(
            "E_UNKNOWN_BOROUGH",
            "borough",
            f"{cell_text(raw.get('borough')) or 'The borough cell is blank'!s}: not a "
            "London borough the register knows.",
        )
    return area


def _prefilled_changes(
    raw: dict[str, Any], published_row: Any, decimals: int, context: _Context
) -> list[str]:
    """How a row's cells differ from the published figure prefilled in them (beyond the
    prefilled tolerance), one phrase per changed cell."""
    changed = []
    for name, published in (
        ("value", published_row.value),
        ("numerator", published_row.numerator),
        ("denominator", published_row.denominator),
    ):
        read, _ = parse_number(raw.get(name), context.blank_words)
        if (
            read is not None
            and not pd.isna(published)
            and abs(read - float(published))
            > float(context.rules["checks"]["prefilled_tolerance"])
            * max(1.0, abs(float(published)))
        ):
            changed.append(
                f"the {name} is {_format(float(published), decimals)} but "
                f"the table shows {_format(read, decimals)}"
            )
    return changed


def _row_status(raw: dict[str, Any], context: _Context, add: Callable[..., None]) -> str:
    """A row's status, matched to the list (a status off the list is kept as written and
    reported, unless it is one of the published statuses)."""
    status_text = cell_text(raw.get("status"))
    status = context.statuses.match(status_text) if status_text else ""
    if status_text and not status:
        if status_text in context.published_statuses:
            status = status_text
        else:
            add("E_STATUS", "status", f"The status {status_text!r} is not one of the list.")
            status = status_text
    return status


def _row_pi(
    pis: dict[str, dict[str, Any]], pi_id: str, version: str, add: Callable[..., None]
) -> dict[str, Any] | None:
    """The catalogue's PI a row is for (None, reported, when the model has no such PI; a
    postponed PI is reported too)."""
    pi = pis.get(pi_id)
    if pi is None:
        add(
            "E_UNKNOWN_PI",
            "pi_id",
            f"{pi_id or 'The PI id is blank'!s}: not a PI of best-fit model version {version}.",
        )
    elif pi["status"] != "current":
        add(
            "Q_POSTPONED_PI",
            "pi_id",
            f"{pi_id} is postponed in model version {version}.",
        )
    return pi


def _check_rows(
    ret: ReturnFile, ident: _Identity, context: _Context
) -> tuple[list[dict], list[dict]]:
    """Row-level checks of one return: (value records, findings)."""
    rules = context.rules
    catalogue = context.catalogue(ident.model_version)
    pis = {pi["id"]: pi for pi in catalogue.pis.to_dict("records")}
    tolerance = rules["checks"]["value_tolerance"]
    annual = rules["checks"]["published_annual"]
    prefilled_keys = set()
    if len(ident.layout):
        flagged = ident.layout[ident.layout["prefilled"]]
        prefilled_keys = set(
            zip(flagged["la_number"], flagged["pi_id"], flagged["period"], strict=True)
        )
    single = ident.areas[0] if len(ident.areas) == 1 and "borough" not in ret.columns else None
    seen: set[tuple[str, str, str]] = set()
    values, findings = [], []
    for raw in ret.rows:
        base = {
            "file": ret.path.name,
            "sha256": ret.sha256,
            "sheet": raw["sheet"],
            "row": raw["row"],
        }
        row_findings: list[dict] = []

        def add(
            code: str, cell_field: str, detail: str, _base=base, _raw=raw, _out=row_findings
        ) -> None:
            _out.append(
                context.finding(code, {**_base, "cell": _raw.get(f"{cell_field}_cell")}, detail)
            )

        area = single if single is not None else _row_area(raw, add)
        borough = area.name if area else cell_text(raw.get("borough"))
        la_number = area.la_number if area else ""
        pi_id = normalise_pi(raw.get("pi_id"))
        period = ""
        try:
            period = pilot_template.parse_period(raw.get("period"))
        except InvalidArgumentError:
            add(
                "E_PERIOD",
                "period",
                f"{cell_text(raw.get('period')) or 'The period is blank'!s}: not a period the "
                "workbench can read (write 2025Q1 for January to March 2025).",
            )
        if period and ident.template_periods and period not in ident.periods:
            add(
                "E_PERIOD",
                "period",
                f"Period {period} is not one of the template's periods "
                f"({ident.periods[0]} to {ident.periods[-1]}).",
            )
        pi = _row_pi(pis, pi_id, catalogue.version, add)
        unit = pilot_template.unit_rule(pi["unit"], rules) if pi is not None else {}
        decimals = int(pi["decimals"]) if pi is not None else 1
        key = (la_number or borough, pi_id, period)
        duplicate = key in seen
        if duplicate:
            add(
                "E_DUPLICATE",
                "pi_id",
                f"{pi_id} {period} for {borough} appears more than once; this row was not used.",
            )
        seen.add(key)

        prefilled = (la_number, pi_id, period) in prefilled_keys
        published_row = (
            context.table.get(
                (pi["source_indicator"], pilot_template.reporting_year(period), la_number)
            )
            if prefilled and pi is not None
            else None
        )
        source_agency = cell_text(raw.get("source_agency"))
        source_system = cell_text(raw.get("source_system"))
        if published_row is not None and published_row.status == public_data.OK:
            # A published figure: it is used whatever the cells say; a change is queried.
            changed = _prefilled_changes(raw, published_row, decimals, context)
            if changed:
                add(
                    "Q_PREFILLED_CHANGED",
                    "value",
                    f"Published figure for {pi_id} {period}: {'; '.join(changed)}.",
                )
            numerator, denominator = published_row.numerator, published_row.denominator
            value = float(published_row.value)
            status = rules["statuses"]["published"]["ok"]
            source_agency = source_agency or str(pi["source_agency"])
            source_system = "DfE published statistics"
        else:
            numerator, denominator, value = _figure_checks(
                raw, unit, decimals, pi is not None, tolerance, context, add
            )
            status = _row_status(raw, context, add)
            prefilled = prefilled and status in context.published_statuses and value is None
            if not status and value is not None:
                status = "provided"
                add("Q_STATUS_MISSING", "status", "A figure is given but the status is blank.")
            empty = (
                all(
                    not cell_text(raw.get(name)) or raw.get(name) is None
                    for name in ("numerator", "denominator")
                )
                and value is None
            )
            if status in context.with_figure and empty:
                add(
                    "Q_PROVIDED_EMPTY",
                    "status",
                    f"The status is {status!r} but there is no figure.",
                )
            if (
                pi is not None
                and pi["source_type"] == "national"
                and value is not None
                and period
                and la_number
            ):
                detail = _far_from_published(
                    context, pi, period, la_number, value, decimals, annual
                )
                if detail:
                    add("Q_FAR_FROM_PUBLISHED", "value", detail)
        for item in row_findings:
            item.update(borough=borough, la_number=la_number, pi_id=pi_id, period=period)
        findings.extend(row_findings)
        source = "; ".join(s for s in (source_agency, source_system) if s)
        values.append(
            {
                "borough": borough,
                "la_number": la_number,
                "pi_id": pi_id,
                "period": period,
                "numerator": numerator,
                "denominator": denominator,
                "value": value,
                "status": status,
                "source": source,
                "source_agency": source_agency,
                "source_system": source_system,
                "narrative": cell_text(raw.get("narrative")),
                "prefilled": bool(prefilled),
                "validation_status": "",
                "returner": ident.returner,
                "model_version": ident.model_version,
                "submitted": ident.submitted,
                "file": ret.path.name,
                "sha256": ret.sha256,
                "sheet": raw["sheet"],
                "row": raw["row"],
                "cell": raw.get("value_cell", ""),
                "_duplicate": duplicate,
                "_unit": pi["unit"] if pi is not None else "",
                "_decimals": decimals,
                "_frequency": pi["frequency"] if pi is not None else "",
                "_national": pi is not None and pi["source_type"] == "national",
                "_order": (ident.submitted, ret.modified, ret.path.name),
                "_narrative_cell": raw.get("narrative_cell", ""),
                "_status_cell": raw.get("status_cell", ""),
                "_denominator_cell": raw.get("denominator_cell", ""),
                "_cells": {name: raw.get(f"{name}_cell", "") for name in _RAW_FIELDS},
            }
        )
    return values, findings


def _figure_checks(
    raw: Mapping[str, Any],
    unit: Mapping,
    decimals: int,
    known: bool,
    tolerance: Mapping,
    context: _Context,
    add: Any,
) -> tuple[float | None, float | None, float | None]:
    """Numerator, denominator and value of a borough's row, with their errors reported."""
    numerator, bad_n = parse_number(raw.get("numerator"), context.blank_words)
    denominator, bad_d = parse_number(raw.get("denominator"), context.blank_words)
    typed, bad_v = (
        (None, False)
        if raw["value_formula"] and raw.get("value") is None
        else parse_number(raw.get("value"), context.blank_words)
    )
    for name, bad in (("numerator", bad_n), ("denominator", bad_d), ("value", bad_v)):
        if bad:
            add("E_NOT_NUMBER", name, f"The {name} {cell_text(raw.get(name))!r} is not a number.")
    for name, number in (("numerator", numerator), ("denominator", denominator), ("value", typed)):
        if number is not None and number < 0:
            add("E_NEGATIVE", name, f"The {name} is negative ({_format(number)}).")
    multiplier = unit.get("multiplier")
    computed = None
    if multiplier is not None and numerator is not None and denominator is not None:
        if denominator == 0:
            if numerator:
                add(
                    "E_ZERO_DENOMINATOR",
                    "denominator",
                    f"The denominator is 0 but the numerator is {_format(numerator)}.",
                )
        else:
            computed = numerator / denominator * float(multiplier)
    if (
        unit.get("proportion")
        and numerator is not None
        and denominator is not None
        and numerator > denominator > 0
    ):
        add(
            "E_NUMERATOR_ABOVE_DENOMINATOR",
            "numerator",
            f"The numerator ({_format(numerator)}) is above the denominator "
            f"({_format(denominator)}) for a percentage.",
        )
    if multiplier is None and known and numerator is not None:
        computed = numerator
    if typed is not None and computed is not None:
        allowed = max(
            float(tolerance["absolute"]),
            0.5 * 10**-decimals + 1e-9,
            float(tolerance["relative"]) * abs(computed),
        )
        if abs(typed - computed) > allowed:
            hint = ""
            if (
                multiplier
                and multiplier > 1
                and abs(typed - computed / float(multiplier)) <= allowed
            ):
                hint = (
                    f" The value looks like numerator / denominator without the x {multiplier:,}."
                )
            elif (
                multiplier
                and multiplier > 1
                and abs(typed - computed * float(multiplier)) <= allowed * multiplier
            ):
                hint = (
                    " The denominator looks already divided by "
                    f"{multiplier:,}: enter the number of children itself."
                )
            add(
                "E_VALUE_MISMATCH",
                "value",
                f"The value ({_format(typed, decimals)}) does not match numerator / "
                f"denominator ({_format(numerator)} / {_format(denominator)} = "
                f"{_format(computed, decimals)}).{hint}",
            )
    if (
        typed is not None
        and computed is None
        and multiplier is not None
        and numerator is None
        and denominator is None
    ):
        add(
            "Q_NO_COUNTS",
            "value",
            f"A value ({_format(typed, decimals)}) is given without its numerator and denominator.",
        )
    return numerator, denominator, computed if computed is not None else typed


def _far_from_published(
    context: _Context,
    pi: Mapping[str, Any],
    period: str,
    la_number: str,
    value: float,
    decimals: int,
    annual: Mapping,
) -> str | None:
    """The message when a borough's figure is far from its published annual one, else None."""
    published, year = _published_value(
        context, pi["source_indicator"], pilot_template.reporting_year(period), la_number
    )
    if published is None:
        return None
    scale = float(annual["annual_scale"].get(pi["source_indicator"], 1))
    compared = value * scale
    if pi["unit"] == "percent":
        far = abs(compared - published) > float(annual["percent_points"])
    else:
        far = abs(compared - published) > float(annual["relative_tolerance"]) * abs(published)
    if not far:
        return None
    scaled = f" (x {scale:g} for a year: {_format(compared, decimals)})" if scale != 1 else ""
    return (
        f"{pi['id']} {period} is {_format(value, decimals)}{scaled}, "
        f"far from the borough's published figure for {public_data.period_label(year)} "
        f"({_format(published, decimals)})."
    ).strip()


def _feasibility_rows(ret: ReturnFile, ident: _Identity, context: _Context) -> list[dict]:
    catalogue = context.catalogue(ident.model_version)
    pis = catalogue.pis.set_index("id")
    rows = []
    for raw in ret.feasibility:
        pi_id = normalise_pi(raw.get("pi_id"))
        for area in ident.areas:
            rows.append(
                {
                    "borough": area.name,
                    "la_number": area.la_number,
                    "pi_id": pi_id,
                    "cycle_needed": pis.at[pi_id, "frequency"] if pi_id in pis.index else "",
                    "can_provide": normalise_key(raw.get("can_provide") or ""),
                    "cycle_offered": normalise_key(raw.get("cycle_offered") or "").replace(
                        "six monthly", "six-monthly"
                    ),
                    "source_agency": cell_text(raw.get("source_agency")),
                    "quality_concerns": cell_text(raw.get("quality_concerns")),
                    "effort": normalise_key(raw.get("effort") or ""),
                    "comment": cell_text(raw.get("comment")),
                    "returner": ident.returner,
                    "file": ret.path.name,
                    "sheet": raw["sheet"],
                    "row": raw["row"],
                    "current": True,
                    "_order": (ident.submitted, ret.modified, ret.path.name),
                    "_answered": bool(cell_text(raw.get("can_provide"))),
                }
            )
    return rows


# --- across returns: re-submissions, series, narratives ---------------------------------------


def _usable(row: Mapping[str, Any], context: _Context) -> bool:
    return (
        row["status"] in context.with_figure
        and row["value"] is not None
        and not pd.isna(row["value"])
        and not row["prefilled"]
    )


def _resolve_versions(
    rows: list[dict], findings: list[dict], context: _Context
) -> tuple[list[dict], list[dict], list[dict]]:
    """Pick the row in use for each borough, PI and period; log re-submission changes."""
    current, superseded, changes = [], [], []
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        if row["_duplicate"]:
            superseded.append({**row, "superseded_by": row["file"]})
            continue
        groups.setdefault(
            (row["la_number"] or row["borough"], row["pi_id"], row["period"]), []
        ).append(row)
    for group in groups.values():
        by_returner: dict[str, list[dict]] = {}
        for row in sorted(group, key=lambda r: r["_order"]):
            by_returner.setdefault(row["returner"], []).append(row)
        latest = []
        for versions in by_returner.values():
            for old, new in zip(versions[:-1], versions[1:], strict=True):
                superseded.append({**old, "superseded_by": new["file"]})
                for name in COMPARED_FIELDS:
                    if not _same(old[name], new[name]):
                        changes.append(
                            {
                                "borough": new["borough"],
                                "la_number": new["la_number"],
                                "pi_id": new["pi_id"],
                                "period": new["period"],
                                "field": name,
                                "old": _change_text(old[name]),
                                "new": _change_text(new[name]),
                                "old_file": old["file"],
                                "new_file": new["file"],
                                "old_cell": _cell_of(old, name),
                                "new_cell": _cell_of(new, name),
                            }
                        )
            latest.append(versions[-1])
        latest.sort(
            key=lambda r: (r["value"] is not None and not pd.isna(r["value"]), r["_order"]),
            reverse=True,
        )
        chosen = latest[0]
        current.append(chosen)
        for other in latest[1:]:
            superseded.append({**other, "superseded_by": chosen["file"]})
            if (
                other["value"] is not None
                and not pd.isna(other["value"])
                and chosen["value"] is not None
                and not _same(other["value"], chosen["value"])
            ):
                findings.append(
                    context.finding(
                        "Q_SOURCES_DIFFER",
                        {**_where(other), "cell": other["cell"]},
                        (
                            f"{other['pi_id']} {other['period']} for {other['borough']} is "
                            f"{_format(other['value'], other['_decimals'])} here but "
                            f"{_format(chosen['value'], chosen['_decimals'])} in {chosen['file']} "
                            f"(cell {chosen['cell']}), which is used."
                        ),
                    )
                )
    return current, superseded, changes


def _same(a: Any, b: Any) -> bool:
    a_missing = a is None or (isinstance(a, float) and math.isnan(a)) or a == ""
    b_missing = b is None or (isinstance(b, float) and math.isnan(b)) or b == ""
    if a_missing or b_missing:
        return a_missing and b_missing
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _change_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _cell_of(row: Mapping[str, Any], name: str) -> str:
    return row["_cells"].get(name, "") or ""


def _where(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: row[key]
        for key in ("file", "sha256", "sheet", "row", "borough", "la_number", "pi_id", "period")
    }


def _jump_detail(row: dict, earlier: list[dict], jump: Mapping, minimum: float) -> str | None:
    """Why a figure is a jump from the borough's earlier ones (None: it is not): outside the
    XmR limits once there are enough earlier figures, else the stated relative change."""
    previous = earlier[-1]
    value = float(row["value"])
    history = [float(r["value"]) for r in earlier]
    detail = None
    if len(history) >= int(jump["min_points"]):
        chart = xmr(history)
        lower, upper, mean = (
            float(chart["lpl"].iloc[-1]),
            float(chart["upl"].iloc[-1]),
            float(chart["mean"].iloc[-1]),
        )
        if (value > upper or value < lower) and abs(value - mean) >= minimum:
            detail = (
                f"{row['pi_id']} {row['period']} is "
                f"{_format(value, row['_decimals'])}, outside the range the "
                f"borough's {len(history)} earlier figures make likely (XmR "
                f"limits {_format(lower, row['_decimals'])} to "
                f"{_format(upper, row['_decimals'])})."
            )
    else:
        before = float(previous["value"])
        change = abs(value - before)
        if change >= minimum and change > float(jump["relative_change"]) * abs(before):
            detail = (
                f"{row['pi_id']} moved from {_format(before, row['_decimals'])} "
                f"in {previous['period']} to {_format(value, row['_decimals'])} in "
                f"{row['period']}, a change of more than "
                f"{float(jump['relative_change']):.0%} (with fewer than "
                f"{jump['min_points']} earlier figures the stated rule applies, "
                "not SPC limits)."
            )
    return detail


def _denominator_swings(usable: list[dict], limit: Any, context: _Context) -> list[dict]:
    """Q_DENOMINATOR_SWING findings between consecutive figures with a denominator (none when
    the unit has no swing limit)."""
    findings = []
    with_denominator = [
        r
        for r in usable
        if r["denominator"] is not None and not pd.isna(r["denominator"]) and r["denominator"] > 0
    ]
    for previous, row in zip(with_denominator[:-1], with_denominator[1:], strict=True):
        if limit is None:
            break
        before, now = float(previous["denominator"]), float(row["denominator"])
        if abs(now - before) > float(limit) * before:
            findings.append(
                context.finding(
                    "Q_DENOMINATOR_SWING",
                    {**_where(row), "cell": row["_denominator_cell"]},
                    (
                        f"The denominator of {row['pi_id']} went from {_format(before)} in "
                        f"{previous['period']} to {_format(now)} in {row['period']}, a change of "
                        f"more than {float(limit):.0%}."
                    ),
                )
            )
    return findings


def _expected_periods(layouts: pd.DataFrame) -> dict[tuple[str, str], set[str]]:
    """The periods each borough fills for each PI in the templates, (la_number, pi_id) ->
    periods: what a series is due to hold."""
    expected: dict[tuple[str, str], set[str]] = {}
    if len(layouts):
        fills = layouts[layouts["borough_fills"]]
        for (la, pi), group in fills.groupby(["la_number", "pi_id"]):
            expected[(la, pi)] = set(group["period"])
    return expected


def _series_checks(
    current: list[dict], layouts: pd.DataFrame, context: _Context, blocked: set[tuple]
) -> list[dict]:
    """Jumps, denominator swings, gaps and stops within each borough's series of a PI.

    Rows with an error (``blocked``: file, sheet, row) are left out of the series and are
    not reported as gaps.
    """
    rules = context.rules
    jump = rules["checks"]["jump"]
    swing = rules["checks"]["denominator_swing"]
    findings = []
    expected = _expected_periods(layouts)
    series: dict[tuple[str, str], list[dict]] = {}
    for row in current:
        if row["la_number"] and row["period"] and not row["prefilled"]:
            series.setdefault((row["la_number"], row["pi_id"]), []).append(row)
    for (la, pi), rows in series.items():
        rows.sort(key=lambda r: pilot_template.period_index(r["period"]))
        usable = [
            r
            for r in rows
            if _usable(r, context) and (r["file"], r["sheet"], r["row"]) not in blocked
        ]
        unit = rows[0]["_unit"]
        minimum = float(jump["min_change"].get(unit, 0))
        for position, row in enumerate(usable):
            if position == 0:
                continue
            detail = _jump_detail(row, usable[:position], jump, minimum)
            if detail:
                findings.append(
                    context.finding("Q_JUMP", {**_where(row), "cell": row["cell"]}, detail)
                )
        findings.extend(_denominator_swings(usable, swing.get(unit), context))
        if not usable:
            continue
        by_period = {r["period"]: r for r in rows}
        wanted = expected.get((la, pi), set(by_period))
        due = sorted(wanted | set(by_period), key=pilot_template.period_index)
        first = pilot_template.period_index(usable[0]["period"])
        last = pilot_template.period_index(usable[-1]["period"])
        for period in due:
            index = pilot_template.period_index(period)
            row = by_period.get(period)
            if row is not None and (
                _usable(row, context)
                or row["status"] in context.not_due
                or row["prefilled"]
                or (row["file"], row["sheet"], row["row"]) in blocked
            ):
                continue
            if first < index < last:
                code = "C_GAP"
            elif index > last:
                code = "C_STOPPED"
            else:
                continue
            anchor = row if row is not None else usable[-1]
            where = {
                **_where(anchor),
                "period": period,
                "cell": row["_status_cell"] if row is not None else "",
            }
            if code == "C_GAP":
                detail = (
                    f"{pi} has figures before and after {period} for "
                    f"{anchor['borough']} but none for {period}"
                    + ("" if row is not None else " (the table has no row for it)")
                    + "."
                )
            else:
                detail = f"{pi} was provided for {usable[-1]['period']} but not for {period}" + (
                    f" (status {row['status']!r})." if row is not None and row["status"] else "."
                )
            findings.append(context.finding(code, where, detail))
            if code == "C_STOPPED":
                break
    return findings


def _narrative_checks(current: list[dict], findings: list[dict], context: _Context) -> list[dict]:
    queried = {
        (f["file"], f["sheet"], f["row"])
        for f in findings
        if f["severity"] == "query" and f["code"] not in ("Q_NARRATIVE_MISSING", "Q_STATUS_MISSING")
    }
    out = []
    for row in current:
        if (row["file"], row["sheet"], row["row"]) in queried and not row["narrative"]:
            detail = (
                f"A query was raised on {row['pi_id']} {row['period']} and the narrative is empty."
            )
            if not row["_narrative_cell"]:
                detail += " The table has no narrative column: add one."
            out.append(
                context.finding(
                    "Q_NARRATIVE_MISSING", {**_where(row), "cell": row["_narrative_cell"]}, detail
                )
            )
    return out


# --- the whole folder -------------------------------------------------------------------------


def pilot_folder() -> Path:
    """Return ``data/raw/pilot/``, where pilot returns are put exactly as received."""
    return paths.raw_dir() / "pilot"


def _is_skipped(name: str, rules: Mapping) -> bool:
    return any(
        fnmatch.fnmatch(name.lower(), pattern.lower()) for pattern in rules.get("skip_files", [])
    )


def ingest_pilot(
    folder: Path | str | None = None,
    *,
    published: pd.DataFrame | None = None,
    rules: Mapping | None = None,
) -> PilotIngest:
    """Read and check every pilot return in a folder (nothing is written).

    Inputs: ``folder`` (None: ``data/raw/pilot/``); ``published``: the published statistics
    (None: ``public_indicators``, built in memory if not built yet); ``rules`` (None:
    pilot_rules.yaml). Files named in ``skip_files`` (README, SYNTHETIC.md) are ignored.

    Output: :class:`PilotIngest`. A file that cannot be read is listed in ``returns`` as
    ``rejected`` with its reason and an ``F_REJECTED`` issue; it never stops the others.

    Raises:
        PilotFileError: (code ``missing_folder``) the folder does not exist.
        ReferenceDataError: pilot_rules.yaml or the catalogue is missing or invalid.
    """
    rules = rules or pilot_template.load_rules()
    source = Path(folder) if folder is not None else pilot_folder()
    if not source.is_dir():
        raise PilotFileError(
            f"The pilot returns folder {source} does not exist. Put the returned workbooks "
            "in data/raw/pilot/ (or run `lscb demo-data` for a synthetic set).",
            code="missing_folder",
        )
    context = _Context(
        rules, published if published is not None else pilot_template.published_figures()
    )
    rows: list[dict] = []
    findings: list[dict] = []
    feasibility: list[dict] = []
    returns: list[dict] = []
    files: list[ReturnFile] = []
    identities: dict[str, _Identity] = {}
    layouts = []
    for path in sorted(p for p in source.iterdir() if p.is_file()):
        if _is_skipped(path.name, rules):
            continue
        try:
            ret = read_return(path, rules)
            ident = _identify(ret, context)
        except PilotFileError as error:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            findings.append(
                context.finding("F_REJECTED", {"file": path.name, "sha256": sha}, str(error))
            )
            returns.append(
                {
                    "file": path.name,
                    "sha256": sha,
                    "state": "rejected",
                    "reason": error.code,
                    "message": str(error),
                }
            )
            continue
        files.append(ret)
        identities[ret.path.name] = ident
        layouts.append(ident.layout)
        findings.extend(ident.notes)
        if ret.feasibility_sheet is None:
            findings.append(
                context.finding(
                    "F_NO_FEASIBILITY",
                    {"file": ret.path.name, "sha256": ret.sha256},
                    "The workbook has no feasibility sheet.",
                )
            )
        file_values, file_findings = _check_rows(ret, ident, context)
        for value in file_values:
            ident.row_counts[value["la_number"]] = ident.row_counts.get(value["la_number"], 0) + 1
        rows.extend(file_values)
        findings.extend(file_findings)
        feasibility.extend(_feasibility_rows(ret, ident, context))
    current, superseded, changes = _resolve_versions(rows, findings, context)
    layout = (
        pd.concat(layouts, ignore_index=True)
        if layouts
        else pd.DataFrame(columns=pilot_template.ROW_COLUMNS)
    )
    blocked = {(f["file"], f["sheet"], f["row"]) for f in findings if f["severity"] == "error"}
    findings.extend(_series_checks(current, layout, context, blocked))
    findings.extend(_narrative_checks(current, findings, context))
    result = _assemble(
        current, superseded, changes, findings, feasibility, returns, files, identities, rules
    )
    LOGGER.info(
        "Read %d pilot return(s): %d value rows in use, %d superseded, %d finding(s).",
        len(files),
        len(result.values),
        len(result.superseded),
        len(result.issues),
    )
    return result


def _status_of(severities: list[str], order: list[str]) -> str:
    for severity in order:
        if severity in severities:
            return severity
    return "ok"


def _assemble(
    current: list[dict],
    superseded: list[dict],
    changes: list[dict],
    findings: list[dict],
    feasibility: list[dict],
    returns: list[dict],
    files: list[ReturnFile],
    identities: dict[str, _Identity],
    rules: Mapping,
) -> PilotIngest:
    order = [s for s in rules["severities"] if s != "note"]
    issues = pd.DataFrame(findings, columns=ISSUE_COLUMNS)
    replaced = {
        (r["file"], r["sheet"], r["row"]) for r in superseded if r["superseded_by"] != r["file"]
    }
    if len(issues):
        issues["superseded"] = [
            (f, s, r) in replaced
            for f, s, r in zip(issues["file"], issues["sheet"], issues["row"], strict=True)
        ]
    by_row: dict[tuple, list[str]] = {}
    for item in findings:
        by_row.setdefault((item["file"], item["sheet"], item["row"]), []).append(item["severity"])
    for row in (*current, *superseded):
        row["validation_status"] = _status_of(
            by_row.get((row["file"], row["sheet"], row["row"]), []), order
        )
    pi_order = {pi: n for n, pi in enumerate(_all_pi_ids())}

    def frame(records: list[dict], extra: list[str]) -> pd.DataFrame:
        table = pd.DataFrame(
            [{k: r.get(k) for k in VALUE_COLUMNS + extra} for r in records],
            columns=VALUE_COLUMNS + extra,
        )
        for name in ("numerator", "denominator", "value"):
            table[name] = pd.to_numeric(table[name], errors="coerce").astype(float)
        table["row"] = table["row"].astype("Int64")
        table["prefilled"] = table["prefilled"].astype(bool)
        table["submitted"] = pd.to_datetime(table["submitted"])
        if len(table):
            table = (
                table.assign(
                    _pi=table["pi_id"].map(pi_order).fillna(len(pi_order)),
                    _period=table["period"].map(
                        lambda p: pilot_template.period_index(p) if p else -1
                    ),
                )
                .sort_values(["la_number", "borough", "_pi", "pi_id", "_period", "file"])
                .drop(columns=["_pi", "_period"])
            )
        return table.reset_index(drop=True)

    values = frame(current, [])
    values.attrs["record_level"] = True  # returned figures: never displayed whole
    old = frame(superseded, ["superseded_by"])
    change_table = pd.DataFrame(changes, columns=CHANGE_COLUMNS)
    feasibility_table = _current_feasibility(feasibility)
    issues["row"] = pd.to_numeric(issues["row"], errors="coerce").astype("Int64")
    issues["superseded"] = issues["superseded"].astype(bool)
    issues = issues.sort_values(
        ["file", "row", "code"], na_position="first", kind="stable"
    ).reset_index(drop=True)
    return PilotIngest(
        values,
        old,
        issues,
        _returns_table(returns, files, identities, values, issues),
        feasibility_table,
        change_table,
        files,
    )


def _all_pi_ids() -> list[str]:
    ids: list[str] = []
    for version in catalogue_module.available_versions():
        try:
            ids += [i for i in catalogue_module.load_catalogue(version).pis["id"] if i not in ids]
        except CatalogueError:
            continue
    return ids


def _current_feasibility(rows: list[dict]) -> pd.DataFrame:
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["la_number"], row["pi_id"]), []).append(row)
    out = []
    for group in groups.values():
        group.sort(key=lambda r: (r["_answered"], r["_order"]), reverse=True)
        for position, row in enumerate(group):
            out.append({**row, "current": position == 0})
    table = pd.DataFrame(
        [{k: r.get(k) for k in FEASIBILITY_COLUMNS} for r in out], columns=FEASIBILITY_COLUMNS
    )
    table["row"] = table["row"].astype("Int64")
    table["current"] = table["current"].astype(bool)
    return table.sort_values(["la_number", "pi_id", "file"]).reset_index(drop=True)


def _returns_table(
    returns: list[dict],
    files: list[ReturnFile],
    identities: dict[str, _Identity],
    values: pd.DataFrame,
    issues: pd.DataFrame,
) -> pd.DataFrame:
    rows = list(returns)
    for ret in files:
        ident = identities[ret.path.name]
        file_issues = issues[issues["file"] == ret.path.name]
        for area in ident.areas:
            mine = file_issues[
                (file_issues["la_number"] == area.la_number) | (file_issues["la_number"] == "")
            ]
            counts = mine["severity"].value_counts()
            errors = int(counts.get("error", 0))
            rows.append(
                {
                    "file": ret.path.name,
                    "sha256": ret.sha256,
                    "state": "ingested_with_errors" if errors else "ingested",
                    "reason": "",
                    "borough": area.name,
                    "la_number": area.la_number,
                    "agency": ident.agency,
                    "returner": ident.returner,
                    "model_version": ident.model_version,
                    "periods": (
                        f"{ident.periods[0]}..{ident.periods[-1]}" if ident.periods else ""
                    ),
                    "identified_from": ident.identified_from,
                    "submitted": ident.submitted,
                    "rows": ident.row_counts.get(area.la_number, 0),
                    "errors": errors,
                    "queries": int(counts.get("query", 0)),
                    "continuity": int(counts.get("continuity", 0)),
                    "checked_copy": str(checked_copy_path(ret, ident)),
                    "message": f"{len(mine)} finding(s) for {area.name}.",
                }
            )
    table = pd.DataFrame(rows, columns=RETURN_COLUMNS)
    for name in ("rows", "errors", "queries", "continuity"):
        table[name] = table[name].fillna(0).astype(int)
    return table.sort_values(["file", "la_number"], na_position="first").reset_index(drop=True)


def summary_line(result: PilotIngest) -> str:
    """One line on what an ingest found, for the command line.

    Output: e.g. ``"13 return(s) read (1 rejected): 2,904 figures in use (12 with errors,
    30 queried); 1 re-submission changed 3 value(s)."``
    """
    files = result.returns.drop_duplicates("file")
    rejected = int((files["state"] == "rejected").sum())
    status = result.values["validation_status"].value_counts()
    changed = result.changes.drop_duplicates(["new_file"]) if len(result.changes) else []
    return (
        f"{len(files)} return(s) read ({rejected} rejected): {len(result.values):,} rows "
        f"in use ({int(status.get('error', 0))} with errors, "
        f"{int(status.get('query', 0))} queried, {int(status.get('continuity', 0))} with "
        f"continuity findings); {len(changed)} re-submission(s) changed "
        f"{len(result.changes)} value(s)."
    )


# --- writing ----------------------------------------------------------------------------------


def checked_copy_path(ret: ReturnFile, ident: _Identity, reports_dir: Path | None = None) -> Path:
    """Where a return's checked copy goes: ``reports/pilot/<borough>/<file>_checked.xlsx``
    (``agency-<agency>`` for an agency-wide return, ``<file>`` when several boroughs)."""
    root = (reports_dir or paths.reports_dir()) / "pilot"
    if ident.agency:
        folder = f"agency-{register.slugify(ident.agency)}"
    elif len(ident.areas) == 1:
        folder = ident.areas[0].slug
    else:
        folder = register.slugify(ret.path.stem)
    return root / folder / f"{ret.path.stem}_checked.xlsx"


def write_checked_copy(
    ret: ReturnFile,
    issues: pd.DataFrame,
    target: Path | str,
    rules: Mapping | None = None,
    summary: Mapping[str, str] | None = None,
) -> Path:
    """Write a copy of one return with its findings: highlighted cells, comments, Validation.

    Inputs: the :class:`ReturnFile` (its bytes are copied; the original file is never
    opened for writing), the findings of this file (:data:`ISSUE_COLUMNS`), the target path,
    the rules and ``summary`` lines (label -> text) for the top of the Validation sheet.
    Each finding with a cell fills it (error red, query amber, continuity blue; the most
    serious wins) and adds a comment with the messages. A ``Validation`` sheet (first, and
    active) lists the counts and every finding with a link to its cell.
    Output: the path written. Raises RawDataWriteError under data/raw/.
    """
    rules = rules or pilot_template.load_rules()
    target = io.ensure_writable(target)
    workbook = openpyxl.load_workbook(std_io.BytesIO(ret.content), keep_vba=False, keep_links=False)
    order = list(rules["severities"])
    marked: dict[tuple[str, str], list[Mapping]] = {}
    for item in issues.to_dict("records"):
        if item["cell"] and item["sheet"] in workbook.sheetnames:
            marked.setdefault((item["sheet"], item["cell"]), []).append(item)
    for (sheet, cell), items in marked.items():
        items = sorted(items, key=lambda i: order.index(i["severity"]))
        target_cell = workbook[sheet][cell]
        fill = FILLS.get(items[0]["severity"])
        if fill is not None:
            target_cell.fill = fill
        text = "\n\n".join(f"{i['severity'].upper()} {i['code']}: {i['message']}" for i in items)
        comment = Comment(text[:30000], COMMENT_AUTHOR)
        comment.width, comment.height = 420, min(60 + 60 * len(items), 600)
        target_cell.comment = comment
    name = rules["sheets"]["validation"]
    if name in workbook.sheetnames:
        del workbook[name]
    sheet = workbook.create_sheet(name, 0)
    title = _print_title(ret, summary)
    top = workbook_print.write_title_rows(sheet, title)
    safe_files.write_cell(
        sheet.cell(row=top, column=1), f"Validation of {ret.path.name}"
    ).font = Font(bold=True, size=14)
    lines = dict(summary or {})
    counts = issues["severity"].value_counts()
    lines["Findings"] = ", ".join(f"{int(counts.get(s, 0))} {s}" for s in order)
    lines["Colours"] = (
        "red: error (the figure cannot be used as it stands); amber: query "
        "(check it); blue: continuity (a period missing)"
    )
    r = top + 1
    for label, text in lines.items():
        safe_files.write_cell(sheet.cell(row=r, column=1), label).font = Font(bold=True)
        safe_files.write_cell(sheet.cell(row=r, column=2), text)
        r += 1
    r += 1
    headers = ["Severity", "Code", "What", "Borough", "PI", "Period", "Sheet", "Cell", "Message"]
    widths = [11, 26, 32, 18, 10, 9, 12, 8, 110]
    for c, (label, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = safe_files.write_cell(sheet.cell(row=r, column=c), label)
        cell.font, cell.fill = pilot_template.HEADER_FONT, pilot_template.HEADER_FILL
        sheet.column_dimensions[get_column_letter(c)].width = width
    header_row = r
    ranked = issues.assign(_rank=issues["severity"].map(order.index)).sort_values(
        ["_rank", "file", "row"], kind="stable"
    )
    for item in ranked.to_dict("records"):
        r += 1
        values = [
            item["severity"],
            item["code"],
            item["title"],
            item["borough"],
            item["pi_id"],
            item["period"],
            item["sheet"],
            item["cell"],
            item["message"],
        ]
        for c, value in enumerate(values, start=1):
            cell = safe_files.write_cell(sheet.cell(row=r, column=c), value)
            cell.alignment = Alignment(wrap_text=c == len(values), vertical="top")
        if item["cell"] and item["sheet"] in workbook.sheetnames:
            link = sheet.cell(row=r, column=8)
            link.hyperlink = Hyperlink(
                ref=link.coordinate, location=(f"{quote_sheetname(item['sheet'])}!{item['cell']}")
            )
            link.font = Font(color="0563C1", underline="single")
        fill = FILLS.get(item["severity"])
        if fill is not None:
            sheet.cell(row=r, column=1).fill = fill
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1).coordinate
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{max(r, header_row)}"
    workbook.active = 0
    for other in workbook.worksheets[1:]:
        other.sheet_view.tabSelected = False
    _set_print(workbook, ret, title, header_row)
    workbook.save(target)
    return target


def _set_print(workbook: Any, ret: ReturnFile, title: Any, header_row: int) -> None:
    """Print layout: the Validation sheet (first) in full; the return's own sheets keep their
    rows (the findings point at their cells), so only their page, header and footer are set
    (and the data sheet's header row repeated)."""
    workbook_print.setup_sheet(workbook.worksheets[0], title, header_row)
    for other in workbook.worksheets[1:]:
        workbook_print.setup_page(other, title)
        if other.title == ret.data_sheet:
            other.print_title_rows = f"{ret.header_row}:{ret.header_row}"


def _print_title(ret: ReturnFile, summary: Mapping[str, str] | None):
    """A checked copy's title rows, header and footer: an analyst workbook (every figure as
    returned), NOT FOR PUBLICATION."""
    summary = summary or {}
    return workbook_print.PrintTitle(
        "Checked pilot return",
        str(summary.get("Borough(s)", "")),
        str(summary.get("Periods", "")),
        disclosure.tier_label("analyst"),
        workbook_print.data_are_synthetic(),
        ret.path.name,
    )


def write_checked_copies(
    result: PilotIngest, reports_dir: Path | str | None = None, rules: Mapping | None = None
) -> list[Path]:
    """Write the checked copy of every readable return (see :func:`write_checked_copy`).

    Output: the paths written. Raises RawDataWriteError when ``reports_dir`` is under
    data/raw/.
    """
    rules = rules or pilot_template.load_rules()
    root = Path(reports_dir) if reports_dir is not None else None
    written = []
    returns = result.returns
    for ret in result.files:
        mine = result.issues[result.issues["file"] == ret.path.name]
        info = returns[returns["file"] == ret.path.name]
        first = info.iloc[0]
        summary = {
            "Borough(s)": ", ".join(info["borough"].astype(str)),
            "Agency": first["agency"] or "none (a borough return)",
            "Model version": str(first["model_version"]),
            "Periods": str(first["periods"]),
            "Identified from": str(first["identified_from"]),
            "SHA-256 of the original": ret.sha256,
        }
        if mine["superseded"].any():
            summary["Superseded"] = (
                f"{int(mine['superseded'].sum())} finding(s) are on rows a later return replaced."
            )
        folder = Path(first["checked_copy"])
        if root is not None:
            folder = root / "pilot" / folder.parent.name / folder.name
        written.append(write_checked_copy(ret, mine, folder, rules, summary))
    return written


def write_pilot_outputs(
    result: PilotIngest,
    processed_dir: Path | str | None = None,
    reports_dir: Path | str | None = None,
) -> dict[str, Any]:
    """Write the processed tables and the checked copies.

    Outputs: ``pilot_values.parquet`` and ``.csv``, ``pilot_issues.csv``,
    ``pilot_changes.csv``, ``pilot_returns.csv``, ``pilot_feasibility.csv`` under
    ``processed_dir`` (None: ``data/processed/``), and ``<reports_dir>/pilot/<borough>/
    <file>_checked.xlsx`` (None: ``reports/``). CSV text that could run as a formula is
    neutralised. Returns ``{name: path}`` plus ``"checked": [paths]``.
    Raises RawDataWriteError when a folder is under data/raw/.
    """
    out = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    values = result.values
    parquet = io.ensure_writable(out / "pilot_values.parquet")
    values.to_parquet(parquet, index=False)
    written: dict[str, Any] = {"pilot_values.parquet": parquet}
    tables = {
        "pilot_values.csv": values,
        "pilot_issues.csv": result.issues,
        "pilot_changes.csv": result.changes,
        "pilot_returns.csv": result.returns,
        "pilot_feasibility.csv": result.feasibility,
    }
    for name, table in tables.items():
        written[name] = safe_files.write_safe_csv(table, out / name)
    written["checked"] = write_checked_copies(result, reports_dir)
    LOGGER.info("Wrote the pilot tables and %d checked cop(ies).", len(written["checked"]))
    return written


def load_pilot_values(processed_dir: Path | str | None = None) -> pd.DataFrame:
    """Read ``data/processed/pilot_values.parquet`` (written by ``lscb pilot ingest``).

    Raises MissingDataFileError when it has not been written yet.
    """
    if processed_dir is None:
        return io.read_processed_table("pilot_values", "lscb pilot ingest")
    path = Path(processed_dir) / "pilot_values.parquet"
    if not path.is_file():
        raise MissingDataFileError(f"{path} has not been built yet. Run `lscb pilot ingest`.")
    return pd.read_parquet(path)
