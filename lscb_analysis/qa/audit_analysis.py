"""Audit findings: the records that count, grade shares with their uncertainty, board tiers.

The other audit findings sit beside this module and build on it: agreement and moderation
(:mod:`~lscb_analysis.qa.audit_agreement`), trends between repeat audits
(:mod:`~lscb_analysis.qa.audit_trends`), evidence (:mod:`~lscb_analysis.qa.audit_evidence`) and
the questions they raise (:mod:`~lscb_analysis.qa.audit_questions`).

Pure functions over the records from :func:`lscb_analysis.qa.audit_ingest.ingest_audit` (or
:func:`audit_ingest.read_audit_records`): a DataFrame in, a new DataFrame out. Only records whose
``status`` is "ok" are counted, and "Not applicable" answers are left out of shares and
agreement. Grades are ordered by their rank in ``data/reference/audit_themes.yaml``
(Outstanding 4 ... Inadequate 1); "good or better" is Outstanding or Good.

Things to say alongside the numbers (each function's ``attrs["note"]`` repeats what applies):

* The unit is the graded answer (case x agency x question). Answers about the same case are
  not independent, so intervals computed as if they were are narrower than they should be:
  read them as the least uncertainty there is. Audit samples are small: always show the
  interval.
* Small numbers: the tables count answers, but with a handful of cases a count of 1 to 5 can
  be about one or two children. Before a table leaves as a board output, pass it through
  :func:`for_tier` (which applies :func:`lscb_analysis.protect.disclosure.table_for_tier` with the
  count and derived columns recorded in the table's ``attrs``); the ``analyst`` tier keeps
  the numbers and is labelled NOT FOR PUBLICATION.
* Evidence text (:func:`lscb_analysis.qa.audit_evidence.evidence_by_question`) never includes
  withheld evidence, but it is still free text about real cases: read it before quoting it in
  a published paper.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.protect import disclosure, disclosure_config
from lscb_analysis.qa import audit
from lscb_analysis.stats.intervals import proportion_ci

ITEM_NOTE = (
    "Counts are graded answers (case x agency x question), not children. Answers about the "
    "same case are related, so the 95% Wilson intervals, computed as if answers were "
    "independent, understate the uncertainty."
)


# --- helpers ----------------------------------------------------------------------------------


def as_columns(by: str | Sequence[str] | None) -> list[str]:
    """A ``by`` argument (None, a column name or names) as a list of column names."""
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def check_columns(records: pd.DataFrame, columns: Sequence[str]) -> None:
    """Raise InvalidArgumentError naming the ``columns`` the audit records lack."""
    missing = [c for c in columns if c not in records.columns]
    if missing:
        raise InvalidArgumentError(
            f"The audit records have no column {', '.join(missing)}; pass the records from "
            "audit_ingest.ingest_audit or audit_ingest.read_audit_records."
        )


def section_order(config: dict) -> dict[str, int]:
    """Each section's position in the audit config (for sorting tables in that order)."""
    return {section: n for n, section in enumerate(config["sections"])}


def sorted_table(frame: pd.DataFrame, by: list[str], config: dict) -> pd.DataFrame:
    """``frame`` sorted by ``by``: sections in config order, grades best first, others as text."""
    if frame.empty or not by:
        return frame.reset_index(drop=True)
    keys = []
    for column in by:
        if column == "section":
            keys.append(frame[column].map(section_order(config)).fillna(99))
        elif column == "final_grade" or column == "grade":
            keys.append(-rank_of(frame[column], config))
        else:
            keys.append(frame[column].astype(str))
    order = np.lexsort([k.to_numpy() for k in reversed(keys)])
    return frame.iloc[order].reset_index(drop=True)


def rank_of(grades: pd.Series, config: dict) -> pd.Series:
    """Grade ranks as floats (0 for anything that is not a grade), even for empty input."""
    ranks = audit.grade_ranks(config)
    return pd.Series([float(ranks.get(g, 0)) for g in grades], index=grades.index, dtype=float)


def graded(
    records: pd.DataFrame, grade_column: str = "final_grade", config: dict | None = None
) -> pd.DataFrame:
    """Return the records that count: status "ok" and a real grade (not "Not applicable").

    Inputs: audit records; ``grade_column`` ("final_grade" by default: the moderated grade
    where there is one, else the auditor's; "grade" for auditors' grades only).
    Output: the matching rows plus ``rank`` (4 = Outstanding ... 1 = Inadequate) and
    ``good_or_better`` (bool). Raises: InvalidArgumentError when a needed column is missing.

    >>> r = pd.DataFrame({"status": ["ok", "ok", "missing_grade"],
    ...                   "final_grade": ["Good", "Not applicable", ""]})
    >>> graded(r)[["final_grade", "rank", "good_or_better"]].values.tolist()
    [['Good', 3, True]]
    """
    check_columns(records, ["status", grade_column])
    config = config or audit.audit_config()
    ranks = audit.grade_ranks(config)
    usable = records[(records["status"] == "ok") & records[grade_column].isin(list(ranks))]
    usable = usable.copy()
    usable["rank"] = rank_of(usable[grade_column], config).astype(int)
    usable["good_or_better"] = usable[grade_column].isin(config["good_or_better"])
    return usable


