"""The value checks of one pilot return: every row's area, PI, status and figures checked
against the catalogue and the published values, and the feasibility answers it gives.

What a figure cell holds (a number, "n/a", "12 children") is read by
:mod:`lscb_analysis.pilot.pilot_value_text`; the checks of a borough's own figures and the
status they imply are in :mod:`lscb_analysis.pilot.pilot_figures`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from lscb_analysis.core import register
from lscb_analysis.core.errors import (
    InvalidArgumentError,
)
from lscb_analysis.core.returned_workbook_cells import cell_text
from lscb_analysis.pilot import pilot_periods
from lscb_analysis.pilot.pilot_figures import (
    figure_checks,
    number_text,
    status_checks,
    typed_figures,
)
from lscb_analysis.pilot.pilot_identify import IngestContext, ReturnIdentity, london_area
from lscb_analysis.pilot.pilot_read import normalise_pi
from lscb_analysis.pilot.pilot_result import RAW_FIELDS, ReturnFile
from lscb_analysis.pilot.pilot_value_text import ValueWords
from lscb_analysis.published import public_data
from lscb_analysis.survey.survey_rules import normalise_key

# number_text lives in pilot_figures; it is named here too for the modules that import it
# from pilot_checks (pilot_resubmissions).
__all__ = ["check_feasibility_rows", "check_rows", "number_text"]


def _published_value(
    context: IngestContext, indicator: str, year: int, la_number: str
) -> tuple[float | None, int | None]:
    """The published value for a year, else the latest earlier published one."""
    for candidate in range(year, year - 6, -1):
        found = context.table.get((indicator, candidate, la_number))
        if found is not None and found.status == public_data.OK and not pd.isna(found.value):
            return float(found.value), candidate
    return None, None


def _row_area(raw: dict[str, Any], add: Callable[..., None]) -> register.LocalAuthority | None:
    """The London borough a row's borough cell names (None, reported, when it names none)."""
    area = london_area(raw.get("borough"))
    if area is None:
        add(
            "E_UNKNOWN_BOROUGH",
            "borough",
            f"{cell_text(raw.get('borough')) or 'The borough cell is blank'!s}: not a "
            "London borough the register knows.",
        )
    return area


def _prefilled_changes(
    raw: dict[str, Any],
    published_row: Any,
    decimals: int,
    context: IngestContext,
    words: ValueWords,
) -> list[str]:
    """How a row's cells differ from the published figure prefilled in them (beyond the
    prefilled tolerance), one phrase per changed cell."""
    changed = []
    for name, published in (
        ("value", published_row.value),
        ("numerator", published_row.numerator),
        ("denominator", published_row.denominator),
    ):
        read = words.read(raw.get(name)).number
        if (
            read is not None
            and not pd.isna(published)
            and abs(read - float(published))
            > float(context.rules["checks"]["prefilled_tolerance"])
            * max(1.0, abs(float(published)))
        ):
            changed.append(
                f"the {name} is {number_text(float(published), decimals)} but "
                f"the table shows {number_text(read, decimals)}"
            )
    return changed


def _row_status(raw: dict[str, Any], context: IngestContext, add: Callable[..., None]) -> str:
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


def _row_period(raw: dict[str, Any], ident: ReturnIdentity, add: Callable[..., None]) -> str:
    """A row's period as ``YYYYQn`` (``""``, reported, when it cannot be read); a period the
    template does not list is reported too."""
    try:
        period = pilot_periods.parse_period(raw.get("period"))
    except InvalidArgumentError:
        add(
            "E_PERIOD",
            "period",
            f"{cell_text(raw.get('period')) or 'The period is blank'!s}: not a period the "
            "workbench can read (write 2025Q1 for January to March 2025).",
        )
        return ""
    if period and ident.template_periods and period not in ident.periods:
        add(
            "E_PERIOD",
            "period",
            f"Period {period} is not one of the template's periods "
            f"({ident.periods[0]} to {ident.periods[-1]}).",
        )
    return period


def check_rows(
    ret: ReturnFile, ident: ReturnIdentity, context: IngestContext
) -> tuple[list[dict], list[dict]]:
    """Row-level checks of one return: (value records, findings)."""
    rules = context.rules
    words = ValueWords.from_rules(rules)
    catalogue = context.catalogue(ident.model_version)
    pis = {pi["id"]: pi for pi in catalogue.pis.to_dict("records")}
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
        period = _row_period(raw, ident, add)
        pi = _row_pi(pis, pi_id, catalogue.version, add)
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
                (pi["source_indicator"], pilot_periods.reporting_year(period), la_number)
            )
            if prefilled and pi is not None
            else None
        )
        source_agency = cell_text(raw.get("source_agency"))
        source_system = cell_text(raw.get("source_system"))
        if published_row is not None and published_row.status == public_data.OK:
            # A published figure: it is used whatever the cells say; a change is queried.
            changed = _prefilled_changes(raw, published_row, decimals, context, words)
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
            numerator, denominator, value, status = _borough_figures(
                raw, pi, (period, la_number), context, words, add
            )
            prefilled = prefilled and status in context.published_statuses and value is None
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
                "_cells": {name: raw.get(f"{name}_cell", "") for name in RAW_FIELDS},
            }
        )
    return values, findings


# --- a borough's own figures -------------------------------------------------------------------


def _borough_figures(
    raw: Mapping[str, Any],
    pi: Mapping[str, Any] | None,
    where: tuple[str, str],
    context: IngestContext,
    words: ValueWords,
    add: Callable[..., None],
) -> tuple[float | None, float | None, float | None, str]:
    """A row the borough filled, checked: (numerator, denominator, value, status). ``where``
    is the row's (period, la_number)."""
    rules = context.rules
    unit = pilot_periods.unit_rule(pi["unit"], rules) if pi is not None else {}
    decimals = int(pi["decimals"]) if pi is not None else 1
    figures = typed_figures(raw, words)
    numerator, denominator, value = figure_checks(
        figures, raw, unit, decimals, pi, rules["checks"]["value_tolerance"], words, add
    )
    status = status_checks(
        _row_status(raw, context, add), figures, raw, value, context.with_figure, words, add
    )
    period, la_number = where
    if (
        pi is not None
        and pi["source_type"] == "national"
        and value is not None
        and period
        and la_number
    ):
        detail = _far_from_published(
            context, pi, period, la_number, value, decimals, rules["checks"]["published_annual"]
        )
        if detail:
            add("Q_FAR_FROM_PUBLISHED", "value", detail)
    return numerator, denominator, value, status


def _far_from_published(
    context: IngestContext,
    pi: Mapping[str, Any],
    period: str,
    la_number: str,
    value: float,
    decimals: int,
    annual: Mapping,
) -> str | None:
    """The message when a borough's figure is far from its published annual one, else None."""
    published, year = _published_value(
        context, pi["source_indicator"], pilot_periods.reporting_year(period), la_number
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
    scaled = f" (x {scale:g} for a year: {number_text(compared, decimals)})" if scale != 1 else ""
    return (
        f"{pi['id']} {period} is {number_text(value, decimals)}{scaled}, "
        f"far from the borough's published figure for {public_data.period_label(year)} "
        f"({number_text(published, decimals)})."
    ).strip()


def check_feasibility_rows(
    ret: ReturnFile, ident: ReturnIdentity, context: IngestContext
) -> list[dict]:
    """The feasibility sheet's answers, one row per borough and PI, with the cycle the
    catalogue needs beside the cycle offered. Output: list of dicts."""
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
