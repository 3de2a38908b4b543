"""Synthetic Phase III pilot returns for the demo (``lscb demo-data``), all marked SYNTHETIC.

:func:`write_demo_pilot` writes, into ``data/raw/pilot/`` and only when that folder holds no
returns yet, one return per pilot borough of the seed (the eleven in ``pilot_boroughs`` of
``data/reference/pilot_rules.yaml``) over 2024Q1..2025Q4, made with the real template
(:mod:`lscb_analysis.pilot.pilot_template`) and filled the way boroughs fill it:

* figures for national PIs consistent with each borough's published annual figures (a
  quarter's count of events is about a quarter of the year's);
* clean boroughs (Barking and Dagenham, Tower Hamlets; Southwark rebuilt the table by hand
  in its own layout), and planted problems of every kind: errors (not a number, negative,
  zero denominator, numerator above denominator, value not matching, period outside the
  template, PI not in the model, duplicate row, unknown status, unknown borough), queries
  (SPC jump, stated-rule jump, denominator swing, far from the published figure, provided but
  empty, status missing, value without counts, published figure changed, two returns
  disagreeing, narrative missing) and continuity (a gap, a series that stopped);
* one agency-wide return (the Metropolitan Police for six boroughs) and one re-submission
  (Barnet's second file, which corrects its first).

Every file is named ``SYNTHETIC_...``, says so on its Instructions sheet, and the folder gets
a ``SYNTHETIC.md`` listing the files and what was planted. The same seed gives the same bytes
(workbook dates and zip member times are fixed). :func:`demo_pilot_plan` lists the planted
problems with their cells, for tests.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from lscb_analysis.core import io, register
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.pilot import pilot_template
from lscb_analysis.protect.safe_files import write_cell

LOGGER = logging.getLogger(__name__)

DEFAULT_SEED = 20261122
DEMO_MARKER = "SYNTHETIC DEMO DATA - not real returns"
BANNER = (
    f"{DEMO_MARKER}: every figure in this workbook is invented by the workbench's demo "
    "generator (lscb demo-data) to show how pilot returns are checked."
)
PERIODS = "2024Q1..2025Q4"
MODEL_VERSION = "1.0"
ISSUED = dt.date(2026, 2, 2)
AGENCY = "police"
AGENCY_BOROUGHS = ("Barnet", "Brent", "Ealing", "Enfield", "Southwark", "Tower Hamlets")
# A PI most boroughs cannot provide yet, so the report has one to postpone.
HARD_PI = "BF-DA-03"
HARD_PI_BOROUGHS = (
    "Brent",
    "Bromley",
    "Ealing",
    "Kingston upon Thames",
    "Tower Hamlets",
    "Waltham Forest",
)
PLAN_COLUMNS = ["file", "borough", "code", "pi_id", "period", "cell", "what"]
"""Columns of :func:`demo_pilot_plan`: one row per planted problem (cell on the data sheet)."""
SCENARIOS = {
    "Barking and Dagenham": "clean",
    "Barnet": "re-submission: the first file has an error and missing quarters; the second "
    "corrects them",
    "Brent": "errors in the figures (text, negative)",
    "Bromley": "errors in the ratios (numerator above denominator, value typed over the "
    "formula, zero denominator)",
    "Ealing": "rows outside the template (period, PI), a duplicate and an unknown status",
    "Enfield": "series queries (SPC jump, stated-rule jump, denominator swing) and a figure "
    "differing from the police return",
    "Kensington and Chelsea": "row queries (far from published, provided but empty, status "
    "missing, value without counts, published figure changed)",
    "Kingston upon Thames": "continuity (a gap, a series that stopped)",
    "Southwark": "clean, but rebuilt by hand in its own layout (no hidden sheet)",
    "Tower Hamlets": "clean",
    "Waltham Forest": "little data: many PIs not available, annual only, feasibility no/partly",
}
RETURNED = {
    "Barking and Dagenham": dt.date(2026, 4, 14),
    "Barnet": dt.date(2026, 4, 10),
    "Brent": dt.date(2026, 4, 16),
    "Bromley": dt.date(2026, 4, 17),
    "Ealing": dt.date(2026, 4, 15),
    "Enfield": dt.date(2026, 4, 20),
    "Kensington and Chelsea": dt.date(2026, 4, 13),
    "Kingston upon Thames": dt.date(2026, 4, 21),
    "Southwark": dt.date(2026, 4, 22),
    "Tower Hamlets": dt.date(2026, 4, 9),
    "Waltham Forest": dt.date(2026, 4, 24),
}
RESUBMITTED = dt.date(2026, 4, 28)
AGENCY_RETURNED = dt.date(2026, 4, 23)
SYSTEMS = {
    "children's social care": ["Mosaic", "LCS", "Liquidlogic", "Azeus"],
    "police": ["CRIS", "Merlin", "MASH log"],
    "health (commissioner)": ["Designated nurse return", "Trust compliance return"],
    "health (acute)": ["Maternity system (Cerner)", "Euroking"],
    "education": ["Virtual school database", "Synergy"],
    "probation": ["nDelius"],
    "youth offending": ["ChildView", "YOIS"],
    "voluntary sector": ["Return interview log"],
    "the board itself": ["Board tracker (Excel)", "Survey tool"],
}
NARRATIVES = [
    "Consistent with the previous quarter.",
    "",
    "Figure checked with the service manager.",
    "",
    "",
    "Includes a small number of late recorded episodes.",
]
CONCERNS = [
    "",
    "",
    "Recording is inconsistent between teams.",
    "Matching between two systems is manual.",
    "Definition differs slightly from ours.",
    "",
]


class _Row:
    """One template row with attribute access (faster than DataFrame.itertuples)."""

    def __init__(self, **fields: Any):
        self.__dict__.update(fields)


@dataclass
class _Return:
    name: str
    boroughs: list[str]
    returned: dt.date
    content: bytes = b""
    planted: list[dict[str, Any]] = field(default_factory=list)


def _population(index: pilot_template.PublishedIndex) -> dict[str, float]:
    """Children aged 0-17 in each LA: the latest denominator of the children-in-need rate."""
    out: dict[str, tuple[int, float]] = {}
    for (indicator, period, la), figure in index.table.items():
        if (
            indicator == "cin_rate"
            and not pd.isna(figure.denominator)
            and (la not in out or period > out[la][0])
        ):
            out[la] = (period, float(figure.denominator))
    return {la: value for la, (_, value) in out.items()}


def _published(index: pilot_template.PublishedIndex) -> dict[tuple[str, str], dict[int, Any]]:
    out: dict[tuple[str, str], dict[int, Any]] = {}
    for (indicator, period, la), figure in index.table.items():
        if figure.status == "ok":
            out.setdefault((indicator, la), {})[period] = figure
    return out


def _figures(
    rng: random.Random, rows: pd.DataFrame, population: float, published: dict, rules: dict
) -> pd.DataFrame:
    """Plausible numerator / denominator for each borough-filled row, PI by PI."""
    scales = rules["checks"]["published_annual"]["annual_scale"]
    out = []
    records: dict[tuple[str, str], list[Any]] = {}
    for item in rows[rows["borough_fills"]].to_dict("records"):
        records.setdefault((item["la_number"], item["pi_id"]), []).append(_Row(**item))
    for (la, pi_id), group in records.items():
        unit = group[0].unit
        base_pct = rng.uniform(55, 90)
        base_den = rng.randint(60, 400)
        base_rate = rng.uniform(8, 60) if unit == "rate_per_10000" else rng.uniform(120, 380)
        population_band = population * (
            0.42 if unit == "rate_per_100000" or pi_id in ("BF-YS-04",) else 1.0
        )
        for item in group:
            national = item.source_type == "national"
            year_figures = published.get((item.source_indicator, la), {}) if national else {}
            year = item.reporting_year
            found = year_figures.get(year) or (
                year_figures[max(year_figures)] if year_figures else None
            )
            scale = float(scales.get(item.source_indicator, 1))
            wobble = rng.uniform(-0.02, 0.02)
            if unit == "percent":
                pct = (float(found.value) if found is not None else base_pct) + 100 * wobble
                pct = min(max(pct, 1.0), 99.0)
                size = (
                    found.denominator / scale
                    if found is not None and not pd.isna(found.denominator)
                    else base_den
                ) * (1 + rng.uniform(-0.06, 0.06))
                denominator = max(int(round(size)), 20)
                numerator = int(round(denominator * pct / 100))
            elif unit in ("rate_per_10000", "rate_per_100000"):
                multiplier = 10000 if unit == "rate_per_10000" else 100000
                rate = float(found.value) / scale if found is not None else base_rate
                denominator = int(round(population_band))
                numerator = int(round(rate * (1 + wobble) * denominator / multiplier))
            else:  # cases per FTE and others: a count over a small denominator
                denominator = round(rng.uniform(60, 120), 1)
                numerator = int(round(denominator * rng.uniform(12, 18)))
            system = rng.choice(SYSTEMS.get(item.source_agency, ["Spreadsheet"]))
            out.append(
                {
                    "la_number": la,
                    "borough": item.borough,
                    "pi_id": pi_id,
                    "period": item.period,
                    "numerator": numerator,
                    "denominator": denominator,
                    "status": "provided",
                    "source_agency": item.source_agency,
                    "source_system": system,
                    "narrative": rng.choice(NARRATIVES),
                }
            )
    return pd.DataFrame(out).astype(object)


def _set(entries: pd.DataFrame, pi_id: str, period: str, **values: Any) -> None:
    mask = (entries["pi_id"].to_numpy() == pi_id) & (entries["period"].to_numpy() == period)
    if not mask.any():
        raise KeyError(f"demo plan: no row {pi_id} {period}")
    for name, value in values.items():
        if name not in entries.columns:
            entries[name] = pd.Series([None] * len(entries), index=entries.index, dtype=object)
        entries.loc[mask, name] = value


def _feasibility(
    rng: random.Random, rows: pd.DataFrame, limited: bool, hard: bool = False
) -> pd.DataFrame:
    answers = []
    fills = rows[rows["borough_fills"]].drop_duplicates("pi_id")
    for item in fills.itertuples(index=False):
        roll = rng.random()
        if (limited and roll < 0.45) or (hard and item.pi_id == HARD_PI):
            can, cycle, effort = "no", "annual", "high"
        elif roll < (0.6 if limited else 0.12):
            can, cycle, effort = "partly", rng.choice(["six-monthly", "annual"]), "medium"
        else:
            can, cycle, effort = (
                "yes",
                item.frequency
                if item.frequency in ("quarterly", "six-monthly", "annual")
                else "quarterly",
                rng.choice(["low", "low", "medium"]),
            )
        answers.append(
            {
                "pi_id": item.pi_id,
                "can_provide": can,
                "cycle_offered": cycle,
                "source_agency": item.source_agency,
                "quality_concerns": rng.choice(CONCERNS)
                if can != "yes" or rng.random() < 0.2
                else "",
                "effort": effort,
                "comment": "Needs an information-sharing agreement." if can == "no" else "",
            }
        )
    return pd.DataFrame(answers)


def _cell(
    workbook: Workbook, rules: dict, borough: str | None, pi_id: str, period: str, name: str
) -> str:
    sheet = workbook[rules["sheets"]["data"]]
    labels = {f: s["label"] for f, s in rules["headers"].items()}
    header = {cell.value: cell.column_letter for cell in sheet[pilot_template.DATA_HEADER_ROW]}
    agency = borough is not None and labels["borough"] in header
    for r in range(pilot_template.DATA_HEADER_ROW + 1, sheet.max_row + 1):
        if (
            sheet[f"{header[labels['pi_id']]}{r}"].value == pi_id
            and sheet[f"{header[labels['period']]}{r}"].value == period
            and (not agency or sheet[f"{header[labels['borough']]}{r}"].value == borough)
        ):
            return f"{header[labels[name]]}{r}"
    return ""


def _plant(
    planted: list[dict],
    file: str,
    borough: str,
    code: str,
    pi_id: str,
    period: str,
    cell: str,
    what: str,
) -> None:
    planted.append(
        {
            "file": file,
            "borough": borough,
            "code": code,
            "pi_id": pi_id,
            "period": period,
            "cell": cell,
            "what": what,
        }
    )


def _not_available_elsewhere(entries: pd.DataFrame, rows: pd.DataFrame, name: str) -> None:
    """Mark 'not available' the PIs a borough cannot give itself: the police's (for the
    boroughs the agency return covers) and the hard PI (for the boroughs that cannot split it)."""
    police = rows[(rows["source_agency"] == AGENCY) & rows["borough_fills"]]
    if name in AGENCY_BOROUGHS:
        for item in police.itertuples(index=False):
            _set(
                entries,
                item.pi_id,
                item.period,
                numerator=None,
                denominator=None,
                status="not available",
                source_system="",
                narrative="Provided centrally by the Metropolitan Police.",
            )
    if name in HARD_PI_BOROUGHS:
        for item in rows[(rows["pi_id"] == HARD_PI) & rows["borough_fills"]].itertuples(
            index=False
        ):
            _set(
                entries,
                item.pi_id,
                item.period,
                numerator=None,
                denominator=None,
                status="not available",
                source_system="",
                narrative="Probation cannot yet split these cases by borough.",
            )


def _waltham_forest_gaps(entries: pd.DataFrame, rows: pd.DataFrame) -> None:
    """Waltham Forest's return: every other local PI not collected, national PIs reported
    annually only."""
    local = rows[(rows["source_type"] == "local") & rows["borough_fills"]]
    missing = sorted(local["pi_id"].unique())[::2]
    for item in local[local["pi_id"].isin(missing)].itertuples(index=False):
        _set(
            entries,
            item.pi_id,
            item.period,
            numerator=None,
            denominator=None,
            status="not available",
            source_system="",
            narrative="Not collected in this form; see the feasibility sheet.",
        )
    national = rows[(rows["source_type"] == "national") & rows["borough_fills"]]
    for item in national.itertuples(index=False):
        _set(
            entries,
            item.pi_id,
            item.period,
            numerator=None,
            denominator=None,
            status="not available",
            source_system="",
            narrative="We report this annually from the census only.",
        )


def _plant_workbook_cells(
    planted: list[dict],
    file: str,
    name: str,
    workbook: Any,
    workbook_cells: list[tuple],
    entries: pd.DataFrame,
    rows: pd.DataFrame,
    rules: dict,
) -> None:
    """Record where the planted problems ended up in the built workbook (their cells are known
    only once it is built)."""
    for code, pi_id, period, name_, what in workbook_cells:
        _plant(
            planted,
            file,
            name,
            code,
            pi_id,
            period,
            _cell(workbook, rules, None, pi_id, period, name_),
            what,
        )
    if name == "Ealing":
        sheet = workbook[rules["sheets"]["data"]]
        last = sheet.max_row
        duplicate = entries[(entries["pi_id"] == "BF-EH-03")].iloc[4]
        _plant(
            planted,
            file,
            name,
            "E_PERIOD",
            "BF-EH-02",
            "2026Q1",
            f"C{last - 2}",
            "period outside the template",
        )
        _plant(
            planted,
            file,
            name,
            "E_UNKNOWN_PI",
            "BF-ZZ-01",
            "2025Q1",
            f"A{last - 1}",
            "PI not in the model",
        )
        _plant(
            planted,
            file,
            name,
            "E_DUPLICATE",
            "BF-EH-03",
            duplicate["period"],
            f"A{last}",
            "the same PI and period twice",
        )
    if name == "Kensington and Chelsea":
        rows_cc = rows[(rows["pi_id"] == "BF-CC-01") & rows["prefilled"]]
        period = rows_cc["period"].iloc[-1]
        _plant(
            planted,
            file,
            name,
            "Q_PREFILLED_CHANGED",
            "BF-CC-01",
            period,
            _cell(workbook, rules, None, "BF-CC-01", period, "value"),
            "published figure overwritten",
        )


def _borough_return(
    name: str,
    area: register.LocalAuthority,
    catalogue: Any,
    published_table: pilot_template.PublishedIndex,
    published: dict,
    population: dict,
    rules: dict,
    rng: random.Random,
    periods: list[str],
) -> list[_Return]:
    slug = area.slug.replace("-", "_")
    file = f"SYNTHETIC_{slug}_pilot_return.xlsx"
    rows = pilot_template.template_rows(catalogue, [area], periods, published_table, rules)
    entries = _figures(rng, rows, population.get(area.la_number, 60000.0), published, rules)
    _not_available_elsewhere(entries, rows, name)
    planted: list[dict] = []
    extra = pd.DataFrame()
    workbook_cells: list[tuple] = []  # (code, pi, period, field, what)
    returns = []

    def mark(code: str, pi_id: str, period: str, name_: str, what: str) -> None:
        workbook_cells.append((code, pi_id, period, name_, what))

    if name == "Brent":
        _set(entries, "BF-EH-01", "2024Q3", numerator="approx 40")
        mark("E_NOT_NUMBER", "BF-EH-01", "2024Q3", "numerator", "text in the numerator")
        _set(entries, "BF-CP-04", "2025Q2", denominator=-12)
        mark("E_NEGATIVE", "BF-CP-04", "2025Q2", "denominator", "negative denominator")
    elif name == "Bromley":
        _set(entries, "BF-CC-04", "2024Q4", numerator=260, denominator=240)
        mark(
            "E_NUMERATOR_ABOVE_DENOMINATOR",
            "BF-CC-04",
            "2024Q4",
            "numerator",
            "numerator above denominator",
        )
        _set(entries, "BF-SG-01", "2025Q1", numerator=40, denominator=50, value=95.0)
        mark("E_VALUE_MISMATCH", "BF-SG-01", "2025Q1", "value", "value typed over the formula")
        _set(entries, "BF-EH-03", "2025Q3", numerator=35, denominator=0)
        mark("E_ZERO_DENOMINATOR", "BF-EH-03", "2025Q3", "denominator", "zero denominator")
    elif name == "Ealing":
        extra = pd.DataFrame(
            [
                {
                    "pi_id": "BF-EH-02",
                    "period": "2026Q1",
                    "numerator": 30,
                    "denominator": 50,
                    "status": "provided",
                    "title": "Early help assessments led by a partner agency",
                },
                {
                    "pi_id": "BF-ZZ-01",
                    "period": "2025Q1",
                    "numerator": 4,
                    "denominator": 9,
                    "status": "provided",
                    "title": "Children's centre registrations (our own PI)",
                },
            ]
        )
        _set(entries, "BF-CC-05", "2024Q2", status="dunno")
        mark("E_STATUS", "BF-CC-05", "2024Q2", "status", "status not in the list")
    elif name == "Enfield":
        values = entries[entries["pi_id"] == "BF-EH-02"]
        last = values[values["period"] == "2025Q4"].index[0]
        entries.loc[last, "numerator"] = int(round(float(entries.loc[last, "denominator"]) * 0.99))
        entries.loc[last, "narrative"] = ""
        mark("Q_JUMP", "BF-EH-02", "2025Q4", "value", "jump outside the SPC limits")
        mark("Q_NARRATIVE_MISSING", "BF-EH-02", "2025Q4", "narrative", "no narrative")
        qa = entries[(entries["pi_id"] == "BF-QA-01") & (entries["period"] == "2025Q3")].index[0]
        entries.loc[qa, "numerator"] = max(1, int(round(float(entries.loc[qa, "numerator"]) * 0.3)))
        entries.loc[qa, "narrative"] = "Audit theme this half-year was neglect: harder cases."
        mark("Q_JUMP", "BF-QA-01", "2025Q3", "value", "jump by the stated rule (few points)")
        da = entries[(entries["pi_id"] == "BF-DA-04") & (entries["period"] == "2024Q4")].index[0]
        for column in ("numerator", "denominator"):
            entries.loc[da, column] = int(float(entries.loc[da, column]) * 2.5)
        entries.loc[da, "narrative"] = ""
        mark("Q_DENOMINATOR_SWING", "BF-DA-04", "2024Q4", "denominator", "denominator swings")
        _set(
            entries,
            "BF-DA-01",
            "2025Q2",
            numerator=999,
            denominator=int(population.get(area.la_number, 60000.0)),
            status="provided",
            source_system="CRIS",
            narrative="Figure from the borough's own police liaison officer.",
        )
        mark(
            "Q_SOURCES_DIFFER",
            "BF-DA-01",
            "2025Q2",
            "value",
            "borough figure differs from the police return",
        )
    elif name == "Kensington and Chelsea":
        denominator = int(entries[entries["pi_id"] == "BF-FD-03"]["denominator"].iloc[0])
        _set(
            entries,
            "BF-FD-03",
            "2025Q3",
            numerator=int(denominator * 0.48),
            denominator=denominator,
            narrative="",
        )
        mark("Q_FAR_FROM_PUBLISHED", "BF-FD-03", "2025Q3", "value", "far from published")
        _set(
            entries,
            "BF-SG-02",
            "2025Q1",
            numerator=None,
            denominator=None,
            status="provided",
            narrative="",
        )
        mark("Q_PROVIDED_EMPTY", "BF-SG-02", "2025Q1", "status", "provided but no figure")
        _set(entries, "BF-SG-01", "2024Q2", status="", narrative="")
        mark("Q_STATUS_MISSING", "BF-SG-01", "2024Q2", "status", "figure without status")
        _set(
            entries,
            "BF-WF-03",
            "2025Q3",
            numerator=None,
            denominator=None,
            value=88.0,
            narrative="",
        )
        mark("Q_NO_COUNTS", "BF-WF-03", "2025Q3", "value", "value without counts")
        mark("Q_NARRATIVE_MISSING", "BF-WF-03", "2025Q3", "narrative", "no narrative")
        published_row = rows[(rows["pi_id"] == "BF-CC-01") & rows["prefilled"]].iloc[-1]
        extra = pd.DataFrame(
            [
                {
                    "pi_id": "BF-CC-01",
                    "period": published_row["period"],
                    "value": round(float(published_row["value"]) * 1.5),
                }
            ]
        )
    elif name == "Kingston upon Thames":
        _set(
            entries,
            "BF-EH-03",
            "2024Q4",
            numerator=None,
            denominator=None,
            status="not available",
            narrative="",
        )
        mark("C_GAP", "BF-EH-03", "2024Q4", "status", "gap inside the series")
        for period in ("2025Q3", "2025Q4"):
            _set(
                entries,
                "BF-CC-05",
                period,
                numerator=None,
                denominator=None,
                status="not available",
                narrative="Virtual school head post vacant.",
            )
        mark("C_STOPPED", "BF-CC-05", "2025Q3", "status", "provided last quarter, not this one")
        _set(
            entries,
            "BF-QA-02",
            "2025Q4",
            numerator=None,
            denominator=None,
            status="not yet due",
            narrative="Reported after the board meets in January.",
        )
    elif name == "Waltham Forest":
        _waltham_forest_gaps(entries, rows)

    first_entries = entries.copy()
    if name == "Barnet":
        # The first file: an error, and the last quarter not yet due.
        _set(first_entries, "BF-EH-02", "2025Q3", numerator=140, denominator=120, narrative="")
        for item in rows[(rows["period"] == "2025Q4") & rows["borough_fills"]].itertuples(
            index=False
        ):
            if item.source_agency != AGENCY:
                _set(
                    first_entries,
                    item.pi_id,
                    "2025Q4",
                    numerator=None,
                    denominator=None,
                    status="not yet due",
                    narrative="To follow in our corrected return.",
                )
        first = _build_file(
            file,
            [area],
            first_entries,
            extra,
            rng,
            rules,
            catalogue,
            published_table,
            periods,
            RETURNED[name],
            name == "Waltham Forest",
        )
        _plant(
            planted,
            file,
            name,
            "E_NUMERATOR_ABOVE_DENOMINATOR",
            "BF-EH-02",
            "2025Q3",
            _cell(first[1], rules, None, "BF-EH-02", "2025Q3", "numerator"),
            "error corrected by the re-submission",
        )
        returns.append(_Return(file, [name], RETURNED[name], first[0], planted))
        file = f"SYNTHETIC_{slug}_pilot_return_v2.xlsx"
        _set(entries, "BF-SG-01", "2025Q2", narrative="Corrected after the LADO's audit.")
        planted = []
    content, workbook = _build_file(
        file,
        [area],
        entries,
        extra,
        rng,
        rules,
        catalogue,
        published_table,
        periods,
        RESUBMITTED if name == "Barnet" else RETURNED[name],
        name == "Waltham Forest",
    )
    _plant_workbook_cells(planted, file, name, workbook, workbook_cells, entries, rows, rules)
    returns.append(
        _Return(file, [name], RESUBMITTED if name == "Barnet" else RETURNED[name], content, planted)
    )
    return returns


def _build_file(
    file: str,
    areas: list[register.LocalAuthority],
    entries: pd.DataFrame,
    extra: pd.DataFrame,
    rng: random.Random,
    rules: dict,
    catalogue: Any,
    published_table: pilot_template.PublishedIndex,
    periods: list[str],
    returned: dt.date,
    limited: bool,
    agency: str | None = None,
) -> tuple[bytes, Workbook]:
    workbook = pilot_template.build_template(
        areas,
        periods,
        catalogue,
        published_table,
        agency=agency,
        rules=rules,
        generated=ISSUED,
        banner=BANNER,
    )
    columns = [
        c
        for c in (
            "borough",
            "pi_id",
            "period",
            "numerator",
            "denominator",
            "value",
            "status",
            "source_agency",
            "source_system",
            "narrative",
            "title",
        )
        if c in entries.columns
    ]
    fill = entries[columns] if agency else entries[[c for c in columns if c != "borough"]]
    pilot_template.fill_template(workbook, fill, rules=rules)
    if len(extra):
        pilot_template.fill_template(workbook, extra, add_missing=True, rules=rules)
        if "BF-EH-02" in set(extra["pi_id"]) and not agency:
            # A borough adding a duplicate row by copy and paste.
            duplicate = entries[(entries["pi_id"] == "BF-EH-03")].iloc[4]
            sheet = workbook[rules["sheets"]["data"]]
            labels = {f: s["label"] for f, s in rules["headers"].items()}
            header = {c.value: c.column for c in sheet[pilot_template.DATA_HEADER_ROW]}
            r = sheet.max_row + 1
            for name in ("pi_id", "period", "numerator", "denominator", "status"):
                write_cell(sheet.cell(row=r, column=header[labels[name]]), duplicate[name])
    rows = pilot_template.template_rows(catalogue, areas, periods, published_table, rules, agency)
    hard = bool(areas) and areas[0].name in HARD_PI_BOROUGHS and not agency
    pilot_template.fill_feasibility(workbook, _feasibility(rng, rows, limited, hard), rules)
    sheet = workbook[rules["sheets"]["data"]]
    sheet[pilot_template.DATE_RETURNED_CELL].value = returned
    stamp = dt.datetime.combine(returned, dt.time(17, 0))
    return pilot_template.workbook_bytes(workbook, stamp), workbook


def _police_return(
    areas: list[register.LocalAuthority],
    catalogue: Any,
    published_table: pilot_template.PublishedIndex,
    published: dict,
    population: dict,
    rules: dict,
    rng: random.Random,
    periods: list[str],
) -> _Return:
    file = "SYNTHETIC_metropolitan_police_pilot_return.xlsx"
    rows = pilot_template.template_rows(catalogue, areas, periods, published_table, rules, AGENCY)
    parts = []
    for area in areas:
        mine = rows[rows["la_number"] == area.la_number]
        parts.append(_figures(rng, mine, population.get(area.la_number, 60000.0), published, rules))
    entries = pd.concat(parts, ignore_index=True)
    brent = (
        (entries["borough"] == "Brent")
        & (entries["pi_id"] == "BF-YS-02")
        & (entries["period"] == "2024Q2")
    )
    entries.loc[brent, "numerator"] = -3
    extra = pd.DataFrame(
        [
            {
                "borough": "Met HQ central",
                "pi_id": "BF-DA-01",
                "period": "2025Q1",
                "numerator": 12,
                "denominator": 1000,
                "status": "provided",
            }
        ]
    )
    workbook = pilot_template.build_template(
        areas,
        periods,
        catalogue,
        published_table,
        agency=AGENCY,
        rules=rules,
        generated=ISSUED,
        banner=BANNER,
    )
    pilot_template.fill_template(
        workbook,
        entries[
            [
                "borough",
                "pi_id",
                "period",
                "numerator",
                "denominator",
                "status",
                "source_agency",
                "source_system",
                "narrative",
            ]
        ],
        rules=rules,
    )
    pilot_template.fill_template(workbook, extra, add_missing=True, rules=rules)
    pilot_template.fill_feasibility(workbook, _feasibility(rng, rows, False), rules)
    workbook[rules["sheets"]["data"]][pilot_template.DATE_RETURNED_CELL].value = AGENCY_RETURNED
    content = pilot_template.workbook_bytes(
        workbook, dt.datetime.combine(AGENCY_RETURNED, dt.time(17, 0))
    )
    planted: list[dict] = []
    _plant(
        planted,
        file,
        "Brent",
        "E_NEGATIVE",
        "BF-YS-02",
        "2024Q2",
        _cell(workbook, rules, "Brent", "BF-YS-02", "2024Q2", "numerator"),
        "negative count in the agency return",
    )
    _plant(
        planted,
        file,
        "Met HQ central",
        "E_UNKNOWN_BOROUGH",
        "BF-DA-01",
        "2025Q1",
        f"A{workbook[rules['sheets']['data']].max_row}",
        "a row for no borough",
    )
    return _Return(file, [a.name for a in areas], AGENCY_RETURNED, content, planted)


def _southwark_own_table(
    area: register.LocalAuthority,
    catalogue: Any,
    published_table: pilot_template.PublishedIndex,
    published: dict,
    population: dict,
    rules: dict,
    rng: random.Random,
    periods: list[str],
) -> _Return:
    """Southwark rebuilt the table by hand: its own sheet, headers and period wording."""
    file = "SYNTHETIC_southwark_own_table.xlsx"
    rows = pilot_template.template_rows(catalogue, [area], periods, published_table, rules)
    entries = _figures(rng, rows, population.get(area.la_number, 60000.0), published, rules)
    fills = rows[rows["borough_fills"]].set_index(["pi_id", "period"])
    workbook = Workbook()
    notes = workbook.active
    notes.title = "Notes"
    write_cell(notes["A1"], BANNER).font = Font(bold=True, color="C00000")
    write_cell(notes["A2"], "Our own layout: we copied the PIs into our usual performance table.")
    sheet = workbook.create_sheet("Southwark PIs")
    write_cell(
        sheet["A1"],
        "Southwark Safeguarding Children Partnership - pilot data (best-fit model v1.0)",
    ).font = Font(bold=True)
    write_cell(sheet["A2"], "Date returned")
    sheet["B2"] = RETURNED["Southwark"]
    headers = [
        "Indicator ref",
        "Indicator",
        "Quarter",
        "Num",
        "Denom",
        "Result",
        "Status",
        "Agency",
        "System",
        "Commentary",
    ]
    for c, label in enumerate(headers, start=1):
        write_cell(sheet.cell(row=4, column=c), label).font = Font(bold=True)
    r = 5
    for entry in entries.itertuples(index=False):
        item = fills.loc[(entry.pi_id, entry.period)]
        police = item["source_agency"] == AGENCY
        multiplier = pilot_template.unit_rule(item["unit"], rules).get("multiplier", 1)
        numerator = None if police else entry.numerator
        denominator = None if police else entry.denominator
        value = (
            None
            if police
            else pilot_template_round(numerator / denominator * multiplier, int(item["decimals"]))
        )
        year, quarter = entry.period.split("Q")
        values = [
            entry.pi_id,
            item["title"],
            f"Q{quarter} {year}",
            numerator,
            denominator,
            value,
            "N/A" if police else "Provided",
            entry.source_agency,
            "" if police else entry.source_system,
            "Reported centrally by the Met." if police else entry.narrative,
        ]
        for c, value_ in enumerate(values, start=1):
            write_cell(sheet.cell(row=r, column=c), value_)
        r += 1
    feasibility = workbook.create_sheet("Feasibility")
    for c, label in enumerate(
        [
            "PI",
            "Can provide?",
            "Cycle we can provide",
            "Agency",
            "Data quality",
            "Effort",
            "Comments",
        ],
        start=1,
    ):
        write_cell(feasibility.cell(row=1, column=c), label).font = Font(bold=True)
    answers = _feasibility(rng, rows, False)
    for r_, answer in enumerate(answers.itertuples(index=False), start=2):
        for c, value_ in enumerate(
            [
                answer.pi_id,
                answer.can_provide,
                answer.cycle_offered,
                answer.source_agency,
                answer.quality_concerns,
                answer.effort,
                answer.comment,
            ],
            start=1,
        ):
            write_cell(feasibility.cell(row=r_, column=c), value_)
    workbook.properties.creator = "SYNTHETIC demo generator"
    content = pilot_template.workbook_bytes(
        workbook, dt.datetime.combine(RETURNED["Southwark"], dt.time(17, 0))
    )
    return _Return(file, ["Southwark"], RETURNED["Southwark"], content, [])


def pilot_template_round(value: float, decimals: int) -> float:
    """Round as boroughs' own tables do (half up), for the hand-built demo table.

    >>> pilot_template_round(12.345, 1)
    12.3
    """
    from lscb_analysis.core.indicators import round_half_up

    return round_half_up(value, decimals) if not math.isnan(value) else value


def _build(
    seed: int, published_table: pd.DataFrame | None = None, only: Iterable[str] | None = None
) -> list[_Return]:
    rules = pilot_template.load_rules()
    catalogue = catalogue_module.load_catalogue(MODEL_VERSION)
    published_table = pilot_template.published_index(
        published_table if published_table is not None else pilot_template.published_figures()
    )
    published = _published(published_table)
    population = _population(published_table)
    periods = pilot_template.period_range(PERIODS, rules)
    returns: list[_Return] = []
    wanted = None if only is None else {register.resolve(name).name for name in only}
    for name in rules["pilot_boroughs"]:
        if wanted is not None and name not in wanted:
            continue
        area = register.resolve(name)
        rng = random.Random(f"{seed}-{area.la_number}")
        if name == "Southwark":
            returns.append(
                _southwark_own_table(
                    area, catalogue, published_table, published, population, rules, rng, periods
                )
            )
            continue
        returns.extend(
            _borough_return(
                name, area, catalogue, published_table, published, population, rules, rng, periods
            )
        )
    if wanted is not None:
        return returns
    areas = [register.resolve(name) for name in AGENCY_BOROUGHS]
    returns.append(
        _police_return(
            areas,
            catalogue,
            published_table,
            published,
            population,
            rules,
            random.Random(f"{seed}-police"),
            periods,
        )
    )
    return returns


@dataclass
class DemoPilot:
    """The demo set, built in memory: ``returns`` (file name, boroughs, date returned, bytes,
    planted problems), ``plan`` (:data:`PLAN_COLUMNS`) and ``seed``."""

    seed: int
    returns: list[_Return]

    @property
    def plan(self) -> pd.DataFrame:
        """The planted problems, one row each, with the cell on the file's data sheet."""
        rows = [p for r in self.returns for p in r.planted]
        return pd.DataFrame(rows, columns=PLAN_COLUMNS)

    @property
    def files(self) -> dict[str, bytes]:
        """File name -> bytes."""
        return {r.name: r.content for r in self.returns}


