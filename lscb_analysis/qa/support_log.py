"""The regional support log: validated, then reported (days against the allowance, the split).

Support log (``data/raw/support/support_log.csv``): days of regional adviser or improvement
partner support. Columns: borough (or a pan-London label such as "pan-London"), theme, days,
commissioned_by, start_date, end_date; optional: support_id, adviser, kind_of_work
(borough support, London Board work or pan-London projects: the kinds and their synonyms are
``plan.kinds`` in ``data/reference/support_review.yaml``), activity, notes.
Headers are matched ignoring case, spaces and punctuation; :data:`SUPPORT_HEADER_SYNONYMS`
lists other accepted names.

:func:`read_support_log` returns a :class:`~lscb_analysis.qa.log_files.ValidatedLog`: the
table with parsed values, its ``row`` (line in the file, header = line 1) and ``valid``, plus
issues (``file, sheet, row, column, cell, severity, code, message``) that name the file, row
and column and never quote free text. Rows with problems are kept (``valid`` False) and left
out of the reports. Free-text fields (activity, notes) that look like they hold an identifier
are withheld. Dates are read day first (31/03/2026) or as ISO (2026-03-31).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from lscb_analysis.core import paths, register
from lscb_analysis.core.errors import InvalidArgumentError, ParameterError
from lscb_analysis.qa import audit, support_plan
from lscb_analysis.qa.log_files import (
    ValidatedLog,
    check_required,
    issues_frame,
    log_issue,
    pan_labels,
    parse_date,
    read_log_csv,
    resolve_borough,
    row_error,
    withhold_identifiers,
)

SUPPORT_COLUMNS = (
    "support_id",
    "borough",
    "theme",
    "days",
    "commissioned_by",
    "start_date",
    "end_date",
    "adviser",
    "kind_of_work",
    "activity",
    "notes",
)
SUPPORT_REQUIRED = ("borough", "theme", "days", "commissioned_by", "start_date", "end_date")
SUPPORT_HEADER_SYNONYMS = {
    "area": "borough",
    "board": "borough",
    "la": "borough",
    "topic": "theme",
    "focus": "theme",
    "days_used": "days",
    "number_of_days": "days",
    "no_of_days": "days",
    "commissioner": "commissioned_by",
    "commissioned": "commissioned_by",
    "requested_by": "commissioned_by",
    "start": "start_date",
    "from": "start_date",
    "end": "end_date",
    "to": "end_date",
    "finish": "end_date",
    "advisor": "adviser",
    "description": "activity",
    "comments": "notes",
    "comment": "notes",
    "id": "support_id",
    "kind": "kind_of_work",
    "work_kind": "kind_of_work",
    "type_of_work": "kind_of_work",
    "work_type": "kind_of_work",
    "kind_of_support": "kind_of_work",
    "category": "kind_of_work",
}


def financial_year(date, year_starts: str = "04-01") -> str:
    """Return the financial year of a date, e.g. "2025-26" for 31 March 2026.

    >>> financial_year(pd.Timestamp("2026-03-31")), financial_year(pd.Timestamp("2026-04-01"))
    ('2025-26', '2026-27')
    """
    month, day = (int(x) for x in year_starts.split("-"))
    stamp = pd.Timestamp(date)
    start = stamp.year if (stamp.month, stamp.day) >= (month, day) else stamp.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _check_support_theme(
    table: pd.DataFrame,
    index,
    row: pd.Series,
    config: dict,
    other_themes: set[str],
    name: str,
    issues: list,
) -> None:
    """Set an audit theme to its title in ``table``; warn of a theme neither audit nor support."""
    line = int(row["row"])
    if row["theme"]:
        try:
            key = audit.resolve_theme(row["theme"], config)
            table.at[index, "theme"] = config["themes"][key]["title"]
        except ParameterError:
            if " ".join(row["theme"].lower().split()) not in other_themes:
                issues.append(
                    log_issue(
                        name,
                        line,
                        "theme",
                        "warning",
                        "unknown_theme",
                        f"{name} row {line}, column theme: not an audit theme or one of the "
                        "support themes in data/reference/audit_themes.yaml; kept as written, "
                        "but it will not match evidence of need. Use a listed theme.",
                    )
                )


def _check_kind(
    table: pd.DataFrame, index, row: pd.Series, plan: dict, name: str, issues: list, scope: str
) -> None:
    """Set the row's kind of work to the plan's name for it; warn when it is missing or
    unknown, or when the plan gives the kind another scope than the row's borough."""
    line = int(row["row"])
    kinds = ", ".join(plan["kinds"])
    if not row["kind_of_work"]:
        code, text = "missing_kind", "no kind of work"
    else:
        kind = support_plan.resolve_kind(row["kind_of_work"], plan)
        if kind is not None:
            table.at[index, "kind_of_work"] = kind
            expected = plan["kinds"][kind].get("scope")
            if expected and scope and expected != scope:
                issues.append(
                    log_issue(
                        name,
                        line,
                        "kind_of_work",
                        "warning",
                        "kind_scope_mismatch",
                        f"{name} row {line}, column kind_of_work: {kind} is {expected} work in "
                        f"the plan, but the row's borough is {scope} work; check the kind or "
                        "the borough.",
                    )
                )
            return
        table.at[index, "kind_of_work"] = ""
        code, text = "unknown_kind", "a kind of work not in the plan"
    issues.append(
        log_issue(
            name,
            line,
            "kind_of_work",
            "warning",
            code,
            f"{name} row {line}, column kind_of_work: {text}; its days count as "
            f'"{support_plan.NOT_RECORDED}" in the time against the plan. Write one of: {kinds} '
            "(synonyms: plan.kinds in data/reference/support_review.yaml).",
        )
    )


