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

* The unit is the graded answer (case x agency x question), and answers about the same case
  are alike, so every share of answers has an interval with the case as the cluster
  (:func:`lscb_analysis.stats.clustered.clustered_proportion`: Wilson with the effective sample
  size, answers divided by the design effect from the intra-case correlation). Tables show
  the number of cases beside the answers; the design effect is shown on the analyst tier only
  (``attrs["analyst_columns"]``, dropped by :func:`for_tier` for the board). Audit samples are
  small: always show the interval.
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
from lscb_analysis.stats.clustered import clustered_proportion

ITEM_NOTE = (
    "Counts are graded answers (case x agency x question), not children. Answers about one "
    "case are alike, so each 95% interval takes the case as the cluster: a Wilson interval on "
    "the effective sample size (the answers divided by the design effect; Kish, Donner and "
    "Klar), or on the cases where that cannot be estimated."
)
ANALYST_COLUMNS = ("design_effect",)


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


def by_case(outcome: pd.Series, cases: pd.Series, groups: pd.Series | None = None) -> pd.DataFrame:
    """Shares of answers with the case as the cluster, one row per group (95%, in %).

    Inputs: per-answer ``outcome`` (bool or 0/1), the answer's ``cases`` (pseudonyms; a blank
    reference counts as one case) and optional ``groups`` labels (all Series on the same
    index). Output: :func:`lscb_analysis.stats.clustered.clustered_proportion`'s columns
    (``answers, cases, events, value, icc, design_effect, effective_n, lower, upper,
    design_effect_basis``), indexed by group label (a single row 0 without groups).
    Raises: InvalidArgumentError as that function.
    """
    return clustered_proportion(
        outcome.astype(float).to_numpy(),
        cases.fillna("").astype(str).to_numpy(),
        None if groups is None else groups.to_numpy(),
    )


def for_tier(table: pd.DataFrame, tier: str = disclosure_config.DEFAULT_TIER) -> pd.DataFrame:
    """Prepare one of this module's tables for an output tier (board: small numbers suppressed).

    Uses the ``count_columns``, ``rates`` and ``column_total`` recorded in ``table.attrs`` by
    the function that made it, so the counts 1-5, the shares computed from them and (where a
    total is shown) a second cell are suppressed; any tier but ``analyst`` also leaves out
    the ``attrs["analyst_columns"]`` (the design effect). Output: a new DataFrame with
    ``attrs["tier_label"]``. Raises: ParameterError for an unknown tier; DisclosureError.

    >>> t = grade_distribution(pd.DataFrame({"status": ["ok"] * 3, "section": ["impact"] * 3,
    ...                                      "case": "a", "final_grade": ["Good"] * 3}))
    >>> for_tier(t)[["Good", "graded", "good_or_better_pct"]].values.tolist()
    [['c', 'c', 'c']]
    >>> "design_effect" in for_tier(t), "design_effect" in for_tier(t, "analyst")
    (False, True)
    """
    keep = {k: v for k, v in table.attrs.items() if k not in ("tier", "tier_label")}
    if disclosure_config.validate_tier(tier) != "analyst":
        hidden = [c for c in table.attrs.get("analyst_columns", ()) if c in table]
        table = table.drop(columns=hidden)
    options = {
        key: table.attrs[key]
        for key in ("count_columns", "column_total")
        if table.attrs.get(key) is not None
    }
    if table.attrs.get("rates") is not None:
        options["rates"] = {k: v for k, v in table.attrs["rates"].items() if k in table}
    out = disclosure.table_for_tier(table, tier, **options)
    out.attrs = {**keep, "tier": out.attrs["tier"], "tier_label": out.attrs["tier_label"]}
    return out


# --- grade shares -----------------------------------------------------------------------------


