"""Phase III pilot: write the pilot workbooks, and fill and save a built one.

:func:`write_pilot_template` writes one borough's workbook (``lscb pilot template --borough``);
:func:`write_agency_template` one workbook for a partner that reports centrally for many
boroughs (``lscb pilot template --agency police --boroughs all``), with a borough column. Both
build it with :func:`lscb_analysis.pilot.pilot_workbook.build_template` (the sheets are
described there). :func:`fill_template` and :func:`fill_feasibility` fill a built workbook
programmatically (tests and the demo); :func:`workbook_bytes` saves a workbook with fixed dates
so the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io as std_io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook

from lscb_analysis.core import io, paths, register
from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.pilot import pilot_periods, pilot_table, pilot_workbook
from lscb_analysis.protect.safe_files import fixed_zip_bytes, write_cell
from lscb_analysis.survey import survey_rules


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

    Inputs: the workbook from :func:`lscb_analysis.pilot.pilot_workbook.build_template`;
    ``entries`` with ``pi_id, period`` (and ``borough`` for an agency workbook) and any of
    ``numerator, denominator, status, source_agency, source_system, narrative``; ``value`` (a
    typed number replacing the formula, as a borough overwriting it would) and ``title``.
    Missing values (NaN/None) leave a cell as it is. ``add_missing``: append rows the template
    lacks at the bottom (a period or PI the template did not ask for) instead of raising.
    Output: the same workbook. Raises InvalidArgumentError for an entry matching no row.
    """
    rules = rules or pilot_periods.load_rules()
    sheet = workbook[rules["sheets"]["data"]]
    labels = {field: spec["label"] for field, spec in rules["headers"].items()}
    agency = sheet.cell(row=pilot_workbook.DATA_HEADER_ROW, column=1).value == labels["borough"]
    keys = (["borough"] if agency else []) + ["pi_id", "period"]
    header, rows = _sheet_rows(sheet, pilot_workbook.DATA_HEADER_ROW, keys, labels)
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
        for field in (*pilot_workbook.ENTRY_FIELDS, "value", "title"):
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
    rules = rules or pilot_periods.load_rules()
    sheet = workbook[rules["sheets"]["feasibility"]]
    labels = {f: s["label"] for f, s in rules["feasibility_headers"].items()}
    header, rows = _sheet_rows(sheet, pilot_workbook.FEASIBILITY_HEADER_ROW, ["pi_id"], labels)
    for entry in answers.to_dict("records"):
        r = rows.get((str(entry["pi_id"]),))
        if r is None:
            raise InvalidArgumentError(f"The feasibility sheet has no row for {entry['pi_id']}.")
        for field in pilot_workbook.FEASIBILITY_ENTRY_FIELDS:
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
    rules = pilot_periods.load_rules()
    catalogue = catalogue_module.load_catalogue(model_version)
    workbook = pilot_workbook.build_template(
        [area],
        pilot_periods.period_range(periods, rules),
        catalogue,
        published if published is not None else pilot_table.published_figures(),
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
    Raises: as :func:`write_pilot_template`; ParameterError for an unknown agency,
    InvalidNameError for one with hidden characters, InvalidArgumentError for one supplying no PI.
    """
    code = survey_rules.resolve_agency(agency)
    areas = register.resolve_many(boroughs)
    outside = [a.name for a in areas if not a.is_london]
    if outside:
        raise InvalidArgumentError(
            f"{', '.join(outside)}: not London borough(s); the pilot covers London only."
        )
    rules = pilot_periods.load_rules()
    catalogue = catalogue_module.load_catalogue(model_version)
    workbook = pilot_workbook.build_template(
        areas,
        pilot_periods.period_range(periods, rules),
        catalogue,
        published if published is not None else pilot_table.published_figures(),
        agency=code,
        rules=rules,
        generated=generated,
    )
    target = io.ensure_writable(out if out is not None else _default_out(code))
    stamp = dt.datetime.combine(generated, dt.time(9, 0)) if generated else None
    target.write_bytes(workbook_bytes(workbook, stamp))
    return target
