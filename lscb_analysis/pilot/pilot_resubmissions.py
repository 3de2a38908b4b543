"""Checks across pilot returns: re-submissions resolved to one version per borough, PI and
period, changes between versions, series jumps and denominator swings, and narratives.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from lscb_analysis.pilot import pilot_periods
from lscb_analysis.pilot.pilot_checks import number_text
from lscb_analysis.pilot.pilot_identify import IngestContext
from lscb_analysis.pilot.pilot_result import COMPARED_FIELDS
from lscb_analysis.stats.xmr import xmr

# --- across returns: re-submissions, series, narratives ---------------------------------------


def _usable(row: Mapping[str, Any], context: IngestContext) -> bool:
    return (
        row["status"] in context.with_figure
        and row["value"] is not None
        and not pd.isna(row["value"])
        and not row["prefilled"]
    )


def resolve_versions(
    rows: list[dict], findings: list[dict], context: IngestContext
) -> tuple[list[dict], list[dict], list[dict]]:
    """Pick the row in use for each borough, PI and period; log re-submission changes."""
    current, superseded, changes = [], [], []
    tied: dict[tuple[str, str], dict] = {}
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        if row["_duplicate"]:
            superseded.append({**row, "superseded_by": row["file"]})
            continue
        groups.setdefault(
            (row["la_number"] or row["borough"], row["pi_id"], row["period"]), []
        ).append(row)
    for group in groups.values():
        by_returner: dict[str, list[dict]] = {}
        for row in sorted(group, key=lambda r: r["_order"]):
            by_returner.setdefault(row["returner"], []).append(row)
        latest = []
        for versions in by_returner.values():
            for old, new in zip(versions[:-1], versions[1:], strict=True):
                superseded.append({**old, "superseded_by": new["file"]})
                if old["_order"][:2] == new["_order"][:2]:
                    tied.setdefault((old["file"], new["file"]), new)
                for name in COMPARED_FIELDS:
                    if not _same(old[name], new[name]):
                        changes.append(
                            {
                                "borough": new["borough"],
                                "la_number": new["la_number"],
                                "pi_id": new["pi_id"],
                                "period": new["period"],
                                "field": name,
                                "old": _change_text(old[name]),
                                "new": _change_text(new[name]),
                                "old_file": old["file"],
                                "new_file": new["file"],
                                "old_cell": _cell_of(old, name),
                                "new_cell": _cell_of(new, name),
                            }
                        )
            latest.append(versions[-1])
        latest.sort(
            key=lambda r: (r["value"] is not None and not pd.isna(r["value"]), r["_order"]),
            reverse=True,
        )
        chosen = latest[0]
        current.append(chosen)
        for other in latest[1:]:
            superseded.append({**other, "superseded_by": chosen["file"]})
            if (
                other["value"] is not None
                and not pd.isna(other["value"])
                and chosen["value"] is not None
                and not _same(other["value"], chosen["value"])
            ):
                findings.append(
                    context.finding(
                        "Q_SOURCES_DIFFER",
                        {**_where(other), "cell": other["cell"]},
                        (
                            f"{other['pi_id']} {other['period']} for {other['borough']} is "
                            f"{number_text(other['value'], other['_decimals'])} here but "
                            f"{number_text(chosen['value'], chosen['_decimals'])} in {chosen['file']} "
                            f"(cell {chosen['cell']}), which is used."
                        ),
                    )
                )
    findings.extend(_tie_finding(old, row, context) for (old, _), row in tied.items())
    return current, superseded, changes


def _tie_finding(earlier_file: str, used: dict, context: IngestContext) -> dict:
    """The query on two re-submissions with the same return date and file time: the one used
    was chosen by file name only, which says nothing about which is right."""
    return context.finding(
        "F_TIED_RETURN",
        {**_where(used), "pi_id": "", "period": "", "cell": ""},
        (
            f"{used['file']} and {earlier_file} are both returns from {used['borough']} with "
            f"the same return date and file time, so neither is newer; {used['file']} is used "
            "only because its name sorts later."
        ),
    )


def _same(a: Any, b: Any) -> bool:
    a_missing = a is None or (isinstance(a, float) and math.isnan(a)) or a == ""
    b_missing = b is None or (isinstance(b, float) and math.isnan(b)) or b == ""
    if a_missing or b_missing:
        return a_missing and b_missing
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _change_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _cell_of(row: Mapping[str, Any], name: str) -> str:
    return row["_cells"].get(name, "") or ""


def _where(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: row[key]
        for key in ("file", "sha256", "sheet", "row", "borough", "la_number", "pi_id", "period")
    }


def _jump_detail(row: dict, earlier: list[dict], jump: Mapping, minimum: float) -> str | None:
    """Why a figure is a jump from the borough's earlier ones (None: it is not): outside the
    XmR limits once there are enough earlier figures, else the stated relative change."""
    previous = earlier[-1]
    value = float(row["value"])
    history = [float(r["value"]) for r in earlier]
    detail = None
    if len(history) >= int(jump["min_points"]):
        chart = xmr(history)
        lower, upper, mean = (
            float(chart["lpl"].iloc[-1]),
            float(chart["upl"].iloc[-1]),
            float(chart["mean"].iloc[-1]),
        )
        if (value > upper or value < lower) and abs(value - mean) >= minimum:
            detail = (
                f"{row['pi_id']} {row['period']} is "
                f"{number_text(value, row['_decimals'])}, outside the range the "
                f"borough's {len(history)} earlier figures make likely (XmR "
                f"limits {number_text(lower, row['_decimals'])} to "
                f"{number_text(upper, row['_decimals'])})."
            )
    else:
        before = float(previous["value"])
        change = abs(value - before)
        if change >= minimum and change > float(jump["relative_change"]) * abs(before):
            detail = (
                f"{row['pi_id']} moved from {number_text(before, row['_decimals'])} "
                f"in {previous['period']} to {number_text(value, row['_decimals'])} in "
                f"{row['period']}, a change of more than "
                f"{float(jump['relative_change']):.0%} (with fewer than "
                f"{jump['min_points']} earlier figures the stated rule applies, "
                "not SPC limits)."
            )
    return detail


def _denominator_swings(usable: list[dict], limit: Any, context: IngestContext) -> list[dict]:
    """Q_DENOMINATOR_SWING findings between consecutive figures with a denominator (none when
    the unit has no swing limit)."""
    findings = []
    with_denominator = [
        r
        for r in usable
        if r["denominator"] is not None and not pd.isna(r["denominator"]) and r["denominator"] > 0
    ]
    for previous, row in zip(with_denominator[:-1], with_denominator[1:], strict=True):
        if limit is None:
            break
        before, now = float(previous["denominator"]), float(row["denominator"])
        if abs(now - before) > float(limit) * before:
            findings.append(
                context.finding(
                    "Q_DENOMINATOR_SWING",
                    {**_where(row), "cell": row["_denominator_cell"]},
                    (
                        f"The denominator of {row['pi_id']} went from {number_text(before)} in "
                        f"{previous['period']} to {number_text(now)} in {row['period']}, a change of "
                        f"more than {float(limit):.0%}."
                    ),
                )
            )
    return findings


def _expected_periods(layouts: pd.DataFrame) -> dict[tuple[str, str], set[str]]:
    """The periods each borough fills for each PI in the templates, (la_number, pi_id) ->
    periods: what a series is due to hold."""
    expected: dict[tuple[str, str], set[str]] = {}
    if len(layouts):
        fills = layouts[layouts["borough_fills"]]
        for (la, pi), group in fills.groupby(["la_number", "pi_id"]):
            expected[(la, pi)] = set(group["period"])
    return expected


def series_checks(
    current: list[dict], layouts: pd.DataFrame, context: IngestContext, blocked: set[tuple]
) -> list[dict]:
    """Jumps, denominator swings, gaps and stops within each borough's series of a PI.

    Rows with an error (``blocked``: file, sheet, row) are left out of the series and are
    not reported as gaps.
    """
    rules = context.rules
    jump = rules["checks"]["jump"]
    swing = rules["checks"]["denominator_swing"]
    findings = []
    expected = _expected_periods(layouts)
    series: dict[tuple[str, str], list[dict]] = {}
    for row in current:
        if row["la_number"] and row["period"] and not row["prefilled"]:
            series.setdefault((row["la_number"], row["pi_id"]), []).append(row)
    for (la, pi), rows in series.items():
        rows.sort(key=lambda r: pilot_periods.period_index(r["period"]))
        usable = [
            r
            for r in rows
            if _usable(r, context) and (r["file"], r["sheet"], r["row"]) not in blocked
        ]
        unit = rows[0]["_unit"]
        minimum = float(jump["min_change"].get(unit, 0))
        for position, row in enumerate(usable):
            if position == 0:
                continue
            detail = _jump_detail(row, usable[:position], jump, minimum)
            if detail:
                findings.append(
                    context.finding("Q_JUMP", {**_where(row), "cell": row["cell"]}, detail)
                )
        findings.extend(_denominator_swings(usable, swing.get(unit), context))
        if not usable:
            continue
        by_period = {r["period"]: r for r in rows}
        wanted = expected.get((la, pi), set(by_period))
        due = sorted(wanted | set(by_period), key=pilot_periods.period_index)
        first = pilot_periods.period_index(usable[0]["period"])
        last = pilot_periods.period_index(usable[-1]["period"])
        for period in due:
            index = pilot_periods.period_index(period)
            row = by_period.get(period)
            if row is not None and (
                _usable(row, context)
                or row["status"] in context.not_due
                or row["prefilled"]
                or (row["file"], row["sheet"], row["row"]) in blocked
            ):
                continue
            if first < index < last:
                code = "C_GAP"
            elif index > last:
                code = "C_STOPPED"
            else:
                continue
            anchor = row if row is not None else usable[-1]
            where = {
                **_where(anchor),
                "period": period,
                "cell": row["_status_cell"] if row is not None else "",
            }
            if code == "C_GAP":
                detail = (
                    f"{pi} has figures before and after {period} for "
                    f"{anchor['borough']} but none for {period}"
                    + ("" if row is not None else " (the table has no row for it)")
                    + "."
                )
            else:
                detail = f"{pi} was provided for {usable[-1]['period']} but not for {period}" + (
                    f" (status {row['status']!r})." if row is not None and row["status"] else "."
                )
            findings.append(context.finding(code, where, detail))
            if code == "C_STOPPED":
                break
    return findings


def narrative_checks(
    current: list[dict], findings: list[dict], context: IngestContext
) -> list[dict]:
    """Query each figure in use that was queried and has no narrative (code
    ``Q_NARRATIVE_MISSING``). Inputs: the value rows in use, the findings so far and the
    :class:`IngestContext`. Output: the new findings (dicts of ``ISSUE_COLUMNS``)."""
    queried = {
        (f["file"], f["sheet"], f["row"])
        for f in findings
        if f["severity"] == "query"
        and f["code"] not in ("Q_NARRATIVE_MISSING", "Q_STATUS_MISSING", "Q_VALUE_WITH_UNITS")
    }
    out = []
    for row in current:
        if (row["file"], row["sheet"], row["row"]) in queried and not row["narrative"]:
            detail = (
                f"A query was raised on {row['pi_id']} {row['period']} and the narrative is empty."
            )
            if not row["_narrative_cell"]:
                detail += " The table has no narrative column: add one."
            out.append(
                context.finding(
                    "Q_NARRATIVE_MISSING", {**_where(row), "cell": row["_narrative_cell"]}, detail
                )
            )
    return out