def grade_distribution(
    records: pd.DataFrame,
    by: str | Sequence[str] | None = ("section",),
    grade_column: str = "final_grade",
) -> pd.DataFrame:
    """Count graded answers by grade, with the share good or better and its clustered interval.

    Inputs: audit records (with a ``case`` column: the case pseudonym); ``by`` (columns to
    group by, e.g. "section", "agency", ["audit_id", "theme"]; None or () for one overall
    row); ``grade_column`` ("final_grade" or "grade").
    Output: one row per group with the ``by`` columns, one count column per grade (best first:
    ``Outstanding, Good, Requires improvement, Inadequate``), ``graded`` (their total),
    ``cases`` (cases with a graded answer), ``good_or_better`` (count),
    ``good_or_better_pct``, ``lower``, ``upper`` (95%, in %, with the case as the cluster:
    :func:`by_case`) and ``design_effect`` (analyst tier only). Sections come in question-bank
    order. "Not applicable" answers are left out. ``attrs``: ``count_columns``, ``rates``,
    ``column_total``, ``analyst_columns`` (for :func:`for_tier`), ``note``, ``method``.
    Raises: InvalidArgumentError when a column is missing.

    >>> r = pd.DataFrame({"status": "ok", "section": ["impact"] * 4 + ["planning"] * 2,
    ...     "case": ["a", "b", "c", "d", "a", "b"],
    ...     "final_grade": ["Good", "Good", "Inadequate", "Outstanding", "Good", "Inadequate"]})
    >>> grade_distribution(r)[["section", "graded", "cases", "good_or_better", "design_effect"]]
        section  graded  cases  good_or_better  design_effect
    0  planning       2      2               1            1.0
    1    impact       4      4               3            1.0
    """
    config = audit.audit_config()
    columns = as_columns(by)
    check_columns(records, [*columns, "status", "case", grade_column])
    grades = audit.grade_names(config)
    usable = graded(records, grade_column, config)
    result_columns = [
        *columns,
        *grades,
        "graded",
        "cases",
        "good_or_better",
        "good_or_better_pct",
        "lower",
        "upper",
        *ANALYST_COLUMNS,
    ]
    if usable.empty:
        table = pd.DataFrame(columns=result_columns)
    else:
        table = sorted_table(
            _grade_counts(usable, columns, grades, grade_column, config)[result_columns],
            columns,
            config,
        )
    # Every derived figure of a row goes with any suppressed count of that row (simplest
    # robust rule: the share with its complement would otherwise give a suppressed count back).
    # ``cases`` is the sample size, not a count with an outcome, so it is no primary count
    # (nor could it be one: with ``column_total`` the count columns are the parts and total);
    # it goes with a row's suppressed counts like the derived figures, so a board reader (or
    # the recovery attack) never reads a number after the suppressed total as a share.
    sources = [*grades, "graded"]
    table.attrs.update(
        count_columns=[*grades, "graded"],
        column_total="graded",
        rates={
            "cases": sources,
            "good_or_better": sources,
            "good_or_better_pct": sources,
            "lower": sources,
            "upper": sources,
            "design_effect": sources,
        },
        analyst_columns=list(ANALYST_COLUMNS),
        note=ITEM_NOTE,
        method=CLUSTER_METHOD,
    )
    return table


CLUSTER_METHOD = (
    "Share good or better with a 95% Wilson interval using the effective sample size (answers "
    "divided by the design effect 1 + (m_w - 1) x ICC, Kish 1965, with the intra-case "
    "correlation by one-way ANOVA floored at 0, Donner and Klar 2000): "
    "lscb_analysis.stats.clustered.clustered_proportion, the case as the cluster."
)


def _grade_counts(
    usable: pd.DataFrame, columns: list[str], grades: list[str], grade_column: str, config: dict
) -> pd.DataFrame:
    """Grade counts per group, with the clustered share good or better (unsorted)."""
    if columns:
        keys = usable.groupby(columns, dropna=False, sort=False).ngroup()
        counts = usable.groupby(columns + [grade_column], dropna=False).size()
        counts = counts.unstack(grade_column, fill_value=0).reset_index()
        first = usable.loc[~keys.duplicated(), columns].assign(_key=keys[~keys.duplicated()])
        counts = counts.merge(first, on=columns, how="left")
        shares = by_case(usable["good_or_better"], usable["case"], keys)
        shares = shares.reindex(counts["_key"].to_numpy())
    else:
        counts = usable[grade_column].value_counts().to_frame().T.reset_index(drop=True)
        shares = by_case(usable["good_or_better"], usable["case"])
    for grade in grades:
        if grade not in counts.columns:
            counts[grade] = 0
    counts = counts[[*columns, *grades]].copy()
    counts.columns.name = None
    counts[grades] = counts[grades].astype(int)
    counts["graded"] = counts[grades].sum(axis=1).astype(int)
    counts["good_or_better"] = counts[config["good_or_better"]].sum(axis=1).astype(int)
    counts["cases"] = shares["cases"].to_numpy().astype(int)
    counts["good_or_better_pct"] = shares["value"].to_numpy()
    counts["lower"] = shares["lower"].to_numpy()
    counts["upper"] = shares["upper"].to_numpy()
    counts["design_effect"] = shares["design_effect"].to_numpy()
    return counts
