"""Phase III pilot: the performance data table each pilot borough fills, made from the catalogue.

:func:`write_pilot_template` writes one borough's workbook (``lscb pilot template --borough``);
:func:`write_agency_template` one workbook for a partner that reports centrally for many
boroughs (``lscb pilot template --agency police --boroughs all``), with a borough column. Both
are built by :func:`build_template` from a version of the best-fit model
(:mod:`lscb_analysis.model.catalogue`), the published statistics (``public_indicators``) and
``data/reference/pilot_rules.yaml``:

* ``Instructions``; ``Data``: one row per PI and period at the PI's reporting cycle (numerator,
  denominator, value, status, source agency and system, narrative, a note from the project
  team); ``Feasibility``: one row per PI (can you provide it, the cycle you can provide, source
  agency, data quality concerns, effort, comment); ``Definitions``: the catalogue's definition,
  numerator and denominator of each PI; ``Lists`` (hidden, feeds the dropdowns) and ``Template
  info`` (hidden: borough, periods, model version and :func:`template_checksum`).
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

:func:`fill_template` and :func:`fill_feasibility` fill a built workbook programmatically
(tests and the demo); :func:`workbook_bytes` saves a workbook with fixed dates so the same
inputs give the same bytes.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io as std_io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lscb_analysis.core import io, paths, register
from lscb_analysis.core.errors import (
    InvalidArgumentError,
    MissingDataFileError,
    ReferenceDataError,
)
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.model import catalogue_enums
from lscb_analysis.protect.safe_files import fixed_zip_bytes, write_cell, write_lists_sheet
from lscb_analysis.published import public_data

RULES_FILE = "pilot_rules.yaml"
REQUIRED_RULE_KEYS: tuple[str, ...] = (
    "template_version",
    "periods",
    "units",
    "statuses",
    "blank_words",
    "feasibility",
    "checks",
    "findings",
    "severities",
    "headers",
    "feasibility_headers",
    "sheets",
    "kind",
    "feasibility_rule",
    "pilot_boroughs",
)
PERIOD_PATTERN = re.compile(r"^(\d{4})Q([1-4])$")
_CALENDAR = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*Q\s*([1-4])\s*$", re.IGNORECASE)
_CALENDAR_REVERSED = re.compile(r"^\s*Q\s*([1-4])\s*[-/ ]?\s*(\d{4})\s*$", re.IGNORECASE)
_FINANCIAL = re.compile(
    r"^\s*(?:FY\s*)?(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*[-/ ]?\s*Q\s*([1-4])\s*$", re.IGNORECASE
)
_FINANCIAL_REVERSED = re.compile(
    r"^\s*Q\s*([1-4])\s*[-/ ]?\s*(?:FY\s*)?(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*$", re.IGNORECASE
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

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
ROW_COLUMNS: list[str] = [
    "borough",
    "la_number",
    "pi_id",
    "title",
    "period",
    "months",
    "reporting_year",
    "unit",
    "decimals",
    "frequency",
    "source_type",
    "source_indicator",
    "source_agency",
    "prefilled",
    "borough_fills",
    "numerator",
    "denominator",
    "value",
    "status",
    "note",
    "proportion",
    "multiplier",
]
"""Columns of :func:`template_rows`."""
META_KEYS: tuple[str, ...] = (
    "kind",
    "template_version",
    "model_version",
    "pi_checksum",
    "borough",
    "la_number",
    "agency",
    "boroughs",
    "la_numbers",
    "periods",
    "generated",
    "template_checksum",
)
"""Keys of the hidden ``Template info`` sheet (column A), values in column B."""
CHECKSUM_KEYS = (
    "kind",
    "template_version",
    "model_version",
    "pi_checksum",
    "agency",
    "la_numbers",
    "periods",
)
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
ENTRY_FILL = PatternFill("solid", fgColor="FFF2CC")
LOCKED_FILL = PatternFill("solid", fgColor="E7E6E6")
PUBLISHED_FILL = PatternFill("solid", fgColor="DDEBF7")
TOP_WRAP = Alignment(wrap_text=True, vertical="top")


# --- rules and periods ------------------------------------------------------------------------


def load_rules(path: Path | str | None = None) -> dict:
    """Read ``data/reference/pilot_rules.yaml``: every setting the pilot modules use.

    Input: ``path`` (None: the project's file). Output: the mapping. Raises ReferenceDataError
    when the file is missing, not YAML, or lacks a section of :data:`REQUIRED_RULE_KEYS`.

    >>> rules = load_rules()
    >>> rules["statuses"]["borough"]
    ['provided', 'not available', 'not yet due', 'estimated']
    """
    file = Path(path) if path is not None else paths.reference_dir() / RULES_FILE
    rules = io.read_yaml_mapping(file, "Pilot rules file")
    missing = [key for key in REQUIRED_RULE_KEYS if key not in rules]
    if missing:
        raise ReferenceDataError(
            f"{file} lacks the section(s) {', '.join(missing)}; restore them from the "
            f"repository (git checkout -- data/reference/{RULES_FILE})."
        )
    return rules


def parse_period(value: Any) -> str:
    """Return a period as ``YYYYQn`` (calendar quarter) from the ways people write one.

    Accepted: ``2024Q1``, ``2024 Q1``, ``Q1 2024`` (calendar quarters); ``2024-25 Q4``,
    ``Q4 2024/25`` (financial-year quarters: Q4 of 2024-25 is January to March 2025); a date
    (the quarter it falls in). Raises InvalidArgumentError for anything else.

    >>> parse_period("2024 q3"), parse_period("Q1 2025"), parse_period("2024-25 Q4")
    ('2024Q3', '2025Q1', '2025Q1')
    >>> parse_period(dt.date(2025, 6, 30))
    '2025Q2'
    """
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year}Q{(value.month - 1) // 3 + 1}"
    text = "" if value is None else str(value).strip()
    if match := _CALENDAR.match(text):
        return f"{match.group(1)}Q{match.group(2)}"
    if match := _CALENDAR_REVERSED.match(text):
        return f"{match.group(2)}Q{match.group(1)}"
    financial = _FINANCIAL.match(text)
    if financial:
        start, end, quarter = financial.groups()
    elif reversed_match := _FINANCIAL_REVERSED.match(text):
        quarter, start, end = reversed_match.groups()
    else:
        raise InvalidArgumentError(
            f"{text!r} is not a period: write a calendar quarter such as 2025Q1 (January to "
            "March 2025), or a financial quarter such as 2024-25 Q4."
        )
    first = int(start)
    if int(end[-2:]) != (first + 1) % 100:
        raise InvalidArgumentError(
            f"{text!r}: a financial year runs over two consecutive years, such as 2024-25."
        )
    calendar_quarter = int(quarter) + 1
    year = first if calendar_quarter <= 4 else first + 1
    return f"{year}Q{calendar_quarter if calendar_quarter <= 4 else 1}"


def _period_key(period: str) -> tuple[int, int]:
    match = PERIOD_PATTERN.match(period)
    if not match:
        raise InvalidArgumentError(f"{period!r} is not a period written YYYYQn, such as 2025Q1.")
    return int(match.group(1)), int(match.group(2))


def period_index(period: str) -> int:
    """Return a period as a count of quarters, so that consecutive quarters differ by one.

    >>> period_index("2025Q1") - period_index("2024Q4")
    1
    """
    year, quarter = _period_key(period)
    return year * 4 + quarter - 1


def period_from_index(index: int) -> str:
    """Inverse of :func:`period_index`.

    >>> period_from_index(period_index("2024Q4") + 1)
    '2025Q1'
    """
    return f"{index // 4}Q{index % 4 + 1}"


def period_range(spec: str | Iterable[str] | None, rules: Mapping | None = None) -> list[str]:
    """Return the periods a template covers, oldest first.

    Input: ``"2024Q1..2025Q4"`` (every quarter from the first to the last), a comma-separated
    list, a list of periods, or None (the default in pilot_rules.yaml). Output: ``YYYYQn``
    strings without repeats. Raises InvalidArgumentError for an unreadable period, a range
    running backwards, or more periods than ``periods.max_periods``.

    >>> period_range("2024Q3..2025Q2")
    ['2024Q3', '2024Q4', '2025Q1', '2025Q2']
    """
    rules = rules or load_rules()
    if spec is None:
        spec = rules["periods"]["default"]
    if isinstance(spec, str):
        text = spec.strip()
        if ".." in text:
            first_text, _, last_text = text.partition("..")
            first, last = (
                period_index(parse_period(first_text)),
                period_index(parse_period(last_text)),
            )
            if last < first:
                raise InvalidArgumentError(
                    f"--periods {text}: the range runs backwards; write the earliest first, "
                    "e.g. 2024Q1..2025Q4."
                )
            periods = [period_from_index(i) for i in range(first, last + 1)]
        else:
            periods = [parse_period(part) for part in text.split(",") if part.strip()]
    else:
        periods = [parse_period(part) for part in spec]
    periods = sorted(dict.fromkeys(periods), key=period_index)
    if not periods:
        raise InvalidArgumentError("No period given: write a range such as 2024Q1..2025Q4.")
    limit = int(rules["periods"]["max_periods"])
    if len(periods) > limit:
        raise InvalidArgumentError(
            f"{len(periods)} periods is more than the {limit} a template may hold "
            f"(periods.max_periods in data/reference/{RULES_FILE}); split it."
        )
    return periods


def reporting_year(period: str) -> int:
    """Return DfE's reporting year (the financial year ending 31 March) a quarter belongs to.

    >>> reporting_year("2025Q1"), reporting_year("2024Q2")
    (2025, 2025)
    """
    year, quarter = _period_key(period)
    return year if quarter == 1 else year + 1


def period_months(period: str) -> str:
    """Return the months a period covers and its financial-year quarter, for the template.

    >>> period_months("2025Q1")
    'Jan-Mar 2025 (2024-25 Q4)'
    """
    year, quarter = _period_key(period)
    first = _MONTHS[(quarter - 1) * 3]
    last = _MONTHS[(quarter - 1) * 3 + 2]
    financial_quarter = quarter - 1 if quarter > 1 else 4
    return (
        f"{first}-{last} {year} ({public_data.period_label(reporting_year(period))} "
        f"Q{financial_quarter})"
    )


def unit_rule(unit: str, rules: Mapping) -> dict:
    """Return the ``units`` entry of a unit (multiplier, proportion, label); ``{}`` for a count.

    >>> unit_rule("percent", load_rules())["multiplier"]
    100
    """
    return dict(rules["units"].get(unit) or {})


# --- what goes in the table -------------------------------------------------------------------


def published_figures() -> pd.DataFrame:
    """Return ``public_indicators`` (built in memory from ``data/external`` when not built yet).

    Output: the columns of :data:`lscb_analysis.published.public_data.OUTPUT_COLUMNS`.
    Raises: what :func:`lscb_analysis.published.public_data.build_public_indicators` raises.
    """
    try:
        return public_data.load_public_indicators()
    except MissingDataFileError:
        return public_data.build_public_indicators()


@dataclass(frozen=True)
class PublishedFigure:
    """One published figure of one LA and year (see ``public_indicators``)."""

    indicator: str
    period: int
    la_number: str
    numerator: float
    denominator: float
    value: float
    status: str


@dataclass(frozen=True)
class PublishedIndex:
    """The published figures of LAs indexed for look-ups (see :func:`published_index`).

    ``table``: (indicator, year, la_number) -> :class:`PublishedFigure`; ``latest``:
    indicator -> latest year with a usable figure for any LA.
    """

    table: dict[tuple[str, int, str], PublishedFigure]
    latest: dict[str, int]


def published_index(published: pd.DataFrame | PublishedIndex) -> PublishedIndex:
    """Index ``public_indicators`` once, for templates and checks that look figures up often.

    Input: the table (or an index, returned as it is). Output: :class:`PublishedIndex`.
    """
    if isinstance(published, PublishedIndex):
        return published
    return PublishedIndex(*_published_lookup(published))


def _published_lookup(
    published: pd.DataFrame,
    indicators: Iterable[str] | None = None,
    la_numbers: Iterable[str] | None = None,
) -> tuple[dict[tuple[str, int, str], PublishedFigure], dict[str, int]]:
    """(indicator, year, la_number) -> figure, and each indicator's latest year with a figure."""
    wanted = published
    if indicators is not None:
        wanted = wanted[wanted["indicator"].isin(list(indicators))]
    wanted = wanted[wanted["area_type"].to_numpy() == "la"]
    usable = wanted[wanted["status"].to_numpy() == public_data.OK]
    latest = usable.groupby("indicator")["period"].max().astype(int).to_dict()
    las = wanted if la_numbers is None else wanted[wanted["la_number"].isin(list(la_numbers))]
    columns = [
        las[c].tolist()
        for c in ("indicator", "period", "la_number", "numerator", "denominator", "value", "status")
    ]
    table = {}
    for indicator, period, la, numerator, denominator, value, status in zip(*columns, strict=True):
        table[(indicator, int(period), str(la))] = PublishedFigure(
            indicator, int(period), str(la), numerator, denominator, value, status
        )
    return table, latest


def resolve_agency(name: str) -> str:
    """Return the catalogue agency a written agency name stands for.

    Uses the agency synonyms of the Phase I survey (``data/reference/survey.yaml``).
    Raises InvalidArgumentError when nothing matches.

    >>> resolve_agency("Metropolitan Police")
    'police'
    """
    from lscb_analysis.survey import survey_rules

    matched = survey_rules.load_rules().codes["agency"].match(name)
    if not matched:
        raise InvalidArgumentError(
            f"--agency {name!r} is not an agency the catalogue knows; use one such as police, "
            "probation, health (acute) or education (see code_lists.agency in "
            "data/reference/survey.yaml)."
        )
    return matched


def template_rows(
    catalogue: catalogue_module.Catalogue,
    areas: list[register.LocalAuthority],
    periods: list[str],
    published: pd.DataFrame | PublishedIndex,
    rules: Mapping | None = None,
    agency: str | None = None,
) -> pd.DataFrame:
    """Return the Data sheet's rows: one per borough, current PI and period at its cycle.

    Inputs: the catalogue version; the boroughs; the periods (``YYYYQn``); the published
    statistics (``public_indicators``, or its :func:`published_index`); the rules (None: pilot_rules.yaml); ``agency``: keep
    only the PIs whose source agency is this catalogue agency.

    A PI gets a row for each period whose quarter is in ``periods.cycle_quarters`` for its
    frequency; a national PI always gets its year-end rows, pre-filled from the published
    figure of that financial year (``prefilled`` True, ``borough_fills`` False), and rows for
    its other quarters when it is reported quarterly (the borough's own figure).

    Output: columns :data:`ROW_COLUMNS`; ``status`` and ``note`` filled for pre-filled rows
    (the published status and the year), ``numerator, denominator, value`` their figures.
    Raises InvalidArgumentError when the agency supplies none of the current PIs.
    """
    rules = rules or load_rules()
    pis = catalogue.current
    if agency is not None:
        pis = pis[pis["source_agency"] == agency]
        if pis.empty:
            agencies = ", ".join(sorted(catalogue.current["source_agency"].unique()))
            raise InvalidArgumentError(
                f"No current PI of version {catalogue.version} comes from {agency!r}; agencies "
                f"supplying PIs: {agencies}."
            )
    if isinstance(published, PublishedIndex):
        table, latest = published.table, published.latest
    else:
        table, latest = _published_lookup(
            published, pis["source_indicator"].dropna().unique(), [a.la_number for a in areas]
        )
    cycles = {k: set(v) for k, v in rules["periods"]["cycle_quarters"].items()}
    year_end = int(rules["periods"]["year_end_quarter"])
    labels = rules["statuses"]["published"]
    rows = []
    for area in areas:
        for pi in pis.itertuples(index=False):
            national = pi.source_type == "national"
            quarters = cycles.get(pi.frequency, {1, 2, 3, 4})
            unit = unit_rule(pi.unit, rules)
            for period in periods:
                quarter = _period_key(period)[1]
                prefilled = national and quarter == year_end
                if quarter not in quarters and not prefilled:
                    continue
                year = reporting_year(period)
                row = {
                    "borough": area.name,
                    "la_number": area.la_number,
                    "pi_id": pi.id,
                    "title": pi.title,
                    "period": period,
                    "months": period_months(period),
                    "reporting_year": year,
                    "unit": pi.unit,
                    "decimals": int(pi.decimals),
                    "frequency": pi.frequency,
                    "source_type": pi.source_type,
                    "source_indicator": pi.source_indicator,
                    "source_agency": pi.source_agency,
                    "prefilled": prefilled,
                    "borough_fills": not prefilled,
                    "numerator": math.nan,
                    "denominator": math.nan,
                    "value": math.nan,
                    "status": "",
                    "note": "",
                    "proportion": bool(unit.get("proportion", False)),
                    "multiplier": unit.get("multiplier"),
                }
                label = public_data.period_label(year)
                if prefilled:
                    found = table.get((pi.source_indicator, year, area.la_number))
                    if found is not None and found.status == public_data.OK:
                        row.update(
                            numerator=found.numerator,
                            denominator=found.denominator,
                            value=found.value,
                            status=labels["ok"],
                        )
                        row["note"] = (
                            f"Published by DfE for {label} (year to 31 March {year}); locked."
                        )
                    elif found is not None:
                        row.update(status=labels["suppressed"])
                        row["note"] = (
                            f"DfE's figure for {label} is {found.status} "
                            "(not published as a number); locked."
                        )
                    elif year > latest.get(pi.source_indicator, 0):
                        row.update(status=labels["not_yet"])
                        row["note"] = (
                            f"DfE has not yet published {label}; it will be added "
                            "from the published statistics."
                        )
                    else:
                        row.update(status=labels["missing"])
                        row["note"] = f"DfE published no figure for {label} for this borough."
                elif national:
                    row["note"] = (
                        f"Your own figure for the quarter, counted as DfE counts "
                        f"it. DfE publishes this PI once a year: {label} on the "
                        f"{year}Q{year_end} row."
                    )
                rows.append(row)
    return pd.DataFrame(rows, columns=ROW_COLUMNS)


def data_fields(agency: bool) -> list[str]:
    """Return the Data sheet's columns (field names) for a borough or an agency workbook."""
    return (["borough"] if agency else []) + list(DATA_FIELDS)


def template_checksum(meta: Mapping[str, Any], rows: pd.DataFrame) -> str:
    """Return the SHA-256 identifying a template's layout (not the figures typed into it).

    Inputs: the hidden sheet's values (``kind, template_version, model_version, pi_checksum,
    agency, la_numbers, periods``) and the rows (:func:`template_rows`, in sheet order). The
    ingest recomputes it to tell whether the hidden sheet or the model file has changed.
    Output: 64 hex characters.
    """
    lines = [f"{key}={'' if meta.get(key) is None else meta.get(key)}" for key in CHECKSUM_KEYS]
    lines += [
        "\t".join((str(r.la_number), str(r.pi_id), str(r.period)))
        for r in rows.itertuples(index=False)
    ]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def template_meta(
    catalogue: catalogue_module.Catalogue,
    areas: list[register.LocalAuthority],
    periods: list[str],
    rows: pd.DataFrame,
    rules: Mapping,
    agency: str | None = None,
    generated: dt.date | None = None,
) -> dict[str, str]:
    """Return the hidden sheet's values (keys :data:`META_KEYS`), checksum included."""
    single = areas[0] if agency is None and len(areas) == 1 else None
    meta = {
        "kind": str(rules["kind"]),
        "template_version": str(rules["template_version"]),
        "model_version": catalogue.version,
        "pi_checksum": catalogue_module.pi_checksum(catalogue),
        "borough": single.name if single else "",
        "la_number": single.la_number if single else "",
        "agency": agency or "",
        "boroughs": "; ".join(a.name for a in areas),
        "la_numbers": "; ".join(a.la_number for a in areas),
        "periods": ", ".join(periods),
        "generated": (generated or dt.date.today()).isoformat(),
    }
    meta["template_checksum"] = template_checksum(meta, rows)
    return meta


# --- building the workbook --------------------------------------------------------------------


def _protect(sheet: Any, title_rows: str | None = None) -> None:
    # Locked cells with no password: protection stops accidental edits, not reading.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.autoFilter = False
    sheet.protection.sort = False
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        sheet.print_title_rows = title_rows


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
    published: pd.DataFrame | PublishedIndex,
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
    rules = rules or load_rules()
    if not areas:
        raise InvalidArgumentError("No borough given: name one, several or all.")
    rows = template_rows(catalogue, areas, periods, published, rules, agency)
    meta = template_meta(catalogue, areas, periods, rows, rules, agency, generated)
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
    for row, key in enumerate(META_KEYS, start=1):
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
        unit = unit_rule(item.unit, rules)
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
    percent = unit_rule("percent", rules).get("label", "%")
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
        unit = unit_rule(pi["unit"], rules)
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


# --- filling and saving -----------------------------------------------------------------------


def _sheet_rows(
    sheet: Any, header_row: int, key_fields: list[str], labels: Mapping[str, str]
) -> tuple[dict[str, int], dict[tuple, int]]:
    header = {}
    for cell in sheet[header_row]:
        for field, label in labels.items():
            if cell.value == label:
                header[field] = cell.column
    rows = {}
    for r in range(header_row + 1, sheet.max_row + 1):
        key = tuple(str(sheet.cell(row=r, column=header[f]).value or "") for f in key_fields)
        if any(key):
            rows[key] = r
    return header, rows


def fill_template(
    workbook: Workbook,
    entries: pd.DataFrame,
    *,
    add_missing: bool = False,
    rules: Mapping | None = None,
) -> Workbook:
    """Fill a built workbook's Data sheet, as a borough would (tests and the demo).

    Inputs: the workbook from :func:`build_template`; ``entries`` with ``pi_id, period`` (and
    ``borough`` for an agency workbook) and any of ``numerator, denominator, status,
    source_agency, source_system, narrative``; ``value`` (a typed number replacing the
    formula, as a borough overwriting it would) and ``title``. Missing values (NaN/None) leave
    a cell as it is. ``add_missing``: append rows the template lacks at the bottom (a period or
    PI the template did not ask for) instead of raising.
    Output: the same workbook. Raises InvalidArgumentError for an entry matching no row.
    """
    rules = rules or load_rules()
    sheet = workbook[rules["sheets"]["data"]]
    labels = {field: spec["label"] for field, spec in rules["headers"].items()}
    agency = sheet.cell(row=DATA_HEADER_ROW, column=1).value == labels["borough"]
    keys = (["borough"] if agency else []) + ["pi_id", "period"]
    header, rows = _sheet_rows(sheet, DATA_HEADER_ROW, keys, labels)
    next_row = sheet.max_row + 1
    for entry in entries.to_dict("records"):
        key = tuple(str(entry.get(k, "")) for k in keys)
        r = rows.get(key)
        if r is None:
            if not add_missing:
                raise InvalidArgumentError(
                    f"The template has no row for {', '.join(key)}; check the PI id and "
                    "period (or pass add_missing=True to add the row)."
                )
            r = rows[key] = next_row
            next_row += 1
            for k in keys:
                write_cell(sheet.cell(row=r, column=header[k]), entry.get(k))
        for field in (*ENTRY_FIELDS, "value", "title"):
            if field in entry and not _missing(entry[field]) and field in header:
                write_cell(sheet.cell(row=r, column=header[field]), entry[field])
    return workbook


def fill_feasibility(
    workbook: Workbook, answers: pd.DataFrame, rules: Mapping | None = None
) -> Workbook:
    """Fill a built workbook's Feasibility sheet (tests and the demo).

    Input: ``answers`` with ``pi_id`` and any of ``can_provide, cycle_offered, source_agency,
    quality_concerns, effort, comment``. Output: the same workbook. Raises
    InvalidArgumentError for a PI the sheet does not list.
    """
    rules = rules or load_rules()
    sheet = workbook[rules["sheets"]["feasibility"]]
    labels = {f: s["label"] for f, s in rules["feasibility_headers"].items()}
    header, rows = _sheet_rows(sheet, FEASIBILITY_HEADER_ROW, ["pi_id"], labels)
    for entry in answers.to_dict("records"):
        r = rows.get((str(entry["pi_id"]),))
        if r is None:
            raise InvalidArgumentError(f"The feasibility sheet has no row for {entry['pi_id']}.")
        for field in FEASIBILITY_ENTRY_FIELDS:
            if field in entry and not _missing(entry[field]):
                write_cell(sheet.cell(row=r, column=header[field]), entry[field])
    return workbook


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def workbook_bytes(workbook: Workbook, when: dt.datetime | None = None) -> bytes:
    """Save a workbook to bytes; with ``when``, every date inside is fixed (same bytes each time).

    Input: an openpyxl Workbook; ``when``: the created/modified date and the zip members' time.
    Output: the .xlsx bytes. Raises nothing of its own.
    """
    if when is not None:
        workbook.properties.created = workbook.properties.modified = when
    buffer = std_io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    if when is None:
        return data
    return fixed_zip_bytes(data, when)


def _default_out(name: str) -> Path:
    return (
        paths.reports_dir()
        / "pilot"
        / "templates"
        / f"{register.slugify(name)}_pilot_template.xlsx"
    )


def write_pilot_template(
    borough: str,
    periods: str | Iterable[str] | None = None,
    out: Path | str | None = None,
    *,
    model_version: str | None = None,
    published: pd.DataFrame | None = None,
    generated: dt.date | None = None,
) -> Path:
    """Write one borough's pilot workbook (``lscb pilot template --borough NAME``).

    Inputs: the borough as people write it ("RBKC", "LB Barnet"); the periods
    (``2024Q1..2025Q4``; None: the default in pilot_rules.yaml); ``out`` (None:
    ``reports/pilot/templates/<borough>_pilot_template.xlsx``); the model version (None: the
    latest); the published statistics (None: ``public_indicators``); the date to stamp.
    Output: the path written.
    Raises: UnknownAreaError (borough), InvalidArgumentError (periods, not a London borough),
    CatalogueError (model version), RawDataWriteError (``out`` under data/raw/).
    """
    area = register.resolve(borough)
    if not area.is_london:
        raise InvalidArgumentError(
            f"{area.name} is not a London borough; the pilot templates are for London's boroughs."
        )
    rules = load_rules()
    catalogue = catalogue_module.load_catalogue(model_version)
    workbook = build_template(
        [area],
        period_range(periods, rules),
        catalogue,
        published if published is not None else published_figures(),
        rules=rules,
        generated=generated,
    )
    target = io.ensure_writable(out if out is not None else _default_out(area.name))
    stamp = dt.datetime.combine(generated, dt.time(9, 0)) if generated else None
    target.write_bytes(workbook_bytes(workbook, stamp))
    return target


def write_agency_template(
    agency: str,
    boroughs: str = "all",
    periods: str | Iterable[str] | None = None,
    out: Path | str | None = None,
    *,
    model_version: str | None = None,
    published: pd.DataFrame | None = None,
    generated: dt.date | None = None,
) -> Path:
    """Write one workbook for a partner reporting centrally for many boroughs.

    ``lscb pilot template --agency police --boroughs all``: the agency's PIs (catalogue
    source agency) for each borough, with a borough column. Inputs as
    :func:`write_pilot_template`, plus ``agency`` (as written: "Metropolitan Police") and
    ``boroughs`` (comma-separated names or ``all``). ``out`` defaults to
    ``reports/pilot/templates/<agency>_pilot_template.xlsx``. Output: the path written.
    Raises: as :func:`write_pilot_template`; InvalidArgumentError for an unknown agency or one
    supplying no PI.
    """
    code = resolve_agency(agency)
    areas = register.resolve_many(boroughs)
    outside = [a.name for a in areas if not a.is_london]
    if outside:
        raise InvalidArgumentError(
            f"{', '.join(outside)}: not London borough(s); the pilot covers London only."
        )
    rules = load_rules()
    catalogue = catalogue_module.load_catalogue(model_version)
    workbook = build_template(
        areas,
        period_range(periods, rules),
        catalogue,
        published if published is not None else published_figures(),
        agency=code,
        rules=rules,
        generated=generated,
    )
    target = io.ensure_writable(out if out is not None else _default_out(code))
    stamp = dt.datetime.combine(generated, dt.time(9, 0)) if generated else None
    target.write_bytes(workbook_bytes(workbook, stamp))
    return target