def build_demo_pilot(
    seed: int = DEFAULT_SEED,
    published: pd.DataFrame | None = None,
    only: Iterable[str] | None = None,
) -> DemoPilot:
    """Build the demo returns in memory (nothing is written); see :func:`write_demo_pilot`.

    ``only``: build just these boroughs' own returns (each borough's files are the same
    whichever others are built; the agency return is left out). Raises ReferenceDataError
    when the rules, catalogue or register are missing.
    """
    return DemoPilot(seed, _build(seed, published, only))


def demo_pilot_plan(
    seed: int = DEFAULT_SEED, published: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return the planted problems of the demo returns (columns :data:`PLAN_COLUMNS`).

    ``cell`` is on the data sheet of ``file``. The ingest must find each one (tests check).
    Raises ReferenceDataError when the rules, catalogue or register are missing.
    """
    return build_demo_pilot(seed, published).plan


def _marker_text(seed: int, returns: list[_Return]) -> str:
    lines = [
        f"# {DEMO_MARKER}",
        "",
        "Every file in this folder was written by `lscb demo-data` "
        f"(lscb_analysis.demo.demo_pilot, seed {seed}). None of it is real: the figures, narratives "
        "and feasibility answers are invented, around each borough's published DfE figures "
        "where a PI is national, to show how the workbench checks Phase III pilot returns "
        "(`lscb pilot ingest`). Delete the folder's contents before putting real returns "
        "here.",
        "",
        "| file | borough(s) | returned | what it shows |",
        "|---|---|---|---|",
    ]
    for item in sorted(returns, key=lambda r: r.name):
        if item.name.startswith("SYNTHETIC_metropolitan"):
            shows = (
                "agency-wide return: the police's PIs for six boroughs; a negative count "
                "and a row for no borough"
            )
        elif item.name.endswith("_v2.xlsx"):
            shows = "re-submission replacing the first Barnet file"
        else:
            shows = SCENARIOS.get(item.boroughs[0], "")
        lines.append(f"| {item.name} | {', '.join(item.boroughs)} | {item.returned} | {shows} |")
    return "\n".join(lines) + "\n"


def write_demo_pilot(
    raw_dir: Path | str,
    seed: int = DEFAULT_SEED,
    published: pd.DataFrame | None = None,
    demo: DemoPilot | None = None,
) -> list[Path]:
    """Write the synthetic pilot returns into ``raw_dir/pilot/`` unless it holds files already.

    Args:
        raw_dir: the raw-data folder (the project's ``data/raw/``; files can only be created
            inside it, through :func:`lscb_analysis.core.io.create_raw_file`).
        seed: the random seed; the same seed writes byte-identical files (with the same
            modification times).
        published: the published statistics (None: ``public_indicators``, built in memory
            when not built yet).
        demo: a set already built by :func:`build_demo_pilot` (then ``seed`` and
            ``published`` are not used).

    Returns:
        The paths written (13 workbooks and ``SYNTHETIC.md``), or an empty list when the
        folder already holds returns (nothing is written then).

    Raises:
        RawDataWriteError: ``raw_dir`` is not inside the project's ``data/raw/``.
        ReferenceDataError: the rules, catalogue or register are missing.
    """
    folder = Path(raw_dir) / "pilot"
    if io.holds_returns(folder):
        LOGGER.info("The pilot folder already holds files; no demo returns were written.")
        return []
    demo = demo or build_demo_pilot(seed, published)
    written = []
    for item in demo.returns:
        stamp = dt.datetime.combine(item.returned, dt.time(17, 0), tzinfo=dt.UTC)
        written.append(
            io.create_raw_file(folder / item.name, item.content, modified=stamp.timestamp())
        )
    fixed = dt.datetime.combine(AGENCY_RETURNED, dt.time(18, 0), tzinfo=dt.UTC).timestamp()
    written.append(
        io.create_raw_file(
            folder / "SYNTHETIC.md", _marker_text(demo.seed, demo.returns).encode(), modified=fixed
        )
    )
    LOGGER.info("Wrote %d synthetic pilot files.", len(written))
    return written