def _support_day_count(row: pd.Series, error) -> float:
    """The row's days as a number above 0; NaN (and an error, when written) otherwise."""
    number = np.nan
    if row["days"]:
        try:
            number = float(row["days"])
        except ValueError:
            number = np.nan
        if not np.isfinite(number) or number <= 0:
            error(
                "days",
                "bad_number",
                "must be a number of days above 0 (halves allowed, e.g. 0.5).",
            )
            number = np.nan
    return number


def read_support_log(path: Path | str | None = None) -> ValidatedLog:
    """Read and validate the support log.

    Input: ``path`` (None: ``data/raw/support/support_log.csv``). Output:
    :class:`ValidatedLog` whose table has ``row``, :data:`SUPPORT_COLUMNS` (``borough``
    canonical or "pan-London", ``theme`` the audit theme's title when it is one, ``days`` a
    number, dates as Timestamps), ``scope`` ("borough" or "pan-London"), ``year`` (financial
    year of the start date) and ``valid``. A missing file gives an empty table and a warning.
    ``kind_of_work`` is the plan's name for the kind, or "" when missing or unknown.
    Issues: ``missing_value``, ``bad_number``, ``bad_date``, ``end_before_start``,
    ``unknown_borough`` (errors); ``unknown_theme``, ``missing_kind``, ``unknown_kind``, ``kind_scope_mismatch``,
    ``more_days_than_period``, ``identifier_in_text`` (warnings). Raises: DataFileError when the file is unreadable or
    lacks a required column.
    """
    file = Path(path) if path is not None else paths.raw_dir() / "support" / "support_log.csv"
    columns = ["row", *SUPPORT_COLUMNS, "scope", "year", "valid"]
    if not file.is_file():
        issue = log_issue(
            file.name,
            None,
            "",
            "warning",
            "no_support_log",
            f"No support log at {file}: support days cannot be reported. Record "
            "support in data/raw/support/support_log.csv (columns: "
            + ", ".join(SUPPORT_REQUIRED)
            + ").",
        )
        return ValidatedLog(pd.DataFrame(columns=columns), issues_frame([issue]))
    table, issues = read_log_csv(
        file, SUPPORT_COLUMNS, SUPPORT_REQUIRED, SUPPORT_HEADER_SYNONYMS, "Support log"
    )
    config = audit.audit_config()
    pans = pan_labels(config)
    other_themes = {" ".join(t.lower().split()) for t in config["support"]["other_themes"]}
    plan = support_plan.plan_config()
    name = file.name
    bad: set[int] = set()
    days: list[float] = []
    starts: list = []
    ends: list = []
    scopes: list[str] = []
    for index, row in table.iterrows():
        line = int(row["row"])

        error = functools.partial(row_error, issues, bad, name, index, line)
        check_required(row, SUPPORT_REQUIRED, error)
        scope = ""
        if row["borough"]:
            found = resolve_borough(row["borough"], pans)
            if found is None:
                error(
                    "borough",
                    "unknown_borough",
                    "not a London borough or a pan-London "
                    f"label ({', '.join(config['support']['pan_london_labels'])}).",
                )
            else:
                table.at[index, "borough"], scope = found
        scopes.append(scope)
        _check_support_theme(table, index, row, config, other_themes, name, issues)
        _check_kind(table, index, row, plan, name, issues, scope)
        number = _support_day_count(row, error)
        days.append(number)
        start = parse_date(row["start_date"]) if row["start_date"] else None
        end = parse_date(row["end_date"]) if row["end_date"] else None
        for column, value in (("start_date", start), ("end_date", end)):
            if row[column] and value is None:
                error(column, "bad_date", "not a date; write it as dd/mm/yyyy.")
        if start is not None and end is not None:
            if end < start:
                error("end_date", "end_before_start", "the end date is before the start date.")
            elif np.isfinite(number) and number > (end - start).days + 1:
                issues.append(
                    log_issue(
                        name,
                        line,
                        "days",
                        "warning",
                        "more_days_than_period",
                        f"{name} row {line}: more days than there are between the start and end "
                        "dates; check the days or the dates.",
                    )
                )
        starts.append(start)
        ends.append(end)
    table["days"] = pd.Series(days, index=table.index, dtype=float)
    table["start_date"] = pd.to_datetime(pd.Series(starts, index=table.index, dtype=object))
    table["end_date"] = pd.to_datetime(pd.Series(ends, index=table.index, dtype=object))
    table["scope"] = scopes
    year_starts = str(config["support"].get("year_starts", "04-01"))
    table["year"] = [
        financial_year(d, year_starts) if pd.notna(d) else "" for d in table["start_date"]
    ]
    withhold_identifiers(table, ("activity", "notes"), name, issues)
    table["valid"] = ~table.index.isin(list(bad))
    table = table[columns].reset_index(drop=True)
    table.attrs["record_level"] = True  # one row per support entry: never displayed whole
    return ValidatedLog(table, issues_frame(issues))


