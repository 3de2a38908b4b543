"""The standing quarterly return: the pilot's workbook, for one quarter, with its history.

:func:`write_quarterly_returns` writes each board's (or a central agency's) return for a
quarter from the agreed model version: the same workbook as the Phase III pilot
(:func:`lscb_analysis.pilot.pilot_workbook.build_template`: one template writer for both
routes, the same protections, lists and hidden identity sheet), covering the quarter and the
``history_quarters`` before it (``data/reference/returns.yaml``). Figures already returned for
the earlier quarters (the ingested history, ``pilot_values``) are filled in and locked, so the
return shows the series the quarter continues; only the quarter itself is to fill. Returned
workbooks are read by the same ingest (``lscb pilot ingest``), into the same history.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Protection

from lscb_analysis.core import io, paths, register
from lscb_analysis.core.errors import InvalidArgumentError, MissingDataFileError
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.pilot import (
    pilot_outputs,
    pilot_periods,
    pilot_table,
    pilot_template,
    pilot_workbook,
    returns_register,
)
from lscb_analysis.survey import survey_rules


def quarters_for(quarter: str, config: dict | None = None) -> list[str]:
    """The quarter and the ``history_quarters`` before it, oldest first.

    >>> quarters_for("2026Q1", {"history_quarters": 2})
    ['2025Q3', '2025Q4', '2026Q1']

    Raises: InvalidArgumentError for a quarter that is not one (``2026Q3``).
    """
    config = config or returns_register.load_returns_config()
    chosen = pilot_periods.period_range(quarter)
    if len(chosen) != 1:
        raise InvalidArgumentError(f"--quarter {quarter!r}: give one quarter, such as 2026Q3.")
    last = pilot_periods.period_index(chosen[0])
    history = int(config.get("history_quarters", 0))
    return [pilot_periods.period_from_index(i) for i in range(last - history, last + 1)]


def history_values(la_numbers: list[str], before: str) -> pd.DataFrame:
    """The figures already returned for these boroughs before quarter ``before`` (rows with
    a figure, from the ingested history; empty when nothing has been ingested yet)."""
    try:
        values = pilot_outputs.load_pilot_values()
    except MissingDataFileError:
        return pd.DataFrame(columns=["la_number", "borough", "pi_id", "period"])
    rules = pilot_periods.load_rules()
    earlier = values["period"].map(
        lambda p: pilot_periods.period_index(p) < pilot_periods.period_index(before)
    )
    return values[
        values["la_number"].astype(str).isin(la_numbers)
        & earlier.astype(bool)
        & ~values["prefilled"].astype(bool)
        & values["status"].isin(rules["statuses"]["with_figure"])
        & values["value"].notna()
    ]


def fill_history(workbook: Workbook, history: pd.DataFrame, agency: bool) -> int:
    """Fill the earlier quarters' figures into a built workbook and lock those cells.

    Inputs: the workbook; ``history`` (:func:`history_values`); ``agency`` (the workbook
    has a borough column). Output: the number of rows filled. Rows the template does not
    have (a PI no longer in the model) are left out.
    """
    rules = pilot_periods.load_rules()
    sheet = workbook[rules["sheets"]["data"]]
    labels = {field: spec["label"] for field, spec in rules["headers"].items()}
    keys = (["borough"] if agency else []) + ["pi_id", "period"]
    header = {
        field: cell.column
        for cell in sheet[pilot_workbook.DATA_HEADER_ROW]
        for field, label in labels.items()
        if cell.value == label
    }
    rows = {
        tuple(str(sheet.cell(row=r, column=header[k]).value or "") for k in keys): r
        for r in range(pilot_workbook.DATA_HEADER_ROW + 1, sheet.max_row + 1)
    }
    entries = history[[c for c in history.columns if c in {*keys, *pilot_workbook.ENTRY_FIELDS}]]
    entries = entries[[tuple(str(e[k]) for k in keys) in rows for _, e in entries.iterrows()]]
    pilot_template.fill_template(workbook, entries, rules=rules)
    for _, entry in entries.iterrows():
        r = rows[tuple(str(entry[k]) for k in keys)]
        for field in pilot_workbook.ENTRY_FIELDS:
            if field in header:
                cell = sheet.cell(row=r, column=header[field])
                cell.protection = Protection(locked=True)
                cell.fill = pilot_workbook.LOCKED_FILL
    return len(entries)


def _out(folder: Path | None, quarter: str, name: str) -> Path:
    base = folder if folder is not None else paths.reports_dir() / "returns" / "templates"
    return Path(base) / quarter / f"{register.slugify(name)}_{quarter}.xlsx"


def write_quarterly_returns(
    quarter: str,
    borough: str | None = None,
    agency: str | None = None,
    out_dir: Path | str | None = None,
    *,
    model_version: str | None = None,
    published: pd.DataFrame | None = None,
) -> list[tuple[Path, int]]:
    """Write the quarter's return for each board named (``borough``: a name, several, or
    ``all``), or one for a central agency (``agency``, for the boroughs named, default all).

    Output: (path, history rows filled) per workbook, under
    ``<out_dir or reports/returns/templates>/<quarter>/<name>_<quarter>.xlsx``.
    Raises: InvalidArgumentError (quarter; a borough outside London; neither or both of
    borough and agency), UnknownAreaError, ParameterError (agency), CatalogueError.
    """
    if borough is None and agency is None:
        raise InvalidArgumentError("Give --borough NAME|all, or --agency NAME.")
    periods = quarters_for(quarter)
    areas = register.resolve_many(borough or "all")
    outside = [area.name for area in areas if not area.is_london]
    if outside:
        raise InvalidArgumentError(f"{', '.join(outside)}: not London boroughs.")
    rules = pilot_periods.load_rules()
    catalogue = catalogue_module.load_catalogue(model_version)
    index = pilot_table.published_index(
        published if published is not None else pilot_table.published_figures()
    )
    code = survey_rules.resolve_agency(agency) if agency else None
    groups = [(code, areas)] if code else [(area.name, [area]) for area in areas]
    written = []
    for name, group in groups:
        workbook = pilot_workbook.build_template(
            group, periods, catalogue, index, agency=code, rules=rules
        )
        history = history_values([a.la_number for a in group], periods[-1])
        filled = fill_history(workbook, history, agency=code is not None)
        target = io.ensure_writable(_out(Path(out_dir) if out_dir else None, periods[-1], name))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pilot_template.workbook_bytes(workbook))
        written.append((target, filled))
    return written
