"""The audit actions log and the regional support log: validated, then reported.

Actions (``data/raw/audit/actions.csv``): what the board agreed to do after an audit finding
or a performance-indicator exception, who owns it, when it is due, its status and when the
practice will be re-audited. Columns (headers are matched ignoring case, spaces and
punctuation; :data:`ACTION_HEADER_SYNONYMS` lists other accepted names):

    action_id (optional), borough, action, owner, due_date, source_type ("audit finding",
    "PI exception" or "other"), source_ref (the audit id, or audit id/question id, or the PI
    id), status ("open", "in progress", "complete"), reaudit_date (optional),
    completed_date (optional), notes (optional)

Support log (``data/raw/support/support_log.csv``): days of regional adviser or improvement
partner support. Columns: borough (or a pan-London label such as "pan-London"), theme, days,
commissioned_by, start_date, end_date; optional: support_id, adviser, activity, notes.

Readers return a :class:`ValidatedLog`: the table with parsed values, its ``row`` (line in
the file, header = line 1) and ``valid``, plus issues (``file, sheet, row, column, cell,
severity, code, message``) that name the file, row and column and never quote free text.
Rows with problems are kept (``valid`` False) and left out of the reports. Free-text fields
(action, notes, activity) that look like they hold an identifier are withheld.
Dates are read day first (31/03/2026) or as ISO (2026-03-31).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lscb_analysis.core import paths, register
from lscb_analysis.core.errors import (
    DataFileError,
    InvalidArgumentError,
    ParameterError,
    UnknownAreaError,
)
from lscb_analysis.protect.identifier_rules import load_identifier_config
from lscb_analysis.protect.identifier_text import scan_text
from lscb_analysis.qa import audit

ISSUE_COLUMNS = audit.ISSUE_COLUMNS
ACTION_COLUMNS = (
    "action_id",
    "borough",
    "action",
    "owner",
    "due_date",
    "source_type",
    "source_ref",
    "status",
    "reaudit_date",
    "completed_date",
    "notes",
)
ACTION_REQUIRED = ("borough", "action", "owner", "due_date", "source_type", "source_ref", "status")
ACTION_HEADER_SYNONYMS = {
    "id": "action_id",
    "ref": "action_id",
    "action_ref": "action_id",
    "area": "borough",
    "board": "borough",
    "la": "borough",
    "action_owner": "owner",
    "lead": "owner",
    "due": "due_date",
    "due_by": "due_date",
    "deadline": "due_date",
    "target_date": "due_date",
    "source": "source_type",
    "source_finding_or_pi_exception": "source_type",
    "finding": "source_ref",
    "reference": "source_ref",
    "source_reference": "source_ref",
    "pi_id": "source_ref",
    "re_audit_date": "reaudit_date",
    "re_audit": "reaudit_date",
    "reaudit": "reaudit_date",
    "date_completed": "completed_date",
    "completed": "completed_date",
    "comments": "notes",
    "comment": "notes",
}
STATUSES = ("open", "in progress", "complete")
STATUS_SYNONYMS = {
    "open": "open",
    "not started": "open",
    "new": "open",
    "outstanding": "open",
    "in progress": "in progress",
    "inprogress": "in progress",
    "ongoing": "in progress",
    "started": "in progress",
    "underway": "in progress",
    "complete": "complete",
    "completed": "complete",
    "done": "complete",
    "closed": "complete",
}
SOURCE_TYPES = {
    "audit": "audit finding",
    "audit finding": "audit finding",
    "finding": "audit finding",
    "audit findings": "audit finding",
    "pi exception": "PI exception",
    "pi": "PI exception",
    "exception": "PI exception",
    "performance exception": "PI exception",
    "score card exception": "PI exception",
    "scorecard exception": "PI exception",
    "other": "other",
    "inspection": "other",
    "review": "other",
}
SUPPORT_COLUMNS = (
    "support_id",
    "borough",
    "theme",
    "days",
    "commissioned_by",
    "start_date",
    "end_date",
    "adviser",
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
}
PAN_LONDON = "pan-London"
WITHHELD = audit.WITHHELD_TEXT


@dataclass
class ValidatedLog:
    """A validated log: ``table`` (parsed rows with ``row`` and ``valid``) and ``issues``."""

    table: pd.DataFrame
    issues: pd.DataFrame


def _issue(file: str, row: int | None, column: str, severity: str, code: str, message: str) -> dict:
    return {
        "file": file,
        "sheet": "",
        "row": row,
        "column": column,
        "cell": "",
        "severity": severity,
        "code": code,
        "message": message,
    }


def _row_error(
    issues: list, bad: set, name: str, index, line: int, column: str, code: str, message: str
) -> None:
    """Record an error on one row of a log (the row is then marked not valid)."""
    bad.add(index)
    issues.append(
        _issue(name, line, column, "error", code, f"{name} row {line}, column {column}: {message}")
    )


def _check_required(row: pd.Series, required, error) -> None:
    for column in required:
        if not row[column]:
            error(column, "missing_value", "empty; fill it in.")


def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).strip().lower()).strip("_")


def _read_csv(
    path: Path,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    synonyms: Mapping[str, str],
    what: str,
) -> tuple[pd.DataFrame, list[dict]]:
    issues: list[dict] = []
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        raise DataFileError(
            f"{what} {path} cannot be read as CSV ({type(error).__name__}); save it as "
            "CSV UTF-8 from Excel and try again."
        ) from error
    except pd.errors.EmptyDataError as error:
        raise DataFileError(f"{what} {path} is empty; it needs a header row.") from error
    renamed = {}
    for header in raw.columns:
        key = _header_key(header)
        key = synonyms.get(key, key)
        if key in columns and key not in renamed.values():
            renamed[header] = key
        else:
            issues.append(
                _issue(
                    path.name,
                    1,
                    str(header),
                    "info",
                    "column_ignored",
                    f"{path.name}: column {header!r} is not used; the columns "
                    f"read are {', '.join(columns)}.",
                )
            )
    table = raw.rename(columns=renamed)[list(renamed.values())]
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise DataFileError(
            f"{what} {path} has no column {', '.join(missing)}. It needs the columns "
            f"{', '.join(required)} (optional: "
            f"{', '.join(c for c in columns if c not in required)})."
        )
    for column in columns:
        if column not in table.columns:
            table[column] = ""
    table = table[list(columns)].apply(lambda s: s.str.strip())
    table.insert(0, "row", range(2, len(table) + 2))
    return table, issues


def _parse_date(value: str) -> pd.Timestamp | None:
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    elif re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", text):
        parsed = pd.to_datetime(text, dayfirst=True, errors="coerce")
    else:
        parsed = pd.to_datetime(text, dayfirst=True, errors="coerce", format="mixed")
    return None if pd.isna(parsed) else pd.Timestamp(parsed).normalize()


def _borough(value: str, pan_labels: set[str]) -> tuple[str, str] | None:
    key = register.normalise_name(value)
    if key in pan_labels:
        return PAN_LONDON, "pan-London"
    try:
        return register.resolve(value).name, "borough"
    except UnknownAreaError:
        return None


def _pan_labels(config: dict) -> set[str]:
    return {register.normalise_name(x) for x in config["support"]["pan_london_labels"]}


def _withhold(table: pd.DataFrame, columns: tuple[str, ...], name: str, issues: list[dict]) -> None:
    scan_config = load_identifier_config()
    for column in columns:
        for index, text in table[column].items():
            if not text:
                continue
            found = scan_text(text, config=scan_config)
            if found.empty:
                continue
            kinds = ", ".join(sorted(set(found["kind"]))).replace("_", " ")
            row = int(table.at[index, "row"])
            issues.append(
                _issue(
                    name,
                    row,
                    column,
                    "warning",
                    "identifier_in_text",
                    f"{name} row {row}, column {column}: the text may contain "
                    f"an identifier ({kinds}); it is withheld from reports. "
                    "Remove it from the file.",
                )
            )
            table.at[index, column] = WITHHELD


def _frame_issues(issues: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(issues, columns=list(ISSUE_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    return frame


# --- actions ----------------------------------------------------------------------------------


def read_actions(path: Path | str | None = None) -> ValidatedLog:
    """Read and validate the actions log.

    Input: ``path`` (None: ``data/raw/audit/actions.csv``). Output: :class:`ValidatedLog`
    whose table has ``row`` and :data:`ACTION_COLUMNS` with ``borough`` canonical (or
    "pan-London"), ``due_date``/``reaudit_date``/``completed_date`` as Timestamps (NaT when
    blank or invalid), ``status`` one of :data:`STATUSES`, ``source_type`` "audit finding",
    "PI exception" or "other", plus ``valid``. A missing file gives an empty table and one
    warning. Issues: ``missing_value``, ``bad_date``, ``unknown_status``,
    ``unknown_source_type``, ``unknown_borough``, ``duplicate_action_id`` (errors);
    ``reaudit_before_due``, ``completed_date_without_complete``, ``identifier_in_text``
    (warnings). Raises: DataFileError when the file is unreadable or lacks a required column.
    """
    file = Path(path) if path is not None else paths.raw_dir() / "audit" / "actions.csv"
    columns = ["row", *ACTION_COLUMNS, "valid"]
    if not file.is_file():
        issue = _issue(
            file.name,
            None,
            "",
            "warning",
            "no_actions_log",
            f"No actions log at {file}: no actions can be reported. Record actions "
            "in data/raw/audit/actions.csv (columns: " + ", ".join(ACTION_COLUMNS) + ").",
        )
        return ValidatedLog(pd.DataFrame(columns=columns), _frame_issues([issue]))
    table, issues = _read_csv(
        file, ACTION_COLUMNS, ACTION_REQUIRED, ACTION_HEADER_SYNONYMS, "Actions log"
    )
    config = audit.audit_config()
    pans = _pan_labels(config)
    name = file.name
    bad: set[int] = set()
    seen_ids: dict[str, int] = {}
    parsed: dict[str, list] = {c: [] for c in ("due_date", "reaudit_date", "completed_date")}
    for index, row in table.iterrows():
        line = int(row["row"])

        error = functools.partial(_row_error, issues, bad, name, index, line)
        _check_required(row, ACTION_REQUIRED, error)
        for column in parsed:
            value = _parse_date(row[column]) if row[column] else None
            if row[column] and value is None:
                error(column, "bad_date", "not a date; write it as dd/mm/yyyy.")
            parsed[column].append(value)
        if row["status"]:
            status = STATUS_SYNONYMS.get(" ".join(row["status"].lower().replace("-", " ").split()))
            if status is None:
                error(
                    "status", "unknown_status", f"not a status; use one of {', '.join(STATUSES)}."
                )
            table.at[index, "status"] = status or row["status"]
        if row["source_type"]:
            source = SOURCE_TYPES.get(" ".join(row["source_type"].lower().split()))
            if source is None:
                error(
                    "source_type",
                    "unknown_source_type",
                    "should be 'audit finding', 'PI exception' or 'other'.",
                )
            table.at[index, "source_type"] = source or row["source_type"]
        if row["borough"]:
            found = _borough(row["borough"], pans)
            if found is None:
                error(
                    "borough",
                    "unknown_borough",
                    "not a London borough or 'pan-London'; use the borough's name.",
                )
            else:
                table.at[index, "borough"] = found[0]
        if row["action_id"]:
            if row["action_id"] in seen_ids:
                error(
                    "action_id",
                    "duplicate_action_id",
                    f"the same action id as row {seen_ids[row['action_id']]}; give each "
                    "action its own id.",
                )
            seen_ids.setdefault(row["action_id"], line)
    for column, values in parsed.items():
        table[column] = pd.to_datetime(pd.Series(values, index=table.index, dtype=object))
    for _, row in table.iterrows():
        line = int(row["row"])
        if (
            pd.notna(row["reaudit_date"])
            and pd.notna(row["due_date"])
            and row["reaudit_date"] < row["due_date"]
        ):
            issues.append(
                _issue(
                    name,
                    line,
                    "reaudit_date",
                    "warning",
                    "reaudit_before_due",
                    f"{name} row {line}: the re-audit date is before the action "
                    "is due; check the dates.",
                )
            )
        if pd.notna(row["completed_date"]) and row["status"] != "complete":
            issues.append(
                _issue(
                    name,
                    line,
                    "status",
                    "warning",
                    "completed_date_without_complete",
                    f"{name} row {line}: a completion date but the status is "
                    f"{row['status'] or 'empty'}; set the status to complete or "
                    "clear the date.",
                )
            )
    _withhold(table, ("action", "notes"), name, issues)
    table["valid"] = ~table.index.isin(list(bad))
    return ValidatedLog(table[columns].reset_index(drop=True), _frame_issues(issues))


def _as_timestamp(as_at) -> pd.Timestamp:
    if as_at is None:
        return pd.Timestamp(dt.date.today())
    stamp = pd.Timestamp(as_at)
    if pd.isna(stamp):
        raise InvalidArgumentError(f"as_at must be a date; got {as_at!r}.")
    return stamp.normalize()


def overdue_actions(actions: pd.DataFrame, as_at=None) -> pd.DataFrame:
    """Actions not complete whose due date has passed.

    Inputs: the table from :func:`read_actions`; ``as_at`` (a date; None: today). Only valid
    rows count. Output: those rows plus ``days_overdue``, most overdue first.
    Raises: InvalidArgumentError for an unusable ``as_at``.

    >>> a = pd.DataFrame({"action_id": ["A1", "A2"], "status": ["open", "complete"],
    ...     "due_date": pd.to_datetime(["2026-01-31", "2026-01-31"]), "valid": True})
    >>> overdue_actions(a, "2026-03-31")[["action_id", "days_overdue"]].values.tolist()
    [['A1', 59]]
    """
    when = _as_timestamp(as_at)
    rows = actions[
        actions["valid"].astype(bool)
        & (actions["status"] != "complete")
        & actions["due_date"].notna()
        & (actions["due_date"] < when)
    ].copy()
    rows["days_overdue"] = (when - rows["due_date"]).dt.days.astype(int)
    return rows.sort_values(["days_overdue"], ascending=False).reset_index(drop=True)


def reaudit_due(actions: pd.DataFrame, as_at=None, within_days: int = 0) -> pd.DataFrame:
    """Actions whose re-audit date has come (or comes within ``within_days``).

    Inputs: the table from :func:`read_actions`; ``as_at`` (None: today); ``within_days``
    (look ahead, default 0). Only valid rows with a re-audit date count, whatever their status
    (a re-audit checks whether a completed action made a difference). Output: those rows plus
    ``days_until_reaudit`` (negative: past), soonest first.
    Raises: InvalidArgumentError for an unusable ``as_at`` or a negative ``within_days``.
    """
    if within_days < 0:
        raise InvalidArgumentError("within_days must be 0 or more.")
    when = _as_timestamp(as_at)
    limit = when + pd.Timedelta(days=within_days)
    rows = actions[
        actions["valid"].astype(bool)
        & actions["reaudit_date"].notna()
        & (actions["reaudit_date"] <= limit)
    ].copy()
    rows["days_until_reaudit"] = (rows["reaudit_date"] - when).dt.days.astype(int)
    return rows.sort_values("days_until_reaudit").reset_index(drop=True)


def exceptions_without_action(exceptions: pd.DataFrame, actions: pd.DataFrame) -> pd.DataFrame:
    """PI exceptions (from the score card) that no action in the log answers yet.

    Inputs: ``exceptions`` with at least ``borough`` and ``pi_id`` (borough names are read
    with the register, so "RBKC" matches "Kensington and Chelsea"); the actions table from
    :func:`read_actions`. An exception is answered by any valid action with source type "PI
    exception", the same borough and ``source_ref`` equal to the PI id (case ignored),
    whatever its status. Output: the unanswered exception rows (all their columns).
    Raises: InvalidArgumentError when ``exceptions`` lacks ``borough`` or ``pi_id``.

    >>> ex = pd.DataFrame({"borough": ["Barnet", "Barnet"], "pi_id": ["cpp_2yrs_pct", "cin_rate"]})
    >>> act = pd.DataFrame({"borough": ["Barnet"], "source_type": ["PI exception"],
    ...                     "source_ref": ["CPP_2yrs_pct"], "valid": [True]})
    >>> exceptions_without_action(ex, act)["pi_id"].tolist()
    ['cin_rate']
    """
    missing = [c for c in ("borough", "pi_id") if c not in exceptions.columns]
    if missing:
        raise InvalidArgumentError(
            f"The exceptions table has no column {', '.join(missing)}; it needs borough and "
            "pi_id (one row per exception)."
        )
    answered = actions[actions["valid"].astype(bool) & (actions["source_type"] == "PI exception")]
    keys = {
        (b, str(r).strip().lower())
        for b, r in zip(answered["borough"], answered["source_ref"], strict=True)
    }

    def canonical(name: str) -> str:
        try:
            return register.resolve(name).name
        except UnknownAreaError:
            return str(name)

    mask = [
        (canonical(b), str(p).strip().lower()) not in keys
        for b, p in zip(exceptions["borough"], exceptions["pi_id"], strict=True)
    ]
    return exceptions[np.array(mask, dtype=bool)].reset_index(drop=True)


# --- support log ------------------------------------------------------------------------------


def financial_year(date, year_starts: str = "04-01") -> str:
    """Return the financial year of a date, e.g. "2025-26" for 31 March 2026.

    >>> financial_year(pd.Timestamp("2026-03-31")), financial_year(pd.Timestamp("2026-04-01"))
    ('2025-26', '2026-27')
    """
    month, day = (int(x) for x in year_starts.split("-"))
    stamp = pd.Timestamp(date)
    start = stamp.year if (stamp.month, stamp.day) >= (month, day) else stamp.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def read_support_log(path: Path | str | None = None) -> ValidatedLog:
    """Read and validate the support log.

    Input: ``path`` (None: ``data/raw/support/support_log.csv``). Output:
    :class:`ValidatedLog` whose table has ``row``, :data:`SUPPORT_COLUMNS` (``borough``
    canonical or "pan-London", ``theme`` the audit theme's title when it is one, ``days`` a
    number, dates as Timestamps), ``scope`` ("borough" or "pan-London"), ``year`` (financial
    year of the start date) and ``valid``. A missing file gives an empty table and a warning.
    Issues: ``missing_value``, ``bad_number``, ``bad_date``, ``end_before_start``,
    ``unknown_borough`` (errors); ``unknown_theme``, ``more_days_than_period``,
    ``identifier_in_text`` (warnings). Raises: DataFileError when the file is unreadable or
    lacks a required column.
    """
    file = Path(path) if path is not None else paths.raw_dir() / "support" / "support_log.csv"
    columns = ["row", *SUPPORT_COLUMNS, "scope", "year", "valid"]
    if not file.is_file():
        issue = _issue(
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
        return ValidatedLog(pd.DataFrame(columns=columns), _frame_issues([issue]))
    table, issues = _read_csv(
        file, SUPPORT_COLUMNS, SUPPORT_REQUIRED, SUPPORT_HEADER_SYNONYMS, "Support log"
    )
    config = audit.audit_config()
    pans = _pan_labels(config)
    other_themes = {" ".join(t.lower().split()) for t in config["support"]["other_themes"]}
    name = file.name
    bad: set[int] = set()
    days: list[float] = []
    starts: list = []
    ends: list = []
    scopes: list[str] = []
    for index, row in table.iterrows():
        line = int(row["row"])

        error = functools.partial(_row_error, issues, bad, name, index, line)
        _check_required(row, SUPPORT_REQUIRED, error)
        scope = ""
        if row["borough"]:
            found = _borough(row["borough"], pans)
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
        if row["theme"]:
            try:
                key = audit.resolve_theme(row["theme"], config)
                table.at[index, "theme"] = config["themes"][key]["title"]
            except ParameterError:
                if " ".join(row["theme"].lower().split()) not in other_themes:
                    issues.append(
                        _issue(
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
        days.append(number)
        start = _parse_date(row["start_date"]) if row["start_date"] else None
        end = _parse_date(row["end_date"]) if row["end_date"] else None
        for column, value in (("start_date", start), ("end_date", end)):
            if row[column] and value is None:
                error(column, "bad_date", "not a date; write it as dd/mm/yyyy.")
        if start is not None and end is not None:
            if end < start:
                error("end_date", "end_before_start", "the end date is before the start date.")
            elif np.isfinite(number) and number > (end - start).days + 1:
                issues.append(
                    _issue(
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
    _withhold(table, ("activity", "notes"), name, issues)
    table["valid"] = ~table.index.isin(list(bad))
    table = table[columns].reset_index(drop=True)
    table.attrs["record_level"] = True  # one row per support entry: never displayed whole
    return ValidatedLog(table, _frame_issues(issues))


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
