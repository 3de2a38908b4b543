"""Synthetic pilot figures: the demo's pilot constants, scenarios and the planted problems.

Holds what every demo pilot return shares: the seed, SYNTHETIC marker and banner, the periods
and model version, the agency-wide return's boroughs, each borough's scenario and return date,
systems, narratives and concerns; the record of a built return (:class:`DemoReturn`); figures
consistent with the published annual figures; feasibility answers; and the helpers that plant
a problem into a borough's entries.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from openpyxl import Workbook

from lscb_analysis.pilot import pilot_table, pilot_workbook

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
"""Columns of :func:`~lscb_analysis.demo.demo_pilot.demo_pilot_plan`: one row per planted
problem (cell on the data sheet)."""
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
class DemoReturn:
    """One demo pilot return: file name, boroughs, date returned, bytes and the problems planted."""

    name: str
    boroughs: list[str]
    returned: dt.date
    content: bytes = b""
    planted: list[dict[str, Any]] = field(default_factory=list)


def population_by_borough(index: pilot_table.PublishedIndex) -> dict[str, float]:
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


def published_by_pi(index: pilot_table.PublishedIndex) -> dict[tuple[str, str], dict[int, Any]]:
    """The published figures with status ok, as ``{(indicator, la_number): {period: figure}}``."""
    out: dict[tuple[str, str], dict[int, Any]] = {}
    for (indicator, period, la), figure in index.table.items():
        if figure.status == "ok":
            out.setdefault((indicator, la), {})[period] = figure
    return out


def demo_figures(
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


def set_entry(entries: pd.DataFrame, pi_id: str, period: str, **values: Any) -> None:
    """Set ``values`` on the entries row for ``pi_id`` and ``period`` (adding columns as needed).

    Raises:
        KeyError: no entries row for that PI and period.
    """
    mask = (entries["pi_id"].to_numpy() == pi_id) & (entries["period"].to_numpy() == period)
    if not mask.any():
        raise KeyError(f"demo plan: no row {pi_id} {period}")
    for name, value in values.items():
        if name not in entries.columns:
            entries[name] = pd.Series([None] * len(entries), index=entries.index, dtype=object)
        entries.loc[mask, name] = value


def feasibility_answers(
    rng: random.Random, rows: pd.DataFrame, limited: bool, hard: bool = False
) -> pd.DataFrame:
    """The Feasibility sheet's answers for the PIs the borough fills (fewer yeses when limited)."""
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


def entry_cell(
    workbook: Workbook, rules: dict, borough: str | None, pi_id: str, period: str, name: str
) -> str:
    """The Data-sheet cell (e.g. ``"F12"``) of column ``name`` for that borough, PI and period
    (``""`` if there is no such row)."""
    sheet = workbook[rules["sheets"]["data"]]
    labels = {f: s["label"] for f, s in rules["headers"].items()}
    header = {cell.value: cell.column_letter for cell in sheet[pilot_workbook.DATA_HEADER_ROW]}
    agency = borough is not None and labels["borough"] in header
    for r in range(pilot_workbook.DATA_HEADER_ROW + 1, sheet.max_row + 1):
        if (
            sheet[f"{header[labels['pi_id']]}{r}"].value == pi_id
            and sheet[f"{header[labels['period']]}{r}"].value == period
            and (not agency or sheet[f"{header[labels['borough']]}{r}"].value == borough)
        ):
            return f"{header[labels[name]]}{r}"
    return ""


def plant_problem(
    planted: list[dict],
    file: str,
    borough: str,
    code: str,
    pi_id: str,
    period: str,
    cell: str,
    what: str,
) -> None:
    """Record one planted problem (file, borough, code, PI, period, cell, what) in ``planted``."""
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


def not_available_elsewhere(entries: pd.DataFrame, rows: pd.DataFrame, name: str) -> None:
    """Mark 'not available' the PIs a borough cannot give itself: the police's (for the
    boroughs the agency return covers) and the hard PI (for the boroughs that cannot split it)."""
    police = rows[(rows["source_agency"] == AGENCY) & rows["borough_fills"]]
    if name in AGENCY_BOROUGHS:
        for item in police.itertuples(index=False):
            set_entry(
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
            set_entry(
                entries,
                item.pi_id,
                item.period,
                numerator=None,
                denominator=None,
                status="not available",
                source_system="",
                narrative="Probation cannot yet split these cases by borough.",
            )


def waltham_forest_gaps(entries: pd.DataFrame, rows: pd.DataFrame) -> None:
    """Waltham Forest's return: every other local PI not collected, national PIs reported
    annually only."""
    local = rows[(rows["source_type"] == "local") & rows["borough_fills"]]
    missing = sorted(local["pi_id"].unique())[::2]
    for item in local[local["pi_id"].isin(missing)].itertuples(index=False):
        set_entry(
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
        set_entry(
            entries,
            item.pi_id,
            item.period,
            numerator=None,
            denominator=None,
            status="not available",
            source_system="",
            narrative="We report this annually from the census only.",
        )
