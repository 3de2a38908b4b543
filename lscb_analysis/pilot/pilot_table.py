"""Phase III pilot: what goes in a pilot template's table, before any workbook is built.

:func:`published_figures` and :func:`published_index` give the published statistics
(``public_indicators``) indexed for look-ups; :func:`template_rows` lists the Data sheet's rows
(one per borough, current PI and period at its cycle, national PIs' year-end figures
pre-filled); :func:`template_meta` and :func:`template_checksum` give the hidden ``Template
info`` values that identify a template's layout (the ingest recomputes them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lscb_analysis.core import register
from lscb_analysis.core.errors import InvalidArgumentError, MissingDataFileError
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.pilot import pilot_periods
from lscb_analysis.published import public_data

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
    rules = rules or pilot_periods.load_rules()
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
            unit = pilot_periods.unit_rule(pi.unit, rules)
            for period in periods:
                quarter = pilot_periods.period_key(period)[1]
                prefilled = national and quarter == year_end
                if quarter not in quarters and not prefilled:
                    continue
                year = pilot_periods.reporting_year(period)
                row = {
                    "borough": area.name,
                    "la_number": area.la_number,
                    "pi_id": pi.id,
                    "title": pi.title,
                    "period": period,
                    "months": pilot_periods.period_months(period),
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
