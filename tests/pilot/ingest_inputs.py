"""Helpers for building pilot returns in the ingest's tests (a module, not a conftest, so that
tests import them by name)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from lscb_analysis.pilot import pilot_periods, pilot_template

ISSUED = dt.date(2026, 2, 2)
STAMP = dt.datetime(2026, 4, 1, 12, 0)


def fill_constant(rows: pd.DataFrame, rules: dict) -> pd.DataFrame:
    """A figure for every borough row, the same each period (so no jump or swing fires),
    national ones consistent with the published figure on the year-end row."""
    published = (
        rows[rows["prefilled"] & rows["value"].notna()]
        .groupby(["la_number", "pi_id"])["value"]
        .last()
    )
    scale = rules["checks"]["published_annual"]["annual_scale"]
    entries = []
    for item in rows[rows["borough_fills"]].itertuples(index=False):
        if item.unit == "percent":
            denominator = 200
            level = published.get((item.la_number, item.pi_id), 75.0)
            numerator = round(denominator * level / 100)
        else:
            multiplier = pilot_periods.unit_rule(item.unit, rules)["multiplier"]
            denominator = 90000
            level = published.get((item.la_number, item.pi_id), 30.0) / float(
                scale.get(item.source_indicator, 1)
            )
            numerator = round(level * denominator / multiplier)
        entries.append(
            {
                "borough": item.borough,
                "pi_id": item.pi_id,
                "period": item.period,
                "numerator": numerator,
                "denominator": denominator,
                "status": "provided",
                "source_system": "Mosaic",
                "narrative": "As recorded.",
            }
        )
    return pd.DataFrame(entries)


def save_workbook(workbook, path) -> None:
    path.write_bytes(pilot_template.workbook_bytes(workbook, STAMP))
