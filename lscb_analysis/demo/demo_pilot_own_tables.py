"""The synthetic pilot returns that are not one borough's template: police and Southwark.

:func:`police_return` is the agency-wide return (the Metropolitan Police for six boroughs);
:func:`southwark_own_table` is Southwark's table rebuilt by hand in its own layout, rounded
as boroughs' own tables round (:func:`pilot_template_round`).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from lscb_analysis.core import register
from lscb_analysis.demo.demo_pilot_figures import (
    AGENCY,
    AGENCY_RETURNED,
    BANNER,
    ISSUED,
    RETURNED,
    DemoReturn,
    demo_figures,
    entry_cell,
    feasibility_answers,
    plant_problem,
)
from lscb_analysis.pilot import pilot_periods, pilot_table, pilot_template, pilot_workbook
from lscb_analysis.protect.safe_files import write_cell


def police_return(
    areas: list[register.LocalAuthority],
    catalogue: Any,
    published_table: pilot_table.PublishedIndex,
    published: dict,
    population: dict,
    rules: dict,
    rng: random.Random,
    periods: list[str],
) -> DemoReturn:
    """The Metropolitan Police's agency-wide return for the six agency boroughs."""
    file = "SYNTHETIC_metropolitan_police_pilot_return.xlsx"
    rows = pilot_table.template_rows(catalogue, areas, periods, published_table, rules, AGENCY)
    parts = []
    for area in areas:
        mine = rows[rows["la_number"] == area.la_number]
        parts.append(
            demo_figures(rng, mine, population.get(area.la_number, 60000.0), published, rules)
        )
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
    workbook = pilot_workbook.build_template(
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
    pilot_template.fill_feasibility(workbook, feasibility_answers(rng, rows, False), rules)
    workbook[rules["sheets"]["data"]][pilot_workbook.DATE_RETURNED_CELL].value = AGENCY_RETURNED
    content = pilot_template.workbook_bytes(
        workbook, dt.datetime.combine(AGENCY_RETURNED, dt.time(17, 0))
    )
    planted: list[dict] = []
    plant_problem(
        planted,
        file,
        "Brent",
        "E_NEGATIVE",
        "BF-YS-02",
        "2024Q2",
        entry_cell(workbook, rules, "Brent", "BF-YS-02", "2024Q2", "numerator"),
        "negative count in the agency return",
    )
    plant_problem(
        planted,
        file,
        "Met HQ central",
        "E_UNKNOWN_BOROUGH",
        "BF-DA-01",
        "2025Q1",
        f"A{workbook[rules['sheets']['data']].max_row}",
        "a row for no borough",
    )
    return DemoReturn(file, [a.name for a in areas], AGENCY_RETURNED, content, planted)


def southwark_own_table(
    area: register.LocalAuthority,
    catalogue: Any,
    published_table: pilot_table.PublishedIndex,
    published: dict,
    population: dict,
    rules: dict,
    rng: random.Random,
    periods: list[str],
) -> DemoReturn:
    """Southwark rebuilt the table by hand: its own sheet, headers and period wording."""
    file = "SYNTHETIC_southwark_own_table.xlsx"
    rows = pilot_table.template_rows(catalogue, [area], periods, published_table, rules)
    entries = demo_figures(rng, rows, population.get(area.la_number, 60000.0), published, rules)
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
        multiplier = pilot_periods.unit_rule(item["unit"], rules).get("multiplier", 1)
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
    answers = feasibility_answers(rng, rows, False)
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
    return DemoReturn(file, ["Southwark"], RETURNED["Southwark"], content, [])


def pilot_template_round(value: float, decimals: int) -> float:
    """Round as boroughs' own tables do (half up), for the hand-built demo table.

    >>> pilot_template_round(12.345, 1)
    12.3
    """
    from lscb_analysis.core.indicators import round_half_up

    return round_half_up(value, decimals) if not math.isnan(value) else value
