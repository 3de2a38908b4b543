"""The Operational Board's quarterly view of one board: every sub-group's card side by side,
exceptions ranked across groups, declines, overdue actions and what to report up.

"Each sub and task group will produce a Score Card for the Operational Board on its agreed
performance and success indicators. The Operational Board will consider these and report to
the Leadership Board on the performance of the sub groups." Pure functions over the score card
table (:func:`lscb_analysis.scorecard.build.load_scorecard_table`: one row per borough and
PI, with its sub-group, exceptions, target status and direction of travel) and the actions log
(:func:`lscb_analysis.qa.audit_actions.read_actions`).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from lscb_analysis.core import io
from lscb_analysis.core.errors import MissingDataFileError, ReferenceDataError

CONFIG_FILE = "boards.yaml"

RATING_ORDER = {"critical": 0, "priority outcome": 1, "universal outcome": 2}
"""How much a PI matters, for ranking its exceptions (the model's ratings, most first)."""
WORSENING = {"worsening"}
"""The score card's ``travel`` when the latest figure is worse than the one before."""


def load_rules() -> dict:
    """The Operational Board's rules (``operational`` in ``data/reference/boards.yaml``).

    Raises: ReferenceDataError when the file or its ``operational.theme_exceptions`` is
    missing.
    """
    rules = (io.read_reference_yaml(CONFIG_FILE) or {}).get("operational") or {}
    if not isinstance(rules.get("theme_exceptions"), int):
        raise ReferenceDataError(
            f"data/reference/{CONFIG_FILE}: operational.theme_exceptions must be a whole "
            "number (the exceptions that make a sub-group's card a theme to report up)."
        )
    return rules


def latest_cards() -> pd.DataFrame:
    """The latest score card table (every borough and PI, ``lscb scorecard build``).

    Raises: MissingDataFileError saying to build it when none has been built.
    """
    table = io.read_latest_processed("scorecard_")
    if table.empty:
        raise MissingDataFileError(
            "No score card table has been built: run `lscb scorecard build` (or `lscb pack`)."
        )
    return table


def board_rows(table: pd.DataFrame, borough: str) -> pd.DataFrame:
    """The score card rows of one borough (every PI, every sub-group)."""
    return table[table["borough"] == borough].reset_index(drop=True)


def group_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Each sub-group's card in one line: ``sub_group, pis, with_figure, with_exception,
    targets_met, targets_missed, worsening``, groups with most exceptions first."""
    if rows.empty:
        return pd.DataFrame(
            columns=[
                "sub_group",
                "pis",
                "with_figure",
                "with_exception",
                "targets_met",
                "targets_missed",
                "worsening",
            ]
        )
    frame = rows.assign(
        _figure=rows["value"].notna(),
        _exception=rows["exceptions"].fillna("") != "",
        _met=rows["target_status"] == "met",
        _missed=rows["target_status"] == "missed",
        _worse=rows["travel"].astype(str).isin(WORSENING),
    )
    summary = (
        frame.groupby("sub_group", sort=False)
        .agg(
            pis=("pi_id", "size"),
            with_figure=("_figure", "sum"),
            with_exception=("_exception", "sum"),
            targets_met=("_met", "sum"),
            targets_missed=("_missed", "sum"),
            worsening=("_worse", "sum"),
        )
        .reset_index()
    )
    return summary.sort_values(
        ["with_exception", "sub_group"], ascending=[False, True]
    ).reset_index(drop=True)


def group_cards(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each sub-group's PIs as its card shows them: ``pi_id, title, value_text, target_text,
    target_icon, travel_icon, exception_text``, in the model's order."""
    columns = [
        "pi_id",
        "title",
        "value_text",
        "target_text",
        "target_icon",
        "travel_icon",
        "exception_text",
    ]
    return {
        group: cards[columns].reset_index(drop=True)
        for group, cards in rows.groupby("sub_group", sort=False)
    }


def ranked_exceptions(rows: pd.DataFrame) -> pd.DataFrame:
    """Exceptions across groups, most serious first: more exception rules firing first,
    then the PI's rating (critical first), then a worsening direction of travel.
    Columns: ``rank, sub_group, pi_id, title, rating, exception_text, travel_icon``."""
    flagged = rows[rows["exceptions"].fillna("") != ""].copy()
    columns = ["rank", "sub_group", "pi_id", "title", "rating", "exception_text", "travel_icon"]
    if flagged.empty:
        return pd.DataFrame(columns=columns)
    flagged["_rules"] = flagged["exceptions"].str.count(";") + 1
    flagged["_rating"] = flagged["rating"].map(RATING_ORDER).fillna(len(RATING_ORDER))
    flagged["_worse"] = ~flagged["travel"].astype(str).isin(WORSENING)
    flagged = flagged.sort_values(
        ["_rules", "_rating", "_worse", "pi_id"], ascending=[False, True, True, True]
    )
    flagged["rank"] = range(1, len(flagged) + 1)
    return flagged[columns].reset_index(drop=True)


def declines(rows: pd.DataFrame) -> pd.DataFrame:
    """PIs whose latest figure is worse than the period before: ``sub_group, pi_id, title,
    previous_text, value_text``."""
    worse = rows[rows["travel"].astype(str).isin(WORSENING)]
    return worse[["sub_group", "pi_id", "title", "previous_text", "value_text"]].reset_index(
        drop=True
    )


def overdue_for(actions: pd.DataFrame, borough: str) -> pd.DataFrame:
    """The board's overdue actions (``overdue`` from
    :func:`lscb_analysis.qa.audit_actions.overdue_actions`): ``action_id, action, owner,
    due_date, days_overdue``."""
    columns = ["action_id", "action", "owner", "due_date", "days_overdue"]
    if actions.empty:
        return pd.DataFrame(columns=columns)
    mine = actions[actions["borough"] == borough]
    return mine[[c for c in columns if c in mine.columns]].reset_index(drop=True)


def to_leadership(
    summary: pd.DataFrame, ranked: pd.DataFrame, falling: pd.DataFrame, rules: Mapping
) -> pd.DataFrame:
    """The draft list to report to the Leadership Board: themes (sub-groups with at least
    ``rules["theme_exceptions"]`` exceptions) and declines of critical PIs.
    Columns: ``item, why``."""
    items = [
        {
            "item": f"{row.sub_group}: {row.with_exception} exceptions",
            "why": "a theme across the group's card",
        }
        for row in summary.itertuples()
        if row.with_exception >= int(rules["theme_exceptions"])
    ]
    critical = set(ranked.loc[ranked["rating"] == "critical", "pi_id"])
    items += [
        {"item": f"{row.pi_id} {row.title}", "why": "a critical PI getting worse"}
        for row in falling.itertuples()
        if row.pi_id in critical
    ]
    return pd.DataFrame(items, columns=["item", "why"])


def group_narratives(parts: pd.DataFrame, borough: str, quarter: str) -> pd.DataFrame:
    """The sub-groups' narratives for the board's quarter: ``group, question, text``
    (outcomes, the voice of children and young people, actions, forward plan, escalations)."""
    mine = parts[(parts["borough"] == borough) & (parts["quarter"] == quarter)]
    return mine[["group", "question", "text"]].reset_index(drop=True)


def answered_exceptions(
    ranked: pd.DataFrame,
    narrative_actions: pd.DataFrame,
    unanswered_in_log: set[str],
    borough: str,
    quarter: str,
) -> pd.DataFrame:
    """The ranked exceptions with what answers each: ``answered_by`` is the group's own
    account in its narrative (the action it wrote against the exception), "the actions log"
    when an action there names the PI, both, or "no action yet".

    Inputs: :func:`ranked_exceptions`; the narratives' ``actions`` table; the PI ids no
    action in the actions log answers
    (:func:`lscb_analysis.qa.audit_actions.exceptions_without_action`); the board and the
    card's quarter.
    """
    mine = narrative_actions[
        (narrative_actions["borough"] == borough)
        & (narrative_actions["quarter"] == quarter)
        & (narrative_actions["action"].fillna("") != "")
    ]
    written = dict(zip(mine["pi_id"], mine["action"], strict=True))

    def answer(pi_id: str) -> str:
        parts = [f"narrative: {written[pi_id]}"] if pi_id in written else []
        if pi_id not in unanswered_in_log:
            parts.append("the actions log")
        return "; ".join(parts) or "no action yet"

    return ranked.assign(answered_by=[answer(pi) for pi in ranked["pi_id"]])
