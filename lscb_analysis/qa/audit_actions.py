"""The audit actions log: validated, then reported (overdue, re-audits due, exceptions unanswered).

Actions (``data/raw/audit/actions.csv``): what the board agreed to do after an audit finding
or a performance-indicator exception, who owns it, when it is due, its status and when the
practice will be re-audited. Columns (headers are matched ignoring case, spaces and
punctuation; :data:`ACTION_HEADER_SYNONYMS` lists other accepted names):

    action_id (optional), borough, action, owner, due_date, source_type ("audit finding",
    "PI exception" or "other"), source_ref (the audit id, or audit id/question id, or the PI
    id), status ("open", "in progress", "complete"), reaudit_date (optional),
    completed_date (optional), notes (optional)

:func:`read_actions` returns a :class:`~lscb_analysis.qa.log_files.ValidatedLog`: the table
with parsed values, its ``row`` (line in the file, header = line 1) and ``valid``, plus issues
(``file, sheet, row, column, cell, severity, code, message``) that name the file, row and
column and never quote free text. Rows with problems are kept (``valid`` False) and left out
of the reports. Free-text fields (action, notes) that look like they hold an identifier are
withheld. Dates are read day first (31/03/2026) or as ISO (2026-03-31). The support log is
in :mod:`lscb_analysis.qa.support_log`.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import numpy as np
import pandas as pd

from lscb_analysis.core import paths, register
from lscb_analysis.core.errors import InvalidArgumentError, UnknownAreaError
from lscb_analysis.qa import audit
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


def _check_action_codes(table: pd.DataFrame, index, row: pd.Series, pans: set[str], error) -> None:
    """Check and normalise one row's status, source type and borough, in ``table``.

    ``error`` is :func:`row_error` bound to the row; unknown values are kept as written.
    """
    if row["status"]:
        status = STATUS_SYNONYMS.get(" ".join(row["status"].lower().replace("-", " ").split()))
        if status is None:
            error("status", "unknown_status", f"not a status; use one of {', '.join(STATUSES)}.")
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
        found = resolve_borough(row["borough"], pans)
        if found is None:
            error(
                "borough",
                "unknown_borough",
                "not a London borough or 'pan-London'; use the borough's name.",
            )
        else:
            table.at[index, "borough"] = found[0]


def _check_action_id(row: pd.Series, line: int, seen_ids: dict[str, int], error) -> None:
    """Flag an action id already used on an earlier row (``seen_ids``: id -> first line)."""
    if row["action_id"]:
        if row["action_id"] in seen_ids:
            error(
                "action_id",
                "duplicate_action_id",
                f"the same action id as row {seen_ids[row['action_id']]}; give each "
                "action its own id.",
            )
        seen_ids.setdefault(row["action_id"], line)


def _action_date_warnings(table: pd.DataFrame, name: str, issues: list[dict]) -> None:
    """Warn of a re-audit before the due date, and of a completion date on an unfinished action."""
    for _, row in table.iterrows():
        line = int(row["row"])
        if (
            pd.notna(row["reaudit_date"])
            and pd.notna(row["due_date"])
            and row["reaudit_date"] < row["due_date"]
        ):
            issues.append(
                log_issue(
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
                log_issue(
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
        issue = log_issue(
            file.name,
            None,
            "",
            "warning",
            "no_actions_log",
            f"No actions log at {file}: no actions can be reported. Record actions "
            "in data/raw/audit/actions.csv (columns: " + ", ".join(ACTION_COLUMNS) + ").",
        )
        return ValidatedLog(pd.DataFrame(columns=columns), issues_frame([issue]))
    table, issues = read_log_csv(
        file, ACTION_COLUMNS, ACTION_REQUIRED, ACTION_HEADER_SYNONYMS, "Actions log"
    )
    config = audit.audit_config()
    pans = pan_labels(config)
    name = file.name
    bad: set[int] = set()
    seen_ids: dict[str, int] = {}
    parsed: dict[str, list] = {c: [] for c in ("due_date", "reaudit_date", "completed_date")}
    for index, row in table.iterrows():
        line = int(row["row"])

        error = functools.partial(row_error, issues, bad, name, index, line)
        check_required(row, ACTION_REQUIRED, error)
        for column in parsed:
            value = parse_date(row[column]) if row[column] else None
            if row[column] and value is None:
                error(column, "bad_date", "not a date; write it as dd/mm/yyyy.")
            parsed[column].append(value)
        _check_action_codes(table, index, row, pans, error)
        _check_action_id(row, line, seen_ids, error)
    for column, values in parsed.items():
        table[column] = pd.to_datetime(pd.Series(values, index=table.index, dtype=object))
    _action_date_warnings(table, name, issues)
    withhold_identifiers(table, ("action", "notes"), name, issues)
    table["valid"] = ~table.index.isin(list(bad))
    return ValidatedLog(table[columns].reset_index(drop=True), issues_frame(issues))


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
