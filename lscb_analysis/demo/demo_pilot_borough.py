"""One borough's synthetic pilot return: the real template, filled as the borough fills it.

:func:`borough_return` makes a pilot borough's return (or two, for a re-submission) from its
scenario, plants its problems into the entries and the workbook cells, and
:func:`_build_file` builds, fills and saves the template workbook as fixed bytes.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pandas as pd
from openpyxl import Workbook

from lscb_analysis.core import register
from lscb_analysis.demo.demo_pilot_figures import (
    AGENCY,
    BANNER,
    HARD_PI_BOROUGHS,
    ISSUED,
    RESUBMITTED,
    RETURNED,
    DemoReturn,
    demo_figures,
    entry_cell,
    feasibility_answers,
    not_available_elsewhere,
    plant_problem,
    set_entry,
    waltham_forest_gaps,
)
from lscb_analysis.pilot import pilot_table, pilot_template, pilot_workbook
from lscb_analysis.pilot.pilot_result import RAW_FIELDS
from lscb_analysis.protect.safe_files import write_cell


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
        plant_problem(
            planted,
            file,
            name,
            code,
            pi_id,
            period,
            entry_cell(workbook, rules, None, pi_id, period, name_),
            what,
        )
    if name == "Ealing":
        sheet = workbook[rules["sheets"]["data"]]
        last = sheet.max_row
        duplicate = entries[(entries["pi_id"] == "BF-EH-03")].iloc[4]
        plant_problem(
            planted,
            file,
            name,
            "E_PERIOD",
            "BF-EH-02",
            "2026Q1",
            f"C{last - 2}",
            "period outside the template",
        )
        plant_problem(
            planted,
            file,
            name,
            "E_UNKNOWN_PI",
            "BF-ZZ-01",
            "2025Q1",
            f"A{last - 1}",
            "PI not in the model",
        )
        plant_problem(
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
        plant_problem(
            planted,
            file,
            name,
            "Q_PREFILLED_CHANGED",
            "BF-CC-01",
            period,
            entry_cell(workbook, rules, None, "BF-CC-01", period, "value"),
            "published figure overwritten",
        )


def borough_return(
    name: str,
    area: register.LocalAuthority,
    catalogue: Any,
    published_table: pilot_table.PublishedIndex,
    published: dict,
    population: dict,
    rules: dict,
    rng: random.Random,
    periods: list[str],
) -> list[DemoReturn]:
    """A pilot borough's demo return(s), built from its scenario with its problems planted."""
    slug = area.slug.replace("-", "_")
    file = f"SYNTHETIC_{slug}_pilot_return.xlsx"
    rows = pilot_table.template_rows(catalogue, [area], periods, published_table, rules)
    entries = demo_figures(rng, rows, population.get(area.la_number, 60000.0), published, rules)
    not_available_elsewhere(entries, rows, name)
    planted: list[dict] = []
    extra = pd.DataFrame()
    workbook_cells: list[tuple] = []  # (code, pi, period, field, what)
    returns = []

    def mark(code: str, pi_id: str, period: str, name_: str, what: str) -> None:
        workbook_cells.append((code, pi_id, period, name_, what))

    if name == "Brent":
        set_entry(entries, "BF-EH-01", "2024Q3", numerator="approx 40")
        mark("E_NOT_NUMBER", "BF-EH-01", "2024Q3", "numerator", "text in the numerator")
        set_entry(entries, "BF-CP-04", "2025Q2", denominator=-12)
        mark("E_NEGATIVE", "BF-CP-04", "2025Q2", "denominator", "negative denominator")
    elif name == "Bromley":
        set_entry(entries, "BF-CC-04", "2024Q4", numerator=260, denominator=240)
        mark(
            "E_NUMERATOR_ABOVE_DENOMINATOR",
            "BF-CC-04",
            "2024Q4",
            "numerator",
            "numerator above denominator",
        )
        set_entry(entries, "BF-SG-01", "2025Q1", numerator=40, denominator=50, value=95.0)
        mark("E_VALUE_MISMATCH", "BF-SG-01", "2025Q1", "value", "value typed over the formula")
        set_entry(entries, "BF-EH-03", "2025Q3", numerator=35, denominator=0)
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
        set_entry(entries, "BF-CC-05", "2024Q2", status="dunno")
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
        set_entry(
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
        set_entry(
            entries,
            "BF-FD-03",
            "2025Q3",
            numerator=int(denominator * 0.48),
            denominator=denominator,
            narrative="",
        )
        mark("Q_FAR_FROM_PUBLISHED", "BF-FD-03", "2025Q3", "value", "far from published")
        set_entry(
            entries,
            "BF-SG-02",
            "2025Q1",
            numerator=None,
            denominator=None,
            status="provided",
            narrative="",
        )
        mark("Q_PROVIDED_EMPTY", "BF-SG-02", "2025Q1", "status", "provided but no figure")
        set_entry(entries, "BF-SG-01", "2024Q2", status="", narrative="")
        mark("Q_STATUS_MISSING", "BF-SG-01", "2024Q2", "status", "figure without status")
        set_entry(
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
        set_entry(
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
            set_entry(
                entries,
                "BF-CC-05",
                period,
                numerator=None,
                denominator=None,
                status="not available",
                narrative="Virtual school head post vacant.",
            )
        mark("C_STOPPED", "BF-CC-05", "2025Q3", "status", "provided last quarter, not this one")
        set_entry(
            entries,
            "BF-QA-02",
            "2025Q4",
            numerator=None,
            denominator=None,
            status="not yet due",
            narrative="Reported after the board meets in January.",
        )
    elif name == "Waltham Forest":
        waltham_forest_gaps(entries, rows)

    first_entries = entries.copy()
    if name == "Barnet":
        # The first file: an error, and the last quarter not yet due.
        set_entry(first_entries, "BF-EH-02", "2025Q3", numerator=140, denominator=120, narrative="")
        for item in rows[(rows["period"] == "2025Q4") & rows["borough_fills"]].itertuples(
            index=False
        ):
            if item.source_agency != AGENCY:
                set_entry(
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
        plant_problem(
            planted,
            file,
            name,
            "E_NUMERATOR_ABOVE_DENOMINATOR",
            "BF-EH-02",
            "2025Q3",
            entry_cell(first[1], rules, None, "BF-EH-02", "2025Q3", "numerator"),
            "error corrected by the re-submission",
        )
        returns.append(DemoReturn(file, [name], RETURNED[name], first[0], planted))
        file = f"SYNTHETIC_{slug}_pilot_return_v2.xlsx"
        set_entry(entries, "BF-SG-01", "2025Q2", narrative="Corrected after the LADO's audit.")
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
        DemoReturn(
            file, [name], RESUBMITTED if name == "Barnet" else RETURNED[name], content, planted
        )
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
    published_table: pilot_table.PublishedIndex,
    periods: list[str],
    returned: dt.date,
    limited: bool,
    agency: str | None = None,
) -> tuple[bytes, Workbook]:
    workbook = pilot_workbook.build_template(
        areas,
        periods,
        catalogue,
        published_table,
        agency=agency,
        rules=rules,
        generated=ISSUED,
        banner=BANNER,
    )
    columns = [c for c in RAW_FIELDS if c in entries.columns]
    fill = entries[columns] if agency else entries[[c for c in columns if c != "borough"]]
    pilot_template.fill_template(workbook, fill, rules=rules)
    if len(extra):
        pilot_template.fill_template(workbook, extra, add_missing=True, rules=rules)
        if "BF-EH-02" in set(extra["pi_id"]) and not agency:
            # A borough adding a duplicate row by copy and paste.
            duplicate = entries[(entries["pi_id"] == "BF-EH-03")].iloc[4]
            sheet = workbook[rules["sheets"]["data"]]
            labels = {f: s["label"] for f, s in rules["headers"].items()}
            header = {c.value: c.column for c in sheet[pilot_workbook.DATA_HEADER_ROW]}
            r = sheet.max_row + 1
            for name in ("pi_id", "period", "numerator", "denominator", "status"):
                write_cell(sheet.cell(row=r, column=header[labels[name]]), duplicate[name])
    rows = pilot_table.template_rows(catalogue, areas, periods, published_table, rules, agency)
    hard = bool(areas) and areas[0].name in HARD_PI_BOROUGHS and not agency
    pilot_template.fill_feasibility(workbook, feasibility_answers(rng, rows, limited, hard), rules)
    sheet = workbook[rules["sheets"]["data"]]
    sheet[pilot_workbook.DATE_RETURNED_CELL].value = returned
    stamp = dt.datetime.combine(returned, dt.time(17, 0))
    return pilot_template.workbook_bytes(workbook, stamp), workbook