def _allowance_for(allowance, borough: str, default: float) -> float:
    if allowance is None:
        return default
    if isinstance(allowance, Mapping):
        return float(allowance.get(borough, default))
    value = float(allowance)
    if value < 0:
        raise InvalidArgumentError("The allowance must be 0 or more days.")
    return value


def support_ledger(
    log: pd.DataFrame, allowance: float | Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Each valid borough support row with the running total and the days that are chargeable.

    Inputs: the table from :func:`read_support_log`; ``allowance`` (days per borough per
    financial year: a number, a {borough: days} mapping with the YAML default for the rest,
    or None for ``support.allowance_days`` in audit_themes.yaml, 10). Rows are taken in start
    date order within each borough and year; the row that crosses the allowance is
    chargeable in part. Output: the borough rows plus ``allowance``, ``cumulative_days``,
    ``included_days`` and ``chargeable_days``. Pan-London rows are not included (they count
    against no borough). Raises: InvalidArgumentError for a negative allowance.
    """
    default = float(audit.audit_config()["support"]["allowance_days"])
    rows = log[log["valid"].astype(bool) & (log["scope"] == "borough")].copy()
    rows = rows.sort_values(["borough", "year", "start_date", "row"])
    rows["allowance"] = [_allowance_for(allowance, b, default) for b in rows["borough"]]
    rows["cumulative_days"] = rows.groupby(["borough", "year"])["days"].cumsum()
    before = rows["cumulative_days"] - rows["days"]
    rows["included_days"] = np.clip(rows["allowance"] - before, 0, rows["days"])
    rows["chargeable_days"] = rows["days"] - rows["included_days"]
    return rows.reset_index(drop=True)


def support_days(
    log: pd.DataFrame,
    allowance: float | Mapping[str, float] | None = None,
    *,
    year: str | None = None,
    all_boroughs: bool = False,
) -> pd.DataFrame:
    """Support days used per borough against the agreed allowance, and what is chargeable.

    Inputs: the table from :func:`read_support_log`; ``allowance`` as :func:`support_ledger`;
    ``year`` (a financial year such as "2025-26"; None: every year in the log);
    ``all_boroughs`` (include the London boroughs with no support, as 0 days).
    Output: one row per borough and year: ``borough, year, days_used, allowance, remaining,
    chargeable_days, pct_used`` (days used as % of the allowance), most used first.
    Raises: InvalidArgumentError for a negative allowance.

    >>> log = pd.DataFrame({"borough": ["Barnet", "Barnet", "pan-London"], "scope":
    ...     ["borough", "borough", "pan-London"], "year": "2025-26", "days": [6.0, 6.5, 3.0],
    ...     "start_date": pd.to_datetime(["2025-05-01", "2025-09-01", "2025-06-01"]),
    ...     "row": [2, 3, 4], "valid": True})
    >>> support_days(log)[["borough", "days_used", "allowance", "chargeable_days"]]
      borough  days_used  allowance  chargeable_days
    0  Barnet       12.5       10.0              2.5
    """
    default = float(audit.audit_config()["support"]["allowance_days"])
    ledger = support_ledger(log, allowance)
    if year is not None:
        ledger = ledger[ledger["year"] == year]
    columns = [
        "borough",
        "year",
        "days_used",
        "allowance",
        "remaining",
        "chargeable_days",
        "pct_used",
    ]
    table = ledger.groupby(["borough", "year"], as_index=False).agg(
        days_used=("days", "sum"), chargeable_days=("chargeable_days", "sum")
    )
    if all_boroughs:
        years = (
            [year]
            if year is not None
            else sorted(set(table["year"])) or [financial_year(dt.date.today())]
        )
        present = set(zip(table["borough"], table["year"], strict=True))
        extra = [
            {"borough": la.name, "year": y, "days_used": 0.0, "chargeable_days": 0.0}
            for la in register.london_boroughs()
            for y in years
            if (la.name, y) not in present
        ]
        table = pd.concat([table, pd.DataFrame(extra)], ignore_index=True) if extra else table
    table["allowance"] = [_allowance_for(allowance, b, default) for b in table["borough"]]
    table["remaining"] = np.maximum(table["allowance"] - table["days_used"], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["pct_used"] = np.where(
            table["allowance"] > 0, 100 * table["days_used"] / table["allowance"], np.nan
        )
    table = table.sort_values(["days_used", "borough"], ascending=[False, True])
    return table[columns].reset_index(drop=True)


def support_split(log: pd.DataFrame, *, year: str | None = None) -> pd.DataFrame:
    """How support time divides between borough support and pan-London work.

    Inputs: the table from :func:`read_support_log`; ``year`` (None: all). Output: one row per
    scope ("borough", "pan-London"): ``scope, days, pieces_of_work, share_pct``.

    >>> log = pd.DataFrame({"scope": ["borough", "borough", "pan-London"], "year": "2025-26",
    ...                     "days": [6.0, 6.0, 3.0], "valid": True})
    >>> support_split(log)[["scope", "days", "share_pct"]].values.tolist()
    [['borough', 12.0, 80.0], ['pan-London', 3.0, 20.0]]
    """
    rows = log[log["valid"].astype(bool)]
    if year is not None:
        rows = rows[rows["year"] == year]
    table = pd.DataFrame({"scope": ["borough", "pan-London"]})
    grouped = rows.groupby("scope")["days"].agg(["sum", "count"])
    table["days"] = table["scope"].map(grouped["sum"]).fillna(0.0).astype(float)
    table["pieces_of_work"] = table["scope"].map(grouped["count"]).fillna(0).astype(int)
    total = table["days"].sum()
    table["share_pct"] = 100 * table["days"] / total if total > 0 else np.nan
    return table
