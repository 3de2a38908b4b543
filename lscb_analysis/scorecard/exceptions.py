"""The exception list for the challenge meeting: which PIs need a question, and why.

:func:`find_exceptions` picks the PIs with special-cause concern, the "red-red" PIs (significantly
worse than a benchmark and getting worse) and the PIs missing their target consistently
(:func:`consecutive_misses`), each with a plain-English sentence and questions for the meeting.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from lscb_analysis.scorecard.pilot_values import USABLE
from lscb_analysis.scorecard.ratings import target_status, trend_judgement
from lscb_analysis.scorecard.series import series_kind
from lscb_analysis.scorecard.wording import (
    join_words,
    lower_first,
    period_text,
    sentence_case,
    short_title,
)

EXCEPTION_COLUMNS: list[str] = [
    "pi_id",
    "title",
    "rating",
    "sub_group",
    "exceptions",
    "labels",
    "sentence",
    "questions",
]


"""Columns of :attr:`scorecard.Scorecard.exceptions`: one row per PI meeting any exception rule."""

PERIOD_WORDS = {
    "quarter": ("quarter", "quarters"),
    "half": ("half-year", "half-years"),
    "year": ("year", "years"),
}


def _period_words(row: Mapping) -> tuple[str, str]:
    return PERIOD_WORDS[series_kind(row["source_type"], row["frequency"])]


def _spc_clause(row: Mapping, points: pd.DataFrame) -> str:
    """Plain words for the special cause at the latest point."""
    one, many = _period_words(row)
    shown = points[points["value"].notna()]
    if shown.empty:
        return ""
    last = shown.iloc[-1]
    high = last["value"] > last["mean"]
    side = "above the upper" if high else "below the lower"
    if row["spc_rule"] == "outside_limits":
        limit = "upl" if high else "lpl"
        earlier = shown.iloc[:-1]
        beyond = earlier[
            (earlier["value"] > earlier[limit]) if high else (earlier["value"] < earlier[limit])
        ]
        since = (
            f"for the first time since {period_text(beyond['period'].iloc[-1])}"
            if len(beyond)
            else f"for the first time since the series began in {period_text(shown['period'].iloc[0])}"
        )
        return f"{side} process limit {since}"
    if row["spc_rule"] == "trend":
        steps = np.sign(np.diff(shown["value"].to_numpy()))
        run = 1
        for step in reversed(steps):
            if step != steps[-1] or step == 0:
                break
            run += 1
        return f"{'rising' if steps[-1] > 0 else 'falling'} for {run} {many} in a row"
    if row["spc_rule"] == "two_of_three":
        return f"with two of the last three {many} close to the {side.split()[-1]} process limit"
    sides = np.sign(shown["value"].to_numpy() - shown["mean"].to_numpy())
    run = 0
    for item in reversed(sides):
        if item != sides[-1] or item == 0:
            break
        run += 1
    return f"{run} {many} in a row {'above' if high else 'below'} its average"


def _exception_facts(
    row: Mapping, points: pd.DataFrame, found: list[str], rules: Mapping
) -> tuple[str, dict]:
    """The plain-English sentence for an exception PI, and the question placeholders."""
    title = short_title(row["title"])
    one, many = _period_words(row)
    value = row["value_text"]
    verbs = {
        "improving": None,
        "worsening": None,
        "up": "rose",
        "down": "fell",
        "no_change": "was unchanged at",
    }
    direction = row["travel"]
    if direction in ("improving", "worsening"):
        rose = (direction == "improving") == (row["polarity"] == "high")
        verb = "rose to" if rose else "fell to"
    elif direction in ("up", "down"):
        verb = f"{verbs[direction]} to"
    elif direction == "no_change":
        verb = "was unchanged at"
    else:
        verb = "was"
    first = f"{title} {verb} {value} in {period_text(row['period'])}"
    clauses = []
    names = rules["benchmarks"]
    worse = [key for key in names if row[f"vs_{key}"] == "worse"]
    if worse:
        listed = join_words([f"{names[k]} ({row[f'{k}_text']})" for k in worse])
        clauses.append(f"significantly worse than {listed}")
    if "special_cause_concern" in found:
        clauses.append(_spc_clause(row, points))
    if "red_red" in found and row["travel"] != "worsening":
        clauses.append(f"on a significant worsening trend over the last five {many}")
    periods_text = ""
    if "missing_target" in found:
        misses = int(row.get("_misses", 0))
        need = int(rules["exceptions"]["missing_target"]["periods"])
        side = "below" if row["polarity"] == "high" else "above"
        if misses >= need:
            periods_text = f"each of the last {misses} {many}"
            clauses.append(f"{side} its target of {row['target_text']} in {periods_text}")
        if row["assurance"] == "consistently_fail":
            clauses.append("with process limits showing it will consistently fail the target")
            periods_text = periods_text or (
                "recent periods, and the SPC limits show it cannot meet it as things stand"
            )
    sentence = first + ("; " + join_words(clauses) if clauses else "") + "."
    placeholders = {
        "title": lower_first(title),
        "borough": row["borough"],
        "period": period_text(row["period"]),
        "value": value,
        "target": row["target_text"],
        "periods": periods_text,
        "benchmarks": join_words([names[k] for k in worse]) or "its benchmarks",
        "agency": row["source_agency"],
        "sub_group": row["sub_group"],
    }
    return sentence, placeholders


def consecutive_misses(series: pd.DataFrame, pi: Mapping, rules: Mapping) -> int:
    """How many of the latest periods in a row missed the target (a gap ends the count)."""
    count = 0
    for row in series.iloc[::-1].itertuples(index=False):
        status = target_status(
            row.value if row.state == USABLE else np.nan,
            pi["target_value"],
            pi["polarity"],
            pi["decimals"],
            rules,
            pi.get("target_tolerance"),
        )
        if status not in ("missed", "near"):
            break
        count += 1
    return count


def find_exceptions(rows: pd.DataFrame, points: pd.DataFrame, rules: Mapping) -> pd.DataFrame:
    """Apply the exception rules to score card rows; one row per PI meeting any of them.

    Rules (``exceptions`` in scorecard.yaml): ``special_cause_concern`` (the latest point's
    variation), ``red_red`` (worse than any listed benchmark and getting worse: worsening
    since the previous period or a significant worsening trend) and ``missing_target``
    (missed in each of the last N periods, or SPC assurance "consistently fail"). Rows need
    the helper column ``_misses`` (consecutive missed periods) that :func:`scorecard.scorecard` adds.

    Output: :data:`EXCEPTION_COLUMNS`, ordered by rating (critical first) then catalogue
    order; ``exceptions`` holds the rule codes joined by ``;``, ``labels`` their labels,
    ``questions`` one question per rule (joined by a blank line).
    Raises: KeyError when a question template names an unknown placeholder.
    """
    settings = rules["exceptions"]
    records = []
    for _, row in rows.iterrows():
        found = []
        if row["variation"] == "special_cause_concern":
            found.append("special_cause_concern")
        worse = any(row[f"vs_{key}"] == "worse" for key in settings["red_red"]["benchmarks"])
        getting_worse = (
            "direction" in settings["red_red"]["getting_worse"] and row["travel"] == "worsening"
        ) or (
            "trend" in settings["red_red"]["getting_worse"]
            and trend_judgement(row["trend"], row["polarity"]) == "getting worse"
        )
        if worse and getting_worse:
            found.append("red_red")
        rule = settings["missing_target"]
        if row["target_status"] in ("missed", "near") and (
            int(row.get("_misses", 0)) >= int(rule["periods"])
            or (rule.get("assurance_fail") and row["assurance"] == "consistently_fail")
        ):
            found.append("missing_target")
        if not found:
            continue
        found = [code for code in settings["order"] if code in found]
        sentence, placeholders = _exception_facts(
            row, points[points["pi_id"] == row["pi_id"]], found, rules
        )
        questions = [
            sentence_case(" ".join(str(rules["questions"][code]).format(**placeholders).split()))
            for code in found
        ]
        records.append(
            {
                "pi_id": row["pi_id"],
                "title": row["title"],
                "rating": row["rating"],
                "sub_group": row["sub_group"],
                "exceptions": ";".join(found),
                "labels": "; ".join(settings[code]["label"] for code in found),
                "sentence": sentence,
                "questions": "\n\n".join(questions),
                "_rank": (0 if row["rating"] == "critical" else 1, row["position"]),
            }
        )
    table = pd.DataFrame(records, columns=[*EXCEPTION_COLUMNS, "_rank"])
    return table.sort_values("_rank").drop(columns="_rank").reset_index(drop=True)