def wilson(numerator, denominator) -> pd.DataFrame:
    """Wilson 95% intervals: ``value, lower, upper`` per row (NaN where the denominator is 0)."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    out = pd.DataFrame(
        {"value": np.nan, "lower": np.nan, "upper": np.nan}, index=range(len(numerator))
    )
    valid = denominator > 0
    if valid.any():
        ci = proportion_ci(numerator[valid], denominator[valid])
        out.loc[valid, ["value", "lower", "upper"]] = ci.to_numpy()
    return out


def for_tier(table: pd.DataFrame, tier: str = disclosure_config.DEFAULT_TIER) -> pd.DataFrame:
    """Prepare one of this module's tables for an output tier (board: small numbers suppressed).

    Uses the ``count_columns``, ``rates`` and ``column_total`` recorded in ``table.attrs`` by
    the function that made it, so the counts 1-5, the shares computed from them and (where a
    total is shown) a second cell are suppressed. Output: a new DataFrame with
    ``attrs["tier_label"]``. Raises: ParameterError for an unknown tier; DisclosureError.

    >>> t = grade_distribution(pd.DataFrame({"status": ["ok"] * 3, "section": ["impact"] * 3,
    ...                                      "final_grade": ["Good"] * 3}))
    >>> for_tier(t)[["Good", "graded", "good_or_better_pct"]].values.tolist()
    [['c', 'c', 'c']]
    """
    options = {
        key: table.attrs[key]
        for key in ("count_columns", "rates", "column_total")
        if table.attrs.get(key) is not None
    }
    keep = {k: v for k, v in table.attrs.items() if k not in ("tier", "tier_label")}
    out = disclosure.table_for_tier(table, tier, **options)
    out.attrs = {**keep, "tier": out.attrs["tier"], "tier_label": out.attrs["tier_label"]}
    return out


# --- grade shares -----------------------------------------------------------------------------


def grade_distribution(
    records: pd.DataFrame,
    by: str | Sequence[str] | None = ("section",),
    grade_column: str = "final_grade",
) -> pd.DataFrame:
    """Count graded answers by grade, with the share good or better and its Wilson interval.

    Inputs: audit records; ``by`` (columns to group by, e.g. "section", "agency", ["audit_id",
    "theme"]; None or () for one overall row); ``grade_column`` ("final_grade" or "grade").
    Output: one row per group with the ``by`` columns, one count column per grade (best first:
    ``Outstanding, Good, Requires improvement, Inadequate``), ``graded`` (their total),
    ``good_or_better`` (count), ``good_or_better_pct``, ``lower``, ``upper`` (95% Wilson, in
    %). Sections come in question-bank order. "Not applicable" answers are left out.
    ``attrs``: ``count_columns``, ``rates``, ``column_total`` (for :func:`for_tier`), ``note``.
    Raises: InvalidArgumentError when a column is missing.

    >>> r = pd.DataFrame({"status": "ok", "section": ["impact"] * 4 + ["planning"] * 2,
    ...     "final_grade": ["Good", "Good", "Inadequate", "Outstanding", "Good", "Inadequate"]})
    >>> grade_distribution(r)[["section", "graded", "good_or_better", "good_or_better_pct"]]
        section  graded  good_or_better  good_or_better_pct
    0  planning       2               1                50.0
    1    impact       4               3                75.0
    """
    config = audit.audit_config()
    columns = as_columns(by)
    check_columns(records, [*columns, "status", grade_column])
    grades = audit.grade_names(config)
    usable = graded(records, grade_column, config)
    result_columns = [
        *columns,
        *grades,
        "graded",
        "good_or_better",
        "good_or_better_pct",
        "lower",
        "upper",
    ]
    if usable.empty:
        table = pd.DataFrame(columns=result_columns)
    else:
        if columns:
            counts = usable.groupby(columns + [grade_column], dropna=False).size()
            counts = counts.unstack(grade_column, fill_value=0).reset_index()
        else:
            counts = usable[grade_column].value_counts().to_frame().T.reset_index(drop=True)
        for grade in grades:
            if grade not in counts.columns:
                counts[grade] = 0
        counts = counts[[*columns, *grades]].copy()
        counts.columns.name = None
        counts[grades] = counts[grades].astype(int)
        counts["graded"] = counts[grades].sum(axis=1).astype(int)
        counts["good_or_better"] = counts[config["good_or_better"]].sum(axis=1).astype(int)
        ci = wilson(counts["good_or_better"], counts["graded"])
        counts["good_or_better_pct"] = ci["value"].to_numpy()
        counts["lower"] = ci["lower"].to_numpy()
        counts["upper"] = ci["upper"].to_numpy()
        table = sorted_table(counts[result_columns], columns, config)
    # Every derived figure of a row goes with any suppressed count of that row (simplest
    # robust rule: the share with its complement would otherwise give a suppressed count back).
    sources = [*grades, "graded"]
    table.attrs.update(
        count_columns=[*grades, "graded"],
        column_total="graded",
        rates={
            "good_or_better": sources,
            "good_or_better_pct": sources,
            "lower": sources,
            "upper": sources,
        },
        note=ITEM_NOTE,
    )
    return table
