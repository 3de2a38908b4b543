"""Which survey return is used when a board sent more than one, and what a copy is.

The latest return for a borough is the one with the latest date inside it (the About sheet),
then the latest file time; the file name never decides which is later. Returns tied on both
are flagged for the board to decide. A byte-identical copy is a duplicate of the file it
copies unless that file was set aside for its name (then the copy is read in its own right).
Used by :mod:`lscb_analysis.survey.survey_ingest`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

# Rejections that depend on the file's name, not its content: a byte-identical copy under
# another name is read in its own right rather than set aside as a duplicate.
NAME_DEPENDENT_REJECTIONS = ("identity_mismatch", "borough_not_identifiable")


def duplicate_use(first: Any) -> str:
    """What became of the file a duplicate copies (after :func:`_supersede`), for the
    duplicate's message: "is used", "was replaced by a later return" or "was set aside"."""
    if first.state == "rejected":
        return f"was set aside ({first.reason.replace('_', ' ')})"
    if any(first.used.values()):
        return "is used"
    return "was replaced by a later return"


def _tied_issue(outcome: Any, used: Any, borough: str) -> dict[str, Any]:
    """The query on a return tied with the one used: same date inside and same file time."""
    return {
        "file": outcome.file,
        "sheet": "",
        "row": None,
        "column": "",
        "severity": "warning",
        "code": "tied_return",
        "message": f"This return for {borough} has the same return date and file time as "
        f"{used.file}, so neither is newer. {used.file} is used only because its name comes "
        "first, which says nothing about which is right: ask the board, then remove or "
        "re-date the one that should not be used.",
    }


def supersede(outcomes: list) -> None:
    """Mark, per borough, the latest readable return as used and the others as superseded.

    Input: the ingest's per-file outcomes (``state``, ``reason``, ``file``, ``return_date``,
    ``modified``, ``boroughs``, ``used``, ``issues``); changed in place: ``used`` per borough,
    and a ``superseded_return`` or ``tied_return`` warning on each return not used. Raises
    nothing.
    """
    by_borough: dict[str, list] = {}
    for outcome in outcomes:
        if outcome.state == "rejected":
            continue
        for la_number in outcome.boroughs:
            by_borough.setdefault(la_number, []).append(outcome)
    for la_number, group in by_borough.items():

        def order(o) -> tuple:
            date = o.return_date if pd.notna(o.return_date) else pd.Timestamp.min
            return (date, o.modified)

        # The latest by the date inside the return, then by file time; never by file name.
        # Returns tied on both are flagged: the first by name is used so that the result
        # does not change from run to run, and the board is asked which is right.
        newest = max(order(o) for o in group)
        latest = min((o for o in group if order(o) == newest), key=lambda o: o.file)
        for outcome in group:
            outcome.used[la_number] = outcome is latest
            if outcome is latest:
                continue
            name = outcome.boroughs[la_number].name
            if order(outcome) == newest:
                outcome.issues.append(_tied_issue(outcome, latest, name))
                continue
            if (
                pd.notna(outcome.return_date)
                and pd.notna(latest.return_date)
                and latest.return_date != outcome.return_date
            ):
                basis = (
                    f"dated {latest.return_date.date()} on its About sheet, later than "
                    f"{outcome.return_date.date()} on this one"
                )
            else:
                basis = "saved later (file modification time)"
            outcome.issues.append(
                {
                    "file": outcome.file,
                    "sheet": "",
                    "row": None,
                    "column": "",
                    "severity": "warning",
                    "code": "superseded_return",
                    "message": f"This return for {name} was replaced by {latest.file} ({basis}): "
                    "its items are kept with used = False. Nothing to do unless this "
                    "return should be used instead (then remove or re-date the other).",
                }
            )
