"""The quarterly returns register: for one quarter, who was due to return, who returned on
time, late (with the date), partly, or not at all, by borough and by agency.

:func:`returns_register` reads the returns and values the ingest wrote (``pilot_returns``,
``pilot_values``: :mod:`lscb_analysis.pilot.pilot_outputs`) against who is due in
``data/reference/returns.yaml`` (:func:`load_returns_config`). A return counts for a quarter
when its periods include it; ``as_at`` leaves out returns received after that date, so the
register can be read as it stood on the day of a meeting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from lscb_analysis.core import io, register
from lscb_analysis.core.errors import InvalidArgumentError, ReferenceDataError
from lscb_analysis.pilot import pilot_periods
from lscb_analysis.survey.survey_rules import resolve_agency

CONFIG_FILE = "returns.yaml"
REGISTER_COLUMNS = [
    "returner",
    "kind",
    "due",
    "received",
    "return_status",
    "timing",
    "figures_asked",
    "figures_given",
    "file",
]
STATUS_ORDER = ("not returned", "partly", "late", "on time", "not yet due")


def load_returns_config(path=None) -> dict:
    """Read ``data/reference/returns.yaml``: ``due_days_after_quarter_end`` (a whole number
    of days), ``returners.boroughs`` (``all`` or names) and ``returners.agencies`` (names).

    Raises: ReferenceDataError naming the file and the key that is missing or wrong.
    """
    file = path or io.reference_file(CONFIG_FILE)
    config = io.read_yaml_mapping(file, "Returns file")
    days = config.get("due_days_after_quarter_end")
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ReferenceDataError(
            f"{file}: due_days_after_quarter_end must be a whole number of days, not {days!r}."
        )
    if not isinstance(config.get("returners"), Mapping):
        raise ReferenceDataError(f"{file}: 'returners' (boroughs and agencies) is missing.")
    return config


def quarter_due_date(quarter: str, config: Mapping | None = None) -> dt.date:
    """The date a quarter's return is due: the quarter's last day plus the configured days.

    >>> quarter_due_date("2026Q3", {"due_days_after_quarter_end": 30})
    datetime.date(2026, 10, 30)
    """
    config = config or load_returns_config()
    year, number = int(quarter[:4]), int(quarter[-1])
    first_of_next = dt.date(year + number // 4, number % 4 * 3 + 1, 1)
    return (
        first_of_next
        - dt.timedelta(days=1)
        + dt.timedelta(days=int(config["due_days_after_quarter_end"]))
    )


def _due_returners(config: Mapping) -> list[tuple[str, str, str]]:
    """(returner key as the ingest writes it, name shown, kind) of everyone due."""
    spec = config["returners"]
    boroughs = spec.get("boroughs") or []
    names = "all" if boroughs == "all" else ",".join(str(b) for b in boroughs)
    due = [
        (f"borough:{area.la_number}", area.name, "borough")
        for area in (register.resolve_many(names) if names else [])
    ]
    for agency in spec.get("agencies") or []:
        canonical = resolve_agency(agency)
        due.append((f"agency:{canonical}", canonical, "agency"))
    return due


def returns_register(
    returns: pd.DataFrame,
    values: pd.DataFrame,
    quarter: str,
    as_at: dt.date | None = None,
    config: Mapping | None = None,
) -> pd.DataFrame:
    """Who returned for ``quarter``, as at ``as_at`` (None: everything received).

    Inputs: the ingest's ``returns`` (``returner``, ``file``, ``state``, ``periods``,
    ``submitted``) and ``values`` (``returner``, ``period``, ``status``, ``value``,
    ``prefilled``, ``file``); the quarter (``2026Q3``); ``as_at``; ``config`` (None:
    returns.yaml).
    Output: :data:`REGISTER_COLUMNS`, one row per returner due: ``timing`` ("on time",
    "late by 76 days"; blank when nothing came); ``return_status`` is ``on time``
    (received by the due date with every figure asked), ``late`` (after it), ``partly``
    (received, some figures asked for the quarter not given), ``not returned``, or ``not yet
    due`` (``as_at`` before the due date and nothing received); ``received`` the date of the
    latest return covering the quarter. Ordered by status (not returned first), then name.
    Raises: ReferenceDataError (returns.yaml), InvalidArgumentError for a bad quarter.
    """
    config = config or load_returns_config()
    pilot_periods.period_range(quarter)  # a bad quarter is refused with the usual message
    due = quarter_due_date(quarter, config)
    in_quarter = returns["periods"].map(lambda spec: quarter in _periods(spec)).astype(bool)
    covering = returns[(returns["state"] != "rejected") & in_quarter].copy()
    covering["received"] = pd.to_datetime(covering["submitted"], errors="coerce").dt.date
    if as_at is not None:
        by_then = covering["received"].map(lambda d: d is not None and d <= as_at)
        covering = covering[by_then.astype(bool)]
    statuses = pilot_periods.load_rules()["statuses"]
    not_due, with_figure = set(statuses["not_due"]), set(statuses["with_figure"])
    asked = values[
        (values["period"] == quarter)
        & ~values["prefilled"].astype(bool)
        & ~values["status"].isin(not_due)
    ]
    rows = []
    for key, name, kind in _due_returners(config):
        mine = covering[covering["returner"] == key].sort_values("received")
        figures = asked[asked["returner"] == key]
        given = int((figures["status"].isin(with_figure) & figures["value"].notna()).sum())
        row = {
            "returner": name,
            "kind": kind,
            "due": due,
            "received": None,
            "timing": "",
            "file": "",
            "figures_asked": len(figures),
            "figures_given": given,
        }
        if mine.empty:
            late = as_at is None or as_at > due
            row["return_status"] = "not returned" if late else "not yet due"
        else:
            latest = mine.iloc[-1]
            late_by = (latest["received"] - due).days
            timing = f"late by {late_by} day{'s' if late_by != 1 else ''}"
            row.update(
                received=latest["received"],
                file=latest["file"],
                timing=timing if late_by > 0 else "on time",
            )
            row["return_status"] = (
                "partly"
                if given < len(figures)
                else "late"
                if latest["received"] > due
                else "on time"
            )
        rows.append(row)
    table = pd.DataFrame(rows, columns=REGISTER_COLUMNS)
    order = {status: n for n, status in enumerate(STATUS_ORDER)}
    return table.sort_values(
        ["return_status", "returner"],
        key=lambda s: s.map(order) if s.name == "return_status" else s,
    ).reset_index(drop=True)


def _periods(spec: object) -> list[str]:
    try:
        return pilot_periods.period_range(str(spec or ""))
    except InvalidArgumentError:  # a return whose periods cannot be read covers no quarter
        return []


def register_finding(table: pd.DataFrame, quarter: str) -> str:
    """One sentence: how many of those due returned, on time and late."""
    counts = table["return_status"].value_counts()
    received = int(counts.get("on time", 0) + counts.get("late", 0) + counts.get("partly", 0))
    return (
        f"{quarter}: {received} of {len(table)} due returned ({int(counts.get('on time', 0))} "
        f"on time, {int(counts.get('late', 0))} late, {int(counts.get('partly', 0))} partly); "
        f"{int(counts.get('not returned', 0))} not returned"
        + (f", {int(counts['not yet due'])} not yet due" if counts.get("not yet due") else "")
        + "."
    )
