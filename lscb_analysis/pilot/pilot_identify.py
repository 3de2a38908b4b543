"""Identifying a pilot return: the shared checking context (:class:`IngestContext`) and whose
return it is, for which model version and periods (:func:`identify_return`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from lscb_analysis.core import name_text, register
from lscb_analysis.core.errors import (
    CatalogueError,
    InvalidArgumentError,
    PilotFileError,
    UnknownAreaError,
)
from lscb_analysis.core.returned_workbook_cells import cell_text
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.pilot import pilot_periods, pilot_table
from lscb_analysis.pilot.pilot_read import status_matcher
from lscb_analysis.pilot.pilot_result import ReturnFile
from lscb_analysis.survey.survey_rules import find_borough

_MODEL = re.compile(r"\b(?:model|version|catalogue)\b\D{0,12}?v?\s*(\d+(?:\.\d+)+)", re.IGNORECASE)

# --- identifying and checking a return -------------------------------------------------------


class IngestContext:
    """Everything the checks of one ingest share: rules, catalogues, published figures."""

    def __init__(self, rules: Mapping, published: pd.DataFrame):
        self.rules = rules
        self.published = published
        self.index = pilot_table.published_index(published)
        self.table, self.latest = self.index.table, self.index.latest
        self.catalogues: dict[str, catalogue_module.Catalogue] = {}
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
class ReturnIdentity:
    """Whom a return is from and what it covers: the boroughs, the agency (for a central
    return), the periods, the model version, where that was read from (``identified_from``),
    the returner key, the date submitted, file-level notes, the row layout, and the value rows
    read per borough."""

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


def london_area(text: Any) -> register.LocalAuthority | None:
    """The London borough a cell names (names as people write them), or None."""
    raw = cell_text(text)
    if not raw:
        return None
    try:
        area = register.resolve(raw)
    except UnknownAreaError:
        return find_borough(raw)
    return area if area.is_london else None


def _identify_from_meta(
    ret: ReturnFile, meta: dict[str, str], context: IngestContext, submitted: dt.date
) -> ReturnIdentity:
    """Identify a return from its hidden template sheet (the issued template's own record of
    boroughs, periods and model version); apart from :func:`identify_return`'s rebuilt-by-hand path."""
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
        periods = pilot_periods.period_range(meta.get("periods", ""), rules)
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
    named = find_borough(ret.path.stem)
    if named is not None and named.la_number not in {area.la_number for area in areas}:
        # Never let a return named for one borough stand as another's (re-)submission.
        owner = areas[0].name if len(areas) == 1 else meta.get("boroughs", "those boroughs")
        raise PilotFileError(
            f"{ret.path.name}: the file name says {named.name}, the hidden sheet says "
            f"{', '.join(area.name for area in areas)}. The return was set aside, so it "
            f"replaces neither's figures: rename the file if it is {owner}'s, or ask {owner} "
            "whether it is theirs.",
            code="identity_mismatch",
        )
    layout = pilot_table.template_rows(
        catalogue, areas, periods, context.index, rules, agency or None
    )
    expected = pilot_table.template_checksum(meta, layout)
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
    return ReturnIdentity(
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


def identify_return(ret: ReturnFile, context: IngestContext) -> ReturnIdentity:
    """Identify a return: from its hidden template sheet when it has one, else from its
    contents (borough column, text above the table, sheet and file names). Output:
    :class:`ReturnIdentity`. Raises PilotFileError (``borough_not_identifiable``) when no
    London borough can be found."""
    rules = context.rules
    where = {"file": ret.path.name, "sha256": ret.sha256}
    notes: list[dict[str, Any]] = []
    submitted = ret.date_returned or ret.modified.date()
    if ret.meta is not None:
        return _identify_from_meta(ret, ret.meta, context, submitted)

    # Rebuilt by hand: identify from the contents.
    areas = []
    if "borough" in ret.columns:
        found = {a.la_number: a for row in ret.rows if (a := london_area(row.get("borough")))}
        areas = list(found.values())
    if not areas:
        for text in (ret.text_above, ret.data_sheet, ret.path.stem):
            area = find_borough(text)
            if area is not None:
                areas = [area]
                break
    if not areas:
        raise PilotFileError(
            f"{name_text.display_text(ret.path.name)}: the borough cannot be told (no hidden "
            "template sheet, no borough column, and no borough named above the table, in the "
            "sheet name or in the file name). Ask the borough to use the template, or rename "
            "the file <borough>_pilot_return.xlsx." + name_text.hidden_note(ret.path.name),
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
            periods.append(pilot_periods.parse_period(row.get("period")))
        except InvalidArgumentError:
            continue
    if periods:
        first, last = (
            min(periods, key=pilot_periods.period_index),
            max(periods, key=pilot_periods.period_index),
        )
        periods = [
            pilot_periods.period_from_index(i)
            for i in range(pilot_periods.period_index(first), pilot_periods.period_index(last) + 1)
        ]
    layout = (
        pilot_table.template_rows(catalogue, areas, periods, context.index, rules)
        if periods
        else pd.DataFrame(columns=pilot_table.ROW_COLUMNS)
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
    return ReturnIdentity(
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
